{#
    A first build in windows of days, for an incremental model whose one aggregation over the
    whole history does not fit the memory limit (the 5-minute agent grid: about one group per
    agent and 5 minutes, 177M groups at 10M conversations, where DuckDB ran out of memory) or
    spills far more than its windows together (the conversation legs: a 37 GB spill at 10M).
    Incremental runs are unchanged: they already re-derive only a window (`lookback_days`).

    On a first build (or a full refresh):
    - the pre-hook `open_first_load_windows` measures the span of the model's input and
      writes its first day (var `first_load_first_window_days`) as the first window into a
      one-row view `<model>__first_load_window`;
    - the model filters its input and output to `first_load_window('start')` ..
      `first_load_window('end')`, or with `in_first_load_window(column)` (the model's own SQL,
      so the windows cannot drift from it). Its own statement creates the table from that one
      day only: bounds read from the view are scalar subqueries, which the engine cannot use
      to skip stored blocks (at 1M conversations the grid's first week took 5.6 s that way,
      2.8 s with literal bounds; utilization, one window, 9.1 s instead of about 2 s);
    - the post-hook `run_first_load_windows` moves the view to each following window, appends
      the model's compiled SQL for it (the window's bounds written in as literals, so the
      engine can skip stored blocks outside it), and drops the view.
    A table that DuckDB (2.0) created empty and filled in the same transaction keeps the
    statistics of an empty table until a checkpoint, and later queries of the same process
    join it wrongly (a filtered join to it returned no row; a table created from rows is not
    affected): while the table is still empty, the post-hook creates it again from the next
    window instead of appending to it.
    Windows are whole UTC days, as many per window as keep the model under `groups_per_window`
    groups: `groups_per_day` is a query of one number, the groups expected per day (for the
    grid: agents x 288 five-minute intervals; for the legs and the conversation summary:
    conversations). The post-hook acts only on the view its own build's
    pre-hook wrote (the view carries dbt's invocation id).
#}

{% macro first_load_window_relation() -%}
    {{ return(api.Relation.create(
        database=this.database,
        schema=this.schema,
        identifier=this.identifier ~ '__first_load_window',
        type='view',
    )) }}
{%- endmacro %}


{# `start` or `end` of the window being built (a scalar subquery) #}
{% macro first_load_window(bound) -%}
    (select window_{{ bound }}_at from {{ cxlake.first_load_window_relation() }})
{%- endmacro %}


{#
    `column` lies in the window being built (start included, end excluded). A unit test runs
    no hooks, so has no window view: every row it gives is in its one window.
#}
{% macro in_first_load_window(column) -%}
    {%- if model.resource_type == 'unit_test' -%}
        true
    {%- else -%}
        {{ column }} >= {{ cxlake.first_load_window('start') }} and {{ column }} < {{ cxlake.first_load_window('end') }}
    {%- endif -%}
{%- endmacro %}


{# (Re)write the window view: the window, the span's end and the days per window. #}
{% macro write_first_load_window(window_start, window_end, span_end, days) -%}
    {%- set view = cxlake.first_load_window_relation() -%}
    {%- do adapter.drop_relation(view) -%}
    {%- set view_sql -%}
        select
            {{ cxlake.first_load_window_literal(window_start) }} as window_start_at,
            {{ cxlake.first_load_window_literal(window_end) }} as window_end_at,
            {{ cxlake.first_load_window_literal(span_end) }} as span_end_at,
            {{ days }} as window_days,
            '{{ invocation_id }}' as invocation_id
    {%- endset -%}
    {%- do run_query(create_view_as(view, view_sql)) -%}
    {%- do adapter.cache_added(view) -%}
{%- endmacro %}


{# A window bound as a timestamp literal. #}
{% macro first_load_window_literal(bound_at) -%}
    cast('{{ bound_at }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}


{# Whole days from `start_at` to `end_at`, a partial day counting as one, in units of `days`. #}
{% macro first_load_days_between(start_at, end_at, days=1) -%}
    {{ return(((end_at - start_at).total_seconds() / 86400 / days) | round(0, 'ceil') | int) }}
{%- endmacro %}


{#
    Windows of `days` from `start_at` until one holds `end_at` itself (none when `end_at` is
    before `start_at`): a conversation that starts exactly on the last window boundary is in
    the span, so needs a window of its own.
#}
{% macro first_load_window_count(start_at, end_at, days) -%}
    {{ return(((end_at - start_at).total_seconds() / 86400 / days) | round(0, 'floor') | int + 1) }}
{%- endmacro %}


{#
    Pre-hook. `spans`: [relation, start column, end column] of every input; the first window
    starts on the UTC day of the earliest start and the last one holds the latest end.
#}
{% macro open_first_load_windows(spans, groups_per_day, groups_per_window) -%}
    {%- if not execute or is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set span_query -%}
        with spans as (
            {%- for span in spans %}
            select min({{ span[1] }}) as started_at, max({{ span[2] }}) as ended_at from {{ span[0] }}
            {% if not loop.last %}union all{% endif %}
            {%- endfor %}
        )
        select
            cast({{ dbt.date_trunc('day', 'min(started_at)') }} as {{ dbt.type_timestamp() }}) as span_start_at,
            max(ended_at) as span_end_at,
            ({{ groups_per_day }}) as groups_per_day
        from spans
    {%- endset -%}
    {%- set span = run_query(span_query).rows[0] -%}
    {%- if span[0] is none or span[1] is none -%}
        {# no input: one window that holds nothing #}
        {%- set window_start, window_end, span_end, days = '1900-01-01', '1900-01-01', '1900-01-01', 1 -%}
    {%- else -%}
        {%- set per_day = [span[2] | int, 1] | max -%}
        {%- set span_days = cxlake.first_load_days_between(span[0], span[1]) -%}
        {%- set days = [[(groups_per_window | int) // per_day, span_days] | min, 1] | max -%}
        {%- set window_start = span[0] -%}
        {#- one day: the model's own statement, its bounds scalar subqueries, does as little as it can -#}
        {%- set window_end = window_start + modules.datetime.timedelta(days=[var('first_load_first_window_days', 1) | int, days] | min) -%}
        {%- set span_end = span[1] -%}
    {%- endif -%}
    {%- do cxlake.write_first_load_window(window_start, window_end, span_end, days) -%}
    {{ return('') }}
{%- endmacro %}


{#
    Pre-hook of the models that window by days of conversation start (the legs, the conversation
    summary): `relation` holds one row per conversation, at most var
    `first_load_window_conversations` conversations a window.
#}
{% macro open_conversation_start_windows(relation) -%}
    {{ return(cxlake.open_first_load_windows(
        spans=[[relation, 'conversation_started_at', 'conversation_started_at']],
        groups_per_day='select count(*) / nullif(count(distinct cast(conversation_started_at as date)), 0) from '
            ~ relation,
        groups_per_window=var('first_load_window_conversations'),
    )) }}
{%- endmacro %}


{# Post-hook: append every window after the first, then drop the window view. #}
{% macro run_first_load_windows() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set view = cxlake.first_load_window_relation() -%}
    {%- if adapter.get_relation(view.database, view.schema, view.identifier) is none -%}
        {{ return('') }}
    {%- endif -%}
    {%- set window = run_query('select window_end_at, span_end_at, window_days, invocation_id from ' ~ view).rows[0] -%}
    {%- if window[3] == invocation_id -%}
        {%- set next_start, span_end, days = window[0], window[1], window[2] | int -%}
        {%- set state = {'empty': target.type == 'duckdb' and run_query('select count(*) from ' ~ this).rows[0][0] == 0} -%}
        {%- for i in range(cxlake.first_load_window_count(next_start, span_end, days)) -%}
            {%- set start_at = next_start + modules.datetime.timedelta(days=i * days) -%}
            {%- set end_at = start_at + modules.datetime.timedelta(days=days) -%}
            {%- do cxlake.write_first_load_window(start_at, end_at, span_end, days) -%}
            {#- the bounds as literals: the engine can skip the stored blocks outside the window -#}
            {%- set window_sql = model.compiled_code
                | replace(cxlake.first_load_window('start'), cxlake.first_load_window_literal(start_at))
                | replace(cxlake.first_load_window('end'), cxlake.first_load_window_literal(end_at)) -%}
            {%- if state.empty -%}
                {#- DuckDB: the table again, created from this window's rows (see above) -#}
                {%- do run_query('drop table ' ~ this) -%}
                {%- do run_query(create_table_as(false, this, window_sql)) -%}
                {%- do state.update({'empty': run_query('select count(*) from ' ~ this).rows[0][0] == 0}) -%}
            {%- else -%}
                {%- do run_query('insert into ' ~ this ~ ' select * from (' ~ window_sql ~ ') as first_load_window_rows') -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do adapter.drop_relation(view) -%}
    {{ return('') }}
{%- endmacro %}
