{#
    BPO partner partner metrics per 5-minute interval and partner division: offered, handled,
    AHT, occupancy and service level, timestamps in UTC and in the partner's time zone.
    Aggregates only: no ANI/DNIS, no names, no agent or customer ids.
#}

with

contacts as (

    select * from {{ ref('int_partner_contacts') }}

),

agent_activity as (

    select * from {{ ref('int_partner_agent_activity') }}

),

partners as (

    select * from {{ ref('bpo_partners') }}

),

contacts_per_interval as (

    select
        division_id,
        interval_start_at,
        count(*) as offered_count,
        sum(case when has_agent then 1 else 0 end) as handled_count,
        sum(case when is_abandoned then 1 else 0 end) as abandoned_count,
        sum(case when is_answered_within_target then 1 else 0 end) as answered_within_target_count,
        sum(handle_time_ms) as handle_time_ms,
        count(handle_time_ms) as handle_time_count

    from contacts
    group by
        division_id,
        interval_start_at

),

interval_keys as (

    select division_id, interval_start_at from contacts_per_interval
    union
    select division_id, interval_start_at from agent_activity

),

joined as (

    select
        interval_keys.division_id,
        partners.partner_name,
        partners.time_zone,
        interval_keys.interval_start_at,
        cast(coalesce(contacts_per_interval.offered_count, 0) as {{ dbt.type_bigint() }}) as offered_count,
        cast(coalesce(contacts_per_interval.handled_count, 0) as {{ dbt.type_bigint() }}) as handled_count,
        cast(coalesce(contacts_per_interval.abandoned_count, 0) as {{ dbt.type_bigint() }}) as abandoned_count,
        cast(coalesce(contacts_per_interval.answered_within_target_count, 0) as {{ dbt.type_bigint() }}) as answered_within_target_count,
        cast(coalesce(contacts_per_interval.handle_time_ms, 0) as {{ dbt.type_bigint() }}) as handle_time_ms,
        cast(coalesce(contacts_per_interval.handle_time_count, 0) as {{ dbt.type_bigint() }}) as handle_time_count,
        cast(coalesce(agent_activity.agents_on_queue, 0) as {{ dbt.type_bigint() }}) as agents_on_queue,
        cast(coalesce(agent_activity.interacting_ms, 0) as {{ dbt.type_bigint() }}) as interacting_ms,
        cast(coalesce(agent_activity.on_queue_status_ms, 0) as {{ dbt.type_bigint() }}) as on_queue_status_ms

    from interval_keys
    inner join partners
        on interval_keys.division_id = partners.division_id
    left join contacts_per_interval
        on interval_keys.division_id = contacts_per_interval.division_id
        and interval_keys.interval_start_at = contacts_per_interval.interval_start_at
    left join agent_activity
        on interval_keys.division_id = agent_activity.division_id
        and interval_keys.interval_start_at = agent_activity.interval_start_at

),

final as (

    select
        division_id || ':' || cast(interval_start_at as {{ dbt.type_string() }}) as partner_interval_id,
        division_id,
        partner_name,
        time_zone,
        interval_start_at as interval_start_utc,
        {{ dbt.dateadd('minute', 5, 'interval_start_at') }} as interval_end_utc,
        {{ utc_to_local('interval_start_at', 'time_zone') }} as interval_start_local,
        cast({{ utc_to_local('interval_start_at', 'time_zone') }} as date) as local_date,
        offered_count,
        handled_count,
        abandoned_count,
        answered_within_target_count,
        handle_time_ms,
        handle_time_count,
        {{ safe_ratio('handle_time_ms', '1000.0 * handle_time_count') }} as aht_seconds,
        agents_on_queue,
        interacting_ms,
        on_queue_status_ms,
        {{ safe_pct('interacting_ms', 'on_queue_status_ms') }} as occupancy_pct,
        {{ safe_pct('answered_within_target_count', 'offered_count') }} as service_level_pct

    from joined

)

select * from final
