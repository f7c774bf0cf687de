{#
    One row per `minutes`-wide interval start from `start_expression` to `end_expression`
    (both inclusive, UTC timestamps already aligned on the interval), as `interval_start_at`.
#}
{% macro interval_spine(start_expression, end_expression, minutes) -%}
    {{ return(adapter.dispatch('interval_spine', 'cxlake')(start_expression, end_expression, minutes)) }}
{%- endmacro %}

{% macro default__interval_spine(start_expression, end_expression, minutes) -%}
    select cast(spine.interval_start_at as {{ dbt.type_timestamp() }}) as interval_start_at
    from generate_series(
        ({{ start_expression }}),
        ({{ end_expression }}),
        interval '{{ minutes }} minutes'
    ) as spine (interval_start_at)
{%- endmacro %}

{% macro duckdb__interval_spine(start_expression, end_expression, minutes) -%}
    select cast(unnest(generate_series(
        ({{ start_expression }}),
        ({{ end_expression }}),
        interval '{{ minutes }} minutes'
    )) as timestamp) as interval_start_at
{%- endmacro %}
