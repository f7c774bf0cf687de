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
    metric of a session. Its one reader, `int_conversation_legs` on engines other than DuckDB (there the
    legs aggregate the lists of `session_document` in place), filters it to the conversations
    it refreshes, and that filter reaches the stored documents.
-#}

with

conversation_document_sessions as (

    select * from {{ ref('base_genesys__conversation_document_sessions') }}

),

metrics as (

    {{ document_array_rows('conversation_document_sessions', 'session', '$.metrics',
        ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id'], 'metric', 'metric_index') }}

),

metric_fields as (

    {{ document_fields('metrics', 'metric', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id', 'metric_index'], {
        'metric_name': '$.name',
        'metric_value_text': '$.value',
        'emit_date_text': '$.emitDate',
    }) }}

),

final as (

    select
        conversation_id,
        conversation_started_at,
        extracted_at,
        participant_id,
        session_id,
        metric_index,
        purpose,
        user_id,
        metric_name,
        cast(metric_value_text as {{ dbt.type_bigint() }}) as metric_value,
        {{ parse_utc_timestamp('emit_date_text') }} as emitted_at

    from metric_fields

)

select * from final
