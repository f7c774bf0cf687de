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

{% set earliest = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" %}

{# rendered once: a daily build reads the model's stored bounds one time, not once per input #}
{% set to_read = cxlake.conversations_to_read() %}

with

sessions as (

    {{ cxlake.read_conversations(ref('stg_genesys__conversation_sessions'), to_read) }}

),

segments as (

    {{ cxlake.read_conversations(ref('stg_genesys__conversation_segments'), to_read) }}

),

session_metrics as (

    {{ cxlake.read_conversations(ref('stg_genesys__session_metrics'), to_read) }}

),

metrics_pivoted_to_sessions as (

    select
        conversation_id,
        session_id,
        cast(sum(case when metric_name = 'tAlert' then metric_value end) as {{ dbt.type_bigint() }}) as alert_ms,
        cast(sum(case when metric_name = 'tAnswered' then metric_value end) as {{ dbt.type_bigint() }}) as answered_ms,
        min(case when metric_name = 'tAnswered' then emitted_at end) as answered_emitted_at,
        cast(sum(case when metric_name = 'tNotResponding' then metric_value end) as {{ dbt.type_bigint() }}) as not_responding_ms,
        {# repeated tTalk / tHeld parts of one session are summed; tTalkComplete / tHeldComplete only stand in when no part exists #}
        cast(coalesce(
            sum(case when metric_name = 'tTalk' then metric_value end),
            sum(case when metric_name = 'tTalkComplete' then metric_value end)
        ) as {{ dbt.type_bigint() }}) as talk_ms,
        cast(coalesce(
            sum(case when metric_name = 'tHeld' then metric_value end),
            sum(case when metric_name = 'tHeldComplete' then metric_value end)
        ) as {{ dbt.type_bigint() }}) as held_ms,
        cast(sum(case when metric_name = 'tAcw' then metric_value end) as {{ dbt.type_bigint() }}) as acw_ms,
        cast(sum(case when metric_name = 'tHandle' then metric_value end) as {{ dbt.type_bigint() }}) as handle_ms,
        cast(sum(case when metric_name = 'tAcd' then metric_value end) as {{ dbt.type_bigint() }}) as acd_ms,
        cast(sum(case when metric_name = 'tAbandon' then metric_value end) as {{ dbt.type_bigint() }}) as abandon_ms,
        cast(sum(case when metric_name = 'nOffered' then metric_value end) as {{ dbt.type_bigint() }}) as offered_count,
        cast(sum(case when metric_name = 'nTransferred' then metric_value end) as {{ dbt.type_bigint() }}) as transferred_count,
        cast(sum(case when metric_name = 'nBlindTransferred' then metric_value end) as {{ dbt.type_bigint() }}) as blind_transferred_count,
        cast(sum(case when metric_name = 'nConsultTransferred' then metric_value end) as {{ dbt.type_bigint() }}) as consult_transferred_count

    from session_metrics
    group by
        conversation_id,
        session_id

),

segments_aggregated_to_sessions as (

    select
        conversation_id,
        session_id,
        min(segment_started_at) as first_segment_started_at,
        max(segment_ended_at) as last_segment_ended_at,
        count(*) > count(segment_ended_at) as has_open_segment,
        max(queue_id) as queue_id,
        max(case when segment_type = 'wrapup' then wrap_up_code end) as wrapup_segment_code,
        max(wrap_up_code) as any_segment_code,
        min(case when segment_type = 'wrapup' then segment_started_at end) as wrapup_started_at,
        max(case when segment_type = 'wrapup' then segment_ended_at end) as wrapup_ended_at,
        max(disconnect_type) as disconnect_type,
        count(case when segment_type = 'interact' then 1 end) as interact_segment_count,
        min(case when segment_type = 'interact' then segment_started_at end) as first_interact_started_at,
        count(case when segment_type in ('dialing', 'contacting') then 1 end) as dial_segment_count,
        max(case when wrap_up_code = 'ININ-OUTBOUND-PREVIEW-SKIPPED' then 1 else 0 end) = 1 as has_preview_skipped_code,
        max(error_code) as error_code,
        max(wrap_up_note) as wrap_up_note,
        {# the latest interact segment (a missing start sorts first); its index breaks ties #}
        {{ cxlake.value_at_max(
            'disconnect_type',
            ['coalesce(segment_started_at, ' ~ earliest ~ ')', 'segment_index'],
            where="segment_type = 'interact'"
        ) }} as last_interact_disconnect_type

    from segments
    group by
        conversation_id,
        session_id

),

legs_joined as (

    select
        sessions.conversation_id,
        sessions.conversation_started_at,
        sessions.extracted_at,
        sessions.participant_id,
        sessions.session_id,
        sessions.session_index,
        sessions.purpose,
        sessions.user_id,
        sessions.media_type,
        sessions.direction,
        sessions.outbound_campaign_id,
        sessions.outbound_contact_id,
        sessions.disposition_name,
        sessions.flow_type,
        sessions.flow_first_outcome_value,
        sessions.message_type,
        sessions.journey_customer_id,
        sessions.journey_customer_session_id,
        sessions.callback_numbers,
        sessions.callback_scheduled_at,
        sessions.used_routing,
        sessions.requested_routings,
        segments_aggregated_to_sessions.queue_id,
        segments_aggregated_to_sessions.first_segment_started_at,
        segments_aggregated_to_sessions.last_segment_ended_at,
        coalesce(segments_aggregated_to_sessions.has_open_segment, false) as has_open_segment,
        coalesce(
            segments_aggregated_to_sessions.wrapup_segment_code,
            segments_aggregated_to_sessions.any_segment_code
        ) as wrap_up_code,
        segments_aggregated_to_sessions.wrapup_started_at,
        segments_aggregated_to_sessions.wrapup_ended_at,
        segments_aggregated_to_sessions.disconnect_type,
        segments_aggregated_to_sessions.last_interact_disconnect_type,
        coalesce(segments_aggregated_to_sessions.interact_segment_count, 0) as interact_segment_count,
        coalesce(segments_aggregated_to_sessions.dial_segment_count, 0) as dial_segment_count,
        coalesce(segments_aggregated_to_sessions.has_preview_skipped_code, false) as has_preview_skipped_code,
        segments_aggregated_to_sessions.error_code,
        segments_aggregated_to_sessions.wrap_up_note,
        metrics_pivoted_to_sessions.alert_ms,
        metrics_pivoted_to_sessions.not_responding_ms,
        metrics_pivoted_to_sessions.answered_ms,
        metrics_pivoted_to_sessions.talk_ms,
        metrics_pivoted_to_sessions.held_ms,
        metrics_pivoted_to_sessions.acw_ms,
        metrics_pivoted_to_sessions.handle_ms,
        metrics_pivoted_to_sessions.acd_ms,
        metrics_pivoted_to_sessions.abandon_ms,
        metrics_pivoted_to_sessions.offered_count,
        coalesce(
            metrics_pivoted_to_sessions.transferred_count,
            metrics_pivoted_to_sessions.blind_transferred_count + metrics_pivoted_to_sessions.consult_transferred_count,
            metrics_pivoted_to_sessions.blind_transferred_count,
            metrics_pivoted_to_sessions.consult_transferred_count,
            0
        ) as transferred_count,
        {# an agent answered when its session has an interact segment or a tAnswered metric; alert-only legs are missed alerts #}
        sessions.purpose = 'agent'
            and (
                coalesce(segments_aggregated_to_sessions.interact_segment_count, 0) > 0
                or metrics_pivoted_to_sessions.answered_ms is not null
            ) as is_answered,
        coalesce(
            segments_aggregated_to_sessions.first_interact_started_at,
            metrics_pivoted_to_sessions.answered_emitted_at
        ) as answered_at,
        coalesce(
            segments_aggregated_to_sessions.last_interact_disconnect_type in ('transfer', 'consultTransfer', 'conferenceTransfer', 'forwardTransfer'),
            false
        ) as ended_by_transfer

    from sessions
    left join segments_aggregated_to_sessions
        on sessions.conversation_id = segments_aggregated_to_sessions.conversation_id
        and sessions.session_id = segments_aggregated_to_sessions.session_id
    left join metrics_pivoted_to_sessions
        on sessions.conversation_id = metrics_pivoted_to_sessions.conversation_id
        and sessions.session_id = metrics_pivoted_to_sessions.session_id

)

select * from legs_joined
