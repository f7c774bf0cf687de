with

source as (

    select * from {{ source_or_empty('genesys', 'user_licenses', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as user_id,
        {{ json_string_array_joined('payload', '$.licenses') }} as licenses,
        {{ json_array_length('payload', '$.licenses') }} as licence_count,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
