# Two commands matter: `make run` and `make test`. Both set up .venv on first use, from the
# hash-pinned lock (requirements/dev.lock), so a release on the package index never changes them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.hflint-installed
LOCK := requirements/dev.lock

.PHONY: run test lint typecheck unit bench clean extension vsix lock test-latest

# Every package comes from the lock, hash-checked (torch is the CPU build the lock names, never
# a CUDA one); hflint itself is linked in with no dependency resolution and no build isolation.
$(STAMP): $(LOCK) pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install -qq --no-deps --no-build-isolation -e . --config-settings editable_mode=strict
	touch $(STAMP)

# Refresh the lock from pyproject.toml and requirements/dev.in (newest releases they allow).
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip show -qq pip-tools 2>/dev/null || $(PY) -m pip install -qq pip-tools==7.7.0
	$(PY) -m piptools compile -q --generate-hashes --allow-unsafe --strip-extras \
	  --extra validate --extra dev --extra hub --no-emit-find-links --no-emit-index-url \
	  --upgrade -o $(LOCK) pyproject.toml requirements/dev.in

# The suite against the newest transformers the supported range allows, in its own venv
# (.venv-latest): first a readable list of what changed for hflint's rules since the locked
# release, then the suite, whose tests of the locked release's exact behaviour are skipped.
LATEST := .venv-latest
LOCKED_TRANSFORMERS := $(shell sed -n 's/^transformers==//p' requirements/dev.in)
SUPPORTED_TRANSFORMERS := transformers>=4.46,<6
test-latest:
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -qq --require-hashes --no-deps -r $(LOCK)
	$(LATEST)/bin/python -m pip install -qq --upgrade '$(SUPPORTED_TRANSFORMERS)' torch==2.13.0
	$(LATEST)/bin/python -m pip install -qq --no-deps --no-build-isolation -e . --config-settings editable_mode=strict
	cd scripts && ../$(LATEST)/bin/python release_diff.py $(LOCKED_TRANSFORMERS) installed
	HF_HUB_OFFLINE=1 $(LATEST)/bin/python -m pytest -q -p no:cacheprovider -m 'not locked_transformers'

# Strict editable installs link files: re-link when a module is added or removed.
SOURCES := $(wildcard package/*.py analyzers/*.py analyzers/data/* analyzers/data/knowledge/* rules/*.py server/*.py)
LINKED := $(VENV)/.hflint-linked
$(LINKED): $(STAMP) $(SOURCES)
	$(PY) -m pip install -qq --no-deps --no-build-isolation -e . --config-settings editable_mode=strict
	touch $(LINKED)

.PHONY: relink
relink: $(LINKED)

run: relink
	HF_HUB_OFFLINE=1 $(VENV)/bin/hflint check examples/ || test $$? -eq 1

lint: relink
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: relink
	$(VENV)/bin/mypy -p hflint

unit: relink
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

test: lint typecheck extension unit

# The VS Code extension (editor-client/): its lock file pins every package; node 20.
EXT := editor-client
$(EXT)/node_modules/.installed: $(EXT)/package.json $(EXT)/package-lock.json
	cd $(EXT) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Type-check, lint and unit-test the extension, and build the .vsix its end-to-end test installs.
extension: $(EXT)/node_modules/.installed
	cd $(EXT) && npm run --silent typecheck && npm run --silent lint && npm run --silent test
	cd $(EXT) && npm run --silent vsix >/dev/null

# An installable .vsix, built offline from the locked packages: editor-client/hflint.vsix
vsix: $(EXT)/node_modules/.installed
	cd $(EXT) && npm run --silent vsix

bench: relink
	$(PY) bench/run.py
	$(PY) bench/lsp.py

clean:
	rm -rf $(VENV) $(LATEST) build .mypy_cache .pytest_cache .ruff_cache
	rm -rf $(EXT)/node_modules $(EXT)/dist $(EXT)/out $(EXT)/hflint.vsix
