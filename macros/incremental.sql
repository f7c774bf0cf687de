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


{#
    Rows of a raw source loaded after the latest `extracted_at` already in an incremental
    staging model: the filter that makes JSON flattening run once per extraction. Use inside
    `{% if is_incremental() %}` on the raw relation's `_extracted_at`.
#}
{% macro extracted_after_latest(extracted_at_column='_extracted_at') -%}
    {{ to_utc_timestamp(extracted_at_column) }} > (
        select coalesce(max(extracted_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
{%- endmacro %}
