{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
        meta={'tests_new_rows_column': 'extracted_at'},
    )
}}

{#-
    Incremental table built on the typed documents of `base_genesys__conversation_documents`
    (new extractions only): one row per key of each participant's `attributes` object.
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

    {{ document_fields('participants', 'participant', ['conversation_id', 'conversation_started_at', 'extracted_at'], {
        'participant_id': '$.participantId',
        'purpose': '$.purpose',
        'attributes': '$.attributes',
    }) }}

),

attributes as (

    {{ json_object_entries('participant_fields', 'attributes', '$', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose']) }}

)

select * from attributes
