{#
    Predictive Engagement step funnels: the latest extraction of each campaign and UTC day (raw keeps
    every extraction; a later one supersedes an earlier one for the same day), with the
    number of extractions seen.
#}

with

campaign_steps as (

    select * from {{ ref('stg_predictive_engagement__campaign_steps') }}

),

extractions as (

    select
        campaign_id,
        date_from,
        extracted_at,
        dense_rank() over (partition by campaign_id, date_from order by extracted_at desc) as extraction_rank,
        -- on the latest extraction (rank 1 above), its ascending rank is the number of distinct
        -- extractions (count(distinct) over a window is not portable: PostgreSQL lacks it)
        dense_rank() over (partition by campaign_id, date_from order by extracted_at asc) as extraction_count

    from campaign_steps

),

latest_extraction as (

    select distinct
        campaign_id,
        date_from,
        extracted_at,
        extraction_count

    from extractions
    where extraction_rank = 1

),

final as (

    select
        campaign_steps.campaign_id,
        cast(campaign_steps.date_from as date) as extraction_date,
        campaign_steps.step_id,
        campaign_steps.step_name,
        campaign_steps.step_sequence,
        campaign_steps.contact_count,
        campaign_steps.conversion_rate,
        campaign_steps.average_score,
        campaign_steps.exit_reason,
        campaign_steps.extracted_at,
        latest_extraction.extraction_count

    from campaign_steps
    inner join latest_extraction
        on campaign_steps.campaign_id = latest_extraction.campaign_id
        and campaign_steps.date_from = latest_extraction.date_from
        and campaign_steps.extracted_at = latest_extraction.extracted_at

)

select * from final
