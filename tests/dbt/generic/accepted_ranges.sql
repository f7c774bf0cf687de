{#-
    Several columns' ranges in one test (one query per model rather than one per column):
    `ranges` maps a column to [min_value, max_value], either bound null for none. A failing
    row names the column and its value; null values are not checked.
-#}
{% test accepted_ranges(model, ranges) %}

{%- for column_name, bounds in ranges.items() %}
select
    '{{ column_name }}' as column_name,
    cast({{ column_name }} as {{ dbt.type_string() }}) as column_value
from {{ model }}
where {{ column_name }} is not null
    and (
        1 = 0
        {%- if bounds[0] is not none %}
        or {{ column_name }} < {{ bounds[0] }}
        {%- endif %}
        {%- if bounds[1] is not none %}
        or {{ column_name }} > {{ bounds[1] }}
        {%- endif %}
    )
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}

{% endtest %}
