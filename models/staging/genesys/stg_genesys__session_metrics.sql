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
        {{ json_text('participant', '$.userId') }} as user_id,
        participant

    from participants

),

sessions as (

    {{ json_array_rows('participants_renamed', 'participant', '$.sessions', ['conversation_id', 'conversation_started_at', 'participant_id', 'purpose', 'user_id'], 'session', 'session_index') }}

),

sessions_renamed as (

    select
        conversation_id,
        conversation_started_at,
        participant_id,
        purpose,
        user_id,
        {{ json_text('session', '$.sessionId') }} as session_id,
        session

    from sessions

),

metrics as (

    {{ json_array_rows('sessions_renamed', 'session', '$.metrics', ['conversation_id', 'conversation_started_at', 'participant_id', 'purpose', 'user_id', 'session_id'], 'metric', 'metric_index') }}

),

renamed as (

    select
        conversation_id,
        conversation_started_at,
        participant_id,
        session_id,
        metric_index,
        purpose,
        user_id,
        {{ json_text('metric', '$.name') }} as metric_name,
        {{ json_integer('metric', '$.value') }} as metric_value,
        {{ parse_utc_timestamp(json_text('metric', '$.emitDate')) }} as emitted_at

    from metrics

)

select * from renamed
