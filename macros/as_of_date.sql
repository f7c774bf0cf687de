{#
    The anchor date of trailing windows: var `as_of_date` when set, else the latest value of
    `date_column` in `relation` (the data's own clock, never the wall clock).
#}
{% macro as_of_date(relation, date_column) -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max({{ date_column }}) from {{ relation }})
    {%- endif -%}
{%- endmacro %}


{#- 100 * numerator / denominator, null when the denominator is zero or null. -#}
{% macro safe_pct(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast(100.0 * ({{ numerator }}) as {{ cxlake.type_double() }}) / ({{ denominator }})
    end
{%- endmacro %}


{#- numerator / denominator, null when the denominator is zero or null. -#}
{% macro safe_ratio(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast(1.0 * ({{ numerator }}) as {{ cxlake.type_double() }}) / ({{ denominator }})
    end
{%- endmacro %}
