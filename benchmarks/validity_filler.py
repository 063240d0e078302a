"""Validity of filler_content on labelled agent turns (issue #10), section (h) of ``bench_validity.py``.

The turns of ``proactive_filler_{tune,holdout}.jsonl`` carry their filler spans as well as their
proactive acts (section g reads the acts). Each turn is scored inside the same small call as in
(g) (:func:`validity_proactive.act_item_transcript`), and the words the dimension's evidence
flags in that turn are compared with the labelled filler words:

- word level: precision, recall and F1 over the multiset of words, pooled over the turns;
- turn level: does the turn have any filler (precision, recall), and the share of filler-free
  turns given some (the false-filler rate);
- per pattern (small talk, recap, read-back, a repeat asked for, filler inside an act...): the
  share of turns whose flagged words and whose acts both equal the labels;
- filler inside an act sentence: each ``filler_in_act`` turn against its filler-free twin
  (``pair``), the mean change of every dimension (filler should rise; the others barely move)
  and the share whose acts are unchanged.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from validity_proactive import act_item_transcript, detected_acts

from cxnlp import Scorer

FILLER = "filler_content"
OTHER_DIMENSIONS: tuple[str, ...] = ("brand_congruence", "answer_completeness", "proactive_connection")
_WORD = re.compile(r"[\w']+")


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def words_of(texts: Sequence[str]) -> Counter[str]:
    """The lower-cased words of ``texts``, counted (punctuation dropped)."""
    return Counter(w.lower() for text in texts for w in _WORD.findall(text))


def flagged_words(evidence: Any, turn: int) -> Counter[str]:
    """The words filler_content's evidence flags in one turn (each run's quoted span)."""
    items = json.loads(evidence) if isinstance(evidence, str) else list(evidence or [])
    ours = [e for e in items if e.get("dimension") == FILLER and e.get("turn_index") == turn]
    return words_of([str(e.get("span") or "") for e in ours])


def filler_scores(truth: Sequence[Counter[str]], found: Sequence[Counter[str]]) -> dict[str, Any]:
    """Word-level precision/recall/F1 (multisets pooled over turns) and turn-level figures."""
    tp = sum(sum((t & f).values()) for t, f in zip(truth, found, strict=True))
    fp = sum(sum((f - t).values()) for t, f in zip(truth, found, strict=True))
    fn = sum(sum((t - f).values()) for t, f in zip(truth, found, strict=True))
    has_t = np.array([bool(t) for t in truth])
    has_f = np.array([bool(f) for f in found])
    turn_tp = int((has_t & has_f).sum())
    return {
        "labelled_words": int(tp + fn),
        "word_precision": _r(tp / (tp + fp)) if tp + fp else None,
        "word_recall": _r(tp / (tp + fn)) if tp + fn else None,
        "word_f1": _r(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else None,
        "turn_precision": _r(turn_tp / has_f.sum()) if has_f.sum() else None,
        "turn_recall": _r(turn_tp / has_t.sum()) if has_t.sum() else None,
        "false_filler_rate": _r(float(has_f[~has_t].mean())) if (~has_t).any() else None,
    }


def filler_section(scorer: Scorer, splits: Sequence[Any]) -> dict[str, Any]:
    """(h) filler_content (and the acts) per labelled turn; filler-in-act pairs vs their twins."""
    records = [(split.name, rec) for split in splits for rec in split.records if "filler" in rec]
    if not records:
        return {}
    built = {rec["id"]: act_item_transcript(rec, "filler") for _, rec in records}
    table = scorer.score([t for t, _ in built.values()])
    table = table.set_index(table["transcript_id"].astype(str))
    rows: dict[str, dict[str, Any]] = {}
    for _, rec in records:
        transcript, turn = built[rec["id"]]
        row = table.loc[transcript.id]
        rows[rec["id"]] = {
            "truth": words_of([_redacted(scorer, span) for span in rec["filler"]]),
            "found": flagged_words(row["evidence"], turn),
            "acts_ok": set(rec.get("acts") or []) == detected_acts(row["evidence"], turn),
            "scores": {d: float(row[d]) for d in (FILLER, *OTHER_DIMENSIONS)},
        }
    out: dict[str, Any] = {}
    for name in dict.fromkeys(n for n, _ in records):
        recs = [rec for n, rec in records if n == name]
        by_pattern: dict[str, list[bool]] = {}
        errors = []
        for rec in recs:
            r = rows[rec["id"]]
            ok = r["truth"] == r["found"] and r["acts_ok"]
            by_pattern.setdefault(str(rec.get("pattern")), []).append(ok)
            if r["truth"] != r["found"]:
                errors.append(
                    {
                        "id": rec["id"],
                        "text": rec["text"],
                        "label": sorted(r["truth"].elements()),
                        "found": sorted(r["found"].elements()),
                    }
                )
        truth = [rows[r["id"]]["truth"] for r in recs]
        found = [rows[r["id"]]["found"] for r in recs]
        out[name] = {
            "n": len(recs),
            "overall": filler_scores(truth, found),
            "pattern_exact": {
                k: {"n": len(v), "share": _r(float(np.mean(v)))} for k, v in sorted(by_pattern.items())
            },
            "filler_in_act": _pair_moves([r for r in recs if r.get("pair") in rows], rows),
            "errors": errors,
        }
    return out


def _redacted(scorer: Scorer, text: str) -> str:
    """``text`` as the score table's evidence quotes it: with the scorer's redaction (a phone
    number read back becomes its placeholder there)."""
    if not getattr(scorer, "redact", False):
        return text
    return str(scorer.redactor.redact(text, remember=False))


def _pair_moves(recs: Sequence[dict[str, Any]], rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Mean change (filler-laden minus clean twin) of each dimension, and acts kept."""
    if not recs:
        return {"n": 0}
    moves = {
        d: [rows[r["id"]]["scores"][d] - rows[r["pair"]]["scores"][d] for r in recs]
        for d in (FILLER, *OTHER_DIMENSIONS)
    }
    return {
        "n": len(recs),
        "mean_move": {d: _r(float(np.nanmean(v)), 1) for d, v in moves.items()},
        "max_abs_other": _r(max(abs(x) for d in OTHER_DIMENSIONS for x in moves[d]), 1),
        "acts_kept": _r(float(np.mean([rows[r["id"]]["acts_ok"] for r in recs]))),
    }


def report_filler(section: dict[str, Any], max_errors: int = 20) -> list[str]:
    lines = ["(h) filler_content vs labelled filler spans (same turns as g's proactive_filler files)"]
    if not section:
        return [*lines, "  no data"]
    for split, res in section.items():
        o = res["overall"]
        lines.append(
            f"  [{split}] n={res['n']}: words P/R/F1 {_f(o['word_precision'])}/{_f(o['word_recall'])}/"
            f"{_f(o['word_f1'])} ({o['labelled_words']} labelled); turns with filler P/R "
            f"{_f(o['turn_precision'])}/{_f(o['turn_recall'])}; "
            f"false-filler rate {_f(o['false_filler_rate'])}"
        )
        cells = ", ".join(f"{k} {_f(v['share'])} ({v['n']})" for k, v in res["pattern_exact"].items())
        lines.append(f"    filler and acts both as labelled, by pattern: {cells}")
        pairs = res["filler_in_act"]
        if pairs.get("n"):
            moves = ", ".join(f"{d} {v:+.1f}" for d, v in pairs["mean_move"].items())
            lines.append(
                f"    filler inserted in act sentences (n={pairs['n']}): mean move {moves}; "
                f"largest |move| of another dimension {_f(pairs['max_abs_other'], 1)}; "
                f"acts kept {_f(pairs['acts_kept'])}"
            )
        for err in res["errors"][:max_errors]:
            lines.append(
                f"    MISS [{split}] {err['id']} {err['label']} found {err['found']}: {err['text'][:70]}"
            )
        if len(res["errors"]) > max_errors:
            lines.append(f"    ... {len(res['errors']) - max_errors} more in the JSON record")
    return lines


def _f(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
