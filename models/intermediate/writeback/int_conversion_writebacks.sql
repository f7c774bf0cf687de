{#
    Conversions written back to the dialer contacts by `cxlake push conversions`, one row per
    transaction id, read from the contacts' `cxlake_conversions` column as ingested. The
    column holds entries `contactId|transactionId|goal|value|epochMs` joined by `;`; a bulk
    write puts the entries of every contact of its batch on each of them, so a contact's own
    conversions are the entries naming its id. The campaign credited is the one whose call
    to the contact came last at or before the conversion.
#}

with

contacts as (

    select * from {{ ref('stg_genesys__contact_list_contacts') }}
    where conversions_text is not null

),

outbound_calls as (

    select * from {{ ref('int_outbound_calls') }}

),

entries as (

    {{ delimited_rows('contacts', 'conversions_text', ';', ['contact_id', 'contact_list_id', 'extracted_at'], 'conversion_entry') }}

),

parsed as (

    select
        contact_id,
        contact_list_id,
        extracted_at,
        split_part(conversion_entry, '|', 1) as entry_contact_id,
        split_part(conversion_entry, '|', 2) as transaction_id,
        split_part(conversion_entry, '|', 3) as goal_id,
        cast(nullif(split_part(conversion_entry, '|', 4), '') as {{ dbt.type_float() }}) as event_value,
        {{ epoch_ms_to_timestamp("cast(split_part(conversion_entry, '|', 5) as " ~ dbt.type_bigint() ~ ")") }}
            as occurred_at

    from entries

),

own_entries as (

    select
        *,
        row_number() over (partition by transaction_id order by extracted_at desc, contact_id) as entry_rank

    from parsed
    where entry_contact_id = contact_id
        and transaction_id <> ''

),

calls_before as (

    select
        own_entries.transaction_id,
        outbound_calls.campaign_id,
        row_number() over (
            partition by own_entries.transaction_id
            order by outbound_calls.conversation_started_at desc, outbound_calls.campaign_id
        ) as call_rank

    from own_entries
    inner join outbound_calls
        on own_entries.contact_id = outbound_calls.contact_id
        and outbound_calls.conversation_started_at <= own_entries.occurred_at
    where own_entries.entry_rank = 1

),

final as (

    select
        own_entries.transaction_id,
        own_entries.contact_id,
        own_entries.contact_list_id,
        calls_before.campaign_id,
        own_entries.goal_id,
        own_entries.event_value,
        own_entries.occurred_at,
        own_entries.extracted_at,
        {{ time_bucket_start('own_entries.occurred_at', 15) }} as interval_start_at,
        {{ time_bucket_start('own_entries.occurred_at', 5) }} as five_minute_start_at

    from own_entries
    left join calls_before
        on own_entries.transaction_id = calls_before.transaction_id
        and calls_before.call_rank = 1
    where own_entries.entry_rank = 1

)

select * from final
