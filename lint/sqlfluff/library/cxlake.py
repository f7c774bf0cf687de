"""Stand-ins for the cxlake macros models call through the project namespace
(``{{ cxlake.type_double() }}``...) when sqlfluff's jinja templater renders them for
``make lint``: each returns SQL (or a config value) of the same shape as the DuckDB one."""


def type_double() -> str:
    return "double"


def incremental_materialization() -> str:
    return "incremental"
