# The two commands a newcomer needs (README.md): `make dev` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The browser/SDK tests' own npm project (auth0-spa-js, playwright-core, openid-client); the demo
# page at /demo/ serves auth0-spa-js from it too.
E2E_STAMP  := tests/e2e/node_modules/.installed
CHROMIUM   ?= /usr/bin/chromium
export CHROMIUM
# Debian's wrk: the benchmarks' native load generator.
WRK        ?= /usr/bin/wrk

.PHONY: dev test lint bench fuzz chaos screenshots deploy clean

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(E2E_STAMP): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (playwright-core never downloads a browser).
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "The browser tests need Debian's chromium at $(CHROMIUM): run 'sudo apt-get install chromium' (or set CHROMIUM=/path/to/chromium)." >&2; \
		exit 1; \
	fi

$(WRK):
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; \
	else \
		echo "make bench needs Debian's wrk at $(WRK): run 'sudo apt-get install wrk'." >&2; \
		exit 1; \
	fi

## Start edgeauth on the embedded local runtime: http://localhost:8787/ with a demo API, apps,
## user and the demo single-page app at http://localhost:8787/demo/.
dev: $(PY_STAMP) $(E2E_STAMP)
	$(BIN)/edgeauth serve --demo

## Run every test (ruff, mypy --strict, pytest incl. real wrangler, auth0-python, auth0-spa-js in Chromium,
## openid-client, the local runtime over HTTP).
test: $(PY_STAMP) $(NODE_STAMP) $(E2E_STAMP) $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(PY_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

## Benchmarks: edgeauth next to npm oidc-provider (tests/e2e) under wrk, pinned to separate cores,
## against the openssl RS256 ceiling; then logins, the Management API and the edge host (prints tables).
bench: $(PY_STAMP) $(E2E_STAMP) $(WRK)
	$(BIN)/python -m bench.run

## Fuzzing at length: 100,000 hostile requests to the Authentication API (counts of requests and
## of 5xx printed), then schemathesis on the Management API with 200 examples per operation.
fuzz: $(PY_STAMP)
	$(BIN)/python -m tests.fuzz_auth_api --requests $(or $(FUZZ_REQUESTS),100000)
	EDGEAUTH_FUZZ_EXAMPLES=200 $(BIN)/pytest -q -s -p no:randomly tests/management/test_openapi_fuzz.py

## Crash and load at length: 12 SIGKILLs of the local server under 8 workers of signups, password
## changes, logins and refresh rotations; prints the counts, fails on any lost acknowledged write.
chaos: $(PY_STAMP)
	$(BIN)/python -m tests.chaos --kills $(or $(CHAOS_KILLS),12) --workers 8

## docs/screenshots/*.png: the hosted pages in Chromium, default look and a tenant's branding.
screenshots: $(PY_STAMP) $(E2E_STAMP) $(CHROMIUM)
	$(BIN)/python -m tests.screenshots

## Deploy to your Cloudflare account (docs/cloudflare.md; `npx wrangler login` first): creates or
## reuses KV, D1 and the queues, applies D1 migrations, vendors the Python packages, makes the
## deployment key when the Worker has none, and runs `wrangler deploy`.
deploy: $(PY_STAMP) $(NODE_STAMP)
	$(BIN)/python tools/deploy.py

clean:
	rm -rf $(VENV) node_modules tests/e2e/node_modules build .edgeauth .wrangler
