{#- One row per activity of an agent's scheduled shift (WFM schedules). -#}

with

source as (

    select * from {{ source_or_empty('genesys', 'agent_schedules', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

shifts as (

    select
        {{ json_text('payload', '$.id') }} as shift_id,
        {{ json_text('payload', '$.managementUnitId') }} as management_unit_id,
        {{ json_text('payload', '$.userId') }} as user_id,
        payload,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

),

activities as (

    {{ json_array_rows('shifts', 'payload', '$.activities', ['shift_id', 'management_unit_id', 'user_id', 'extracted_at'], 'activity', 'activity_index') }}

),

final as (

    select
        shift_id,
        activity_index,
        management_unit_id,
        user_id,
        {{ safe_parse_utc_timestamp(json_text('activity', '$.startDate')) }} as activity_start_at,
        {{ cast_text_or_null(json_text('activity', '$.lengthMinutes'), 'bigint') }} as length_minutes,
        {{ json_text('activity', '$.activityCodeId') }} as activity_code_id,
        {{ json_text('activity', '$.description') }} as activity_description,
        extracted_at

    from activities

)

select
    shift_id,
    activity_index,
    management_unit_id,
    user_id,
    activity_start_at,
    {{ dbt.dateadd('minute', 'length_minutes', 'activity_start_at') }} as activity_end_at,
    length_minutes,
    activity_code_id,
    activity_description,
    extracted_at

from final
