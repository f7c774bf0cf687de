{#
    Unified CX question: did a product release move escalations, and for which tier?
    Escalation rate per customer tier in the 14 days before and after each release of the
    product_releases seed (tier = the account tier at the time of the conversation).
    Run: cxlake build compile --select escalation_before_after_release, then the compiled SQL
    in target/compiled/.../analyses/ on the published marts or the warehouse.
#}

with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

releases as (

    select * from {{ ref('product_releases') }}

),

windowed as (

    select
        releases.release_name,
        releases.release_date,
        interactions.customer_tier,
        case
            when interactions.conversation_date < releases.release_date then 'before'
            else 'after'
        end as release_window,
        case when interactions.was_escalated then 1 else 0 end as escalated_count

    from releases
    inner join interactions
        on interactions.conversation_date >= {{ dbt.dateadd('day', -14, 'releases.release_date') }}
        and interactions.conversation_date < {{ dbt.dateadd('day', 14, 'releases.release_date') }}
    where interactions.customer_tier is not null

),

final as (

    select
        release_name,
        release_date,
        customer_tier,
        release_window,
        count(*) as contacts,
        sum(escalated_count) as escalations,
        round({{ safe_pct('sum(escalated_count)', 'count(*)') }}, 1) as escalation_rate_pct

    from windowed
    group by
        release_name,
        release_date,
        customer_tier,
        release_window

)

select * from final
order by release_date, customer_tier, release_window desc
