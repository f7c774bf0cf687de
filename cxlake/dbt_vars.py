"""Settings that reach dbt as ``--vars``: one merge rule for every setting cxlake passes.

cxlake keeps one configuration surface per concern (env vars / dlt config for the
APIs, dbt vars for modelling choices). Some settings are both: the Salesforce tier and
LTV field names are read by ingestion (which fields to ask for) and by staging (which
payload keys to read), so ``cxlake build`` passes them to dbt from the same config
ingestion reads. A value the caller gives in ``--vars`` always wins.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


def vars_arg(args: list[str]) -> tuple[int | None, str | None]:
    """(position, text) of the ``--vars`` argument in a dbt argument list, or (None, None)."""
    for index, arg in enumerate(args):
        if arg == "--vars" and index + 1 < len(args):
            return index, args[index + 1]
        if arg.startswith("--vars="):
            return index, arg.split("=", 1)[1]
    return None, None


def given_vars(args: list[str]) -> dict[str, Any]:
    """The vars the caller passed with ``--vars`` (YAML or JSON), ``{}`` when none."""
    _, raw = vars_arg(args)
    if raw is None:
        return {}
    try:
        parsed = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise ValueError(f"--vars {raw!r} is not YAML: {exc}") from None
    return parsed if isinstance(parsed, dict) else {}


def with_vars(dbt_args: list[str], settings: dict[str, Any]) -> list[str]:
    """``dbt_args`` with ``settings`` merged into ``--vars``; the caller's own ``--vars`` win."""
    args = list(dbt_args)
    given = given_vars(args)
    missing = {key: value for key, value in settings.items() if key not in given}
    if not missing:
        return args
    merged = json.dumps({**given, **missing})
    index, _ = vars_arg(args)
    if index is None:
        args += ["--vars", merged]
    elif args[index].startswith("--vars="):
        args[index] = f"--vars={merged}"
    else:
        args[index + 1] = merged
    return args


def crm_vars() -> dict[str, str]:
    """The Salesforce field mapping ingestion uses, as the dbt vars staging reads."""
    from ingestion.api_settings import crm_field_mapping

    return crm_field_mapping()
