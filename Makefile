# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
# The dashboard's NHS.UK frontend CSS, JS and images, from the npm registry (served locally).
ASSETS := frontend/node_modules/.installed

.PHONY: demo test check lint format docs benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(ASSETS): frontend/package.json frontend/package-lock.json
	npm ci --prefix frontend --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

# The tests also run cohorts on PostgreSQL (a throwaway server: its binaries are installed
# when missing), on Spark (the spark extra: PySpark, Java 17) and the dashboard in Debian's
# Chromium (installed when missing); the demo needs none of them.
$(TEST_STAMP): $(STAMP) $(ASSETS) pyproject.toml scripts/ensure-test-services
	scripts/ensure-test-services
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(TEST_STAMP)

## Synthesise one real ICB, load it into neighbourhood.duckdb, print a summary, then serve the
## dashboard on it with a demo user's token printed (Ctrl-C stops; SERVE=0 skips serving).
SERVE ?= 1
demo: $(STAMP) $(ASSETS)
	$(BIN)/neighbourhood demo
ifneq ($(SERVE),0)
	$(BIN)/neighbourhood serve --demo-user
endif

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
	rm -rf $(VENV) frontend/node_modules neighbourhood.duckdb neighbourhood.duckdb.wal demo-data
