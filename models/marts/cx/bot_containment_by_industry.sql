with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

window_bounds as (

    select
        {{ as_of_date(ref('unified_interactions'), 'conversation_date') }} as as_of_date,
        {{ dbt.dateadd('day', -6, as_of_date(ref('unified_interactions'), 'conversation_date')) }} as window_start_date

),

interactions_in_window as (

    select interactions.*
    from interactions
    cross join window_bounds
    where interactions.conversation_date between cast(window_bounds.window_start_date as date) and window_bounds.as_of_date
        and interactions.industry is not null

),

aggregated_to_industries as (

    select
        industry,
        count(*) as total_contacts,
        cast(sum(case when handled_by_bot_only then 1 else 0 end) as {{ dbt.type_bigint() }}) as bot_contained_contacts,
        cast(sum(case when was_escalated then 1 else 0 end) as {{ dbt.type_bigint() }}) as escalations,
        cast(sum(case when abandoned then 1 else 0 end) as {{ dbt.type_bigint() }}) as abandoned_contacts

    from interactions_in_window
    group by industry

),

final as (

    select
        aggregated_to_industries.industry,
        aggregated_to_industries.total_contacts,
        aggregated_to_industries.bot_contained_contacts,
        {{ safe_pct('aggregated_to_industries.bot_contained_contacts', 'aggregated_to_industries.total_contacts') }} as bot_containment_pct,
        aggregated_to_industries.escalations,
        {{ safe_pct('aggregated_to_industries.escalations', 'aggregated_to_industries.total_contacts') }} as escalation_rate_pct,
        aggregated_to_industries.abandoned_contacts,
        {{ safe_pct('aggregated_to_industries.abandoned_contacts', 'aggregated_to_industries.total_contacts') }} as abandon_rate_pct,
        cast(window_bounds.window_start_date as date) as window_start_date,
        window_bounds.as_of_date

    from aggregated_to_industries
    cross join window_bounds

)

select * from final
