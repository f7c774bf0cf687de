with

source as (

    select * from {{ source_or_empty('genesys', 'campaigns', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.id') }} as campaign_id,
        {{ json_text('payload', '$.name') }} as campaign_name,
        {{ json_text('payload', '$.campaignStatus') }} as campaign_status,
        {{ json_text('payload', '$.dialingMode') }} as dialing_mode,
        {{ json_text('payload', '$.queue.id') }} as queue_id,
        {{ json_text('payload', '$.contactList.id') }} as contact_list_id,
        {{ json_text('payload', '$.division.id') }} as division_id,
        {{ json_text('payload', '$.callAnalysisResponseSet.id') }} as call_analysis_response_set_id,
        {{ parse_utc_timestamp(json_text('payload', '$.dateCreated')) }} as created_at,
        {{ parse_utc_timestamp(json_text('payload', '$.dateModified')) }} as modified_at,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
