{#
    Supervisor supervisor view: each campaign's dialer activity beside the utilization of the
    agent groups behind it, on the same UTC 15-minute intervals. One row per campaign, agent
    group and interval of the campaign's dialing range. Dialer stats are the last snapshot
    observed inside the interval.
#}

with

campaign_kpis as (

    select * from {{ ref('campaign_kpis') }}

),

campaign_groups as (

    select * from {{ ref('int_campaign_agent_groups') }}

),

utilization as (

    select * from {{ ref('agent_utilization') }}

),

campaign_stats as (

    select * from {{ ref('stg_genesys__campaign_stats') }}

),

stats_ranked as (

    select
        campaign_id,
        {{ time_bucket_start('observed_at', 15) }} as interval_start_at,
        idle_agents,
        effective_idle_agents,
        outstanding_calls,
        scheduled_calls,
        attempts as dialer_attempts,
        connects as dialer_connects,
        row_number() over (
            partition by campaign_id, {{ time_bucket_start('observed_at', 15) }}
            order by observed_at desc
        ) as snapshot_rank

    from campaign_stats

),

last_stats_per_interval as (

    select * from stats_ranked
    where snapshot_rank = 1

),

final as (

    select
        campaign_kpis.campaign_id || ':' || campaign_groups.group_type || ':' || campaign_groups.group_id
            || ':' || cast(campaign_kpis.interval_start_at as {{ dbt.type_string() }}) as capacity_id,
        campaign_kpis.campaign_id,
        campaign_kpis.campaign_name,
        campaign_kpis.interval_start_at,
        campaign_kpis.interval_end_at,
        campaign_groups.group_type,
        campaign_groups.group_id,
        campaign_groups.group_name,
        campaign_groups.is_mapped_to_campaign,
        campaign_groups.has_handled_campaign_calls,
        campaign_kpis.contacted,
        campaign_kpis.connected,
        campaign_kpis.connect_rate,
        campaign_kpis.is_carried_forward,
        coalesce(utilization.agents_on_queue, 0) as agents_on_queue,
        coalesce(utilization.agents_interacting, 0) as agents_interacting,
        coalesce(utilization.inactive_licence_agents, 0) as inactive_licence_agents,
        utilization.utilization_numerator_ms,
        utilization.utilization_denominator_ms,
        utilization.utilization_pct,
        last_stats_per_interval.idle_agents as dialer_idle_agents,
        last_stats_per_interval.effective_idle_agents as dialer_effective_idle_agents,
        last_stats_per_interval.outstanding_calls as dialer_outstanding_calls,
        last_stats_per_interval.dialer_attempts,
        last_stats_per_interval.dialer_connects

    from campaign_kpis
    inner join campaign_groups
        on campaign_kpis.campaign_id = campaign_groups.campaign_id
    left join utilization
        on campaign_groups.group_type = utilization.group_type
        and campaign_groups.group_id = utilization.group_id
        and campaign_kpis.interval_start_at = utilization.interval_start_at
    left join last_stats_per_interval
        on campaign_kpis.campaign_id = last_stats_per_interval.campaign_id
        and campaign_kpis.interval_start_at = last_stats_per_interval.interval_start_at

)

select * from final
