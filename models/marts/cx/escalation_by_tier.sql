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
        cast(sum(cast(ltv_usd as decimal(18, 2))) as {{ cxlake.type_double() }}) / nullif(count(ltv_usd), 0) as avg_customer_ltv,
        cast(avg(cast(qa_score as decimal(18, 6))) as {{ cxlake.type_double() }}) as avg_qa_score,
        count(qa_score) as qa_scored_contacts,
        cast(avg(cast(csat_score as decimal(18, 6))) as {{ cxlake.type_double() }}) as avg_csat_score,
        count(csat_score) as csat_responses,
        count(case when nps_promoter_score >= 9 then 1 end) as nps_promoters,
        count(case when nps_promoter_score <= 6 then 1 end) as nps_detractors,
        cast(avg(case when was_escalated then cast(csat_score as decimal(18, 6)) end) as {{ cxlake.type_double() }}) as avg_csat_score_escalated,
        count(case when was_escalated then csat_score end) as csat_responses_escalated

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
        aggregated_to_tiers.avg_qa_score,
        aggregated_to_tiers.qa_scored_contacts,
        aggregated_to_tiers.avg_csat_score,
        aggregated_to_tiers.csat_responses,
        {{ safe_pct('aggregated_to_tiers.nps_promoters - aggregated_to_tiers.nps_detractors', 'aggregated_to_tiers.csat_responses') }} as nps,
        aggregated_to_tiers.avg_csat_score_escalated,
        aggregated_to_tiers.csat_responses_escalated,
        cast(window_bounds.window_start_date as date) as window_start_date,
        window_bounds.as_of_date

    from aggregated_to_tiers
    cross join window_bounds

)

select * from final
