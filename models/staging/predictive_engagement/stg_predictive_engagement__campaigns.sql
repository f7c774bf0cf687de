with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'campaigns', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as campaign_id,
        {{ json_text('payload', '$.name') }} as campaign_name,
        {{ json_text('payload', '$.status') }} as campaign_status,
        {{ json_text('payload', '$.scorecardId') }} as scorecard_id,
        {{ parse_utc_timestamp(json_text('payload', '$.createdDate')) }} as created_at,
        {{ parse_utc_timestamp(json_text('payload', '$.modifiedDate')) }} as modified_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
