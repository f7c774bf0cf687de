{#-
    Pairs of columns in order on every row where both are present: `pairs` lists
    [smaller, larger] column pairs (e.g. connected <= contacted). A failing row names the pair.
-#}
{% test ordered_columns(model, pairs) %}

{%- for smaller, larger in pairs %}
select '{{ smaller }} <= {{ larger }}' as failed_order
from {{ model }}
where {{ smaller }} > {{ larger }}
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}

{% endtest %}
