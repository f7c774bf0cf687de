{#
    Aggregate: `value_expression` on the row of the group whose `order_expressions` (a list,
    compared left to right) are largest (`value_at_max`) or smallest (`value_at_min`), among the
    rows where `where` holds (every row when none). One pass over the group, where a
    `row_number()` window followed by a join back would sort and hash the rows twice.

    The order expressions must not be null (coalesce them to a sentinel first: which end a
    missing value sorts to is then written in the model, not left to each engine's default),
    and should end with a unique key so that no two rows tie. The value itself may be null:
    it is returned as it is on the chosen row.

    DuckDB: `arg_max_null` / `arg_min_null` on a row of the order expressions. PostgreSQL: the
    first element of an ordered `array_agg`. Spark: `max_by` / `min_by` on a struct.
#}
{% macro value_at_max(value_expression, order_expressions, where=none) -%}
    {{ return(adapter.dispatch('value_at_extreme', 'cxlake')(value_expression, order_expressions, where, 'max')) }}
{%- endmacro %}

{% macro value_at_min(value_expression, order_expressions, where=none) -%}
    {{ return(adapter.dispatch('value_at_extreme', 'cxlake')(value_expression, order_expressions, where, 'min')) }}
{%- endmacro %}

{% macro _value_at_extreme_filter(where) -%}
    {%- if where %} filter (where {{ where }}){% endif -%}
{%- endmacro %}

{% macro default__value_at_extreme(value_expression, order_expressions, where, extreme) -%}
    arg_{{ extreme }}_null({{ value_expression }}, row({{ order_expressions | join(', ') }})){{ cxlake._value_at_extreme_filter(where) }}
{%- endmacro %}

{% macro postgres__value_at_extreme(value_expression, order_expressions, where, extreme) -%}
    {%- set direction = 'desc' if extreme == 'max' else 'asc' -%}
    (array_agg({{ value_expression }} order by
        {%- for expression in order_expressions %} {{ expression }} {{ direction }}{{ ',' if not loop.last }}{% endfor -%}
    ){{ cxlake._value_at_extreme_filter(where) }})[1]
{%- endmacro %}

{% macro spark__value_at_extreme(value_expression, order_expressions, where, extreme) -%}
    {{ extreme }}_by({{ value_expression }}, named_struct(
        {%- for expression in order_expressions %}
        'k{{ loop.index }}', {{ expression }}{{ ',' if not loop.last }}
        {%- endfor %}
    )){{ cxlake._value_at_extreme_filter(where) }}
{%- endmacro %}
