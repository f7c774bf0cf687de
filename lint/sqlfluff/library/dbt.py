"""Stand-ins for dbt's cross-database macros (``{{ dbt.type_string() }}``...) when sqlfluff's
jinja templater renders cxlake's SQL for ``make lint``: each returns SQL of the same shape."""


def type_string() -> str:
    return "varchar"


def type_bigint() -> str:
    return "bigint"


def type_timestamp() -> str:
    return "timestamp"


def type_boolean() -> str:
    return "boolean"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"({from_date_or_timestamp} + interval '{interval} {datepart}')"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def concat(fields: list[str]) -> str:
    return " || ".join(fields)


def hash(field: str) -> str:  # noqa: A001 - dbt's name
    return f"md5({field})"


def listagg(
    measure: str,
    delimiter_text: str = "','",
    order_by_clause: str | None = None,
    limit_num: int | None = None,
) -> str:
    return f"string_agg({measure}, {delimiter_text})"


def split_part(string_text: str, delimiter_text: str, part_number: int) -> str:
    return f"split_part({string_text}, {delimiter_text}, {part_number})"
