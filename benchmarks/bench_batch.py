"""Nightly-batch throughput, memory per worker, the fast embedding path, and projections.

Run by hand (never in the tests), ideally on an otherwise idle machine:

    .venv/bin/python benchmarks/bench_batch.py [--limit N] [--skip-memory] [--skip-onnx]

On the STC-3 helpdesk dialogues (../shared/data), in one run:
1. ``cxnlp batch`` with the local engine at 1 and 2 workers, into fresh stores:
   transcripts/s, sentences/s, and the ratio to the bare encoder's sentences/s on exactly
   the strings the batch embedded (recorded in the 1-worker run; timed in the same run);
2. peak RSS of a 1-worker batch run on 1x and 4x the input (child process);
3. the ONNX int8 embedding path against the plain sentence-transformers path: speed of
   the whole scorer, the largest change of any dimension score, and the change in
   cross-validated agreement (Spearman with rater satisfaction S) of the calibrated score;
4. a projection of a night of 50,000 and 1,000,000 transcripts.
Results are appended to benchmarks/results/batch.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS_DIR, STC3, recording_scorer, stc3_transcripts

RESULTS = RESULTS_DIR / "batch.jsonl"


def write_jsonl(items, path: Path, copies: int = 1) -> Path:
    with open(path, "w", encoding="utf-8") as sink:
        for copy in range(copies):
            for t in items:
                turns = [{"speaker": turn.speaker, "text": turn.text} for turn in t.turns]
                sink.write(json.dumps({"id": f"{t.id}-{copy}", "turns": turns}, ensure_ascii=False) + "\n")
    return path


def distinct_sentences(items) -> list[str]:
    """The distinct content texts the pipeline embeds for these transcripts."""
    from cxnlp.nlp import content_text, load_pipeline

    nlp = load_pipeline()
    seen: dict[str, None] = {}
    texts = [turn.text for t in items for turn in t.turns]
    for doc in nlp.pipe(texts, batch_size=256):
        for span in doc.sents:
            if any(not (tok.is_punct or tok.is_space) for tok in span):
                seen.setdefault(content_text(span) or span.text.strip())
    return list(seen)


def bare_encoder_rate(sentences: list[str], backend: str = "torch") -> float:
    from cxnlp.nlp import SentenceEncoder

    encoder = SentenceEncoder(cache_size=0, backend=backend)
    encoder.encode_raw(sentences[:64])
    started = time.perf_counter()
    encoder.encode_raw(sentences)
    return len(sentences) / (time.perf_counter() - started)


def batch_throughput(src: Path, workers: int, workdir: Path, scorer=None) -> dict:
    """One batch run into a fresh store. With one worker the run is in-process, so a
    recording scorer tells which strings the encoder embedded (the same strings at any
    worker count: chunking follows input order)."""
    from cxnlp.batch.nightly import run_batch
    from cxnlp.batch.store import latest_results

    store = workdir / f"store_w{workers}"
    summary = run_batch([src], store, workers=workers, engine="local", scorer=scorer)
    table = latest_results(store)
    return {
        "workers": workers,
        "scored": summary.scored,
        "seconds": round(summary.seconds, 1),
        "transcripts_per_s": round(summary.scored / summary.seconds, 2),
        "sentences_in_transcripts": int(table["n_sentences"].sum()),
    }


def batch_peak_rss(src: Path, workdir: Path, tag: str) -> dict:
    store = workdir / f"store_mem_{tag}"
    code = (
        "import resource, sys; from cxnlp.cli import main\n"
        f"sys.argv = ['cxnlp', 'batch', {str(src)!r}, '--store', {str(store)!r}, '--workers', '1']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    kb = int(next(ln for ln in proc.stdout.splitlines() if ln.startswith("MAXRSS_KB")).split()[1])
    records = sum(1 for _ in open(src, encoding="utf-8"))
    return {
        "input": tag,
        "records": records,
        "peak_rss_mb": round(kb / 1024, 1),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }


def onnx_comparison(items) -> dict:
    """Same transcripts scored with both embedding paths: speed, score change, agreement change."""
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import KFold

    from cxnlp.calibration import ScoreCalibrator, calibration_features, spearman
    from cxnlp.ingest import stc3_labels
    from cxnlp.scoring import DIMENSION_COLUMNS, Scorer

    frames, seconds = {}, {}
    for backend in ("torch", "onnx-int8"):
        scorer = Scorer(embedding=backend).prepare()
        scorer.score(items[:8])
        scorer.parser.encoder.clear_cache()
        started = time.perf_counter()
        frames[backend] = scorer.score(items)
        seconds[backend] = time.perf_counter() - started
    torch_frame, onnx_frame = frames["torch"], frames["onnx-int8"]
    cols = [*DIMENSION_COLUMNS, "interaction_score"]
    diff = (torch_frame[cols] - onnx_frame[cols]).abs()
    labels = stc3_labels(STC3).groupby("transcript_id")["S"].mean()
    agreement = {}
    folds = KFold(5, shuffle=True, random_state=0)
    for backend, frame in frames.items():
        y = frame["transcript_id"].map(labels).to_numpy(dtype=float)
        X = frame[calibration_features(frame)].astype(float)
        oof = np.full(len(y), np.nan)
        for train, test in folds.split(X):
            model = ScoreCalibrator().fit(X.iloc[train], y[train])
            oof[test] = model.predict(X.iloc[test])
        agreement[backend] = spearman(y, oof)
    return {
        "transcripts": len(items),
        "torch_transcripts_per_s": round(len(items) / seconds["torch"], 2),
        "onnx_int8_transcripts_per_s": round(len(items) / seconds["onnx-int8"], 2),
        "speedup": round(seconds["torch"] / seconds["onnx-int8"], 2),
        "max_abs_score_change": {c: round(float(diff[c].max()), 2) for c in cols},
        "mean_abs_score_change": {c: round(float(diff[c].mean()), 3) for c in cols},
        "cv_spearman_S_torch": round(float(agreement["torch"]), 4),
        "cv_spearman_S_onnx_int8": round(float(agreement["onnx-int8"]), 4),
        "pandas": pd.__version__,
    }


def projection(rate_per_worker: float, scaling_2: float) -> dict:
    """Hours for a night of 50k and 1M transcripts, from the measured per-worker rate.

    One 2-core machine runs 2 workers at the measured 2-worker rate; N Dask workers (each a
    2-core machine running 2 local workers) are assumed to scale with the measured
    2-worker efficiency, which is pessimistic for separate machines (no shared cores).
    """
    machine_rate = rate_per_worker * 2 * scaling_2
    out = {}
    for n in (50_000, 1_000_000):
        out[str(n)] = {
            "one_machine_hours": round(n / machine_rate / 3600, 2),
            **{f"{m}_machines_hours": round(n / (machine_rate * m) / 3600, 2) for m in (4, 16, 64)},
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--memory-limit", type=int, default=400, help="Dialogues in the 1x memory input (4x is 4 times it)."
    )
    parser.add_argument("--skip-onnx", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="Print only; append no JSON.")
    args = parser.parse_args()
    if not STC3.is_file():
        sys.exit(f"STC-3 data not found at {STC3}; it lives in ../shared/data beside the checkout.")
    items = stc3_transcripts(args.limit)
    report: dict = {
        "benchmark": "batch",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "load_average_at_start": os.getloadavg(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        src = write_jsonl(items, workdir / "x1.jsonl")
        recorder = recording_scorer()
        runs = [batch_throughput(src, 1, workdir, scorer=recorder)]
        embedded = list(recorder.parser.encoder.sent)
        runs.append(batch_throughput(src, 2, workdir))
        distinct = distinct_sentences(items)
        bare = bare_encoder_rate(embedded)
        for run in runs:
            run["sentences_embedded"] = len(embedded)
            run["distinct_parse_sentences"] = len(distinct)
            run["sentences_per_s"] = round(len(embedded) / run["seconds"], 1)
            run["ratio_to_bare_encoder"] = round(run["sentences_per_s"] / bare, 3)
        report["throughput"] = runs
        report["bare_encoder_sentences_per_s"] = round(bare, 1)
        print(json.dumps(report, indent=2), flush=True)
        per_worker = runs[0]["transcripts_per_s"]
        scaling = runs[1]["transcripts_per_s"] / (2 * per_worker)
        report["two_worker_efficiency"] = round(scaling, 3)
        report["projection"] = projection(per_worker, scaling)
        if not args.skip_memory:
            few = items[: args.memory_limit]
            src1 = write_jsonl(few, workdir / "m1.jsonl")
            src4 = write_jsonl(few, workdir / "m4.jsonl", copies=4)
            report["memory"] = [batch_peak_rss(src1, workdir, "1x"), batch_peak_rss(src4, workdir, "4x")]
            print(json.dumps(report["memory"], indent=2), flush=True)
    if not args.skip_onnx:
        report["onnx_int8"] = onnx_comparison(items)
        print(json.dumps(report["onnx_int8"], indent=2), flush=True)
    report["self_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(report["projection"], indent=2))
    if not args.no_record:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with open(RESULTS, "a", encoding="utf-8") as sink:
            sink.write(json.dumps(report) + "\n")


if __name__ == "__main__":
    main()
