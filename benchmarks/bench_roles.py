"""Role inference accuracy: hide the roles of labelled dialogues and ask who the agent is.

    PYTHONPATH=. python benchmarks/bench_roles.py [--errors N]

Splits: STC-3 train dialogues and AB-ReDial dialogues by id parity (even = development,
where the cues in cxnlp/resources/role_cues.yaml were tuned; odd = held out, reported
separately), and the anonymous-speaker fixtures under tests/data/formats/ (their agent is
written down below, from the fixture's content). Each dialogue's speakers are relabelled
S0, S1 in order of appearance, so the order gives nothing away beyond what the data has.

Reported per split: n, decided (confidence at or above the threshold), accuracy among the
decided, and accuracy over all (an undecided call counts as wrong: it is rejected).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import ABREDIAL, REPO, STC3
from cxnlp.ingest import read_transcripts
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


def _hidden(transcript: Transcript) -> tuple[list[tuple[str, str]], str]:
    names: dict[str, str] = {}
    turns = []
    for turn in transcript.turns:
        label = names.setdefault(turn.speaker, f"S{len(names)}")
        turns.append((label, turn.text))
    return turns, names.get("agent", "none")


def _parity(transcript_id: str) -> str:
    digits = re.findall(r"\d+", transcript_id)
    return "dev" if digits and int(digits[-1]) % 2 == 0 else "held-out"


def evaluate(items: Iterable[tuple[list[tuple[str, str]], str, str]], errors: int = 0) -> dict[str, float]:
    cues = load_role_cues()
    n = decided = right = 0
    shown = 0
    for turns, truth, name in items:
        n += 1
        decision = infer_roles(turns, cues)
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
        "n": n,
        "decided": decided,
        "acc_decided": right / decided if decided else float("nan"),
        "acc_all": right / n if n else float("nan"),
    }


def dataset_items(path: Path, fmt: str) -> dict[str, list]:
    splits: dict[str, list] = {"dev": [], "held-out": []}
    seen: set[str] = set()
    for item in read_transcripts(path, format=fmt):
        if not isinstance(item, Transcript) or item.id in seen:
            continue
        seen.add(item.id)
        turns, truth = _hidden(item)
        splits[_parity(item.id)].append((turns, truth, item.id))
    return splits


def fixture_items() -> list:
    items = []
    for name, agent in FIXTURE_AGENTS.items():
        transcript = next(t for t in read_transcripts(FIXTURES / name) if isinstance(t, Transcript))
        inferred = transcript.metadata.get("inferred_agent_speaker")
        items.append((inferred, agent, name))
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--errors", type=int, default=0, help="print up to N misses per split")
    args = parser.parse_args(argv)
    print(f"cues: {load_role_cues().source} threshold {load_role_cues().threshold}")
    for name, path, fmt in (("STC-3", STC3, "stc3"), ("AB-ReDial", ABREDIAL, "abredial")):
        for split, items in dataset_items(path, fmt).items():
            r = evaluate(items, args.errors)
            print(
                f"{name:9s} {split:8s} n={r['n']:5d} decided={r['decided'] / r['n']:.3f} "
                f"acc_decided={r['acc_decided']:.4f} acc_all={r['acc_all']:.4f}"
            )
    fixtures = fixture_items() if FIXTURES.is_dir() else []
    right = sum(inferred == agent for inferred, agent, _ in fixtures)
    if fixtures:
        print(f"fixtures  all      n={len(fixtures):5d} acc_all={right / len(fixtures):.4f}")
    for inferred, agent, name in fixtures:
        if inferred != agent:
            print(f"  WRONG fixture {name}: inferred {inferred}, truth {agent}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
