{#
    Unified CX audit: where do conversations without a CRM link come from? The queues and
    media types with the most unlinked conversations (the detail behind crm_join_audit),
    to point the CTI / screen-pop fix at the right flow.
#}

with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

flagged as (

    select
        coalesce(queue_name, '(no queue)') as queue_name,
        media_type,
        direction,
        case when is_crm_linked then 0 else 1 end as unlinked_count

    from interactions

),

final as (

    select
        queue_name,
        media_type,
        direction,
        count(*) as conversations,
        sum(unlinked_count) as unlinked,
        round({{ safe_pct('sum(unlinked_count)', 'count(*)') }}, 1) as unlinked_pct

    from flagged
    group by
        queue_name,
        media_type,
        direction

)

select * from final
order by unlinked desc, queue_name
