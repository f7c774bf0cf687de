{#- Dialer contacts with the conversion columns `cxlake push conversions` writes. -#}

with

source as (

    select * from {{ source_or_empty('genesys_writeback', 'contact_list_contacts', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as contact_id,
        {{ json_text('payload', '$.contactListId') }} as contact_list_id,
        coalesce({{ json_text('payload', '$.data.cxlake_converted') }}, '') = 'true' as is_converted,
        nullif({{ json_text('payload', '$.data.cxlake_conversion_batch') }}, '') as conversion_batch_id,
        nullif({{ json_text('payload', '$.data.cxlake_conversions') }}, '') as conversions_text,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
