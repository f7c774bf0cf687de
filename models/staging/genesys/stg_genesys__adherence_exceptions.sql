{#-
    One row per adherence exception (exceptionInfo[] of a historical adherence user result):
    a stretch of scheduled time the agent spent in another activity than scheduled. Offsets
    are seconds from the result's startDate.
-#}

with

source as (

    select * from {{ source_or_empty('genesys', 'historical_adherence', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

results as (

    select
        {{ json_text('payload', '$.managementUnitId') }} as management_unit_id,
        {{ json_text('payload', '$.userId') }} as user_id,
        {{ safe_parse_utc_timestamp(json_text('payload', '$.startDate')) }} as adherence_start_at,
        payload

    from source

),

exceptions as (

    {{ json_array_rows('results', 'payload', '$.exceptionInfo', ['management_unit_id', 'user_id', 'adherence_start_at'], 'exception', 'exception_index') }}

),

fields as (

    select
        management_unit_id,
        user_id,
        adherence_start_at,
        exception_index,
        {{ cast_text_or_null(json_text('exception', '$.startOffsetSeconds'), 'bigint') }} as start_offset_seconds,
        {{ cast_text_or_null(json_text('exception', '$.endOffsetSeconds'), 'bigint') }} as end_offset_seconds,
        {{ json_text('exception', '$.scheduledActivityCategory') }} as scheduled_activity_category,
        {{ json_text('exception', '$.actualActivityCategory') }} as actual_activity_category,
        {{ json_text('exception', '$.systemPresence') }} as system_presence,
        {{ json_text('exception', '$.routingStatus') }} as routing_status,
        {{ json_text('exception', '$.impact') }} as impact

    from exceptions

)

select
    management_unit_id,
    user_id,
    adherence_start_at,
    exception_index,
    {{ dbt.dateadd('second', 'start_offset_seconds', 'adherence_start_at') }} as exception_start_at,
    {{ dbt.dateadd('second', 'end_offset_seconds', 'adherence_start_at') }} as exception_end_at,
    end_offset_seconds - start_offset_seconds as exception_seconds,
    scheduled_activity_category,
    actual_activity_category,
    system_presence,
    routing_status,
    impact

from fields
