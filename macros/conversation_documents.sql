{#
    CTEs (to place in a model's `with` list, followed by a comma) that flatten the typed
    conversation documents of CTE `documents_cte` (columns conversation_id,
    conversation_started_at, extracted_at, conversation_document, as in
    `base_genesys__conversation_documents`) down to their sessions. The last one,
    `document_sessions`, has one row per session: the conversation columns, the
    participant's participant_id, purpose and user_id, session_index (1-based within the
    participant), session_id, media_type and `session` itself (still a document) for the
    caller to read further fields or flatten segments and metrics.
#}
{% macro conversation_document_sessions_ctes(documents_cte) -%}
    {%- set conversation_columns = ['conversation_id', 'conversation_started_at', 'extracted_at'] -%}
    {%- set participant_columns = conversation_columns + ['participant_id', 'purpose', 'user_id'] -%}
document_participants as (

    {{ cxlake.document_array_rows(documents_cte, 'conversation_document', '$.participants', conversation_columns, 'participant', 'participant_index') }}

),

document_participant_fields as (

    {{ cxlake.document_fields('document_participants', 'participant', conversation_columns + ['participant'], {
        'participant_id': '$.participantId',
        'purpose': '$.purpose',
        'user_id': '$.userId',
    }) }}

),

document_session_rows as (

    {{ cxlake.document_array_rows('document_participant_fields', 'participant', '$.sessions', participant_columns, 'session', 'session_index') }}

),

document_sessions as (

    {{ cxlake.document_fields('document_session_rows', 'session', participant_columns + ['session_index', 'session'], {
        'session_id': '$.sessionId',
        'media_type': '$.mediaType',
    }) }}

)
{%- endmacro %}
