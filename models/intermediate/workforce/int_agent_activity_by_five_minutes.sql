{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'interval_start_at'],
        meta={'tests_new_rows_column': 'interval_start_at', 'tests_new_rows_lookback': true},
    )
}}

{#
    Milliseconds per agent and 5-minute UTC interval in each routing status, on queue
    (presence ON_QUEUE) and in after-call work (agent wrapup segments), each source interval
    clipped to the bucket it overlaps.
    Incremental: a build re-derives the buckets from var `lookback_days` before the latest one
    stored (every source interval ending after that start, clipped to it), so a daily run
    spreads one day, not the whole history, over 5-minute buckets.
#}

{% set window_start = incremental_lookback_start('interval_start_at') if is_incremental() else none %}

with

routing_statuses as (

    select * from {{ ref('stg_genesys__user_routing_statuses') }}
    {% if window_start %}
    where ended_at > {{ window_start }}
    {% endif %}

),

presences as (

    select * from {{ ref('stg_genesys__user_presences') }}
    {% if window_start %}
    where ended_at > {{ window_start }}
    {% endif %}

),

agent_legs as (

    select * from {{ ref('int_conversation_legs') }}
    {% if window_start %}
    where wrapup_ended_at > {{ window_start }}
    {% endif %}

),

timed_activity as (

    select
        user_id,
        started_at,
        ended_at,
        'status_' || lower(routing_status) as activity

    from routing_statuses
    where ended_at > started_at

    union all

    select
        user_id,
        started_at,
        ended_at,
        'presence_on_queue' as activity

    from presences
    where system_presence = 'ON_QUEUE'
        and ended_at > started_at

    union all

    select
        user_id,
        wrapup_started_at as started_at,
        wrapup_ended_at as ended_at,
        'after_call_work' as activity

    from agent_legs
    {# a missed alert's system wrap-up (e.g. ININ-WRAP-UP-TIMEOUT) is no after-call work #}
    where purpose = 'agent'
        and is_answered
        and wrapup_ended_at > wrapup_started_at

),

activity_buckets as (

    select
        user_id,
        started_at,
        ended_at,
        activity,
        {{ overlapped_bucket_starts('started_at', 'ended_at', 5) }} as interval_start_at

    from timed_activity

),

activity_clipped_to_buckets as (

    select
        user_id,
        interval_start_at,
        activity,
        {{ milliseconds_between(
            'greatest(started_at, interval_start_at)',
            'least(ended_at, ' ~ dbt.dateadd('minute', 5, 'interval_start_at') ~ ')'
        ) }} as activity_ms

    from activity_buckets
    {% if window_start %}
    where interval_start_at >= {{ window_start }}
    {% endif %}

),

pivoted as (

    select
        user_id,
        interval_start_at,
        cast(sum(case when activity = 'status_idle' then activity_ms else 0 end) as {{ dbt.type_bigint() }}) as idle_ms,
        cast(sum(case when activity = 'status_interacting' then activity_ms else 0 end) as {{ dbt.type_bigint() }}) as interacting_ms,
        cast(sum(case when activity = 'status_communicating' then activity_ms else 0 end) as {{ dbt.type_bigint() }}) as communicating_ms,
        cast(sum(case when activity = 'status_not_responding' then activity_ms else 0 end) as {{ dbt.type_bigint() }}) as not_responding_ms,
        cast(sum(case when activity = 'status_off_queue' then activity_ms else 0 end) as {{ dbt.type_bigint() }}) as off_queue_ms,
        cast(sum(case when activity = 'presence_on_queue' then activity_ms else 0 end) as {{ dbt.type_bigint() }}) as on_queue_ms,
        cast(sum(case when activity = 'after_call_work' then activity_ms else 0 end) as {{ dbt.type_bigint() }}) as acw_ms

    from activity_clipped_to_buckets
    group by
        user_id,
        interval_start_at

)

select * from pivoted
