{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
        meta={'tests_new_rows_column': 'extracted_at'},
    )
}}

{#-
    Materialised as an incremental table, an exception to staging views: conversations are
    by far the largest raw table. Built from the typed documents of
    `base_genesys__conversation_documents` (new extractions only), so no JSON is parsed here.
-#}

with

conversation_documents as (

    select * from {{ ref('base_genesys__conversation_documents') }}
    {% if is_incremental() %}
    where {{ extracted_at_after_latest() }}
    {% endif %}

),

conversation_fields as (

    {{ document_fields('conversation_documents', 'conversation_document', ['conversation_id', 'conversation_started_at', 'extracted_at', 'conversation_document'], {
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
        conversation_started_at,
        {{ parse_utc_timestamp('conversation_end_text') }} as conversation_ended_at,
        originating_direction,
        conversation_initiator,
        division_id,
        {{ document_text_array_joined('conversation_document', '$.divisionIds') }} as division_ids,
        external_tag,
        cast(min_mos_text as {{ cxlake.type_double() }}) as min_mos,
        extracted_at

    from conversation_fields

),

final as (

    select
        *,
        conversation_ended_at is null as is_in_flight

    from renamed

)

select * from final
