with

source as (

    select * from {{ source_or_empty('genesys', 'users', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as user_id,
        {{ json_text('payload', '$.name') }} as user_name,
        {{ json_text('payload', '$.state') }} as user_state,
        {{ json_text('payload', '$.title') }} as title,
        {{ json_text('payload', '$.department') }} as department,
        {{ json_text('payload', '$.division.id') }} as division_id,
        {{ json_text('payload', '$.manager.id') }} as manager_user_id,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
