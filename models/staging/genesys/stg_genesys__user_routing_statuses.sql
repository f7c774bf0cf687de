{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'started_at'],
        meta={'tests_new_rows_column': 'extracted_at'},
    )
}}

{#-
    Materialised as an incremental table, an exception to staging views: routing status intervals
    grow with every agent and day of history. Only records extracted since the last build are
    parsed; a re-extracted interval replaces the stored one (same user and start).
-#}

with

source as (

    select * from {{ source_or_empty('genesys', 'user_routing_statuses', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}
    {% if is_incremental() %}
    where {{ extracted_after_latest() }}
    {% endif %}

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
