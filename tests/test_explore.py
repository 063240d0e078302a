"""Notebook helpers: transcript view, folds, baseline, ceiling, disagreements, figures.

All fast: hand-built transcripts and evidence, simulated ratings; no language model.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from cxnlp.explore import (
    ItemKFold,
    agreement_overview,
    bow_baseline_cv,
    calibration_plot,
    compare_with_baseline,
    human_ceiling,
    largest_disagreements,
    load_transcript,
    oof_frame,
    prediction_metrics,
    rater_means,
    residual_plot,
    stc3_sample,
    transcript_texts,
    transcript_view,
)
from cxnlp.model import DimensionResult, Evidence, ScoredTranscript, Transcript
from cxnlp.scoring import result_row

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = REPO_ROOT / "data" / "sample_transcripts.jsonl"


def _scored(transcript: Transcript, evidence: list[Evidence]) -> ScoredTranscript:
    dims = {}
    for name in {e.dimension for e in evidence}:
        items = tuple(e for e in evidence if e.dimension == name)
        dims[name] = DimensionResult(name, 50.0, items, {})
    return ScoredTranscript(transcript, dims, 50.0, 0)


CALL = Transcript.from_pairs(
    "c1",
    [
        ("agent", "Hello, thanks for calling. How can I help?"),
        ("customer", "I was charged twice. Can you fix it?"),
        ("agent", "Um, so, like, let me check. I've refunded the duplicate $40! Anything else?"),
    ],
)
EVIDENCE = [
    Evidence("brand_congruence", "preferred_phrase", 0, "Hello, thanks for calling.", "preferred", 2.5),
    Evidence("answer_completeness", "answered", 1, "Can you fix it?", "answered", 40.0),
    Evidence("filler_content", "filler_word", 2, "Um, so, like, let me check.", "um, like", 3.0),
    Evidence("brand_congruence", "off_brand", 2, "Um, so, like, let me check.", "off", -1.5),
    Evidence("proactive_connection", "ownership", 2, "I've refunded the duplicate $40!", "owned", 14.0),
]


# --------------------------------------------------------------------------- transcript_view


def test_view_keeps_every_sentence_in_reading_order() -> None:
    view = transcript_view(_scored(CALL, EVIDENCE))
    assert view["sentence"].tolist() == [
        "Hello, thanks for calling.",
        "How can I help?",
        "I was charged twice.",
        "Can you fix it?",
        "Um, so, like, let me check.",
        "I've refunded the duplicate $40!",
        "Anything else?",
    ]
    assert view["turn_index"].tolist() == [0, 0, 1, 1, 2, 2, 2]
    assert view["speaker"].tolist() == ["agent"] * 2 + ["customer"] * 2 + ["agent"] * 3


def test_view_puts_each_finding_on_its_sentence_and_sums_weights() -> None:
    view = transcript_view(_scored(CALL, EVIDENCE)).set_index("sentence")
    assert view["n_findings"].sum() == len(EVIDENCE)
    check = view.loc["Um, so, like, let me check."]
    assert check["n_findings"] == 2
    assert check["filler_content"] == pytest.approx(3.0)
    assert check["brand_congruence"] == pytest.approx(-1.5)
    assert "filler_content/filler_word" in check["findings"]
    assert view.loc["How can I help?", "n_findings"] == 0
    assert view.loc["How can I help?", "findings"] == ""
    for e in EVIDENCE:
        assert view.loc[e.sentence, e.dimension] != 0


def test_view_lists_evidence_not_found_in_the_text_last() -> None:
    stray = Evidence("proactive_connection", "name", 0, "Goodbye, Dana.", "name", 5.0)
    view = transcript_view(_scored(CALL, [*EVIDENCE, stray]))
    assert view.iloc[-1]["sentence"] == "Goodbye, Dana."
    assert view.iloc[-1]["proactive_connection"] == pytest.approx(5.0)
    assert view["n_findings"].sum() == len(EVIDENCE) + 1


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        ("", [], []),
        ("No evidence here. None at all!", [], ["No evidence here.", "None at all!"]),
        ("Same. Same.", ["Same."], ["Same.", "Same."]),
        ("A Mr. Smith called. Then left", ["A Mr. Smith called."], ["A Mr. Smith called.", "Then left"]),
    ],
)
def test_view_segments_turn_text(text: str, found: list[str], expected: list[str]) -> None:
    call = Transcript.from_pairs("c", [("agent", text)])
    evidence = [Evidence("brand_congruence", "on_brand", 0, s, "", 1.0) for s in found]
    view = transcript_view(_scored(call, evidence))
    assert view["sentence"].tolist() == expected


def test_view_of_a_table_row_matches_the_view_of_the_result() -> None:
    result = _scored(CALL, EVIDENCE)
    row = pd.Series(result_row(result))
    pd.testing.assert_frame_equal(transcript_view(row, CALL), transcript_view(result))


@pytest.mark.parametrize(
    ("transcript", "message"),
    [(None, "without its transcript"), (Transcript.from_pairs("other", [("agent", "Hi.")]), "same")],
)
def test_view_of_a_row_needs_the_right_transcript(transcript: Transcript | None, message: str) -> None:
    row = pd.Series(result_row(_scored(CALL, EVIDENCE)))
    with pytest.raises(ValueError, match=message):
        transcript_view(row, transcript)


def test_load_transcript_finds_by_id_and_explains_a_miss() -> None:
    assert load_transcript(SAMPLE, "T0002").id == "T0002"
    with pytest.raises(ValueError, match="T9999"):
        load_transcript(SAMPLE, "T9999")


def test_transcript_texts_tag_speakers() -> None:
    (with_tags,) = transcript_texts([CALL])
    (plain,) = transcript_texts([CALL], speakers=False)
    assert with_tags.startswith("agent: Hello") and "customer: I was charged" in with_tags
    assert "agent:" not in plain and "Anything else?" in plain


# --------------------------------------------------------------------------- folds, baseline


def test_item_folds_are_the_same_for_long_and_wide_layouts() -> None:
    ids = np.array([f"d{i:03d}" for i in range(40)])
    long_ids = np.repeat(ids, 3)[np.random.default_rng(1).permutation(120)]
    folds = ItemKFold(n_splits=4, random_state=3)
    wide = {frozenset(ids[te]) for _, te in folds.split(ids, groups=ids)}
    long = {frozenset(long_ids[te]) for _, te in folds.split(long_ids, groups=long_ids)}
    assert wide == long
    assert sorted(i for fold in wide for i in fold) == sorted(ids)


def test_item_folds_keep_an_items_rows_together_and_depend_on_the_seed() -> None:
    ids = np.repeat([f"d{i}" for i in range(20)], 2)
    for train, test in ItemKFold(5, 0).split(ids, groups=ids):
        assert not set(ids[train]) & set(ids[test])
    a = [tuple(te) for _, te in ItemKFold(5, 0).split(ids, groups=ids)]
    b = [tuple(te) for _, te in ItemKFold(5, 1).split(ids, groups=ids)]
    assert a != b


@pytest.mark.parametrize(("n_splits", "n_items"), [(1, 10), (5, 3)])
def test_item_folds_reject_impossible_splits(n_splits: int, n_items: int) -> None:
    with pytest.raises(ValueError, match="Got"):
        list(ItemKFold(n_splits).split(np.arange(n_items)))


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


@pytest.mark.parametrize(
    ("texts", "y", "message"),
    [(["a", "b"], [1.0], "one target per text"), (["a", "b"], [1.0, np.nan], "finite")],
)
def test_bow_baseline_rejects_bad_input(texts: list[str], y: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bow_baseline_cv(texts, y, 2)


# --------------------------------------------------------------------------- labels, ceiling


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


def test_rater_means_average_per_item_in_first_seen_order() -> None:
    labels = pd.DataFrame({"transcript_id": ["b", "a", "b"], "S": [1.0, 2.0, 3.0]})
    means = rater_means(labels, ["S"])
    assert means["transcript_id"].tolist() == ["b", "a"]
    assert means["S"].tolist() == [2.0, 2.0]
    assert means["n_ratings"].tolist() == [2, 1]


def test_prediction_metrics_rank_an_offset_model_below_a_perfect_one() -> None:
    y = np.linspace(-2, 2, 30)
    table = prediction_metrics(y, {"perfect": y, "offset": y + 1.0}, target="S").set_index("model")
    assert table.loc["perfect", "rmse"] < table.loc["offset", "rmse"]
    assert table.loc["offset", "spearman"] == pytest.approx(table.loc["perfect", "spearman"])
    with pytest.raises(ValueError, match="aligned"):
        prediction_metrics(y, {"short": y[:5]})


# --------------------------------------------------------------------------- machine vs people


def _result(target: str, preds: dict[str, float], **extra: dict[str, float]) -> SimpleNamespace:
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


def test_oof_frame_adds_the_human_mean_and_residual() -> None:
    labels = pd.DataFrame({"transcript_id": ["t1", "t1", "t2"], "rubric_score": [60, 80, 50]})
    frame = oof_frame(_result("rubric_score", {"t1": 65.0, "t2": 55.0}), labels).set_index("transcript_id")
    assert frame.loc["t1", "rubric_score_human"] == 70
    assert frame.loc["t1", "n_ratings"] == 2
    assert frame.loc["t1", "residual"] == pytest.approx(5.0)
    assert frame.loc["t2", "residual"] == pytest.approx(-5.0)


def test_disagreements_are_largest_first_and_explained_in_the_errors_direction() -> None:
    labels = pd.DataFrame({"transcript_id": ["hi", "lo", "ok"], "rubric_score": [40, 90, 70]})
    frame = oof_frame(_result("rubric_score", {"hi": 80.0, "lo": 60.0, "ok": 69.0}), labels)
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
    results = {"rubric_score": _result("rubric_score", {"t1": 1.0})}
    overview = agreement_overview(results)
    assert set(overview["comparison"]) == {"machine-h1", "machine-mean", "human-human"}
    with pytest.raises(ValueError, match="calibrate"):
        agreement_overview({})


def test_compare_with_baseline_reports_every_model_on_the_same_items() -> None:
    texts, y = _word_data(n=80, seed=3)
    transcripts = [Transcript.from_pairs(f"d{i}", [("agent", t)]) for i, t in enumerate(texts)]
    ids = [t.id for t in transcripts]
    labels = pd.DataFrame({"transcript_id": np.repeat(ids, 2), "rater": np.tile([0, 1], 80)})
    labels["S"] = np.repeat(y, 2)
    preds = dict(zip(ids, y * 0.5 + 0.25, strict=True))
    result = _result("S", preds, interaction_score=dict(zip(ids, y * 100, strict=True)))
    ceiling = human_ceiling(labels.assign(S=labels["S"] + 0.1 * labels["rater"]), ["S"], n_splits=5)
    table = compare_with_baseline({"S": result}, labels, transcripts, folds=ItemKFold(4), ceiling=ceiling)
    assert len(table) == 4
    assert (table["n"] == 80).all()
    raw = table[table["model"].str.contains("raw")].iloc[0]
    assert np.isnan(raw["rmse"]) and raw["spearman"] == pytest.approx(1.0)
    bow = table[table["model"].str.startswith("bag of words")].iloc[0]
    assert bow["spearman"] > 0.5


def test_stc3_sample_limits_dialogues_and_their_labels(tmp_path: Path) -> None:
    def dialogue(i: int) -> dict:
        turns = [
            {"sender": "customer", "utterances": ["My phone is broken."]},
            {"sender": "helpdesk", "utterances": ["Sorry to hear that.", "We will fix it."]},
        ]
        quality = [{"quality": {"A": 1, "S": i % 3 - 1, "E": 0}, "nugget": ["CNUG0", "HNUG"]}] * 3
        return {"id": f"x{i}", "turns": turns, "annotations": quality}

    path = tmp_path / "stc3.json"
    path.write_text(json.dumps([dialogue(i) for i in range(6)]), encoding="utf-8")
    transcripts, labels = stc3_sample(path, limit=4)
    assert [t.id for t in transcripts] == ["x0", "x1", "x2", "x3"]
    assert set(labels["transcript_id"]) == {"x0", "x1", "x2", "x3"}
    assert len(labels) == 4 * 3
    all_transcripts, _ = stc3_sample(path)
    assert len(all_transcripts) == 6
    with pytest.raises(ValueError, match="positive integer"):
        stc3_sample(path, limit=0)


# --------------------------------------------------------------------------- figures


def _lines_on_identity(fig: Figure) -> bool:
    ax = fig.axes[0]
    return any(
        len(line.get_xdata()) >= 2 and np.allclose(line.get_xdata(), line.get_ydata()) for line in ax.lines
    )


def test_calibration_plot_has_identity_line_labels_and_title() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"rubric_score_pred": rng.uniform(40, 90, 50)})
    frame["rubric_score_human"] = frame["rubric_score_pred"] + rng.normal(0, 5, 50)
    fig = calibration_plot(
        frame, human="rubric_score_human", pred="rubric_score_pred", label="rubric score (0–100)"
    )
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert "0–100" in ax.get_xlabel() and "0–100" in ax.get_ylabel()
    assert "cross-validated" in ax.get_xlabel()
    assert ax.get_title()
    assert _lines_on_identity(fig)
    assert ax.get_legend() is not None


def test_residual_plot_draws_numeric_and_group_panels_and_skips_missing() -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "residual": rng.normal(size=40),
            "answer_completeness": rng.uniform(0, 100, 40),
            "team": rng.choice(["North", "South"], 40),
        }
    )
    fig = residual_plot(frame, columns=["answer_completeness", "team", "not_there"], unit="points")
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert len(visible) == 2
    assert all("human − machine (points)" == ax.get_ylabel() for ax in visible)
    assert "0–100" in visible[0].get_xlabel()
    assert [t.get_text().split("\n")[0] for t in visible[1].get_xticklabels()] == ["North", "South"]
    assert fig.get_suptitle()
