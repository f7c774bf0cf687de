{#-
    One row per agent per management unit and adherence day (one user result of a historical
    adherence bulk-job item; the loader requests one item per unit and UTC day, so dayMetrics
    holds that day). Genesys definitions: adherence = share of the scheduled time the agent
    spent in the scheduled activity; conformance = actual on-queue (work) time / scheduled
    on-queue time (can exceed 100 when the agent worked more than scheduled).
-#}

with

source as (

    select * from {{ source_or_empty('genesys', 'historical_adherence', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.managementUnitId') }} as management_unit_id,
        {{ json_text('payload', '$.userId') }} as user_id,
        {{ safe_parse_utc_timestamp(json_text('payload', '$.startDate')) }} as adherence_start_at,
        {{ safe_parse_utc_timestamp(json_text('payload', '$.endDate')) }} as adherence_end_at,
        {{ cast_text_or_null(json_text('payload', '$.adherencePercentage'), 'double') }} as adherence_pct,
        {{ cast_text_or_null(json_text('payload', '$.conformancePercentage'), 'double') }} as conformance_pct,
        {{ json_text('payload', '$.impact') }} as impact,
        {{ cast_text_or_null(json_text('payload', '$.dayMetrics[0].adherenceScheduleSeconds'), 'bigint') }} as adherence_schedule_seconds,
        {{ cast_text_or_null(json_text('payload', '$.dayMetrics[0].conformanceScheduleSeconds'), 'bigint') }} as conformance_schedule_seconds,
        {{ cast_text_or_null(json_text('payload', '$.dayMetrics[0].conformanceActualSeconds'), 'bigint') }} as conformance_actual_seconds,
        {{ cast_text_or_null(json_text('payload', '$.dayMetrics[0].exceptionCount'), 'bigint') }} as exception_count,
        {{ cast_text_or_null(json_text('payload', '$.dayMetrics[0].exceptionDurationSeconds'), 'bigint') }} as exception_duration_seconds,
        {{ cast_text_or_null(json_text('payload', '$.dayMetrics[0].impactSeconds'), 'bigint') }} as impact_seconds,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select
    *,
    cast(adherence_start_at as date) as adherence_date

from renamed
