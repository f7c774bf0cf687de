"""A small, deterministic publication (``marts.duckdb`` + ``publication.json``) for dashboard tests.

Laid out like ``cxlake publish`` writes it (tables in the file's default schema),
with the mart columns of issue 4. It also holds ``unified_interactions`` with
agent/customer names, a phone number and an e-mail address that no dashboard may
show, so the leak tests have something real to look for.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

ACME_DIVISION = "8f1d2a52-0000-5000-8000-00000000acme"
NEARSHORE_DIVISION = "8f1d2a52-0000-5000-8000-0000000bogot"
PARTNERS = (
    (ACME_DIVISION, "Acme BPO", "Acme BPO Manila", "Asia/Manila"),
    (NEARSHORE_DIVISION, "Nearshore BPO", "Nearshore BPO Bogota", "America/Bogota"),
)
AUDIENCES = ("internal", "supervisor", "finance", "bpo:Acme BPO", f"bpo:{NEARSHORE_DIVISION}")
PARTNER_OF = {"bpo:Acme BPO": ACME_DIVISION, f"bpo:{NEARSHORE_DIVISION}": NEARSHORE_DIVISION}
PII = {
    "agent_names": ("Maria Santos", "Juan Dela Cruz", "Carlos Restrepo"),
    "customer_names": ("Globex Corporation", "Initech Holdings"),
    "phones": ("+15551234567", "tel:+15551234567"),
    "emails": ("maria.santos@acme.example",),
}
ENTERPRISE_SPIKE_WEEK = "2026-10-19"
RELEASE = ("Release 5.2 (IVR redesign)", "2026-10-16")

_SQL = f"""
create table campaign_kpis as
with intervals as (
    select timestamptz '2026-10-01 13:00:00+00' + to_minutes(15 * i::bigint) as interval_start_at, i
    from range(0, 32) as r(i)
), campaigns as (
    select * from (values ('c-renewals', 'Renewals', 40), ('c-winback', 'Winback', 25))
        as c(campaign_id, campaign_name, base)
), raw as (
    select campaign_id, campaign_name, interval_start_at, i,
        case when i % 9 = 4 then 0 else base + (i * 7) % 11 end as contacted,
        case when i % 9 = 4 then 0 else (base + (i * 7) % 11) * (30 + (i * 13) % 25) // 100 end as connected,
        case when i % 9 = 4 then 0 else (i * 5) % 4 end as voicemail_count,
        case when i % 9 = 4 then 0 else (i * 3) % 5 end as goal_completions
    from campaigns cross join intervals
)
select campaign_id, campaign_name, interval_start_at, contacted, connected, voicemail_count, goal_completions,
    case when contacted = 0 then 0.41 else connected / contacted end as connect_rate,
    case when connected = 0 then 0.05 else goal_completions / connected end as conversion_rate,
    contacted = 0 as is_carried_forward,
    contacted as rolling_contacted, connected as rolling_connected,
    goal_completions as rolling_goal_completions,
    case when contacted = 0 then 0.41 else connected / contacted end as rolling_connect_rate,
    case when connected = 0 then 0.05 else goal_completions / connected end as rolling_conversion_rate,
    contacted = 0 as is_rolling_carried_forward,
    false as voicemail_counts_as_connect
from raw;

create table agent_utilization as
select g.group_type, g.group_id, g.group_name,
    timestamptz '2026-10-01 13:00:00+00' + to_minutes(15 * i::bigint) as interval_start_at,
    8 + i % 3 as agents_on_queue, 4 + i % 4 as agents_interacting, g.inactive as inactive_licence_agents,
    g.busy * (300 + 20 * i) * 1000 as utilization_numerator_ms, 900 * 1000 as utilization_denominator_ms,
    round(g.busy * 100.0 * (300 + 20 * i) / 900, 1) as utilization_pct
from range(0, 32) as r(i)
cross join (values ('skill_group', 'sg-outbound-a', 'Outbound Team A', 1, 1),
                   ('skill_group', 'sg-outbound-b', 'Outbound Team B', 0, 0),
                   ('skill_group', 'sg-sales', 'Sales', 0, 1),
                   ('queue', 'q-renewals', 'Outbound Renewals', 0, 1))
    as g(group_type, group_id, group_name, inactive, busy);

create table supervisor_campaign_capacity as
select timestamptz '2026-10-01 13:00:00+00' + to_minutes(15 * i::bigint) as interval_start_at,
    c.campaign_id, c.campaign_name, g.group_type, g.group_id, g.group_name,
    g.mapped as is_mapped_to_campaign, true as has_handled_campaign_calls,
    c.base + (i * 7) % 11 as contacted, 6 + i % 3 as agents_on_queue, 0 as inactive_licence_agents,
    case when c.campaign_id = 'c-winback' and i between 20 and 23 then 300000 else (540 + 9 * i) * 1000 end
        as utilization_numerator_ms,
    900000 as utilization_denominator_ms
from range(0, 32) as r(i)
cross join (values ('c-renewals', 'Renewals', 40), ('c-winback', 'Winback', 60))
    as c(campaign_id, campaign_name, base)
cross join (values ('skill_group', 'sg-outbound-a', 'Outbound Team A', true),
                   ('skill_group', 'sg-outbound-b', 'Outbound Team B', false))
    as g(group_type, group_id, group_name, mapped);

create table escalation_by_tier as
select *, date '2026-09-29' as window_start_date, date '2026-10-28' as as_of_date from (values
    ('Enterprise', 400, 88, 22.0, 9.5, 250000.0, 81.5, 40, 58.2, 52, -12.0),
    ('Premium', 600, 60, 10.0, 7.1, 90000.0, 83.0, 61, 79.4, 70, 35.0),
    ('Standard', 1500, 120, 8.0, 6.2, 12000.0, 80.2, 150, 76.9, 160, 22.5)
) as t(customer_tier, total_contacts, escalations, escalation_rate_pct, avg_handle_time_minutes,
       avg_customer_ltv, avg_qa_score, qa_scored_contacts, avg_csat_score, csat_responses, nps);

create table agent_adherence_daily as
select u.management_unit_id, u.management_unit_name, date '2026-10-01' + d::int as adherence_date,
    a.agent_id, a.agent_name, 28800 as scheduled_seconds,
    case when u.management_unit_id = 'mu-chat' and d between 7 and 13 then 3600 else 120 end
        as exception_seconds,
    25200 as scheduled_on_queue_seconds,
    case when u.management_unit_id = 'mu-chat' and d between 7 and 13 then 21600 else 25080 end
        as actual_on_queue_seconds
from range(0, 21) as r(d)
cross join (values ('mu-chat', 'Chat Agents MU'), ('mu-voice', 'Inbound Support MU'))
    as u(management_unit_id, management_unit_name)
cross join (values ('agent-1', 'Maria Santos'), ('agent-2', 'Juan Dela Cruz')) as a(agent_id, agent_name);

create table skill_group_adherence_by_interval as
select 'sg-chat' as skill_group_id, 'Chat Agents' as skill_group_name,
    timestamptz '2026-10-08 12:00:00+00' + to_minutes(15 * i::bigint) as interval_start_at,
    1800 as scheduled_seconds, case when i = 0 then 1500 else 60 end as exception_seconds,
    case when i = 0 then 16.666666666666668 else 96.66666666666667 end as adherence_pct
from range(0, 8) as r(i);

create table bpo_partner_quality_daily as
select p.division_id, p.partner_name, date '2026-10-01' + d::int as metric_date,
    80.0 + d % 5 as avg_qa_score, 3 + d % 2 as qa_scored_contacts, 75.0 + d % 7 as avg_csat_score,
    4 as csat_responses, 6 as scheduled_agents, 97.5 - d % 3 as adherence_pct, 96.0 as conformance_pct
from range(0, 7) as r(d)
cross join (values ('{ACME_DIVISION}', 'Acme BPO'), ('{NEARSHORE_DIVISION}', 'Nearshore BPO'))
    as p(division_id, partner_name);

create table escalation_weekly_by_tier as
select w.week_start_date, t.customer_tier, 100 as total_contacts,
    case when t.customer_tier = 'Enterprise' and w.week_start_date >= date '{ENTERPRISE_SPIKE_WEEK}'
         then 31 else t.base end as escalations,
    case when t.customer_tier = 'Enterprise' and w.week_start_date >= date '{ENTERPRISE_SPIKE_WEEK}'
         then 31.0 else t.base * 1.0 end as escalation_rate_pct,
    case when w.week_start_date = date '2026-10-12' then '{RELEASE[0]}' end as releases_in_week,
    case when w.week_start_date = date '2026-10-12' then '{RELEASE[0]}' end as latest_release_name,
    case when w.week_start_date = date '2026-10-12' then date '{RELEASE[1]}' end as latest_release_date
from (values (date '2026-09-28'), (date '2026-10-05'), (date '2026-10-12'), (date '{ENTERPRISE_SPIKE_WEEK}'),
             (date '2026-10-26')) as w(week_start_date)
cross join (values ('Enterprise', 9), ('Premium', 10), ('Standard', 8)) as t(customer_tier, base);

create table bot_containment_by_industry as
select *, date '2026-10-22' as window_start_date, date '2026-10-28' as as_of_date
from (values ('Healthcare', 300, 41.5, 6.0), ('Retail', 500, 55.0, 4.2), ('Finance', 200, 33.0, 7.5))
    as t(industry, total_contacts, bot_containment_pct, abandon_rate_pct);

create table crm_join_audit as
select * from (values
    ('overall', 'all', 1000, 780, 22.0, 20.0, 30.0),
    ('day', '2026-10-01', 500, 400, 20.0, 20.0, 30.0),
    ('day', '2026-10-02', 500, 380, 24.0, 20.0, 30.0),
    ('queue', 'Support Voice', 600, 480, 20.0, 20.0, 30.0)
) as t(audit_level, audit_key, conversation_count, linked_count, unlinked_share_pct,
       unlinked_warn_pct, unlinked_error_pct);

create table dim_predictive_campaign as
select * from (values
    ('pe-onboarding', 'Onboarding Nudge', 'active', 'v2', timestamptz '2026-10-23 02:00:00+00'),
    ('pe-upsell', 'Upsell Offer', 'paused', 'v1', null),
    ('am-welcome', 'Welcome action map', 'active', null, null)
) as t(campaign_id, campaign_name, status, current_model_version, retrained_at);

create table fact_predictive_journey as
with days as (select date '2026-10-20' + d::int as extraction_date, d from range(0, 6) as r(d)),
steps as (
    select * from (values (1, 'st-visit', 'Site visit', 1000), (2, 'st-engaged', 'Engaged', 600),
                          (3, 'st-offer', 'Offer shown', 250), (4, 'st-converted', 'Converted', 80))
        as s(step_sequence, step_id, step_name, base)
),
versions as (select * from (values ('v1', 0, 3), ('v2', 3, 5)) as v(model_version, first_day, last_day)),
scored as (
    select c.campaign_id, days.extraction_date, steps.step_id, steps.step_name, steps.step_sequence,
        versions.model_version,
        steps.base * (case when c.campaign_id = 'pe-onboarding' then 10 else 7 end + days.d) // 10
            as contact_count,
        round(case when model_version = 'v1' then 0.70 - 0.03 * d else 0.78 end, 3) as precision,
        round(case when model_version = 'v1' then 0.62 - 0.02 * d else 0.70 end, 3) as recall,
        round(case when model_version = 'v1' then 0.66 - 0.025 * d else 0.74 end, 3) as f1_score,
        days.d >= 4 as pending_backfill
    from dim_predictive_campaign as c
    cross join days cross join steps cross join versions
    where days.d between versions.first_day and versions.last_day
      and c.campaign_id like 'pe-%'
      and (c.campaign_id = 'pe-onboarding' or versions.model_version = 'v1')
)
select * from scored
union all
select 'am-welcome', date '2026-10-25', step_id, step_name, step_sequence, 'unscored', base // 2,
    null, null, null, false
from steps;

create table bpo_interval_metrics as
select p.division_id, p.partner_name, p.time_zone,
    timestamptz '2026-10-01 00:00:00+00' + to_minutes(5 * i::bigint) as interval_start_utc,
    (timestamptz '2026-10-01 00:00:00+00' + to_minutes(5 * i::bigint)) at time zone p.time_zone
        as interval_start_local,
    10 + i % 7 as offered_count, 9 + i % 7 as handled_count, 240.0 + (i * 17) % 90 + p.bias as aht_seconds,
    55.0 + (i * 7) % 40 as occupancy_pct, 80.0 + i % 15 as service_level_pct
from range(0, 288) as r(i)
cross join (values ('{ACME_DIVISION}', 'Acme BPO', 'Asia/Manila', 0),
                   ('{NEARSHORE_DIVISION}', 'Nearshore BPO', 'America/Bogota', 40))
    as p(division_id, partner_name, time_zone, bias);

create table bpo_daily_metrics as
select division_id, partner_name, time_zone, cast(interval_start_local as date) as local_date,
    sum(offered_count) as offered_count, sum(handled_count) as handled_count,
    round(avg(aht_seconds), 1) as aht_seconds, round(avg(occupancy_pct), 1) as occupancy_pct,
    round(avg(service_level_pct), 1) as service_level_pct
from bpo_interval_metrics group by all;

create table bpo_metric_labels as
select * from (values ('aht_seconds', 'AHT_Seconds', 'seconds'),
                      ('occupancy_pct', 'Occupancy_Percent', 'percent'),
                      ('offered_count', 'Contacts Offered', 'count'))
    as t(metric_id, business_label, unit);

-- Role views: the supervisor's has no LTV, the finance one has it (per-tier means 250000 / 80000,
-- one Premium row outside the window and one in flight, neither counted).
create table supervisor_interactions as
select * from (values
    ('conv-1', date '2026-10-20', 'Enterprise', false, 'agent-1'),
    ('conv-2', date '2026-10-21', 'Premium', false, 'agent-2')
) as t(conversation_id, conversation_date, customer_tier, is_in_flight, agent_id);

create table finance_interactions as
select * from (values
    ('conv-1', date '2026-10-20', 'Enterprise', false, 250000.0),
    ('conv-2', date '2026-10-21', 'Premium', false, 70000.0),
    ('conv-3', date '2026-10-22', 'Premium', false, 90000.0),
    ('conv-4', date '2026-09-01', 'Premium', false, 999999.0),
    ('conv-5', date '2026-10-23', 'Premium', true, 999999.0)
) as t(conversation_id, conversation_date, customer_tier, is_in_flight, ltv_usd);

create table unified_interactions as
select * from (values
    ('conv-1', 'Maria Santos', 'Globex Corporation', '+15551234567', 'maria.santos@acme.example', 250000.0),
    ('conv-2', 'Juan Dela Cruz', 'Initech Holdings', '+15551234567', null, 12000.0),
    ('conv-3', 'Carlos Restrepo', 'Globex Corporation', null, null, 250000.0)
) as t(conversation_id, agent_name, account_name, ani, customer_email, ltv_usd);
"""


def build_publication(folder: Path) -> Path:
    """Write ``folder/versions/v1`` with the fixture marts and ``folder/current`` pointing to it."""
    version = folder / "versions" / "fixture-v1"
    version.mkdir(parents=True)
    con = duckdb.connect(str(version / "marts.duckdb"))
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(_SQL)
    finally:
        con.close()
    manifest = {"version": "fixture-v1", "published_at": "2026-10-29T00:00:00+00:00"}
    (version / "publication.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "current").symlink_to(version.relative_to(folder))
    return folder
