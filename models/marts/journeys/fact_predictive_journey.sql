{#
    Journey funnels with model performance. Grain: campaign x
    extraction_date (the UTC day the analytics cover) x step x model_version. Predictive Engagement steps
    are joined to their campaign's scorecard performance of the same day for every model
    version on record, so a retrain adds rows and never rewrites older versions (no
    extraction timestamps here: re-reading identical values leaves rows byte-identical). Real Journey
    action-map funnels carry no scorecard: model_version 'unscored'. Steps of a day without
    a scorecard row are 'unscored' too.
#}

with

campaign_steps as (

    select * from {{ ref('int_campaign_steps_latest_extraction') }}

),

campaigns as (

    select * from {{ ref('stg_predictive_engagement__campaigns') }}

),

scorecard_performance as (

    select * from {{ ref('int_scorecard_performance_by_version') }}

),

action_map_funnels as (

    select * from {{ ref('int_journey_action_map_funnels') }}

),

seed_003_steps as (

    select
        campaign_steps.campaign_id,
        campaigns.scorecard_id,
        campaign_steps.extraction_date,
        campaign_steps.step_id,
        campaign_steps.step_name,
        campaign_steps.step_sequence,
        coalesce(scorecard_performance.model_version, 'unscored') as model_version,
        campaign_steps.contact_count,
        campaign_steps.conversion_rate,
        campaign_steps.average_score,
        campaign_steps.exit_reason,
        scorecard_performance.precision_score as precision,
        scorecard_performance.recall_score as recall,
        scorecard_performance.f1_score,
        scorecard_performance.auc,
        scorecard_performance.actual_conversion_rate,
        scorecard_performance.predicted_conversion_rate,
        coalesce(scorecard_performance.is_pending_backfill, false) as pending_backfill,
        'predictive_engagement' as campaign_source

    from campaign_steps
    left join campaigns
        on campaign_steps.campaign_id = campaigns.campaign_id
    left join scorecard_performance
        on campaigns.scorecard_id = scorecard_performance.scorecard_id
        and campaign_steps.extraction_date = scorecard_performance.performance_date

),

journey_steps as (

    select
        action_map_id as campaign_id,
        cast(null as {{ dbt.type_string() }}) as scorecard_id,
        extraction_date,
        step_id,
        step_name,
        step_sequence,
        'unscored' as model_version,
        contact_count,
        conversion_rate,
        cast(null as {{ cxlake.type_double() }}) as average_score,
        cast(null as {{ dbt.type_string() }}) as exit_reason,
        cast(null as {{ cxlake.type_double() }}) as precision,
        cast(null as {{ cxlake.type_double() }}) as recall,
        cast(null as {{ cxlake.type_double() }}) as f1_score,
        cast(null as {{ cxlake.type_double() }}) as auc,
        cast(null as {{ cxlake.type_double() }}) as actual_conversion_rate,
        cast(null as {{ cxlake.type_double() }}) as predicted_conversion_rate,
        false as pending_backfill,
        'journey_action_map' as campaign_source

    from action_map_funnels

),

unioned as (

    select * from seed_003_steps
    union all
    select * from journey_steps

),

final as (

    select
        campaign_id || ':' || cast(extraction_date as {{ dbt.type_string() }}) || ':' || step_id || ':' || model_version as journey_fact_id,
        *

    from unioned

)

select * from final
