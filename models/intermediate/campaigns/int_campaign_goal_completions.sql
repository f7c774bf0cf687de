{#
    Goal completions per campaign contact and goal, from agent dispositions mapped to goals,
    from matched pushed events and from conversions written back to the dialer contacts
    (`int_conversion_writebacks`), counted once per (campaign, contact, goal): a sale
    dispositioned on the call and confirmed by the web form is one completion, dated by
    whichever came first.
#}

with

outbound_calls as (

    select * from {{ ref('int_outbound_calls') }}

),

conversion_events as (

    select * from {{ ref('int_conversion_events_deduplicated') }}

),

conversion_writebacks as (

    select * from {{ ref('int_conversion_writebacks') }}

),

completions_from_dispositions as (

    select
        campaign_id,
        contact_id,
        disposition_goal_id as goal_id,
        conversation_ended_at as completed_at,
        'disposition' as completion_source

    from outbound_calls
    where disposition_goal_id is not null
        and conversation_ended_at is not null

),

completions_from_events as (

    select
        campaign_id,
        contact_id,
        goal_id,
        occurred_at as completed_at,
        'conversion_event' as completion_source

    from conversion_events
    where not is_orphaned

),

completions_from_writebacks as (

    select
        campaign_id,
        contact_id,
        goal_id,
        occurred_at as completed_at,
        'writeback' as completion_source

    from conversion_writebacks
    where campaign_id is not null

),

unioned as (

    select * from completions_from_dispositions
    union all
    select * from completions_from_events
    union all
    select * from completions_from_writebacks

),

ranked as (

    select
        *,
        row_number() over (
            partition by campaign_id, contact_id, goal_id
            order by completed_at, completion_source
        ) as completion_rank,
        count(*) over (partition by campaign_id, contact_id, goal_id) as source_count

    from unioned

),

final as (

    select
        campaign_id,
        contact_id,
        goal_id,
        completed_at,
        completion_source as first_completion_source,
        source_count,
        {{ time_bucket_start('completed_at', 15) }} as interval_start_at,
        {{ time_bucket_start('completed_at', 5) }} as five_minute_start_at

    from ranked
    where completion_rank = 1

)

select * from final
