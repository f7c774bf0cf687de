with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'scorecard_analytics', {
        'payload': 'varchar',
        'extracted_at': 'timestamp with time zone',
        'pending_backfill': 'boolean',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.scorecardId') }} as scorecard_id,
        {{ json_text('payload', '$.scorecardName') }} as scorecard_name,
        {{ json_text('payload', '$.modelVersion') }} as model_version,
        {{ parse_utc_timestamp(json_text('payload', '$.dateFrom')) }} as date_from,
        {{ parse_utc_timestamp(json_text('payload', '$.dateTo')) }} as date_to,
        {{ json_number('payload', '$.performanceMetrics.precision') }} as precision_score,
        {{ json_number('payload', '$.performanceMetrics.recall') }} as recall_score,
        {{ json_number('payload', '$.performanceMetrics.f1Score') }} as f1_score,
        {{ json_number('payload', '$.performanceMetrics.auc') }} as auc,
        {{ json_number('payload', '$.performanceMetrics.actualConversionRate') }} as actual_conversion_rate,
        {{ json_number('payload', '$.performanceMetrics.predictedConversionRate') }} as predicted_conversion_rate,
        coalesce(pending_backfill, false) as is_pending_backfill,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at

    from source

)

select * from renamed
