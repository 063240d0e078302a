"""Throughput and memory of the scoring pipeline on the STC-3 helpdesk dialogues.

Run by hand (never in the tests):

    .venv/bin/python benchmarks/bench_scoring.py [--limit N] [--skip-memory]

Reports, in one run on the same machine:
- the whole pipeline (parse, embed, four dimensions, composite) in transcripts/s and in
  sentences/s, where the sentences are the distinct ones the pipeline actually embedded;
- the bare encoder's sentences/s on exactly those sentences (fresh encoder, no cache);
- their ratio (target >= 0.6);
- peak RSS of ``cxnlp score`` in a child process on 1x and 4x the input (the 4x copy has
  distinct ids and is scored as a stream, so a flat peak means memory does not grow with
  the input).
Results are appended as JSON to benchmarks/results/scoring.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

from common import RESULTS_DIR, STC3, append_result, cli_peak_rss, recording_scorer, stc3_transcripts

from cxnlp.limits import DEFAULT_BATCH_SIZE

RESULTS = RESULTS_DIR / "scoring.jsonl"


def measure_throughput(limit: int | None, batch_size: int) -> dict:
    import torch

    from cxnlp.nlp import SentenceEncoder

    transcripts = stc3_transcripts(limit)
    scorer = recording_scorer(batch_size)
    encoder = scorer.parser.encoder
    scorer.prepare()  # model loading and prototype embedding are start-up, not throughput
    encoder.sent.clear()
    warm = scorer.score(transcripts[:8])  # first-call overheads (thread pools, allocators)
    del warm
    encoder.clear_cache()
    encoder.sent.clear()

    started = time.perf_counter()
    frame = scorer.score(transcripts)
    pipeline_s = time.perf_counter() - started
    embedded = list(encoder.sent)

    bare = SentenceEncoder(cache_size=0)
    bare.encode_raw(embedded[:64])  # warm-up, same as the pipeline had
    started = time.perf_counter()
    bare.encode_raw(embedded)
    bare_s = time.perf_counter() - started

    pipeline_rate = len(embedded) / pipeline_s
    bare_rate = len(embedded) / bare_s
    return {
        "transcripts": len(frame),
        "sentences_in_transcripts": int(frame["n_sentences"].sum()),
        "sentences_embedded": len(embedded),
        "pipeline_seconds": round(pipeline_s, 2),
        "transcripts_per_s": round(len(frame) / pipeline_s, 2),
        "pipeline_sentences_per_s": round(pipeline_rate, 1),
        "bare_encoder_seconds": round(bare_s, 2),
        "bare_encoder_sentences_per_s": round(bare_rate, 1),
        "ratio_to_bare_encoder": round(pipeline_rate / bare_rate, 3),
        "batch_size": batch_size,
        "torch_threads": torch.get_num_threads(),
    }


def measure_peak_rss(limit: int | None, factor: int, workdir: Path, batch_size: int) -> dict:
    """Peak RSS of ``cxnlp score`` on ``factor`` copies of the input, in a child process."""
    src = workdir / f"stc3_x{factor}.jsonl"
    with open(src, "w", encoding="utf-8") as sink:
        for copy in range(factor):
            for t in stc3_transcripts(limit):
                record = {
                    "id": f"{t.id}-{copy}",
                    "turns": [{"speaker": turn.speaker, "text": turn.text} for turn in t.turns],
                }
                sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    out = workdir / f"scores_x{factor}.parquet"
    peak_mb, seconds = cli_peak_rss("score", str(src), "--out", str(out), "--batch-size", str(batch_size))
    lines = sum(1 for _ in open(src, encoding="utf-8"))
    return {
        "factor": factor,
        "records": lines,
        "batch_size": batch_size,
        "peak_rss_mb": peak_mb,
        "wall_seconds": seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N dialogues.")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="default: the Scorer's")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument(
        "--memory-limit", type=int, default=400, help="Dialogues in the 1x memory input (4x is 4 times it)."
    )
    args = parser.parse_args()
    if not STC3.is_file():
        sys.exit(f"STC-3 data not found at {STC3}; it lives in ../shared/data beside the checkout.")

    report: dict = {
        "benchmark": "scoring",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    report["throughput"] = measure_throughput(args.limit, args.batch_size)
    print(json.dumps(report["throughput"], indent=2), flush=True)
    if not args.skip_memory:
        with tempfile.TemporaryDirectory() as tmp:
            report["memory"] = [
                measure_peak_rss(args.memory_limit, factor, Path(tmp), args.batch_size) for factor in (1, 4)
            ]
        print(json.dumps(report["memory"], indent=2))
    report["self_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    append_result(RESULTS, report)


if __name__ == "__main__":
    main()
