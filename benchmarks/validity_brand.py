"""Validity of brand_congruence (issue #10): does one off-brand sentence cost a visible amount?

Section (h) of ``bench_validity.py``, in its own module so the brand figures read as one piece,
and runnable alone (only this section, in a minute or two)::

    .venv/bin/python benchmarks/validity_brand.py [--split tune|holdout|both] [--stc3 150]

``--stc3 N`` also reports the false alarms on real agents: the share of the agent sentences
of the first N STC-3 training dialogues whose brand findings cost >= ``MIN_COST`` points.

(h) A labelled set of single agent sentences (``brand_register_{tune,holdout}.jsonl``: on
    brand, neutral, off brand, each with its register; provenance beside the files). Each
    sentence is inserted as one extra agent turn into an otherwise good call, written or
    speech-recogniser style to match the item, and the change of every score is read. The
    criterion: an off-brand sentence costs brand_congruence >= ``MIN_COST`` points (and more
    than it moves any other dimension), a neutral one costs nothing (< ``NEUTRAL_SLACK``).
    Reported per split, never pooled: AUC of the brand drop for off brand vs the rest,
    accuracy of the rule "drop >= MIN_COST means off brand", the share of off-brand items that
    cost >= MIN_COST (overall, by register, and for the items with no phrase of the profile's
    forbidden list, the case word lists miss), the share of neutral items that cost nothing,
    and the mean change of the other dimensions.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pandas as pd
from common import unique_records
from sklearn.metrics import roc_auc_score

from cxnlp import Scorer, Transcript

BRAND = "brand_congruence"
OTHERS: tuple[str, ...] = ("answer_completeness", "proactive_connection", "filler_content")
LABELS: tuple[str, ...] = ("on_brand", "neutral", "off_brand")
BRAND_FILES: dict[str, str] = {
    "tune": "brand_register_tune.jsonl",
    # second tuning file: off brand without cue words and same-shape neutral twins (see its PROVENANCE)
    "tune3": "brand_register_tune3.jsonl",
    # a third author's sentences in 13 registers and 23 new domains (see its PROVENANCE)
    "tune4": "brand_register_tune4.jsonl",
    "holdout": "brand_register_holdout.jsonl",  # seen in aggregate while tuning (session 9)
    "holdout2": "brand_register_holdout2.jsonl",  # a fresh author, never tuned on
}
MIN_COST = 5.0  # points an off-brand sentence must cost
NEUTRAL_SLACK = 1.0  # a neutral sentence "costs nothing" when it costs less than this

#: The otherwise good call each item goes into, before the agent's resolution turn.
GOOD_CALL: tuple[tuple[str, str], ...] = (
    ("agent", "Hello, you're through to customer support, this is Sam."),
    ("customer", "Hi, I was charged twice for my subscription this month and I'd like the extra one back."),
    ("agent", "I'm sorry about that, let me take a look at the account."),
    ("agent", "I can see two payments of twelve pounds on the third."),
    ("agent", "I've refunded the duplicate payment, and it will be back on your card within five days."),
    ("customer", "Great, thanks."),
    ("agent", "You're welcome, is there anything else I can help with?"),
)
INSERT_AT = 4


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def _spoken(text: str) -> str:
    """Lower case without punctuation, as a speech recogniser writes."""
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", "", text.lower())).strip()


def check_brand_items(split: Any) -> None:
    """Record schema problems of labelled sentences and keep only the usable ones."""
    keep = []
    for rid, rec in unique_records(split):
        missing = [k for k in ("id", "label", "register", "domain", "style", "text") if k not in rec]
        if missing:
            split.problem(f"missing key(s) {missing}", rid)
        if rec.get("label") not in LABELS:
            split.problem(f"label not one of {LABELS} (skipped)", f"{rid}: {rec.get('label')!r}")
        elif not str(rec.get("text") or "").strip():
            split.problem("empty text (skipped)", rid)
        else:
            keep.append(rec)
    split.records = keep


def item_transcript(rec: dict[str, Any] | None, style: str, prefix: str) -> Transcript:
    """The good call in ``style`` with the item (or nothing, for the base) inserted."""
    pairs = list(GOOD_CALL)
    if rec is not None:
        pairs.insert(INSERT_AT, ("agent", str(rec["text"])))
    if style == "recogniser":
        pairs = [(who, _spoken(text)) for who, text in pairs]
    tail = "base" if rec is None else str(rec["id"])
    return Transcript.from_pairs(f"{prefix}/{style}/{tail}", pairs)


def _style(rec: dict[str, Any]) -> str:
    return "recogniser" if rec.get("style") == "recogniser" else "written"


def _forbidden_on_item(evidence: Any) -> bool:
    items = json.loads(evidence) if isinstance(evidence, str) else list(evidence or [])
    return any(
        e.get("dimension") == BRAND
        and e.get("kind") == "forbidden_phrase"
        and e.get("turn_index") == INSERT_AT
        for e in items
    )


def item_deltas(scorer: Scorer, split: Any) -> pd.DataFrame:
    """One row per item: its label and register, and each score's change from the base call."""
    prefix = f"brand-{split.name}"
    bases = {s: item_transcript(None, s, prefix) for s in ("written", "recogniser")}
    items = [item_transcript(rec, _style(rec), prefix) for rec in split.records]
    table = scorer.score([*bases.values(), *items])
    table = table.set_index(table["transcript_id"].astype(str))
    rows = []
    for rec, tr in zip(split.records, items, strict=True):
        base = table.loc[bases[_style(rec)].id]
        row = table.loc[tr.id]
        deltas = {d: float(row[d]) - float(base[d]) for d in (BRAND, *OTHERS)}
        rows.append(
            {
                "id": rec["id"],
                "label": rec["label"],
                "register": rec.get("register"),
                "style": rec.get("style"),
                "text": rec["text"],
                "cue": _forbidden_on_item(row.get("evidence")),
                **deltas,
            }
        )
    return pd.DataFrame(rows)


def summarise(frame: pd.DataFrame) -> dict[str, Any]:
    """The criterion's figures for one split's item table."""
    off = frame["label"] == "off_brand"
    cost = -frame[BRAND]
    out: dict[str, Any] = {"n": int(len(frame)), "n_off": int(off.sum())}
    out["auc_off_vs_rest"] = _r(roc_auc_score(off, cost)) if 0 < off.sum() < len(frame) else None
    out["accuracy_at_min_cost"] = _r(float(((cost >= MIN_COST) == off).mean()))
    out["off_cost_ge_min"] = _r(float((cost[off] >= MIN_COST).mean()))
    nocue = off & ~frame["cue"]
    out["n_off_without_cue"] = int(nocue.sum())
    out["off_without_cue_cost_ge_min"] = _r(float((cost[nocue] >= MIN_COST).mean())) if nocue.any() else None
    others = frame[list(OTHERS)].abs().max(axis=1)
    out["off_specific"] = _r(float(((cost >= MIN_COST) & (cost > others))[off].mean()))
    for label in LABELS:
        mine = frame["label"] == label
        out[f"mean_brand_delta_{label}"] = _r(float(frame.loc[mine, BRAND].mean()), 2)
    neutral = frame["label"] == "neutral"
    out["neutral_costs_nothing"] = _r(float((cost[neutral] < NEUTRAL_SLACK).mean()))
    out["neutral_cost_ge_min"] = _r(float((cost[neutral] >= MIN_COST).mean()))
    out["on_brand_not_lowered"] = _r(float((cost[frame["label"] == "on_brand"] < NEUTRAL_SLACK).mean()))
    out["mean_abs_other_delta_off"] = {d: _r(float(frame.loc[off, d].abs().mean()), 2) for d in OTHERS}
    out["off_cost_ge_min_by_register"] = {
        str(reg): _r(float((cost[off & (frame["register"] == reg)] >= MIN_COST).mean()))
        for reg in sorted(frame.loc[off, "register"].astype(str).unique())
    }
    out["off_cost_ge_min_recogniser"] = _r(
        float((cost[off & (frame["style"] == "recogniser")] >= MIN_COST).mean())
    )
    wrong = (off & (cost < MIN_COST)) | (~off & (cost >= NEUTRAL_SLACK) & (frame["label"] == "neutral"))
    out["errors"] = [
        {
            "id": r.id,
            "label": r.label,
            "register": r.register,
            "brand_delta": _r(r.brand_congruence, 1),
            "text": r.text,
        }
        for r in frame[wrong].itertuples()
    ]
    return out


def brand_register_section(scorer: Scorer, splits: Sequence[Any]) -> dict[str, Any]:
    """(h) Per split: the cost of one inserted sentence by label, as described above."""
    return {s.name: summarise(item_deltas(scorer, s)) for s in splits if s.records}


def stc3_false_alarms(scorer: Scorer, limit: int, min_cost: float = MIN_COST) -> dict[str, Any]:
    """Share of real helpdesk agent sentences (the first ``limit`` STC-3 training dialogues)
    whose brand findings together cost >= ``min_cost`` points: a false alarm, since real
    agents there are polite (their rudeness is rare enough to read by hand in the list)."""
    from common import stc3_transcripts

    table = scorer.score(stc3_transcripts(limit))
    costs: dict[tuple[str, int, str], float] = {}
    n_sentences = int(table[f"f_{BRAND}__agent_sentences"].sum())
    for tid, evidence in zip(table["transcript_id"], table["evidence"], strict=True):
        for e in json.loads(evidence) if isinstance(evidence, str) else list(evidence or []):
            if e.get("dimension") == BRAND and e.get("weight", 0) < 0:
                key = (str(tid), int(e["turn_index"]), str(e["sentence"]))
                costs[key] = costs.get(key, 0.0) + float(e["weight"])
    alarms = sorted((w, k[2]) for k, w in costs.items() if w <= -min_cost)
    return {
        "dialogues": int(len(table)),
        "agent_sentences": n_sentences,
        "false_alarms": len(alarms),
        "false_alarm_share": _r(len(alarms) / n_sentences if n_sentences else math.nan),
        "examples": [{"brand_cost": _r(-w, 1), "sentence": t} for w, t in alarms[:20]],
    }


def _f(value: Any) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def report_brand_register(section: dict[str, Any], max_errors: int = 20) -> list[str]:
    lines = [
        f"(h) Brand register: one sentence inserted into a good call; off brand should cost >= {MIN_COST:g}"
    ]
    if not section:
        return [*lines, "  no data"]
    keys = [
        k
        for k in next(iter(section.values()))
        if not isinstance(next(iter(section.values()))[k], dict | list)
    ]
    lines.append("  " + f"{'':<32}" + "".join(f"{s:>10}" for s in section))
    for key in keys:
        lines.append("  " + f"{key:<32}" + "".join(f"{_f(v.get(key)):>10}" for v in section.values()))
    registers = sorted({r for v in section.values() for r in v["off_cost_ge_min_by_register"]})
    for reg in registers:
        cells = "".join(f"{_f(v['off_cost_ge_min_by_register'].get(reg)):>10}" for v in section.values())
        lines.append("  " + f"{'off cost >= min, ' + reg:<32}" + cells)
    for d in OTHERS:
        cells = "".join(f"{_f(v['mean_abs_other_delta_off'][d]):>10}" for v in section.values())
        lines.append("  " + f"{'off: mean |delta| ' + d[:14]:<32}" + cells)
    for split, v in section.items():
        if not split.startswith("tune"):  # held-out misses stay in the JSON record: not to tune on
            continue
        for e in v["errors"][:max_errors]:
            lines.append(
                f"  MISS [{split}] {e['id']} {e['label']}/{e['register']} {e['brand_delta']}: {e['text']}"
            )
        if len(v["errors"]) > max_errors:
            lines.append(f"  ... {len(v['errors']) - max_errors} more in the JSON record")
    return lines


def main(argv: list[str] | None = None) -> int:
    from bench_validity import DATA_DIR, load_splits

    ap = argparse.ArgumentParser(description="Section (h) of bench_validity.py alone.")
    ap.add_argument("--split", choices=("tune", "holdout", "both"), default="both")
    ap.add_argument("--data-dir", type=Path, default=DATA_DIR)
    ap.add_argument("--json", type=Path, default=None, help="also write the section as JSON here")
    ap.add_argument(
        "--stc3",
        type=int,
        default=0,
        help="also report false alarms on the agent sentences of the first N STC-3 dialogues",
    )
    ap.add_argument(
        "--register-model",
        action="store_true",
        help="score with brand congruence's opt-in learned register model on (default: off, as shipped)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    splits = load_splits(BRAND_FILES, args.data_dir, args.split, None)
    for split in splits:
        check_brand_items(split)
        for problem, where in split.problems.items():
            print(f"data problem [{split.name}] {problem}: {where[:5]}")
    if args.register_model:
        from cxnlp.scoring import DEFAULT_DIMENSIONS

        spec: dict[str, dict[str, Any]] = {key: {} for key in DEFAULT_DIMENSIONS}
        spec["brand_congruence.v1"] = {"register_model": "packaged"}
        scorer = Scorer(slot_vectors=False, dimensions=spec)
    else:
        scorer = Scorer(slot_vectors=False)
    section = brand_register_section(scorer, splits)
    print("\n".join(report_brand_register(section)))
    if args.stc3:
        alarms = stc3_false_alarms(scorer, args.stc3)
        section["stc3_false_alarms"] = alarms
        print(
            f"  STC-3 false alarms: {alarms['false_alarms']} of {alarms['agent_sentences']} agent "
            f"sentences of {alarms['dialogues']} dialogues cost >= {MIN_COST:g} "
            f"({alarms['false_alarm_share']:.1%})"
        )
        for e in alarms["examples"]:
            print(f"    -{e['brand_cost']}: {e['sentence'][:100]}")
    if args.json:
        args.json.write_text(json.dumps(section, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
