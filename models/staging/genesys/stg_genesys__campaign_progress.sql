with

source as (

    select * from {{ source_or_empty('genesys', 'campaign_progress', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
        'observed_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.campaign.id') }} as campaign_id,
        {{ to_utc_timestamp('observed_at') }} as observed_at,
        {{ json_integer('payload', '$.numberOfContactsCalled') }} as contacts_called,
        {{ json_integer('payload', '$.numberOfContactsMessaged') }} as contacts_messaged,
        {{ json_integer('payload', '$.totalNumberOfContacts') }} as total_contacts,
        {{ json_number('payload', '$.percentage') }} as progress_pct,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
