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


{#
    Set-returning expression for the select list: the start of every `minutes`-wide UTC
    bucket that the interval [start, end) overlaps (one output row per bucket).
#}
{% macro overlapped_bucket_starts(start_expression, end_expression, minutes) -%}
    {{ return(adapter.dispatch('overlapped_bucket_starts', 'cxlake')(start_expression, end_expression, minutes)) }}
{%- endmacro %}

{% macro default__overlapped_bucket_starts(start_expression, end_expression, minutes) -%}
    generate_series(
        {{ cxlake.time_bucket_start(start_expression, minutes) }},
        ({{ end_expression }}) - interval '1 microsecond',
        interval '{{ minutes }} minutes'
    )
{%- endmacro %}

{% macro duckdb__overlapped_bucket_starts(start_expression, end_expression, minutes) -%}
    unnest(generate_series(
        {{ cxlake.time_bucket_start(start_expression, minutes) }},
        ({{ end_expression }}) - interval '1 microsecond',
        interval '{{ minutes }} minutes'
    ))
{%- endmacro %}


{#- Spark: `sequence` of timestamps, exploded. -#}
{% macro spark__interval_spine(start_expression, end_expression, minutes) -%}
    select explode(sequence(
        ({{ start_expression }}),
        ({{ end_expression }}),
        interval '{{ minutes }} minutes'
    )) as interval_start_at
{%- endmacro %}

{% macro spark__overlapped_bucket_starts(start_expression, end_expression, minutes) -%}
    explode(sequence(
        {{ cxlake.time_bucket_start(start_expression, minutes) }},
        ({{ end_expression }}) - interval '1 microsecond',
        interval '{{ minutes }} minutes'
    ))
{%- endmacro %}
