{#
    Conversions written back to the dialer contacts by `cxlake push conversions`, one row per
    transaction id.

    The detail (transaction, contact, goal, value, time) comes from the outbox as the push
    copied it into `raw_genesys.conversion_outbox`, state `acknowledged` (the API confirmed the
    write on the contact). A bulk write applies one patch to every contact of its job, so the
    contact columns carry nothing per contact (`cxlake_converted`, `cxlake_conversion_batch`)
    and no contact's row is read for another contact's data. The count is confirmed by the
    contact's own columns as the next ingest read them back: a transaction counts only when its
    own contact reads `cxlake_converted = 'true'` (`is_confirmed_by_contact`); `is_latest_write`
    says whether the contact's `cxlake_conversion_batch` is this transaction's write (a later
    write for the same contact replaces it). The campaign credited is the one whose call to
    the contact came last at or before the conversion.
#}

with

outbox as (

    select * from {{ ref('stg_genesys__conversion_outbox') }}
    where outbox_state = 'acknowledged'
        and contact_id is not null

),

contacts as (

    select
        *,
        row_number() over (
            partition by contact_list_id, contact_id order by extracted_at desc
        ) as extraction_rank

    from {{ ref('stg_genesys__contact_list_contacts') }}

),

latest_contacts as (

    select * from contacts
    where extraction_rank = 1

),

outbound_calls as (

    select * from {{ ref('int_outbound_calls') }}

),

confirmed as (

    select
        outbox.transaction_id,
        outbox.contact_id,
        outbox.contact_list_id,
        outbox.goal_id,
        outbox.event_value,
        outbox.occurred_at,
        outbox.batch_id,
        latest_contacts.conversion_batch_id = outbox.batch_id as is_latest_write,
        latest_contacts.extracted_at

    from outbox
    inner join latest_contacts
        on outbox.contact_id = latest_contacts.contact_id
        and outbox.contact_list_id = latest_contacts.contact_list_id
    where latest_contacts.is_converted

),

calls_before as (

    select
        confirmed.transaction_id,
        outbound_calls.campaign_id,
        row_number() over (
            partition by confirmed.transaction_id
            order by outbound_calls.conversation_started_at desc, outbound_calls.campaign_id
        ) as call_rank

    from confirmed
    inner join outbound_calls
        on confirmed.contact_id = outbound_calls.contact_id
        and outbound_calls.conversation_started_at <= confirmed.occurred_at

),

final as (

    select
        confirmed.transaction_id,
        confirmed.contact_id,
        confirmed.contact_list_id,
        calls_before.campaign_id,
        confirmed.goal_id,
        confirmed.event_value,
        confirmed.occurred_at,
        confirmed.batch_id,
        confirmed.is_latest_write,
        true as is_confirmed_by_contact,
        confirmed.extracted_at,
        {{ time_bucket_start('confirmed.occurred_at', 15) }} as interval_start_at,
        {{ time_bucket_start('confirmed.occurred_at', 5) }} as five_minute_start_at

    from confirmed
    left join calls_before
        on confirmed.transaction_id = calls_before.transaction_id
        and calls_before.call_rank = 1

)

select * from final
