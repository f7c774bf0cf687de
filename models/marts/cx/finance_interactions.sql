{{ config(materialized='view') }}

{#- Finance: CRM value columns with the contact, no agent identity. -#}

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
        handle_time_ms,
        talk_time_ms,
        hold_time_ms,
        acw_time_ms,
        abandoned,
        transferred,
        csat_score,
        crm_account_id,
        crm_case_id,
        is_crm_linked,
        customer_tier,
        current_customer_tier,
        account_owner,
        open_opportunity_count,
        ltv_usd,
        industry,
        case_category,
        was_escalated,
        handled_by_bot_only,
        outbound_campaign_id,
        wrap_up_code_name,
        division_id,
        division_name,
        data_source,
        loaded_at

    from interactions

)

select * from final
