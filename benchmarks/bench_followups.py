"""Follow-up routing against labelled survey comments: the tune splits and the held-out split.

Run by hand (never in the tests):

    .venv/bin/python benchmarks/bench_followups.py [--data DIR] [--split NAME ...] [--no-record]

Reads ``survey_comments_tune.jsonl``, ``survey_comments_tune2.jsonl`` (a second tune split,
written blind), ``survey_comments_tune3.jsonl`` (a third, written blind and not yet read: its
rows are listed without their text, like the held-out ones) and
``survey_comments_holdout.jsonl`` from ``--data`` (default
``benchmarks/data/validity``; a split whose file is missing is reported as missing;
``--split`` picks splits by name, e.g. ``--split tune --split tune2`` to leave out held-out),
each line ``{"id", "rating", "comment", "action"}``. Routes every comment with the default
:class:`cxnlp.analytics.followup.FollowupRouter` (comment and rating only: the files carry no
call evidence) and prints, per split, accuracy, per-action precision and recall, the
confusion matrix (rows: label, columns: routed), escalation recall and the rows routed
wrong (for the held-out split by id, label and rule only, without its text). The router's
prototypes and thresholds may be tuned on the tune split only; the held-out split is the
honest figure. A JSON record is appended to ``benchmarks/results/followups.jsonl`` unless
``--no-record``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from common import append_result

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / "benchmarks" / "data" / "validity"
RESULTS = REPO / "benchmarks" / "results" / "followups.jsonl"
SPLITS = {
    "tune": "survey_comments_tune.jsonl",
    "tune2": "survey_comments_tune2.jsonl",
    "tune3": "survey_comments_tune3.jsonl",
    "holdout": "survey_comments_holdout.jsonl",
}
#: Splits whose misrouted rows are listed without their text (nobody tuning the router reads
#: them; tune3 until someone decides to tune on it).
UNQUOTED = frozenset({"tune3", "holdout"})


def read_split(path: Path) -> pd.DataFrame:
    """One labelled split; refuses labels outside the five actions."""
    from cxnlp.analytics import FOLLOWUP_ACTIONS

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    frame = pd.DataFrame(rows)
    missing = {"id", "rating", "comment", "action"} - set(frame.columns)
    if missing:
        raise SystemExit(f"{path}: got no field(s) {sorted(missing)}; expected id, rating, comment, action.")
    unknown = sorted(set(frame["action"]) - set(FOLLOWUP_ACTIONS))
    if unknown:
        raise SystemExit(f"{path}: got actions {unknown}; expected among {FOLLOWUP_ACTIONS}.")
    return frame


def evaluate(frame: pd.DataFrame, router, *, quote: bool = True) -> dict:
    """Accuracy, per-action precision/recall, confusion matrix and the misrouted rows.

    ``quote=False`` lists misrouted rows by id, label, action and rule only, without the
    comment or evidence text (the held-out split: nobody tuning the router reads it).
    """
    from cxnlp.analytics import FOLLOWUP_ACTIONS

    decisions = router.decide_many(
        pd.to_numeric(frame["rating"], errors="coerce").to_numpy(dtype=float),
        frame["comment"].fillna("").astype(str).tolist(),
    )
    pred = np.array([d.action for d in decisions], dtype=object)
    gold = frame["action"].to_numpy(dtype=object)
    per_action = {}
    for action in FOLLOWUP_ACTIONS:
        tp = int(((pred == action) & (gold == action)).sum())
        n_pred = int((pred == action).sum())
        n_gold = int((gold == action).sum())
        per_action[action] = {
            "n": n_gold,
            "precision": round(tp / n_pred, 4) if n_pred else None,
            "recall": round(tp / n_gold, 4) if n_gold else None,
        }
    confusion = pd.crosstab(
        pd.Categorical(gold, categories=FOLLOWUP_ACTIONS),
        pd.Categorical(pred, categories=FOLLOWUP_ACTIONS),
        dropna=False,
    )
    low = pd.to_numeric(frame["rating"], errors="coerce") <= 40
    wrong = [
        {
            "id": frame["id"].iloc[i],
            "rating": float(frame["rating"].iloc[i]),
            "label": gold[i],
            "routed": pred[i],
            "rule": decisions[i].rule,
            **({"comment": frame["comment"].iloc[i], "evidence": decisions[i].evidence} if quote else {}),
        }
        for i in np.flatnonzero(pred != gold)
    ]
    return {
        "n": len(frame),
        "accuracy": round(float((pred == gold).mean()), 4),
        "escalation_recall": per_action["escalation"]["recall"],
        "low_rating_routed_none": int(((pred == "none") & low.to_numpy()).sum()),
        "per_action": per_action,
        "confusion": {str(k): {str(c): int(v) for c, v in row.items()} for k, row in confusion.iterrows()},
        "wrong": wrong,
    }


def print_split(name: str, result: dict) -> None:
    print(f"\n== {name}: {result['n']} comments ==")
    print(f"accuracy {result['accuracy']:.3f}   escalation recall {result['escalation_recall']}")
    print(f"low ratings (<= 40) routed to none: {result['low_rating_routed_none']}")
    table = pd.DataFrame(result["per_action"]).T.astype(object)
    print(table.to_string())
    print("\nconfusion (rows: label, columns: routed)")
    print(pd.DataFrame(result["confusion"]).T.to_string())
    for row in result["wrong"]:
        text = f" {row['comment']!r} :: {row['evidence'][:160]}" if "comment" in row else ""
        head = f"  {row['id']} rating {row['rating']}: {row['label']} -> {row['routed']}"
        print(f"{head} ({row['rule']}){text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="folder holding the two splits")
    parser.add_argument("--no-record", action="store_true", help="do not append to the results file")
    parser.add_argument(
        "--split",
        action="append",
        choices=sorted(SPLITS),
        help="evaluate only this split (repeat for several; default: all)",
    )
    args = parser.parse_args(argv)
    chosen = [name for name in SPLITS if args.split is None or name in args.split]

    from cxnlp import __version__
    from cxnlp.analytics.followup import FollowupRouter

    started = time.perf_counter()
    router = FollowupRouter().fit()
    record: dict = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "cxnlp": __version__,
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        "python": platform.python_version(),
        "router": {
            "params": {k: v for k, v in router.get_params().items() if k not in {"encoder", "resource"}},
            "signals": router.signals_.source,
            "signals_version": router.signals_.version,
            "signals_revision": router.signals_.revision,
            "signals_sha256": router.signals_.sha256,
            "fingerprint": router.fingerprint(),
        },
        "splits": {},
    }
    for name in chosen:
        filename = SPLITS[name]
        path = args.data / filename
        if not path.is_file():
            print(f"\n== {name}: missing ({path}) ==")
            record["splits"][name] = {"missing": str(path)}
            continue
        frame = read_split(path)
        result = evaluate(frame, router, quote=name not in UNQUOTED)
        result["file"] = filename
        result["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        print_split(name, result)
        record["splits"][name] = result
    record["elapsed_s"] = round(time.perf_counter() - started, 1)
    if not args.no_record:
        append_result(RESULTS, record)
        print(f"\nappended to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
