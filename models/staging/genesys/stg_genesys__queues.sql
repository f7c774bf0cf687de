with

source as (

    select * from {{ source_or_empty('genesys', 'queues', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as queue_id,
        {{ json_text('payload', '$.name') }} as queue_name,
        {{ json_text('payload', '$.division.id') }} as division_id,
        {{ json_text('payload', '$.description') }} as queue_description,
        {{ json_integer('payload', '$.memberCount') }} as member_count,
        {{ json_number('payload', '$.mediaSettings.call.serviceLevel.percentage') }} as call_service_level_target,
        {{ json_integer('payload', '$.mediaSettings.call.serviceLevel.durationMs') }} as call_service_level_ms,
        {{ json_integer('payload', '$.mediaSettings.chat.serviceLevel.durationMs') }} as chat_service_level_ms,
        {{ json_integer('payload', '$.mediaSettings.message.serviceLevel.durationMs') }} as message_service_level_ms,
        {{ json_integer('payload', '$.mediaSettings.email.serviceLevel.durationMs') }} as email_service_level_ms,
        {{ json_integer('payload', '$.mediaSettings.callback.serviceLevel.durationMs') }} as callback_service_level_ms,
        {{ parse_utc_timestamp(json_text('payload', '$.dateCreated')) }} as created_at,
        {{ parse_utc_timestamp(json_text('payload', '$.dateModified')) }} as modified_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
