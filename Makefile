# One task runner: `make demo`, `make test`, `make lint`. Each target sets up its own venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint docs accel clean

$(STAMP): pyproject.toml setup.py constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

## demo: build outputs/demo.db from the bundled synthetic corpus, offline, and run every stage on it
demo: $(STAMP)
	$(BIN)/sseh-lit demo --db outputs/demo.db --out outputs/demo

## test: the whole test suite (quality floors on ../shared/gold included when it is there)
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check sseh_lit tests bench
	$(BIN)/ruff format --check sseh_lit tests bench

## docs: regenerate the CLI reference from the commands' --help
docs: $(STAMP)
	$(BIN)/python -m sseh_lit.clidocs > docs/cli.md

## accel: recompile the hot modules (setup.py) after editing them; until then their sources run
accel: $(STAMP)
	$(BIN)/pip install --quiet -c constraints.txt --no-deps -e .

clean:
	rm -rf $(VENV) outputs/demo outputs/demo.db* build
	rm -f sseh_lit/*.so sseh_lit/*.so.sha256 sseh_lit/*/*.so sseh_lit/*/*.so.sha256
