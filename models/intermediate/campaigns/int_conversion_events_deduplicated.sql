{#
    Pushed goal-completion events, one per transactionId (external systems retry
    and resend), matched to the campaign contact they name. Events whose contactId matches
    no campaign call of their campaign are orphaned (`is_orphaned`).
#}

with

conversion_events as (

    select * from {{ ref('stg_genesys__conversion_events') }}

),

outbound_calls as (

    select * from {{ ref('int_outbound_calls') }}

),

events_ranked as (

    select
        *,
        row_number() over (
            partition by coalesce(transaction_id, event_id)
            order by received_at, event_id
        ) as transaction_rank,
        count(*) over (partition by coalesce(transaction_id, event_id)) as duplicate_count

    from conversion_events
    where event_type = 'goalCompletion'

),

known_contacts as (

    select
        campaign_id,
        contact_id,
        min(conversation_started_at) as first_called_at

    from outbound_calls
    where contact_id is not null
    group by
        campaign_id,
        contact_id

),

final as (

    select
        events_ranked.event_id,
        coalesce(events_ranked.transaction_id, events_ranked.event_id) as transaction_key,
        events_ranked.transaction_id,
        events_ranked.contact_id,
        events_ranked.campaign_id,
        events_ranked.goal_id,
        events_ranked.occurred_at,
        events_ranked.received_at,
        events_ranked.event_value,
        events_ranked.channel,
        events_ranked.duplicate_count - 1 as duplicates_dropped,
        {{ time_bucket_start('events_ranked.occurred_at', 15) }} as interval_start_at,
        {{ time_bucket_start('events_ranked.occurred_at', 5) }} as five_minute_start_at,
        known_contacts.contact_id is null as is_orphaned,
        known_contacts.first_called_at

    from events_ranked
    left join known_contacts
        on events_ranked.campaign_id = known_contacts.campaign_id
        and events_ranked.contact_id = known_contacts.contact_id
    where events_ranked.transaction_rank = 1

)

select * from final
