with

source as (

    select * from {{ source_or_empty('genesys', 'conversations', {'payload': 'varchar'}) }}

),

conversations as (

    select
        {{ json_text('payload', '$.conversationId') }} as conversation_id,
        {{ parse_utc_timestamp(json_text('payload', '$.conversationStart')) }} as conversation_started_at,
        payload

    from source

),

participants as (

    {{ json_array_rows('conversations', 'payload', '$.participants', ['conversation_id', 'conversation_started_at'], 'participant', 'participant_index') }}

),

renamed as (

    select
        conversation_id,
        conversation_started_at,
        {{ json_text('participant', '$.participantId') }} as participant_id,
        participant_index,
        {{ json_text('participant', '$.purpose') }} as purpose,
        {{ json_text('participant', '$.userId') }} as user_id,
        {{ json_text('participant', '$.participantName') }} as participant_name,
        {{ json_text('participant', '$.externalContactId') }} as external_contact_id,
        {{ json_array_length('participant', '$.sessions') }} as session_count

    from participants

)

select * from renamed
