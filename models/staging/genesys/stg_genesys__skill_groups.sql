with

source as (

    select * from {{ source_or_empty('genesys', 'skill_groups', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as skill_group_id,
        {{ json_text('payload', '$.name') }} as skill_group_name,
        {{ json_text('payload', '$.division.id') }} as division_id,
        {{ json_integer('payload', '$.memberCount') }} as member_count,
        {{ parse_utc_timestamp(json_text('payload', '$.dateModified')) }} as modified_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
