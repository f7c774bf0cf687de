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
        cast(sum(activity.interacting_ms + activity.communicating_ms) as {{ dbt.type_bigint() }}) as interacting_ms,
        cast(sum(activity.idle_ms + activity.interacting_ms + activity.communicating_ms + activity.not_responding_ms) as {{ dbt.type_bigint() }}) as on_queue_status_ms,
        cast(sum(activity.acw_ms) as {{ dbt.type_bigint() }}) as acw_ms

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
