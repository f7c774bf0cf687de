"""Portable SQL: DuckDB-only syntax lives only inside ``duckdb__`` macros reached through ``adapter.dispatch``.

Models, snapshots and analyses must compile to SQL another adapter can run once its
``<adapter>__`` macro variants exist (Postgres, Spark); these tests read the project's SQL
files and fail on DuckDB dialect outside the dispatched macros.
"""

from __future__ import annotations

import re
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
DUCKDB_ONLY = {
    "cast shorthand ::": r"::",
    "json_extract*": r"\bjson_extract\w*\s*\(",
    "unnest": r"\bunnest\s*\(",
    "list functions": r"\blist_\w+\s*\(",
    "struct_pack": r"\bstruct_pack\s*\(",
    "epoch_ms": r"\bepoch_ms\s*\(",
    "strptime / strftime": r"\bstr[pf]time\s*\(",
    "qualify": r"\bqualify\b",
    "select * exclude / replace": r"\*\s*(exclude|replace)\s*\(",
    "read_json / read_parquet / read_csv": r"\bread_(json|ndjson|parquet|csv)\w*\s*\(",
    "arg_max / arg_min": r"\barg_(max|min)\s*\(",
    "generate_series / range": r"\b(generate_series|range)\s*\(",
    "date_diff / date_sub": r"\bdate_(diff|sub)\s*\(",
    "json arrow operators": r"->>?",
    "ilike": r"\bilike\b",
}
COMMENTS = re.compile(r"\{#.*?#\}|--[^\n]*", re.DOTALL)


def _sql_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (PROJECT / folder).rglob("*.sql"))


def _offences(text: str) -> list[str]:
    code = COMMENTS.sub("", text)
    return [name for name, pattern in DUCKDB_ONLY.items() if re.search(pattern, code, re.IGNORECASE)]


def test_models_snapshots_and_analyses_use_no_duckdb_only_syntax() -> None:
    files = _sql_files("models", "snapshots", "analyses")
    assert len(files) > 50
    found = {str(path.relative_to(PROJECT)): _offences(path.read_text(encoding="utf-8")) for path in files}
    assert {path: names for path, names in found.items() if names} == {}


def test_dialect_specific_macros_are_dispatched_variants() -> None:
    """Public macros hold no dialect syntax: it lives in ``<adapter>__`` / ``default__`` variants
    (the default targets PostgreSQL) or their private ``_helpers``."""
    block = re.compile(r"\{%-?\s*macro\s+(\w+)\s*\(.*?%\}(.*?)\{%-?\s*endmacro\s*-?%\}", re.DOTALL)
    offending: dict[str, list[str]] = {}
    dispatched: set[str] = set()
    for path in _sql_files("macros"):
        text = path.read_text(encoding="utf-8")
        dispatched |= set(re.findall(r"adapter\.dispatch\(\s*'(\w+)'", text))
        for name, body in block.findall(text):
            # a jinja loop's range() is not SQL
            names = _offences(re.sub(r"\{%-?\s*for\s.*?%\}", "", body))
            if names and "__" not in name and not name.startswith("_"):
                offending[f"{path.name}:{name}"] = names
    assert offending == {}
    duckdb_variants = {
        name.removeprefix("duckdb__")
        for path in _sql_files("macros")
        for name in re.findall(r"macro\s+(duckdb__\w+)", path.read_text(encoding="utf-8"))
    }
    assert duckdb_variants and duckdb_variants <= dispatched


def test_the_check_catches_duckdb_dialect() -> None:
    assert _offences("select payload::json from t qualify row_number() over () = 1") == [
        "cast shorthand ::",
        "qualify",
    ]
    assert _offences("{# json_extract(x) in a comment #} select 1 -- unnest(y)") == []
