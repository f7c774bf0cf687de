{#
    Stand-ins for cxlake's macros when sqlfluff's jinja templater renders a model, snapshot,
    analysis or generic test (`make lint`). The real macros (macros/) dispatch to adapter
    variants through dbt, which the linter does not run; each stand-in renders SQL of the
    same shape as the real one (an expression, a condition, a relation or one select) so
    the SQL written in the model itself is what gets linted. A macro added to macros/ and
    called from a model needs its stand-in here.
#}

{#- expressions: the value they read or convert -#}
{% macro json_text(json_column, path) %}{{ json_column }}{% endmacro %}
{% macro json_object(json_column, path) %}{{ json_column }}{% endmacro %}
{% macro json_number(json_column, path) %}{{ json_column }}{% endmacro %}
{% macro json_integer(json_column, path) %}{{ json_column }}{% endmacro %}
{% macro json_boolean(json_column, path) %}{{ json_column }}{% endmacro %}
{% macro json_array_length(json_column, path) %}{{ json_column }}{% endmacro %}
{% macro json_string_array_joined(json_column, path) %}{{ json_column }}{% endmacro %}
{% macro json_document(json_column, structure) %}{{ json_column }}{% endmacro %}
{% macro document_value(document_column, path) %}{{ document_column }}{% endmacro %}
{% macro document_text_array_joined(document_column, path) %}{{ document_column }}{% endmacro %}
{% macro parse_utc_timestamp(text_expression) %}{{ text_expression }}{% endmacro %}
{% macro safe_parse_utc_timestamp(text_expression) %}{{ text_expression }}{% endmacro %}
{% macro to_utc_timestamp(column) %}{{ column }}{% endmacro %}
{% macro epoch_ms_to_timestamp(ms_expression) %}{{ ms_expression }}{% endmacro %}
{% macro utc_to_local(timestamp_expression, time_zone_expression) %}{{ timestamp_expression }}{% endmacro %}
{% macro time_bucket_start(timestamp_expression, minutes) %}{{ timestamp_expression }}{% endmacro %}
{% macro overlapped_bucket_starts(start_expression, end_expression, minutes) %}{{ start_expression }}{% endmacro %}
{% macro cast_text_or_null(text_expression, type_name) %}cast({{ text_expression }} as {{ type_name }}){% endmacro %}
{% macro milliseconds_between(start_expression, end_expression) %}({{ end_expression }} - {{ start_expression }}){% endmacro %}
{% macro safe_pct(numerator, denominator) %}({{ numerator }}) / ({{ denominator }}){% endmacro %}
{% macro safe_ratio(numerator, denominator) %}({{ numerator }}) / ({{ denominator }}){% endmacro %}
{% macro as_of_date(relation, date_column) %}(select max({{ date_column }}) from {{ relation }}){% endmacro %}
{% macro incremental_lookback_start(column) %}(select max({{ column }}) from {{ this }}){% endmacro %}
{% macro salesforce_field(var_name) %}{{ return(var_name) }}{% endmacro %}

{#- conditions -#}
{% macro extracted_after_latest(extracted_at_column='_extracted_at') %}{{ extracted_at_column }} > (select max(extracted_at) from {{ this }}){% endmacro %}
{% macro extracted_at_after_latest(extracted_at_expression='extracted_at') %}{{ extracted_at_expression }} > (select max(extracted_at) from {{ this }}){% endmacro %}
{% macro conversations_to_refresh(started_column, extracted_column, stored_started_column, stored_extracted_column) %}({{ started_column }} >= (select max({{ stored_started_column }}) from {{ this }}) or {{ extracted_column }} > (select max({{ stored_extracted_column }}) from {{ this }})){% endmacro %}

{#- relations -#}
{% macro source_or_empty(source_name, table_name, columns) %}{{ source(source_name, table_name) }}{% endmacro %}

{#- one select each -#}
{% macro document_array_rows(from_relation, document_column, array_path, carry_columns, element_alias='element', index_alias='element_index') %}select {% for column in carry_columns %}{{ column }}, {% endfor %}{{ document_column }} as {{ element_alias }}, 1 as {{ index_alias }} from {{ from_relation }}{% endmacro %}
{% macro json_array_rows(from_relation, json_column, array_path, carry_columns, element_alias='element', index_alias='element_index') %}select {% for column in carry_columns %}{{ column }}, {% endfor %}{{ json_column }} as {{ element_alias }}, 1 as {{ index_alias }} from {{ from_relation }}{% endmacro %}
{% macro document_fields(from_relation, document_column, carry_columns, fields) %}select {% for column in carry_columns %}{{ column }}, {% endfor %}{% for alias in fields %}{{ document_column }} as {{ alias }}{{ ", " if not loop.last }}{% endfor %} from {{ from_relation }}{% endmacro %}
{% macro json_object_entries(from_relation, json_column, object_path, carry_columns, key_alias='attribute_name', value_alias='attribute_value') %}select {% for column in carry_columns %}{{ column }}, {% endfor %}{{ json_column }} as {{ key_alias }}, {{ json_column }} as {{ value_alias }} from {{ from_relation }}{% endmacro %}
{% macro delimited_rows(from_relation, text_column, delimiter, carry_columns, element_alias='element') %}select {% for column in carry_columns %}{{ column }}, {% endfor %}{{ text_column }} as {{ element_alias }} from {{ from_relation }}{% endmacro %}
{% macro interval_spine(start_expression, end_expression, minutes) %}select {{ start_expression }} as interval_start_at{% endmacro %}

{#- dbt's var(): numbers wherever a model computes with one (sqlfluff's own stand-in renders a name) -#}
{% macro var(name, default=none) %}{{ return(15) }}{% endmacro %}
{% macro ordered_string_agg(value_expression, delimiter, order_expressions) %}string_agg({{ value_expression }}, '{{ delimiter }}' order by {{ order_expressions | join(', ') }}){% endmacro %}
{% macro portable_type(type_name) %}{{ type_name }}{% endmacro %}
