{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
    )
}}

with

sessions as (

    select * from {{ ref('stg_genesys__conversation_sessions') }}
    {% if is_incremental() %}
    where {{ conversations_to_refresh('conversation_started_at', 'extracted_at', 'conversation_started_at', 'extracted_at') }}
    {% endif %}

),

segments as (

    select * from {{ ref('stg_genesys__conversation_segments') }}
    {% if is_incremental() %}
    where {{ conversations_to_refresh('conversation_started_at', 'extracted_at', 'conversation_started_at', 'extracted_at') }}
    {% endif %}

),

session_metrics as (

    select * from {{ ref('stg_genesys__session_metrics') }}
    {% if is_incremental() %}
    where {{ conversations_to_refresh('conversation_started_at', 'extracted_at', 'conversation_started_at', 'extracted_at') }}
    {% endif %}

),

metrics_pivoted_to_sessions as (

    select
        conversation_id,
        session_id,
        cast(sum(case when metric_name = 'tAlert' then metric_value end) as {{ dbt.type_bigint() }}) as alert_ms,
        cast(sum(case when metric_name = 'tAnswered' then metric_value end) as {{ dbt.type_bigint() }}) as answered_ms,
        cast(sum(case when metric_name = 'tTalk' then metric_value end) as {{ dbt.type_bigint() }}) as talk_ms,
        cast(sum(case when metric_name = 'tHeld' then metric_value end) as {{ dbt.type_bigint() }}) as held_ms,
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
        max(disconnect_type) as disconnect_type

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
        metrics_pivoted_to_sessions.alert_ms,
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
        ) as transferred_count

    from sessions
    left join segments_aggregated_to_sessions
        on sessions.conversation_id = segments_aggregated_to_sessions.conversation_id
        and sessions.session_id = segments_aggregated_to_sessions.session_id
    left join metrics_pivoted_to_sessions
        on sessions.conversation_id = metrics_pivoted_to_sessions.conversation_id
        and sessions.session_id = metrics_pivoted_to_sessions.session_id

)

select * from legs_joined
