{#-
    Schedule adherence and conformance per agent per management unit and adherence day
    (WFM historical adherence, UTC days). Genesys definitions:
    - adherence % = share of the agent's scheduled time spent in the scheduled activity:
      100 * (adherence schedule seconds - exception seconds) / adherence schedule seconds;
    - conformance % = actual on-queue (work) seconds / scheduled on-queue seconds * 100
      (above 100 when the agent worked more than scheduled).
    adherence_pct / conformance_pct are the values Genesys reported; the seconds beside them
    are what any roll-up must sum (never average percentages).
-#}

with

adherence as (

    select * from {{ ref('stg_genesys__historical_adherence') }}

),

units as (

    select * from {{ ref('stg_genesys__management_units') }}

),

users as (

    select * from {{ ref('stg_genesys__users') }}

),

final as (

    select
        adherence.management_unit_id || ':' || adherence.user_id || ':' || cast(adherence.adherence_date as {{ dbt.type_string() }}) as agent_adherence_day_id,
        adherence.adherence_date,
        adherence.user_id as agent_id,
        coalesce(users.user_name, 'Unknown user ' || adherence.user_id) as agent_name,
        adherence.management_unit_id,
        coalesce(units.management_unit_name, 'Unknown management unit ' || adherence.management_unit_id) as management_unit_name,
        coalesce(units.division_id, users.division_id) as division_id,
        adherence.adherence_schedule_seconds as scheduled_seconds,
        adherence.exception_duration_seconds as exception_seconds,
        adherence.exception_count,
        adherence.conformance_schedule_seconds as scheduled_on_queue_seconds,
        adherence.conformance_actual_seconds as actual_on_queue_seconds,
        adherence.adherence_pct,
        adherence.conformance_pct,
        adherence.impact,
        adherence.extracted_at as loaded_at

    from adherence
    left join units
        on adherence.management_unit_id = units.management_unit_id
    left join users
        on adherence.user_id = users.user_id

)

select * from final
