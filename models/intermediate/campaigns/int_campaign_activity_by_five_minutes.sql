{#
    Dense 5-minute grid per campaign, over the 15-minute intervals from its first call to its
    last call or goal completion (a web conversion days after the last call still counts), with the counts
    that campaign KPIs add up: intervals without calls are present with zeros so that
    15-minute intervals and rolling windows can carry values forward explicitly.

    Two views of conversions: `goal_completion_count` dates each completion when it happened
    (what a live monitor sees, web events arriving minutes or days after the call), and
    `converted_connected_count` credits the connected call that produced it (the last
    connected call to the contact at or before the completion) in that call's interval, so
    conversion rate = converted connected calls / connected calls stays within 0-1.
#}

with

outbound_calls as (

    select * from {{ ref('int_outbound_calls') }}

),

goal_completions as (

    select * from {{ ref('int_campaign_goal_completions') }}

),

campaign_moments as (

    select campaign_id, interval_start_at from outbound_calls
    union all
    select campaign_id, interval_start_at from goal_completions

),

campaign_ranges as (

    select
        campaign_id,
        min(interval_start_at) as first_interval_at,
        {{ dbt.dateadd('minute', 10, 'max(interval_start_at)') }} as last_interval_at

    from campaign_moments
    group by campaign_id

),

spine as (

    {{ interval_spine(
        '(select min(first_interval_at) from campaign_ranges)',
        '(select max(last_interval_at) from campaign_ranges)',
        5
    ) }}

),

campaign_intervals as (

    select
        campaign_ranges.campaign_id,
        spine.interval_start_at as five_minute_start_at

    from campaign_ranges
    inner join spine
        on spine.interval_start_at between campaign_ranges.first_interval_at and campaign_ranges.last_interval_at

),

completions_with_credited_call as (

    select
        goal_completions.campaign_id,
        goal_completions.contact_id,
        goal_completions.goal_id,
        outbound_calls.conversation_id,
        outbound_calls.five_minute_start_at,
        row_number() over (
            partition by goal_completions.campaign_id, goal_completions.contact_id, goal_completions.goal_id
            order by outbound_calls.conversation_started_at desc, outbound_calls.conversation_id desc
        ) as call_rank

    from goal_completions
    inner join outbound_calls
        on goal_completions.campaign_id = outbound_calls.campaign_id
        and goal_completions.contact_id = outbound_calls.contact_id
        and outbound_calls.conversation_started_at <= goal_completions.completed_at
    where outbound_calls.is_connected

),

converted_calls as (

    select distinct
        campaign_id,
        conversation_id,
        five_minute_start_at

    from completions_with_credited_call
    where call_rank = 1

),

converted_per_interval as (

    select
        campaign_id,
        five_minute_start_at,
        count(*) as converted_connected_count

    from converted_calls
    group by
        campaign_id,
        five_minute_start_at

),

calls_per_interval as (

    select
        campaign_id,
        five_minute_start_at,
        cast(sum(case when is_contacted then 1 else 0 end) as {{ dbt.type_bigint() }}) as contacted_count,
        cast(sum(case when is_connected then 1 else 0 end) as {{ dbt.type_bigint() }}) as connected_count,
        cast(sum(case when is_preview_skipped then 1 else 0 end) as {{ dbt.type_bigint() }}) as preview_skipped_count,
        cast(sum(case when is_live_voice then 1 else 0 end) as {{ dbt.type_bigint() }}) as live_voice_count,
        cast(sum(case when is_voicemail then 1 else 0 end) as {{ dbt.type_bigint() }}) as voicemail_count

    from outbound_calls
    group by
        campaign_id,
        five_minute_start_at

),

completions_per_interval as (

    select
        campaign_id,
        five_minute_start_at,
        count(*) as goal_completion_count

    from goal_completions
    group by
        campaign_id,
        five_minute_start_at

),

final as (

    select
        campaign_intervals.campaign_id,
        campaign_intervals.five_minute_start_at,
        {{ time_bucket_start('campaign_intervals.five_minute_start_at', 15) }} as interval_start_at,
        coalesce(calls_per_interval.contacted_count, 0) as contacted_count,
        coalesce(calls_per_interval.connected_count, 0) as connected_count,
        coalesce(calls_per_interval.live_voice_count, 0) as live_voice_count,
        coalesce(calls_per_interval.voicemail_count, 0) as voicemail_count,
        coalesce(calls_per_interval.preview_skipped_count, 0) as preview_skipped_count,
        coalesce(completions_per_interval.goal_completion_count, 0) as goal_completion_count,
        coalesce(converted_per_interval.converted_connected_count, 0) as converted_connected_count

    from campaign_intervals
    left join calls_per_interval
        on campaign_intervals.campaign_id = calls_per_interval.campaign_id
        and campaign_intervals.five_minute_start_at = calls_per_interval.five_minute_start_at
    left join completions_per_interval
        on campaign_intervals.campaign_id = completions_per_interval.campaign_id
        and campaign_intervals.five_minute_start_at = completions_per_interval.five_minute_start_at
    left join converted_per_interval
        on campaign_intervals.campaign_id = converted_per_interval.campaign_id
        and campaign_intervals.five_minute_start_at = converted_per_interval.five_minute_start_at

)

select * from final
