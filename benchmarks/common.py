"""Shared pieces of the benchmark scripts: where STC-3 lives, loading it, recording what is embedded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
STC3 = REPO.parent / "shared" / "data" / "stc3-dch1-en" / "train_data_en.json"
RESULTS_DIR = REPO / "benchmarks" / "results"
ABREDIAL = REPO.parent / "shared" / "data" / "ab-redial" / "annotated_dialogues.csv"
#: Recommendation dialogues with roles, kept in the repository (see the README beside each):
#: ReDial (CC BY 4.0; fitted on) and IARD (research licence; evaluation only).
REDIAL = REPO / "benchmarks" / "data" / "redial" / "dialogues.jsonl"
IARD = REPO / "benchmarks" / "data" / "iard" / "dialogues.jsonl"
#: Customer-service chats with roles whose licence allows fitting a shipped model: ABCD's public
#: sample (MIT) and calls written or generated for cxnlp (MIT; see the provenance beside each).
ABCD = REPO / "benchmarks" / "data" / "abcd" / "dialogues.jsonl"
VALIDITY_CALLS = REPO / "benchmarks" / "data" / "validity" / "calls_tune.jsonl"
PRIVACY_CALLS = REPO / "benchmarks" / "data" / "privacy" / "calls_dev.jsonl"
SAMPLE_CALLS = REPO / "data" / "sample_transcripts.jsonl"
#: Social-media customer-care threads written for cxnlp (MIT; benchmarks/data/social/README.md):
#: the customer addresses the company's care account by its @handle.
SOCIAL_THREADS = REPO / "benchmarks" / "data" / "social" / "dialogues.jsonl"
#: Taskmaster-4 coffee-ordering dialogues (CC BY 4.0; benchmarks/data/taskmaster/README.md): a
#: customer orders from the shop's ordering assistant, short spoken-style turns.
TASKMASTER = REPO / "benchmarks" / "data" / "taskmaster" / "dialogues.jsonl"
#: Score tables of the public data sets; they quote dialogue text, so the folder is never committed.
CACHE_DIR = REPO / "benchmarks" / "cache"


def stc3_transcripts(limit: int | None = None) -> list:
    """The STC-3 train dialogues as transcripts (the first ``limit`` when given)."""
    from cxnlp.ingest import read_transcripts
    from cxnlp.model import Transcript

    items = [t for t in read_transcripts(STC3, format="stc3") if isinstance(t, Transcript)]
    return items[:limit] if limit else items


def recording_scorer(batch_size: int | None = None):
    """A default Scorer whose encoder remembers exactly which strings it embedded (``.sent``),
    so the bare encoder can be timed on the same strings."""
    from cxnlp.nlp import SentenceEncoder, TranscriptParser, load_pipeline
    from cxnlp.scoring import Scorer

    class RecordingEncoder(SentenceEncoder):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.sent: list[str] = []

        def encode_raw(self, texts):
            self.sent.extend(texts)
            return super().encode_raw(texts)

    kwargs = {} if batch_size is None else {"batch_size": batch_size}
    return Scorer(parser=TranscriptParser(load_pipeline(), RecordingEncoder()), **kwargs)


def unique_records(split: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """A validity split's records with their id, later copies of an id dropped and noted with
    ``split.problem`` (transcript ids must be unique)."""
    seen: set[str] = set()
    for rec in split.records:
        rid = str(rec.get("id", "?"))
        if rid in seen:
            split.problem("duplicate id (first kept)", rid)
            continue
        seen.add(rid)
        yield rid, rec


def append_result(path: Path, record: Mapping[str, Any]) -> None:
    """Append one run's record to a results file (JSON lines; earlier runs are kept).

    Values JSON cannot write (a date, a path) are written as text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as sink:
        sink.write(json.dumps(record, default=str) + "\n")


def cli_peak_rss(*argv: str) -> tuple[float, float]:
    """Peak RSS in MB and wall seconds of one ``cxnlp ARGV`` run in a fresh interpreter, so
    the models it loads count and nothing this process holds does."""
    code = (
        "import resource, sys; from cxnlp.cli import main\n"
        f"sys.argv = ['cxnlp', *{list(argv)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    kb = int(next(line for line in proc.stdout.splitlines() if line.startswith("MAXRSS_KB")).split()[1])
    return round(kb / 1024, 1), round(seconds, 1)


def git_commit(*watched: str) -> str | None:
    """HEAD of the checkout whose cxnlp runs (a snapshot on ``PYTHONPATH`` included), with
    ``+dirty`` when any of the ``watched`` folders has uncommitted changes; None outside git."""
    import cxnlp

    root = Path(cxnlp.__file__).resolve().parents[1]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", *watched],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")
