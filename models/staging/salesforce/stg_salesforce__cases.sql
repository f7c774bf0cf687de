with

source as (

    select * from {{ source_or_empty('salesforce', 'cases', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
        'is_deleted': 'boolean',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.Id') }} as case_id,
        {{ json_text('payload', '$.AccountId') }} as account_id,
        {{ json_text('payload', '$.CaseNumber') }} as case_number,
        {{ json_text('payload', '$.Status') }} as case_status,
        {{ json_text('payload', '$.Type') }} as case_type,
        {{ json_text('payload', '$.Priority') }} as case_priority,
        {{ json_text('payload', '$.Origin') }} as case_origin,
        {{ json_boolean('payload', '$.IsClosed') }} as is_closed,
        {{ parse_utc_timestamp(json_text('payload', '$.CreatedDate')) }} as created_at,
        {{ parse_utc_timestamp(json_text('payload', '$.ClosedDate')) }} as closed_at,
        {{ parse_utc_timestamp(json_text('payload', '$.SystemModstamp')) }} as system_modstamp_at,
        coalesce(is_deleted, false) as is_deleted,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

),

final as (

    select * from renamed
    where not is_deleted

)

select * from final
