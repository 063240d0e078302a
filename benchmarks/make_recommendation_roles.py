"""Make the recommendation dialogues with known roles under ``benchmarks/data/``.

    PYTHONPATH=. python benchmarks/make_recommendation_roles.py \
        --iard PATH/umap2020_IARD_Cai.json --redial PATH/train_data.jsonl PATH/valid_data.jsonl ...

The role model needs more recommendation dialogues than AB-ReDial's 58 development ones.
Both sources are ReDial dialogues (Li et al., NeurIPS 2018), seeker = ``customer``,
recommender = ``agent``; see the README beside each output for origin and licence:

- ``--iard``: IARD (Cai and Chen, UMAP 2020), 336 ReDial dialogues with roles, written to
  ``benchmarks/data/iard/dialogues.jsonl``. Research licence (no commercial use), so it is
  used for evaluation only, never fitted on.
- ``--redial``: ReDial's own JSONL files (``messages``, ``movieMentions``,
  ``respondentWorkerId`` = the recommender), written to
  ``benchmarks/data/redial/dialogues.jsonl``. CC BY 4.0; fitted on (even ids). A sender's
  consecutive messages become one turn. Dialogues that IARD also holds are dropped, so the
  IARD evaluation never sees a fitted dialogue.

AB-ReDial was sampled from ReDial too, so every dialogue that shares text with any AB-ReDial
dialogue (two normalised utterances of 20+ characters, or one of 40+, found inside an
AB-ReDial turn) is dropped from both: none of the AB-ReDial held-out text can reach the
training rows. Movie mentions are written ``"Title (Year)"`` as AB-ReDial writes them. Only
the text and roles are kept. Rerunning on the same inputs gives the same files.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_roles import dataset_items
from benchmarks.common import ABREDIAL, REPO

IARD_OUT = REPO / "benchmarks" / "data" / "iard" / "dialogues.jsonl"
REDIAL_OUT = REPO / "benchmarks" / "data" / "redial" / "dialogues.jsonl"
_IARD_MENTION = re.compile(r"@\d+\s*<([^>]*)>")
_REDIAL_MENTION = re.compile(r"@(\d+)")


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _abredial_turns() -> list[str]:
    return [
        _normal(text)
        for items in dataset_items(ABREDIAL, "abredial").values()
        for turns, _, _ in items
        for _, text in turns
    ]


def _shares_text(texts: Iterable[str], abredial: list[str]) -> bool:
    found = [u for u in map(_normal, texts) if len(u) >= 20 and any(u in turn for turn in abredial)]
    return len(found) >= 2 or any(len(u) >= 40 for u in found)


def iard_dialogues(source: Path) -> dict[str, list[dict[str, str]]]:
    """IARD's dialogues by ReDial conversation id, as cxnlp turns."""
    data = json.loads(source.read_text(encoding="utf-8"))
    out = {}
    for conv_id, conv in data.items():
        utterances = sorted(conv["dialogue_info"].values(), key=lambda u: u["utterance_pos"])
        out[conv_id] = [
            {
                "speaker": "agent" if u["role"] == "recommender" else "customer",
                "text": _IARD_MENTION.sub(lambda m: f'"{m.group(1)}"', u["utterance_text"]).strip(),
            }
            for u in utterances
        ]
    return out


def _titles(text: str, titles: dict[str, str]) -> str:
    """ReDial's ``@123`` mentions as ``"Title (Year)"`` ("that movie" where the title is missing)."""
    return _REDIAL_MENTION.sub(
        lambda m: f'"{titles[m.group(1)]}"' if titles.get(m.group(1)) else "that movie", text
    ).strip()


def redial_dialogues(sources: list[Path]) -> dict[str, list[dict[str, str]]]:
    """ReDial's dialogues by conversation id, a sender's consecutive messages as one turn."""
    out = {}
    for source in sources:
        for line in source.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            conv = json.loads(line)
            titles = conv.get("movieMentions") or {}
            turns: list[dict[str, str]] = []
            for message in conv["messages"]:
                speaker = "agent" if message["senderWorkerId"] == conv["respondentWorkerId"] else "customer"
                text = _titles(html.unescape(message["text"]), titles)
                if turns and turns[-1]["speaker"] == speaker:
                    turns[-1]["text"] += " " + text
                else:
                    turns.append({"speaker": speaker, "text": text})
            out[str(conv["conversationId"])] = turns
    return out


def write(dialogues: dict[str, list[dict[str, str]]], prefix: str, out: Path, abredial: list[str]) -> str:
    kept = [
        json.dumps({"id": f"{prefix}-{conv_id}", "turns": turns}, ensure_ascii=False)
        for conv_id, turns in sorted(dialogues.items(), key=lambda kv: int(kv[0]))
        if not _shares_text((t["text"] for t in turns), abredial)
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return f"wrote {out}: {len(kept)} of {len(dialogues)} dialogues (the rest share text with AB-ReDial)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iard", type=Path, required=True, help="umap2020_IARD_Cai.json of IARD")
    parser.add_argument("--redial", type=Path, nargs="+", required=True, help="ReDial JSONL files")
    args = parser.parse_args(argv)
    abredial = _abredial_turns()
    iard = iard_dialogues(args.iard)
    redial = {k: v for k, v in redial_dialogues(args.redial).items() if k not in iard}
    print(write(iard, "iard", IARD_OUT, abredial))
    print(write(redial, "redial", REDIAL_OUT, abredial))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
