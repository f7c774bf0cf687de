{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['user_id', 'interval_start_at'],
        meta={'tests_new_rows_column': 'interval_start_at', 'tests_new_rows_lookback': true},
        pre_hook="{{ cxlake.open_agent_activity_windows(15) }}",
        post_hook="{{ cxlake.run_first_load_windows() }}",
    )
}}

{#
    The agent activity grid of `int_agent_activity_by_five_minutes` at 15-minute UTC
    intervals, for the 15-minute marts (`agent_utilization`). Derived from the same sources by
    the same SQL (macros/agent_activity.sql), not rolled up from the 5-minute grid: that
    roll-up aggregated every row of the dense grid, and took twice as long.
    Incremental and first-build windows as the 5-minute grid.
#}

{{ agent_activity_by_interval(15) }}
