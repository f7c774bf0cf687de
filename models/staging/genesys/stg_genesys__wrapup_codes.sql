with

source as (

    select * from {{ source_or_empty('genesys', 'wrapup_codes', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as wrapup_code_id,
        {{ json_text('payload', '$.name') }} as wrapup_code_name,
        {{ json_text('payload', '$.division.id') }} as division_id,
        {{ parse_utc_timestamp(json_text('payload', '$.dateCreated')) }} as created_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
