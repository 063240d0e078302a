"""Make the Taskmaster-4 coffee-ordering dialogues with known roles under ``benchmarks/data/``.

    PYTHONPATH=. python benchmarks/make_taskmaster_roles.py --git-dir PATH/Taskmaster.git

Taskmaster-4 (Byrne and Ganesh, Google, 2024; github.com/google-research-datasets/Taskmaster,
``TM-4-2024``) holds 6,500 coffee-ordering dialogues between a customer (``user``) and the
coffee shop's ordering assistant (``assistant``), each written by one crowd worker playing
both sides from a scenario ("order a coffee drink, modify the milk"). CC BY 4.0. They are
short spoken-style orders, often lower case: the kind of call a contact centre's ordering
line or voice channel takes, and unlike the film chats and care threads the role model had.

This reads :data:`FILES` from the repository at a commit (``git show``, no work tree needed),
keeps only the text and the roles (``assistant`` = ``agent``, ``user`` = ``customer``; the
API-call annotations are dropped), joins a speaker's consecutive utterances into one turn and
writes ``benchmarks/data/taskmaster/dialogues.jsonl``. Ids are ``tm4-<file>-<index>``, so
``bench_roles.py`` halves them by the index's parity like the other corpora. Dialogues with
one speaker only are skipped. Rerunning on the same commit gives the same file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO

OUT = REPO / "benchmarks" / "data" / "taskmaster" / "dialogues.jsonl"
#: The Taskmaster-4 files read (500 dialogues each).
FILES = ("TM-4-2024/data/data_00.json", "TM-4-2024/data/data_01.json")
ROLES = {"assistant": "agent", "user": "customer"}


def dialogues(git_dir: Path, commit: str) -> list[dict[str, object]]:
    out = []
    for name in FILES:
        raw = subprocess.run(
            ["git", f"--git-dir={git_dir}", "show", f"{commit}:{name}"],
            check=True,
            capture_output=True,
        ).stdout
        part = Path(name).stem.rsplit("_", 1)[-1]
        for index, conv in enumerate(json.loads(raw)):
            turns: list[dict[str, str]] = []
            for utterance in conv["utterances"]:
                speaker = ROLES[utterance["speaker"]]
                text = " ".join(str(utterance["text"]).split())
                if not text:
                    continue
                if turns and turns[-1]["speaker"] == speaker:
                    turns[-1]["text"] += " " + text
                else:
                    turns.append({"speaker": speaker, "text": text})
            if len({t["speaker"] for t in turns}) == 2:
                out.append({"id": f"tm4-{part}-{index:03d}", "turns": turns})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--git-dir", type=Path, required=True, help="a clone of google-research-datasets/Taskmaster"
    )
    parser.add_argument("--commit", default="HEAD")
    args = parser.parse_args(argv)
    rows = dialogues(args.git_dir, args.commit)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {OUT}: {len(rows)} dialogues")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
