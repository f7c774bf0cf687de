{#
    Campaign KPI edge case: a campaign whose calls reach answering machines looks broken on
    connect rate. Connect rate per campaign as built (var voicemail_counts_as_connect) next
    to the rate with voicemail removed from the denominator, and the share of contacts that
    reached a machine.
#}

with

kpis as (

    select * from {{ ref('campaign_kpis') }}

),

per_campaign as (

    select
        campaign_id,
        campaign_name,
        sum(contacted) as contacted,
        sum(connected) as connected,
        sum(voicemail_count) as voicemail,
        sum(goal_completions) as goal_completions,
        sum(converted_connected) as converted_connected

    from kpis
    group by
        campaign_id,
        campaign_name

),

final as (

    select
        campaign_id,
        campaign_name,
        contacted,
        connected,
        voicemail,
        goal_completions,
        round({{ safe_ratio('connected', 'contacted') }}, 3) as connect_rate,
        round({{ safe_ratio('connected', 'contacted - voicemail') }}, 3) as connect_rate_excluding_voicemail,
        round({{ safe_ratio('voicemail', 'contacted') }}, 3) as voicemail_share,
        round({{ safe_ratio('converted_connected', 'connected') }}, 3) as conversion_rate

    from per_campaign

)

select * from final
order by connect_rate
