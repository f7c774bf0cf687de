{#
    One row per outbound campaign conversation (contract section 2): contacted = a dial
    attempt (a `dialing` / `contacting` segment or a call-analysis disposition); a preview
    the agent skipped (`ININ-OUTBOUND-PREVIEW-SKIPPED`, never dialled) is neither contacted
    nor connected and is flagged `is_preview_skipped`; connected = live voice
    (`callable.person`); voicemail = answering machine (`callable.machine`), counted as a
    connect only when var `voicemail_counts_as_connect` is true. A preview delivered to the
    agent as a callback (mediaType callback) and then dialled is one contact. The agent's wrap-up code maps to a campaign goal
    through seed `wrapup_code_goals`.
#}

with

conversations as (

    select * from {{ ref('int_conversations_summarised') }}

),

wrapup_code_goals as (

    select * from {{ ref('wrapup_code_goals') }}

),

campaign_calls as (

    select
        conversation_id,
        outbound_campaign_id as campaign_id,
        outbound_contact_id as contact_id,
        conversation_started_at,
        conversation_ended_at,
        {{ time_bucket_start('conversation_started_at', 15) }} as interval_start_at,
        {{ time_bucket_start('conversation_started_at', 5) }} as five_minute_start_at,
        disposition_name,
        outbound_system_wrap_up_code,
        agent_wrap_up_code as wrapup_code_id,
        first_agent_user_id as agent_user_id,
        has_dial_attempt,
        is_preview_skipped,
        disposition_name = 'disposition.classification.callable.person' as is_live_voice,
        disposition_name = 'disposition.classification.callable.machine' as is_voicemail

    from conversations
    where is_campaign_call

),

final as (

    select
        campaign_calls.conversation_id,
        campaign_calls.campaign_id,
        campaign_calls.contact_id,
        campaign_calls.conversation_started_at,
        campaign_calls.conversation_ended_at,
        campaign_calls.interval_start_at,
        campaign_calls.five_minute_start_at,
        campaign_calls.disposition_name,
        campaign_calls.outbound_system_wrap_up_code,
        campaign_calls.wrapup_code_id,
        campaign_calls.agent_user_id,
        coalesce(campaign_calls.has_dial_attempt, false) as is_contacted,
        coalesce(campaign_calls.is_preview_skipped, false) as is_preview_skipped,
        coalesce(campaign_calls.is_live_voice, false) as is_live_voice,
        coalesce(campaign_calls.is_voicemail, false) as is_voicemail,
        coalesce(campaign_calls.is_live_voice, false)
        {%- if var('voicemail_counts_as_connect') %}
            or coalesce(campaign_calls.is_voicemail, false)
        {%- endif %} as is_connected,
        wrapup_code_goals.goal_id as disposition_goal_id

    from campaign_calls
    left join wrapup_code_goals
        on campaign_calls.wrapup_code_id = wrapup_code_goals.wrapup_code_id

)

select * from final
