{#
    BPO partner per-agent view for partners, without identity: one row per partner division,
    partner-local day and agent, the agent known only by a salted hash of its user id
    (var `pii_hash_salt`). Handled contacts and AHT from the contacts the agent answered,
    occupancy from its routing-status time.
#}

with

contacts as (

    select * from {{ ref('int_partner_contacts') }}

),

activity as (

    select * from {{ ref('int_agent_activity_by_five_minutes') }}

),

users as (

    select * from {{ ref('stg_genesys__users') }}

),

partners as (

    select * from {{ ref('bpo_partners') }}

),

handled_per_agent_day as (

    select
        contacts.division_id,
        cast({{ utc_to_local('contacts.interval_start_at', 'partners.time_zone') }} as date) as local_date,
        contacts.agent_user_id,
        count(*) as handled_count,
        cast(sum(contacts.handle_time_ms) as {{ dbt.type_bigint() }}) as handle_time_ms,
        count(contacts.handle_time_ms) as handle_time_count

    from contacts
    inner join partners
        on contacts.division_id = partners.division_id
    where contacts.has_agent
    group by
        contacts.division_id,
        cast({{ utc_to_local('contacts.interval_start_at', 'partners.time_zone') }} as date),
        contacts.agent_user_id

),

activity_per_agent_day as (

    select
        partners.division_id,
        cast({{ utc_to_local('activity.interval_start_at', 'partners.time_zone') }} as date) as local_date,
        activity.user_id as agent_user_id,
        cast(sum(activity.interacting_ms + activity.communicating_ms) as {{ dbt.type_bigint() }}) as interacting_ms,
        cast(sum(
            activity.idle_ms + activity.interacting_ms + activity.communicating_ms + activity.not_responding_ms
        ) as {{ dbt.type_bigint() }}) as on_queue_status_ms

    from activity
    inner join users
        on activity.user_id = users.user_id
    inner join partners
        on users.division_id = partners.division_id
    group by
        partners.division_id,
        cast({{ utc_to_local('activity.interval_start_at', 'partners.time_zone') }} as date),
        activity.user_id

),

agent_days as (

    select division_id, local_date, agent_user_id from handled_per_agent_day
    union
    select division_id, local_date, agent_user_id from activity_per_agent_day

),

final as (

    select
        agent_days.division_id || ':' || cast(agent_days.local_date as {{ dbt.type_string() }}) || ':'
            || {{ dbt.hash(dbt.concat(["'" ~ (var('pii_hash_salt') | string | replace("'", "''")) ~ "'", 'agent_days.agent_user_id'])) }} as partner_agent_day_id,
        agent_days.division_id,
        partners.partner_name,
        agent_days.local_date,
        {{ dbt.hash(dbt.concat(["'" ~ (var('pii_hash_salt') | string | replace("'", "''")) ~ "'", 'agent_days.agent_user_id'])) }} as agent_key,
        coalesce(handled_per_agent_day.handled_count, 0) as handled_count,
        coalesce(handled_per_agent_day.handle_time_ms, 0) as handle_time_ms,
        {{ safe_ratio('handled_per_agent_day.handle_time_ms', '1000.0 * handled_per_agent_day.handle_time_count') }} as aht_seconds,
        coalesce(activity_per_agent_day.interacting_ms, 0) as interacting_ms,
        coalesce(activity_per_agent_day.on_queue_status_ms, 0) as on_queue_status_ms,
        {{ safe_pct('activity_per_agent_day.interacting_ms', 'activity_per_agent_day.on_queue_status_ms') }} as occupancy_pct

    from agent_days
    inner join partners
        on agent_days.division_id = partners.division_id
    left join handled_per_agent_day
        on agent_days.division_id = handled_per_agent_day.division_id
        and agent_days.local_date = handled_per_agent_day.local_date
        and agent_days.agent_user_id = handled_per_agent_day.agent_user_id
    left join activity_per_agent_day
        on agent_days.division_id = activity_per_agent_day.division_id
        and agent_days.local_date = activity_per_agent_day.local_date
        and agent_days.agent_user_id = activity_per_agent_day.agent_user_id

)

select * from final
