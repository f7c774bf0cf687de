{{
    config(
        materialized=cxlake.incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
        meta={'tests_new_rows_column': 'extracted_at'},
    )
}}

{#-
    Incremental table built on the sessions of `base_genesys__conversation_document_sessions`
    (new extractions only): one row per metric of a session.
-#}

with

conversation_document_sessions as (

    select * from {{ ref('base_genesys__conversation_document_sessions') }}
    {% if is_incremental() %}
    where {{ extracted_at_after_latest() }}
    {% endif %}

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
