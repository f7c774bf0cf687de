{#- BPO partner daily roll-up per partner division and partner-local day, ratios recomputed from the sums. -#}

with

interval_metrics as (

    select * from {{ ref('bpo_interval_metrics') }}

),

aggregated_to_days as (

    select
        division_id,
        partner_name,
        time_zone,
        local_date,
        cast(sum(offered_count) as {{ dbt.type_bigint() }}) as offered_count,
        cast(sum(handled_count) as {{ dbt.type_bigint() }}) as handled_count,
        cast(sum(abandoned_count) as {{ dbt.type_bigint() }}) as abandoned_count,
        cast(sum(answered_within_target_count) as {{ dbt.type_bigint() }}) as answered_within_target_count,
        cast(sum(handle_time_ms) as {{ dbt.type_bigint() }}) as handle_time_ms,
        cast(sum(handle_time_count) as {{ dbt.type_bigint() }}) as handle_time_count,
        cast(sum(interacting_ms) as {{ dbt.type_bigint() }}) as interacting_ms,
        cast(sum(on_queue_status_ms) as {{ dbt.type_bigint() }}) as on_queue_status_ms,
        max(agents_on_queue) as peak_agents_on_queue

    from interval_metrics
    group by
        division_id,
        partner_name,
        time_zone,
        local_date

),

final as (

    select
        division_id || ':' || cast(local_date as {{ dbt.type_string() }}) as partner_day_id,
        *,
        {{ safe_ratio('handle_time_ms', '1000.0 * handle_time_count') }} as aht_seconds,
        {{ safe_pct('interacting_ms', 'on_queue_status_ms') }} as occupancy_pct,
        {{ safe_pct('answered_within_target_count', 'offered_count') }} as service_level_pct

    from aggregated_to_days

)

select * from final
