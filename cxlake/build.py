"""``cxlake build``: dbt on a warehouse, in-process, then a short summary of the marts.

The warehouse reaches dbt as an argument: the ``cxlake_warehouse`` var, which the duckdb
output of ``profiles.yml`` reads (``CXLAKE_WAREHOUSE`` remains its fallback for a plain
``dbt`` run); nothing here writes ``os.environ``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from cxlake import config, duck
from cxlake.dbt_vars import crm_vars, given_vars, with_vars
from cxlake.origin import check_salt, with_salt
from cxlake.quality.stamp import write_build_stamp

PROJECT_DIR = config.PROJECT_DIR
DBT_SUBCOMMANDS = frozenset(
    {
        "build",
        "run",
        "test",
        "seed",
        "snapshot",
        "compile",
        "parse",
        "docs",
        "source",
        "list",
        "ls",
        "show",
        "debug",
        "clean",
        "run-operation",
        "retry",
        "clone",
    }
)
WAREHOUSE_VAR = "cxlake_warehouse"
"""The dbt var carrying the warehouse path to the profile."""
SUMMARY_COMMANDS = frozenset({"build", "run"})
READ_ONLY_COMMANDS = frozenset({"compile", "parse", "docs", "list", "ls", "show", "debug", "clean", "source"})
"""dbt subcommands that leave the warehouse's data as it is: they record no build stamp."""


@dataclass(frozen=True)
class BuildOptions:
    """What one ``cxlake build`` runs: dbt's arguments as given (``build`` unless they start
    with another dbt subcommand; ``--select``, ``--full-refresh``, ``--vars`` ... pass through)."""

    dbt_args: tuple[str, ...] = ()
    target: str | None = None
    """The engine (profiles.yml output): duckdb, postgres or spark; None = ``--target`` in
    ``dbt_args``, else ``CXLAKE_TARGET``, else duckdb."""


@dataclass(frozen=True)
class BuildSummary:
    """What ``run_build`` prints after a successful build."""

    rows_per_mart: dict[str, int]
    crm_linked_pct: float | None
    top_escalation_tier: tuple[str, float] | None

    def format(self) -> str:
        lines = ["marts:"]
        lines += [f"  {name}: {rows:,} rows" for name, rows in self.rows_per_mart.items()]
        if self.crm_linked_pct is None:
            lines.append("CRM join rate: n/a (no conversations)")
        else:
            lines.append(f"CRM join rate: {self.crm_linked_pct:.1f}% of conversations linked to an account")
        if self.top_escalation_tier is None:
            lines.append("highest escalation rate: n/a")
        else:
            tier, rate = self.top_escalation_tier
            lines.append(f"highest escalation rate (trailing 30 days): {tier} at {rate:.1f}%")
        return "\n".join(lines)


def dbt_command(dbt_args: list[str], warehouse: Path) -> list[str]:
    """The dbt argument list: ``build`` unless ``dbt_args`` starts with a dbt subcommand,
    pointed at cxlake's project and profiles directories, with target and log folders next
    to the warehouse (so builds of different warehouses never share dbt's artefacts),
    unless the caller chose otherwise."""
    args = dbt_args[1:] if dbt_args[:1] == ["--"] else list(dbt_args)
    if not args or args[0] not in DBT_SUBCOMMANDS:
        args = ["build", *args]
    defaults = {
        "--project-dir": PROJECT_DIR,
        "--profiles-dir": PROJECT_DIR,
        "--target-path": dbt_target_path(warehouse),
        "--log-path": warehouse.parent / "dbt_logs",
    }
    for flag, value in defaults.items():
        if flag not in args:
            args += [flag, str(value)]
    return args


def dbt_target_path(warehouse: Path) -> Path:
    """Where dbt writes manifest, run results and docs for builds of ``warehouse``."""
    return warehouse.parent / "dbt_target"


def run_build(warehouse: Path, options: BuildOptions | None = None) -> int:
    """Run dbt (``build`` by default) in-process on ``warehouse``; return its exit code.

    0 = success, 1 = dbt ran and something failed (model, test, snapshot), 2 = dbt could
    not run (bad arguments, project or profile errors).
    """
    from cxlake.lock import warehouse_lock

    options = options or BuildOptions()
    warehouse = warehouse.expanduser().resolve()
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    args, salt = with_salt(dbt_command(list(options.dbt_args), warehouse))
    given = given_vars(args).get(WAREHOUSE_VAR)
    if given is not None and Path(str(given)).expanduser().resolve() != warehouse:
        raise ValueError(
            f"--vars {WAREHOUSE_VAR}={given} names another warehouse than {warehouse}; "
            "choose the warehouse with CXLAKE_WAREHOUSE"
        )
    # the CRM field names ingestion asked Salesforce for are the ones staging reads
    # profiles.yml reads DuckDB's memory limit, threads and temp directory from duck.dbt_vars
    args = with_vars(args, {WAREHOUSE_VAR: str(warehouse), **duck.dbt_vars(warehouse), **crm_vars()})
    target = engine_target(args, warehouse, options.target)
    if not {"--target", "-t"} & set(args):
        args += ["--target", target]
    with warehouse_lock(warehouse, f"cxlake build ({args[0]})"):
        if args[0] not in READ_ONLY_COMMANDS:
            check_salt(warehouse, salt)
        code = _invoke(args)
        if args[0] not in READ_ONLY_COMMANDS:
            # publish needs the last writing dbt command to be a passed `build` of this very state
            write_build_stamp(warehouse, args[0], code)
        if code == 0 and args[0] in SUMMARY_COMMANDS:
            print(summarise(warehouse).format() if target == "duckdb" else f"marts built on target {target}")
    return code


def engine_target(args: list[str], warehouse: Path, chosen: str | None = None) -> str:
    """The dbt target: ``chosen``, else ``--target X`` in ``args``, else ``CXLAKE_TARGET``, else
    duckdb. On Spark the Parquet raw layer is registered as tables of the raw schemas first,
    in the Spark session dbt-spark then reuses (one session for the whole build)."""
    from ingestion.destinations import register_spark_raw_tables, target_name

    explicit = next((args[i + 1] for i, arg in enumerate(args[:-1]) if arg in ("--target", "-t")), None)
    target = target_name(chosen or explicit)
    if target == "spark":
        register_spark_raw_tables(warehouse)
    return target


def _invoke(args: list[str]) -> int:
    from dbt.cli.main import dbtRunner

    try:
        result = dbtRunner().invoke(args)
    finally:
        _close_dbt_connections()
    if result.exception is not None:
        print(f"cxlake build: dbt could not run: {result.exception}")
        return 2
    return 0 if result.success else 1


def _close_dbt_connections() -> None:
    """Release dbt-duckdb's process-wide DuckDB handle so readers (and the next stage) can open the file."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    DuckDBConnectionManager.close_all_connections()


def summarise(warehouse: Path) -> BuildSummary:
    """Rows per mart, CRM join rate and the tier with the highest escalation rate, read-only."""
    with duck.connect(warehouse, read_only=True, warehouse=warehouse) as connection:
        marts = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables"
                " where table_schema = 'marts' order by table_name"
            ).fetchall()
        ]
        rows = {name: _count(connection, name) for name in marts}
        linked = _scalar(
            connection,
            "select linked_share_pct from marts.crm_join_audit where audit_level = 'overall'",
            "crm_join_audit" in rows,
        )
        top = None
        if "escalation_by_tier" in rows:
            found = connection.execute(
                "select customer_tier, escalation_rate_pct from marts.escalation_by_tier "
                "where escalation_rate_pct is not null"
                " order by escalation_rate_pct desc, customer_tier limit 1"
            ).fetchone()
            top = (str(found[0]), float(found[1])) if found else None
    return BuildSummary(rows, linked, top)


def _count(connection: duckdb.DuckDBPyConnection, mart: str) -> int:
    found = connection.execute(f'select count(*) from marts."{mart}"').fetchone()
    return int(found[0]) if found else 0


def _scalar(connection: duckdb.DuckDBPyConnection, sql: str, present: bool) -> float | None:
    if not present:
        return None
    found = connection.execute(sql).fetchone()
    return float(found[0]) if found and found[0] is not None else None
