{#
    Aggregate: the non-null texts `value_expression` joined with `delimiter`, ordered by
    `order_expressions` (a list of expressions; ties keep no particular order).
    Default: dbt's `listagg` with an order by; Spark's `collect_list` keeps no order, so its
    variant sorts (order expressions, value) structs first.
#}
{% macro ordered_string_agg(value_expression, delimiter, order_expressions) -%}
    {{ return(adapter.dispatch('ordered_string_agg', 'cxlake')(value_expression, delimiter, order_expressions)) }}
{%- endmacro %}

{% macro default__ordered_string_agg(value_expression, delimiter, order_expressions) -%}
    {{ dbt.listagg(value_expression, "'" ~ delimiter ~ "'", 'order by ' ~ order_expressions | join(', ')) }}
{%- endmacro %}

{% macro spark__ordered_string_agg(value_expression, delimiter, order_expressions) -%}
    array_join(transform(array_sort(collect_list(named_struct(
        {%- for expression in order_expressions %}
        'k{{ loop.index }}', {{ expression }},
        {%- endfor %}
        'v', {{ value_expression }}
    ))), entry -> entry.v), '{{ delimiter }}')
{%- endmacro %}
