{#
    Scorecard performance per scorecard, UTC day and model version: the latest extraction of
    each (a retrain adds rows under the new model_version; rows of older versions are never
    re-extracted, so they never change).
#}

with

scorecard_analytics as (

    select * from {{ ref('stg_predictive_engagement__scorecard_analytics') }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by scorecard_id, date_from, model_version
            order by extracted_at desc
        ) as extraction_rank

    from scorecard_analytics

),

final as (

    select
        scorecard_id || ':' || cast(cast(date_from as date) as {{ dbt.type_string() }}) || ':' || model_version as scorecard_version_day_id,
        scorecard_id,
        scorecard_name,
        model_version,
        cast(date_from as date) as performance_date,
        precision_score,
        recall_score,
        f1_score,
        auc,
        actual_conversion_rate,
        predicted_conversion_rate,
        is_pending_backfill,
        extracted_at

    from ranked
    where extraction_rank = 1

)

select * from final
