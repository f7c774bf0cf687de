{#
    Safe casts of text to a type ('bigint', 'double', 'boolean'; not dbt's own `safe_cast`,
    which dbt's unit tests call with adapter type names): null instead of an error when the text does not fit, so a
    field cxlake has never seen in that shape can never stop the build. Used for every field
    added to staging after ingestion's own validation of the long-standing cast paths.
    DuckDB: `try_cast`; default (PostgreSQL): a pattern check before the cast.
#}

{% macro cast_text_or_null(text_expression, type_name) -%}
    {{ return(adapter.dispatch('cast_text_or_null', 'cxlake')(text_expression, type_name)) }}
{%- endmacro %}

{% macro default__cast_text_or_null(text_expression, type_name) -%}
    {%- set patterns = {
        'bigint': '^\\s*[-+]?[0-9]{1,18}\\s*$',
        'double': '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$',
        'boolean': '^\\s*(true|false|t|f|1|0)\\s*$',
    } -%}
    {%- set target_types = {
        'bigint': dbt.type_bigint(),
        'double': 'double precision',
        'boolean': dbt.type_boolean(),
    } -%}
    case when cast({{ text_expression }} as text) ~* '{{ patterns[type_name] }}'
        then cast(cast({{ text_expression }} as text) as {{ target_types[type_name] }}) end
{%- endmacro %}

{% macro duckdb__cast_text_or_null(text_expression, type_name) -%}
    {%- set target_types = {'bigint': 'bigint', 'double': 'double', 'boolean': 'boolean'} -%}
    try_cast({{ text_expression }} as {{ target_types[type_name] }})
{%- endmacro %}


{#- ISO-8601 text -> UTC timestamp, null when the text is not a timestamp. -#}
{% macro safe_parse_utc_timestamp(text_expression) -%}
    {{ return(adapter.dispatch('safe_parse_utc_timestamp', 'cxlake')(text_expression)) }}
{%- endmacro %}

{% macro default__safe_parse_utc_timestamp(text_expression) -%}
    case when cast({{ text_expression }} as text) ~ '^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$'
        then {{ cxlake.default__parse_utc_timestamp(text_expression) }} end
{%- endmacro %}

{% macro duckdb__safe_parse_utc_timestamp(text_expression) -%}
    cast(timezone('UTC', try_cast({{ text_expression }} as timestamptz)) as timestamp)
{%- endmacro %}


{#- Spark (ANSI mode off, see profiles.yml): a pattern check before the cast, as on PostgreSQL
    (a plain cast would truncate '12.5' to a bigint 12). -#}
{% macro spark__cast_text_or_null(text_expression, type_name) -%}
    {%- set patterns = {
        'bigint': '^[-+]?[0-9]{1,18}$',
        'double': '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$',
        'boolean': '^(true|false|t|f|1|0)$',
    } -%}
    {%- set target_types = {'bigint': 'bigint', 'double': 'double', 'boolean': 'boolean'} -%}
    case when lower(trim(cast({{ text_expression }} as string))) rlike '{{ patterns[type_name] }}'
        then cast(trim(cast({{ text_expression }} as string)) as {{ target_types[type_name] }}) end
{%- endmacro %}

{% macro spark__safe_parse_utc_timestamp(text_expression) -%}
    case when cast({{ text_expression }} as string) rlike '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$'
        then {{ cxlake.spark__parse_utc_timestamp(text_expression) }} end
{%- endmacro %}
