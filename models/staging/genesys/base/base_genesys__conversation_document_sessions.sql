{{
    config(
        materialized='view',
        meta={
            'tests_new_rows_column': 'extracted_at',
            'tests_new_rows_watermark_of': 'base_genesys__conversation_documents',
        },
    )
}}

{#-
    A view: the typed conversation documents of `base_genesys__conversation_documents`
    flattened down to their media sessions, for the staging models (views too) that read
    sessions, segments and metrics. One row per session: the conversation columns,
    the participant's position, id, purpose and user, the session's position within its participant,
    id and media type, and `session` itself (still a typed document holding its segments
    and metrics) for the staging models to read further fields or flatten.
-#}

with

conversation_documents as (

    select * from {{ ref('base_genesys__conversation_documents') }}

),

participants as (

    {{ document_array_rows('conversation_documents', 'conversation_document', '$.participants',
        ['conversation_id', 'conversation_started_at', 'extracted_at'], 'participant', 'participant_index') }}

),

participant_fields as (

    {{ document_fields('participants', 'participant', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_index', 'participant'], {
        'participant_id': '$.participantId',
        'purpose': '$.purpose',
        'user_id': '$.userId',
    }) }}

),

sessions as (

    {{ document_array_rows('participant_fields', 'participant', '$.sessions',
        ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_index', 'participant_id', 'purpose', 'user_id'], 'session', 'session_index') }}

),

session_fields as (

    {{ document_fields('sessions', 'session',
        ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_index', 'participant_id', 'purpose', 'user_id', 'session_index', 'session'], {
        'session_id': '$.sessionId',
        'media_type': '$.mediaType',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        participant_index,
        participant_id,
        purpose,
        user_id,
        session_index,
        session_id,
        media_type,
        session

    from session_fields

)

select * from final
