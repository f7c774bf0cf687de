with

source as (

    select * from {{ source_or_empty('genesys', 'queues', {'payload': 'varchar'}) }}

),

queues as (

    select
        {{ json_text('payload', '$.id') }} as queue_id,
        payload

    from source

),

member_groups as (

    {{ json_array_rows('queues', 'payload', '$.memberGroups', ['queue_id'], 'member_group', 'member_group_index') }}

),

renamed as (

    select
        queue_id,
        {{ json_text('member_group', '$.id') }} as group_id,
        lower({{ json_text('member_group', '$.type') }}) as group_type

    from member_groups

)

select * from renamed
