{#
    Predictive campaigns of both shapes: Predictive Engagement campaigns (with their scorecard) and real
    Journey action maps, one row per campaign_id, `campaign_source` telling which.
#}

with

campaigns as (

    select * from {{ ref('stg_predictive_engagement__campaigns') }}

),

scorecards as (

    select * from {{ ref('stg_predictive_engagement__scorecards') }}

),

action_maps as (

    select * from {{ ref('stg_predictive_engagement__action_maps') }}

),

seed_003_campaigns as (

    select
        campaigns.campaign_id,
        campaigns.campaign_name,
        campaigns.campaign_status as status,
        'predictive_engagement' as campaign_source,
        campaigns.scorecard_id,
        scorecards.scorecard_name,
        scorecards.current_model_version,
        scorecards.retrained_at,
        campaigns.created_at as created_date,
        campaigns.modified_at as updated_date

    from campaigns
    left join scorecards
        on campaigns.scorecard_id = scorecards.scorecard_id

),

journey_action_maps as (

    select
        action_map_id as campaign_id,
        action_map_name as campaign_name,
        case when is_active then 'active' else 'inactive' end as status,
        'journey_action_map' as campaign_source,
        cast(null as {{ dbt.type_string() }}) as scorecard_id,
        cast(null as {{ dbt.type_string() }}) as scorecard_name,
        cast(null as {{ dbt.type_string() }}) as current_model_version,
        cast(null as {{ dbt.type_timestamp() }}) as retrained_at,
        created_at as created_date,
        modified_at as updated_date

    from action_maps

),

unioned as (

    select * from seed_003_campaigns
    union all
    select * from journey_action_maps

)

select * from unioned
