with

source as (

    select * from {{ source_or_empty('salesforce', 'account_history', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
        'is_deleted': 'boolean',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.Id') }} as account_history_id,
        {{ json_text('payload', '$.AccountId') }} as account_id,
        {{ json_text('payload', '$.Field') }} as field_name,
        {{ json_text('payload', '$.OldValue') }} as old_value,
        {{ json_text('payload', '$.NewValue') }} as new_value,
        {{ parse_utc_timestamp(json_text('payload', '$.CreatedDate')) }} as changed_at,
        coalesce(is_deleted, false) as is_deleted,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

),

final as (

    select * from renamed
    where not is_deleted

)

select * from final
