with

source as (

    select * from {{ source_or_empty('genesys', 'management_units', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as management_unit_id,
        {{ json_text('payload', '$.name') }} as management_unit_name,
        {{ json_text('payload', '$.businessUnit.id') }} as business_unit_id,
        {{ json_text('payload', '$.timeZone') }} as time_zone,
        {{ json_text('payload', '$.division.id') }} as division_id,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
