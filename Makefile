# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test check lint format docs benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The tests also run cohorts on PostgreSQL (a throwaway server: its binaries are installed
# when missing) and on Spark (the spark extra: PySpark, Java 17); the demo needs neither.
$(TEST_STAMP): $(STAMP) pyproject.toml scripts/ensure-test-services
	scripts/ensure-test-services
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(TEST_STAMP)

## Synthesise one real ICB, load it into neighbourhood.duckdb and print a summary.
demo: $(STAMP)
	$(BIN)/neighbourhood demo

## Every check: lint, generated docs up to date, the whole test suite.
test: $(TEST_STAMP) check

check: lint $(TEST_STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

## Regenerate docs/data-model.md from the declared data model.
docs: $(STAMP)
	$(BIN)/neighbourhood schema docs --out docs/data-model.md

## Generator benchmark (1M patients); writes its figures to docs/performance.md by hand.
benchmark: $(STAMP)
	$(BIN)/python benchmarks/bench_synthetic.py

clean:
	rm -rf $(VENV) neighbourhood.duckdb neighbourhood.duckdb.wal demo-data
