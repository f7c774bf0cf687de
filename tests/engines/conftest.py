"""Engines for the parity tests: a real local PostgreSQL server and a local Spark session.

- ``postgres_env``: a throwaway PostgreSQL server for the session (``local_postgres``) and the
  ``CXLAKE_POSTGRES_*`` settings that point cxlake at it; skipped, with the reason, when no
  server can be started here.
- ``spark_ready``: skipped, with the reason, when pyspark, dbt-spark or Java is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from local_postgres import LocalPostgres, Unavailable


@pytest.fixture(scope="session")
def postgres_env() -> Iterator[dict[str, str]]:
    pytest.importorskip(
        "psycopg2", reason="dbt-postgres / psycopg2 not installed (pip install -e '.[engines]')"
    )
    pytest.importorskip(
        "dbt.adapters.postgres", reason="dbt-postgres not installed (pip install -e '.[engines]')"
    )
    try:
        server = LocalPostgres().start()
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL: {exc}")
    try:
        yield server.settings
    finally:
        server.stop()


@pytest.fixture(scope="session")
def spark_ready() -> None:
    pytest.importorskip("pyspark", reason="pyspark not installed (pip install -e '.[engines]')")
    pytest.importorskip("dbt.adapters.spark", reason="dbt-spark not installed (pip install -e '.[engines]')")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java 17 (apt-get install openjdk-17-jre-headless); none found")
