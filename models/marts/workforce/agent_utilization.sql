{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='group_interval_id',
        meta={'tests_new_rows_column': 'interval_start_at', 'tests_new_rows_lookback': true},
        pre_hook="{{ cxlake.open_first_load_windows(
            spans=[[ref('int_agent_activity_by_fifteen_minutes'), 'interval_start_at', 'interval_start_at']],
            groups_per_day='select count(distinct user_id) * 96 from ' ~ ref('int_agent_activity_by_fifteen_minutes'),
            groups_per_window=var('first_load_window_groups'),
        ) }}",
        post_hook="{{ cxlake.run_first_load_windows() }}",
    )
}}

{#
    Utilization per skill group and per queue per 15-minute UTC interval:
    utilization_pct = 100 * (INTERACTING + COMMUNICATING) / (IDLE + INTERACTING +
    COMMUNICATING + NOT_RESPONDING), numerator and denominator beside it, null when the
    denominator is zero. `is_mapped_to_queue` is false for a skill group that is in no queue's
    member groups: its agents sit on queue but never get routed work.
    Agents with an inactive licence are counted in their own column and
    left out of the time sums, never shown as zero utilization.
    Incremental: a build re-derives the intervals from var `lookback_days` before the latest
    one stored; older intervals keep the group names and queue mapping of the build that
    wrote them (`--full-refresh` re-derives every interval with today's configuration).
    A first build runs window by window of whole days, like the 15-minute grid it reads (var
    `first_load_window_groups`, here agents x 96 quarter-hours a day).
#}

with

activity as (

    select * from {{ ref('int_agent_activity_by_fifteen_minutes') }}
    {% if is_incremental() %}
    where interval_start_at >= {{ incremental_lookback_start('interval_start_at') }}
    {% else %}
    where {{ cxlake.in_first_load_window('interval_start_at') }}
    {% endif %}

),

memberships as (

    select * from {{ ref('int_agent_group_memberships') }}

),

queue_member_groups as (

    select * from {{ ref('stg_genesys__queue_member_groups') }}

),

routed_skill_groups as (

    select distinct group_id
    from queue_member_groups
    where group_type = 'skillgroup'

),

activity_joined_to_groups as (

    select
        memberships.group_type,
        memberships.group_id,
        memberships.group_name,
        memberships.has_active_licence,
        activity.*

    from activity
    inner join memberships
        on activity.user_id = memberships.user_id

),

aggregated_to_groups as (

    select
        group_type,
        group_id,
        group_name,
        interval_start_at,
        {# one row per agent here: the 15-minute activity is one row per agent and interval, and a
           membership one per group and agent (tested grain), so counting rows counts agents #}
        count(case when has_active_licence and on_queue_ms > 0 then 1 end) as agents_on_queue,
        count(case when has_active_licence and interacting_ms + communicating_ms > 0 then 1 end) as agents_interacting,
        count(case when not has_active_licence then 1 end) as inactive_licence_agents,
        cast(sum(case when has_active_licence then on_queue_ms else 0 end) as {{ dbt.type_bigint() }}) as on_queue_ms,
        cast(sum(case when has_active_licence then interacting_ms + communicating_ms else 0 end) as {{ dbt.type_bigint() }}) as interacting_ms,
        cast(sum(case when has_active_licence then idle_ms else 0 end) as {{ dbt.type_bigint() }}) as idle_ms,
        cast(sum(case when has_active_licence then not_responding_ms else 0 end) as {{ dbt.type_bigint() }}) as not_responding_ms,
        cast(sum(case when has_active_licence then acw_ms else 0 end) as {{ dbt.type_bigint() }}) as acw_ms

    from activity_joined_to_groups
    group by
        group_type,
        group_id,
        group_name,
        interval_start_at

),

final as (

    select
        group_type || ':' || aggregated_to_groups.group_id || ':' || cast(interval_start_at as {{ dbt.type_string() }}) as group_interval_id,
        group_type,
        aggregated_to_groups.group_id,
        group_name,
        group_type = 'queue' or routed_skill_groups.group_id is not null as is_mapped_to_queue,
        interval_start_at,
        {{ dbt.dateadd('minute', 15, 'interval_start_at') }} as interval_end_at,
        agents_on_queue,
        agents_interacting,
        inactive_licence_agents,
        inactive_licence_agents > 0 as has_inactive_licence_agents,
        on_queue_ms,
        interacting_ms,
        idle_ms,
        not_responding_ms,
        acw_ms,
        interacting_ms as utilization_numerator_ms,
        idle_ms + interacting_ms + not_responding_ms as utilization_denominator_ms,
        {{ safe_pct('interacting_ms', 'idle_ms + interacting_ms + not_responding_ms') }} as utilization_pct

    from aggregated_to_groups
    left join routed_skill_groups
        on aggregated_to_groups.group_id = routed_skill_groups.group_id

)

select * from final
