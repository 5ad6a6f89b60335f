# Two commands matter: `make run` and `make test`. Both set up .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.hflint-installed
# torch is pinned and installed first: an unpinned torch pulls gigabytes of CUDA wheels.
TORCH := torch==2.13.0

.PHONY: run test lint typecheck unit bench clean extension vsix

$(STAMP): pyproject.toml Makefile
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq --upgrade pip
	$(PY) -m pip install -qq $(TORCH)
	$(PY) -m pip install -qq -e '.[validate,dev]' $(TORCH) --config-settings editable_mode=strict
	touch $(STAMP)

# Strict editable installs link files: re-link when a module is added or removed.
SOURCES := $(wildcard package/*.py analyzers/*.py analyzers/data/* analyzers/data/knowledge/* rules/*.py server/*.py)
LINKED := $(VENV)/.hflint-linked
$(LINKED): $(STAMP) $(SOURCES)
	$(PY) -m pip install -qq --no-deps -e . --config-settings editable_mode=strict
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
	rm -rf $(VENV) build .mypy_cache .pytest_cache .ruff_cache
	rm -rf $(EXT)/node_modules $(EXT)/dist $(EXT)/out $(EXT)/hflint.vsix
