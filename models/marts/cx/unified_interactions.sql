{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='merge',
        unique_key='conversation_id',
    )
}}

{#
    Incremental runs re-read the conversations of the last `lookback_days` days and any
    conversation re-extracted since the last build (this is how a QA evaluation released or
    rescored, or a survey completed, days after the contact reaches qa_score / csat_score:
    Genesys rewrites the conversation's detail record and ingestion's trailing re-read
    extracts it again), plus every older conversation whose CRM
    account changed since it was stored (tier, owner, LTV,
    industry, open opportunities): the retroactive re-enrichment a tier change needs.
#}

with

conversations as (

    select * from {{ ref('int_conversations_summarised') }}

),

accounts as (

    select * from {{ ref('int_accounts_enriched') }}

),

tier_intervals as (

    select * from {{ ref('int_account_tier_intervals') }}

),

queues as (

    select * from {{ ref('stg_genesys__queues') }}

),

users as (

    select * from {{ ref('stg_genesys__users') }}

),

divisions as (

    select * from {{ ref('stg_genesys__divisions') }}

),

cases as (

    select * from {{ ref('stg_salesforce__cases') }}

),

wrapup_codes as (

    select * from {{ ref('stg_genesys__wrapup_codes') }}

),

quality_scores as (

    select * from {{ ref('int_conversation_quality_scores') }}

),

{% if is_incremental() %}
conversations_to_refresh as (

    select conversation_id
    from conversations
    where {{ conversations_to_refresh('conversation_started_at', 'extracted_at', 'conversation_start', 'loaded_at') }}

    union

    select stored.conversation_id
    from {{ this }} as stored
    inner join accounts
        on stored.crm_account_id = accounts.account_id
    where stored.current_customer_tier is distinct from accounts.customer_tier
        or stored.account_owner is distinct from accounts.account_owner
        or stored.ltv_usd is distinct from accounts.ltv_usd
        or stored.industry is distinct from accounts.industry
        or stored.open_opportunity_count is distinct from accounts.open_opportunity_count

),

conversations_in_scope as (

    select conversations.*
    from conversations
    inner join conversations_to_refresh
        on conversations.conversation_id = conversations_to_refresh.conversation_id

),
{% else %}
conversations_in_scope as (

    select * from conversations

),
{% endif %}

tier_at_conversation_time as (

    select
        conversations_in_scope.conversation_id,
        tier_intervals.customer_tier

    from conversations_in_scope
    inner join tier_intervals
        on conversations_in_scope.crm_account_id = tier_intervals.account_id
        and (tier_intervals.valid_from is null or conversations_in_scope.conversation_started_at >= tier_intervals.valid_from)
        and (tier_intervals.valid_to is null or conversations_in_scope.conversation_started_at < tier_intervals.valid_to)

),

interactions_joined as (

    select
        conversations.conversation_id,
        conversations.conversation_started_at as conversation_start,
        conversations.conversation_ended_at as conversation_end,
        cast(conversations.conversation_started_at as date) as conversation_date,
        conversations.duration_ms,
        conversations.is_in_flight,
        conversations.queue_id,
        {# a reference the org did not send (queue / user / division not loaded) keeps its id with an unknown name #}
        case
            when conversations.queue_id is null then null
            else coalesce(queues.queue_name, 'Unknown queue ' || conversations.queue_id)
        end as queue_name,
        conversations.media_type,
        conversations.originating_direction as direction,
        conversations.first_agent_user_id as agent_id,
        case
            when conversations.first_agent_user_id is null then null
            else coalesce(agents.user_name, 'Unknown user ' || conversations.first_agent_user_id)
        end as agent_name,
        conversations.agent_leg_count,
        conversations.answering_agent_count,
        conversations.missed_alert_count,
        conversations.handle_time_ms,
        conversations.talk_time_ms,
        conversations.hold_time_ms,
        conversations.acw_time_ms,
        conversations.queue_wait_ms,
        conversations.is_abandoned as abandoned,
        conversations.is_transferred as transferred,
        quality_scores.qa_score,
        quality_scores.csat_score,
        quality_scores.nps_promoter_score,
        coalesce(quality_scores.qa_evaluation_count, 0) as qa_evaluation_count,
        coalesce(quality_scores.completed_survey_count, 0) as completed_survey_count,
        conversations.crm_account_id,
        conversations.crm_case_id,
        conversations.crm_account_id is not null as is_crm_linked,
        tier_at_conversation_time.customer_tier,
        accounts.customer_tier as current_customer_tier,
        accounts.account_owner,
        accounts.open_opportunity_count,
        accounts.ltv_usd,
        accounts.industry,
        cases.case_type as case_category,
        conversations.is_escalated as was_escalated,
        conversations.is_bot_contained as handled_by_bot_only,
        conversations.outbound_campaign_id,
        conversations.outbound_contact_id,
        coalesce(conversations.agent_wrap_up_code, conversations.outbound_system_wrap_up_code) as wrap_up_code,
        coalesce(wrapup_codes.wrapup_code_name, conversations.agent_wrap_up_code, conversations.outbound_system_wrap_up_code) as wrap_up_code_name,
        coalesce(queues.division_id, conversations.division_id) as division_id,
        case
            when coalesce(queues.division_id, conversations.division_id) is null then null
            else coalesce(divisions.division_name, 'Unknown division ' || coalesce(queues.division_id, conversations.division_id))
        end as division_name,
        conversations.message_type,
        conversations.has_callback,
        conversations.callback_scheduled_at,
        conversations.journey_customer_id,
        conversations.journey_customer_session_id,
        'genesys_cloud' as data_source,
        conversations.extracted_at as loaded_at

    from conversations_in_scope as conversations
    left join tier_at_conversation_time
        on conversations.conversation_id = tier_at_conversation_time.conversation_id
    left join accounts
        on conversations.crm_account_id = accounts.account_id
    left join queues
        on conversations.queue_id = queues.queue_id
    left join users as agents
        on conversations.first_agent_user_id = agents.user_id
    left join cases
        on conversations.crm_case_id = cases.case_id
    left join wrapup_codes
        on conversations.agent_wrap_up_code = wrapup_codes.wrapup_code_id
    left join divisions
        on coalesce(queues.division_id, conversations.division_id) = divisions.division_id
    left join quality_scores
        on conversations.conversation_id = quality_scores.conversation_id

)

select * from interactions_joined
