"""Speed and agreement of the sentence-embedding backends on real helpdesk sentences.

Run by hand (never in the tests):

    .venv/bin/python benchmarks/bench_embedding.py [--n 2000] [--batch-size 64] [--repeats 3]

Backends, all on the same distinct sentences and the same CPU threads:
- ``torch``: sentence-transformers, the plain path of :class:`cxnlp.embedding.SentenceEncoder`;
- ``onnx``: :class:`cxnlp.embedding.onnx.OnnxMiniLM` with the fp32 graph;
- ``onnx-int8``: the same with the dynamically quantised int8 graph.

For each: sentences/s (best of ``--repeats`` full passes, interleaved across backends,
after a warm-up batch), and its
agreement with ``torch``: mean and minimum cosine between the two vectors of each sentence,
and the Pearson correlation of pair cosines over random sentence pairs (what the scorers
consume is similarities, so that is the figure that matters). The one-off export and
quantisation time is measured in a fresh cache folder. Results are appended as JSON to
benchmarks/results/embedding.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import numpy as np
from common import append_result

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
STC3 = REPO.parent / "shared" / "data" / "stc3-dch1-en" / "train_data_en.json"
RESULTS = REPO / "benchmarks" / "results" / "embedding.jsonl"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
HAS_LETTER = re.compile(r"[A-Za-z]")


def load_sentences(n: int, seed: int) -> list[str]:
    """``n`` distinct sentences drawn from the customer and helpdesk turns of STC-3."""
    dialogues = json.loads(STC3.read_text(encoding="utf-8"))
    seen: dict[str, None] = {}
    for dialogue in dialogues:
        for turn in dialogue["turns"]:
            for utterance in turn["utterances"]:
                for piece in SENTENCE_END.split(utterance):
                    piece = " ".join(piece.split())
                    if HAS_LETTER.search(piece):
                        seen.setdefault(piece, None)
    sentences = list(seen)
    random.Random(seed).shuffle(sentences)
    return sentences[:n]


def throughput(encoders: dict, sentences: list[str], batch_size: int, repeats: int):
    """Best-of-``repeats`` sentences/s per backend, and each backend's vectors.

    The repeats are interleaved (A, B, C, A, B, C, ...) so that load from other processes
    on a shared machine falls on all backends alike.
    """
    for encode in encoders.values():
        encode(sentences[:batch_size], batch_size)  # warm-up: lazy loads, allocator, kernels
    best = dict.fromkeys(encoders, float("inf"))
    vectors = {}
    for _ in range(repeats):
        for name, encode in encoders.items():
            start = time.perf_counter()
            vectors[name] = np.asarray(encode(sentences, batch_size), dtype=np.float32)
            best[name] = min(best[name], time.perf_counter() - start)
    return {name: len(sentences) / best[name] for name in encoders}, vectors


def agreement(reference: np.ndarray, other: np.ndarray, pairs: np.ndarray) -> dict[str, float]:
    """Per-sentence cosine and pair-cosine correlation of ``other`` against ``reference``."""
    own = np.einsum("ij,ij->i", reference, other)
    ref_pairs = np.einsum("ij,ij->i", reference[pairs[:, 0]], reference[pairs[:, 1]])
    oth_pairs = np.einsum("ij,ij->i", other[pairs[:, 0]], other[pairs[:, 1]])
    return {
        "mean_cosine": float(own.mean()),
        "min_cosine": float(own.min()),
        "pair_cosine_pearson": float(np.corrcoef(ref_pairs, oth_pairs)[0, 1]),
        "pair_cosine_max_abs_diff": float(np.abs(ref_pairs - oth_pairs).max()),
    }


def random_pairs(n: int, count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    left = rng.integers(0, n, size=count)
    right = (left + rng.integers(1, n, size=count)) % n  # never a sentence with itself
    return np.stack([left, right], axis=1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="distinct sentences to embed")
    ap.add_argument("--pairs", type=int, default=5000, help="random pairs for the correlation")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-save", action="store_true", help="do not append to the JSONL")
    args = ap.parse_args(argv)

    import torch

    from cxnlp.embedding import SentenceEncoder
    from cxnlp.embedding.onnx import OnnxMiniLM

    sentences = load_sentences(args.n, args.seed)
    pairs = random_pairs(len(sentences), args.pairs, args.seed)
    tokens = OnnxMiniLM(quantize=False).tokenizer.encode_batch(sentences)
    mean_tokens = float(np.mean([len(e.ids) for e in tokens]))

    with tempfile.TemporaryDirectory() as fresh:
        start = time.perf_counter()
        OnnxMiniLM(quantize=True, cache_dir=fresh)
        export_s = time.perf_counter() - start

    torch_encoder = SentenceEncoder(batch_size=args.batch_size, cache_size=0)
    backends = {
        "torch": lambda texts, bs: torch_encoder.encode_raw(texts),
        "onnx": OnnxMiniLM(quantize=False).encode,
        "onnx-int8": OnnxMiniLM(quantize=True).encode,
    }
    rates, vectors = throughput(backends, sentences, args.batch_size, args.repeats)
    rows = {name: {"sentences_per_s": rate} for name, rate in rates.items()}
    for name, row in rows.items():
        row.update(agreement(vectors["torch"], vectors[name], pairs))
        row["speedup_vs_torch"] = row["sentences_per_s"] / rows["torch"]["sentences_per_s"]

    header = (
        f"{'backend':<10} {'sent/s':>8} {'speedup':>8} {'mean cos':>9} {'min cos':>8} "
        f"{'pair r':>7} {'max |dcos|':>10}"
    )
    lines = [
        f"{len(sentences)} distinct STC-3 sentences (mean {mean_tokens:.1f} tokens), "
        f"{len(pairs)} pairs, batch {args.batch_size}, {torch.get_num_threads()} threads, "
        f"best of {args.repeats}",
        header,
        "-" * len(header),
    ]
    for name, row in rows.items():
        lines.append(
            f"{name:<10} {row['sentences_per_s']:>8.0f} {row['speedup_vs_torch']:>7.2f}x "
            f"{row['mean_cosine']:>9.4f} {row['min_cosine']:>8.4f} "
            f"{row['pair_cosine_pearson']:>7.4f} {row['pair_cosine_max_abs_diff']:>10.4f}"
        )
    lines.append(f"one-off export + int8 quantisation: {export_s:.1f} s")
    sys.stdout.write("\n".join(lines) + "\n")

    record = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
        },
        "versions": {
            p: version(p) for p in ("torch", "sentence-transformers", "transformers", "onnx", "onnxruntime")
        },
        "n_sentences": len(sentences),
        "mean_tokens": mean_tokens,
        "n_pairs": len(pairs),
        "batch_size": args.batch_size,
        "repeats": args.repeats,
        "seed": args.seed,
        "export_and_quantize_s": export_s,
        "backends": rows,
    }
    if not args.no_save:
        append_result(RESULTS, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
