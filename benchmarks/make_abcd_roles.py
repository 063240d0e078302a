"""Make the ABCD customer-service chats with known roles under ``benchmarks/data/abcd/``.

    PYTHONPATH=. python benchmarks/make_abcd_roles.py --git-dir PATH/asappresearch+abcd/repo
    PYTHONPATH=. python benchmarks/make_abcd_roles.py --sample PATH/abcd_sample.json

ABCD (Action-Based Conversations Dataset, Chen et al., NAACL 2021; github.com/asappresearch/abcd,
MIT licence) holds chats between a customer and a trained agent of an online clothing shop.
Its repository ships three of them in ``data/abcd_sample.json``; the full corpus file is not
stored here. Each chat's ``original`` list of ``[speaker, text]`` is kept: ``agent`` and
``customer`` turns as they are, ``action`` rows (what the agent clicked, not said) dropped,
a speaker's consecutive messages joined into one turn, like the ReDial file. Ids are
``abcd-<convo_id>``, so ``benchmarks/bench_roles.py`` splits them by parity like every corpus.
Only text and roles are kept. Rerunning on the same input gives the same file.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO

OUT = REPO / "benchmarks" / "data" / "abcd" / "dialogues.jsonl"
#: The commit of asappresearch/abcd the stored file was made from.
COMMIT = "6b8700ce67c6b37b062dd7a60abc76d7ef832a97"
SPOKEN = ("agent", "customer")


def records(chats: list[dict]) -> list[dict]:
    """One cxnlp JSONL record per chat: spoken turns only, consecutive messages joined."""
    out = []
    for chat in chats:
        turns: list[dict[str, str]] = []
        for speaker, text in chat["original"]:
            text = " ".join(str(text).split())
            if speaker not in SPOKEN or not text:
                continue
            if turns and turns[-1]["speaker"] == speaker:
                turns[-1]["text"] += " " + text
            else:
                turns.append({"speaker": speaker, "text": text})
        out.append({"id": f"abcd-{chat['convo_id']}", "turns": turns})
    return sorted(out, key=lambda r: r["id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--git-dir", type=Path, help=f"a clone of asappresearch/abcd (reads {COMMIT[:7]})")
    source.add_argument("--sample", type=Path, help="data/abcd_sample.json, read as given")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.git_dir is not None:
        text = subprocess.run(
            ["git", "--git-dir", str(args.git_dir), "show", f"{COMMIT}:data/abcd_sample.json"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    else:
        text = args.sample.read_text(encoding="utf-8")
    rows = records(json.loads(text))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"wrote {args.out}: {len(rows)} chats, {sum(len(r['turns']) for r in rows)} turns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
