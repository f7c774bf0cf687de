{#
    Column types by their portable name, per engine: `text`, `varchar`, `json` (JSON kept as
    text), `double`, `bigint`, `boolean`, `timestamp`, `timestamp with time zone` (raw load
    metadata). Used where a model declares types itself (`source_or_empty`, casts of nulls).
#}

{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'cxlake')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}


{% macro portable_type(type_name) -%}
    {{ return(adapter.dispatch('portable_type', 'cxlake')(type_name | trim | lower)) }}
{%- endmacro %}

{% macro default__portable_type(type_name) -%}
    {%- set types = {'double': 'double precision'} -%}
    {{ types.get(type_name, type_name) }}
{%- endmacro %}

{% macro duckdb__portable_type(type_name) -%}
    {{ type_name }}
{%- endmacro %}

{% macro spark__portable_type(type_name) -%}
    {%- set types = {
        'text': 'string',
        'varchar': 'string',
        'json': 'string',
        'double precision': 'double',
        'timestamp with time zone': 'timestamp',
        'timestamptz': 'timestamp',
    } -%}
    {{ types.get(type_name, type_name) }}
{%- endmacro %}
