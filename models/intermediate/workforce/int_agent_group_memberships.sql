{#
    Which agents make up each skill group and each queue, with the agent's licence state:
    an agent whose licence list is empty is inactive and is flagged
    rather than counted as zero utilization.
#}

with

skill_group_members as (

    select * from {{ ref('stg_genesys__skill_group_members') }}

),

skill_groups as (

    select * from {{ ref('stg_genesys__skill_groups') }}

),

queue_members as (

    select * from {{ ref('stg_genesys__queue_members') }}

),

queues as (

    select * from {{ ref('stg_genesys__queues') }}

),

user_licenses as (

    select * from {{ ref('stg_genesys__user_licenses') }}

),

users as (

    select * from {{ ref('stg_genesys__users') }}

),

memberships as (

    select
        'skill_group' as group_type,
        skill_group_members.skill_group_id as group_id,
        skill_groups.skill_group_name as group_name,
        skill_group_members.user_id

    from skill_group_members
    left join skill_groups
        on skill_group_members.skill_group_id = skill_groups.skill_group_id

    union all

    select
        'queue' as group_type,
        queue_members.queue_id as group_id,
        queues.queue_name as group_name,
        queue_members.user_id

    from queue_members
    left join queues
        on queue_members.queue_id = queues.queue_id

),

final as (

    select distinct
        memberships.group_type,
        memberships.group_id,
        memberships.group_name,
        memberships.user_id,
        users.user_state,
        coalesce(user_licenses.licence_count, 1) > 0 as has_active_licence

    from memberships
    left join user_licenses
        on memberships.user_id = user_licenses.user_id
    left join users
        on memberships.user_id = users.user_id

)

select * from final
