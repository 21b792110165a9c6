# Assay — every command a user or CI needs. `make demo` and `make test` work from a fresh clone.
SHELL := /bin/bash
ROOT := $(abspath .)
VENV := $(ROOT)/.venv
PY := $(VENV)/bin/python
BIN := $(ROOT)/node_modules/.bin
export FOUNDRY_SOLC := $(ROOT)/tools/solc
export PATH := $(BIN):$(VENV)/bin:$(PATH)
FORGE := $(BIN)/forge
STAMP_PY := $(VENV)/.installed
STAMP_NPM := $(ROOT)/node_modules/.installed

.PHONY: setup build native browser test test-python test-contracts lint fmt devnet demo bench gas-snapshot \
	screenshots clean

setup: $(STAMP_PY) $(STAMP_NPM) build native browser

$(STAMP_PY): pyproject.toml requirements.lock
	test -x $(PY) || python3.11 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip==25.3"
	$(PY) -m pip install -q -c requirements.lock -e ".[dev,ape]"
	touch $@

$(STAMP_NPM): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

build: $(STAMP_NPM)
	cd contracts && $(FORGE) build --quiet

# The compiled fixed-order CPU kernels (assay/repro/csrc) into build/native; ninja skips an
# up-to-date build. Without them fp falls back to its torch code (same bits, slower).
native: $(STAMP_PY)
	$(PY) -m assay.repro.native

# A Chromium on PATH for tests/browser and `make screenshots`: Playwright drives the system
# browser and never downloads one. Without it those tests skip, saying how to install it.
CHROMIUM_MISSING := make setup: no chromium on PATH, so the browser tests will skip; install it \
	(Debian/Ubuntu: apt-get install chromium)
browser:
	@if command -v chromium >/dev/null || command -v chromium-browser >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "make setup: installing chromium with apt-get (for the browser tests)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
			>/dev/null 2>&1 || echo "$(CHROMIUM_MISSING) (apt-get install failed)"; \
	else echo "$(CHROMIUM_MISSING)"; fi

test: setup test-contracts test-python

test-contracts: $(STAMP_NPM)
	cd contracts && $(FORGE) test

test-python: $(STAMP_PY) build native
	$(PY) -m pytest -q -n 2 --dist loadfile

lint: setup
	$(VENV)/bin/ruff check assay solver verifier referee services bench tests migrations
	$(VENV)/bin/ruff format --check assay solver verifier referee services bench tests migrations
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	cd contracts && $(FORGE) fmt --check

fmt: setup
	$(VENV)/bin/ruff format assay solver verifier referee services bench tests migrations
	$(VENV)/bin/ruff check --fix assay solver verifier referee services bench tests migrations
	cd contracts && $(FORGE) fmt

devnet: setup
	$(VENV)/bin/assay devnet up

demo: setup
	$(PY) -m assay.cli.demo

bench: setup
	cd contracts && $(FORGE) test --match-contract GasBench -vv
	cd contracts && $(FORGE) snapshot --no-match-path 'test/invariant/*' --snap .gas-snapshot --check
	$(PY) -m bench.trees
	$(PY) -m bench.dispute
	$(PY) -m bench.workers
	$(PY) -m bench.services

# PNGs of every explorer page (1280px wide, plus the dispute page at 375px) into
# docs/screenshots, over the browser tests' devnet scenario.
screenshots: setup
	PYTHONPATH=$(ROOT) $(PY) tools/screenshots.py --out docs/screenshots

# Re-record the committed gas snapshot after an intended gas change (review the diff).
gas-snapshot: setup
	cd contracts && $(FORGE) snapshot --no-match-path 'test/invariant/*' --snap .gas-snapshot

clean:
	rm -rf contracts/out contracts/cache .assay build/native
