{#
    Milliseconds per agent and `minutes`-long UTC interval in each routing status, on queue
    (presence ON_QUEUE) and in after-call work (agent wrapup segments), each source interval
    clipped to the bucket it overlaps: the body of the agent activity grids
    (`int_agent_activity_by_five_minutes`, `int_agent_activity_by_fifteen_minutes`).
    Clipped milliseconds add up across buckets, so a 15-minute row is the sum of its three
    5-minute rows; the coarser grid is still derived from the sources, because rolling the
    dense 5-minute grid up to 15 minutes was one aggregation of every row of it (12 s of the
    16.5 s utilization took at 1M conversations, against 5.3 s for this body at 15 minutes).
    Incremental: a build re-derives the buckets from var `lookback_days` before the latest one
    stored (every source interval ending after that start, clipped to it). A first build runs
    window by window of whole days (`open_agent_activity_windows`, var `first_load_window_groups`).
#}
{% macro agent_activity_by_interval(minutes) -%}

{% if is_incremental() %}
{% set window_start = incremental_lookback_start('interval_start_at') %}
{% set window_end = "cast('9999-12-31' as " ~ dbt.type_timestamp() ~ ")" %}
{% else %}
{% set window_start, window_end = cxlake.first_load_window('start'), cxlake.first_load_window('end') %}
{% endif %}

with

routing_statuses as (

    select * from {{ ref('stg_genesys__user_routing_statuses') }}
    where ended_at > {{ window_start }}
        and started_at < {{ window_end }}

),

presences as (

    select * from {{ ref('stg_genesys__user_presences') }}
    where ended_at > {{ window_start }}
        and started_at < {{ window_end }}

),

agent_legs as (

    select * from {{ ref('int_conversation_legs') }}
    where wrapup_ended_at > {{ window_start }}
        and wrapup_started_at < {{ window_end }}

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
        {{ overlapped_bucket_starts('started_at', 'ended_at', minutes) }} as interval_start_at

    from timed_activity

),

activity_clipped_to_buckets as (

    select
        user_id,
        interval_start_at,
        activity,
        {{ milliseconds_between(
            'greatest(started_at, interval_start_at)',
            'least(ended_at, ' ~ dbt.dateadd('minute', minutes, 'interval_start_at') ~ ')'
        ) }} as activity_ms

    from activity_buckets
    where interval_start_at >= {{ window_start }}
        and interval_start_at < {{ window_end }}

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

{%- endmacro %}


{#
    Pre-hook of the agent activity grids: first-build windows of about var
    `first_load_window_groups` agents x `minutes`-long intervals, over the span of the
    routing statuses, presences and wrap-ups they read.
#}
{% macro open_agent_activity_windows(minutes) -%}
    {{ return(cxlake.open_first_load_windows(
        spans=[
            [ref('stg_genesys__user_routing_statuses'), 'started_at', 'ended_at'],
            [ref('stg_genesys__user_presences'), 'started_at', 'ended_at'],
            [ref('int_conversation_legs'), 'wrapup_started_at', 'wrapup_ended_at'],
        ],
        groups_per_day='select count(distinct user_id) * ' ~ (1440 // minutes) ~ ' from ' ~ ref('stg_genesys__user_routing_statuses'),
        groups_per_window=var('first_load_window_groups'),
    )) }}
{%- endmacro %}
