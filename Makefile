# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# the console's drawing library, vendored from the npm registry (graphrisk/console/static/vendor/)
CONSOLE_ASSETS := graphrisk/console/static/vendor/cytoscape.min.js

.PHONY: install demo lint test unit integration browser bench bench-compare neo4j-start neo4j-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,fast,spark]'
	touch $(STAMP)

$(CONSOLE_ASSETS): tools/vendor-console-assets
	tools/vendor-console-assets

install: $(STAMP) $(CONSOLE_ASSETS)

## Run the main job on the built-in sample: no server needed (loads into Neo4j too when NEO4J_URI is set).
demo: $(STAMP)
	$(VENV)/bin/graphrisk demo --out out/demo

## The linter alone (ruff; the rules, and why some are off, are in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .

## The browser the console's tests drive: Debian's chromium and chromium-driver, installed once.
browser:
	tools/install-browser

## The linter, then the whole suite; starts the local Neo4j unless NEO4J_URI is set, and stops it afterwards.
test: $(STAMP) $(CONSOLE_ASSETS) browser
	$(VENV)/bin/ruff check .
	tools/with-neo4j $(PY) -m pytest

unit: $(STAMP)
	$(PY) -m pytest tests/unit

integration: $(STAMP) $(CONSOLE_ASSETS) browser
	tools/with-neo4j $(PY) -m pytest tests/integration

## Every benchmark beside its peers (~8 min on 2 cores); rewrites bench/RESULTS.md, results.json and plots.
bench: $(STAMP)
	tools/with-neo4j $(PY) bench/suite.py

## The same, each area first as it was at the git revision REF, then here, back to back; RESULTS.md compares them.
bench-compare: $(STAMP)
	@test -n "$(REF)" || { echo "usage: make bench-compare REF=<git revision, e.g. HEAD>" >&2; exit 2; }
	tools/with-neo4j $(PY) bench/suite.py --baseline $(REF)

clean:
	rm -rf out build *.egg-info .pytest_cache .ruff_cache
