{#
    Lower bound of the rows an incremental model re-reads: the latest `column` already in the
    model minus var `lookback_days` (Genesys rewrites analytics data for days after the fact,
    and in-flight conversations end later). Use inside `{% if is_incremental() %}`.
#}
{% macro incremental_lookback_start(column) -%}
    (
        select {{ dbt.dateadd('day', -1 * var('lookback_days') | int, 'max(' ~ column ~ ')') }}
        from {{ this }}
    )
{%- endmacro %}
