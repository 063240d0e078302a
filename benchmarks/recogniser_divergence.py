"""Where written and speech-recogniser versions of a tuning call score apart, and why.

    .venv/bin/python benchmarks/recogniser_divergence.py [--min-diff 3] [--edits] [--splits tune2 ...]

For each call of the tuning splits ``calls_tune.jsonl`` … ``calls_tune6.jsonl`` (``--splits``;
never the held-out files: their per-call results are not to be read), scores the written
call and its recogniser version (``bench_validity.recogniser_text``), and prints, where any
score moves by at least ``--min-diff`` points: the per-dimension differences, the needs
answer completeness judged differently (status, weight, the need's sentence and the
evidence's reason), the proactive acts found in one version only, and the brand and
filler evidence of one version only. The summary line per split is section (b)'s
written~recogniser Spearman and the recogniser minimal-pair pass rate. ``--edits`` also
compares each scored edit's two versions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pandas as pd
from bench_validity import (
    CALL_FILES,
    DATA_DIR,
    SCORES,
    STYLES,
    Variant,
    call_variants,
    check_calls,
    load_splits,
    minimal_pairs,
    recogniser_agreement,
    score,
    scored_edits,
)

from cxnlp import Scorer

TUNING = ("tune", "tune2", "tune3", "tune4", "tune5", "tune6")


def _evidence(row: pd.Series, dimension: str) -> list[dict[str, Any]]:
    return [e for e in json.loads(row["evidence"]) if e["dimension"] == dimension]


def divergence(written: pd.Series, spoken: pd.Series) -> list[str]:
    """Lines saying how two versions of one call differ, dimension by dimension."""
    lines = ["  delta " + ", ".join(f"{d}={float(spoken[d]) - float(written[d]):+.1f}" for d in SCORES)]
    needs = {}
    for tag, row in (("W", written), ("A", spoken)):
        for e in _evidence(row, "answer_completeness"):
            needs.setdefault((e["turn_index"], e["kind"]), {})[tag] = e
    for key in sorted(needs):
        pair = needs[key]
        if len(pair) == 2 and abs(pair["W"]["weight"] - pair["A"]["weight"]) < 1:
            continue
        for tag, e in sorted(pair.items()):
            said = f"{e['sentence'][:120]!r} | {e['detail'][:200]}"
            lines.append(f"  need {tag} turn {key[0]} {key[1]} ({e['weight']:.1f}): {said}")
    for dimension in ("proactive_connection", "brand_congruence", "filler_content"):
        found = {
            tag: {(e["turn_index"], e["kind"], e.get("span")): e for e in _evidence(row, dimension)}
            for tag, row in (("W", written), ("A", spoken))
        }
        for tag, other in (("W", "A"), ("A", "W")):
            for key, e in found[tag].items():
                if key not in found[other]:
                    said = f"{e['sentence'][:100]!r} {e['detail'][:80]}"
                    lines.append(f"  {dimension} only {tag} turn {key[0]} {key[1]}: {said}")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--min-diff", type=float, default=3.0, help="points any score must move to be shown")
    ap.add_argument("--edits", action="store_true", help="compare each scored edit's two versions too")
    ap.add_argument(
        "--splits", nargs="+", choices=TUNING, default=list(TUNING), help="tuning splits to compare"
    )
    args = ap.parse_args(argv)
    splits = [s for s in load_splits(CALL_FILES, DATA_DIR, "tune", None) if s.name in args.splits]
    scorer = Scorer(slot_vectors=False)
    for split in splits:
        check_calls(split)
        table = score(scorer, [t for _, t in call_variants(split)], f"calls {split.name}")
        agreement = recogniser_agreement(split, table)
        passes = {
            style: minimal_pairs(split, table, recogniser=style == "recogniser")["pass_rate"]
            for style in STYLES
        }
        print(f"== {split.name}: written~recogniser Spearman {agreement['spearman']}, pass rates {passes}")
        for rec in split.records:
            for k, edit in [(None, None), *(scored_edits(rec) if args.edits else [])]:
                written = table.loc[Variant(split.name, str(rec["id"]), k, False).tid]
                spoken = table.loc[Variant(split.name, str(rec["id"]), k, True).tid]
                moved = [abs(float(spoken[d]) - float(written[d])) for d in SCORES]
                if any(m >= args.min_diff for m in moved if m == m):
                    print(
                        f"{rec['id']} ({rec.get('quality')})" + (f" edit {k} {edit['kind']}" if edit else "")
                    )
                    print("\n".join(divergence(written, spoken)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
