"""Whether a speed-up is exact: the full output tables of two code versions, compared.

Run by hand (never in the tests), once per version, then compare:

    PYTHONPATH=/path/to/main   .venv/bin/python benchmarks/check_identical.py score /tmp/a.pkl
    PYTHONPATH=/path/to/branch .venv/bin/python benchmarks/check_identical.py score /tmp/b.pkl
    .venv/bin/python benchmarks/check_identical.py compare /tmp/a.pkl /tmp/b.pkl

``score`` scores the bundled sample calls and the first ``--limit`` STC-3 dialogues with a
default ``Scorer`` and pickles both output tables (every column, the evidence JSON, slot
vectors). ``--vectors FILE`` records every encoder output to FILE on the first run and
replays it on later runs, so a run costs only the non-encoder work (use it only for
changes that leave what is embedded alone); the CPU time printed is that non-encoder work.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from common import SAMPLE_CALLS, stc3_transcripts


def score(out: Path, limit: int, vectors: Path | None) -> None:
    from cxnlp.embedding.encoder import SentenceEncoder
    from cxnlp.ingest import read_transcripts
    from cxnlp.model import Transcript
    from cxnlp.scoring import Scorer

    replay = pickle.loads(vectors.read_bytes()) if vectors is not None and vectors.is_file() else None
    record: dict[str, np.ndarray] = {}
    encode_raw = SentenceEncoder.encode_raw
    spent = [0.0]

    def recorded(self, texts):  # type: ignore[no-untyped-def]
        started = time.process_time()
        try:
            if replay is not None and texts and all(t in replay for t in texts):
                return np.asarray([replay[t] for t in texts], dtype=np.float32)
            result = encode_raw(self, texts)
            record.update(zip(texts, result, strict=True))
            return result
        finally:
            spent[0] += time.process_time() - started

    SentenceEncoder.encode_raw = recorded  # type: ignore[method-assign]
    sample = [t for t in read_transcripts(SAMPLE_CALLS) if isinstance(t, Transcript)]
    scorer = Scorer().prepare()
    started, encoder_before = time.process_time(), spent[0]
    tables = (scorer.score(sample), scorer.score(stc3_transcripts(limit)))
    cpu = time.process_time() - started - (spent[0] - encoder_before)
    print(f"non-encoder CPU {cpu:.1f} s; rows {len(tables[0])} + {len(tables[1])}")
    out.write_bytes(pickle.dumps(tables))
    if vectors is not None and replay is None:
        vectors.write_bytes(pickle.dumps(record))


def _same(u: object, v: object) -> bool:
    if isinstance(u, np.ndarray) or isinstance(v, np.ndarray):
        return np.array_equal(np.asarray(u), np.asarray(v))
    if isinstance(u, float) and isinstance(v, float) and np.isnan(u) and np.isnan(v):
        return True
    return bool(u == v)


def compare(a: Path, b: Path) -> bool:
    same = True
    for name, x, y in zip(
        ("sample", "stc3"), pickle.loads(a.read_bytes()), pickle.loads(b.read_bytes()), strict=True
    ):
        if list(x.columns) != list(y.columns) or len(x) != len(y):
            print(f"{name}: columns or rows differ")
            same = False
            continue
        diffs = [
            (c, i)
            for c in x.columns
            for i, (u, v) in enumerate(zip(x[c], y[c], strict=True))
            if not _same(u, v)
        ]
        print(f"{name}: {len(x)} rows, {len(x.columns)} columns, {len(diffs)} differing cells {diffs[:5]}")
        same &= not diffs
    print("IDENTICAL" if same else "DIFFERENT")
    return same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("score")
    run.add_argument("out", type=Path)
    run.add_argument("--limit", type=int, default=200)
    run.add_argument("--vectors", type=Path, default=None)
    check = sub.add_parser("compare")
    check.add_argument("a", type=Path)
    check.add_argument("b", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.command == "score":
        score(args.out, args.limit, args.vectors)
    else:
        sys.exit(0 if compare(args.a, args.b) else 1)


if __name__ == "__main__":
    main()
