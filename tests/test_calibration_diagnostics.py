"""Machine against people: the out-of-fold table, the headline rows, the largest disagreements."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd
import pytest

from cxnlp.calibration.agreement import require_columns
from cxnlp.calibration.diagnostics import (
    agreement_overview,
    largest_disagreements,
    oof_frame,
    rater_means,
)


def fake_result(target: str, preds: dict[str, float], **extra: dict[str, float]) -> SimpleNamespace:
    oof = pd.DataFrame({"transcript_id": list(preds), f"{target}_pred": list(preds.values())})
    for column, values in extra.items():
        oof[column] = [values[i] for i in preds]
    agreement = pd.DataFrame(
        {
            "target": target,
            "comparison": ["machine-h1", "machine-mean", "human-human", "dimension-mean", "subgroup"],
            "metric": "pearson",
            "value": 0.5,
        }
    )
    return SimpleNamespace(target=target, oof=oof, agreement=agreement)


def _evidence_json(items: list[tuple[str, str, float, str]]) -> str:
    return json.dumps(
        [
            {"dimension": d, "kind": k, "turn_index": 0, "sentence": s, "detail": "", "weight": w}
            for d, k, w, s in items
        ]
    )


def test_rater_means_average_per_item_in_first_seen_order() -> None:
    labels = pd.DataFrame({"transcript_id": ["b", "a", "b"], "S": [1.0, 2.0, 3.0]})
    means = rater_means(labels, ["S"])
    assert means["transcript_id"].tolist() == ["b", "a"]
    assert means["S"].tolist() == [2.0, 2.0]
    assert means["n_ratings"].tolist() == [2, 1]


def test_oof_frame_adds_the_human_mean_and_residual() -> None:
    labels = pd.DataFrame({"transcript_id": ["t1", "t1", "t2"], "rubric_score": [60, 80, 50]})
    result = fake_result("rubric_score", {"t1": 65.0, "t2": 55.0})
    frame = oof_frame(result, labels).set_index("transcript_id")
    assert frame.loc["t1", "rubric_score_human"] == 70
    assert frame.loc["t1", "n_ratings"] == 2
    assert frame.loc["t1", "residual"] == pytest.approx(5.0)
    assert frame.loc["t2", "residual"] == pytest.approx(-5.0)


def test_disagreements_are_largest_first_and_explained_in_the_errors_direction() -> None:
    labels = pd.DataFrame({"transcript_id": ["hi", "lo", "ok"], "rubric_score": [40, 90, 70]})
    frame = oof_frame(fake_result("rubric_score", {"hi": 80.0, "lo": 60.0, "ok": 69.0}), labels)
    scores = pd.DataFrame(
        {
            "transcript_id": ["hi", "lo", "ok"],
            "evidence": [
                _evidence_json(
                    [
                        ("proactive_connection", "empathy", 14.0, "So sorry!"),
                        ("brand_congruence", "off_brand", -3.0, "Whatever."),
                        ("filler_content", "filler_word", 2.0, "Um, like, yes."),
                    ]
                ),
                _evidence_json(
                    [
                        ("answer_completeness", "answered", 40.0, "Refunded $40."),
                        ("filler_content", "filler_word", 6.0, "Um, so, basically, like."),
                        ("brand_congruence", "off_brand", -2.0, "Yeah."),
                    ]
                ),
                _evidence_json([]),
            ],
        }
    )
    worst = largest_disagreements(frame, scores, target="rubric_score", n=2, n_evidence=2)
    assert worst["transcript_id"].tolist() == ["hi", "lo"]
    hi, lo = worst.iloc[0], worst.iloc[1]
    assert hi["direction"] == "machine higher" and lo["direction"] == "people higher"
    # machine too high: what it credited, never what it penalised
    assert "So sorry!" in hi["why"] and "Whatever." not in hi["why"]
    # people higher: what it penalised, filler words first (6 words outweigh -2 points)
    assert lo["why"].index("Um, so, basically") < lo["why"].index("Yeah.")
    assert "Refunded" not in lo["why"]


def test_agreement_overview_keeps_the_headline_comparisons() -> None:
    results = {"rubric_score": fake_result("rubric_score", {"t1": 1.0})}
    overview = agreement_overview(results)
    assert set(overview["comparison"]) == {"machine-h1", "machine-mean", "human-human"}
    with pytest.raises(ValueError, match="calibrate"):
        agreement_overview({})


def test_a_missing_column_is_named_with_its_table() -> None:
    require_columns(pd.DataFrame({"a": [1]}), ["a"], "scores")
    with pytest.raises(ValueError, match=r"scores table without column\(s\) \['evidence'\]"):
        require_columns(pd.DataFrame({"a": [1]}), ["a", "evidence"], "scores")
    labels = pd.DataFrame({"transcript_id": ["t1"]})
    with pytest.raises(ValueError, match="labels table"):
        oof_frame(fake_result("rubric_score", {"t1": 1.0}), labels)
