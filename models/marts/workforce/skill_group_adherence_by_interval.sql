{#-
    Schedule adherence per skill group and 15-minute UTC interval: scheduled seconds (the
    members' scheduled shift time overlapping the interval), scheduled on-queue seconds
    (OnQueueWork activities), exception seconds (WFM adherence exceptions overlapping the
    interval) and adherence_pct = 100 * (scheduled - exception) / scheduled. An agent in
    several skill groups counts in each.
-#}

with

activities as (

    select * from {{ ref('stg_genesys__scheduled_activities') }}

),

activity_codes as (

    select * from {{ ref('stg_genesys__activity_codes') }}

),

exceptions as (

    select * from {{ ref('stg_genesys__adherence_exceptions') }}

),

memberships as (

    select * from {{ ref('int_agent_group_memberships') }}
    where group_type = 'skill_group'

),

timed as (

    select
        activities.user_id,
        activities.activity_start_at as started_at,
        activities.activity_end_at as ended_at,
        case when activity_codes.activity_category = 'OnQueueWork' then 'scheduled_on_queue' else 'scheduled_other' end as kind

    from activities
    left join activity_codes
        on activities.activity_code_id = activity_codes.activity_code_id
    where activities.activity_end_at > activities.activity_start_at

    union all

    select
        user_id,
        exception_start_at as started_at,
        exception_end_at as ended_at,
        'exception' as kind

    from exceptions
    where exception_end_at > exception_start_at

),

bucketed as (

    select
        user_id,
        started_at,
        ended_at,
        kind,
        {{ overlapped_bucket_starts('started_at', 'ended_at', 15) }} as interval_start_at

    from timed

),

clipped as (

    select
        user_id,
        interval_start_at,
        kind,
        {{ milliseconds_between(
            'greatest(started_at, interval_start_at)',
            'least(ended_at, ' ~ dbt.dateadd('minute', 15, 'interval_start_at') ~ ')'
        ) }} / 1000 as seconds

    from bucketed

),

{# one row per agent and interval first: the group counts below are then row counts over
   the (tested unique) skill group memberships, not a distinct count per group and interval #}
by_agent as (

    select
        user_id,
        interval_start_at,
        sum(case when kind like 'scheduled%' then seconds else 0 end) as scheduled_seconds,
        sum(case when kind = 'scheduled_on_queue' then seconds else 0 end) as scheduled_on_queue_seconds,
        sum(case when kind = 'exception' then seconds else 0 end) as exception_seconds,
        max(case when kind like 'scheduled%' then 1 else 0 end) = 1 as is_scheduled

    from clipped
    group by
        user_id,
        interval_start_at

),

by_group as (

    select
        memberships.group_id as skill_group_id,
        memberships.group_name as skill_group_name,
        by_agent.interval_start_at,
        cast(sum(by_agent.scheduled_seconds) as {{ dbt.type_bigint() }}) as scheduled_seconds,
        cast(sum(by_agent.scheduled_on_queue_seconds) as {{ dbt.type_bigint() }}) as scheduled_on_queue_seconds,
        cast(sum(by_agent.exception_seconds) as {{ dbt.type_bigint() }}) as exception_seconds,
        count(case when by_agent.is_scheduled then 1 end) as scheduled_agents

    from by_agent
    inner join memberships
        on by_agent.user_id = memberships.user_id
    group by
        memberships.group_id,
        memberships.group_name,
        by_agent.interval_start_at

)

select
    skill_group_id || ':' || cast(interval_start_at as {{ dbt.type_string() }}) as skill_group_interval_id,
    skill_group_id,
    skill_group_name,
    interval_start_at,
    {{ dbt.dateadd('minute', 15, 'interval_start_at') }} as interval_end_at,
    scheduled_agents,
    scheduled_seconds,
    scheduled_on_queue_seconds,
    exception_seconds,
    {{ safe_pct('scheduled_seconds - exception_seconds', 'scheduled_seconds') }} as adherence_pct

from by_group
