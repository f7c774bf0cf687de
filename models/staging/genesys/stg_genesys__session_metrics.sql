{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='conversation_id',
    )
}}

{#-
    Incremental table built on `stg_genesys__conversation_sessions` (new extractions only).
-#}

with

conversation_sessions as (

    select * from {{ ref('stg_genesys__conversation_sessions') }}
    {% if is_incremental() %}
    where extracted_at > (
        select coalesce(max(extracted_at), cast('1900-01-01' as {{ dbt.type_timestamp() }}))
        from {{ this }}
    )
    {% endif %}

),

metrics as (

    {{ json_array_rows('conversation_sessions', 'metrics_json', '$', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id'], 'metric', 'metric_index') }}

),

metric_fields as (

    {{ json_text_fields('metrics', 'metric', ['conversation_id', 'conversation_started_at', 'extracted_at', 'participant_id', 'purpose', 'user_id', 'session_id', 'metric_index'], {
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
