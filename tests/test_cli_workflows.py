"""The calibrate → calibrated score → agreement → analyze → report chain through the CLI.

Runs on the first 60 transcripts of the bundled synthetic sample, with its labels.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxnlp.cli import app
from cxnlp.io import read_frame

REPO_ROOT = Path(__file__).resolve().parents[1]

# Each workflow scores and calibrates through the CLI: minutes, not seconds (make test-fast skips them).
pytestmark = pytest.mark.slow

runner = CliRunner()
N = 60


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, parser):
    """Score a slice of the sample once; write its labels beside it."""
    root = tmp_path_factory.mktemp("workflow")
    lines = (REPO_ROOT / "data" / "sample_transcripts.jsonl").read_text(encoding="utf-8").splitlines()[:N]
    (root / "calls.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ids = {json.loads(line)["id"] for line in lines}
    for name in ("sample_rubric.csv", "sample_surveys.csv"):
        table = pd.read_csv(REPO_ROOT / "data" / name, dtype={"transcript_id": str})
        table[table["transcript_id"].isin(ids)].to_csv(root / name, index=False)
    result = runner.invoke(app, ["score", str(root / "calls.jsonl"), "--out", str(root / "scores.parquet")])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def calibration(workdir):
    out = workdir / "model"
    args = [
        "calibrate",
        str(workdir / "scores.parquet"),
        str(workdir / "sample_rubric.csv"),
        str(workdir / "sample_surveys.csv"),
        "--target",
        "rubric_score",
        "--target",
        "survey_rating",
        "--scale",
        "survey_rating=0-100",
        "--out",
        str(out),
        "--folds",
        "3",
        "--n-boot",
        "50",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "agreement: rubric_score" in result.output and "agreement: survey_rating" in result.output
    return out


def test_calibrate_writes_calibrators_cards_and_agreement(calibration):
    for name in ("rubric_score.json", "rubric_score.md", "survey_rating.json", "agreement.csv"):
        assert (calibration / name).is_file(), name
    agreement = pd.read_csv(calibration / "agreement.csv")
    assert {"machine-mean", "human-human"} <= set(agreement["comparison"])
    assert "cross-validated" in (calibration / "rubric_score.md").read_text().lower()


def test_calibrated_score_adds_predictions_with_intervals(workdir, calibration):
    out = workdir / "calibrated.csv"
    args = ["score", str(workdir / "calls.jsonl"), "--out", str(out), "--calibration", str(calibration)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    frame = read_frame(out)
    for target in ("rubric_score", "survey_rating"):
        assert frame[f"{target}_pred"].between(0, 100).all()
        assert (frame[f"{target}_pred_low"] <= frame[f"{target}_pred_high"]).all()


def test_agreement_command_on_new_labels(workdir, calibration, tmp_path):
    result = runner.invoke(
        app,
        [
            "agreement",
            str(workdir / "scores.parquet"),
            str(workdir / "sample_rubric.csv"),
            "--target",
            "rubric_score",
            "--calibration",
            str(calibration),
            "--out",
            str(tmp_path / "a.csv"),
            "--n-boot",
            "50",
        ],
    )
    assert result.exit_code == 0, result.output
    assert not pd.read_csv(tmp_path / "a.csv").empty


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("transcript_id,rubric_score\nNOT-A-CALL,50\n", "NOT-A-CALL"),
        ("call,rubric_score\nT0001,50\n", "transcript_id"),
        ("transcript_id,rubric_score\nT0001,250\nT0002,300\nT0003,40\n", "rubric_score"),
    ],
    ids=["unknown-id", "missing-id-column", "off-scale"],
)
def test_bad_label_files_exit_2_naming_the_problem(workdir, tmp_path, labels, message):
    path = tmp_path / "labels.csv"
    path.write_text(labels)
    args = [
        "calibrate",
        str(workdir / "scores.parquet"),
        str(path),
        "--target",
        "rubric_score",
        "--scale",
        "rubric_score=0-100",
        "--out",
        str(tmp_path / "m"),
        "--n-boot",
        "10",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in result.output


@pytest.mark.parametrize(
    "analysis", ["optimized", "perspectives", "false-reads", "followups", "equity", "drift"]
)
def test_analyze_commands(workdir, tmp_path, analysis):
    out = tmp_path / f"{analysis}.csv"
    args = [
        "analyze",
        analysis,
        str(workdir / "scores.parquet"),
        "--surveys",
        str(workdir / "sample_surveys.csv"),
        "--out",
        str(out),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.is_file()


def test_analyze_rejects_unknown_analysis(workdir):
    result = runner.invoke(app, ["analyze", "horoscope", str(workdir / "scores.parquet")])
    assert result.exit_code == 2 and "horoscope" in result.output


def test_report_command_writes_html_and_pngs(workdir, tmp_path):
    out = tmp_path / "report.html"
    args = [
        "report",
        str(workdir / "scores.parquet"),
        "--surveys",
        str(workdir / "sample_surveys.csv"),
        "--out",
        str(out),
        "--png-dir",
        str(tmp_path / "png"),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 10_000
    assert list((tmp_path / "png").glob("*.png"))


def test_shipped_calibrator_loads_and_applies_to_fresh_scores(workdir):
    """models/sample must match what this version of cxnlp writes (refit with `make calibrator`)."""
    from cxnlp.calibration import apply_calibration, load_calibration

    calibrations = load_calibration(REPO_ROOT / "models" / "sample")
    assert set(calibrations) == {"rubric_score", "survey_rating"}
    frame = apply_calibration(read_frame(workdir / "scores.parquet"), calibrations)
    assert frame["rubric_score_pred"].between(0, 100).all()
    truth = pd.read_csv(workdir / "sample_rubric.csv", dtype={"transcript_id": str})
    merged = frame.merge(truth.groupby("transcript_id", as_index=False)["rubric_score"].mean())
    assert merged["rubric_score_pred"].corr(merged["rubric_score"]) > 0.3


@pytest.fixture(scope="module")
def sentence_calibration(workdir):
    """A rubric calibrator that reads learned sentence evidence, fitted on the slice."""
    from cxnlp.calibration import ScoreCalibrator, save_calibrator, training_frame
    from cxnlp.calibration.estimators import SENTENCE_ALPHAS

    labels = pd.read_csv(workdir / "sample_rubric.csv", dtype={"transcript_id": str})
    X, y, groups = training_frame(read_frame(workdir / "scores.parquet"), labels, target="rubric_score")
    est = ScoreCalibrator(sentence_evidence=True, alphas=SENTENCE_ALPHAS, scale="0-100", cv=3)
    return save_calibrator(workdir / "sentences.json", est.fit(X, y, groups=groups), target="rubric_score")


def test_explain_prints_terms_and_the_sentences_behind_them(workdir, sentence_calibration):
    first = json.loads((workdir / "calls.jsonl").read_text(encoding="utf-8").splitlines()[0])
    calls = str(workdir / "calls.jsonl")
    args = ["explain", calls, "--id", first["id"], "--calibration", str(sentence_calibration)]
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"rubric_score for {first['id']}:" in result.output
    assert "What the prediction is made of" in result.output
    assert "customer_closing" in result.output and "slot" in result.output
    assert "Sentences that raise it" in result.output or "Sentences that lower it" in result.output
    said = " ".join(turn["text"] for turn in first["turns"])
    shown = [line.split("│")[4].strip() for line in result.output.splitlines() if line.count("│") == 6]
    assert any(text and text in said for text in shown), shown


def test_explain_names_a_transcript_it_cannot_find(workdir, sentence_calibration):
    calls = str(workdir / "calls.jsonl")
    args = ["explain", calls, "--id", "NOPE", "--calibration", str(sentence_calibration)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "'NOPE' is not in" in result.output


def test_score_applies_a_sentence_calibrator_through_the_slot_vectors(workdir, sentence_calibration):
    out = workdir / "sentence_calibrated.jsonl"
    calls = str(workdir / "calls.jsonl")
    args = ["score", calls, "--out", str(out), "--calibration", str(sentence_calibration)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    frame = read_frame(out)
    assert frame["rubric_score_pred"].between(0, 100).all()
    truth = pd.read_csv(workdir / "sample_rubric.csv", dtype={"transcript_id": str})
    merged = frame.merge(truth.groupby("transcript_id", as_index=False)["rubric_score"].mean())
    assert merged["rubric_score_pred"].corr(merged["rubric_score"]) > 0.5  # in-sample: fitted on these


def test_no_slot_vectors_leaves_the_column_out_and_the_scores_alone(workdir, sentence_calibration):
    out = workdir / "lean.parquet"
    calls = str(workdir / "calls.jsonl")
    result = runner.invoke(app, ["score", calls, "--out", str(out), "--no-slot-vectors"])
    assert result.exit_code == 0, result.output
    lean, full = read_frame(out), read_frame(workdir / "scores.parquet")
    assert "slot_vectors" not in lean.columns and "slot_vectors" in full.columns
    pd.testing.assert_series_equal(lean["interaction_score"], full["interaction_score"])
    args = [
        "score",
        str(workdir / "calls.jsonl"),
        "--out",
        str(workdir / "never.parquet"),
        "--no-slot-vectors",
        "--calibration",
        str(sentence_calibration),
    ]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "--no-slot-vectors" in refused.output and not (workdir / "never.parquet").exists()
