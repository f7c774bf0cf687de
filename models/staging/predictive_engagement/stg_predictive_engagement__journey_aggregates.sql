with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'journey_aggregates', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

groups as (

    select
        {{ json_text('payload', '$.group.journeyActionMapId') }} as action_map_id,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at,
        payload

    from source

),

intervals as (

    {{ json_array_rows('groups', 'payload', '$.data', ['action_map_id', 'extracted_at'], 'interval_data', 'interval_index') }}

),

intervals_renamed as (

    select
        action_map_id,
        extracted_at,
        {{ json_text('interval_data', '$.interval') }} as interval_text,
        interval_data

    from intervals

),

metrics as (

    {{ json_array_rows('intervals_renamed', 'interval_data', '$.metrics', ['action_map_id', 'extracted_at', 'interval_text'], 'metric', 'metric_index') }}

),

renamed as (

    select
        action_map_id,
        {{ parse_utc_timestamp(dbt.split_part('interval_text', "'/'", 1)) }} as interval_start_at,
        {{ parse_utc_timestamp(dbt.split_part('interval_text', "'/'", 2)) }} as interval_end_at,
        extracted_at,
        {{ json_text('metric', '$.metric') }} as metric_name,
        {{ json_integer('metric', '$.stats.count') }} as metric_count

    from metrics

)

select * from renamed
