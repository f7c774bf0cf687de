{#
    Time handling. Every `_at` column in cxlake is a UTC timestamp without time zone, so
    dates and interval buckets never depend on the session time zone.
#}

{#- ISO-8601 text (Genesys `...000Z` or SOQL `...000+0000`) -> UTC timestamp. -#}
{% macro parse_utc_timestamp(text_expression) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'cxlake')(text_expression)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(text_expression) -%}
    cast(cast({{ text_expression }} as timestamp with time zone) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(text_expression) -%}
    cast(timezone('UTC', cast({{ text_expression }} as timestamptz)) as timestamp)
{%- endmacro %}


{#- A timestamptz column (raw cursor / load metadata) -> UTC timestamp. -#}
{% macro to_utc_timestamp(column) -%}
    {{ return(adapter.dispatch('to_utc_timestamp', 'cxlake')(column)) }}
{%- endmacro %}

{% macro default__to_utc_timestamp(column) -%}
    cast({{ column }} at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__to_utc_timestamp(column) -%}
    cast(timezone('UTC', cast({{ column }} as timestamptz)) as timestamp)
{%- endmacro %}


{#- Epoch milliseconds -> UTC timestamp. -#}
{% macro epoch_ms_to_timestamp(ms_expression) -%}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'cxlake')(ms_expression)) }}
{%- endmacro %}

{% macro default__epoch_ms_to_timestamp(ms_expression) -%}
    cast(to_timestamp(cast({{ ms_expression }} as double precision) / 1000.0) at time zone 'UTC' as timestamp)
{%- endmacro %}

{% macro duckdb__epoch_ms_to_timestamp(ms_expression) -%}
    cast(epoch_ms(cast({{ ms_expression }} as bigint)) as timestamp)
{%- endmacro %}


{#- UTC timestamp -> wall-clock timestamp in IANA zone `time_zone_expression`. -#}
{% macro utc_to_local(timestamp_expression, time_zone_expression) -%}
    {{ return(adapter.dispatch('utc_to_local', 'cxlake')(timestamp_expression, time_zone_expression)) }}
{%- endmacro %}

{% macro default__utc_to_local(timestamp_expression, time_zone_expression) -%}
    cast(({{ timestamp_expression }} at time zone 'UTC') at time zone {{ time_zone_expression }} as timestamp)
{%- endmacro %}

{% macro duckdb__utc_to_local(timestamp_expression, time_zone_expression) -%}
    cast(timezone({{ time_zone_expression }}, timezone('UTC', {{ timestamp_expression }})) as timestamp)
{%- endmacro %}


{#- Start of the `minutes`-wide bucket holding a UTC timestamp (buckets aligned on the epoch). -#}
{% macro time_bucket_start(timestamp_expression, minutes) -%}
    {{ return(adapter.dispatch('time_bucket_start', 'cxlake')(timestamp_expression, minutes)) }}
{%- endmacro %}

{% macro default__time_bucket_start(timestamp_expression, minutes) -%}
    (
        {{ dbt.date_trunc('hour', timestamp_expression) }}
        + cast(floor(extract(minute from {{ timestamp_expression }}) / {{ minutes }}) * {{ minutes }} as integer) * interval '1 minute'
    )
{%- endmacro %}

{% macro duckdb__time_bucket_start(timestamp_expression, minutes) -%}
    cast(time_bucket(interval '{{ minutes }} minutes', {{ timestamp_expression }}) as timestamp)
{%- endmacro %}


{#- Milliseconds between two timestamps. -#}
{% macro milliseconds_between(start_expression, end_expression) -%}
    {{ return(adapter.dispatch('milliseconds_between', 'cxlake')(start_expression, end_expression)) }}
{%- endmacro %}

{% macro default__milliseconds_between(start_expression, end_expression) -%}
    cast(extract(epoch from ({{ end_expression }} - {{ start_expression }})) * 1000 as {{ dbt.type_bigint() }})
{%- endmacro %}

{% macro duckdb__milliseconds_between(start_expression, end_expression) -%}
    date_diff('millisecond', {{ start_expression }}, {{ end_expression }})
{%- endmacro %}


{#
    Spark variants (the session time zone is UTC, see profiles.yml): a Spark TIMESTAMP is
    shown in the session time zone, so UTC wall-clock times are plain casts.
#}

{% macro spark__parse_utc_timestamp(text_expression) -%}
    coalesce(
        cast({{ text_expression }} as timestamp),
        to_timestamp({{ text_expression }}, "yyyy-MM-dd'T'HH:mm:ss.SSSZ")
    )
{%- endmacro %}

{% macro spark__to_utc_timestamp(column) -%}
    cast({{ column }} as timestamp)
{%- endmacro %}

{% macro spark__epoch_ms_to_timestamp(ms_expression) -%}
    timestamp_millis(cast({{ ms_expression }} as bigint))
{%- endmacro %}

{% macro spark__utc_to_local(timestamp_expression, time_zone_expression) -%}
    from_utc_timestamp({{ timestamp_expression }}, {{ time_zone_expression }})
{%- endmacro %}

{% macro spark__time_bucket_start(timestamp_expression, minutes) -%}
    timestamp_seconds(cast(floor(unix_seconds({{ timestamp_expression }}) / {{ minutes * 60 }}) * {{ minutes * 60 }} as bigint))
{%- endmacro %}

{% macro spark__milliseconds_between(start_expression, end_expression) -%}
    (unix_millis({{ end_expression }}) - unix_millis({{ start_expression }}))
{%- endmacro %}
