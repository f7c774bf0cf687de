{#
    Conversions `cxlake push conversions` did not write: orphans (no campaign contact; never
    sent) and dead letters (the API refused the write), each with its reason, as of the last
    push run's copy of the outbox.
#}

with

outbox as (

    select * from {{ ref('stg_genesys__conversion_outbox') }}

),

final as (

    select
        transaction_id,
        outbox_state as exception_kind,
        reason,
        input_record,
        identifiers_json,
        goal_id,
        event_value,
        occurred_at,
        campaign_id,
        contact_list_id,
        contact_id,
        updated_at

    from outbox
    where outbox_state in ('orphaned', 'dead_lettered')

)

select * from final
