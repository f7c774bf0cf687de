{#
    Agent groups behind each campaign (map campaigns to agents through their queue
    and its skill groups, never by timestamp alone). `is_mapped_to_campaign`: the group is
    the campaign's queue or one of that queue's member skill groups. `has_handled_campaign_calls`:
    members of the group answered the campaign's calls. A group that handles calls without
    being mapped is the misalignment supervisors are warned about.
#}

with

campaigns as (

    select * from {{ ref('stg_genesys__campaigns') }}

),

queue_member_groups as (

    select * from {{ ref('stg_genesys__queue_member_groups') }}

),

memberships as (

    select * from {{ ref('int_agent_group_memberships') }}

),

outbound_calls as (

    select * from {{ ref('int_outbound_calls') }}

),

mapped_groups as (

    select
        campaigns.campaign_id,
        'queue' as group_type,
        campaigns.queue_id as group_id

    from campaigns
    where campaigns.queue_id is not null

    union

    select
        campaigns.campaign_id,
        'skill_group' as group_type,
        queue_member_groups.group_id

    from campaigns
    inner join queue_member_groups
        on campaigns.queue_id = queue_member_groups.queue_id
    where queue_member_groups.group_type = 'skillgroup'

),

observed_groups as (

    select distinct
        outbound_calls.campaign_id,
        memberships.group_type,
        memberships.group_id

    from outbound_calls
    inner join memberships
        on outbound_calls.agent_user_id = memberships.user_id

),

all_groups as (

    select campaign_id, group_type, group_id from mapped_groups
    union
    select campaign_id, group_type, group_id from observed_groups

),

group_names as (

    select distinct
        group_type,
        group_id,
        group_name

    from memberships

),

final as (

    select
        all_groups.campaign_id,
        all_groups.group_type,
        all_groups.group_id,
        group_names.group_name,
        mapped_groups.group_id is not null as is_mapped_to_campaign,
        observed_groups.group_id is not null as has_handled_campaign_calls

    from all_groups
    left join mapped_groups
        on all_groups.campaign_id = mapped_groups.campaign_id
        and all_groups.group_type = mapped_groups.group_type
        and all_groups.group_id = mapped_groups.group_id
    left join observed_groups
        on all_groups.campaign_id = observed_groups.campaign_id
        and all_groups.group_type = observed_groups.group_type
        and all_groups.group_id = observed_groups.group_id
    left join group_names
        on all_groups.group_type = group_names.group_type
        and all_groups.group_id = group_names.group_id

)

select * from final
