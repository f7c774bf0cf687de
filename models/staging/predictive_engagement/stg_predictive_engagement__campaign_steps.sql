with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'campaign_analytics', {
        'payload': 'varchar',
        'extracted_at': 'timestamp with time zone',
    }) }}

),

extractions as (

    select
        {{ json_text('payload', '$.campaignId') }} as campaign_id,
        {{ parse_utc_timestamp(json_text('payload', '$.dateFrom')) }} as date_from,
        {{ to_utc_timestamp('extracted_at') }} as extracted_at,
        payload

    from source

),

steps as (

    {{ json_array_rows('extractions', 'payload', '$.steps', ['campaign_id', 'date_from', 'extracted_at'], 'step', 'step_sequence') }}

),

renamed as (

    select
        campaign_id,
        date_from,
        extracted_at,
        step_sequence,
        {{ json_text('step', '$.stepId') }} as step_id,
        {{ json_text('step', '$.stepName') }} as step_name,
        {{ json_integer('step', '$.contactCount') }} as contact_count,
        {{ json_number('step', '$.conversionRate') }} as conversion_rate,
        {{ json_number('step', '$.averageScore') }} as average_score,
        {{ json_text('step', '$.exitReason') }} as exit_reason

    from steps

)

select * from renamed
