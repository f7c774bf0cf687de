with

source as (

    select * from {{ source_or_empty('genesys', 'campaign_stats', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
        'observed_at': 'timestamp with time zone',
    }) }}

),

renamed as (

    select
        {{ json_text('payload', '$.campaignId') }} as campaign_id,
        {{ to_utc_timestamp('observed_at') }} as observed_at,
        {{ json_integer('payload', '$.contactRate.attempts') }} as attempts,
        {{ json_integer('payload', '$.contactRate.connects') }} as connects,
        {{ json_number('payload', '$.contactRate.connectRatio') }} as connect_ratio,
        {{ json_integer('payload', '$.idleAgents') }} as idle_agents,
        {{ json_number('payload', '$.effectiveIdleAgents') }} as effective_idle_agents,
        {{ json_number('payload', '$.adjustedCallsPerAgent') }} as adjusted_calls_per_agent,
        {{ json_integer('payload', '$.outstandingCalls') }} as outstanding_calls,
        {{ json_integer('payload', '$.scheduledCalls') }} as scheduled_calls,
        {{ json_integer('payload', '$.rightPartyContactsCount') }} as right_party_contacts,
        {{ json_integer('payload', '$.validAttempts') }} as valid_attempts,
        {{ json_integer('payload', '$.linesUtilization.assignedOutboundLines') }} as assigned_outbound_lines,
        {{ json_integer('payload', '$.linesUtilization.totalAvailableOutboundLines') }} as available_outbound_lines,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from source

)

select * from renamed
