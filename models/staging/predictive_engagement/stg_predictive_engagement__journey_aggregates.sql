{#-
    One raw row per (action map, P1D interval): payload = one aggregates `data[]` element
    (`interval`, `metrics[]`) plus its `group`. One row per metric here.
-#}

with

source as (

    select * from {{ source_or_empty('predictive_engagement', 'journey_aggregates', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

intervals as (

    select
        {{ json_text('payload', '$.group.journeyActionMapId') }} as action_map_id,
        {{ json_text('payload', '$.interval') }} as interval_text,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at,
        payload

    from source

),

metrics as (

    {{ json_array_rows('intervals', 'payload', '$.metrics', ['action_map_id', 'interval_text', 'extracted_at'], 'metric', 'metric_index') }}

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
