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

participants_renamed as (

    select
        conversation_id,
        conversation_started_at,
        {{ json_text('participant', '$.participantId') }} as participant_id,
        {{ json_text('participant', '$.purpose') }} as purpose,
        participant

    from participants

),

attributes as (

    {{ json_object_entries('participants_renamed', 'participant', '$.attributes', ['conversation_id', 'conversation_started_at', 'participant_id', 'purpose']) }}

)

select * from attributes
