"""The references a calibrated score is judged against: a bag-of-words baseline, the human ceiling.

Simulated ratings and word data; no language model.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cxnlp.calibration import ItemKFold
from cxnlp.calibration.baselines import (
    bow_baseline_cv,
    compare_with_baseline,
    human_ceiling,
    prediction_metrics,
    transcript_texts,
)
from cxnlp.model import Transcript

CALL = Transcript.from_pairs(
    "c1",
    [
        ("agent", "Hello, thanks for calling. How can I help?"),
        ("customer", "I was charged twice. Can you fix it?"),
        ("agent", "Um, so, like, let me check. I've refunded the duplicate $40! Anything else?"),
    ],
)


def test_transcript_texts_tag_speakers() -> None:
    (with_tags,) = transcript_texts([CALL])
    (plain,) = transcript_texts([CALL], speakers=False)
    assert with_tags.startswith("agent: Hello") and "customer: I was charged" in with_tags
    assert "agent:" not in plain and "Anything else?" in plain


def _word_data(n: int = 120, seed: int = 0) -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n).astype(float)
    good = ["refund processed today", "sorted it for you", "issue resolved now"]
    bad = ["still not working", "nobody answered me", "no fix yet"]
    texts = [f"{rng.choice(good if v else bad)} account {rng.choice(['bill', 'modem', 'order'])}" for v in y]
    return texts, y


def test_bow_baseline_learns_words_that_carry_the_target() -> None:
    texts, y = _word_data()
    informative = bow_baseline_cv(texts, y, 5)
    y_shuffled = np.random.default_rng(9).permutation(y)
    shuffled = bow_baseline_cv(texts, y_shuffled, 5)
    assert np.isfinite(informative).all()
    m_inf = prediction_metrics(y, {"bow": informative})
    m_shuf = prediction_metrics(y_shuffled, {"bow": shuffled})
    assert m_inf["spearman"].iloc[0] > m_shuf["spearman"].iloc[0] + 0.5


def test_bow_baseline_predictions_are_out_of_fold() -> None:
    # every text is unique: an in-sample fit would reproduce y, an honest one cannot
    rng = np.random.default_rng(4)
    y = rng.normal(size=60)
    texts = [f"token{i} token{i}x shared words" for i in range(60)]
    oof = bow_baseline_cv(texts, y, ItemKFold(5, 0))
    assert abs(prediction_metrics(y, {"bow": oof})["pearson"].iloc[0]) < 0.5


def test_bow_baseline_with_integer_folds_uses_the_calibrators_item_folds() -> None:
    texts, y = _word_data(n=60, seed=5)
    ids = np.array([f"d{i}" for i in range(60)])
    by_int = bow_baseline_cv(texts, y, 4, groups=ids, random_state=2)
    by_folds = bow_baseline_cv(texts, y, ItemKFold(4, 2), groups=ids)
    np.testing.assert_allclose(by_int, by_folds)


@pytest.mark.parametrize(
    ("texts", "y", "message"),
    [
        (["a", "b"], [1.0], "one target per text"),
        (["a", "b"], [1.0, np.nan], "finite"),
        (["a"], [1.0], "at least two distinct items"),
    ],
)
def test_bow_baseline_rejects_bad_input(texts: list[str], y: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bow_baseline_cv(texts, y, 2)


def _panel(n_items: int, n_raters: int, noise: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=n_items)
    ratings = truth[:, None] + rng.normal(scale=noise, size=(n_items, n_raters))
    return pd.DataFrame(
        {
            "transcript_id": np.repeat([f"d{i}" for i in range(n_items)], n_raters),
            "rater": np.tile(np.arange(n_raters), n_items),
            "S": ratings.ravel(),
        }
    )


def test_ceiling_is_higher_for_a_consistent_panel() -> None:
    tight = human_ceiling(_panel(300, 10, 0.5), ["S"], n_splits=20)
    loose = human_ceiling(_panel(300, 10, 2.0), ["S"], n_splits=20)
    assert tight["reliability_pearson"].iloc[0] > loose["reliability_pearson"].iloc[0]
    assert tight["ceiling_spearman"].iloc[0] > loose["ceiling_spearman"].iloc[0]


@pytest.mark.parametrize("noise", [0.7, 1.5])
def test_ceiling_matches_the_reliability_of_a_k_rater_mean(noise: float) -> None:
    # classical test theory: true variance 1, k raters with error variance noise^2
    k = 10
    expected = 1 / (1 + noise**2 / k)
    got = human_ceiling(_panel(3000, k, noise, seed=2), ["S"], n_splits=20)
    assert got["reliability_pearson"].iloc[0] == pytest.approx(expected, abs=0.03)
    assert got["ceiling_pearson"].iloc[0] == pytest.approx(np.sqrt(expected), abs=0.03)


def test_ceiling_needs_two_raters() -> None:
    with pytest.raises(ValueError, match="two of each"):
        human_ceiling(_panel(10, 1, 1.0), ["S"])


def test_prediction_metrics_rank_an_offset_model_below_a_perfect_one() -> None:
    y = np.linspace(-2, 2, 30)
    table = prediction_metrics(y, {"perfect": y, "offset": y + 1.0}, target="S").set_index("model")
    assert table.loc["perfect", "rmse"] < table.loc["offset", "rmse"]
    assert table.loc["offset", "spearman"] == pytest.approx(table.loc["perfect", "spearman"])
    with pytest.raises(ValueError, match="aligned"):
        prediction_metrics(y, {"short": y[:5]})


def fake_result(target: str, preds: dict[str, float], **extra: dict[str, float]) -> SimpleNamespace:
    """A stand-in for calibrate()'s TargetResult: its out-of-fold table only."""
    oof = pd.DataFrame({"transcript_id": list(preds), f"{target}_pred": list(preds.values())})
    for column, values in extra.items():
        oof[column] = [values[i] for i in preds]
    return SimpleNamespace(target=target, oof=oof, agreement=pd.DataFrame())


def test_compare_with_baseline_reports_every_model_on_the_same_items() -> None:
    texts, y = _word_data(n=80, seed=3)
    transcripts = [Transcript.from_pairs(f"d{i}", [("agent", t)]) for i, t in enumerate(texts)]
    ids = [t.id for t in transcripts]
    labels = pd.DataFrame({"transcript_id": np.repeat(ids, 2), "rater": np.tile([0, 1], 80)})
    labels["S"] = np.repeat(y, 2)
    preds = dict(zip(ids, y * 0.5 + 0.25, strict=True))
    result = fake_result("S", preds, interaction_score=dict(zip(ids, y * 100, strict=True)))
    ceiling = human_ceiling(labels.assign(S=labels["S"] + 0.1 * labels["rater"]), ["S"], n_splits=5)
    table = compare_with_baseline({"S": result}, labels, transcripts, folds=ItemKFold(4), ceiling=ceiling)
    assert len(table) == 4
    assert (table["n"] == 80).all()
    raw = table[table["model"].str.contains("raw")].iloc[0]
    assert np.isnan(raw["rmse"]) and raw["spearman"] == pytest.approx(1.0)
    bow = table[table["model"].str.startswith("bag of words")].iloc[0]
    assert bow["spearman"] > 0.5
