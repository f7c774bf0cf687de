{#
    Real Genesys Journey aggregates (P1D, per action map) reshaped into step funnels: one row
    per action map, UTC day and funnel metric, ordered by seed `journey_funnel_steps`;
    conversion_rate = step count / first step count of that day.
#}

with

journey_aggregates as (

    select * from {{ ref('stg_predictive_engagement__journey_aggregates') }}

),

funnel_steps as (

    select * from {{ ref('journey_funnel_steps') }}

),

latest_values as (

    select
        action_map_id,
        cast(interval_start_at as date) as extraction_date,
        metric_name,
        metric_count,
        extracted_at,
        row_number() over (
            partition by action_map_id, interval_start_at, metric_name
            order by extracted_at desc
        ) as extraction_rank

    from journey_aggregates

),

steps as (

    select
        latest_values.action_map_id,
        latest_values.extraction_date,
        funnel_steps.step_id,
        funnel_steps.step_name,
        funnel_steps.step_sequence,
        latest_values.metric_count as contact_count,
        latest_values.extracted_at

    from latest_values
    inner join funnel_steps
        on latest_values.metric_name = funnel_steps.metric_name
    where latest_values.extraction_rank = 1

),

first_steps as (

    select
        action_map_id,
        extraction_date,
        contact_count as first_step_count,
        row_number() over (partition by action_map_id, extraction_date order by step_sequence) as step_rank

    from steps

),

final as (

    select
        steps.action_map_id,
        steps.extraction_date,
        steps.step_id,
        steps.step_name,
        steps.step_sequence,
        steps.contact_count,
        {{ safe_ratio('steps.contact_count', 'first_steps.first_step_count') }} as conversion_rate,
        steps.extracted_at

    from steps
    inner join first_steps
        on steps.action_map_id = first_steps.action_map_id
        and steps.extraction_date = first_steps.extraction_date
        and first_steps.step_rank = 1

)

select * from final
