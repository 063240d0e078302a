"""Validity of proactive_connection (issue #10): why it disagrees with STC-3, and its own criterion.

Two sections of ``bench_validity.py``, kept in their own module so the proactive figures read
as one piece:

(f) *Why is proactive_connection negative with STC-3's ratings?* From the STC-3 score table
    the benchmark already builds: the Spearman of the score and of each act count with A, S
    and E; partial Spearman with task accomplishment A (and dialogue length) held fixed; the
    score within strata of A and of length; and the score recomputed without each act, so
    the act that drives the sign is named. An agent apologises and empathises when
    something went wrong, so the acts go with unsolved problems; if the negative sign is that
    confound, it shrinks towards zero with A held fixed.
(g) *Does proactive_connection find the acts it claims to find?* A labelled set of agent
    turns (``proactive_acts_{tune,holdout}.jsonl``), each marked with the acts it performs,
    hard negatives included. Each turn is scored inside a small call (an opener, the
    customer's line, the turn) and the acts named by the dimension's evidence for that turn
    are compared with the labels: precision, recall and F1 per act, per split and style.
    With the minimal pairs' "proactive close added" edits (section b), this is the
    dimension's validity criterion: it must find the acts a QA evaluator names, and a call
    gains score when one is added.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from cxnlp import Scorer, Transcript
from cxnlp.calibration import bootstrap_ci, spearman
from cxnlp.dimensions.proactive import CATEGORIES, FEATURE_NAMES, ProactiveConnection, saturating

PROACTIVE = "proactive_connection"
ACT_LABELS: tuple[str, ...] = (*CATEGORIES, "none")
#: What an agent says first in a non-opening item, so the item is not the call's opening turn.
NEUTRAL_OPENER = "Hello, you're through to customer support."
DEFAULT_CONTEXT = "Hi, I'm calling about my account."
_APOLOGY = re.compile(r"\b(sorry|apolog\w*|regret\w*)\b", re.IGNORECASE)


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


# --------------------------------------------------------------------------- (f) STC-3 evidence


def partial_spearman(x: np.ndarray, y: np.ndarray, controls: np.ndarray) -> float:
    """Spearman of ``x`` and ``y`` with ``controls`` (items x k) held fixed.

    Ranks every column, regresses the ranks of x and y on the controls' ranks (with an
    intercept) and correlates the residuals: the rank analogue of a partial correlation.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    c = np.asarray(controls, dtype=float).reshape(len(x), -1)
    keep = np.isfinite(x) & np.isfinite(y) & np.isfinite(c).all(axis=1)
    if keep.sum() < c.shape[1] + 3:
        return math.nan
    rx, ry = rankdata(x[keep]), rankdata(y[keep])
    design = np.column_stack([np.ones(keep.sum()), *(rankdata(col) for col in c[keep].T)])
    res_x = rx - design @ np.linalg.lstsq(design, rx, rcond=None)[0]
    res_y = ry - design @ np.linalg.lstsq(design, ry, rcond=None)[0]
    if res_x.std() == 0 or res_y.std() == 0:
        return math.nan
    return float(np.corrcoef(res_x, res_y)[0, 1])


def _ci(metric: Any, *arrays: np.ndarray, n_boot: int) -> dict[str, Any]:
    ci = bootstrap_ci(metric, *arrays, n_boot=n_boot, seed=0)
    return {"rho": _r(ci.estimate), "low": _r(ci.low), "high": _r(ci.high)}


def rescored(counts: pd.DataFrame, weights: dict[str, float] | None = None) -> pd.Series:
    """proactive_connection recomputed from act counts, with other weights (0 drops an act)."""
    dim = ProactiveConnection(weights=weights)
    w = dim.resolved_weights()
    total = sum(
        w[c] * counts[FEATURE_NAMES[c]].map(lambda k: saturating(int(k), dim.saturation)) for c in CATEGORIES
    )
    return pd.Series(total, index=counts.index)


def apology_empathy(evidence: pd.Series) -> pd.DataFrame:
    """Per dialogue: empathy acts that are apologies ("sorry", "apologise") and those that are not."""
    rows = []
    for blob in evidence:
        items = json.loads(blob) if isinstance(blob, str) else list(blob or [])
        sentences = [
            str(e.get("sentence") or "")
            for e in items
            if e.get("dimension") == PROACTIVE and e.get("kind") == "empathy"
        ]
        apologies = sum(bool(_APOLOGY.search(s)) for s in sentences)
        rows.append({"apology_empathy": apologies, "other_empathy": len(sentences) - apologies})
    return pd.DataFrame(rows, index=evidence.index)


def _strata(values: pd.Series, n: int = 3) -> pd.Series:
    """Equal-count strata (tertiles) of ``values``, labelled low/mid/high."""
    ranks = values.rank(method="first")
    return pd.qcut(ranks, n, labels=["low", "mid", "high"][:n] if n == 3 else None)


def proactive_stc3_evidence(table: pd.DataFrame, targets: pd.DataFrame, n_boot: int) -> dict[str, Any]:
    """(f) Why proactive_connection is negative with STC-3's A, S, E: which acts, and is it A?

    ``table`` is the STC-3 score table (indexed by transcript id, with the proactive act
    counts and evidence); ``targets`` the raters' mean A, S, E per dialogue.
    """
    acts = [f"f_{PROACTIVE}__{FEATURE_NAMES[c]}" for c in CATEGORIES]
    apologies = f"f_{PROACTIVE}__apologies"
    joined = targets.join(table[[PROACTIVE, "n_sentences", "n_turns", *acts, apologies]], how="inner")
    joined = joined.join(apology_empathy(table.loc[joined.index, "evidence"]))
    joined = joined[np.isfinite(joined[PROACTIVE].astype(float))]
    counts = joined[acts].rename(columns=lambda c: c.split("__")[1])
    labels = [c for c in ("A", "S", "E") if c in joined]
    y = {lab: joined[lab].to_numpy(dtype=float) for lab in labels}
    score_ = joined[PROACTIVE].to_numpy(dtype=float)
    out: dict[str, Any] = {"n": int(len(joined))}

    # 1. The score and each act with each label (which act carries the sign?).
    columns = {
        PROACTIVE: score_,
        **{c.split("__")[1]: joined[c].to_numpy(dtype=float) for c in acts},
        "apologies": joined[apologies].to_numpy(dtype=float),
        "empathy that apologises": joined["apology_empathy"].to_numpy(dtype=float),
        "empathy that does not": joined["other_empathy"].to_numpy(dtype=float),
        "n_sentences": joined["n_sentences"].to_numpy(dtype=float),
    }
    out["spearman"] = {
        name: {lab: _ci(spearman, col, y[lab], n_boot=n_boot) for lab in labels}
        for name, col in columns.items()
    }
    # 2. The score without each act (weight 0), and without apologising empathy.
    without = {f"without {c}": rescored(counts, {**_weights(), c: 0.0}) for c in CATEGORIES if c != "name"}
    non_apology = counts.assign(empathy=joined["other_empathy"].to_numpy())
    without["empathy w/o apologies"] = rescored(non_apology)
    out["score_without"] = {
        name: {lab: _r(spearman(s.to_numpy(), y[lab])) for lab in labels} for name, s in without.items()
    }
    # 3. Partial Spearman: with A held fixed, with length held fixed, with both.
    length = joined["n_sentences"].to_numpy(dtype=float)
    controls = {"A": y.get("A"), "n_sentences": length}
    partial: dict[str, Any] = {}
    for lab in labels:
        for name, ctrl in controls.items():
            if ctrl is None or name == lab:
                continue
            partial[f"{lab} | {name}"] = _ci(partial_spearman, score_, y[lab], ctrl, n_boot=n_boot)
        if "A" in y and lab != "A":
            both = np.column_stack([y["A"], length])
            partial[f"{lab} | A, n_sentences"] = _ci(partial_spearman, score_, y[lab], both, n_boot=n_boot)
    out["partial"] = partial
    # 4. Within strata of A and of length: mean score, share with empathy, Spearman with S.
    strata: dict[str, Any] = {}
    for by in [c for c in ("A", "n_sentences") if c in joined]:
        groups = _strata(joined[by].astype(float))
        for level, g in joined.groupby(groups, observed=True):
            key = f"{by} {level}"
            strata[key] = {
                "n": int(len(g)),
                "mean_score": _r(g[PROACTIVE].astype(float).mean(), 1),
                "share_with_empathy": _r(float((g[acts[1]] > 0).mean())),
                "mean_S": _r(g["S"].mean(), 2) if "S" in g else None,
                "rho_S": _r(spearman(g[PROACTIVE], g["S"])) if "S" in g else None,
            }
    out["strata"] = strata
    return out


def _weights() -> dict[str, float]:
    return dict(ProactiveConnection().resolved_weights())


def report_proactive_stc3(section: dict[str, Any]) -> list[str]:
    lines = [
        f"(f) proactive_connection vs STC-3: which acts, and is it unsolved problems? (n={section['n']})"
    ]
    labels = list(next(iter(section["spearman"].values())))
    lines.append("  Spearman [95% CI]      " + "".join(f"{lab:>20}" for lab in labels))
    for name, cells in section["spearman"].items():
        row = "".join(f"{_f(c['rho'])} [{_f(c['low'])},{_f(c['high'])}]".rjust(20) for c in cells.values())
        lines.append(f"  {name[:23]:<23}{row}")
    lines.append("  score recomputed       " + "".join(f"{lab:>20}" for lab in labels))
    for name, cells in section["score_without"].items():
        lines.append(f"  {name[:23]:<23}" + "".join(f"{_f(v):>20}" for v in cells.values()))
    lines.append("  partial Spearman of the score, controls after '|':")
    for name, c in section["partial"].items():
        lines.append(f"    {name:<22} {_f(c['rho'])} [{_f(c['low'])}, {_f(c['high'])}]")
    lines.append("  stratum            n  mean score  share w/ empathy  mean S  rho(score, S)")
    for name, s in section["strata"].items():
        lines.append(
            f"  {name:<16}{s['n']:>5}  {_f(s['mean_score'], 1):>10}  {_f(s['share_with_empathy']):>16}"
            f"  {_f(s['mean_S']):>6}  {_f(s['rho_S']):>13}"
        )
    return lines


def _f(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


# --------------------------------------------------------------------------- (g) labelled acts


def act_item_transcript(rec: dict[str, Any], prefix: str) -> tuple[Transcript, int]:
    """One labelled agent turn inside a small call, and the index of that turn.

    An opening item is the call's first turn; any other item follows a neutral agent opener,
    the item's ``history`` (earlier turns, if any) and the customer's line, so it is not
    mistaken for the opening. The opener is written in
    the item's style (recogniser items get it lower case, unpunctuated).
    """
    text, context = str(rec["text"]), str(rec.get("context") or DEFAULT_CONTEXT)
    opener = NEUTRAL_OPENER
    if rec.get("style") == "recogniser":
        opener = re.sub(r"[^\w\s']", "", opener.lower())
    # Turns said between the opener and the customer's line (a recap's earlier statements).
    history = [(str(h["speaker"]), str(h["text"])) for h in rec.get("history") or []]
    if rec.get("position") == "opening":
        pairs, turn = [("agent", text), ("customer", context)], 0
    else:
        pairs = [("agent", opener), *history, ("customer", context), ("agent", text)]
        turn = len(pairs) - 1
    metadata = {"customer_name": rec["customer_name"]} if rec.get("customer_name") else {}
    return Transcript.from_pairs(f"{prefix}/{rec['id']}", pairs, **metadata), turn


def detected_acts(evidence: Any, turn: int) -> set[str]:
    """The proactive acts the dimension's evidence names in one turn."""
    items = json.loads(evidence) if isinstance(evidence, str) else list(evidence or [])
    return {
        str(e.get("kind"))
        for e in items
        if e.get("dimension") == PROACTIVE and e.get("turn_index") == turn and e.get("kind") in CATEGORIES
    }


def act_scores(truth: Sequence[set[str]], found: Sequence[set[str]]) -> dict[str, Any]:
    """Per act: support, precision, recall, F1; then micro F1 and exact-set accuracy.

    ``none`` is scored as its own act: a turn labelled with no act, and one found with none.
    """
    out: dict[str, Any] = {}
    for act in ACT_LABELS:
        t = np.array([(act in s) if act != "none" else not s for s in truth])
        p = np.array([(act in s) if act != "none" else not s for s in found])
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        precision = tp / (tp + fp) if tp + fp else math.nan
        recall = tp / (tp + fn) if tp + fn else math.nan
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan
        out[act] = {"support": int(t.sum()), "precision": _r(precision), "recall": _r(recall), "f1": _r(f1)}
    tp = sum(len(t & f) for t, f in zip(truth, found, strict=True))
    fp = sum(len(f - t) for t, f in zip(truth, found, strict=True))
    fn = sum(len(t - f) for t, f in zip(truth, found, strict=True))
    out["micro_f1"] = _r(2 * tp / (2 * tp + fp + fn)) if tp + fp + fn else None
    out["exact"] = _r(float(np.mean([t == f for t, f in zip(truth, found, strict=True)]))) if truth else None
    return out


def proactive_acts_section(scorer: Scorer, splits: Sequence[Any]) -> dict[str, Any]:
    """(g) Per-act precision/recall/F1 of proactive_connection on the labelled agent turns."""
    out: dict[str, Any] = {}
    for split in splits:
        if not split.records:
            continue
        built = [act_item_transcript(rec, f"acts-{split.name}") for rec in split.records]
        table = scorer.score([t for t, _ in built])
        table = table.set_index(table["transcript_id"].astype(str))
        truth = [set(rec.get("acts") or []) for rec in split.records]
        found = [detected_acts(table.loc[t.id, "evidence"], turn) for t, turn in built]
        styles = sorted({str(rec.get("style")) for rec in split.records})
        by_neg: dict[str, list[bool]] = {}
        for rec, f in zip(split.records, found, strict=True):
            if rec.get("negative_kind"):
                by_neg.setdefault(str(rec["negative_kind"]), []).append(bool(f))
        out[split.name] = {
            "n": len(split.records),
            "overall": act_scores(truth, found),
            "by_style": {
                style: act_scores(
                    [t for t, r in zip(truth, split.records, strict=True) if r.get("style") == style],
                    [f for f, r in zip(found, split.records, strict=True) if r.get("style") == style],
                )
                for style in styles
            },
            "hard_negative_false_act_rate": {k: _r(float(np.mean(v))) for k, v in sorted(by_neg.items())},
            "errors": [
                {"id": rec["id"], "text": rec["text"], "label": sorted(t), "found": sorted(f)}
                for rec, t, f in zip(split.records, truth, found, strict=True)
                if t != f
            ],
        }
    return out


def report_proactive_acts(section: dict[str, Any], max_errors: int = 25) -> list[str]:
    lines = ["(g) proactive acts found vs labelled agent turns: precision / recall / F1 per act"]
    if not section:
        return [*lines, "  no data"]
    for split, result in section.items():
        lines.append(
            f"  [{split}] n={result['n']}, micro F1 {_f(result['overall']['micro_f1'])}, "
            f"exact act set {_f(result['overall']['exact'])}"
        )
        parts = {"all": result["overall"], **result["by_style"]}
        lines.append("    act            support" + "".join(f"{p:>22}" for p in parts))
        for act in ACT_LABELS:
            cells = "".join(
                f"{_f(v[act]['precision'])}/{_f(v[act]['recall'])}/{_f(v[act]['f1'])}".rjust(22)
                for v in parts.values()
            )
            lines.append(f"    {act:<14} {result['overall'][act]['support']:>7}{cells}")
        rates = ", ".join(f"{k} {_f(v)}" for k, v in result["hard_negative_false_act_rate"].items())
        lines.append(f"    hard negatives given an act (share): {rates}")
        for err in result["errors"][:max_errors]:
            lines.append(
                f"    MISS [{split}] {err['id']} {err['label']} found {err['found']}: {err['text'][:80]}"
            )
        if len(result["errors"]) > max_errors:
            lines.append(f"    ... {len(result['errors']) - max_errors} more in the JSON record")
    return lines


# --------------------------------------------------------------------------- the criterion


def proactive_criterion(record: dict[str, Any]) -> dict[str, Any]:
    """The figures proactive_connection's validity is judged by, from a benchmark record.

    STC-3's ratings cannot judge it (section f: its acts go with unsolved problems), so its
    criterion is (1) the acts found in labelled agent turns, per split (section g), and (2)
    known groups: a call with a proactive close added must score at least 5 points higher,
    and move more than any other dimension (the ``proactive_close`` minimal pairs, section b).
    """
    out: dict[str, Any] = {}
    for split, result in (record.get("proactive_acts") or {}).items():
        out[f"acts {split}: micro F1"] = result["overall"]["micro_f1"]
        out[f"acts {split}: exact act set"] = result["overall"]["exact"]
    for split, result in (record.get("minimal_pairs") or {}).items():
        for style in ("punctuated", "recogniser"):
            row = result.get(style, {}).get("matrix", {}).get("proactive_close")
            if row:
                out[f"proactive close added, {split} {style}: pass"] = row["pass_rate"]
                out[f"proactive close added, {split} {style}: mean +points"] = row.get(PROACTIVE)
    partial = (record.get("proactive_stc3") or {}).get("partial", {})
    if "S | A" in partial:
        out["STC-3 S | A (partial Spearman)"] = partial["S | A"]["rho"]
    return out


def report_proactive_criterion(record: dict[str, Any]) -> list[str]:
    lines = ["proactive_connection's criterion: labelled acts (g) and known groups (b: close added)"]
    for name, value in proactive_criterion(record).items():
        lines.append(f"  {name:<52} {_f(value)}")
    return lines
