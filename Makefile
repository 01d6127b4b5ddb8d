# Two commands on a fresh machine: `make demo` runs the whole system, `make test` runs the checks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PY_PACKAGES := schemas runtime cli bench ingest strategy governor executor exchange projector api notifier simulator replay

NPM_STAMP := dashboard/node_modules/.installed-$(shell cksum dashboard/package-lock.json | cut -d' ' -f1)
CHROMIUM ?= /usr/bin/chromium

.PHONY: install test-tools lint typecheck compose-check dashboard-install dashboard-check dashboard-build dashboard-test \
	test test-all demo bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,embedded]' --config-settings editable_mode=compat
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy $(wildcard $(PY_PACKAGES)) tests

# Debian's chromium (the browser tests) and docker-compose (the compose check): installed here when make runs
# as root with apt, as on CI; otherwise the one command to run is printed. Chromium is required,
# docker-compose only checks a file. (Redis and PostgreSQL need nothing: tests/support/local_services.py.)
test-tools:
	@missing=""; test -x $(CHROMIUM) || missing="chromium"; \
	command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || missing="$$missing docker-compose"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian packages: $$missing"; \
	    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; \
	  elif ! test -x $(CHROMIUM); then \
	    echo "make test needs Debian's chromium for the browser tests. Run: sudo apt-get install -y $$missing"; exit 1; \
	  else echo "docker-compose not installed (sudo apt-get install -y docker-compose): compose file not checked"; fi; \
	fi

# docker has no engine on CI machines; the compose file is still checked by reading it (with the example
# secrets: the compose file itself refuses to start without them).
compose-check:
	@if command -v docker-compose >/dev/null 2>&1; then docker-compose --env-file .env.example config -q && echo "docker-compose.yml ok"; \
	elif docker compose version >/dev/null 2>&1; then docker compose --env-file .env.example config -q && echo "docker-compose.yml ok"; \
	else echo "docker-compose not installed: compose file not checked"; fi

$(NPM_STAMP): dashboard/package-lock.json
	cd dashboard && npm ci --no-audit --no-fund --loglevel=error
	@rm -f dashboard/node_modules/.installed-*
	@touch $@

dashboard-install: $(NPM_STAMP)

# check:api: lib/api/schema.d.ts is what openapi.json generates (openapi.json itself: tests/api/test_openapi_doc.py).
dashboard-check: dashboard-install
	cd dashboard && npm run typecheck && npm run lint && npm run check:api

dashboard-build: dashboard-install
	cd dashboard && npm run build

# Browser tests use Debian's chromium (no browser download); they start their own private back end.
dashboard-test: test-tools dashboard-install install
	cd dashboard && npm run test:secrets && npm run test:e2e

# The Python suite runs last so its summary closes the output.
test: test-tools lint typecheck compose-check dashboard-check dashboard-test
	$(BIN)/python -m pytest -m "not slow"

test-all: test-tools lint typecheck compose-check dashboard-check dashboard-test
	$(BIN)/python -m pytest

demo: install dashboard-build
	$(BIN)/liqfade up --demo

bench: install
	$(BIN)/liqfade bench bus

clean:
	rm -rf .run .pytest_cache .mypy_cache .ruff_cache
