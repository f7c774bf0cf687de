{#- The write-back outbox as last copied into the warehouse by `cxlake push conversions`. -#}

with

source as (

    select * from {{ source_or_empty('genesys_writeback', 'conversion_outbox', {
        'transaction_id': 'varchar',
        'source': 'varchar',
        'occurred_ms': 'bigint',
        'goal': 'varchar',
        'value': 'double',
        'identifiers': 'varchar',
        'state': 'varchar',
        'reason': 'varchar',
        'list_id': 'varchar',
        'contact_id': 'varchar',
        'campaign_id': 'varchar',
        'batch_id': 'varchar',
        'updated_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        transaction_id,
        source as input_record,
        {{ epoch_ms_to_timestamp('occurred_ms') }} as occurred_at,
        goal as goal_id,
        value as event_value,
        identifiers as identifiers_json,
        state as outbox_state,
        reason,
        list_id as contact_list_id,
        contact_id,
        campaign_id,
        batch_id,
        {{ to_utc_timestamp('updated_at') }} as updated_at

    from source

)

select * from renamed
