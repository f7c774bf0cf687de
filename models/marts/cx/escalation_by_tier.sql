with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

window_bounds as (

    select
        {{ as_of_date(ref('unified_interactions'), 'conversation_date') }} as as_of_date,
        {{ dbt.dateadd('day', -29, as_of_date(ref('unified_interactions'), 'conversation_date')) }} as window_start_date

),

interactions_in_window as (

    select interactions.*
    from interactions
    cross join window_bounds
    where interactions.conversation_date between cast(window_bounds.window_start_date as date) and window_bounds.as_of_date
        and interactions.customer_tier is not null
        and not interactions.is_in_flight

),

aggregated_to_tiers as (

    select
        customer_tier,
        count(*) as total_contacts,
        cast(sum(case when was_escalated then 1 else 0 end) as {{ dbt.type_bigint() }}) as escalations,
        {# sums of integers / decimals: exact, so the order of parallel aggregation cannot change the result #}
        sum(handle_time_ms) / 60000.0 / nullif(count(handle_time_ms), 0) as avg_handle_time_minutes,
        cast(sum(cast(ltv_usd as decimal(18, 2))) as double precision) / nullif(count(ltv_usd), 0) as avg_customer_ltv

    from interactions_in_window
    group by customer_tier

),

final as (

    select
        aggregated_to_tiers.customer_tier,
        aggregated_to_tiers.total_contacts,
        aggregated_to_tiers.escalations,
        {{ safe_pct('aggregated_to_tiers.escalations', 'aggregated_to_tiers.total_contacts') }} as escalation_rate_pct,
        aggregated_to_tiers.avg_handle_time_minutes,
        aggregated_to_tiers.avg_customer_ltv,
        cast(window_bounds.window_start_date as date) as window_start_date,
        window_bounds.as_of_date

    from aggregated_to_tiers
    cross join window_bounds

)

select * from final
