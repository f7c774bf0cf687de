{#
    JSON access used by staging models to flatten raw `payload` columns (JSON text).
    DuckDB implementations plus a default (PostgreSQL JSON operators) for portability.
    Paths are JSONPath-like: `$.a.b`; array indexes only in the DuckDB variants.
#}

{% macro _json_path_keys(path) -%}
    {%- set keys = [] if path == '$' else path.replace('$.', '', 1).split('.') -%}
    {{- return(keys) -}}
{%- endmacro %}


{#- PostgreSQL-style JSON value at `path` of a JSON text column (the document itself for '$'). -#}
{% macro _json_at(json_column, path) -%}
    {%- set keys = cxlake._json_path_keys(path) -%}
    {%- if keys -%}
        json_extract_path(cast({{ json_column }} as json), '{{ keys | join("', '") }}')
    {%- else -%}
        cast({{ json_column }} as json)
    {%- endif -%}
{%- endmacro %}


{#- Text value at `path` (null when missing or JSON null). -#}
{% macro json_text(json_column, path) -%}
    {{ return(adapter.dispatch('json_text', 'cxlake')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_text(json_column, path) -%}
    json_extract_path_text(cast({{ json_column }} as json), '{{ cxlake._json_path_keys(path) | join("', '") }}')
{%- endmacro %}

{% macro duckdb__json_text(json_column, path) -%}
    json_extract_string({{ json_column }}, '{{ path }}')
{%- endmacro %}


{#- JSON sub-document at `path`, as JSON text. -#}
{% macro json_object(json_column, path) -%}
    {{ return(adapter.dispatch('json_object', 'cxlake')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_object(json_column, path) -%}
    cast({{ cxlake._json_at(json_column, path) }} as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__json_object(json_column, path) -%}
    cast(json_extract({{ json_column }}, '{{ path }}') as varchar)
{%- endmacro %}


{#- Numeric value at `path` as a double. -#}
{% macro json_number(json_column, path) -%}
    cast({{ cxlake.json_text(json_column, path) }} as double precision)
{%- endmacro %}


{#- Integer value at `path` as a bigint. -#}
{% macro json_integer(json_column, path) -%}
    cast({{ cxlake.json_text(json_column, path) }} as {{ dbt.type_bigint() }})
{%- endmacro %}


{#- Boolean value at `path`. -#}
{% macro json_boolean(json_column, path) -%}
    cast({{ cxlake.json_text(json_column, path) }} as {{ dbt.type_boolean() }})
{%- endmacro %}


{#- Number of elements of the JSON array at `path` (0 when missing). -#}
{% macro json_array_length(json_column, path) -%}
    {{ return(adapter.dispatch('json_array_length', 'cxlake')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_array_length(json_column, path) -%}
    coalesce(json_array_length({{ cxlake._json_at(json_column, path) }}), 0)
{%- endmacro %}

{% macro duckdb__json_array_length(json_column, path) -%}
    coalesce(json_array_length({{ json_column }}, '{{ path }}'), 0)
{%- endmacro %}


{#- Text elements of the JSON array of strings at `path`, joined with commas (order kept). -#}
{% macro json_string_array_joined(json_column, path) -%}
    {{ return(adapter.dispatch('json_string_array_joined', 'cxlake')(json_column, path)) }}
{%- endmacro %}

{% macro default__json_string_array_joined(json_column, path) -%}
    (
        select string_agg(element, ',')
        from json_array_elements_text({{ cxlake._json_at(json_column, path) }}) as element
    )
{%- endmacro %}

{% macro duckdb__json_string_array_joined(json_column, path) -%}
    array_to_string(cast(json_extract({{ json_column }}, '{{ path }}') as varchar[]), ',')
{%- endmacro %}


{#
    One row per element of the JSON array at `array_path` of `json_column`, from relation
    `from_relation`, keeping `carry_columns`. Adds `element_alias` (JSON text of the element)
    and `index_alias` (1-based position in the array). Rows whose array is empty or missing
    produce nothing.
#}
{% macro json_array_rows(from_relation, json_column, array_path, carry_columns, element_alias='element', index_alias='element_index') -%}
    {{ return(adapter.dispatch('json_array_rows', 'cxlake')(from_relation, json_column, array_path, carry_columns, element_alias, index_alias)) }}
{%- endmacro %}

{% macro default__json_array_rows(from_relation, json_column, array_path, carry_columns, element_alias, index_alias) -%}
    select
        {%- for column in carry_columns %}
        parent.{{ column }},
        {%- endfor %}
        cast(array_elements.element as {{ dbt.type_string() }}) as {{ element_alias }},
        array_elements.element_index as {{ index_alias }}
    from {{ from_relation }} as parent
    cross join lateral json_array_elements(
        {{ cxlake._json_at('parent.' ~ json_column, array_path) }}
    ) with ordinality as array_elements (element, element_index)
{%- endmacro %}

{% macro duckdb__json_array_rows(from_relation, json_column, array_path, carry_columns, element_alias, index_alias) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        cast(unnest(json_array) as varchar) as {{ element_alias }},
        generate_subscripts(json_array, 1) as {{ index_alias }}
    from (
        select
            {%- for column in carry_columns %}
            {{ column }},
            {%- endfor %}
            json_extract({{ json_column }}, '{{ array_path }}[*]') as json_array
        from {{ from_relation }}
    ) as json_arrays
{%- endmacro %}


{#
    One row per key of the JSON object at `object_path` (string values), from relation
    `from_relation`, keeping `carry_columns`; adds `key_alias` and `value_alias`.
#}
{% macro json_object_entries(from_relation, json_column, object_path, carry_columns, key_alias='attribute_name', value_alias='attribute_value') -%}
    {{ return(adapter.dispatch('json_object_entries', 'cxlake')(from_relation, json_column, object_path, carry_columns, key_alias, value_alias)) }}
{%- endmacro %}

{% macro default__json_object_entries(from_relation, json_column, object_path, carry_columns, key_alias, value_alias) -%}
    select
        {%- for column in carry_columns %}
        parent.{{ column }},
        {%- endfor %}
        entries.key as {{ key_alias }},
        entries.value as {{ value_alias }}
    from {{ from_relation }} as parent
    cross join lateral json_each_text(
        {{ cxlake._json_at('parent.' ~ json_column, object_path) }}
    ) as entries
{%- endmacro %}

{% macro duckdb__json_object_entries(from_relation, json_column, object_path, carry_columns, key_alias, value_alias) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        entry.key as {{ key_alias }},
        entry.value as {{ value_alias }}
    from (
        select
            {%- for column in carry_columns %}
            {{ column }},
            {%- endfor %}
            unnest(map_entries(cast(json_extract({{ json_column }}, '{{ object_path }}') as map(varchar, varchar)))) as entry
        from {{ from_relation }}
        where json_type({{ json_column }}, '{{ object_path }}') = 'OBJECT'
    ) as attribute_entries
{%- endmacro %}


{#
    Several text fields of one JSON column, parsed once where the engine allows it: selects
    `carry_columns` from `from_relation` plus one text column per entry of `fields`
    (alias -> path). DuckDB extracts every path in a single `json_extract_string` call.
#}
{% macro json_text_fields(from_relation, json_column, carry_columns, fields) -%}
    {{ return(adapter.dispatch('json_text_fields', 'cxlake')(from_relation, json_column, carry_columns, fields)) }}
{%- endmacro %}

{% macro default__json_text_fields(from_relation, json_column, carry_columns, fields) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        {%- for alias, path in fields.items() %}
        {{ cxlake.json_text(json_column, path) }} as {{ alias }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ from_relation }}
{%- endmacro %}

{% macro duckdb__json_text_fields(from_relation, json_column, carry_columns, fields) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        {%- for alias in fields.keys() %}
        json_field_values[{{ loop.index }}] as {{ alias }}{{ "," if not loop.last }}
        {%- endfor %}
    from (
        select
            {%- for column in carry_columns %}
            {{ column }},
            {%- endfor %}
            json_extract_string({{ json_column }}, [
                {%- for path in fields.values() %}'{{ path }}'{{ ", " if not loop.last }}{%- endfor -%}
            ]) as json_field_values
        from {{ from_relation }}
    ) as json_field_lists
{%- endmacro %}
