with

source as (

    select * from {{ source_or_empty('genesys', 'conversion_events', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as event_id,
        {{ json_text('payload', '$.contactId') }} as contact_id,
        {{ json_text('payload', '$.eventType') }} as event_type,
        {{ json_text('payload', '$.data.goalId') }} as goal_id,
        {{ json_text('payload', '$.data.campaignId') }} as campaign_id,
        {{ epoch_ms_to_timestamp(json_text('payload', '$.data.timestamp')) }} as occurred_at,
        {{ json_number('payload', '$.data.value') }} as event_value,
        {{ json_text('payload', '$.data.metadata.transactionId') }} as transaction_id,
        {{ json_text('payload', '$.data.metadata.channel') }} as channel,
        {{ parse_utc_timestamp(json_text('payload', '$.receivedDate')) }} as received_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
