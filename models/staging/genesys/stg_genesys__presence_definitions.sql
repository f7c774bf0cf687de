with

source as (

    select * from {{ source_or_empty('genesys', 'presence_definitions', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as presence_definition_id,
        {{ json_text('payload', '$.systemPresence') }} as system_presence,
        {{ json_text('payload', '$.languageLabels.en_US') }} as presence_label,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
