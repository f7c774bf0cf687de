with

source as (

    select * from {{ source_or_empty('genesys', 'queue_observations', {
        'payload': 'varchar',
        'observed_at': 'timestamp with time zone',
    }) }}

),

observations as (

    select
        {{ json_text('payload', '$.group.queueId') }} as queue_id,
        {{ json_text('payload', '$.group.mediaType') }} as media_type,
        {{ to_utc_timestamp('observed_at') }} as observed_at,
        payload

    from source

),

observation_metrics as (

    {{ json_array_rows('observations', 'payload', '$.data', ['queue_id', 'media_type', 'observed_at'], 'observation', 'observation_index') }}

),

renamed as (

    select
        queue_id,
        media_type,
        media_type is null as is_queue_level,
        observed_at,
        observation_index,
        {{ json_text('observation', '$.metric') }} as metric_name,
        {{ json_text('observation', '$.qualifier') }} as qualifier,
        {{ json_integer('observation', '$.stats.count') }} as observed_count

    from observation_metrics

)

select * from renamed
