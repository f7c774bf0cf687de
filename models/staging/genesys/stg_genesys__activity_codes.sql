with

source as (

    select * from {{ source_or_empty('genesys', 'activity_codes', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as activity_code_id,
        {{ json_text('payload', '$.name') }} as activity_code_name,
        {{ json_text('payload', '$.category') }} as activity_category,
        {{ json_text('payload', '$.businessUnitId') }} as business_unit_id,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
