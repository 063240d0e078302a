"""Make ``benchmarks/data/iard/dialogues.jsonl``: recommendation dialogues with known roles.

    PYTHONPATH=. python benchmarks/make_iard_roles.py PATH/TO/umap2020_IARD_Cai.json

IARD (Cai and Chen, UMAP 2020; github.com/wanlingcai1997/umap_2020_IARD, commit 021d2a8) is
336 ReDial dialogues with each utterance's role (seeker or recommender). The role model
needs more recommendation dialogues than AB-ReDial's 58 development ones, and AB-ReDial
was sampled from ReDial too, so every IARD dialogue that shares text with any AB-ReDial
dialogue (two normalised utterances of 20+ characters, or one of 40+, found inside an
AB-ReDial turn) is dropped: none of the AB-ReDial held-out text can reach the training
rows. Movie mentions ``@123 <Title (Year)>`` are written ``"Title (Year)"`` as AB-ReDial
writes them. Only the text and roles are kept (no intent labels). The output is written
once per input: rerunning gives the same file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_roles import dataset_items
from benchmarks.common import ABREDIAL, REPO

OUT = REPO / "benchmarks" / "data" / "iard" / "dialogues.jsonl"
_MENTION = re.compile(r"@\d+\s*<([^>]*)>")


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", _MENTION.sub(r"\1", text).lower()))


def _abredial_turns() -> list[str]:
    return [
        _normal(text)
        for items in dataset_items(ABREDIAL, "abredial").values()
        for turns, _, _ in items
        for _, text in turns
    ]


def _shares_text(utterances: list[str], abredial: list[str]) -> bool:
    found = [u for u in utterances if len(u) >= 20 and any(u in turn for turn in abredial)]
    return len(found) >= 2 or any(len(u) >= 40 for u in found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("source", type=Path, help="umap2020_IARD_Cai.json of the IARD repository")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    data = json.loads(args.source.read_text(encoding="utf-8"))
    abredial = _abredial_turns()
    kept = dropped = 0
    lines = []
    for conv_id, conv in sorted(data.items(), key=lambda kv: int(kv[0])):
        utterances = sorted(conv["dialogue_info"].values(), key=lambda u: u["utterance_pos"])
        if _shares_text([_normal(u["utterance_text"]) for u in utterances], abredial):
            dropped += 1
            continue
        turns = [
            {
                "speaker": "agent" if u["role"] == "recommender" else "customer",
                "text": _MENTION.sub(lambda m: f'"{m.group(1)}"', u["utterance_text"]).strip(),
            }
            for u in utterances
        ]
        lines.append(json.dumps({"id": f"iard-{conv_id}", "turns": turns}, ensure_ascii=False))
        kept += 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {kept} dialogues kept, {dropped} dropped for sharing text with AB-ReDial")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
