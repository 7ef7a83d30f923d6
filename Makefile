# itb-evidence: `make demo` runs the pipeline on the bundled snapshot, `make test` runs every check.
# Both create .venv and install the project (editable, with dev tools) on first use.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: help install demo test lint typecheck pytest bench clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# setuptools prints a generic notice for every editable install of a flat layout; quiet it
	PYTHONWARNINGS=ignore::UserWarning $(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

demo: $(STAMP) ## run the refresh flow over the bundled snapshot: itb_evidence.duckdb + out/
	$(BIN)/itb-evidence demo

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP) ## mypy (strict)
	$(BIN)/mypy

pytest: $(STAMP) ## the test suite
	$(BIN)/pytest

test: lint typecheck pytest ## ruff, mypy and pytest: what CI runs

bench: $(STAMP) ## benchmark scripts (print figures as ratios against a baseline)
	$(BIN)/python benchmarks/parse_pubmed.py
	$(BIN)/python benchmarks/parse_jats.py
	$(BIN)/python benchmarks/extract_throughput.py
	$(BIN)/python benchmarks/corpus_scale.py

clean: ## remove generated stores, exports and caches (keeps .venv)
	rm -rf out itb_evidence.duckdb itb_evidence.duckdb.lock itb_evidence.rawcache .pytest_cache .mypy_cache .ruff_cache
