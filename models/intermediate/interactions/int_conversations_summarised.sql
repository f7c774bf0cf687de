{{
    config(
        materialized='incremental',
        incremental_strategy='merge',
        unique_key='conversation_id',
    )
}}

with

conversations as (

    select * from {{ ref('stg_genesys__conversations') }}
    {% if is_incremental() %}
    where {{ conversations_to_refresh('conversation_started_at', 'extracted_at', 'conversation_started_at', 'extracted_at') }}
    {% endif %}

),

legs as (

    select * from {{ ref('int_conversation_legs') }}
    {% if is_incremental() %}
    where {{ conversations_to_refresh('conversation_started_at', 'extracted_at', 'conversation_started_at', 'extracted_at') }}
    {% endif %}

),

participant_attributes as (

    select * from {{ ref('stg_genesys__participant_attributes') }}
    {% if is_incremental() %}
    where {{ conversations_to_refresh('conversation_started_at', 'extracted_at', 'conversation_started_at', 'extracted_at') }}
    {% endif %}

),

attributes_pivoted_to_conversations as (

    select
        conversation_id,
        max(case when attribute_name = 'sfAccountId' then attribute_value end) as crm_account_id,
        max(case when attribute_name = 'sfCaseId' then attribute_value end) as crm_case_id,
        max(case when attribute_name = 'escalated' then attribute_value end) as escalated_attribute,
        max(case when attribute_name = 'botHandled' then attribute_value end) as bot_handled_attribute

    from participant_attributes
    group by conversation_id

),

legs_aggregated_to_conversations as (

    select
        conversation_id,
        max(case when purpose = 'customer' then media_type end) as customer_media_type,
        max(media_type) as any_media_type,
        count(case when purpose = 'agent' then 1 end) as agent_leg_count,
        count(distinct case when purpose = 'agent' then user_id end) as distinct_agent_count,
        max(case when purpose = 'botflow' then 1 else 0 end) = 1 as has_botflow,
        max(case when purpose = 'acd' and abandon_ms is not null then 1 else 0 end) = 1 as has_queue_abandon,
        cast(sum(case when purpose = 'agent' then handle_ms end) as {{ dbt.type_bigint() }}) as handle_time_ms,
        cast(sum(case when purpose = 'agent' then talk_ms end) as {{ dbt.type_bigint() }}) as talk_time_ms,
        cast(sum(case when purpose = 'agent' then held_ms end) as {{ dbt.type_bigint() }}) as hold_time_ms,
        cast(sum(case when purpose = 'agent' then acw_ms end) as {{ dbt.type_bigint() }}) as acw_time_ms,
        cast(sum(case when purpose = 'agent' then transferred_count else 0 end) as {{ dbt.type_bigint() }}) as transfer_count,
        cast(sum(case when purpose = 'acd' then acd_ms end) as {{ dbt.type_bigint() }}) as queue_wait_ms,
        max(outbound_campaign_id) as outbound_campaign_id,
        max(outbound_contact_id) as outbound_contact_id,
        max(case when purpose = 'outbound' then disposition_name end) as disposition_name,
        max(case when purpose = 'outbound' then wrap_up_code end) as outbound_system_wrap_up_code,
        max(case when purpose = 'customer' then disconnect_type end) as customer_disconnect_type,
        max(case when purpose = 'botflow' then flow_first_outcome_value end) as bot_outcome

    from legs
    group by conversation_id

),

queue_legs_ranked as (

    select
        conversation_id,
        queue_id,
        row_number() over (
            partition by conversation_id
            order by case when purpose = 'acd' then 0 else 1 end, first_segment_started_at, session_index, session_id
        ) as queue_rank

    from legs
    where queue_id is not null

),

agent_legs_ranked as (

    select
        conversation_id,
        user_id,
        wrap_up_code,
        answered_ms,
        row_number() over (
            partition by conversation_id
            order by first_segment_started_at, session_index, session_id
        ) as first_rank,
        row_number() over (
            partition by conversation_id
            order by first_segment_started_at desc, session_index desc, session_id desc
        ) as last_rank

    from legs
    where purpose = 'agent'

),

first_queue as (

    select conversation_id, queue_id
    from queue_legs_ranked
    where queue_rank = 1

),

first_agent_legs as (

    select conversation_id, user_id, answered_ms
    from agent_legs_ranked
    where first_rank = 1

),

last_agent_legs as (

    select conversation_id, user_id, wrap_up_code
    from agent_legs_ranked
    where last_rank = 1

),

conversations_joined as (

    select
        conversations.conversation_id,
        conversations.conversation_started_at,
        conversations.conversation_ended_at,
        conversations.is_in_flight,
        conversations.originating_direction,
        conversations.division_id,
        conversations.extracted_at,
        coalesce(legs_aggregated.customer_media_type, legs_aggregated.any_media_type) as media_type,
        first_queue.queue_id,
        first_agent_legs.user_id as first_agent_user_id,
        first_agent_legs.answered_ms as first_answer_ms,
        last_agent_legs.user_id as last_agent_user_id,
        last_agent_legs.wrap_up_code as agent_wrap_up_code,
        coalesce(legs_aggregated.agent_leg_count, 0) as agent_leg_count,
        coalesce(legs_aggregated.distinct_agent_count, 0) as distinct_agent_count,
        coalesce(legs_aggregated.has_botflow, false) as has_botflow,
        coalesce(legs_aggregated.has_queue_abandon, false) as has_queue_abandon,
        legs_aggregated.handle_time_ms,
        legs_aggregated.talk_time_ms,
        legs_aggregated.hold_time_ms,
        legs_aggregated.acw_time_ms,
        coalesce(legs_aggregated.transfer_count, 0) as transfer_count,
        legs_aggregated.queue_wait_ms,
        legs_aggregated.outbound_campaign_id,
        legs_aggregated.outbound_contact_id,
        legs_aggregated.disposition_name,
        legs_aggregated.outbound_system_wrap_up_code,
        legs_aggregated.customer_disconnect_type,
        legs_aggregated.bot_outcome,
        attributes.crm_account_id,
        attributes.crm_case_id,
        attributes.escalated_attribute,
        attributes.bot_handled_attribute,
        attributes.conversation_id is not null as has_participant_attributes

    from conversations
    left join legs_aggregated_to_conversations as legs_aggregated
        on conversations.conversation_id = legs_aggregated.conversation_id
    left join first_queue
        on conversations.conversation_id = first_queue.conversation_id
    left join first_agent_legs
        on conversations.conversation_id = first_agent_legs.conversation_id
    left join last_agent_legs
        on conversations.conversation_id = last_agent_legs.conversation_id
    left join attributes_pivoted_to_conversations as attributes
        on conversations.conversation_id = attributes.conversation_id

),

flags_derived as (

    select
        *,
        {{ milliseconds_between('conversation_started_at', 'conversation_ended_at') }} as duration_ms,
        agent_leg_count > 0 as has_agent,
        has_queue_abandon and agent_leg_count = 0 as is_abandoned,
        transfer_count > 0 or agent_leg_count > 1 as is_transferred,
        (has_botflow and agent_leg_count > 0) or distinct_agent_count > 1 as is_escalated,
        has_botflow and agent_leg_count = 0 and not (has_queue_abandon and agent_leg_count = 0) as is_bot_contained,
        outbound_campaign_id is not null as is_campaign_call

    from conversations_joined

)

select * from flags_derived
