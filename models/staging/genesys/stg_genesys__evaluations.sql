{{ config(materialized='view') }}

{#-
    One row per entry of a conversation's `evaluations[]` (quality management), from the
    latest extraction of each conversation (the typed documents keep one row per
    conversation). A view, not an incremental table: Genesys rewrites a conversation's
    detail record when an evaluation is released, rescored or deleted, and the re-read
    conversation replaces its document, so the entries here are always the current ones.
-#}

with

conversation_documents as (

    select * from {{ ref('base_genesys__conversation_documents') }}

),

evaluations as (

    {{ document_array_rows('conversation_documents', 'conversation_document', '$.evaluations',
        ['conversation_id', 'conversation_started_at', 'extracted_at'], 'evaluation', 'evaluation_index') }}

),

evaluation_fields as (

    {{ document_fields('evaluations', 'evaluation', ['conversation_id', 'conversation_started_at', 'extracted_at', 'evaluation_index'], {
        'evaluation_id': '$.evaluationId',
        'form_id': '$.formId',
        'form_name': '$.formName',
        'evaluator_id': '$.evaluatorId',
        'agent_user_id': '$.userId',
        'queue_id': '$.queueId',
        'event_time_text': '$.eventTime',
        'evaluation_status': '$.evaluationStatus',
        'released_text': '$.released',
        'deleted_text': '$.deleted',
        'rescored_text': '$.rescored',
        'calibration_id': '$.calibrationId',
        'total_score_text': '$.oTotalScore',
        'total_critical_score_text': '$.oTotalCriticalScore',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        evaluation_index,
        evaluation_id,
        form_id,
        form_name,
        evaluator_id,
        agent_user_id,
        queue_id,
        {{ safe_parse_utc_timestamp('event_time_text') }} as event_time,
        evaluation_status,
        coalesce({{ cast_text_or_null('released_text', 'boolean') }}, false) as is_released,
        coalesce({{ cast_text_or_null('deleted_text', 'boolean') }}, false) as is_deleted,
        coalesce({{ cast_text_or_null('rescored_text', 'boolean') }}, false) as is_rescored,
        calibration_id,
        calibration_id is not null as is_calibration,
        {{ cast_text_or_null('total_score_text', 'double') }} as total_score,
        {{ cast_text_or_null('total_critical_score_text', 'double') }} as total_critical_score

    from evaluation_fields

)

select * from final
