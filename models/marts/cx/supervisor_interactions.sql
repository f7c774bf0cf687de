{{ config(materialized='view') }}

{#- Contact-centre supervisors: performance columns, no LTV, revenue or pipeline. -#}

with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

final as (

    select
        conversation_id,
        conversation_start,
        conversation_end,
        conversation_date,
        duration_ms,
        is_in_flight,
        queue_id,
        queue_name,
        media_type,
        direction,
        agent_id,
        agent_name,
        agent_leg_count,
        handle_time_ms,
        talk_time_ms,
        hold_time_ms,
        acw_time_ms,
        queue_wait_ms,
        abandoned,
        transferred,
        qa_score,
        csat_score,
        crm_account_id,
        crm_case_id,
        is_crm_linked,
        customer_tier,
        current_customer_tier,
        industry,
        case_category,
        was_escalated,
        handled_by_bot_only,
        outbound_campaign_id,
        wrap_up_code,
        wrap_up_code_name,
        division_id,
        division_name,
        data_source,
        loaded_at

    from interactions

)

select * from final
