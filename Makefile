# Wijkkompas — two commands on a fresh machine: `make run` and `make test`.
# Needs only python3 (with venv and pip); everything else is installed here from the lock file.
SHELL := /bin/bash
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
CHROMIUM := /usr/bin/chromium
BROWSER_DIR := tests/browser
AXE := $(BROWSER_DIR)/node_modules/axe-core/axe.min.js
VENDOR_DIR := dashboards/vendor
NLDS := $(VENDOR_DIR)/node_modules/.installed

.PHONY: run test serve budget lint format dagster env browser-deps clean

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

env: $(VENV)/.synced $(NLDS)

# npm for the vendored front-end packages (NL Design System CSS; axe-core for the tests)
NPM := /usr/bin/npm
$(NPM):
	@command -v npm >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "the site's vendored CSS needs npm: as root run 'apt-get install nodejs npm'" >&2; exit 1; fi; \
	command -v apt-get >/dev/null || { echo "npm is needed (no apt-get here)" >&2; exit 1; }; \
	$$sudo apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm

$(NLDS): $(VENDOR_DIR)/package-lock.json | $(NPM) ## the site's NL Design System CSS, from the lock file
	cd $(VENDOR_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

browser-deps: $(CHROMIUM) $(AXE) ## Debian chromium + axe-core (from the npm lock file) for the browser tests

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "browser tests need Debian chromium: as root run 'apt-get install chromium'" >&2; exit 1; fi; \
	command -v apt-get >/dev/null || { echo "browser tests need chromium at $@ (no apt-get here)" >&2; exit 1; }; \
	$$sudo apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

$(AXE): $(BROWSER_DIR)/package-lock.json | $(NPM)
	cd $(BROWSER_DIR) && npm ci --no-audit --no-fund
	touch $@

run: env $(CHROMIUM) ## build the whole pipeline on the shipped data (Chromium prints the PDF reports)
	$(BIN)/wijkkompas build

test: env browser-deps ## lint, format check and the test suite
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder

PORT ?= 8000
# `make serve GEMEENTE=GM0344` (or Utrecht): the site of a gemeente built with --gemeente
serve: ## serve the published site on http://127.0.0.1:$(PORT)/ (build it first: make run)
	$(BIN)/wijkkompas serve --port $(PORT) $(if $(GEMEENTE),--gemeente "$(GEMEENTE)")

budget: env $(CHROMIUM) ## page weights and cold loads on a phone, site build time, report printing time
	$(BIN)/python benchmarks/site_budget.py
	$(BIN)/python benchmarks/report_budget.py

lint: env
	$(BIN)/ruff check .

format: env
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# `make dagster PORT=3100`: the port given, else 3000 (not `make serve`'s default 8000)
DAGSTER_PORT = $(if $(filter command line environment,$(origin PORT)),$(PORT),3000)
dagster: env ## the Dagster UI (`dg dev`) on http://127.0.0.1:3000, or on PORT=...
	mkdir -p $(DAGSTER_HOME) && cp -n pipelines/dagster.yaml $(DAGSTER_HOME)/dagster.yaml || true
	@echo "Dagster: http://127.0.0.1:$(DAGSTER_PORT)/ (Ctrl-C stops)"
	env --default-signal=INT,TERM VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg dev --host 127.0.0.1 \
		--port $(DAGSTER_PORT)

clean:
	rm -rf $(VENV) $(TOOLS) .dagster_home data/warehouse site .pytest_cache .ruff_cache \
		$(BROWSER_DIR)/node_modules $(VENDOR_DIR)/node_modules screenshots
