{#
    One aggregate over the elements of a nested array (a session's segments or metrics), written
    once for the two shapes the same elements come in:
    - flattened rows grouped by their parent (`elements` none): `element` is the alias of the
      flattened relation in the query, so `element.column` names one of its columns;
    - a list of structs on the parent row itself (`elements`: the list expression; DuckDB list
      functions, `duckdb__nested_aggregate`): `element` is the lambda's parameter, so the same
      `element.field` text names a field of the struct, and no flattening, grouping or join
      back to the parent is needed.
    `aggregate` is (function, value, where): function count (value unused), min, max or sum,
    over the elements where `where` holds (none: all); or ('last', value, where, orders): the
    value of the element whose `orders` (expressions, compared in turn) are greatest.
    Over no element: count 0 (null when the parent has no array at all), the others null.
#}
{% macro nested_aggregate(aggregate, element, elements=none) -%}
    {%- if aggregate[0] not in ('count', 'min', 'max', 'sum', 'last') -%}
        {{ exceptions.raise_compiler_error("nested_aggregate: unknown function '" ~ aggregate[0] ~ "'") }}
    {%- endif -%}
    {{ return(adapter.dispatch('nested_aggregate', 'cxlake')(aggregate, element, elements)) }}
{%- endmacro %}

{% macro default__nested_aggregate(aggregate, element, elements) -%}
    {%- if elements is not none -%}
        {{ exceptions.raise_compiler_error("nested_aggregate over lists is DuckDB's (see aggregates_nested_lists)") }}
    {%- endif -%}
    {{ cxlake._nested_aggregate_over_rows(aggregate) }}
{%- endmacro %}

{% macro duckdb__nested_aggregate(aggregate, element, elements) -%}
    {%- if elements is none -%}
        {{ cxlake._nested_aggregate_over_rows(aggregate) }}
    {%- else -%}
        {%- set value, where = aggregate[1], aggregate[2] -%}
        {%- set matching = ('list_filter(' ~ elements ~ ', lambda ' ~ element ~ ': ' ~ where ~ ')') if where else elements -%}
        {%- if aggregate[0] == 'count' -%}
            len({{ matching }})
        {%- elif aggregate[0] == 'last' -%}
            {#- structs sort field by field: the orders first, the value last -#}
            list_sort(list_transform({{ matching }}, lambda {{ element }}: {
                {%- for order in aggregate[3] %}'order_{{ loop.index }}': {{ order }}, {% endfor -%}
                'value': {{ value }}}))[-1].value
        {%- else -%}
            list_{{ aggregate[0] }}(list_transform({{ matching }}, lambda {{ element }}: {{ value }}))
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro _nested_aggregate_over_rows(aggregate) -%}
    {%- set function, value, where = aggregate[0], aggregate[1], aggregate[2] -%}
    {%- if function == 'count' -%}
        count({% if where %}case when {{ where }} then 1 end{% else %}*{% endif %})
    {%- elif function == 'last' -%}
        {{ cxlake.value_at_max(value, aggregate[3], where=where) }}
    {%- else -%}
        {{ function }}({% if where %}case when {{ where }} then {{ value }} end{% else %}{{ value }}{% endif %})
    {%- endif -%}
{%- endmacro %}


{#- `nested_aggregate` of each entry of `aggregates` (alias -> aggregate), as select-list columns. -#}
{% macro nested_aggregate_columns(aggregates, element, elements=none) -%}
    {%- for alias, aggregate in aggregates.items() -%}
        {{ cxlake.nested_aggregate(aggregate, element, elements) }} as {{ alias }}{{ ',\n        ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#
    Whether a model aggregates nested arrays in place (`nested_aggregate` over lists) rather than
    over their flattened rows: on DuckDB, unless var `nested_list_aggregates` is false. Unit
    tests give flattened rows, so they take the row form.
#}
{% macro aggregates_nested_lists() -%}
    {{ return(target.type == 'duckdb' and model.resource_type != 'unit_test' and var('nested_list_aggregates', true)) }}
{%- endmacro %}


{#
    A session's segments and metrics (`document_column`: the session's typed document) as lists
    of structs holding the fields of the segment and metric views that `int_conversation_legs`
    aggregates, parsed as those views parse them: `segment_list`, `metric_list`. DuckDB only.
#}
{% macro conversation_session_lists(document_column) -%}
    {{ return(adapter.dispatch('conversation_session_lists', 'cxlake')(document_column)) }}
{%- endmacro %}

{% macro default__conversation_session_lists(document_column) -%}
    {{ exceptions.raise_compiler_error("conversation_session_lists is DuckDB's (see aggregates_nested_lists)") }}
{%- endmacro %}

{% macro duckdb__conversation_session_lists(document_column) -%}
    list_transform({{ document_value(document_column, '$.segments') }}, lambda segment, segment_index: {
            'segment_index': segment_index,
            'segment_type': {{ document_value('segment', '$.segmentType') }},
            'segment_started_at': {{ parse_utc_timestamp(document_value('segment', '$.segmentStart')) }},
            'segment_ended_at': {{ parse_utc_timestamp(document_value('segment', '$.segmentEnd')) }},
            'queue_id': {{ document_value('segment', '$.queueId') }},
            'disconnect_type': {{ document_value('segment', '$.disconnectType') }},
            'wrap_up_code': {{ document_value('segment', '$.wrapUpCode') }},
            'error_code': {{ document_value('segment', '$.errorCode') }},
            'wrap_up_note': {{ document_value('segment', '$.wrapUpNote') }}
        }) as segment_list,
        list_transform({{ document_value(document_column, '$.metrics') }}, lambda metric: {
            'metric_name': {{ document_value('metric', '$.name') }},
            'metric_value': cast({{ document_value('metric', '$.value') }} as {{ dbt.type_bigint() }}),
            'emitted_at': {{ parse_utc_timestamp(document_value('metric', '$.emitDate')) }}
        }) as metric_list
{%- endmacro %}
