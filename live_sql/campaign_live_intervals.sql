-- Live campaign counts per closed 15-minute UTC interval (interval of the call's start, as the
-- batch mart campaign_kpis): what reconciles with batch once the interval's calls have ended.
select
    c.campaign_id,
    to_timestamp(floor(c.started_at / 900000) * 900) at time zone 'UTC' as interval_start_at,
    count(*) as contacted,
    count(*) filter (where c.disposition is not null) as settled,
    count(*) filter (
        where c.disposition = 'disposition.classification.callable.person'
        or (getvariable('voicemail_counts_as_connect')
            and c.disposition = 'disposition.classification.callable.machine')
    ) as connected,
    count(*) filter (where c.disposition = 'disposition.classification.callable.machine') as voicemail_count
from live_calls as c
group by all
order by 1, 2
