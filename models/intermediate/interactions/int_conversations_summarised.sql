{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='merge',
        unique_key='conversation_id',
        meta={'tests_new_rows_column': 'extracted_at'},
        pre_hook="{{ cxlake.open_conversation_start_windows(ref('stg_genesys__conversations')) }}",
        post_hook="{{ cxlake.run_first_load_windows() }}",
    )
}}

{#
    A first build runs window by window of whole days of conversation start, like
    `int_conversation_legs` (var `first_load_window_conversations`).
    Legs are ranked inside the one aggregation per conversation (`value_at_min` /
    `value_at_max`): a missing time sorts after every other when looking for the first leg
    and before every other when looking for the last; the session id breaks ties.
#}
{% set earliest = "cast('1900-01-01' as " ~ dbt.type_timestamp() ~ ")" %}
{% set latest = "cast('9999-12-31' as " ~ dbt.type_timestamp() ~ ")" %}
{% set queue_order = [
    "case when purpose = 'acd' then 0 else 1 end",
    'coalesce(first_segment_started_at, ' ~ latest ~ ')',
    'session_index',
    "coalesce(session_id, '')",
] %}
{% set agent_order_first = [
    'coalesce(answered_at, first_segment_started_at, ' ~ latest ~ ')',
    'coalesce(first_segment_started_at, ' ~ latest ~ ')',
    'session_index',
    "coalesce(session_id, '')",
] %}
{% set agent_order_last = [
    'coalesce(answered_at, first_segment_started_at, ' ~ earliest ~ ')',
    'coalesce(first_segment_started_at, ' ~ earliest ~ ')',
    'session_index',
    "coalesce(session_id, '')",
] %}

{# rendered once: a daily build reads the model's stored bounds one time, not once per input #}
{% set to_read = cxlake.conversations_to_read() %}

with

conversations as (

    {{ cxlake.read_conversations(ref('stg_genesys__conversations'), to_read) }}

),

legs as (

    select
        *,
        {# a dial attempt: a dialing / contacting segment or a call-analysis disposition #}
        dial_segment_count > 0 or disposition_name is not null as is_campaign_dial_session

    from ({{ cxlake.read_conversations(ref('int_conversation_legs'), to_read) }}) as legs_to_read

),

participant_attributes as (

    {{ cxlake.read_conversations(ref('stg_genesys__participant_attributes'), to_read) }}

),

attributes_pivoted_to_conversations as (

    select
        conversation_id,
        max(case when attribute_name = 'sfAccountId' then attribute_value end) as crm_account_id,
        max(case when attribute_name = 'sfCaseId' then attribute_value end) as crm_case_id,
        max(case when attribute_name = '{{ var("escalated_attribute") | replace("'", "''") }}' then attribute_value end) as escalated_attribute,
        max(case when attribute_name = '{{ var("bot_handled_attribute") | replace("'", "''") }}' then attribute_value end) as bot_handled_attribute

    from participant_attributes
    group by conversation_id

),

{# distinct agents counted from one row per conversation and user: a distinct count inside
   the wide aggregation below keeps a set per conversation (the model took 29 s instead of
   11 s at 1M conversations) #}
legs_aggregated_to_conversation_users as (

    select
        conversation_id,
        user_id,
        max(case when purpose = 'agent' then 1 else 0 end) = 1 as has_agent_leg,
        max(case when is_answered then 1 else 0 end) = 1 as has_answered_leg

    from legs
    where user_id is not null
    group by
        conversation_id,
        user_id

),

agents_counted_per_conversation as (

    select
        conversation_id,
        count(case when has_agent_leg then 1 end) as distinct_agent_count,
        count(case when has_answered_leg then 1 end) as answering_agent_count

    from legs_aggregated_to_conversation_users
    group by conversation_id

),

legs_aggregated_to_conversations as (

    select
        conversation_id,
        max(case when purpose = 'customer' then media_type end) as customer_media_type,
        max(media_type) as any_media_type,
        count(case when purpose = 'agent' then 1 end) as agent_leg_count,
        count(case when purpose = 'agent' and not is_answered then 1 end) as missed_alert_count,
        max(case when purpose = 'agent' and is_answered and ended_by_transfer then 1 else 0 end) = 1 as has_transfer_disconnect,
        max(case when media_type = 'callback' then 1 else 0 end) = 1 as has_callback,
        max(callback_numbers) as callback_numbers,
        min(callback_scheduled_at) as callback_scheduled_at,
        max(case when purpose = 'customer' then message_type end) as customer_message_type,
        max(message_type) as any_message_type,
        max(journey_customer_id) as journey_customer_id,
        max(journey_customer_session_id) as journey_customer_session_id,
        max(case when is_campaign_dial_session then 1 else 0 end) = 1 as has_dial_attempt,
        max(case when has_preview_skipped_code then 1 else 0 end) = 1 as has_preview_skipped_code,
        max(error_code) as error_code,
        max(case when purpose = 'botflow' then 1 else 0 end) = 1 as has_botflow,
        max(case when purpose = 'acd' and abandon_ms is not null then 1 else 0 end) = 1 as has_queue_abandon,
        cast(sum(case when purpose = 'agent' then handle_ms end) as {{ dbt.type_bigint() }}) as handle_time_ms,
        cast(sum(case when purpose = 'agent' then talk_ms end) as {{ dbt.type_bigint() }}) as talk_time_ms,
        cast(sum(case when purpose = 'agent' then held_ms end) as {{ dbt.type_bigint() }}) as hold_time_ms,
        cast(sum(case when purpose = 'agent' then acw_ms end) as {{ dbt.type_bigint() }}) as acw_time_ms,
        cast(sum(case when purpose = 'agent' then transferred_count else 0 end) as {{ dbt.type_bigint() }}) as transfer_count,
        cast(sum(case when purpose = 'agent' then coalesce(not_responding_ms, 0) else 0 end) as {{ dbt.type_bigint() }}) as not_responding_ms,
        cast(sum(case when purpose = 'acd' then acd_ms end) as {{ dbt.type_bigint() }}) as queue_wait_ms,
        max(outbound_campaign_id) as outbound_campaign_id,
        max(outbound_contact_id) as outbound_contact_id,
        {# the dialer's outbound participant holds call analysis; a preview call may carry it on another session #}
        coalesce(
            max(case when purpose = 'outbound' then disposition_name end),
            max(disposition_name)
        ) as disposition_name,
        max(case when purpose = 'outbound' then wrap_up_code end) as outbound_system_wrap_up_code,
        max(case when purpose = 'customer' then disconnect_type end) as customer_disconnect_type,
        max(case when purpose = 'botflow' then flow_first_outcome_value end) as bot_outcome,
        {# the first queue: an ACD leg's before any other leg's, then by start #}
        {{ cxlake.value_at_min('queue_id', queue_order, where='queue_id is not null') }} as first_queue_id,
        {# answering agent legs only: a missed alert is never the handling agent nor the one who wrapped up #}
        {{ cxlake.value_at_min('user_id', agent_order_first, where='is_answered') }} as first_agent_user_id,
        {{ cxlake.value_at_min('answered_ms', agent_order_first, where='is_answered') }} as first_answer_ms,
        {{ cxlake.value_at_max('user_id', agent_order_last, where='is_answered') }} as last_agent_user_id,
        {{ cxlake.value_at_max('wrap_up_code', agent_order_last, where='is_answered') }} as agent_wrap_up_code

    from legs
    group by conversation_id

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
        legs_aggregated.first_queue_id as queue_id,
        legs_aggregated.first_agent_user_id,
        legs_aggregated.first_answer_ms,
        legs_aggregated.last_agent_user_id,
        legs_aggregated.agent_wrap_up_code,
        coalesce(legs_aggregated.agent_leg_count, 0) as agent_leg_count,
        coalesce(agents_counted.distinct_agent_count, 0) as distinct_agent_count,
        coalesce(agents_counted.answering_agent_count, 0) as answering_agent_count,
        coalesce(legs_aggregated.missed_alert_count, 0) as missed_alert_count,
        coalesce(legs_aggregated.has_transfer_disconnect, false) as has_transfer_disconnect,
        coalesce(legs_aggregated.has_callback, false) as has_callback,
        legs_aggregated.callback_numbers,
        legs_aggregated.callback_scheduled_at,
        coalesce(legs_aggregated.customer_message_type, legs_aggregated.any_message_type) as message_type,
        legs_aggregated.journey_customer_id,
        legs_aggregated.journey_customer_session_id,
        coalesce(legs_aggregated.has_dial_attempt, false) as has_dial_attempt,
        coalesce(legs_aggregated.has_preview_skipped_code, false) as has_preview_skipped_code,
        legs_aggregated.error_code,
        legs_aggregated.not_responding_ms,
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
    left join agents_counted_per_conversation as agents_counted
        on conversations.conversation_id = agents_counted.conversation_id
    left join attributes_pivoted_to_conversations as attributes
        on conversations.conversation_id = attributes.conversation_id

),

attribute_flags as (

    select
        *,
        {# the flow's own verdict: 'true' / 'false' (any case); anything else counts as absent #}
        case lower(trim(escalated_attribute)) when 'true' then true when 'false' then false end as escalated_by_attribute,
        case lower(trim(bot_handled_attribute)) when 'true' then true when 'false' then false end as bot_handled_by_attribute,
        answering_agent_count > 0 as has_agent,
        has_queue_abandon and answering_agent_count = 0 as is_abandoned

    from conversations_joined

),

flags_derived as (

    select
        *,
        {{ milliseconds_between('conversation_started_at', 'conversation_ended_at') }} as duration_ms,
        transfer_count > 0 or has_transfer_disconnect as is_transferred,
        coalesce(
            escalated_by_attribute,
            (has_botflow and answering_agent_count > 0) or answering_agent_count > 1
        ) as is_escalated,
        escalated_by_attribute is not null as is_escalated_from_attribute,
        coalesce(
            bot_handled_by_attribute,
            has_botflow and answering_agent_count = 0 and not is_abandoned
        ) as is_bot_contained,
        bot_handled_by_attribute is not null as is_bot_contained_from_attribute,
        outbound_campaign_id is not null as is_campaign_call,
        outbound_campaign_id is not null and has_preview_skipped_code and not has_dial_attempt as is_preview_skipped

    from attribute_flags

)

select * from flags_derived
