with

source as (

    select * from {{ source_or_empty('genesys', 'conversations', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.conversationId') }} as conversation_id,
        {{ parse_utc_timestamp(json_text('payload', '$.conversationStart')) }} as conversation_started_at,
        {{ parse_utc_timestamp(json_text('payload', '$.conversationEnd')) }} as conversation_ended_at,
        {{ json_text('payload', '$.originatingDirection') }} as originating_direction,
        {{ json_text('payload', '$.conversationInitiator') }} as conversation_initiator,
        {{ json_text('payload', '$.divisionIds[0]') }} as division_id,
        {{ json_string_array_joined('payload', '$.divisionIds') }} as division_ids,
        {{ json_text('payload', '$.externalTag') }} as external_tag,
        {{ json_number('payload', '$.mediaStatsMinConversationMos') }} as min_mos,
        {{ json_array_length('payload', '$.participants') }} as participant_count,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

),

final as (

    select
        *,
        conversation_ended_at is null as is_in_flight

    from renamed

)

select * from final
