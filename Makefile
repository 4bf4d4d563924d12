# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint typecheck check migrate demo clean bench

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

migrate: install
	$(BIN)/cpts db upgrade

demo: migrate
	$(BIN)/cpts demo load

run: demo
	$(BIN)/cpts serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy kernel server scheduling coordination integrations

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy kernel server scheduling coordination integrations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

.PHONY: harness
# Multi-worker harness: own PostgreSQL, Redis, nginx; load, faults, invariants (bench/harness).
harness: install
	$(BIN)/python -m bench.harness $(HARNESS_ARGS)
