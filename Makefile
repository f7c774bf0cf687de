# cxlake — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export CXLAKE_WAREHOUSE ?= warehouse/cxlake.duckdb
export GX_ANALYTICS_ENABLED := false
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export RUNTIME__DLTHUB_TELEMETRY := false

DEMO_DATA ?= sandbox_data/demo
DEMO_PORT ?= 8765

.PHONY: install demo test test-engines lint clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev,engines]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python -m cxlake.demo --data $(DEMO_DATA) --port $(DEMO_PORT)

# two workers; each test module runs whole on one of them (tests/conftest.py)
PYTEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --dist loadscope tests

# The same tenant built on DuckDB, PostgreSQL and Spark, every mart compared (part of `make test`).
test-engines: install
	$(BIN)/python -m pytest -q tests/engines

lint: install
	$(BIN)/ruff check cxlake sandbox ingestion tests benchmarks lint
	$(BIN)/sqlfluff lint models macros snapshots analyses tests/dbt --processes 2 --disable-progress-bar

clean:
	rm -rf warehouse sandbox_data target logs dashboards
