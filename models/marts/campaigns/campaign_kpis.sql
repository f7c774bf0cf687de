{#
    Campaign KPIs per 15-minute UTC interval. connect_rate = connected /
    contacted; conversion_rate = converted connected calls / connected (0-1),
    goal_completions = completions dated when they happened. An interval without calls
    never divides by zero: its rates carry the last stable value forward and
    `is_carried_forward` says so.
#}

with

activity as (

    select * from {{ ref('int_campaign_activity_by_five_minutes') }}

),

campaigns as (

    select * from {{ ref('stg_genesys__campaigns') }}

),

rolling_windows as (

    select * from {{ ref('campaign_kpis_rolling') }}

),

aggregated_to_intervals as (

    select
        campaign_id,
        interval_start_at,
        sum(contacted_count) as contacted_count,
        sum(connected_count) as connected_count,
        sum(live_voice_count) as live_voice_count,
        sum(voicemail_count) as voicemail_count,
        sum(preview_skipped_count) as preview_skipped_count,
        sum(goal_completion_count) as goal_completion_count,
        sum(converted_connected_count) as converted_connected_count

    from activity
    group by
        campaign_id,
        interval_start_at

),

rates as (

    select
        *,
        {{ safe_ratio('connected_count', 'contacted_count') }} as interval_connect_rate,
        {{ safe_ratio('converted_connected_count', 'connected_count') }} as interval_conversion_rate

    from aggregated_to_intervals

),

carried_forward as (

    {{ cxlake.carry_forward(
        'rates', 'campaign_id', 'interval_start_at',
        [['interval_connect_rate', 'connect_rate'], ['interval_conversion_rate', 'conversion_rate']],
    ) }}

),

final as (

    select
        carried_forward.campaign_id || ':' || cast(carried_forward.interval_start_at as {{ dbt.type_string() }}) as campaign_interval_id,
        carried_forward.campaign_id,
        campaigns.campaign_name,
        carried_forward.interval_start_at,
        {{ dbt.dateadd('minute', 15, 'carried_forward.interval_start_at') }} as interval_end_at,
        cast(carried_forward.contacted_count as {{ dbt.type_bigint() }}) as contacted,
        cast(carried_forward.connected_count as {{ dbt.type_bigint() }}) as connected,
        cast(carried_forward.live_voice_count as {{ dbt.type_bigint() }}) as live_voice,
        cast(carried_forward.voicemail_count as {{ dbt.type_bigint() }}) as voicemail_count,
        cast(carried_forward.preview_skipped_count as {{ dbt.type_bigint() }}) as preview_skipped,
        cast(carried_forward.goal_completion_count as {{ dbt.type_bigint() }}) as goal_completions,
        cast(carried_forward.converted_connected_count as {{ dbt.type_bigint() }}) as converted_connected,
        carried_forward.connect_rate,
        carried_forward.conversion_rate,
        carried_forward.interval_connect_rate is null as is_carried_forward,
        rolling_windows.rolling_contacted,
        rolling_windows.rolling_connected,
        rolling_windows.rolling_voicemail_count,
        rolling_windows.rolling_goal_completions,
        rolling_windows.rolling_converted_connected,
        rolling_windows.rolling_connect_rate,
        rolling_windows.rolling_conversion_rate,
        rolling_windows.is_carried_forward as is_rolling_carried_forward,
        {{ 'true' if var('voicemail_counts_as_connect') else 'false' }} as voicemail_counts_as_connect

    from carried_forward
    left join campaigns
        on carried_forward.campaign_id = campaigns.campaign_id
    left join rolling_windows
        on carried_forward.campaign_id = rolling_windows.campaign_id
        and {{ dbt.dateadd('minute', 15, 'carried_forward.interval_start_at') }} = rolling_windows.window_end_at

)

select * from final
