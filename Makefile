# One-command set-up for newcomers and CI. Everything lands in ./.venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Score the bundled synthetic sample and show what came out.
demo: $(STAMP)
	$(BIN)/cxnlp score data/sample_transcripts.jsonl --out out/sample_scores.parquet
	$(BIN)/cxnlp show out/sample_scores.parquet

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check cxnlp tests benchmarks data

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_scoring.py

clean:
	rm -rf out .pytest_cache
