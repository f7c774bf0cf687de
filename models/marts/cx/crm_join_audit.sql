{#
    Share of conversations carrying a CRM account id: overall, per
    conversation day and per queue. Tests on the overall row warn above var
    `crm_unlinked_warn_pct` and fail the build above `crm_unlinked_error_pct`; both
    thresholds are columns of every row, so a dashboard shows the ones this build used
    (including a `--vars` override), never a copy.
#}

with

interactions as (

    select * from {{ ref('unified_interactions') }}

),

overall as (

    select
        'overall' as audit_level,
        'all' as audit_key,
        count(*) as conversation_count,
        cast(sum(case when is_crm_linked then 1 else 0 end) as {{ dbt.type_bigint() }}) as linked_count

    from interactions

),

per_day as (

    select
        'day' as audit_level,
        cast(conversation_date as {{ dbt.type_string() }}) as audit_key,
        count(*) as conversation_count,
        cast(sum(case when is_crm_linked then 1 else 0 end) as {{ dbt.type_bigint() }}) as linked_count

    from interactions
    group by conversation_date

),

per_queue as (

    select
        'queue' as audit_level,
        coalesce(queue_id, 'no_queue') as audit_key,
        count(*) as conversation_count,
        cast(sum(case when is_crm_linked then 1 else 0 end) as {{ dbt.type_bigint() }}) as linked_count

    from interactions
    group by coalesce(queue_id, 'no_queue')

),

unioned as (

    select * from overall
    union all
    select * from per_day
    union all
    select * from per_queue

),

final as (

    select
        audit_level || ':' || audit_key as audit_id,
        audit_level,
        audit_key,
        conversation_count,
        linked_count,
        conversation_count - linked_count as unlinked_count,
        {{ safe_pct('linked_count', 'conversation_count') }} as linked_share_pct,
        {{ safe_pct('conversation_count - linked_count', 'conversation_count') }} as unlinked_share_pct,
        cast({{ var('crm_unlinked_warn_pct') }} as {{ cxlake.type_double() }}) as unlinked_warn_pct,
        cast({{ var('crm_unlinked_error_pct') }} as {{ cxlake.type_double() }}) as unlinked_error_pct

    from unioned

)

select * from final
