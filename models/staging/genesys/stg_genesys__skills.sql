with

source as (

    select * from {{ source_or_empty('genesys', 'skills', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as skill_id,
        {{ json_text('payload', '$.name') }} as skill_name,
        {{ json_text('payload', '$.state') }} as skill_state,
        {{ parse_utc_timestamp(json_text('payload', '$.dateModified')) }} as modified_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
