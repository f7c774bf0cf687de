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

session_fields as (

    {{ json_text_fields('sessions', 'session', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_index'], {
        'session_id': '$.sessionId',
        'media_type': '$.mediaType',
        'direction': '$.direction',
        'peer_session_id': '$.peerId',
        'outbound_campaign_id': '$.outboundCampaignId',
        'outbound_contact_id': '$.outboundContactId',
        'outbound_contact_list_id': '$.outboundContactListId',
        'disposition_analyzer': '$.dispositionAnalyzer',
        'disposition_name': '$.dispositionName',
        'flow_type': '$.flow.flowType',
        'flow_name': '$.flow.flowName',
        'flow_exit_reason': '$.flow.exitReason',
        'flow_transfer_type': '$.flow.transferType',
        'flow_first_outcome_value': '$.flow.outcomes[0].flowOutcomeValue',
        'selected_agent_id': '$.selectedAgentId',
        'journey_action_map_id': '$.journeyActionMapId',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        participant_id,
        session_id,
        session_index,
        purpose,
        user_id,
        media_type,
        direction,
        peer_session_id,
        outbound_campaign_id,
        outbound_contact_id,
        outbound_contact_list_id,
        disposition_analyzer,
        disposition_name,
        flow_type,
        flow_name,
        flow_exit_reason,
        flow_transfer_type,
        flow_first_outcome_value,
        selected_agent_id,
        journey_action_map_id

    from session_fields

)

select * from final
