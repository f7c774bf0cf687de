with

source as (

    select * from {{ source_or_empty('genesys', 'conversations', {'payload': 'varchar'}) }}

),

conversations as (

    select
        {{ json_text('payload', '$.conversationId') }} as conversation_id,
        {{ parse_utc_timestamp(json_text('payload', '$.conversationStart')) }} as conversation_started_at,
        payload

    from source

),

participants as (

    {{ json_array_rows('conversations', 'payload', '$.participants', ['conversation_id', 'conversation_started_at'], 'participant', 'participant_index') }}

),

participants_renamed as (

    select
        conversation_id,
        conversation_started_at,
        {{ json_text('participant', '$.participantId') }} as participant_id,
        {{ json_text('participant', '$.purpose') }} as purpose,
        {{ json_text('participant', '$.userId') }} as user_id,
        participant

    from participants

),

sessions as (

    {{ json_array_rows('participants_renamed', 'participant', '$.sessions', ['conversation_id', 'conversation_started_at', 'participant_id', 'purpose', 'user_id'], 'session', 'session_index') }}

),

renamed as (

    select
        conversation_id,
        conversation_started_at,
        participant_id,
        {{ json_text('session', '$.sessionId') }} as session_id,
        session_index,
        purpose,
        user_id,
        {{ json_text('session', '$.mediaType') }} as media_type,
        {{ json_text('session', '$.direction') }} as direction,
        {{ json_text('session', '$.peerId') }} as peer_session_id,
        {{ json_text('session', '$.outboundCampaignId') }} as outbound_campaign_id,
        {{ json_text('session', '$.outboundContactId') }} as outbound_contact_id,
        {{ json_text('session', '$.outboundContactListId') }} as outbound_contact_list_id,
        {{ json_text('session', '$.dispositionAnalyzer') }} as disposition_analyzer,
        {{ json_text('session', '$.dispositionName') }} as disposition_name,
        {{ json_text('session', '$.flow.flowType') }} as flow_type,
        {{ json_text('session', '$.flow.flowName') }} as flow_name,
        {{ json_text('session', '$.flow.exitReason') }} as flow_exit_reason,
        {{ json_text('session', '$.flow.transferType') }} as flow_transfer_type,
        {{ json_text('session', '$.flow.outcomes[0].flowOutcomeValue') }} as flow_first_outcome_value,
        {{ json_text('session', '$.selectedAgentId') }} as selected_agent_id,
        {{ json_text('session', '$.journeyActionMapId') }} as journey_action_map_id,
        {{ json_array_length('session', '$.segments') }} as segment_count,
        {{ json_array_length('session', '$.metrics') }} as metric_count

    from sessions

)

select * from renamed
