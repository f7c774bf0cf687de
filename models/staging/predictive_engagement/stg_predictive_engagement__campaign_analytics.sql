with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'campaign_analytics', {
        'payload': 'varchar',
        'extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.campaignId') }} as campaign_id,
        {{ parse_utc_timestamp(json_text('payload', '$.dateFrom')) }} as date_from,
        {{ parse_utc_timestamp(json_text('payload', '$.dateTo')) }} as date_to,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        {{ json_integer('payload', '$.metrics.totalContacts') }} as total_contacts,
        {{ json_integer('payload', '$.metrics.totalConverted') }} as total_converted,
        {{ json_number('payload', '$.metrics.overallConversionRate') }} as overall_conversion_rate,
        {{ json_number('payload', '$.metrics.averageScore') }} as average_score,
        {{ json_array_length('payload', '$.steps') }} as step_count

    from source

)

select * from renamed
