{#-
    Several enumerations in one test: `values` maps a column to its accepted values. A failing
    row names the column and the value outside the list; null values are not checked.
-#}
{% test accepted_values_of_columns(model, values) %}

{%- for column_name, accepted in values.items() %}
select
    '{{ column_name }}' as column_name,
    cast({{ column_name }} as {{ dbt.type_string() }}) as column_value
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (
        {%- for value in accepted %}'{{ value }}'{{ ", " if not loop.last }}{% endfor -%}
    )
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}

{% endtest %}
