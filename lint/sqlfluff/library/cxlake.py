"""Stand-ins for the cxlake macros models call through the project namespace
(``{{ cxlake.type_double() }}``...) when sqlfluff's jinja templater renders them for
``make lint``: each returns SQL (or a config value) of the same shape as the DuckDB one."""


def type_double() -> str:
    return "double"


def incremental_materialization() -> str:
    return "incremental"


def _value_at(extreme: str, value: str, order: list[str], where: str | None = None) -> str:
    filtered = f" filter (where {where})" if where else ""
    return f"arg_{extreme}_null({value}, row({', '.join(order)})){filtered}"


def value_at_max(value: str, order: list[str], where: str | None = None) -> str:
    return _value_at("max", value, order, where)


def value_at_min(value: str, order: list[str], where: str | None = None) -> str:
    return _value_at("min", value, order, where)


def first_load_window(bound: str) -> str:
    return f"(select window_{bound}_at from first_load_window)"


def in_first_load_window(column: str) -> str:
    return f"{column} >= {first_load_window('start')} and {column} < {first_load_window('end')}"


def conversations_to_read() -> dict[str, str]:
    return {"window": in_first_load_window("conversation_started_at")}


def read_conversations(relation: str, to_read: dict[str, str]) -> str:
    return f"select * from {relation} where {to_read['window']}"


def carry_forward(relation: str, partition_by: str, order_by: str, carried: list[list[str]]) -> str:
    frame = "rows between unbounded preceding and current row"
    window = f"partition by {partition_by} order by {order_by} {frame}"
    values = ",\n".join(
        f"last_value({value} ignore nulls) over ({window}) as {output}" for value, output in carried
    )
    return f"select *, {values} from {relation}"


def aggregates_nested_lists() -> bool:
    return True


def _nested_aggregate(aggregate: tuple, elements: str | None) -> str:
    function, value, where = aggregate[0], aggregate[1], aggregate[2]
    if elements is not None:  # DuckDB's list form: only its shape matters here
        return f"{function}_of_list({elements})"
    if function == "count":
        return f"count(case when {where} then 1 end)" if where else "count(*)"
    if function == "last":
        return value_at_max(value, list(aggregate[3]), where)
    return f"{function}(case when {where} then {value} end)" if where else f"{function}({value})"


def nested_aggregate_columns(aggregates: dict, element: str, elements: str | None = None) -> str:
    columns = (f"{_nested_aggregate(spec, elements)} as {alias}" for alias, spec in aggregates.items())
    return ",\n        ".join(columns)


def conversation_session_lists(document_column: str) -> str:
    return f"{document_column}.segments as segment_list,\n        {document_column}.metrics as metric_list"
