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
        {{ json_text('session', '$.mediaType') }} as media_type,
        session

    from sessions

),

segments as (

    {{ json_array_rows('sessions_renamed', 'session', '$.segments', ['conversation_id', 'conversation_started_at', 'participant_id', 'purpose', 'user_id', 'session_id', 'media_type'], 'segment', 'segment_index') }}

),

renamed as (

    select
        conversation_id,
        conversation_started_at,
        participant_id,
        session_id,
        segment_index,
        purpose,
        user_id,
        media_type,
        {{ json_text('segment', '$.segmentType') }} as segment_type,
        {{ parse_utc_timestamp(json_text('segment', '$.segmentStart')) }} as segment_started_at,
        {{ parse_utc_timestamp(json_text('segment', '$.segmentEnd')) }} as segment_ended_at,
        {{ json_text('segment', '$.queueId') }} as queue_id,
        {{ json_text('segment', '$.disconnectType') }} as disconnect_type,
        {{ json_text('segment', '$.wrapUpCode') }} as wrap_up_code,
        coalesce({{ json_boolean('segment', '$.conference') }}, false) as is_conference

    from segments

)

select * from renamed
