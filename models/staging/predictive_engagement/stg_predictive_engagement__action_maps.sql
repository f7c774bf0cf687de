with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'action_maps', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as action_map_id,
        {{ json_text('payload', '$.displayName') }} as action_map_name,
        {{ json_boolean('payload', '$.isActive') }} as is_active,
        {{ json_number('payload', '$.weight') }} as weight,
        {{ parse_utc_timestamp(json_text('payload', '$.startDate')) }} as starts_at,
        {{ parse_utc_timestamp(json_text('payload', '$.endDate')) }} as ends_at,
        {{ parse_utc_timestamp(json_text('payload', '$.createdDate')) }} as created_at,
        {{ parse_utc_timestamp(json_text('payload', '$.modifiedDate')) }} as modified_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
