{#-
    At least `min_pct` percent of the non-null values of the column find a match in
    `to`.`field` (a relationships test with a tolerance, for keys that cross systems such
    as Genesys attributes -> Salesforce ids). Returns one row when the rate is too low.
-#}
{% test join_rate(model, column_name, to, field, min_pct) %}

with

keys as (

    select {{ column_name }} as key_value
    from {{ model }}
    where {{ column_name }} is not null

),

targets as (

    select distinct {{ field }} as key_value
    from {{ to }}

),

rate as (

    select
        count(*) as key_count,
        count(targets.key_value) as matched_count

    from keys
    left join targets
        on keys.key_value = targets.key_value

)

select *
from rate
where key_count > 0
    and 100.0 * matched_count / key_count < {{ min_pct }}

{% endtest %}
