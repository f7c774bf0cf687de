-- Live campaign KPIs: rolling window (var window_minutes, default the dbt var
-- campaign_rolling_window_minutes = 15) ending at the live clock `as_of_ms`, per campaign.
-- Same definitions as the batch mart campaign_kpis (models/intermediate/campaigns/int_outbound_calls.sql):
--   contacted  = dialer conversations started in the window
--   connected  = live voice (disposition.classification.callable.person); answering machines
--                (callable.machine) count only when voicemail_counts_as_connect is true
--   goal_completions = distinct (campaign, contact, goal) from agent wrap-up codes mapped to goals
--                by the dbt seed wrapup_code_goals, dated when the call ended
-- Live only: calls still in progress have no disposition yet; they are `in_progress` and left
-- out of the connect rate's denominator (settled calls only) until they end.
-- An empty window carries the last stable rate (up to 2 h back), flagged is_carried_forward.
with

calls as (select * from live_calls),

goals as (
    select calls.conversation_id, calls.campaign_id, calls.contact_id, calls.ended_at, g.goal_id
    from calls
    join wrapup_code_goals as g on calls.wrapup_code = g.wrapup_code_id
),

window_ends as (
    select campaign_id, campaign_name, division_id,
        getvariable('as_of_ms') - step * 60000 as window_end_ms,
        step
    from ref_campaigns, range(0, 121) as steps(step)
),

windows as (
    select
        w.campaign_id, w.campaign_name, w.division_id, w.step, w.window_end_ms,
        count(c.conversation_id) as contacted,
        count(c.conversation_id) filter (where c.disposition is not null) as settled,
        count(c.conversation_id) filter (where c.disposition is null) as in_progress,
        count(c.conversation_id) filter (
            where c.disposition = 'disposition.classification.callable.person'
            or (getvariable('voicemail_counts_as_connect')
                and c.disposition = 'disposition.classification.callable.machine')
        ) as connected,
        count(c.conversation_id) filter (
            where c.disposition = 'disposition.classification.callable.machine'
        ) as voicemail_count
    from window_ends as w
    left join calls as c
        on c.campaign_id = w.campaign_id
        and c.started_at >= w.window_end_ms - getvariable('window_minutes') * 60000
        and c.started_at < w.window_end_ms
    group by all
),

goal_counts as (
    select w.campaign_id, w.step, count(distinct (g.contact_id, g.goal_id)) as goal_completions
    from window_ends as w
    join goals as g
        on g.campaign_id = w.campaign_id
        and g.ended_at >= w.window_end_ms - getvariable('window_minutes') * 60000
        and g.ended_at < w.window_end_ms
    group by all
),

rated as (
    select
        windows.*,
        coalesce(goal_counts.goal_completions, 0) as goal_completions,
        case when settled > 0 then connected::double / settled end as window_connect_rate
    from windows
    left join goal_counts using (campaign_id, step)
),

last_stable as (
    select campaign_id, arg_min(window_connect_rate, step) as last_stable_rate,
        min(step) as last_stable_minutes_ago
    from rated
    where window_connect_rate is not null
    group by campaign_id
)

select
    rated.campaign_id,
    rated.campaign_name,
    rated.division_id,
    rated.window_end_ms,
    rated.contacted,
    rated.settled,
    rated.in_progress,
    rated.connected,
    rated.voicemail_count,
    rated.goal_completions,
    coalesce(rated.window_connect_rate, last_stable.last_stable_rate) as connect_rate,
    rated.window_connect_rate is null as is_carried_forward,
    case when rated.window_connect_rate is null then last_stable.last_stable_minutes_ago end
        as carried_from_minutes_ago,
    getvariable('voicemail_counts_as_connect') as voicemail_counts_as_connect
from rated
left join last_stable using (campaign_id)
where rated.step = 0
order by rated.campaign_name
