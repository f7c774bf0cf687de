with

source as (

    select * from {{ source_or_empty('genesys', 'queue_members', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.queueId') }} as queue_id,
        {{ json_text('payload', '$.id') }} as user_id,
        {{ json_text('payload', '$.name') }} as user_name,
        {{ json_boolean('payload', '$.joined') }} as is_joined,
        {{ json_text('payload', '$.memberBy') }} as member_by,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
