with

source as (

    select * from {{ source_or_empty('genesys', 'skill_group_members', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.skillGroupId') }} as skill_group_id,
        {{ json_text('payload', '$.id') }} as user_id,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
