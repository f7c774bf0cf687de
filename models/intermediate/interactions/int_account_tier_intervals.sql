{#
    Validity intervals of each account's tier, rebuilt from AccountHistory (changes of the
    field named by var `salesforce_tier_field`, default `Account_Tier__c`; an empty value is
    'Unknown'): before the first change the tier was the first change's
    old value; after each change, its new value. Accounts without history carry their
    current tier over all time. `valid_from` null = since always, `valid_to` null = still.
#}

with

accounts as (

    select * from {{ ref('stg_salesforce__accounts') }}

),

account_history as (

    select * from {{ ref('stg_salesforce__account_history') }}

),

tier_changes as (

    select
        account_id,
        account_history_id,
        changed_at,
        old_value,
        new_value,
        row_number() over (partition by account_id order by changed_at, account_history_id) as change_sequence,
        lead(changed_at) over (partition by account_id order by changed_at, account_history_id) as next_changed_at

    from account_history
    where field_name = '{{ salesforce_field('salesforce_tier_field') }}'

),

before_first_change as (

    select
        account_id,
        0 as interval_sequence,
        coalesce(old_value, 'Unknown') as customer_tier,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        changed_at as valid_to

    from tier_changes
    where change_sequence = 1

),

after_each_change as (

    select
        account_id,
        change_sequence as interval_sequence,
        coalesce(new_value, 'Unknown') as customer_tier,
        changed_at as valid_from,
        next_changed_at as valid_to

    from tier_changes

),

accounts_without_history as (

    select
        accounts.account_id,
        0 as interval_sequence,
        accounts.customer_tier,
        cast(null as {{ dbt.type_timestamp() }}) as valid_from,
        cast(null as {{ dbt.type_timestamp() }}) as valid_to

    from accounts
    where not exists (
        select 1 from tier_changes where tier_changes.account_id = accounts.account_id
    )

),

unioned as (

    select * from before_first_change
    union all
    select * from after_each_change
    union all
    select * from accounts_without_history

)

select * from unioned
