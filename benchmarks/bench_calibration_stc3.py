"""How well calibrated cxnlp scores track human ratings of real helpdesk dialogues (STC-3).

Run by hand (never in CI; scoring the 1,672 dialogues takes several minutes on 2 cores):

    .venv/bin/python benchmarks/bench_calibration_stc3.py [--rescore] [--n-boot 1000]

What it does, in one run:

1. Scores the STC-3 (DCH-1, English) train dialogues with ``Scorer()`` once and caches the
   score table in ``benchmarks/cache/stc3_scores.parquet`` (``--rescore`` forces a new
   one; a cache made by another scorer configuration or another data file is refused).
   The table holds dialogue text in its evidence, so the cache folder gets its own
   ``.gitignore`` and is never committed.
2. Targets: A (task accomplishment), S (customer satisfaction) and E (effectiveness),
   each the mean of the 19 raters of a dialogue.
3. Out-of-fold predictions from the SAME shuffled 5-fold split (seed 0) for every method:
   ``ScoreCalibrator`` on interpretable feature sets (the dimensions only, the original
   sub-features, and those plus the outcome signals), then with the learned sentence
   evidence (the slot-mean sentence embeddings of ``slot_vectors``, with and without
   the interpretable features), the widest set chosen per training fold by
   :func:`select_calibrator` (nested: the choice never sees the test fold), and a
   bag-of-words baseline (TF-IDF word 1-2-grams + ``RidgeCV``). Spearman, Pearson and RMSE
   with 95% bootstrap intervals over dialogues. The human ceiling is the split-half
   reliability of the raters (random halves of the 19, Spearman between half means,
   Spearman-Brown corrected, averaged over 50 splits).
4. Nugget alignment per turn: the raters' majority nugget against what cxnlp's evidence
   says about that turn (filler coverage for "not useful", answer evidence for "solution
   stated", the customer's closing similarity for "solution confirmed"), and against the
   out-of-fold learned sentence terms summed per turn (``--no-sentence-nuggets`` skips
   this; it parses every dialogue again).
5. Prints one table, the calibrator's largest standardised coefficients and the share
   of a prediction each kind of term carries (what a prediction is made of), and
   appends a JSON record to
   ``benchmarks/results/calibration_stc3.jsonl``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from common import append_result

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from sklearn.base import BaseEstimator, clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeCV
from sklearn.metrics import precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline

from cxnlp import __version__
from cxnlp.calibration import (
    ScoreCalibrator,
    bootstrap_ci,
    calibration_features,
    pearson,
    rmse,
    select_calibrator,
    spearman,
    with_slot_columns,
)
from cxnlp.calibration.estimators import sentence_calibrator
from cxnlp.ingest.stc3 import read_stc3, stc3_labels, stc3_nuggets
from cxnlp.model import Reject, Transcript
from cxnlp.slots import (
    collapse_slot_columns,
    has_slot_columns,
    is_slot_column,
    slot_of_column,
)

logger = logging.getLogger("bench_calibration_stc3")

REPO = Path(__file__).resolve().parents[1]
STC3 = REPO.parent / "shared" / "data" / "stc3-dch1-en" / "train_data_en.json"
CACHE = REPO / "benchmarks" / "cache" / "stc3_scores.parquet"
RESULTS = REPO / "benchmarks" / "results" / "calibration_stc3.jsonl"
TARGETS: tuple[str, ...] = ("S", "A", "E")
SEED = 0
N_FOLDS = 5

#: Sub-features added for this benchmark: how the contact ended and how the agent deferred.
OUTCOME_FEATURES: tuple[str, ...] = (
    "f_answer_completeness__customer_confirmed_resolution",
    "f_answer_completeness__customer_still_complaining",
    "f_answer_completeness__customer_opening_complaint",
    "f_answer_completeness__customer_turns_after_reply",
    "f_answer_completeness__customer_words",
    "f_answer_completeness__customer_exclamations",
    "f_answer_completeness__question_share",
    "f_answer_completeness__problem_share",
    "f_answer_completeness__agent_questions",
    "f_answer_completeness__agent_asks_for_details",
    "f_answer_completeness__agent_redirects",
    "f_proactive_connection__apologies",
)
DIMENSIONS: tuple[str, ...] = (
    "brand_congruence",
    "answer_completeness",
    "proactive_connection",
    "filler_content",
    "interaction_score",
)
_ANSWER_TURN = re.compile(r"best answer \(turn (\d+)")


# --------------------------------------------------------------------------- data


def load_transcripts(path: Path = STC3, limit: int | None = None) -> list[Transcript]:
    """The STC-3 dialogues as transcripts, in file order (rejects are logged and skipped)."""
    out: list[Transcript] = []
    for item in read_stc3(path):
        if isinstance(item, Reject):
            logger.warning("rejected %s: %s", item.source, item.reason)
            continue
        out.append(item)
        if limit is not None and len(out) >= limit:
            break
    return out


def _cache_key(path: Path, scorer: Any, n: int) -> dict[str, Any]:
    stat = path.stat()
    return {
        "data": str(path.resolve()),
        "data_bytes": stat.st_size,
        "n_dialogues": n,
        "scorer": scorer.config_fingerprint(),
    }


def cached_scores(
    transcripts: Sequence[Transcript],
    *,
    cache: Path = CACHE,
    data_path: Path = STC3,
    rescore: bool = False,
    scorer: Any = None,
) -> pd.DataFrame:
    """The score table of ``transcripts``, read from ``cache`` when it matches, else scored.

    Why a cache: scoring is the slow step (minutes) and everything after it is cheap, so
    the calibration figures can be re-run without re-scoring. A sidecar ``.json`` keeps
    the data file, its size, the dialogue count and the scorer fingerprint; a cache made
    otherwise is re-scored rather than silently reused. Code changes that add features
    without changing the fingerprint need ``--rescore``.
    """
    from cxnlp.scoring import Scorer

    scorer = scorer or Scorer()
    key = _cache_key(data_path, scorer, len(transcripts))
    meta = cache.with_suffix(".json")
    if not rescore and cache.is_file() and meta.is_file():
        if json.loads(meta.read_text()) == key:
            logger.info("reading cached scores from %s", cache)
            return pd.read_parquet(cache)
        logger.warning("cache %s was made with other data or settings; re-scoring", cache)
    cache.parent.mkdir(parents=True, exist_ok=True)
    ignore = cache.parent / ".gitignore"
    if not ignore.exists():  # the table quotes dialogue text: never commit it
        ignore.write_text("# scored dialogue text: never commit\n*\n")
    from cxnlp.scoring import results_to_frame

    start = time.perf_counter()

    def progress() -> Iterable[Any]:
        for i, result in enumerate(scorer.iter_scored(transcripts), start=1):
            if i % 200 == 0:
                logger.info("scored %d/%d dialogues", i, len(transcripts))
            yield result

    table = results_to_frame(progress())
    logger.info("scored %d dialogues in %.0f s", len(table), time.perf_counter() - start)
    table.to_parquet(cache, index=False)
    meta.write_text(json.dumps(key))
    return table


def dialogue_targets(labels: pd.DataFrame) -> pd.DataFrame:
    """Mean rating over raters per dialogue: one row per ``transcript_id``, columns S, A, E."""
    return labels.groupby("transcript_id", sort=False)[list(TARGETS)].mean()


def dialogue_text(transcript: Transcript) -> str:
    """The whole dialogue as one string, speakers marked (the bag-of-words input)."""
    return "\n".join(f"{t.speaker}: {t.text}" for t in transcript.turns)


# --------------------------------------------------------------------------- models


def bow_baseline() -> BaseEstimator:
    """TF-IDF word 1-2-grams over the whole dialogue + ridge with alpha by LOO CV."""
    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        RidgeCV(alphas=np.logspace(-2, 3, 11)),
    )


class NestedSelection(BaseEstimator):
    """``select_calibrator`` as an estimator: the choice is made inside each training fold.

    Why: choosing between isotonic-on-the-interaction-score, ridge and ridge+isotonic on
    the same folds the figures are reported on would tune to the test folds.
    """

    def __init__(self, *, cv: int = 5, scoring: str = "rmse") -> None:
        self.cv = cv
        self.scoring = scoring

    def fit(self, X: pd.DataFrame, y: np.ndarray) -> NestedSelection:
        self.estimator_, self.table_ = select_calibrator(
            X, y, cv=self.cv, scoring=self.scoring, random_state=SEED
        )
        self.chosen_ = str(self.table_.loc[self.table_["selected"], "candidate"].iloc[0])
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.estimator_.predict(X), dtype=float)


def shared_folds(n: int, n_splits: int = N_FOLDS, seed: int = SEED) -> list[tuple[Any, Any]]:
    """One shuffled K-fold split of the dialogues, used by every method."""
    splitter = KFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros((n, 1))))


def out_of_fold(
    estimator: BaseEstimator,
    X: Any,
    y: np.ndarray,
    folds: Iterable[tuple[Any, Any]],
    on_fit: Callable[[BaseEstimator], None] | None = None,
) -> np.ndarray:
    """Each dialogue predicted by a clone fitted on the other folds only."""
    pred = np.full(y.size, np.nan)
    for train, test in folds:
        est = clone(estimator)
        x_train = X.iloc[train] if isinstance(X, pd.DataFrame) else [X[i] for i in train]
        x_test = X.iloc[test] if isinstance(X, pd.DataFrame) else [X[i] for i in test]
        est.fit(x_train, y[train])
        pred[test] = est.predict(x_test)
        if on_fit is not None:
            on_fit(est)
    return pred


def agreement(y: np.ndarray, pred: np.ndarray, n_boot: int) -> dict[str, list[float]]:
    """Spearman, Pearson, RMSE with percentile bootstrap 95% CIs over dialogues."""
    out = {}
    for name, metric in (("spearman", spearman), ("pearson", pearson), ("rmse", rmse)):
        ci = bootstrap_ci(metric, y, pred, n_boot=n_boot, seed=SEED)
        out[name] = [round(ci.estimate, 4), round(ci.low, 4), round(ci.high, 4)]
    return out


def split_half_reliability(
    labels: pd.DataFrame,
    target: str,
    n_splits: int = 50,
    seed: int = SEED,
    *,
    metric: Callable[[Any, Any], float] = spearman,
    per_dialogue: bool = False,
) -> float:
    """Mean Spearman-Brown-corrected agreement between random half-panels of raters.

    Each split draws a random half of the rater positions (the same for every dialogue:
    in STC-3 a position is one annotator, so the half-panels are two fixed groups of
    people, as the "mean of the 19 raters" target is), correlates the two half means
    with ``metric`` and projects it to the full panel with ``2r / (1 + r)``.
    ``per_dialogue=True`` redraws the halves per dialogue instead, which mixes the
    raters' leniency into the halves and gives a lower figure (S 0.87 against 0.90).
    """
    wide = labels.pivot_table(index="transcript_id", columns="rater", values=target)
    matrix = wide.to_numpy(dtype=float)
    rng = np.random.default_rng(seed)
    half = matrix.shape[1] // 2
    values = []
    for _ in range(n_splits):
        if per_dialogue:
            order = np.argsort(rng.random(matrix.shape), axis=1)
        else:
            order = np.tile(rng.permutation(matrix.shape[1]), (matrix.shape[0], 1))
        shuffled = np.take_along_axis(matrix, order, axis=1)
        first = np.nanmean(shuffled[:, :half], axis=1)
        second = np.nanmean(shuffled[:, half:], axis=1)
        r = metric(first, second)
        values.append(2 * r / (1 + r))
    return float(np.mean(values))


INTERPRETABLE = "cxnlp + outcome features"
SENTENCES = "cxnlp + learned sentence evidence"
SENTENCES_ONLY = "learned sentence evidence alone"


def feature_sets(scores: pd.DataFrame) -> dict[str, list[str]]:
    """The feature sets compared (columns of the score table, slot means expanded).

    The first three are interpretable features only; the last two add (or use only) the
    slot-mean sentence embeddings, read by a ``sentence_evidence=True`` calibrator whose
    every prediction splits into feature, slot and sentence terms.
    """
    every = calibration_features(scores)
    slots = [c for c in every if is_slot_column(c)]
    plain = [c for c in every if not is_slot_column(c)]
    outcome = [c for c in OUTCOME_FEATURES if c in plain]
    sets = {
        "cxnlp dimensions only": [c for c in DIMENSIONS if c in plain],
        "cxnlp original sub-features": [c for c in plain if c not in outcome],
        INTERPRETABLE: plain,
    }
    if slots:
        sets[SENTENCES] = plain + slots
        sets[SENTENCES_ONLY] = slots
    return sets


def calibrator_for(columns: Sequence[str]) -> ScoreCalibrator:
    """The calibrator a feature set is fitted with: sentence evidence on when it has slots."""
    if has_slot_columns(columns):
        return sentence_calibrator()
    return ScoreCalibrator()


def explain(calibrator: ScoreCalibrator, names: Sequence[str], top: int = 8) -> list[dict]:
    """The largest standardised ridge coefficients: what the calibrated score is made of."""
    coef = np.asarray(calibrator.coef_, dtype=float)
    order = np.argsort(-np.abs(coef))[:top]
    return [{"feature": names[i], "coef": round(float(coef[i]), 4)} for i in order]


def term_shares(calibrator: ScoreCalibrator, X: pd.DataFrame) -> dict[str, float]:
    """Mean share of each term group in the size of a prediction (sum of |terms|).

    Groups: the interpretable features together, and each conversation slot's learned
    sentence evidence. Says how much of a typical prediction each kind of evidence carries.
    """
    terms = calibrator.contributions(X).drop(columns=["intercept"])
    group = {c: (slot_of_column(c) if is_slot_column(c) else "interpretable features") for c in terms}
    summed = terms.T.groupby(pd.Series(group)).sum().T.abs()
    shares = summed.div(summed.sum(axis=1), axis=0).mean()
    return {k: round(float(v), 3) for k, v in shares.sort_values(ascending=False).items()}


# --------------------------------------------------------------------------- nuggets


def majority_nuggets(nuggets: pd.DataFrame) -> pd.DataFrame:
    """The raters' most frequent nugget per (dialogue, turn); ties go to the rarer label.

    Columns ``transcript_id, turn_index, sender, nugget, share`` (share of raters who gave
    the majority label).
    """
    counts = (
        nuggets.groupby(["transcript_id", "turn_index", "sender", "nugget"], sort=False)
        .size()
        .rename("n")
        .reset_index()
    )
    totals = counts.groupby(["transcript_id", "turn_index"])["n"].transform("sum")
    counts["share"] = counts["n"] / totals
    counts = counts.sort_values(["transcript_id", "turn_index", "n", "nugget"])
    return (
        counts.groupby(["transcript_id", "turn_index"], sort=False)
        .tail(1)
        .reset_index(drop=True)[["transcript_id", "turn_index", "sender", "nugget", "share"]]
    )


def _turn_words(transcripts: Sequence[Transcript]) -> dict[tuple[str, int], int]:
    """Non-punctuation tokens per turn, with spaCy's English tokenizer (as filler counts)."""
    import spacy

    nlp = spacy.blank("en")
    keys, texts = [], []
    for t in transcripts:
        for i, turn in enumerate(t.turns):
            keys.append((t.id, i))
            texts.append(turn.text)
    return {
        key: sum(1 for tok in doc if not (tok.is_punct or tok.is_space))
        for key, doc in zip(keys, nlp.pipe(texts), strict=True)
    }


def turn_signals(scores: pd.DataFrame, transcripts: Sequence[Transcript]) -> pd.DataFrame:
    """Per turn: filler coverage, whether an answer lies there, the customer's closing signal.

    ``filler_coverage`` is the filler evidence's flagged words in the turn (their
    ``weight``) over the turn's words. ``answer_here`` is 1 when an ``answered``
    completeness evidence names this turn as the turn of its best answer (the ``detail``
    text says "best answer (turn N, ..."); ``partial_here`` the same for ``partial``.
    ``closing_resolved`` is the dialogue's ``customer_confirmed_resolution`` on the
    customer's last turn after the first agent reply, NaN on other turns.
    """
    words = _turn_words(transcripts)
    filler: dict[tuple[str, int], float] = {}
    answered: set[tuple[str, int]] = set()
    partial: set[tuple[str, int]] = set()
    for tid, blob in zip(scores["transcript_id"], scores["evidence"], strict=True):
        for item in json.loads(blob):
            key = (str(tid), int(item["turn_index"]))
            if item["dimension"] == "filler_content":
                filler[key] = filler.get(key, 0.0) + float(item["weight"])
            elif item["dimension"] == "answer_completeness":
                match = _ANSWER_TURN.search(item.get("detail") or "")
                if match and item["kind"] in ("answered", "partial"):
                    target = answered if item["kind"] == "answered" else partial
                    target.add((str(tid), int(match.group(1))))
    closing_col = "f_answer_completeness__customer_confirmed_resolution"
    closing = dict(zip(scores["transcript_id"].astype(str), scores[closing_col], strict=True))
    rows = []
    for t in transcripts:
        agent_turns = [i for i, turn in enumerate(t.turns) if turn.speaker == "agent" and turn.text]
        first_reply = agent_turns[0] if agent_turns else None
        later = [
            i
            for i, turn in enumerate(t.turns)
            if turn.speaker == "customer" and turn.text and first_reply is not None and i > first_reply
        ]
        last_customer = later[-1] if later else None
        for i in range(len(t.turns)):
            key = (t.id, i)
            n_words = words.get(key, 0)
            rows.append(
                {
                    "transcript_id": t.id,
                    "turn_index": i,
                    "filler_coverage": filler.get(key, 0.0) / n_words if n_words else 0.0,
                    "answer_here": key in answered,
                    "partial_here": key in partial,
                    "closing_resolved": closing.get(t.id, np.nan) if i == last_customer else np.nan,
                }
            )
    return pd.DataFrame(rows)


def _prf(truth: np.ndarray, pred: np.ndarray, score: np.ndarray | None = None) -> dict:
    p, r, f, _ = precision_recall_fscore_support(truth, pred, average="binary", zero_division=0)
    out = {
        "n": int(truth.size),
        "positives": int(truth.sum()),
        "predicted": int(pred.sum()),
        "precision": round(float(p), 3),
        "recall": round(float(r), 3),
        "f1": round(float(f), 3),
    }
    if score is not None and 0 < truth.sum() < truth.size:
        out["auc"] = round(float(roc_auc_score(truth, score)), 3)
    return out


def nugget_alignment(
    nuggets: pd.DataFrame, scores: pd.DataFrame, transcripts: Sequence[Transcript]
) -> dict[str, dict]:
    """Precision/recall/F1 (and AUC where a continuous signal exists) per nugget check."""
    major = majority_nuggets(nuggets).astype({"transcript_id": str})
    turns = major.merge(turn_signals(scores, transcripts), on=["transcript_id", "turn_index"])
    helpdesk = turns[turns["sender"] == "helpdesk"]
    customer = turns[turns["sender"] == "customer"]
    not_useful = (helpdesk["nugget"] == "HNaN").to_numpy()
    coverage = helpdesk["filler_coverage"].to_numpy()
    solution = (helpdesk["nugget"] == "HNUG*").to_numpy()
    answered = helpdesk["answer_here"].to_numpy()
    either = answered | helpdesk["partial_here"].to_numpy()
    closing = customer.dropna(subset=["closing_resolved"])
    confirmed = (closing["nugget"] == "CNUG*").to_numpy()
    sim = closing["closing_resolved"].to_numpy()
    return {
        "HNaN vs filler coverage >= 0.5": _prf(not_useful, coverage >= 0.5, coverage),
        "HNaN vs filler coverage >= 0.2": _prf(not_useful, coverage >= 0.2, coverage),
        "HNaN vs no answer evidence in turn": _prf(not_useful, ~either),
        "HNUG* vs 'answered' best answer in turn": _prf(solution, answered),
        "HNUG* vs answered or partial in turn": _prf(solution, either),
        "CNUG* vs last customer turn resolved-sim >= 0.5": _prf(confirmed, sim >= 0.5, sim),
    }


def parse_all(transcripts: Sequence[Transcript], parser: Any = None) -> list[Any]:
    """Every transcript through the scorer's parse pass (sentences and their embeddings)."""
    from cxnlp.scoring import Scorer

    parser = parser or Scorer().parser
    parsed: list[Any] = []
    for start in range(0, len(transcripts), 128):
        parsed.extend(parser.parse_many(list(transcripts[start : start + 128])))
    return parsed


def sentence_nugget_alignment(
    scores: pd.DataFrame,
    parsed: Sequence[Any],
    nuggets: pd.DataFrame,
    y: np.ndarray,
    folds: Sequence[tuple[Any, Any]],
    columns: Sequence[str],
    *,
    target: str,
) -> dict[str, dict]:
    """Do the sentences the learned evidence credits or blames sit in the turns raters marked?

    Out of fold: for each fold, a sentence-evidence calibrator fitted on the other folds
    gives every sentence of the held-out dialogues its term
    (:func:`cxnlp.calibration.sentence_contributions`); a turn's term is the sum of its
    sentences'. AUC of the turn term against the raters' majority nugget: "solution
    stated" (HNUG*) and "solution confirmed" (CNUG*) should be credited, "not useful"
    (HNaN) blamed. ``parsed`` is :func:`parse_all` of the score table's transcripts, in order.
    """
    from cxnlp.calibration import sentence_contributions
    from cxnlp.calibration.persistence import Calibration

    turn_terms: dict[tuple[str, int], float] = {}
    for train, test in folds:
        est = calibrator_for(columns).fit(scores.iloc[train][list(columns)], y[train])
        calibration = Calibration(estimator=est, target=target)
        for i in test:
            terms = sentence_contributions(calibration, parsed[i]).dropna(subset=["turn_index"])
            for turn, value in terms.groupby("turn_index")["contribution"].sum().items():
                turn_terms[(parsed[i].transcript.id, int(turn))] = float(value)
    major = majority_nuggets(nuggets).astype({"transcript_id": str})
    major["term"] = [
        turn_terms.get((tid, int(turn)), np.nan)
        for tid, turn in zip(major["transcript_id"], major["turn_index"], strict=True)
    ]
    major = major.dropna(subset=["term"])
    helpdesk = major[major["sender"] == "helpdesk"]
    customer = major[major["sender"] == "customer"]

    def auc(truth: np.ndarray, score: np.ndarray) -> dict:
        return {
            "n": int(truth.size),
            "positives": int(truth.sum()),
            "auc": round(float(roc_auc_score(truth, score)), 3) if 0 < truth.sum() < truth.size else None,
        }

    h_term = helpdesk["term"].to_numpy()
    c_term = customer["term"].to_numpy()
    return {
        f"HNaN vs blame (-term), {target}": auc((helpdesk["nugget"] == "HNaN").to_numpy(), -h_term),
        f"HNUG* vs credit (term), {target}": auc((helpdesk["nugget"] == "HNUG*").to_numpy(), h_term),
        f"CNUG* vs credit (term), {target}": auc((customer["nugget"] == "CNUG*").to_numpy(), c_term),
    }


# --------------------------------------------------------------------------- run


def evaluate(
    scores: pd.DataFrame,
    transcripts: Sequence[Transcript],
    labels: pd.DataFrame,
    nuggets: pd.DataFrame,
    *,
    n_boot: int = 1000,
    n_folds: int = N_FOLDS,
    nested: bool = True,
    sentence_nuggets: bool = True,
    parser: Any = None,
) -> dict[str, Any]:
    """Every figure of the benchmark from a score table, its transcripts and the labels."""
    targets = dialogue_targets(labels)
    ids = [t.id for t in transcripts]
    scores = with_slot_columns(scores.assign(transcript_id=scores["transcript_id"].astype(str)))
    scores = scores.set_index("transcript_id").loc[ids].reset_index()
    y_all = targets.loc[ids]
    texts = [dialogue_text(t) for t in transcripts]
    folds = shared_folds(len(ids), n_folds)
    sets = feature_sets(scores)
    rows: list[dict[str, Any]] = []
    coefficients: dict[str, list[dict]] = {}
    shares: dict[str, dict[str, float]] = {}
    chosen_by_target: dict[str, list[str]] = {}
    widest = SENTENCES if SENTENCES in sets else INTERPRETABLE
    for target in TARGETS:
        y = y_all[target].to_numpy(dtype=float)
        methods: dict[str, np.ndarray] = {}
        for name, cols in sets.items():
            methods[name] = out_of_fold(calibrator_for(cols), scores[cols], y, folds)
        if nested:
            chosen: list[str] = []
            methods[f"{widest}, select_calibrator (nested)"] = out_of_fold(
                NestedSelection(),
                scores[sets[widest]],
                y,
                folds,
                on_fit=lambda est, chosen=chosen: chosen.append(est.chosen_),
            )
            logger.info("%s: select_calibrator chose %s", target, chosen)
            chosen_by_target[target] = chosen
        methods["bag-of-words (TF-IDF 1-2g + RidgeCV)"] = out_of_fold(bow_baseline(), texts, y, folds)
        for name, pred in methods.items():
            rows.append({"target": target, "method": name, **agreement(y, pred, n_boot)})
        rows.append(
            {
                "target": target,
                "method": "human split-half (Spearman-Brown)",
                "spearman": [round(split_half_reliability(labels, target), 4), None, None],
                "pearson": [
                    round(split_half_reliability(labels, target, metric=pearson), 4),
                    None,
                    None,
                ],
            }
        )
        full = ScoreCalibrator().fit(scores[sets[INTERPRETABLE]], y)
        coefficients[target] = explain(full, sets[INTERPRETABLE])
        if SENTENCES in sets:
            learned = calibrator_for(sets[SENTENCES]).fit(scores[sets[SENTENCES]], y)
            shares[target] = term_shares(learned, scores[sets[SENTENCES]])
    sentence_alignment: dict[str, dict] = {}
    if sentence_nuggets and SENTENCES in sets:
        parsed = parse_all(transcripts, parser)  # once: about a minute and a half for STC-3
        for target in ("A", "S"):
            sentence_alignment.update(
                sentence_nugget_alignment(
                    scores,
                    parsed,
                    nuggets,
                    y_all[target].to_numpy(dtype=float),
                    folds,
                    sets[SENTENCES],
                    target=target,
                )
            )
    return {
        "results": rows,
        "coefficients": coefficients,
        "term_shares": shares,
        "sentence_nuggets": sentence_alignment,
        "select_calibrator_chose": chosen_by_target,
        "nuggets": nugget_alignment(nuggets, scores, transcripts),
        "feature_sets": {k: collapse_slot_columns(v) for k, v in sets.items()},
    }


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """One plain-text table: target, method, each metric with its 95% CI."""

    def cell(value: list | None) -> str:
        if not value or value[0] is None:
            return ""
        if value[1] is None:
            return f"{value[0]:.3f}"
        return f"{value[0]:.3f} [{value[1]:.3f}, {value[2]:.3f}]"

    width = max(len(r["method"]) for r in rows)
    head = f"{'':2} {'method':<{width}}  {'Spearman [95% CI]':<22}  {'Pearson [95% CI]':<22}  "
    lines = [head + "RMSE [95% CI]"]
    for r in rows:
        lines.append(
            f"{r['target']:<2} {r['method']:<{width}}  {cell(r.get('spearman')):<22}  "
            f"{cell(r.get('pearson')):<22}  {cell(r.get('rmse'))}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=STC3, help="STC-3 train JSON")
    ap.add_argument("--rescore", action="store_true", help="ignore the cached score table")
    ap.add_argument("--limit", type=int, default=None, help="first N dialogues only (quick)")
    ap.add_argument("--n-boot", type=int, default=1000, help="bootstrap replicates")
    ap.add_argument("--no-nested", action="store_true", help="skip nested select_calibrator")
    ap.add_argument("--no-record", action="store_true", help="do not append to the results")
    ap.add_argument(
        "--no-sentence-nuggets",
        action="store_true",
        help="skip aligning learned sentence terms with nuggets (saves a parse of every dialogue)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    start = time.perf_counter()
    transcripts = load_transcripts(args.data, args.limit)
    cache = (
        CACHE
        if args.limit is None and args.data == STC3
        else CACHE.with_name(f"stc3_scores_{args.data.stem}_{args.limit}.parquet")
    )
    scores = cached_scores(transcripts, cache=cache, data_path=args.data, rescore=args.rescore)
    labels = stc3_labels(args.data)
    ids = {t.id for t in transcripts}
    labels = labels[labels["transcript_id"].isin(ids)]
    nuggets = stc3_nuggets(args.data)
    nuggets = nuggets[nuggets["transcript_id"].isin(ids)]
    report = evaluate(
        scores,
        transcripts,
        labels,
        nuggets,
        n_boot=args.n_boot,
        nested=not args.no_nested,
        sentence_nuggets=not args.no_sentence_nuggets,
    )
    print(
        f"STC-3 train, {len(transcripts)} dialogues, {N_FOLDS}-fold CV (seed {SEED}), "
        f"targets = mean of the raters; 95% bootstrap CIs over dialogues"
    )
    print(format_table(report["results"]))
    print(f"\nLargest standardised coefficients ({INTERPRETABLE}, fitted on all):")
    for target, items in report["coefficients"].items():
        print(f"  {target}: " + ", ".join(f"{i['feature']} {i['coef']:+.3f}" for i in items))
    if report["term_shares"]:
        print(f"\nMean share of a prediction's terms ({SENTENCES}, fitted on all):")
        for target, items in report["term_shares"].items():
            print(f"  {target}: " + ", ".join(f"{k} {v:.2f}" for k, v in items.items()))
    for target, chosen in report["select_calibrator_chose"].items():
        print(f"select_calibrator chose, per outer fold, for {target}: {chosen}")
    print("\nNugget alignment (majority label over raters, per turn):")
    for name, m in report["nuggets"].items():
        print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in m.items()))
    if report["sentence_nuggets"]:
        print("\nLearned sentence terms per turn (out of fold) against the nuggets:")
        for name, m in report["sentence_nuggets"].items():
            print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in m.items()))
    record = {
        "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
        "cxnlp": __version__,
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        "python": sys.version.split()[0],
        "n_dialogues": len(transcripts),
        "n_folds": N_FOLDS,
        "seed": SEED,
        "n_boot": args.n_boot,
        "elapsed_s": round(time.perf_counter() - start, 1),
        **report,
    }
    if not args.no_record:
        append_result(RESULTS, record)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
