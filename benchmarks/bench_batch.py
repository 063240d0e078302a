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

``--noop-rows N`` measures something else instead: the nightly run when there is nothing to
do. It synthesises a store of N rows shaped like real ones (about 70 columns, a 6 kB evidence
cell and a 5 kB ``slot_vectors`` cell each, in parts of 256) for N synthetic transcripts,
without scoring them, then times ``run_batch`` over the same N transcripts in a child process
(everything skipped) and reports its seconds (wall and CPU), those of ``latest_hashes``
alone, and the child's peak RSS. ``--code DIR`` (repeatable) compares checkouts on one store,
alternating. Nothing here needs the models or STC-3.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS_DIR, STC3, append_result, cli_peak_rss, recording_scorer, stc3_transcripts

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
    peak_mb, seconds = cli_peak_rss("batch", str(src), "--store", str(store), "--workers", "1")
    records = sum(1 for _ in open(src, encoding="utf-8"))
    return {"input": tag, "records": records, "peak_rss_mb": peak_mb, "wall_seconds": seconds}


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


NOOP_PART_ROWS = 256


def synth_noop_store(workdir: Path, rows: int) -> tuple[Path, Path]:
    """``rows`` synthetic transcripts as JSONL, and a store holding a scored row for each.

    Written with pyarrow and json directly (the documented layout, not the store's writer)
    so the same script measures any version of the store code.
    """
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    from cxnlp.batch.nightly import configuration
    from cxnlp.ingest import read_transcripts
    from cxnlp.model import Transcript
    from cxnlp.schema import DIMENSION_COLUMNS
    from cxnlp.scoring import Scorer

    src = workdir / "noop.jsonl"
    with open(src, "w", encoding="utf-8") as sink:
        for i in range(rows):
            turns = [
                {"speaker": "customer", "text": f"Hello, my order {i} has not arrived yet."},
                {"speaker": "agent", "text": f"Sorry about that, I have resent order {i} today."},
            ]
            sink.write(json.dumps({"id": f"t{i:07d}", "turns": turns, "team": f"team-{i % 7}"}) + "\n")
    hashes = [
        (t.id, t.content_hash()) for t in read_transcripts(src, format="jsonl") if isinstance(t, Transcript)
    ]
    config_id, _ = configuration(Scorer())
    store = workdir / "store"
    run_id = "20260101T000000000000Z-000000"
    folder = store / "results" / "scored_date=2026-01-01"
    folder.mkdir(parents=True)
    rng = random.Random(0)
    features = [f"f_dim__feature_{k}" for k in range(60)]
    scores = (*DIMENSION_COLUMNS, "interaction_score")
    parts = []
    for n, start in enumerate(range(0, rows, NOOP_PART_ROWS)):
        chunk = hashes[start : start + NOOP_PART_ROWS]
        size = len(chunk)
        columns = {
            "transcript_id": [tid for tid, _ in chunk],
            "team": [f"team-{i % 7}" for i in range(start, start + size)],
            **{c: [rng.uniform(0, 100) for _ in range(size)] for c in scores},
            "n_sentences": [rng.randint(2, 80) for _ in range(size)],
            **{c: [rng.random() for _ in range(size)] for c in features},
            "evidence": [json.dumps([{"dimension": "x", "sentence": "s" * 90, "weight": 0.5}] * 50)] * size,
            # 3,840 random bytes as base64: 5,120 characters that compress as little as real vectors.
            "slot_vectors": [base64.b64encode(os.urandom(3840)).decode() for _ in range(size)],
            "content_hash": [h for _, h in chunk],
            "config_id": [config_id] * size,
            "run_id": [run_id] * size,
            "scored_at": ["2026-01-01T00:00:00.000000+00:00"] * size,
        }
        path = folder / f"part-{run_id}-{n:06d}.parquet"
        pq.write_table(pa.table(columns), path)
        parts.append(str(path.relative_to(store)))
    for sub in ("rejects", "manifest", "configs"):
        (store / sub).mkdir()
    manifest = {
        "run_id": run_id,
        "status": "complete",
        "started_at": "2026-01-01T00:00:00+00:00",
        "finished_at": "2026-01-01T01:00:00+00:00",
        "seconds": 3600.0,
        "inputs": [str(src)],
        "config_id": config_id,
        "configuration": {},
        "engine": "local",
        "workers": 1,
        "commit_every": NOOP_PART_ROWS,
        "parts": parts,
        "rejects": None,
        "error": None,
        "counts": {"read": rows, "scored": rows, "rejected": 0, "skipped": 0},
    }
    (store / "manifest" / f"{run_id}.json").write_text(json.dumps(manifest), encoding="utf-8")
    return src, store


_NOOP_CHILD = """
import json, resource, sys, time
from cxnlp.batch.nightly import configuration, run_batch
from cxnlp.batch.store import ResultStore
from cxnlp.scoring import Scorer
src, store = sys.argv[1], sys.argv[2]
scorer = Scorer()
config_id, _ = configuration(scorer)
started, cpu = time.perf_counter(), time.process_time()
known = ResultStore(store).latest_hashes(config_id)
hashes_s, hashes_cpu = time.perf_counter() - started, time.process_time() - cpu
after_hashes_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started, cpu = time.perf_counter(), time.process_time()
summary = run_batch([src], store, scorer=scorer)
run_s, run_cpu = time.perf_counter() - started, time.process_time() - cpu
print("RESULT", json.dumps({
    "known": len(known), "latest_hashes_seconds": round(hashes_s, 2),
    "latest_hashes_cpu_seconds": round(hashes_cpu, 2),
    "peak_rss_mb_after_latest_hashes": round(after_hashes_kb / 1024, 1),
    "run_batch_seconds": round(run_s, 2), "run_batch_cpu_seconds": round(run_cpu, 2),
    "read": summary.read, "skipped": summary.skipped,
    "scored": summary.scored,
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
"""


def noop_run(rows: int, repeat: int, code: list[str] | None = None) -> dict:
    """The nightly run over a store that already holds every transcript (see the docstring).

    ``code``: cxnlp checkouts to compare (each put first on the child's PYTHONPATH), run in
    turn on the same store ``repeat`` times (A B A B ...), so a busy machine slows each
    alike; None measures the cxnlp this script imports.
    """
    versions = code or [None]
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        src, store = synth_noop_store(Path(tmp), rows)
        setup = time.perf_counter() - started
        size_mb = sum(p.stat().st_size for p in store.rglob("*.parquet")) / 2**20
        runs = []
        for _ in range(repeat):
            for version in versions:
                env = dict(os.environ)
                if version is not None:
                    env["PYTHONPATH"] = os.pathsep.join([version, env.get("PYTHONPATH", "")])
                proc = subprocess.run(
                    [sys.executable, "-c", _NOOP_CHILD, str(src), str(store)],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=tmp,  # cxnlp from PYTHONPATH, not the cwd
                )
                if proc.returncode != 0:
                    sys.exit(f"the no-op run failed:\n{proc.stderr[-3000:]}")
                line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
                runs.append({"code": version, **json.loads(line.removeprefix("RESULT "))})
                print(json.dumps(runs[-1]), flush=True)
    return {
        "rows": rows,
        "store_parquet_mb": round(size_mb, 1),
        "setup_seconds": round(setup, 1),
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--memory-limit", type=int, default=400, help="Dialogues in the 1x memory input (4x is 4 times it)."
    )
    parser.add_argument("--skip-onnx", action="store_true")
    parser.add_argument("--no-record", action="store_true", help="Print only; append no JSON.")
    parser.add_argument(
        "--noop-rows",
        type=int,
        default=None,
        help="Only time a nightly run that has nothing to do, on a synthetic store of this many rows.",
    )
    parser.add_argument("--repeat", type=int, default=2, help="Child runs for --noop-rows.")
    parser.add_argument("--label", default="", help="A note stored with the --noop-rows record.")
    parser.add_argument(
        "--code",
        action="append",
        default=None,
        help="With --noop-rows: a cxnlp checkout to measure (repeatable; runs alternate on one store).",
    )
    args = parser.parse_args()
    if args.noop_rows is not None:
        report = {
            "benchmark": "batch-noop",
            "label": args.label,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
            "load_average_at_start": os.getloadavg(),
            **noop_run(args.noop_rows, args.repeat, args.code),
        }
        print(json.dumps(report, indent=2))
        if not args.no_record:
            append_result(RESULTS, report)
        return
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
        append_result(RESULTS, report)


if __name__ == "__main__":
    main()
