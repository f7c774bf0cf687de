-- One row per dialer conversation seen by the live collector (push or poll), its latest
-- known state: the row that carries a disposition wins; started_at is the earliest seen.
-- Reads the view `live_events` (the store's NDJSON segments) set up by cxlake/live/metrics.py.
select
    conversation_id,
    any_value(campaign_id) as campaign_id,
    max(contact_id) as contact_id,
    min(started_at) as started_at,
    max(ended_at) as ended_at,
    max(disposition) as disposition,
    max(wrapup_code) as wrapup_code,
    max(agent_id) as agent_id,
    min(received_at) as first_received_at,
    max(received_at) filter (where disposition is not null) as settled_received_at
from live_events
where kind = 'call' and conversation_id is not null and campaign_id is not null
group by conversation_id
