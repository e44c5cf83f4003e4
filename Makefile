# Spotlight: `make run` opens the app on a demo trial; `make test` passes every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB ?= demo.db

.PHONY: run demo test test-fast check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/spotlight --db $(DEMO_DB) demo

run: demo
	$(BIN)/spotlight --db $(DEMO_DB)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -p no:cacheprovider

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q -m "not slow"

check: $(VENV)/.installed-test
	$(BIN)/ruff check trial tui tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# Scale benchmarks beside their peers (about 15 minutes on two cores); writes BENCHMARKS.md.
bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build dist *.egg-info $(DEMO_DB)
