{#
    JSON access used by staging models to flatten raw `payload` columns (JSON text).
    DuckDB implementations plus a default (PostgreSQL JSON operators) for portability.
    Paths are JSONPath-like: `$.a.b`, `$.a[0].b` (zero-based array indexes).
#}

{% macro _json_path_keys(path) -%}
    {%- set keys = [] if path == '$' else path.replace('$.', '', 1).split('.') -%}
    {{- return(keys) -}}
{%- endmacro %}


{#- Path elements of `$.a.b[0].c` for PostgreSQL's path functions: keys, array indexes as text. -#}
{% macro _json_path_elements(path) -%}
    {%- set elements = [] -%}
    {%- for name, index in cxlake._document_path_steps(path) -%}
        {%- do elements.append(name) -%}
        {%- if index is not none %}{% do elements.append(index | string) %}{% endif -%}
    {%- endfor -%}
    {{- return(elements) -}}
{%- endmacro %}


{#- PostgreSQL-style JSON value at `path` of a JSON text column (the document itself for '$'). -#}
{% macro _json_at(json_column, path) -%}
    {%- set keys = cxlake._json_path_elements(path) -%}
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
    json_extract_path_text(cast({{ json_column }} as json), '{{ cxlake._json_path_elements(path) | join("', '") }}')
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
    cast({{ cxlake.json_text(json_column, path) }} as {{ cxlake.type_double() }})
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
    Typed documents: a JSON text column parsed once into the engine's native nested type, so
    the staging models that flatten its levels (participants, sessions, segments, metrics)
    read it without parsing JSON again. `structure` describes the fields kept: a mapping of
    key -> 'text' (string value; numbers and booleans as their text), 'json' (any JSON value,
    kept as JSON) or a nested mapping, or a one-element list of one of these for an array.
    Fields outside the structure are dropped; a value of another shape than declared is null.
    DuckDB: `json_transform` to STRUCT / LIST; default (PostgreSQL): `jsonb`.
#}
{% macro json_document(json_column, structure) -%}
    {{ return(adapter.dispatch('json_document', 'cxlake')(json_column, structure)) }}
{%- endmacro %}

{% macro default__json_document(json_column, structure) -%}
    cast({{ json_column }} as jsonb)
{%- endmacro %}

{% macro duckdb__json_document(json_column, structure) -%}
    json_transform({{ json_column }}, '{{ cxlake._duckdb_json_structure(structure) }}')
{%- endmacro %}

{#- The DuckDB `json_transform` structure (JSON text) of a `json_document` structure. -#}
{% macro _duckdb_json_structure(node) -%}
    {%- if node is mapping -%}
        {{ '{' }}
        {%- for key, value in node.items() -%}
            "{{ key }}":{{ cxlake._duckdb_json_structure(value) }}{{ "," if not loop.last }}
        {%- endfor -%}
        {{ '}' }}
    {%- elif node is string -%}
        {%- set leaf_types = {'text': 'VARCHAR', 'json': 'JSON'} -%}
        {%- if node not in leaf_types -%}
            {{ exceptions.raise_compiler_error("json_document: unknown leaf type '" ~ node ~ "' (use 'text' or 'json')") }}
        {%- endif -%}
        "{{ leaf_types[node] }}"
    {%- else -%}
        [{{ cxlake._duckdb_json_structure(node[0]) }}]
    {%- endif -%}
{%- endmacro %}

{#- Keys of a document path `$.a.b[0].c` as (name, zero-based index or none) pairs. -#}
{% macro _document_path_steps(path) -%}
    {%- set steps = [] -%}
    {%- for key in cxlake._json_path_keys(path) -%}
        {%- if '[' in key -%}
            {%- set parts = key.rstrip(']').split('[') -%}
            {%- do steps.append((parts[0], parts[1] | int)) -%}
        {%- else -%}
            {%- do steps.append((key, none)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{- return(steps) -}}
{%- endmacro %}


{#
    Value at `path` (`$.a.b[0].c`, zero-based indexes) of a `json_document` column or of an
    element of one of its arrays: text for 'text' leaves, JSON for 'json' leaves.
#}
{% macro document_value(document_column, path) -%}
    {{ return(adapter.dispatch('document_value', 'cxlake')(document_column, path)) }}
{%- endmacro %}

{% macro default__document_value(document_column, path) -%}
    {%- set keys = [] -%}
    {%- for name, index in cxlake._document_path_steps(path) -%}
        {%- do keys.append(name) -%}
        {%- if index is not none %}{% do keys.append(index | string) %}{% endif -%}
    {%- endfor -%}
    ({{ document_column }} #>> '{{ '{' ~ keys | join(',') ~ '}' }}')
{%- endmacro %}

{% macro duckdb__document_value(document_column, path) -%}
    {{ document_column }}
    {%- for name, index in cxlake._document_path_steps(path) -%}
        ."{{ name }}"{% if index is not none %}[{{ index + 1 }}]{% endif %}
    {%- endfor -%}
{%- endmacro %}


{#
    Several values of a `json_document` column (or array element): selects `carry_columns`
    from `from_relation` plus one column per entry of `fields` (alias -> path).
#}
{% macro document_fields(from_relation, document_column, carry_columns, fields) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        {%- for alias, path in fields.items() %}
        {{ cxlake.document_value(document_column, path) }} as {{ alias }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ from_relation }}
{%- endmacro %}


{#
    One row per element of the array at `array_path` of a `json_document` column (or array
    element), from relation `from_relation`, keeping `carry_columns`. Adds `element_alias`
    (the element, still a document) and `index_alias` (1-based position). Rows whose array
    is empty or missing produce nothing.
#}
{% macro document_array_rows(from_relation, document_column, array_path, carry_columns, element_alias='element', index_alias='element_index') -%}
    {{ return(adapter.dispatch('document_array_rows', 'cxlake')(from_relation, document_column, array_path, carry_columns, element_alias, index_alias)) }}
{%- endmacro %}

{% macro default__document_array_rows(from_relation, document_column, array_path, carry_columns, element_alias, index_alias) -%}
    {%- set keys = cxlake._json_path_keys(array_path) -%}
    select
        {%- for column in carry_columns %}
        parent.{{ column }},
        {%- endfor %}
        array_elements.element as {{ element_alias }},
        array_elements.element_index as {{ index_alias }}
    from {{ from_relation }} as parent
    {%- set array_expression = 'parent.' ~ document_column ~ " #> '{" ~ keys | join(',') ~ "}'" %}
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof({{ array_expression }}) = 'array' then {{ array_expression }} else '[]' end
    ) with ordinality as array_elements (element, element_index)
{%- endmacro %}

{% macro duckdb__document_array_rows(from_relation, document_column, array_path, carry_columns, element_alias, index_alias) -%}
    {%- set array_expression = cxlake.duckdb__document_value(document_column, array_path) -%}
    select
        {%- for column in carry_columns %}
        {{ column }},
        {%- endfor %}
        unnest({{ array_expression }}) as {{ element_alias }},
        generate_subscripts({{ array_expression }}, 1) as {{ index_alias }}
    from {{ from_relation }}
{%- endmacro %}


{#- Text elements of the array of strings at `path` of a `json_document`, joined with commas (order kept). -#}
{% macro document_text_array_joined(document_column, path) -%}
    {{ return(adapter.dispatch('document_text_array_joined', 'cxlake')(document_column, path)) }}
{%- endmacro %}

{% macro default__document_text_array_joined(document_column, path) -%}
    (
        select string_agg(element, ',')
        from jsonb_array_elements_text(
            {{ document_column }} #> '{{ '{' ~ cxlake._json_path_keys(path) | join(',') ~ '}' }}'
        ) as element
    )
{%- endmacro %}

{% macro duckdb__document_text_array_joined(document_column, path) -%}
    array_to_string({{ cxlake.duckdb__document_value(document_column, path) }}, ',')
{%- endmacro %}


{#
    Spark variants: JSON text read with `get_json_object` (JSONPath, zero-based indexes) and
    `from_json` with a DDL schema; arrays and objects turned into rows with `lateral view
    posexplode` / `explode`. `from_json` keeps a non-string value declared `string` as its
    JSON text, as DuckDB's VARCHAR and PostgreSQL's `->>` do.
#}

{% macro _spark_json_at(json_column, path) -%}
    {%- if path == '$' -%}{{ json_column }}{%- else -%}get_json_object({{ json_column }}, '{{ path }}'){%- endif -%}
{%- endmacro %}

{% macro spark__json_text(json_column, path) -%}
    get_json_object({{ json_column }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_object(json_column, path) -%}
    {{ cxlake._spark_json_at(json_column, path) }}
{%- endmacro %}

{% macro spark__json_array_length(json_column, path) -%}
    coalesce(json_array_length({{ cxlake._spark_json_at(json_column, path) }}), 0)
{%- endmacro %}

{% macro spark__json_string_array_joined(json_column, path) -%}
    array_join(from_json({{ cxlake._spark_json_at(json_column, path) }}, 'array<string>'), ',')
{%- endmacro %}

{% macro spark__json_array_rows(from_relation, json_column, array_path, carry_columns, element_alias, index_alias) -%}
    select
        {%- for column in carry_columns %}
        parent.{{ column }},
        {%- endfor %}
        array_elements.cx_element as {{ element_alias }},
        array_elements.cx_position + 1 as {{ index_alias }}
    from {{ from_relation }} as parent
    lateral view posexplode(
        from_json({{ cxlake._spark_json_at('parent.' ~ json_column, array_path) }}, 'array<string>')
    ) array_elements as cx_position, cx_element
{%- endmacro %}

{% macro spark__json_object_entries(from_relation, json_column, object_path, carry_columns, key_alias, value_alias) -%}
    select
        {%- for column in carry_columns %}
        parent.{{ column }},
        {%- endfor %}
        entries.cx_key as {{ key_alias }},
        entries.cx_value as {{ value_alias }}
    from {{ from_relation }} as parent
    lateral view explode(
        from_json({{ cxlake._spark_json_at('parent.' ~ json_column, object_path) }}, 'map<string,string>')
    ) entries as cx_key, cx_value
{%- endmacro %}

{% macro spark__json_document(json_column, structure) -%}
    from_json({{ json_column }}, '{{ cxlake._spark_json_structure(structure) }}')
{%- endmacro %}

{#- The Spark DDL type of a `json_document` structure ('json' leaves stay JSON text). -#}
{% macro _spark_json_structure(node) -%}
    {%- if node is mapping -%}
        struct<
        {%- for key, value in node.items() -%}
            `{{ key }}`:{{ cxlake._spark_json_structure(value) }}{{ "," if not loop.last }}
        {%- endfor -%}
        >
    {%- elif node is string -%}
        {%- if node not in ('text', 'json') -%}
            {{ exceptions.raise_compiler_error("json_document: unknown leaf type '" ~ node ~ "' (use 'text' or 'json')") }}
        {%- endif -%}
        string
    {%- else -%}
        array<{{ cxlake._spark_json_structure(node[0]) }}>
    {%- endif -%}
{%- endmacro %}

{% macro spark__document_value(document_column, path) -%}
    {{ document_column }}
    {%- for name, index in cxlake._document_path_steps(path) -%}
        .`{{ name }}`{% if index is not none %}[{{ index }}]{% endif %}
    {%- endfor -%}
{%- endmacro %}

{% macro spark__document_array_rows(from_relation, document_column, array_path, carry_columns, element_alias, index_alias) -%}
    select
        {%- for column in carry_columns %}
        parent.{{ column }},
        {%- endfor %}
        array_elements.cx_element as {{ element_alias }},
        array_elements.cx_position + 1 as {{ index_alias }}
    from {{ from_relation }} as parent
    lateral view posexplode({{ cxlake.spark__document_value('parent.' ~ document_column, array_path) }}) array_elements as cx_position, cx_element
{%- endmacro %}

{% macro spark__document_text_array_joined(document_column, path) -%}
    array_join({{ cxlake.spark__document_value(document_column, path) }}, ',')
{%- endmacro %}
