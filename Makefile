# One-command set-up for newcomers and CI. Everything lands in ./.venv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast lint bench calibrator report clean

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

## Everything, as CI runs it: about 15 min on 2 cores.
test: $(STAMP)
	$(BIN)/python -m pytest -q

## The developer's loop: skips the tests marked slow (model-loading CLI workflows, notebooks, Dask).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check cxnlp tests benchmarks data
	$(BIN)/ruff format --check cxnlp tests benchmarks data
	$(BIN)/python -m mypy cxnlp

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_embedding.py
	$(BIN)/python benchmarks/bench_calibration_stc3.py

## Refit the calibrator shipped in models/sample from the bundled sample and its labels.
calibrator: $(STAMP)
	$(BIN)/cxnlp score data/sample_transcripts.jsonl --out out/sample_scores.parquet
	$(BIN)/cxnlp calibrate out/sample_scores.parquet data/sample_rubric.csv data/sample_surveys.csv \
		--target rubric_score --target survey_rating --scale rubric_score=0-100 \
		--scale survey_rating=0-100 --out models/sample

## The QA lead's report on the bundled sample.
report: $(STAMP)
	$(BIN)/cxnlp score data/sample_transcripts.jsonl --out out/sample_scores.parquet \
		--calibration models/sample
	$(BIN)/cxnlp report out/sample_scores.parquet --surveys data/sample_surveys.csv \
		--out out/report.html --png-dir out/figures

clean:
	rm -rf out .pytest_cache
