{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
    )
}}

{#-
    Incremental table built on `stg_genesys__conversation_participants` (new extractions
    only); keeps each session's `segments` and `metrics` as JSON text for the segment and
    metric staging models.
-#}

with

conversation_participants as (

    select * from {{ ref('stg_genesys__conversation_participants') }}
    {% if is_incremental() %}
    where extracted_at > (
        select coalesce(max(extracted_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
    {% endif %}

),

sessions as (

    {{ json_array_rows('conversation_participants', 'sessions_json', '$', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id'], 'session', 'session_index') }}

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
        'segments_json': '$.segments',
        'metrics_json': '$.metrics',
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
        segments_json,
        metrics_json

    from session_fields

)

select * from final
