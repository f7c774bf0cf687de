{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
        meta={'tests_new_rows_column': 'extracted_at'},
        pre_hook="{{ cxlake.open_conversation_start_windows(ref('base_genesys__conversation_documents')) }}",
        post_hook="{{ cxlake.run_first_load_windows() }}",
    )
}}

{#
    A first build runs the same SQL window by window of whole days of conversation start
    (macros/first_load_windows.sql), at most var `first_load_window_conversations` conversations
    a window: one aggregation of every session's segments and metrics over 10M conversations
    spilled 37 GB to disk.
#}

-- depends_on: {{ ref('stg_genesys__conversation_segments') }}
-- depends_on: {{ ref('stg_genesys__session_metrics') }}
{#- the segment and metric views stay upstream on every engine: the other engines and the unit
    test read them, and a selection such as `+unified_interactions` must build them -#}

{% set earliest = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" %}

{#
    Each session's segments and metrics, aggregated to the session: (function, value, where)
    for macros/nested_aggregate.sql, over one segment or metric named `segment` / `metric`.
    On DuckDB they are aggregated in place, from the lists of the session's typed document
    (`session_document`): one read of the sessions instead of three flattenings, two
    aggregations and two joins back (the legs' first week at 1M conversations: 2.9 s instead of
    4.9 s). Elsewhere, and in unit tests, from the segment and metric views grouped by session.
#}
{% set segment_aggregates = {
    'first_segment_started_at': ('min', 'segment.segment_started_at', none),
    'last_segment_ended_at': ('max', 'segment.segment_ended_at', none),
    'open_segment_count': ('count', none, 'segment.segment_ended_at is null'),
    'queue_id': ('max', 'segment.queue_id', none),
    'wrapup_segment_code': ('max', 'segment.wrap_up_code', "segment.segment_type = 'wrapup'"),
    'any_segment_code': ('max', 'segment.wrap_up_code', none),
    'wrapup_started_at': ('min', 'segment.segment_started_at', "segment.segment_type = 'wrapup'"),
    'wrapup_ended_at': ('max', 'segment.segment_ended_at', "segment.segment_type = 'wrapup'"),
    'disconnect_type': ('max', 'segment.disconnect_type', none),
    'interact_segment_count': ('count', none, "segment.segment_type = 'interact'"),
    'first_interact_started_at': ('min', 'segment.segment_started_at', "segment.segment_type = 'interact'"),
    'dial_segment_count': ('count', none, "segment.segment_type in ('dialing', 'contacting')"),
    'preview_skipped_segment_count': ('count', none, "segment.wrap_up_code = 'ININ-OUTBOUND-PREVIEW-SKIPPED'"),
    'error_code': ('max', 'segment.error_code', none),
    'wrap_up_note': ('max', 'segment.wrap_up_note', none),
    'last_interact_disconnect_type': (
        'last', 'segment.disconnect_type', "segment.segment_type = 'interact'",
        ['coalesce(segment.segment_started_at, ' ~ earliest ~ ')', 'segment.segment_index'],
    ),
} %}
{% set metric_sums = {
    'alert_ms': 'tAlert',
    'answered_ms': 'tAnswered',
    'not_responding_ms': 'tNotResponding',
    'talk_part_ms': 'tTalk',
    'talk_complete_ms': 'tTalkComplete',
    'held_part_ms': 'tHeld',
    'held_complete_ms': 'tHeldComplete',
    'acw_ms': 'tAcw',
    'handle_ms': 'tHandle',
    'acd_ms': 'tAcd',
    'abandon_ms': 'tAbandon',
    'offered_count': 'nOffered',
    'transferred_count': 'nTransferred',
    'blind_transferred_count': 'nBlindTransferred',
    'consult_transferred_count': 'nConsultTransferred',
} %}
{% set metric_aggregates = {'answered_emitted_at': ('min', 'metric.emitted_at', "metric.metric_name = 'tAnswered'")} %}
{% for alias, name in metric_sums.items() %}
{% do metric_aggregates.update({alias: ('sum', 'metric.metric_value', "metric.metric_name = '" ~ name ~ "'")}) %}
{% endfor %}

{# rendered once: a daily build reads the model's stored bounds one time, not once per input #}
{% set to_read = cxlake.conversations_to_read() %}

with

sessions as (

    {{ cxlake.read_conversations(ref('stg_genesys__conversation_sessions'), to_read) }}

),

{% if cxlake.aggregates_nested_lists() %}

sessions_with_lists as (

    select
        *,
        {{ cxlake.conversation_session_lists('session_document') }}

    from sessions

),

sessions_aggregated as (

    select
        *,
        {{ cxlake.nested_aggregate_columns(segment_aggregates, 'segment', 'segment_list') }},
        {{ cxlake.nested_aggregate_columns(metric_aggregates, 'metric', 'metric_list') }}

    from sessions_with_lists

),

{% else %}

segments as (

    {{ cxlake.read_conversations(ref('stg_genesys__conversation_segments'), to_read) }}

),

session_metrics as (

    {{ cxlake.read_conversations(ref('stg_genesys__session_metrics'), to_read) }}

),

segments_aggregated_to_sessions as (

    select
        segment.conversation_id,
        segment.session_id,
        {{ cxlake.nested_aggregate_columns(segment_aggregates, 'segment') }}

    from segments as segment
    group by
        segment.conversation_id,
        segment.session_id

),

metrics_aggregated_to_sessions as (

    select
        metric.conversation_id,
        metric.session_id,
        {{ cxlake.nested_aggregate_columns(metric_aggregates, 'metric') }}

    from session_metrics as metric
    group by
        metric.conversation_id,
        metric.session_id

),

sessions_aggregated as (

    select
        sessions.*,
        segments_aggregated_to_sessions.{{ segment_aggregates | join(',\n        segments_aggregated_to_sessions.') }},
        metrics_aggregated_to_sessions.{{ metric_aggregates | join(',\n        metrics_aggregated_to_sessions.') }}

    from sessions
    left join segments_aggregated_to_sessions
        on sessions.conversation_id = segments_aggregated_to_sessions.conversation_id
        and sessions.session_id = segments_aggregated_to_sessions.session_id
    left join metrics_aggregated_to_sessions
        on sessions.conversation_id = metrics_aggregated_to_sessions.conversation_id
        and sessions.session_id = metrics_aggregated_to_sessions.session_id

),

{% endif %}

legs_joined as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        participant_id,
        session_id,
        session_index,
        purpose,
        user_id,
        media_type,
        direction,
        outbound_campaign_id,
        outbound_contact_id,
        disposition_name,
        flow_type,
        flow_first_outcome_value,
        message_type,
        journey_customer_id,
        journey_customer_session_id,
        callback_numbers,
        callback_scheduled_at,
        used_routing,
        requested_routings,
        queue_id,
        first_segment_started_at,
        last_segment_ended_at,
        coalesce(open_segment_count, 0) > 0 as has_open_segment,
        coalesce(wrapup_segment_code, any_segment_code) as wrap_up_code,
        wrapup_started_at,
        wrapup_ended_at,
        disconnect_type,
        last_interact_disconnect_type,
        coalesce(interact_segment_count, 0) as interact_segment_count,
        coalesce(dial_segment_count, 0) as dial_segment_count,
        coalesce(preview_skipped_segment_count, 0) > 0 as has_preview_skipped_code,
        error_code,
        wrap_up_note,
        cast(alert_ms as {{ dbt.type_bigint() }}) as alert_ms,
        cast(not_responding_ms as {{ dbt.type_bigint() }}) as not_responding_ms,
        cast(answered_ms as {{ dbt.type_bigint() }}) as answered_ms,
        {# repeated tTalk / tHeld parts of one session are summed; tTalkComplete / tHeldComplete only stand in when no part exists #}
        cast(coalesce(talk_part_ms, talk_complete_ms) as {{ dbt.type_bigint() }}) as talk_ms,
        cast(coalesce(held_part_ms, held_complete_ms) as {{ dbt.type_bigint() }}) as held_ms,
        cast(acw_ms as {{ dbt.type_bigint() }}) as acw_ms,
        cast(handle_ms as {{ dbt.type_bigint() }}) as handle_ms,
        cast(acd_ms as {{ dbt.type_bigint() }}) as acd_ms,
        cast(abandon_ms as {{ dbt.type_bigint() }}) as abandon_ms,
        cast(offered_count as {{ dbt.type_bigint() }}) as offered_count,
        cast(coalesce(
            transferred_count,
            blind_transferred_count + consult_transferred_count,
            blind_transferred_count,
            consult_transferred_count,
            0
        ) as {{ dbt.type_bigint() }}) as transferred_count,
        {# an agent answered when its session has an interact segment or a tAnswered metric; alert-only legs are missed alerts #}
        purpose = 'agent'
            and (coalesce(interact_segment_count, 0) > 0 or answered_ms is not null) as is_answered,
        coalesce(first_interact_started_at, answered_emitted_at) as answered_at,
        coalesce(
            last_interact_disconnect_type in ('transfer', 'consultTransfer', 'conferenceTransfer', 'forwardTransfer'),
            false
        ) as ended_by_transfer

    from sessions_aggregated

)

select * from legs_joined
