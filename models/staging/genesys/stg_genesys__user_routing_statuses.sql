with

source as (

    select * from {{ source_or_empty('genesys', 'user_routing_statuses', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.userId') }} as user_id,
        {{ parse_utc_timestamp(json_text('payload', '$.startTime')) }} as started_at,
        {{ parse_utc_timestamp(json_text('payload', '$.endTime')) }} as ended_at,
        {{ json_text('payload', '$.routingStatus') }} as routing_status,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
