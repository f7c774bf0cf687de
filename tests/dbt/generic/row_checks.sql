{#-
    Several conditions every row must meet, checked in one scan of the model: `checks` maps a
    check's name to a SQL condition. A failing row names the first check it breaks; a
    condition that is null (unknown) passes, as in `expression_is_true`. One scan matters on a
    view that unnests the conversation documents: each separate test would unnest them again.
-#}
{% test row_checks(model, checks) %}

select failed_check
from (
    select
        case
            {%- for check_name, condition in checks.items() %}
            when not ({{ condition }}) then '{{ check_name }}'
            {%- endfor %}
        end as failed_check
    from {{ model }}
) as checked_rows
where failed_check is not null

{% endtest %}
