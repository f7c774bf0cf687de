"""The SOQL subset the simulator understands.

``SELECT <fields, incl. Relationship.Field> FROM <Object> [WHERE <condition>]
[ORDER BY <field> [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]``

Conditions combine ``AND``, ``OR``, ``NOT`` and parentheses over comparisons
(``= != <> < <= > >=``), ``[NOT] IN (...)`` and ``LIKE``. Literals: quoted strings,
numbers, ``true``/``false``/``null``, unquoted datetimes
(``2026-10-01T00:00:00Z``, ``...000+0000``) and dates (``2026-10-01``). Errors
raise :class:`SoqlError` with the Salesforce ``errorCode``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]
Predicate = Callable[[Record], bool]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op><=|>=|!=|<>|=|<|>)
    | (?P<punct>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "like",
    "order",
    "by",
    "asc",
    "desc",
    "limit",
    "offset",
    "nulls",
    "first",
    "last",
    "true",
    "false",
    "null",
}


class SoqlError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


@dataclass(frozen=True)
class Literal:
    value: Any
    kind: str  # string | number | bool | null | datetime | date


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Predicate | None
    order_by: list[tuple[str, bool, bool]]  # (field, descending, nulls_last)
    limit: int | None
    offset: int


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    stripped = text.rstrip()
    while position < len(stripped):
        found = _TOKEN.match(stripped, position)
        if not found or found.end() == position:
            raise SoqlError(
                "MALFORMED_QUERY", f"unexpected token at position {position}: {stripped[position:][:20]!r}"
            )
        kind = found.lastgroup or ""
        tokens.append(Token(kind, found.group(kind)))
        position = found.end()
    return tokens


def _datetime_value(text: str) -> float:
    value = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", value):
        value = value[:-2] + ":" + value[-2:]
    return datetime.fromisoformat(value).astimezone(UTC).timestamp()


def field_time(value: Any) -> float | None:
    """A record's datetime/date value as epoch seconds (None when absent or unparseable)."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) == 10:
            return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()
        return _datetime_value(value)
    except ValueError:
        return None


class _Parser:
    def __init__(self, text: str, resolve: Callable[[str], str]) -> None:
        self.tokens = tokenize(text)
        self.position = 0
        self.resolve = resolve

    def peek(self, offset: int = 0) -> Token | None:
        index = self.position + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.peek()
        if token is None:
            raise SoqlError("MALFORMED_QUERY", "unexpected end of query")
        self.position += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "word" and token.text.lower() == word:
            self.position += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            token = self.peek()
            found = token.text if token else "end of query"
            raise SoqlError("MALFORMED_QUERY", f"expecting '{word.upper()}', found '{found}'")

    def expect(self, text: str) -> None:
        token = self.next()
        if token.text != text:
            raise SoqlError("MALFORMED_QUERY", f"expecting '{text}', found '{token.text}'")

    def field_name(self) -> str:
        token = self.next()
        if token.kind != "word" or token.text.lower() in KEYWORDS:
            raise SoqlError("MALFORMED_QUERY", f"expecting a field name, found '{token.text}'")
        return self.resolve(token.text)

    def literal(self) -> Literal:
        token = self.next()
        if token.kind == "string":
            return Literal(re.sub(r"\\(.)", r"\1", token.text[1:-1]), "string")
        if token.kind == "number":
            return Literal(float(token.text), "number")
        if token.kind == "datetime":
            return Literal(_datetime_value(token.text), "datetime")
        if token.kind == "date":
            return Literal(token.text, "date")
        lowered = token.text.lower()
        if lowered in ("true", "false"):
            return Literal(lowered == "true", "bool")
        if lowered == "null":
            return Literal(None, "null")
        raise SoqlError("MALFORMED_QUERY", f"expecting a literal value, found '{token.text}'")

    def condition(self) -> Predicate:
        left = self.conjunction()
        while self.keyword("or"):
            right = self.conjunction()
            left = (lambda a, b: lambda record: a(record) or b(record))(left, right)
        return left

    def conjunction(self) -> Predicate:
        left = self.factor()
        while self.keyword("and"):
            right = self.factor()
            left = (lambda a, b: lambda record: a(record) and b(record))(left, right)
        return left

    def factor(self) -> Predicate:
        if self.keyword("not"):
            inner = self.factor()
            return lambda record: not inner(record)
        token = self.peek()
        if token is not None and token.text == "(":
            self.next()
            inner = self.condition()
            self.expect(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        field = self.field_name()
        negate = self.keyword("not")
        if self.keyword("in"):
            self.expect("(")
            values = [self.literal()]
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.next()
                values.append(self.literal())
            self.expect(")")
            return lambda record: any(_compare(get(record, field), "=", v) for v in values) != negate
        if negate:
            raise SoqlError("MALFORMED_QUERY", "NOT must be followed by IN here")
        if self.keyword("like"):
            pattern = self.literal()
            if pattern.kind != "string":
                raise SoqlError("MALFORMED_QUERY", "LIKE needs a quoted string")
            regex = re.compile(
                "^" + re.escape(pattern.value).replace("%", ".*").replace("_", ".") + "$", re.IGNORECASE
            )
            return lambda record: isinstance(v := get(record, field), str) and bool(regex.match(v))
        operator = self.next()
        if operator.kind != "op":
            raise SoqlError(
                "MALFORMED_QUERY", f"expecting an operator after {field}, found '{operator.text}'"
            )
        value = self.literal()
        return lambda record: _compare(get(record, field), operator.text, value)

    def parse(self) -> Query:
        self.expect_keyword("select")
        fields = [self.field_name()]
        while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
            self.next()
            fields.append(self.field_name())
        self.expect_keyword("from")
        token = self.next()
        if token.kind != "word":
            raise SoqlError("MALFORMED_QUERY", f"expecting an object name, found '{token.text}'")
        sobject = token.text
        where = self.condition() if self.keyword("where") else None
        order_by: list[tuple[str, bool, bool]] = []
        if self.keyword("order"):
            self.expect_keyword("by")
            order_by.append(self.order_item())
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.next()
                order_by.append(self.order_item())
        limit = self.count("limit")
        offset = self.count("offset") or 0
        if self.peek() is not None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token '{self.peek().text}'")  # type: ignore[union-attr]
        return Query(fields, sobject, where, order_by, limit, offset)

    def order_item(self) -> tuple[str, bool, bool]:
        field = self.field_name()
        descending = self.keyword("desc")
        if not descending:
            self.keyword("asc")
        nulls_last = descending
        if self.keyword("nulls"):
            if self.keyword("last"):
                nulls_last = True
            else:
                self.expect_keyword("first")
                nulls_last = False
        return field, descending, nulls_last

    def count(self, word: str) -> int | None:
        if not self.keyword(word):
            return None
        token = self.next()
        if token.kind != "number" or not token.text.isdigit():
            raise SoqlError("MALFORMED_QUERY", f"{word.upper()} needs a non-negative integer")
        return int(token.text)


def get(record: Record, field: str) -> Any:
    """Value of a (possibly dotted relationship) field."""
    value: Any = record
    for part in field.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _compare(actual: Any, operator: str, literal: Literal) -> bool:
    if literal.kind == "null":
        equal = actual is None
        return equal if operator == "=" else (not equal if operator in ("!=", "<>") else False)
    if actual is None:
        return operator in ("!=", "<>")
    left: Any = actual
    right: Any = literal.value
    if literal.kind in ("datetime", "date"):
        left = field_time(actual)
        right = field_time(literal.value) if literal.kind == "date" else literal.value
        if left is None:
            return False
    elif literal.kind == "string" and isinstance(actual, str):
        left, right = actual.lower(), right.lower()
    elif literal.kind == "number" and not isinstance(actual, (int, float)):
        return False
    if operator == "=":
        return bool(left == right)
    if operator in ("!=", "<>"):
        return bool(left != right)
    try:
        return bool(
            {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[operator]
        )
    except TypeError:
        return False


def parse(text: str, resolve: Callable[[str], str]) -> Query:
    """Parse ``text``; ``resolve`` maps a field as written to its canonical name (or raises)."""
    return _Parser(text, resolve).parse()


def run(query: Query, records: list[Record]) -> list[Record]:
    """Filter, order and cut ``records`` (not projected)."""
    chosen = [record for record in records if query.where is None or query.where(record)]
    for field, descending, nulls_last in reversed(query.order_by):
        present = [record for record in chosen if get(record, field) is not None]
        missing = [record for record in chosen if get(record, field) is None]
        present.sort(key=lambda record: _sort_key(get(record, field)), reverse=descending)
        chosen = present + missing if nulls_last else missing + present
    chosen = chosen[query.offset :]
    return chosen if query.limit is None else chosen[: query.limit]


def _sort_key(value: Any) -> Any:
    if isinstance(value, str):
        moment = field_time(value) if len(value) >= 10 and value[4:5] == "-" else None
        return (1, moment) if moment is not None else (2, value.lower())
    if isinstance(value, bool):
        return (0, int(value))
    return (0, value)


def sobject_of(text: str) -> str:
    """The object named after the first FROM (needed to resolve field names)."""
    tokens = tokenize(text)
    for index, token in enumerate(tokens[:-1]):
        if token.kind == "word" and token.text.lower() == "from" and tokens[index + 1].kind == "word":
            return tokens[index + 1].text
    raise SoqlError("MALFORMED_QUERY", "expecting 'FROM <object>'")
