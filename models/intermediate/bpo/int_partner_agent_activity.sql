{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['division_id', 'interval_start_at'],
        meta={'tests_new_rows_column': 'interval_start_at', 'tests_new_rows_lookback': true},
    )
}}

{#
    On-queue agent time per BPO partner division and 5-minute UTC interval (agents of the
    partner's division).
    Incremental: a build re-derives the intervals from var `lookback_days` before the latest
    one stored, the window in which the 5-minute grid it sums re-derives its own buckets
    (older buckets of the grid never change on a daily build). Older intervals keep the
    division of each agent and the partner list of the build that wrote them
    (`--full-refresh` re-derives every interval with today's).
#}

with

activity as (

    select * from {{ ref('int_agent_activity_by_five_minutes') }}
    {% if is_incremental() %}
    where interval_start_at >= {{ incremental_lookback_start('interval_start_at') }}
    {% endif %}

),

users as (

    select * from {{ ref('stg_genesys__users') }}

),

partners as (

    select * from {{ ref('bpo_partners') }}

),

final as (

    select
        partners.division_id,
        activity.interval_start_at,
        count(distinct case when activity.on_queue_ms > 0 then activity.user_id end) as agents_on_queue,
        cast(sum(activity.interacting_ms + activity.communicating_ms) as {{ dbt.type_bigint() }}) as interacting_ms,
        cast(sum(activity.idle_ms + activity.interacting_ms + activity.communicating_ms + activity.not_responding_ms) as {{ dbt.type_bigint() }}) as on_queue_status_ms,
        cast(sum(activity.acw_ms) as {{ dbt.type_bigint() }}) as acw_ms

    from activity
    inner join users
        on activity.user_id = users.user_id
    inner join partners
        on users.division_id = partners.division_id
    group by
        partners.division_id,
        activity.interval_start_at

)

select * from final
