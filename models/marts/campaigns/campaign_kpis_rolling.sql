{#
    Campaign KPIs over a rolling window (var `campaign_rolling_window_minutes`, default 15)
    ending at each 5-minute UTC mark: the stable view recommended over
    "current minute" buckets. Windows without calls carry the last stable rate forward.
#}

{%- set window_buckets = (var('campaign_rolling_window_minutes') | int) // 5 %}

with

activity as (

    select * from {{ ref('int_campaign_activity_by_five_minutes') }}

),

-- the SQL linter cannot lay out the select list that the for loop below unrolls
-- noqa: disable=LT02
rolling_sums as (

    select
        campaign_id,
        five_minute_start_at,
        {%- for measure in ['contacted_count', 'connected_count', 'voicemail_count', 'goal_completion_count', 'converted_connected_count'] %}
        sum({{ measure }}) over (
            partition by campaign_id order by five_minute_start_at
            rows between {{ window_buckets - 1 }} preceding and current row
        ) as rolling_{{ measure }}{{ "," if not loop.last }}
        {%- endfor %}

    from activity

),
-- noqa: enable=LT02

rates as (

    select
        *,
        {{ safe_ratio('rolling_connected_count', 'rolling_contacted_count') }} as window_connect_rate,
        {{ safe_ratio('rolling_converted_connected_count', 'rolling_connected_count') }} as window_conversion_rate

    from rolling_sums

),

carried_forward as (

    {{ cxlake.carry_forward(
        'rates', 'campaign_id', 'five_minute_start_at',
        [['window_connect_rate', 'rolling_connect_rate'], ['window_conversion_rate', 'rolling_conversion_rate']],
    ) }}

),

final as (

    select
        campaign_id || ':' || cast(five_minute_start_at as {{ dbt.type_string() }}) as campaign_window_id,
        campaign_id,
        {{ dbt.dateadd('minute', 5 - 5 * window_buckets, 'five_minute_start_at') }} as window_start_at,
        {{ dbt.dateadd('minute', 5, 'five_minute_start_at') }} as window_end_at,
        cast(rolling_contacted_count as {{ dbt.type_bigint() }}) as rolling_contacted,
        cast(rolling_connected_count as {{ dbt.type_bigint() }}) as rolling_connected,
        cast(rolling_voicemail_count as {{ dbt.type_bigint() }}) as rolling_voicemail_count,
        cast(rolling_goal_completion_count as {{ dbt.type_bigint() }}) as rolling_goal_completions,
        cast(rolling_converted_connected_count as {{ dbt.type_bigint() }}) as rolling_converted_connected,
        rolling_connect_rate,
        rolling_conversion_rate,
        window_connect_rate is null as is_carried_forward

    from carried_forward

)

select * from final
