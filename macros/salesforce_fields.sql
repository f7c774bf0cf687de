{#
    The Salesforce Account field that holds a configurable value (the customer tier, the
    lifetime value): dbt var `var_name` (`cxlake build` passes the ingestion setting), checked
    to be a field API name (letters, digits, underscores; a relationship path such as
    `Tier__r.Name` is allowed) so it can only ever name a JSON path, never inject SQL.
#}
{% macro salesforce_field(var_name) -%}
    {%- set field = var(var_name) | string | trim -%}
    {%- if not modules.re.match('^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)?$', field) -%}
        {{ exceptions.raise_compiler_error("var " ~ var_name ~ " must be a Salesforce field API name, got '" ~ field ~ "'") }}
    {%- endif -%}
    {{- return(field) -}}
{%- endmacro %}
