"""Role inference accuracy: hide the roles of labelled dialogues and ask who the agent is.

    PYTHONPATH=. python benchmarks/bench_roles.py [--errors N] [--dev-only]

The labelled corpora are listed once, with their licence, in :data:`CORPORA`. Each is split
in two halves, reported separately: development (where the model
cxnlp/resources/role_model.json is fitted, if the corpus may be fitted on, and where cues are
written) and held out. Most are split by id parity (last number even = development; see
:func:`split_of`). AB-ReDial is split by a hash of each dialogue's opening instead: most of its
ids have no digits, and nine of its dialogues are filed two or three times under different
ids, so an id rule would both unbalance the halves and put copies of one dialogue in both. Corpora
whose licence forbids shipping a model fitted on them (STC-3: Weibo text, non-commercial
research only; IARD: research licence) are evaluation only, both halves. Also scored: the
anonymous-speaker fixtures under tests/data/formats/ (their agent is written down below,
from the fixture's content) and the fixtures whose export names the roles (Transcribe,
Contact Lens, Genesys, CCAI), with the roles hidden and system turns left out.
``--recogniser`` rewrites every turn as a speech recogniser writes it (lower case, no
punctuation, numbers as words; the validity benchmark's ``recogniser_text``) before the roles
are inferred: what a WhisperX or Deepgram export of the same dialogue would give.
``--errors N`` prints misses of the development halves only (cues are written from those;
the held-out halves' misses are never shown), and ``--dev-only`` scores only the development
halves (nothing recorded), for checking a cue edit before the held-out figures are printed.
Each dialogue's speakers are relabelled S0, S1 in order of appearance, so the order gives
nothing away beyond what the data has.

Reported per split: n, decided (confidence at or above the threshold; 1 - decided is the
rejection share), accuracy among the decided, accuracy over all (labelled correctly among all
calls: a rejected call counts as wrong), silently wrong (accepted with the wrong speaker, as a
share of all calls: the error the threshold exists to prevent), and a reliability table (per
confidence band: calls, share right) that shows whether the confidence is calibrated, with the
Brier score and the expected calibration error (:func:`calibration`) and, for stricter
thresholds (0.9, 0.97), the share decided and the accuracy among them. Each
run appends them, with the model's and the cue file's hashes, to
``benchmarks/results/roles.jsonl`` (``--no-record``: print only).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import (
    ABCD,
    ABREDIAL,
    IARD,
    PRIVACY_CALLS,
    REDIAL,
    REPO,
    RESULTS_DIR,
    SAMPLE_CALLS,
    SOCIAL_THREADS,
    STC3,
    TASKMASTER,
    VALIDITY_CALLS,
)
from cxnlp.ingest import read_transcripts
from cxnlp.ingest.role_model import default_role_model
from cxnlp.ingest.roles import infer_roles, load_role_cues
from cxnlp.model import Transcript

FIXTURES = REPO / "tests" / "data" / "formats"
#: The agent of each anonymous-speaker fixture, read off its content by a person.
FIXTURE_AGENTS = {
    "whisperx.json": "SPEAKER_01",
    "deepgram.json": "speaker 1",
    "assemblyai.json": "speaker B",
    "webvtt.vtt": "Dana",
    "subrip.srt": "SPEAKER_00",
}


@dataclass(frozen=True)
class Corpus:
    """A labelled corpus: where it is, how to read it, its kind, and may a shipped model learn from it."""

    name: str
    path: Path
    format: str
    #: ``customer service`` or ``recommendation``: each kind gets the same total training weight.
    kind: str
    licence: str
    #: May a model shipped in the package be fitted on it (its licence allows commercial use)?
    shippable: bool
    #: Written from templates by this project: its total training weight is capped.
    templated: bool = False
    #: How the corpus is halved (:func:`split_of`): ``parity`` of the id's last number, or
    #: ``opening``, a hash of the dialogue's first turns (copies under other ids stay together).
    split: str = "parity"
    #: At most this share of its kind's training weight (None: rows weigh like the others'): a
    #: large corpus of one channel must not drown the smaller ones of its kind.
    max_share: float | None = None


#: Every labelled corpus the role model is fitted on or measured against, with its licence.
CORPORA = (
    Corpus(
        "STC-3",
        STC3,
        "stc3",
        "customer service",
        "annotations CC BY 4.0; dialogue text crawled from Weibo, non-commercial research and education only",
        shippable=False,
    ),
    Corpus("ABCD", ABCD, "jsonl", "customer service", "MIT (asappresearch/abcd LICENSE)", shippable=True),
    Corpus(
        "cxnlp-calls",
        VALIDITY_CALLS,
        "jsonl",
        "customer service",
        "MIT (written for cxnlp, benchmarks/data/validity/calls_tune.PROVENANCE.md)",
        shippable=True,
    ),
    Corpus(
        "cxnlp-social",
        SOCIAL_THREADS,
        "jsonl",
        "customer service",
        "MIT (written for cxnlp, benchmarks/data/social/README.md)",
        shippable=True,
    ),
    Corpus(
        "cxnlp-privacy",
        PRIVACY_CALLS,
        "jsonl",
        "customer service",
        "MIT (generated for cxnlp, benchmarks/data/privacy/README.md)",
        shippable=True,
        templated=True,
    ),
    Corpus(
        "cxnlp-sample",
        SAMPLE_CALLS,
        "jsonl",
        "customer service",
        "MIT (generated for cxnlp, data/README.md)",
        shippable=True,
        templated=True,
    ),
    Corpus(
        "Taskmaster-4",
        TASKMASTER,
        "jsonl",
        "customer service",
        "CC BY 4.0 (google-research-datasets/Taskmaster TM-4-2024, benchmarks/data/taskmaster/README.md)",
        shippable=True,
        max_share=0.25,
    ),
    Corpus(
        "AB-ReDial",
        ABREDIAL,
        "abredial",
        "recommendation",
        "MIT (Clemenciah/AB-ReDial LICENSE)",
        shippable=True,
        split="opening",
    ),
    Corpus(
        "ReDial",
        REDIAL,
        "jsonl",
        "recommendation",
        "CC BY 4.0 (benchmarks/data/redial/README.md)",
        shippable=True,
    ),
    Corpus(
        "IARD",
        IARD,
        "jsonl",
        "recommendation",
        "research use only, no commercial use (benchmarks/data/iard/README.md)",
        shippable=False,
    ),
)
#: Fixtures whose export names the roles: real contact-centre calls to hide them from.
LABELLED_FIXTURES = ("transcribe.json", "contact_lens.json", "genesys.json", "ccai.json")


def _hidden(transcript: Transcript) -> tuple[list[tuple[str, str]], str]:
    names: dict[str, str] = {}
    turns = []
    for turn in transcript.turns:
        label = names.setdefault(turn.speaker, f"S{len(names)}")
        turns.append((label, turn.text))
    return turns, names.get("agent", "none")


#: Turns whose text decides an ``opening`` split: enough to tell dialogues apart, few enough
#: that the copies of one dialogue (which differ near their end) agree.
OPENING_TURNS = 3


def split_of(transcript: Transcript, rule: str = "parity") -> str:
    """``dev`` or ``held-out``.

    ``parity``: the id's last number is even (no digits: held out). ``opening``: the first
    byte of the SHA-256 of the first :data:`OPENING_TURNS` turns' text (lower-cased letters
    and digits only) is even, so a dialogue filed twice under different ids lands in one half.
    """
    if rule == "opening":
        opening = " ".join(t.text for t in transcript.turns[:OPENING_TURNS]).lower()
        key = " ".join(re.findall(r"[a-z0-9]+", opening))
        return "dev" if hashlib.sha256(key.encode("utf-8")).digest()[0] % 2 == 0 else "held-out"
    if rule != "parity":
        raise ValueError(f"Got split rule {rule!r}; expected 'parity' or 'opening'.")
    digits = re.findall(r"\d+", transcript.id)
    return "dev" if digits and int(digits[-1]) % 2 == 0 else "held-out"


#: Where each run appends its figures (one JSON line: model and cue hashes, every split).
RESULTS = RESULTS_DIR / "roles.jsonl"
#: Confidence bands of the reliability table.
BANDS = (0.5, 0.75, 0.9, 0.97, 1.0001)


#: Stricter thresholds whose coverage and accuracy are reported beside the shipped one's.
STRICTER = (0.9, 0.97)


def calibration(calls: list[tuple[float, bool]]) -> dict[str, Any]:
    """How honest the confidence is, from ``(confidence, right)`` per call.

    ``brier``: mean squared gap between the confidence and being right (0 is perfect; a
    constant 0.5 scores 0.25). ``ece``: expected calibration error over :data:`BANDS`, the
    calls-weighted mean gap between a band's mean confidence and its share right. ``stricter``:
    for each threshold in :data:`STRICTER`, the share of calls decided and the accuracy among
    them, so a deployment can see what a stricter threshold buys.
    """
    n = len(calls)
    if not n:
        return {"brier": float("nan"), "ece": float("nan"), "stricter": {}}
    brier = sum((c - ok) ** 2 for c, ok in calls) / n
    ece = 0.0
    for lo, hi in pairwise(BANDS):
        band = [(c, ok) for c, ok in calls if lo <= c < hi]
        if band:
            ece += abs(sum(c for c, _ in band) - sum(ok for _, ok in band)) / n
    stricter = {}
    for threshold in STRICTER:
        kept = [ok for c, ok in calls if c >= threshold]
        stricter[f"{threshold:g}"] = [len(kept) / n, sum(kept) / len(kept) if kept else float("nan")]
    return {"brier": brier, "ece": ece, "stricter": stricter}


def evaluate(items: Iterable[tuple[list[tuple[str, str]], str, str]], errors: int = 0) -> dict[str, Any]:
    cues = load_role_cues()
    n = decided = right = 0
    shown = 0
    bands = [[0, 0] for _ in BANDS[1:]]
    calls: list[tuple[float, bool]] = []
    for turns, truth, name in items:
        n += 1
        decision = infer_roles(turns, cues)
        calls.append((decision.confidence, decision.agent == truth))
        band = next(i for i, hi in enumerate(BANDS[1:]) if decision.confidence < hi)
        bands[band][0] += 1
        bands[band][1] += decision.agent == truth
        if decision.accepted(cues.threshold):
            decided += 1
            right += decision.agent == truth
            if decision.agent != truth and shown < errors:
                shown += 1
                print(f"  WRONG {name}: {dict(decision.scores)} {turns[:2]}")
        elif shown < errors:
            shown += 1
            print(f"  UNDECIDED {name}: {dict(decision.scores)} {[t[:80] for _, t in turns[:3]]}")
    return {
        "bands": bands,
        "n": n,
        "decided": decided,
        "acc_decided": right / decided if decided else float("nan"),
        "acc_all": right / n if n else float("nan"),
        "wrong_accepted": (decided - right) / n if n else float("nan"),
        **calibration(calls),
    }


def dataset_items(path: Path, fmt: str, split: str = "parity") -> dict[str, list]:
    """``{"dev": [...], "held-out": [...]}`` of ``(hidden turns, agent label, id)``, halved by ``split``."""
    splits: dict[str, list] = {"dev": [], "held-out": []}
    seen: set[str] = set()
    for item in read_transcripts(path, format=fmt):
        if not isinstance(item, Transcript) or item.id in seen:
            continue
        seen.add(item.id)
        turns, truth = _hidden(item)
        splits[split_of(item, split)].append((turns, truth, item.id))
    return splits


def fixture_items() -> list:
    items = []
    for name, agent in FIXTURE_AGENTS.items():
        transcript = next(t for t in read_transcripts(FIXTURES / name) if isinstance(t, Transcript))
        inferred = transcript.metadata.get("inferred_agent_speaker")
        items.append((inferred, agent, name))
    return items


def labelled_fixture_items() -> list:
    """Fixtures whose export names the roles, with the roles hidden (system turns left out)."""
    items = []
    for name in LABELLED_FIXTURES:
        transcript = next(t for t in read_transcripts(FIXTURES / name) if isinstance(t, Transcript))
        spoken = Transcript(transcript.id, tuple(t for t in transcript.turns if t.speaker != "system"))
        turns, truth = _hidden(spoken)
        items.append((turns, truth, name))
    return items


def _line(name: str, split: str, r: dict[str, Any]) -> str:
    bands = " ".join(
        f"[{lo:.2f},{min(hi, 1):.2f}):{count}/{ok}"
        for (lo, hi), (count, ok) in zip(pairwise(BANDS), r["bands"], strict=True)
    )
    return (
        f"{name:13s} {split:8s} n={r['n']:5d} decided={r['decided'] / r['n']:.3f} "
        f"acc_decided={r['acc_decided']:.4f} acc_all={r['acc_all']:.4f} "
        f"wrong_accepted={r['wrong_accepted']:.4f}  calls/right by confidence {bands}  "
        f"brier={r['brier']:.4f} ece={r['ece']:.4f} "
        + " ".join(f"at{t}:{cov:.3f}/{acc:.4f}" for t, (cov, acc) in r["stricter"].items())
    )


def _recogniser_rewrite() -> Any:
    """The validity benchmark's recogniser rewrite (one definition), imported only when asked for."""
    from benchmarks.bench_validity import recogniser_text

    return recogniser_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--errors", type=int, default=0, help="print up to N misses per development split (held-out: never)"
    )
    parser.add_argument(
        "--dev-only", action="store_true", help="score the development halves only (implies --no-record)"
    )
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS}")
    parser.add_argument(
        "--recogniser",
        action="store_true",
        help="rewrite every turn as a speech recogniser writes it (lower case, no punctuation, numbers "
        "as words: bench_validity.recogniser_text) before inferring roles (implies --no-record)",
    )
    args = parser.parse_args(argv)
    rewrite = _recogniser_rewrite() if args.recogniser else None
    model = default_role_model()
    cues = load_role_cues()
    print(f"cues: {cues.source}, model: {model.source} ({model.sha256[:12]}), threshold {cues.threshold}")
    record: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "model_sha256": model.sha256[:12],
        "cues_sha256": cues.sha256[:12],
        "threshold": cues.threshold,
        "results": {},
    }
    for corpus in CORPORA:
        if not corpus.path.is_file():
            print(f"{corpus.name:9s} missing: {corpus.path}")
            continue
        for split, items in dataset_items(corpus.path, corpus.format, corpus.split).items():
            if args.dev_only and split != "dev":
                continue
            if rewrite is not None:
                items = [
                    ([(label, rewrite(text)) for label, text in turns], truth, name)
                    for turns, truth, name in items
                ]
            result = evaluate(items, args.errors if split == "dev" else 0)
            record["results"].setdefault(corpus.name, {})[split] = result
            print(_line(corpus.name, split, result))
    if FIXTURES.is_dir():
        labelled = labelled_fixture_items()
        if rewrite is not None:
            labelled = [
                ([(label, rewrite(text)) for label, text in turns], truth, name)
                for turns, truth, name in labelled
            ]
        print(_line("labelled", "fixtures", evaluate(labelled, args.errors)))
    fixtures = fixture_items() if FIXTURES.is_dir() and rewrite is None else []
    right = sum(inferred == agent for inferred, agent, _ in fixtures)
    if fixtures:
        print(f"fixtures  all      n={len(fixtures):5d} acc_all={right / len(fixtures):.4f}")
    for inferred, agent, name in fixtures:
        if inferred != agent:
            print(f"  WRONG fixture {name}: inferred {inferred}, truth {agent}")
    if not (args.no_record or args.dev_only or args.recogniser):
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        with open(RESULTS, "a", encoding="utf-8") as sink:
            sink.write(json.dumps(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
