{{ config(materialized='view') }}

{#-
    One row per entry of a conversation's `surveys[]` (post-contact customer surveys), from
    the latest extraction of each conversation; a view for the same reason as
    `stg_genesys__evaluations` (the re-read record carries the survey's current state).
-#}

with

conversation_documents as (

    select * from {{ ref('base_genesys__conversation_documents') }}

),

surveys as (

    {{ document_array_rows('conversation_documents', 'conversation_document', '$.surveys',
        ['conversation_id', 'conversation_started_at', 'extracted_at'], 'survey', 'survey_index') }}

),

survey_fields as (

    {{ document_fields('surveys', 'survey', ['conversation_id', 'conversation_started_at', 'extracted_at', 'survey_index'], {
        'survey_id': '$.surveyId',
        'survey_form_id': '$.surveyFormId',
        'survey_form_name': '$.surveyFormName',
        'survey_type': '$.surveyType',
        'survey_status': '$.surveyStatus',
        'completed_date_text': '$.surveyCompletedDate',
        'partial_response_text': '$.surveyPartialResponse',
        'promoter_score_text': '$.surveyPromoterScore',
        'total_score_text': '$.oSurveyTotalScore',
        'agent_user_id': '$.userId',
        'queue_id': '$.queueId',
        'event_time_text': '$.eventTime',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        survey_index,
        survey_id,
        survey_form_id,
        survey_form_name,
        survey_type,
        survey_status,
        {{ safe_parse_utc_timestamp('completed_date_text') }} as survey_completed_at,
        coalesce({{ cast_text_or_null('partial_response_text', 'boolean') }}, false) as is_partial_response,
        {{ cast_text_or_null('promoter_score_text', 'bigint') }} as promoter_score,
        {{ cast_text_or_null('total_score_text', 'double') }} as total_score,
        agent_user_id,
        queue_id,
        {{ safe_parse_utc_timestamp('event_time_text') }} as event_time

    from survey_fields

)

select * from final
