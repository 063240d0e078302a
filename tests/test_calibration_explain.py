"""Learned sentence evidence: the calibrator that reads slot means, and how it explains itself.

Synthetic score tables whose rating depends on *what the customer said at the end* (one
direction in the closing slot's embedding space) and a little on one interpretable
feature: a calibrator that reads sentence evidence must find it; one that does not must
not need the slot columns at all; and every prediction must split exactly into its terms.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cxnlp.calibration import (
    ScoreCalibrator,
    explain_scores,
    select_calibrator,
    sentence_contributions,
    training_frame,
    with_slot_columns,
)
from cxnlp.calibration.estimators import SENTENCE_ALPHAS
from cxnlp.calibration.persistence import Calibration, load_calibrator, save_calibrator
from cxnlp.slots import SLOT_COLUMN, SLOTS, encode_slot_vectors, is_slot_column

DIM = 8
CLOSING = SLOTS.index("customer_closing")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


@pytest.fixture(scope="module")
def world():
    """300 transcripts: each has 1-3 closing sentences; the rating follows their mean's
    projection on a hidden 'satisfied' direction, plus 0.3 x one feature, plus noise."""
    rng = np.random.default_rng(7)
    satisfied = _unit(rng.normal(size=DIM))
    rows, sentences = [], {}
    for i in range(300):
        tid = f"T{i:03d}"
        n_close = int(rng.integers(1, 4))
        close = np.array([_unit(rng.normal(size=DIM)) for _ in range(n_close)])
        other = np.array([_unit(rng.normal(size=DIM)) for _ in range(3)])  # opening, reply x2
        slot_matrix = np.zeros((len(SLOTS), DIM))
        slot_matrix[SLOTS.index("customer_opening")] = other[0]
        slot_matrix[SLOTS.index("agent_reply")] = other[1:].mean(axis=0)
        slot_matrix[SLOTS.index("agent_closing")] = other[2]
        slot_matrix[CLOSING] = close.mean(axis=0)
        feature = rng.normal()
        y = 2.0 * close.mean(axis=0) @ satisfied + 0.3 * feature + 0.1 * rng.normal()
        rows.append(
            {
                "transcript_id": tid,
                "interaction_score": 50 + 10 * feature,
                "f_answer_completeness__n_needs": rng.normal(),
                SLOT_COLUMN: encode_slot_vectors(slot_matrix),
                "y": y,
            }
        )
        sentences[tid] = (other, close)
    table = pd.DataFrame(rows)
    return SimpleNamespace(table=table, sentences=sentences, satisfied=satisfied)


def _xy(world):
    labels = world.table[["transcript_id", "y"]]
    return training_frame(world.table.drop(columns=["y"]), labels, target="y")


def test_training_frame_expands_slot_means_into_named_columns(world):
    X, y, groups = _xy(world)
    slot_cols = [c for c in X.columns if is_slot_column(c)]
    assert len(slot_cols) == len(SLOTS) * DIM
    assert "interaction_score" in X.columns and SLOT_COLUMN not in X.columns
    assert len(X) == len(y) == len(groups) == 300


def test_sentence_evidence_finds_what_the_customer_said(world):
    X, y, groups = _xy(world)
    plain = ScoreCalibrator().fit(X, y, groups=groups)
    learned = ScoreCalibrator(sentence_evidence=True, alphas=SENTENCE_ALPHAS).fit(X, y, groups=groups)
    assert learned.cv_scores_["spearman"] > plain.cv_scores_["spearman"] + 0.3
    assert learned.cv_scores_["spearman"] > 0.8
    # The learned closing-slot weights point along the hidden direction.
    idx = [j for j, c in enumerate(learned.feature_names_in_) if c.startswith("slot__customer_closing__")]
    weights = learned.coef_[idx] / learned.scale_[idx]
    assert _unit(weights) @ world.satisfied > 0.9


def test_without_sentence_evidence_slot_columns_are_dropped_not_needed(world):
    X, y, groups = _xy(world)
    plain = ScoreCalibrator().fit(X, y, groups=groups)
    assert not any(is_slot_column(c) for c in plain.feature_names_in_)
    narrow = X[[c for c in X.columns if not is_slot_column(c)]]
    np.testing.assert_allclose(plain.predict(X), plain.predict(narrow))
    refit = ScoreCalibrator().fit(narrow, y, groups=groups)
    np.testing.assert_allclose(plain.predict(X), refit.predict(narrow))


def test_sentence_evidence_without_slot_columns_says_how_to_fix(world):
    X, y, _ = _xy(world)
    narrow = X[[c for c in X.columns if not is_slot_column(c)]]
    with pytest.raises(ValueError, match="no slot__\\* columns.*Re-score"):
        ScoreCalibrator(sentence_evidence=True).fit(narrow, y)


def test_select_calibrator_offers_and_picks_sentence_evidence_when_it_helps(world):
    X, y, groups = _xy(world)
    chosen, table = select_calibrator(X, y, groups=groups, cv=3)
    assert "ridge+isotonic+sentences" in set(table["candidate"])
    assert table.loc[table["selected"], "candidate"].item() == "ridge+isotonic+sentences"
    assert chosen.sentence_evidence
    narrow = X[[c for c in X.columns if not is_slot_column(c)]]
    _, table_narrow = select_calibrator(narrow, y, groups=groups, cv=3)
    assert "ridge+isotonic+sentences" not in set(table_narrow["candidate"])


def test_contributions_add_up_to_the_ridge_output(world):
    X, y, _ = _xy(world)
    for est in (ScoreCalibrator(isotonic=False), ScoreCalibrator(sentence_evidence=True, isotonic=False)):
        est.fit(X, y)
        terms = est.contributions(X)
        assert "intercept" in terms.columns
        raw = terms.sum(axis=1).to_numpy()
        np.testing.assert_allclose(np.clip(raw, est.y_min_, est.y_max_), est.predict(X), atol=1e-9)


def _fitted_calibration(world, tmp_path) -> Calibration:
    X, y, groups = _xy(world)
    est = ScoreCalibrator(sentence_evidence=True, alphas=SENTENCE_ALPHAS).fit(X, y, groups=groups)
    path = save_calibrator(tmp_path / "y.json", est, target="y")
    return load_calibrator(path)


def test_saved_sentence_calibrator_reads_the_score_table_column(world, tmp_path):
    calibration = _fitted_calibration(world, tmp_path)
    assert calibration.uses_sentence_evidence
    X, _, _ = _xy(world)
    table = world.table.drop(columns=["y"])
    np.testing.assert_allclose(calibration.predict(table), calibration.estimator.predict(X))
    with pytest.raises(ValueError, match="no 'slot_vectors' column.*Re-score"):
        calibration.predict(table.drop(columns=[SLOT_COLUMN]))


def test_saved_plain_calibrator_needs_no_slot_column(world, tmp_path):
    X, y, _ = _xy(world)
    path = save_calibrator(tmp_path / "plain.json", ScoreCalibrator().fit(X, y), target="y")
    calibration = load_calibrator(path)
    assert not calibration.uses_sentence_evidence
    table = world.table.drop(columns=["y", SLOT_COLUMN])
    assert np.isfinite(calibration.predict(table)).all()


def test_explain_scores_groups_terms_by_feature_and_slot(world, tmp_path):
    calibration = _fitted_calibration(world, tmp_path)
    table = world.table.drop(columns=["y"]).head(5)
    terms = explain_scores(calibration, table)
    assert set(terms["kind"]) == {"feature", "slot", "intercept"}
    assert set(terms.loc[terms["kind"] == "slot", "term"]) == set(SLOTS)
    features = terms[terms["kind"] == "feature"]
    assert set(features["dimension"].dropna()) == {"answer_completeness"}
    est = calibration.estimator
    raw = est.contributions(calibration.select(table)).sum(axis=1).to_numpy()
    totals = terms.groupby("transcript_id", sort=False)["contribution"].sum().to_numpy()
    np.testing.assert_allclose(totals, raw, atol=1e-9)
    first = terms[terms["transcript_id"] == "T000"]["contribution"].abs().to_numpy()
    assert (np.diff(first) <= 1e-12).all()  # largest term first
    # The closing slot carries the rating, so it is the largest term on average.
    mean_size = terms.assign(size=terms["contribution"].abs()).groupby("term")["size"].mean()
    assert mean_size.drop("intercept").idxmax() == "customer_closing"


def test_sentence_terms_add_up_to_their_slot_term(world, tmp_path):
    calibration = _fitted_calibration(world, tmp_path)
    tid = "T001"
    other, close = world.sentences[tid]
    vectors = np.vstack([other[0], other[1], other[2], close])
    turn_speakers = [(0, "customer"), (1, "agent"), (3, "agent")] + [(4, "customer")] * len(close)
    parsed = SimpleNamespace(
        sentences=tuple(
            SimpleNamespace(index=i, turn_index=t, speaker=s, text=f"sentence {i}")
            for i, (t, s) in enumerate(turn_speakers)
        ),
        vectors=vectors.astype(np.float32),
    )
    sentences = sentence_contributions(calibration, parsed)
    terms = explain_scores(calibration, world.table[world.table["transcript_id"] == tid])
    slot_terms = terms[terms["kind"] == "slot"].set_index("term")["contribution"]
    by_slot = sentences.groupby("slot")["contribution"].sum()
    for slot in ("customer_opening", "customer_closing", "agent_closing"):
        assert by_slot[slot] == pytest.approx(slot_terms[slot], abs=2e-3), slot
    # The customer's follow-up slot is empty here: one row standing for its absence.
    empty = sentences[sentences["slot"] == "customer_followup"]
    assert len(empty) == 1 and empty["sentence"].isna().all()
    # The agent's last turn counts in both agent slots.
    assert set(sentences.loc[sentences["turn_index"] == 3, "slot"]) == {"agent_reply", "agent_closing"}


def test_sentence_contributions_refuse_a_calibrator_without_sentence_evidence(world, tmp_path):
    X, y, _ = _xy(world)
    path = save_calibrator(tmp_path / "plain.json", ScoreCalibrator().fit(X, y), target="y")
    parsed = SimpleNamespace(sentences=(), vectors=np.zeros((0, DIM)))
    with pytest.raises(ValueError, match="reads no sentence evidence"):
        sentence_contributions(load_calibrator(path), parsed)


def test_with_slot_columns_leaves_other_tables_alone(world):
    plain = world.table.drop(columns=[SLOT_COLUMN])
    assert with_slot_columns(plain) is plain
    wide = with_slot_columns(world.table)
    assert SLOT_COLUMN not in wide.columns and with_slot_columns(wide) is wide
