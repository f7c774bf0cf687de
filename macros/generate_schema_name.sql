{#
    Custom schemas land under exactly their configured name (`staging`, `intermediate`,
    `marts`, `seeds`, `snapshots`) instead of dbt's default `<target_schema>_<custom>`:
    analysts and BI tools read `marts.unified_interactions`, whatever the target.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
