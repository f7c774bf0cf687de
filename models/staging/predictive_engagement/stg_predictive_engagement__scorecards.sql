with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'scorecards', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as scorecard_id,
        {{ json_text('payload', '$.name') }} as scorecard_name,
        {{ json_text('payload', '$.campaignId') }} as campaign_id,
        {{ json_text('payload', '$.modelVersion') }} as current_model_version,
        {{ parse_utc_timestamp(json_text('payload', '$.retrainedAt')) }} as retrained_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
