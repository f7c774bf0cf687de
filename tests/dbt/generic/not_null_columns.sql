{#- Several columns never null, in one test: a failing row names the column that is. -#}
{% test not_null_columns(model, columns) %}

{%- for column_name in columns %}
select '{{ column_name }}' as column_name
from {{ model }}
where {{ column_name }} is null
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}

{% endtest %}
