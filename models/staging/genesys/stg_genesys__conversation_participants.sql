{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
        meta={'tests_new_rows_column': 'extracted_at'},
    )
}}

{#-
    Materialised as an incremental table, an exception to staging views: conversations are
    by far the largest raw table. Built from the typed documents of
    `base_genesys__conversation_documents` (new extractions only), so no JSON is parsed here.
-#}

with

conversation_documents as (

    select * from {{ ref('base_genesys__conversation_documents') }}
    {% if is_incremental() %}
    where {{ extracted_at_after_latest() }}
    {% endif %}

),

participants as (

    {{ document_array_rows('conversation_documents', 'conversation_document', '$.participants',
        ['conversation_id', 'conversation_started_at', 'extracted_at'], 'participant', 'participant_index') }}

),

participant_fields as (

    {{ document_fields('participants', 'participant', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_index'], {
        'participant_id': '$.participantId',
        'purpose': '$.purpose',
        'user_id': '$.userId',
        'participant_name': '$.participantName',
        'external_contact_id': '$.externalContactId',
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
        external_contact_id

    from participant_fields

)

select * from final
