{#
    Data tests of large incremental models look only at the rows this `dbt build` wrote.

    A model opts in with `meta={'tests_new_rows_column': 'extracted_at'}` when every row its
    incremental build (re)writes has that column later than the latest value stored before
    the build, and a row it does not rewrite cannot start failing: its inputs are the
    extraction-driven staging chain of the conversations, so re-testing the history proves
    nothing new. A model re-deriving var `lookback_days` before its latest interval adds
    `'tests_new_rows_lookback': true`: its tests read the rows from that lookback start on. `record_test_watermarks` (on-run-start) stores, per opted-in model, the
    latest value before the build; the tests of that model then read only later rows.
    Full scans remain for `dbt test`, `--full-refresh`, a first build (no watermark), models
    that did not opt in, and whenever var `tests_new_rows_only` is false.
    A view whose rows carry the column of the table it reads adds
    `'tests_new_rows_watermark_of': '<that model>'`: its tests use that model's watermark, which
    selects exactly the same rows (the view holds no value the table does not), and the
    on-run-start hook does not read the view (the sessions, segments and metrics views
    unnest every stored conversation document to find their own maximum).
#}

{% macro test_watermarks_relation() -%}
    {#- Spark's targets have no database -#}
    {%- set database = target.database if target.database is defined else none -%}
    {{ return(api.Relation.create(database=database, schema='cxlake_meta', identifier='test_watermarks')) }}
{%- endmacro %}


{% macro tests_new_rows_column(node) -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return((node.get('config', {}).get('meta') or {}).get('tests_new_rows_column')) }}
{%- endmacro %}


{#- The model whose watermark the tests of `node` use: its own, or `tests_new_rows_watermark_of`'s. -#}
{% macro tests_new_rows_watermark_id(node) -%}
    {%- set of = (node.get('config', {}).get('meta') or {}).get('tests_new_rows_watermark_of') -%}
    {{ return('model.' ~ node.package_name ~ '.' ~ of if of else node.unique_id) }}
{%- endmacro %}


{% macro tests_new_rows_enabled() -%}
    {{ return(execute and flags.WHICH == 'build' and not flags.FULL_REFRESH and var('tests_new_rows_only', true)) }}
{%- endmacro %}


{% macro record_test_watermarks() -%}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- if tests_new_rows_enabled() -%}
        {%- for node in graph.nodes.values()
            if node.resource_type == 'model' and tests_new_rows_column(node)
            and tests_new_rows_watermark_id(node) == node.unique_id -%}
            {%- set stored = adapter.get_relation(database=node.database, schema=node.schema, identifier=node.alias) -%}
            {%- if stored is not none -%}
                {%- do selects.append(
                    "select '" ~ node.unique_id ~ "' as model_id, cast(max(" ~ tests_new_rows_column(node) ~ ") as "
                    ~ dbt.type_timestamp() ~ ") as watermark from " ~ stored
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do selects.append(
        "select cast(null as " ~ dbt.type_string() ~ ") as model_id, cast(null as " ~ dbt.type_timestamp()
        ~ ") as watermark where 1 = 0"
    ) -%}
    {#- one statement per call: Spark's session runs one at a time, and PostgreSQL has no
        `create or replace table` -#}
    {%- do adapter.create_schema(test_watermarks_relation()) -%}
    {%- do run_query('drop table if exists ' ~ test_watermarks_relation()) -%}
    {%- do run_query('create table ' ~ test_watermarks_relation() ~ ' as\n' ~ (selects | join('\nunion all\n'))) -%}
    {{ return('select 1 as test_watermarks_recorded') }}
{%- endmacro %}


{#
    dbt's own `get_where_subquery` (the relation a generic test reads), plus the new-rows
    filter above for the tests of opted-in models.
#}
{% macro get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do predicates.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if tests_new_rows_enabled() and model.get('attached_node') -%}
        {%- set node = graph.nodes.get(model.get('attached_node')) -%}
        {%- set column = tests_new_rows_column(node) -%}
        {%- if column -%}
            {%- set watermark = "(select coalesce(max(watermark), cast('1900-01-01' as " ~ dbt.type_timestamp()
                ~ ")) from " ~ test_watermarks_relation() ~ " where model_id = '" ~ tests_new_rows_watermark_id(node) ~ "')" -%}
            {%- if node.config.meta.get('tests_new_rows_lookback') -%}
                {%- do predicates.append(
                    column ~ " >= " ~ dbt.dateadd('day', -1 * var('lookback_days') | int, watermark)
                ) -%}
            {%- else -%}
                {%- do predicates.append(column ~ " > " ~ watermark) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if predicates -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ predicates | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}
