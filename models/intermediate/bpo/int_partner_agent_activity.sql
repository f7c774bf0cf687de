{#- On-queue agent time per BPO partner division and 5-minute UTC interval (agents of the partner's division). -#}

with

activity as (

    select * from {{ ref('int_agent_activity_by_five_minutes') }}

),

users as (

    select * from {{ ref('stg_genesys__users') }}

),

partners as (

    select * from {{ ref('bpo_partners') }}

),

final as (

    select
        partners.division_id,
        activity.interval_start_at,
        count(distinct case when activity.on_queue_ms > 0 then activity.user_id end) as agents_on_queue,
        sum(activity.interacting_ms + activity.communicating_ms) as interacting_ms,
        sum(activity.idle_ms + activity.interacting_ms + activity.communicating_ms + activity.not_responding_ms) as on_queue_status_ms,
        sum(activity.acw_ms) as acw_ms

    from activity
    inner join users
        on activity.user_id = users.user_id
    inner join partners
        on users.division_id = partners.division_id
    group by
        partners.division_id,
        activity.interval_start_at

)

select * from final
