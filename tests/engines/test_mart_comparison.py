"""The comparison the engine parity tests rely on finds real differences and tolerates only
floating-point noise and row order."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from mart_comparison import comparable, differences


def _marts(rows: list[tuple]) -> dict:
    return {"m": comparable(["id", "rate", "at", "loaded_at"], rows)}


BASE = [
    (1, 56.666666666666664, dt.datetime(2026, 10, 1, 10), dt.datetime(2026, 12, 1, 12)),
    (2, None, dt.datetime(2026, 10, 1, 11), dt.datetime(2026, 12, 1, 12)),
]


def test_row_order_numeric_types_and_float_noise_are_equal() -> None:
    other = [
        (Decimal("2"), None, dt.datetime(2026, 10, 1, 11, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, 13)),
        (1.0, 56.66666666666667, dt.datetime(2026, 10, 1, 10), dt.datetime(2026, 12, 1, 13)),
    ]
    assert differences(_marts(BASE), _marts(other)) == []


def test_a_changed_value_a_missing_row_or_a_null_load_time_is_a_difference() -> None:
    changed = [BASE[0][:1] + (56.67,) + BASE[0][2:], BASE[1]]
    assert differences(_marts(BASE), _marts(changed))
    assert differences(_marts(BASE), _marts(BASE[:1]))
    assert differences(_marts(BASE), _marts([BASE[0], BASE[1][:3] + (None,)]))
    assert differences(_marts(BASE), {})
