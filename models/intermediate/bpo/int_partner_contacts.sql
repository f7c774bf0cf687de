{#
    Conversations routed to a BPO partner's queues (queue division in seed `bpo_partners`),
    with what interval metrics need: 5-minute UTC bucket, answered, abandoned, handle time,
    and whether the answer came within the queue's service-level target for the media type
    (20 s when the queue sets none). No customer or agent identity.
#}

with

conversations as (

    select * from {{ ref('int_conversations_summarised') }}

),

queues as (

    select * from {{ ref('stg_genesys__queues') }}

),

partners as (

    select * from {{ ref('bpo_partners') }}

),

partner_conversations as (

    select
        partners.division_id,
        conversations.conversation_id,
        conversations.media_type,
        {{ time_bucket_start('conversations.conversation_started_at', 5) }} as interval_start_at,
        conversations.first_agent_user_id as agent_user_id,
        conversations.has_agent,
        conversations.is_abandoned,
        conversations.handle_time_ms,
        conversations.first_answer_ms,
        coalesce(
            case conversations.media_type
                when 'voice' then queues.call_service_level_ms
                when 'chat' then queues.chat_service_level_ms
                when 'message' then queues.message_service_level_ms
                when 'email' then queues.email_service_level_ms
                when 'callback' then queues.callback_service_level_ms
            end,
            20000
        ) as service_level_target_ms

    from conversations
    inner join queues
        on conversations.queue_id = queues.queue_id
    inner join partners
        on queues.division_id = partners.division_id
    where not conversations.is_campaign_call

),

final as (

    select
        *,
        has_agent and first_answer_ms <= service_level_target_ms as is_answered_within_target

    from partner_conversations

)

select * from final
