with

source as (

    select * from {{ source_or_empty('genesys', 'divisions', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as division_id,
        {{ json_text('payload', '$.name') }} as division_name,
        {{ json_text('payload', '$.description') }} as division_description,
        {{ json_boolean('payload', '$.homeDivision') }} as is_home_division,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
