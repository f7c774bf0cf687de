{#
    Milliseconds per agent and 5-minute UTC interval in each routing status, on queue
    (presence ON_QUEUE) and in after-call work (agent wrapup segments), each source interval
    clipped to the bucket it overlaps.
#}

with

routing_statuses as (

    select * from {{ ref('stg_genesys__user_routing_statuses') }}

),

presences as (

    select * from {{ ref('stg_genesys__user_presences') }}

),

agent_legs as (

    select * from {{ ref('int_conversation_legs') }}

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
