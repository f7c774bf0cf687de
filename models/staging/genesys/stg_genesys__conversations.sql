{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
    )
}}

{#-
    Materialised as an incremental table, an exception to staging views: conversations are
    by far the largest raw table, so their JSON is flattened once per extraction (rows of
    loads newer than the latest `extracted_at` here) instead of on every read.
-#}

with

source as (

    select * from {{ source_or_empty('genesys', 'conversations', {
        'payload': 'varchar',
        '_extracted_at': 'timestamp with time zone',
    }) }}
    {% if is_incremental() %}
    where {{ extracted_after_latest() }}
    {% endif %}

),

conversation_fields as (

    {{ json_text_fields('source', 'payload', ['payload', '_extracted_at'], {
        'conversation_id': '$.conversationId',
        'conversation_start_text': '$.conversationStart',
        'conversation_end_text': '$.conversationEnd',
        'originating_direction': '$.originatingDirection',
        'conversation_initiator': '$.conversationInitiator',
        'division_id': '$.divisionIds[0]',
        'external_tag': '$.externalTag',
        'min_mos_text': '$.mediaStatsMinConversationMos',
    }) }}

),

renamed as (

    select
        conversation_id,
        {{ parse_utc_timestamp('conversation_start_text') }} as conversation_started_at,
        {{ parse_utc_timestamp('conversation_end_text') }} as conversation_ended_at,
        originating_direction,
        conversation_initiator,
        division_id,
        {{ json_string_array_joined('payload', '$.divisionIds') }} as division_ids,
        external_tag,
        cast(min_mos_text as double precision) as min_mos,
        {{ to_utc_timestamp('_extracted_at') }} as extracted_at

    from conversation_fields

),

final as (

    select
        *,
        conversation_ended_at is null as is_in_flight

    from renamed

)

select * from final
