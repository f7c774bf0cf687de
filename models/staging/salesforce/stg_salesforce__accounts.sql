{#-
    The tier and lifetime-value fields are custom fields whose API names differ between orgs:
    vars `salesforce_tier_field` / `salesforce_ltv_field` name them (one setting shared with
    ingestion). An org whose payloads lack the tier field (or leave it empty) gets
    customer_tier 'Unknown'; a missing or non-numeric LTV is null. Every standard field
    flows regardless, and a page of Accounts carrying only Id and Name builds.
-#}
{%- set tier_field = salesforce_field('salesforce_tier_field') -%}
{%- set ltv_field = salesforce_field('salesforce_ltv_field') -%}

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
        coalesce(nullif(trim({{ json_text('payload', '$.' ~ tier_field) }}), ''), 'Unknown') as customer_tier,
        {{ json_text('payload', '$.OwnerId') }} as owner_user_id,
        {{ json_text('payload', '$.Owner.Name') }} as account_owner,
        {{ json_number('payload', '$.AnnualRevenue') }} as annual_revenue,
        {{ cast_text_or_null(json_text('payload', '$.' ~ ltv_field), 'double') }} as ltv_usd,
        coalesce({{ json_text('payload', '$.BillingAddress.country') }}, {{ json_text('payload', '$.BillingCountry') }}) as billing_country,
        coalesce({{ json_text('payload', '$.BillingAddress.city') }}, {{ json_text('payload', '$.BillingCity') }}) as billing_city,
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
