# SourceTrace: every target sets up what it needs from nothing.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export QT_QPA_PLATFORM ?= offscreen

.PHONY: run test lint typecheck venv screenshots bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,semantic]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	QT_QPA_PLATFORM= $(BIN)/sourcetrace --demo

lint: $(STAMP)
	$(BIN)/ruff check app db importers ui tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP)
	bash scripts/ensure-system-deps.sh
	$(BIN)/ruff check app db importers ui tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --timeout=600 tests

screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py docs/screenshots

bench: $(STAMP)
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/match_bench.py
	$(BIN)/python bench/semantic_bench.py
	$(BIN)/python bench/clef_map.py --by both,words

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
