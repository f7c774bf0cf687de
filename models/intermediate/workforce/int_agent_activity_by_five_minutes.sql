{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'interval_start_at'],
        meta={'tests_new_rows_column': 'interval_start_at', 'tests_new_rows_lookback': true},
        pre_hook="{{ cxlake.open_agent_activity_windows(5) }}",
        post_hook="{{ cxlake.run_first_load_windows() }}",
    )
}}

{#
    Milliseconds per agent and 5-minute UTC interval in each routing status, on queue
    (presence ON_QUEUE) and in after-call work (agent wrapup segments), each source interval
    clipped to the bucket it overlaps (macros/agent_activity.sql).
    Incremental: a build re-derives the buckets from var `lookback_days` before the latest one
    stored, so a daily run spreads one day, not the whole history, over 5-minute buckets.
    A first build runs the same SQL window by window of whole days (macros/first_load_windows.sql,
    var `first_load_window_groups`): the grid is nearly dense (every agent has a routing status
    in every interval), and one aggregation over 10M conversations' history ran out of memory.
#}

{{ agent_activity_by_interval(5) }}
