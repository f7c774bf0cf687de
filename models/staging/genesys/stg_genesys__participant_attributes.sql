{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
    )
}}

{#-
    Incremental table built on `stg_genesys__conversation_participants` (new extractions only).
-#}

with

conversation_participants as (

    select * from {{ ref('stg_genesys__conversation_participants') }}
    {% if is_incremental() %}
    where extracted_at > (
        select coalesce(max(extracted_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
    {% endif %}

),

attributes as (

    {{ json_object_entries('conversation_participants', 'attributes_json', '$', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose']) }}

)

select * from attributes
