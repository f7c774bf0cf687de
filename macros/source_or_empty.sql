{#
    Select from a raw source table if it was ever loaded, else from an empty, typed relation.

    An org without Predictive Engagement (or a first run before a resource was extracted)
    has no raw table: `dbt build` must still pass, with empty downstream marts. `source()` is
    always called so lineage and freshness keep the dependency.

    columns: mapping of column name -> type (a `portable_type` name), the columns the caller selects.
#}
{% macro source_or_empty(source_name, table_name, columns) -%}
    {%- set source_relation = source(source_name, table_name) -%}
    {%- if execute and load_relation(source_relation) is none -%}
        (
            select
                {%- for column_name, column_type in columns.items() %}
                cast(null as {{ cxlake.portable_type(column_type) }}) as {{ column_name }}{{ "," if not loop.last }}
                {%- endfor %}
            where 1 = 0
        ) as empty_{{ source_name }}__{{ table_name }}
    {%- else -%}
        {{ source_relation }}
    {%- endif -%}
{%- endmacro %}
