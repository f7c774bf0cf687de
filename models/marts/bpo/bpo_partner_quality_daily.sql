{#-
    Partner-level quality, satisfaction and schedule adherence per BPO partner division and
    UTC day, aggregates only (no agent or customer identity, like every BPO mart):
    QA = average qa_score of the partner's contacts with one (count beside it), CSAT likewise,
    adherence / conformance recomputed from the summed seconds of the partner's agents
    (management units of the partner's division). UTC days: the adherence results are
    requested per UTC day.
-#}

with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

adherence as (

    select * from {{ ref('agent_adherence_daily') }}

),

partners as (

    select * from {{ ref('bpo_partners') }}

),

quality_by_day as (

    select
        partners.division_id,
        interactions.conversation_date as metric_date,
        count(*) as contacts,
        cast(avg(cast(interactions.qa_score as decimal(18, 6))) as {{ cxlake.type_double() }}) as avg_qa_score,
        count(interactions.qa_score) as qa_scored_contacts,
        cast(avg(cast(interactions.csat_score as decimal(18, 6))) as {{ cxlake.type_double() }}) as avg_csat_score,
        count(interactions.csat_score) as csat_responses

    from interactions
    inner join partners
        on interactions.division_id = partners.division_id
    where not interactions.is_in_flight
    group by
        partners.division_id,
        interactions.conversation_date

),

adherence_by_day as (

    select
        partners.division_id,
        adherence.adherence_date as metric_date,
        count(distinct adherence.agent_id) as scheduled_agents,
        cast(sum(adherence.scheduled_seconds) as {{ dbt.type_bigint() }}) as scheduled_seconds,
        cast(sum(adherence.exception_seconds) as {{ dbt.type_bigint() }}) as exception_seconds,
        cast(sum(adherence.scheduled_on_queue_seconds) as {{ dbt.type_bigint() }}) as scheduled_on_queue_seconds,
        cast(sum(adherence.actual_on_queue_seconds) as {{ dbt.type_bigint() }}) as actual_on_queue_seconds

    from adherence
    inner join partners
        on adherence.division_id = partners.division_id
    group by
        partners.division_id,
        adherence.adherence_date

),

days as (

    select division_id, metric_date from quality_by_day
    union
    select division_id, metric_date from adherence_by_day

),

final as (

    select
        days.division_id || ':' || cast(days.metric_date as {{ dbt.type_string() }}) as partner_quality_day_id,
        days.division_id,
        partners.partner_name,
        days.metric_date,
        coalesce(quality_by_day.contacts, 0) as contacts,
        quality_by_day.avg_qa_score,
        coalesce(quality_by_day.qa_scored_contacts, 0) as qa_scored_contacts,
        quality_by_day.avg_csat_score,
        coalesce(quality_by_day.csat_responses, 0) as csat_responses,
        coalesce(adherence_by_day.scheduled_agents, 0) as scheduled_agents,
        coalesce(adherence_by_day.scheduled_seconds, 0) as scheduled_seconds,
        coalesce(adherence_by_day.exception_seconds, 0) as exception_seconds,
        {{ safe_pct('adherence_by_day.scheduled_seconds - adherence_by_day.exception_seconds', 'adherence_by_day.scheduled_seconds') }} as adherence_pct,
        {{ safe_pct('adherence_by_day.actual_on_queue_seconds', 'adherence_by_day.scheduled_on_queue_seconds') }} as conformance_pct

    from days
    inner join partners
        on days.division_id = partners.division_id
    left join quality_by_day
        on days.division_id = quality_by_day.division_id
        and days.metric_date = quality_by_day.metric_date
    left join adherence_by_day
        on days.division_id = adherence_by_day.division_id
        and days.metric_date = adherence_by_day.metric_date

)

select * from final
