{{ config(materialized='view') }}

{#- Business labels of the BPO metrics (seed `metric_labels`), published with the marts for dashboards. -#}

with

metric_labels as (

    select * from {{ ref('metric_labels') }}

)

select * from metric_labels
