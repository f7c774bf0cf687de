{{
    config(
        materialized='view',
        meta={
            'tests_new_rows_column': 'extracted_at',
            'tests_new_rows_watermark_of': 'base_genesys__conversation_documents',
        },
    )
}}

{#-
    View on the sessions of `base_genesys__conversation_document_sessions`: one row per
    segment of a session. Its one reader, `int_conversation_legs` on engines other than DuckDB (there the
    legs aggregate the lists of `session_document` in place), filters it to the conversations
    it refreshes, and that filter reaches the stored documents.
-#}

with

conversation_document_sessions as (

    select * from {{ ref('base_genesys__conversation_document_sessions') }}

),

segments as (

    {{ document_array_rows('conversation_document_sessions', 'session', '$.segments',
        ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id', 'media_type'], 'segment', 'segment_index') }}

),

segment_fields as (

    {{ document_fields('segments', 'segment',
        ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id', 'media_type', 'segment_index',
        document_text_array_joined('segment', '$.sipResponseCodes') ~ ' as sip_response_codes'], {
        'segment_type': '$.segmentType',
        'segment_start_text': '$.segmentStart',
        'segment_end_text': '$.segmentEnd',
        'queue_id': '$.queueId',
        'disconnect_type': '$.disconnectType',
        'wrap_up_code': '$.wrapUpCode',
        'conference_text': '$.conference',
        'error_code': '$.errorCode',
        'wrap_up_note': '$.wrapUpNote',
        'segment_properties': '$.properties',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        participant_id,
        session_id,
        segment_index,
        purpose,
        user_id,
        media_type,
        segment_type,
        {{ parse_utc_timestamp('segment_start_text') }} as segment_started_at,
        {{ parse_utc_timestamp('segment_end_text') }} as segment_ended_at,
        queue_id,
        disconnect_type,
        wrap_up_code,
        coalesce(cast(conference_text as {{ dbt.type_boolean() }}), false) as is_conference,
        error_code,
        nullif(sip_response_codes, '') as sip_response_codes,
        wrap_up_note,
        cast(segment_properties as {{ dbt.type_string() }}) as segment_properties

    from segment_fields

)

select * from final
