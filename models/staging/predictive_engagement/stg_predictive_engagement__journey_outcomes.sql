with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'outcomes', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as outcome_id,
        {{ json_text('payload', '$.displayName') }} as outcome_name,
        {{ json_boolean('payload', '$.isActive') }} as is_active,
        {{ json_boolean('payload', '$.isPositive') }} as is_positive,
        {{ json_integer('payload', '$.version') }} as version,
        {{ parse_utc_timestamp(json_text('payload', '$.createdDate')) }} as created_at,
        {{ parse_utc_timestamp(json_text('payload', '$.modifiedDate')) }} as modified_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
