"""Check AB-ReDial's role labels against the ReDial dialogues its text came from.

    PYTHONPATH=. python benchmarks/abredial_sources.py --redial train_data.jsonl valid_data.jsonl \
        test_data.jsonl [--show 7C BZ ...]

AB-ReDial was sampled from ReDial, whose records say who played which role
(``initiatorWorkerId`` = seeker, ``respondentWorkerId`` = recommender). For each AB-ReDial
dialogue this finds the ReDial conversations that hold its *distinctive* lines (a message of
25 or more letters, after film titles are dropped, that occurs in one ReDial conversation
only: stock lines such as "what kind of movies do you like" are in dozens and prove nothing)
and says whether AB-ReDial's recommender (the agent) wrote the lines ReDial files under its
recommender. One shared line can be chance (two workers typing the same sentence), so the
summary is also given for dialogues with 3+ and 5+ matched lines. ``--show`` prints, for the
dialogues named, every line with a match and the role it has in ReDial. The ReDial files
read so far are the 900-dialogue excerpt named in ``benchmarks/data/redial/README.md`` (most
AB-ReDial dialogues are not in it). Reading only: it writes nothing and changes no split.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_roles import CORPORA, dataset_items

#: Shortest normalised line that can tie a dialogue to its source.
MIN_LETTERS = 25


def normal(text: str) -> str:
    """Lower-case words only, film titles (``"Title (Year)"``, ReDial's ``@123``) dropped."""
    text = re.sub(r'"[^"]*\(\d{4}\)\s*"', " ", text)
    text = re.sub(r"@\d+", " ", text)
    return " ".join(re.findall(r"[a-z]+", text.lower()))


def redial_lines(paths: list[Path]) -> dict[str, list[tuple[str, str]]]:
    """Each distinctive ReDial message (normalised) -> [(conversation id, its sender's role)]."""
    lines: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in paths:
        for raw in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(raw)
            seeker = record["initiatorWorkerId"]
            for message in record["messages"]:
                key = normal(message["text"])
                if len(key) >= MIN_LETTERS:
                    role = "seeker" if message["senderWorkerId"] == seeker else "recommender"
                    lines[key].append((str(record["conversationId"]), role))
    return {k: v for k, v in lines.items() if len({c for c, _ in v}) == 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--redial", type=Path, nargs="+", required=True, help="ReDial JSONL files")
    parser.add_argument("--show", nargs="*", default=(), help="AB-ReDial ids whose matched lines to print")
    args = parser.parse_args(argv)
    lines = redial_lines(args.redial)
    corpus = next(c for c in CORPORA if c.name == "AB-ReDial")
    verdicts: list[tuple[int, str]] = []
    for split, items in dataset_items(corpus.path, corpus.format, corpus.split).items():
        for turns, agent, dialogue_id in items:
            found = []
            for label, text in turns:
                key = normal(text)
                for line, sources in lines.items():
                    if line in key:
                        conversation, role = sources[0]
                        found.append((label, text, conversation, role))
            if not found:
                continue
            # AB-ReDial's agent wrote ReDial recommender lines, its customer seeker lines.
            ok = sum((label == agent) == (role == "recommender") for label, _, _, role in found)
            verdict = "agrees" if ok == len(found) else "DISAGREES" if ok == 0 else "mixed"
            verdicts.append((len(found), verdict))
            conversations = sorted({c for _, _, c, _ in found})
            sources = ",".join(conversations)
            print(f"{dialogue_id:6s} {split:8s} {len(found):2d} lines, ReDial {sources}: {verdict}")
            if dialogue_id in args.show:
                for label, text, conversation, role in found:
                    mark = "agent" if label == agent else "customer"
                    where = f"{role} in ReDial {conversation}"
                    print(f"    {label} ({mark} in AB-ReDial) = {where}: {text[:100]!r}")
    # One shared line can be a coincidence (two workers typing the same sentence); many cannot.
    for least in (1, 3, 5):
        tally = [v for n, v in verdicts if n >= least]
        print(
            f"dialogues with {least}+ matched lines: {len(tally)}; agree {tally.count('agrees')}, "
            f"mixed {tally.count('mixed')}, disagree {tally.count('DISAGREES')}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
