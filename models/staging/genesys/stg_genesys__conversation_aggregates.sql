with

source as (

    select * from {{ source_or_empty('genesys', 'conversation_aggregates', {
        'division_id': 'varchar',
        'interval_start': 'timestamp with time zone',
        'group_key': 'varchar',
        'time_zone': 'varchar',
        'granularity': 'varchar',
        'payload': 'varchar',
    }) }}

),

intervals as (

    select
        division_id,
        {{ to_utc_timestamp('interval_start') }} as interval_start_at,
        group_key,
        time_zone,
        granularity,
        {{ json_text('payload', '$.group.queueId') }} as queue_id,
        {{ json_text('payload', '$.group.mediaType') }} as media_type,
        payload

    from source

),

metrics as (

    {{ json_array_rows('intervals', 'payload', '$.metrics',
        ['division_id', 'interval_start_at', 'group_key', 'time_zone', 'granularity', 'queue_id', 'media_type'], 'metric', 'metric_index') }}

),

renamed as (

    select
        division_id,
        interval_start_at,
        group_key,
        time_zone,
        granularity,
        queue_id,
        media_type,
        {{ json_text('metric', '$.metric') }} as metric_name,
        {{ json_number('metric', '$.stats.count') }} as stat_count,
        {{ json_number('metric', '$.stats.sum') }} as stat_sum,
        {{ json_number('metric', '$.stats.max') }} as stat_max,
        {{ json_number('metric', '$.stats.min') }} as stat_min,
        {{ json_number('metric', '$.stats.numerator') }} as stat_numerator,
        {{ json_number('metric', '$.stats.denominator') }} as stat_denominator,
        {{ json_number('metric', '$.stats.ratio') }} as stat_ratio

    from metrics

)

select * from renamed
