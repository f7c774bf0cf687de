with

source as (

    select * from {{ source_or_empty('salesforce', 'opportunities', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
        'is_deleted': 'boolean',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.Id') }} as opportunity_id,
        {{ json_text('payload', '$.AccountId') }} as account_id,
        {{ json_text('payload', '$.Name') }} as opportunity_name,
        {{ json_text('payload', '$.StageName') }} as stage_name,
        {{ json_number('payload', '$.Amount') }} as amount,
        {{ json_text('payload', '$.CloseDate') }} as close_date_text,
        {{ json_boolean('payload', '$.IsClosed') }} as is_closed,
        {{ json_boolean('payload', '$.IsWon') }} as is_won,
        {{ parse_utc_timestamp(json_text('payload', '$.CreatedDate')) }} as created_at,
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
