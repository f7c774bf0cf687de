"""Where a warehouse's raw data came from (sandbox or a real org), and the salt rule that needs it.

``cxlake ingest`` (and ``cxlake run``) record each load in ``<warehouse>.origin.json``.
A load is a *sandbox* load when it used ``--sandbox URL`` or ``--from-files DIR``
where ``DIR`` is a tenant written by ``cxlake sandbox generate`` (its
``manifest.json`` names the generator); anything else (an API with real
credentials, other export files) is real data, and the warehouse stays marked as
holding real data from then on.

The BPO marts identify agents by a salted hash (dbt var ``pii_hash_salt``). The
project's default salt is public, so with it anyone can rebuild the hash of a known
user id. ``cxlake build`` therefore refuses the public default on a warehouse that
holds real data, unless ``CXLAKE_SANDBOX=1`` says otherwise; set a private salt with
``CXLAKE_PII_HASH_SALT`` (passed to dbt as the var) or ``--vars '{pii_hash_salt: ...}'``.
A warehouse with no recorded load (filled by a program calling ingestion directly) is
not judged.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from cxlake import config
from cxlake.dbt_vars import given_vars, with_vars

PUBLIC_SALT_FALLBACK = "cxlake"
SALT_VAR = "pii_hash_salt"
SALT_ENV = "CXLAKE_PII_HASH_SALT"
SANDBOX_ENV = "CXLAKE_SANDBOX"


class PublicSaltRefused(ValueError):
    """The public default ``pii_hash_salt`` would hash real agents' ids."""


def origin_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".origin.json")


def is_sandbox_load(sandbox_url: str | None, from_files: Path | None) -> bool:
    """True for ``--sandbox URL`` and for files of a generated sandbox tenant."""
    if sandbox_url:
        return True
    if from_files is None:
        return False
    try:
        manifest = json.loads((Path(from_files) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict):
        return False
    return isinstance(manifest.get("generator"), dict) and "planted" in manifest


def record_load(warehouse: Path, sandbox_url: str | None, from_files: Path | None) -> dict[str, Any] | None:
    """Add one load to the warehouse's origin record (before loading, so a killed load counts);
    real data, once loaded, stays recorded. A ``from_files`` that is no folder loads nothing."""
    if from_files is not None and not Path(from_files).is_dir():
        return None
    sandbox = is_sandbox_load(sandbox_url, from_files)
    previous = read_origin(warehouse) or {}
    record = {
        "real_data": bool(previous.get("real_data")) or not sandbox,
        "last_load": {
            "sandbox": sandbox,
            "source": "sandbox API" if sandbox_url else (str(from_files) if from_files else "API"),
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
        },
    }
    target = origin_path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
    tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, target)
    return record


def read_origin(warehouse: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(origin_path(warehouse).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def project_salt() -> str:
    """The ``pii_hash_salt`` default of ``dbt_project.yml`` (the public one)."""
    try:
        project = yaml.safe_load((config.PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
        return str(project["vars"][SALT_VAR])
    except (OSError, KeyError, TypeError, yaml.YAMLError):
        return PUBLIC_SALT_FALLBACK


def with_salt(dbt_args: list[str]) -> tuple[list[str], str]:
    """(dbt args, the salt dbt will use): ``--vars`` wins, else ``CXLAKE_PII_HASH_SALT`` is added
    to the vars, else the project default applies."""
    given = given_vars(dbt_args)
    if SALT_VAR in given:
        return list(dbt_args), str(given[SALT_VAR])
    env_salt = os.environ.get(SALT_ENV)
    if not env_salt:
        return list(dbt_args), project_salt()
    return with_vars(dbt_args, {SALT_VAR: env_salt}), env_salt


def check_salt(warehouse: Path, salt: str) -> None:
    """Refuse the public default salt on a warehouse that holds real data (see module doc)."""
    if salt != project_salt() and salt != PUBLIC_SALT_FALLBACK:
        return
    if os.environ.get(SANDBOX_ENV, "").strip().lower() in ("1", "true", "yes"):
        return
    origin = read_origin(warehouse)
    if origin is None or not origin.get("real_data"):
        return
    raise PublicSaltRefused(
        f"warehouse {warehouse} holds data loaded from a real org, and pii_hash_salt is the public "
        f"default {salt!r}: the BPO agent hashes could be rebuilt from user ids. Set a private salt "
        f"({SALT_ENV}=... or --vars '{{{SALT_VAR}: ...}}'), or {SANDBOX_ENV}=1 if this is sandbox data"
    )
