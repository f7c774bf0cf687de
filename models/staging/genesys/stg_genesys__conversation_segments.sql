{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
    )
}}

{#-
    Materialised as an incremental table, an exception to staging views: conversations are
    by far the largest raw table, so their JSON is flattened once per extraction (rows of
    loads newer than the latest `extracted_at` here) instead of on every read.
-#}

with

source as (

    select * from {{ source_or_empty('genesys', 'conversations', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}
    {% if is_incremental() %}
    where {{ extracted_after_latest() }}
    {% endif %}

),

conversation_fields as (

    {{ json_text_fields('source', 'payload', ['payload', '_extracted_at'], {
        'conversation_id': '$.conversationId',
        'conversation_start_text': '$.conversationStart',
    }) }}

),

conversations as (

    select
        conversation_id,
        {{ parse_utc_timestamp('conversation_start_text') }} as conversation_started_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at,
        payload

    from conversation_fields

),

participants as (

    {{ json_array_rows('conversations', 'payload', '$.participants', ['conversation_id', 'conversation_started_at', 'extracted_at'], 'participant', 'participant_index') }}

),

participant_fields as (

    {{ json_text_fields('participants', 'participant', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_index', 'participant'], {
        'participant_id': '$.participantId',
        'purpose': '$.purpose',
        'user_id': '$.userId',
        'participant_name': '$.participantName',
        'external_contact_id': '$.externalContactId',
    }) }}

),

sessions as (

    {{ json_array_rows('participant_fields', 'participant', '$.sessions', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id'], 'session', 'session_index') }}

),

session_ids as (

    {{ json_text_fields('sessions', 'session', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session'], {
        'session_id': '$.sessionId',
        'media_type': '$.mediaType',
    }) }}

),

segments as (

    {{ json_array_rows('session_ids', 'session', '$.segments', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id', 'media_type'], 'segment', 'segment_index') }}

),

segment_fields as (

    {{ json_text_fields('segments', 'segment', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id', 'media_type', 'segment_index'], {
        'segment_type': '$.segmentType',
        'segment_start_text': '$.segmentStart',
        'segment_end_text': '$.segmentEnd',
        'queue_id': '$.queueId',
        'disconnect_type': '$.disconnectType',
        'wrap_up_code': '$.wrapUpCode',
        'conference_text': '$.conference',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        participant_id,
        session_id,
        segment_index,
        purpose,
        user_id,
        media_type,
        segment_type,
        {{ parse_utc_timestamp('segment_start_text') }} as segment_started_at,
        {{ parse_utc_timestamp('segment_end_text') }} as segment_ended_at,
        queue_id,
        disconnect_type,
        wrap_up_code,
        coalesce(cast(conference_text as {{ dbt.type_boolean() }}), false) as is_conference

    from segment_fields

)

select * from final
