{#- Pushed conversion events whose contactId matches no call of their campaign. -#}

with

conversion_events as (

    select * from {{ ref('int_conversion_events_deduplicated') }}

),

final as (

    select
        event_id,
        transaction_id,
        contact_id,
        campaign_id,
        goal_id,
        occurred_at,
        received_at,
        event_value,
        channel,
        duplicates_dropped

    from conversion_events
    where is_orphaned

)

select * from final
