{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
    )
}}

{#-
    Materialised as an incremental table, an exception to staging views: conversations are
    by far the largest raw table, so their JSON is flattened once per extraction (raw rows
    loaded after the latest `extracted_at` here). The participant's `sessions` and
    `attributes` stay as JSON text for the staging models built on this one, so each level
    of the document is parsed once.
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

    {{ json_text_fields('source', 'payload', ['_extracted_at'], {
        'conversation_id': '$.conversationId',
        'conversation_start_text': '$.conversationStart',
        'participants_json': '$.participants',
    }) }}

),

conversations as (

    select
        conversation_id,
        {{ parse_utc_timestamp('conversation_start_text') }} as conversation_started_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at,
        participants_json

    from conversation_fields

),

participants as (

    {{ json_array_rows('conversations', 'participants_json', '$', ['conversation_id', 'conversation_started_at', 'extracted_at'], 'participant', 'participant_index') }}

),

participant_fields as (

    {{ json_text_fields('participants', 'participant', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_index'], {
        'participant_id': '$.participantId',
        'purpose': '$.purpose',
        'user_id': '$.userId',
        'participant_name': '$.participantName',
        'external_contact_id': '$.externalContactId',
        'sessions_json': '$.sessions',
        'attributes_json': '$.attributes',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        participant_id,
        participant_index,
        purpose,
        user_id,
        participant_name,
        external_contact_id,
        sessions_json,
        attributes_json

    from participant_fields

)

select * from final
