{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
        meta={'tests_new_rows_column': 'extracted_at'},
    )
}}

{#-
    The raw conversation payload parsed once into a typed document (conversation fields,
    participants -> sessions -> segments / metrics, participant attributes), new extractions
    only. The staging models that flatten each level read this table, never the JSON text.
    Only the fields those models select are kept; adding one means adding it here.
-#}

{%- set conversation_document = {
    'conversationId': 'text',
    'conversationStart': 'text',
    'conversationEnd': 'text',
    'originatingDirection': 'text',
    'conversationInitiator': 'text',
    'divisionIds': ['text'],
    'externalTag': 'text',
    'mediaStatsMinConversationMos': 'text',
    'evaluations': [{
        'evaluationId': 'text',
        'formId': 'text',
        'formName': 'text',
        'evaluatorId': 'text',
        'userId': 'text',
        'queueId': 'text',
        'eventTime': 'text',
        'evaluationStatus': 'text',
        'released': 'text',
        'deleted': 'text',
        'rescored': 'text',
        'calibrationId': 'text',
        'oTotalScore': 'text',
        'oTotalCriticalScore': 'text',
    }],
    'surveys': [{
        'surveyId': 'text',
        'surveyFormId': 'text',
        'surveyFormName': 'text',
        'surveyType': 'text',
        'surveyStatus': 'text',
        'surveyCompletedDate': 'text',
        'surveyPartialResponse': 'text',
        'surveyPromoterScore': 'text',
        'oSurveyTotalScore': 'text',
        'userId': 'text',
        'queueId': 'text',
        'eventTime': 'text',
    }],
    'participants': [{
        'participantId': 'text',
        'purpose': 'text',
        'userId': 'text',
        'participantName': 'text',
        'externalContactId': 'text',
        'attributes': 'json',
        'sessions': [{
            'sessionId': 'text',
            'mediaType': 'text',
            'direction': 'text',
            'peerId': 'text',
            'outboundCampaignId': 'text',
            'outboundContactId': 'text',
            'outboundContactListId': 'text',
            'dispositionAnalyzer': 'text',
            'dispositionName': 'text',
            'selectedAgentId': 'text',
            'journeyActionMapId': 'text',
            'messageType': 'text',
            'journeyCustomerId': 'text',
            'journeyCustomerSessionId': 'text',
            'callbackNumbers': ['text'],
            'callbackScheduledTime': 'text',
            'usedRouting': 'text',
            'requestedRoutings': ['text'],
            'flow': {
                'flowType': 'text',
                'flowName': 'text',
                'exitReason': 'text',
                'transferType': 'text',
                'outcomes': [{'flowOutcomeValue': 'text'}],
            },
            'segments': [{
                'segmentType': 'text',
                'segmentStart': 'text',
                'segmentEnd': 'text',
                'queueId': 'text',
                'disconnectType': 'text',
                'wrapUpCode': 'text',
                'conference': 'text',
                'errorCode': 'text',
                'wrapUpNote': 'text',
                'sipResponseCodes': ['text'],
                'properties': 'json',
            }],
            'metrics': [{
                'name': 'text',
                'value': 'text',
                'emitDate': 'text',
            }],
        }],
    }],
} -%}

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

documents as (

    select
        {{ json_document('payload', conversation_document) }} as conversation_document,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

),

final as (

    select
        {{ document_value('conversation_document', '$.conversationId') }} as conversation_id,
        {{ parse_utc_timestamp(document_value('conversation_document', '$.conversationStart')) }} as conversation_started_at,
        extracted_at,
        conversation_document

    from documents

)

select * from final
