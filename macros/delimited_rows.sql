{#
    One row per piece of the text column `text_column` of `from_relation` split on
    `delimiter`, keeping `carry_columns`; empty pieces and null texts produce nothing.
    Adds `element_alias` (the piece).
#}
{% macro delimited_rows(from_relation, text_column, delimiter, carry_columns, element_alias='element') -%}
    {{ return(adapter.dispatch('delimited_rows', 'cxlake')(from_relation, text_column, delimiter, carry_columns, element_alias)) }}
{%- endmacro %}

{% macro default__delimited_rows(from_relation, text_column, delimiter, carry_columns, element_alias) -%}
    select * from (
        select
            {%- for column in carry_columns %}
            parent.{{ column }},
            {%- endfor %}
            pieces.piece as {{ element_alias }}
        from {{ from_relation }} as parent
        cross join lateral regexp_split_to_table(parent.{{ text_column }}, '{{ delimiter }}') as pieces (piece)
    ) as split_rows
    where {{ element_alias }} <> ''
{%- endmacro %}

{% macro duckdb__delimited_rows(from_relation, text_column, delimiter, carry_columns, element_alias) -%}
    select * from (
        select
            {%- for column in carry_columns %}
            {{ column }},
            {%- endfor %}
            unnest(string_split({{ text_column }}, '{{ delimiter }}')) as {{ element_alias }}
        from {{ from_relation }}
        where {{ text_column }} is not null
    ) as split_rows
    where {{ element_alias }} <> ''
{%- endmacro %}


{#- Spark: `split` takes a regular expression: the (one-character) delimiter is matched literally as a class. -#}
{% macro spark__delimited_rows(from_relation, text_column, delimiter, carry_columns, element_alias) -%}
    select * from (
        select
            {%- for column in carry_columns %}
            parent.{{ column }},
            {%- endfor %}
            pieces.cx_piece as {{ element_alias }}
        from {{ from_relation }} as parent
        lateral view explode(split(parent.{{ text_column }}, '[{{ delimiter }}]')) pieces as cx_piece
    ) as split_rows
    where {{ element_alias }} <> ''
{%- endmacro %}
