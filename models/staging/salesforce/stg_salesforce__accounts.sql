with

source as (

    select * from {{ source_or_empty('salesforce', 'accounts', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
        'is_deleted': 'boolean',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.Id') }} as account_id,
        {{ json_text('payload', '$.Name') }} as account_name,
        {{ json_text('payload', '$.Type') }} as account_type,
        {{ json_text('payload', '$.Industry') }} as industry,
        {{ json_text('payload', '$.Account_Tier__c') }} as customer_tier,
        {{ json_text('payload', '$.OwnerId') }} as owner_user_id,
        {{ json_text('payload', '$.Owner.Name') }} as account_owner,
        {{ json_number('payload', '$.AnnualRevenue') }} as annual_revenue,
        {{ json_number('payload', '$.Customer_LTV_USD__c') }} as ltv_usd,
        {{ parse_utc_timestamp(json_text('payload', '$.CreatedDate')) }} as created_at,
        {{ parse_utc_timestamp(json_text('payload', '$.LastModifiedDate')) }} as last_modified_at,
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
