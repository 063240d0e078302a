"""What a calibrated score is made of: one term per feature, per slot and per sentence.

A QA lead who reads "predicted rubric score 62" asks *why*. The calibrators here are
additive before their monotone post-map, so the answer is exact rather than approximate:

- :func:`explain_scores` splits each row's ridge output into the interpretable features'
  terms (each backed by its dimension's evidence in the ``evidence`` column) and, for a
  calibrator with learned sentence evidence, one term per conversation slot;
- :func:`sentence_contributions` splits a slot's term further into the sentences of that
  slot, since the slot's feature is the mean of its sentences' embeddings and the model is
  linear in it: each sentence adds ``coef · (e_sentence − training mean) / sd / n_slot``.

Terms are in the target's units, relative to the training average (a term of +0.3 on a
−2…2 scale: this sentence lifts the prediction 0.3 above what an average sentence in that
slot would). The increasing isotonic map and the clip that follow change the size of the
total, never its order, so the terms rank transcripts exactly as the prediction does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cxnlp.calibration.estimators import DIMENSION_COLUMNS, MonotoneCalibrator, ScoreCalibrator
from cxnlp.calibration.persistence import Calibration
from cxnlp.slots import is_slot_column, sentence_slots, slot_column_positions, slot_of_column

if TYPE_CHECKING:  # pragma: no cover
    from cxnlp.model import Transcript
    from cxnlp.nlp import ParsedTranscript
    from cxnlp.scoring import Scorer

__all__ = ["Explanation", "explain_scores", "explain_transcript", "sentence_contributions"]

_TERM_COLUMNS = ["transcript_id", "term", "kind", "dimension", "contribution"]
_SENTENCE_COLUMNS = ["sentence_index", "turn_index", "speaker", "slot", "sentence", "contribution"]


def _dimension_of(feature: str) -> str | None:
    """``f_answer_completeness__x`` → ``answer_completeness``; a dimension column → itself."""
    if feature.startswith("f_") and "__" in feature:
        return feature[2:].split("__", 1)[0]
    if feature in DIMENSION_COLUMNS:
        return feature
    return None


def explain_scores(
    calibration: Calibration, table: pd.DataFrame, *, id_col: str = "transcript_id"
) -> pd.DataFrame:
    """One row per (transcript, term): the terms that add up to each calibrated score.

    Columns ``transcript_id, term, kind, dimension, contribution``. ``kind`` is
    ``feature`` (an interpretable feature, ``dimension`` names whose evidence backs it),
    ``slot`` (learned sentence evidence of one conversation slot: ``term`` is the slot)
    or ``intercept``. Rows of a transcript are ordered by the size of their term.
    A :class:`MonotoneCalibrator` has one term: its score, worth the whole prediction.
    """
    est = calibration.estimator
    if id_col in table.columns:
        ids = table[id_col].astype(str).to_numpy()
    else:
        ids = np.arange(len(table)).astype(str)
    if isinstance(est, MonotoneCalibrator):
        feature = calibration.features[est.feature_index_]
        long = pd.DataFrame(
            {
                "transcript_id": ids,
                "term": feature,
                "kind": "feature",
                "dimension": _dimension_of(feature),
                "contribution": calibration.predict(table),
            }
        )
        return long[_TERM_COLUMNS]
    if not isinstance(est, ScoreCalibrator):  # pragma: no cover - persistence allows only these
        raise TypeError(f"Got a {type(est).__name__}; expected a ScoreCalibrator or MonotoneCalibrator.")
    terms = est.contributions(calibration.select(table))
    grouped: dict[str, np.ndarray] = {}
    kinds: dict[str, str] = {}
    for name in terms.columns:
        key = slot_of_column(name) if is_slot_column(name) else name
        kinds[key] = "slot" if is_slot_column(name) else ("intercept" if name == "intercept" else "feature")
        grouped[key] = grouped.get(key, 0.0) + terms[name].to_numpy(dtype=float)
    frames = [
        pd.DataFrame(
            {
                "transcript_id": ids,
                "term": key,
                "kind": kinds[key],
                "dimension": _dimension_of(key) if kinds[key] == "feature" else None,
                "contribution": values,
                "_row": np.arange(len(ids)),
            }
        )
        for key, values in grouped.items()
    ]
    long = pd.concat(frames, ignore_index=True)
    long["_size"] = long["contribution"].abs()
    long = long.sort_values(["_row", "_size"], ascending=[True, False], kind="stable")
    return long[_TERM_COLUMNS].reset_index(drop=True)


def sentence_contributions(calibration: Calibration, parsed: ParsedTranscript) -> pd.DataFrame:
    """Each sentence's share of its slot's term, for a calibrator with sentence evidence.

    Columns ``sentence_index, turn_index, speaker, slot, sentence, contribution``,
    largest first (a sentence in two slots has a row for each). Per
    slot, the sentences' contributions sum to that slot's term in
    :func:`explain_scores` (up to the float16 rounding of the stored slot means); an
    empty slot's term (the slot's absence) is a row with ``sentence`` None.
    """
    est = calibration.estimator
    if not (isinstance(est, ScoreCalibrator) and calibration.uses_sentence_evidence):
        raise ValueError(
            f"Got calibrator {calibration.target!r}, which reads no sentence evidence; expected "
            "one fitted with sentence_evidence=True (candidate 'ridge+isotonic+sentences'). "
            "Use explain_scores for its feature terms."
        )
    memberships = sentence_slots(
        [s.turn_index for s in parsed.sentences], [s.speaker for s in parsed.sentences]
    )
    rows: list[dict[str, object]] = []
    for slot, idx in slot_column_positions(calibration.features).items():
        weight = est.coef_[idx] / est.scale_[idx]
        mean = est.mean_[idx]
        members = [s for s, m in zip(parsed.sentences, memberships, strict=True) if slot in m]
        if not members:
            rows.append(
                {
                    "sentence_index": None,
                    "turn_index": None,
                    "speaker": None,
                    "slot": slot,
                    "sentence": None,
                    "contribution": float(-(mean @ weight)),
                }
            )
            continue
        for s in members:
            vector = parsed.vectors[s.index].astype(np.float64)
            rows.append(
                {
                    "sentence_index": s.index,
                    "turn_index": s.turn_index,
                    "speaker": s.speaker,
                    "slot": slot,
                    "sentence": s.text,
                    "contribution": float((vector - mean) @ weight / len(members)),
                }
            )
    frame = pd.DataFrame(rows, columns=_SENTENCE_COLUMNS)
    order = frame["contribution"].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True)


@dataclass(frozen=True)
class Explanation:
    """A calibrated prediction for one transcript and the terms it is made of."""

    transcript_id: str
    target: str
    prediction: float
    interval: tuple[float, float]
    terms: pd.DataFrame
    sentences: pd.DataFrame | None

    def top_sentences(self, n: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The ``n`` sentences that lift the prediction most, and the ``n`` that lower it most.

        A sentence in two slots (the agent's last turn) is one row: its terms summed and
        its slots joined with ``+``.
        """
        if self.sentences is None or self.sentences.empty:
            empty = pd.DataFrame(columns=_SENTENCE_COLUMNS)
            return empty, empty
        said = self.sentences.dropna(subset=["sentence"])
        merged = (
            said.groupby("sentence_index", sort=False)
            .agg(
                turn_index=("turn_index", "first"),
                speaker=("speaker", "first"),
                slot=("slot", "+".join),
                sentence=("sentence", "first"),
                contribution=("contribution", "sum"),
            )
            .reset_index()
        )
        up = merged[merged["contribution"] > 0].nlargest(n, "contribution")
        down = merged[merged["contribution"] < 0].nsmallest(n, "contribution")
        return up, down


def explain_transcript(
    transcript: Transcript,
    calibrations: Calibration | Sequence[Calibration],
    *,
    scorer: Scorer | None = None,
) -> list[Explanation]:
    """Score ``transcript`` and explain each calibrated prediction: features, slots, sentences.

    Parses the transcript once (the same parse scoring uses), so sentence terms come from
    the same embeddings as the slot means in the score table.
    """
    from cxnlp.scoring import Scorer, result_row

    scorer = scorer or Scorer()
    ((parsed, scored),) = scorer.score_batch_with_parse([transcript])
    row = pd.DataFrame([result_row(scored)])
    items = [calibrations] if isinstance(calibrations, Calibration) else list(calibrations)
    out = []
    for calibration in items:
        interval = calibration.predict_interval(row)[0]
        out.append(
            Explanation(
                transcript_id=transcript.id,
                target=calibration.target,
                prediction=float(calibration.predict(row)[0]),
                interval=(float(interval[0]), float(interval[1])),
                terms=explain_scores(calibration, row),
                sentences=(
                    sentence_contributions(calibration, parsed)
                    if calibration.uses_sentence_evidence
                    else None
                ),
            )
        )
    return out
