with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

product_releases as (

    select * from {{ ref('product_releases') }}

),

interactions_by_week as (

    select
        cast({{ dbt.date_trunc('week', 'conversation_date') }} as date) as week_start_date,
        customer_tier,
        was_escalated

    from interactions
    where customer_tier is not null
        and not is_in_flight

),

aggregated_to_weeks as (

    select
        week_start_date,
        customer_tier,
        count(*) as total_contacts,
        cast(sum(case when was_escalated then 1 else 0 end) as {{ dbt.type_bigint() }}) as escalations

    from interactions_by_week
    group by
        week_start_date,
        customer_tier

),

weeks as (

    select distinct week_start_date
    from aggregated_to_weeks

),

releases_in_week as (

    select
        weeks.week_start_date,
        {{ ordered_string_agg('product_releases.release_name', ', ', ['product_releases.release_date', 'product_releases.release_name']) }} as releases_in_week

    from weeks
    inner join product_releases
        on product_releases.release_date >= weeks.week_start_date
        and product_releases.release_date < {{ dbt.dateadd('day', 7, 'weeks.week_start_date') }}
    group by weeks.week_start_date

),

latest_release_ranked as (

    select
        weeks.week_start_date,
        product_releases.release_name,
        product_releases.release_date,
        row_number() over (
            partition by weeks.week_start_date
            order by product_releases.release_date desc, product_releases.release_name desc
        ) as release_rank

    from weeks
    inner join product_releases
        on product_releases.release_date < {{ dbt.dateadd('day', 7, 'weeks.week_start_date') }}

),

final as (

    select
        aggregated_to_weeks.week_start_date,
        aggregated_to_weeks.customer_tier,
        aggregated_to_weeks.total_contacts,
        aggregated_to_weeks.escalations,
        {{ safe_pct('aggregated_to_weeks.escalations', 'aggregated_to_weeks.total_contacts') }} as escalation_rate_pct,
        releases_in_week.releases_in_week,
        releases_in_week.releases_in_week is not null as has_release_in_week,
        latest_release_ranked.release_name as latest_release_name,
        latest_release_ranked.release_date as latest_release_date

    from aggregated_to_weeks
    left join releases_in_week
        on aggregated_to_weeks.week_start_date = releases_in_week.week_start_date
    left join latest_release_ranked
        on aggregated_to_weeks.week_start_date = latest_release_ranked.week_start_date
        and latest_release_ranked.release_rank = 1

)

select * from final
