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
    View on the sessions of `base_genesys__conversation_document_sessions`: one row per
    media session of a participant. Its one reader, `int_conversation_legs`, filters it to the conversations
    it refreshes, and that filter reaches the stored documents.
-#}

with

conversation_document_sessions as (

    select * from {{ ref('base_genesys__conversation_document_sessions') }}

),

session_fields as (

    {{ document_fields('conversation_document_sessions', 'session',
        ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_index', 'session_id', 'media_type', 'session',
        document_text_array_joined('session', '$.callbackNumbers') ~ ' as callback_numbers',
        document_text_array_joined('session', '$.requestedRoutings') ~ ' as requested_routings'], {
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
        'message_type': '$.messageType',
        'journey_customer_id': '$.journeyCustomerId',
        'journey_customer_session_id': '$.journeyCustomerSessionId',
        'callback_scheduled_time_text': '$.callbackScheduledTime',
        'used_routing': '$.usedRouting',
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
        journey_action_map_id,
        message_type,
        journey_customer_id,
        journey_customer_session_id,
        nullif(callback_numbers, '') as callback_numbers,
        {{ safe_parse_utc_timestamp('callback_scheduled_time_text') }} as callback_scheduled_at,
        used_routing,
        nullif(requested_routings, '') as requested_routings,
        session as session_document

    from session_fields

)

select * from final
