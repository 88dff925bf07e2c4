# The two commands a newcomer needs (README.md): `make dev` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: dev test lint bench clean

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Start edgeauth on the embedded local runtime: http://localhost:8787/ with a demo API and apps.
dev: $(PY_STAMP)
	$(BIN)/edgeauth serve --demo

## Run every test (ruff, pytest incl. real wrangler, auth0-python, the local runtime over HTTP).
test: $(PY_STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## Benchmarks: token issuance, JWKS, discovery vs. the RS256 signing ceiling (prints a table).
bench: $(PY_STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) node_modules build .edgeauth .wrangler
