{#
    One aggregate over the elements of a nested array (a session's segments or metrics), written
    once for the two shapes the same elements come in:
    - flattened rows grouped by their parent (`elements` none): `element` is the alias of the
      flattened relation in the query, so `element.column` names one of its columns;
    - a list of structs on the parent row itself (`elements`: the list expression; DuckDB list
      functions): `element` is the lambda's parameter, so the same `element.field` text names a
      field of the struct, and no flattening, grouping or join back to the parent is needed.
    `aggregate` is (function, value, where): function count (value unused), min, max or sum,
    over the elements where `where` holds (none: all); or ('last', value, where, orders): the
    value of the element whose `orders` (expressions, compared in turn) are greatest.
    Over no element: count 0 (null when the parent has no array at all), the others null.
#}
{% macro nested_aggregate(aggregate, element, elements=none) -%}
    {%- set function, value, where = aggregate[0], aggregate[1], aggregate[2] -%}
    {%- if function not in ('count', 'min', 'max', 'sum', 'last') -%}
        {{ exceptions.raise_compiler_error("nested_aggregate: unknown function '" ~ function ~ "'") }}
    {%- endif -%}
    {%- if elements is none -%}
        {%- if function == 'count' -%}
            count({% if where %}case when {{ where }} then 1 end{% else %}*{% endif %})
        {%- elif function == 'last' -%}
            {{ cxlake.value_at_max(value, aggregate[3], where=where) }}
        {%- else -%}
            {{ function }}({% if where %}case when {{ where }} then {{ value }} end{% else %}{{ value }}{% endif %})
        {%- endif -%}
    {%- else -%}
        {%- set matching = ('list_filter(' ~ elements ~ ', lambda ' ~ element ~ ': ' ~ where ~ ')') if where else elements -%}
        {%- if function == 'count' -%}
            len({{ matching }})
        {%- elif function == 'last' -%}
            {#- structs sort field by field: the orders first, the value last -#}
            list_sort(list_transform({{ matching }}, lambda {{ element }}: {
                {%- for order in aggregate[3] %}'order_{{ loop.index }}': {{ order }}, {% endfor -%}
                'value': {{ value }}}))[-1].value
        {%- else -%}
            list_{{ function }}(list_transform({{ matching }}, lambda {{ element }}: {{ value }}))
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}


{#
    Whether a model aggregates nested arrays in place (`nested_aggregate` over lists) rather than
    over their flattened rows: on DuckDB, unless var `nested_list_aggregates` is false. Unit
    tests give flattened rows, so they take the row form.
#}
{% macro aggregates_nested_lists() -%}
    {{ return(target.type == 'duckdb' and model.resource_type != 'unit_test' and var('nested_list_aggregates', true)) }}
{%- endmacro %}


{#- `nested_aggregate` of each entry of `aggregates` (alias -> aggregate), as select-list columns. -#}
{% macro nested_aggregate_columns(aggregates, element, elements=none) -%}
    {%- for alias, aggregate in aggregates.items() -%}
        {{ nested_aggregate(aggregate, element, elements) }} as {{ alias }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
