with

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

opportunities as (

    select * from {{ ref('stg_salesforce__opportunities') }}

),

cases as (

    select * from {{ ref('stg_salesforce__cases') }}

),

open_opportunities_per_account as (

    select
        account_id,
        count(*) as open_opportunity_count,
        sum(amount) as open_pipeline_amount

    from opportunities
    where not coalesce(is_closed, false)
    group by account_id

),

open_cases_per_account as (

    select
        account_id,
        count(*) as open_case_count

    from cases
    where not coalesce(is_closed, false)
    group by account_id

),

accounts_joined as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.account_type,
        accounts.industry,
        accounts.customer_tier,
        accounts.account_owner,
        accounts.annual_revenue,
        accounts.ltv_usd,
        accounts.system_modstamp_at,
        coalesce(open_opportunities_per_account.open_opportunity_count, 0) as open_opportunity_count,
        coalesce(open_opportunities_per_account.open_pipeline_amount, 0) as open_pipeline_amount,
        coalesce(open_cases_per_account.open_case_count, 0) as open_case_count

    from accounts
    left join open_opportunities_per_account
        on accounts.account_id = open_opportunities_per_account.account_id
    left join open_cases_per_account
        on accounts.account_id = open_cases_per_account.account_id

)

select * from accounts_joined
