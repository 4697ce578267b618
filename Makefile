# `make issue` builds the latest edition; `make test` runs the checks and tests.
# Both create .venv and install everything on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
EDITION ?=
# The edition `pipeline build` picks by default: the latest articles/YYYY-MM folder.
LATEST  = $(lastword $(sort $(filter 20%,$(notdir $(wildcard articles/[0-9][0-9][0-9][0-9]-[0-9][0-9])))))

.PHONY: issue check test bench clean lint

$(STAMP): pyproject.toml scripts/system-deps.sh package.json package-lock.json
	./scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	npm ci --no-audit --no-fund --silent  # axe-core for the browser test
	touch $(STAMP)

issue: $(STAMP)
	$(BIN)/pipeline build $(EDITION)
	$(BIN)/pipeline preflight build/$(or $(EDITION),$(LATEST))/$(or $(EDITION),$(LATEST))-print.pdf

check: $(STAMP)
	$(BIN)/pipeline check

lint: $(STAMP)
	$(BIN)/ruff check pipeline tests
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	./scripts/bench-deps.sh
	$(BIN)/python -m compileall -q pipeline  # as a first import would, where bytecode is kept
	$(BIN)/python -m tests.bench

clean:
	rm -rf build .cache
