-- Live supervisor view per skill group and queue (same grain and definitions as the batch mart
-- agent_utilization, for "now" instead of a 15-minute interval):
--   agents_on_queue  = licensed members whose presence is ON_QUEUE
--   available        = of those, routing status IDLE
--   interacting      = routing status INTERACTING or COMMUNICATING
--   not_responding   = routing status NOT_RESPONDING
--   utilization_pct  = interacting / on queue (null, never 0%, when nobody is on queue)
--   inactive_licence_agents = members without an active licence, shown as such, never in the above
--   no_state_agents  = members the feed has not reported yet
-- The state of an agent is the latest row for them (push event, poll answer or the collector's
-- minute snapshot), by received time.
with

user_states as (
    select user_id,
        arg_max(presence, received_at) as presence,
        arg_max(routing_status, received_at) as routing_status,
        max(received_at) as state_received_at
    from live_events
    where kind = 'user' and user_id is not null
    group by user_id
),

queue_states as (
    select queue_id,
        arg_max(waiting, received_at) as waiting,
        arg_max(interacting, received_at) as calls_interacting
    from live_events
    where kind = 'queue' and queue_id is not null
    group by queue_id
),

members as (
    select m.group_type, m.group_id, m.user_id, coalesce(u.has_active_licence, true) as has_active_licence,
        s.presence, s.routing_status
    from ref_memberships as m
    left join ref_users as u using (user_id)
    left join user_states as s using (user_id)
),

groups as (
    select
        group_type,
        group_id,
        count(*) filter (where has_active_licence and presence = 'ON_QUEUE') as agents_on_queue,
        count(*) filter (where has_active_licence and presence = 'ON_QUEUE' and routing_status = 'IDLE')
            as available,
        count(*) filter (
            where has_active_licence and presence = 'ON_QUEUE'
            and routing_status in ('INTERACTING', 'COMMUNICATING')
        ) as interacting,
        count(*) filter (
            where has_active_licence and presence = 'ON_QUEUE' and routing_status = 'NOT_RESPONDING'
        ) as not_responding,
        count(*) filter (where not has_active_licence) as inactive_licence_agents,
        count(*) filter (where has_active_licence and presence is null) as no_state_agents,
        count(*) as members
    from members
    group by all
)

select
    g.group_type,
    g.group_id,
    r.group_name,
    r.division_id,
    g.members,
    g.agents_on_queue,
    g.available,
    g.interacting,
    g.not_responding,
    g.inactive_licence_agents,
    g.no_state_agents,
    case when g.agents_on_queue > 0 then round(100.0 * g.interacting / g.agents_on_queue, 1) end
        as utilization_pct,
    q.waiting,
    q.calls_interacting
from groups as g
join ref_groups as r using (group_type, group_id)
left join queue_states as q on g.group_type = 'queue' and q.queue_id = g.group_id
order by g.group_type, r.group_name
