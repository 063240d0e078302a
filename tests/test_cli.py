"""`cxnlp score` and `cxnlp show` end to end, through the real command-line entry point."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cxnlp.cli import app
from cxnlp.io import read_frame
from cxnlp.schema import DIMENSION_COLUMNS

runner = CliRunner()

GOOD = [
    {
        "id": "c1",
        "team": "North",
        "customer_name": "Ana",
        "turns": [
            {"speaker": "customer", "text": "My bill doubled this month. Why?"},
            {"speaker": "agent", "text": "Your promotional discount of $30 ended on October 1st."},
        ],
    },
    {
        "id": "c2",
        "team": "South",
        "nested": {"k": [1, 2]},
        "turns": [
            {"speaker": "caller", "text": "I need to reset my password."},
            {"speaker": "rep", "text": "I've sent a reset link to your email; it expires in one hour."},
        ],
    },
]
BAD_LINES = [
    "{not json",
    json.dumps({"id": "b1"}),
    json.dumps({"id": "b2", "turns": []}),
    json.dumps({"id": "b3", "turns": [{"speaker": "customer", "text": "Hello?"}]}),
    json.dumps({"id": "b4", "turns": [{"speaker": "martian", "text": "Hi"}]}),
]


@pytest.fixture(scope="module")
def scorer_ready(parser):
    """Load the models once for this module (the CLI builds its own Scorer)."""
    return parser


def _write_jsonl(path, records, extra_lines=()):
    with open(path, "w", encoding="utf-8") as sink:
        for record in records:
            sink.write(json.dumps(record) + "\n")
        for line in extra_lines:
            sink.write(line + "\n")


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_score_jsonl_counts_every_record(tmp_path, scorer_ready, suffix):
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD, BAD_LINES)
    out = tmp_path / f"scores{suffix}"
    result = runner.invoke(app, ["score", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "scored 2, rejected 5 of 7 records" in result.output
    frame = read_frame(out)
    assert list(frame["transcript_id"]) == ["c1", "c2"]
    assert list(frame["team"]) == ["North", "South"]
    rejects = [json.loads(line) for line in open(tmp_path / "scores.rejects.jsonl", encoding="utf-8")]
    assert len(rejects) == 5
    assert all(r["source"].startswith(str(src)) and r["reason"] for r in rejects)


def test_score_turn_table_matches_jsonl(tmp_path, scorer_ready):
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD)
    rows = [
        {
            "transcript_id": rec["id"],
            "turn_index": i,
            "speaker": turn["speaker"],
            "text": turn["text"],
            "team": rec["team"],
        }
        for rec in GOOD
        for i, turn in enumerate(rec["turns"])
    ]
    table = tmp_path / "turns.parquet"
    pd.DataFrame(rows).to_parquet(table)
    outs = []
    for name, path in (("a", src), ("b", table)):
        out = tmp_path / f"{name}.parquet"
        result = runner.invoke(app, ["score", str(path), "--out", str(out)])
        assert result.exit_code == 0, result.output
        outs.append(read_frame(out))
    cols = list(DIMENSION_COLUMNS)
    pd.testing.assert_frame_equal(outs[0][cols], outs[1][cols])


def test_rerun_is_idempotent(tmp_path, scorer_ready):
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD, BAD_LINES)
    out = tmp_path / "scores.parquet"
    for _ in range(2):
        assert runner.invoke(app, ["score", str(src), "--out", str(out)]).exit_code == 0
    first = read_frame(out)
    assert runner.invoke(app, ["score", str(src), "--out", str(out)]).exit_code == 0
    pd.testing.assert_frame_equal(first, read_frame(out))
    assert sum(1 for _ in open(tmp_path / "scores.rejects.jsonl")) == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "does/not/exist.jsonl", "--out", "{tmp}/x.parquet"], "does/not/exist.jsonl"),
        (["score", "{src}", "--out", "{tmp}/scores.xlsx"], "scores.xlsx"),
    ],
)
def test_unreadable_input_exits_2_with_a_message(tmp_path, args, message):
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD)
    args = [a.format(src=src, tmp=tmp_path) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.glob("x*")) and not list(tmp_path.glob("scores*")), "nothing is written"


def test_unknown_input_format_exits_2(tmp_path):
    src = tmp_path / "calls.docx"
    src.write_text("hello")
    result = runner.invoke(app, ["score", str(src), "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 2 and "calls.docx" in result.output


def test_show_summary_and_evidence(tmp_path, scorer_ready):
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD)
    out = tmp_path / "scores.parquet"
    assert runner.invoke(app, ["score", str(src), "--out", str(out)]).exit_code == 0
    summary = runner.invoke(app, ["show", str(out)])
    assert summary.exit_code == 0 and "interaction_score" in summary.output
    detail = runner.invoke(app, ["show", str(out), "--id", "c1"])
    assert detail.exit_code == 0 and "c1" in detail.output
    missing = runner.invoke(app, ["show", str(out), "--id", "nope"])
    assert missing.exit_code == 2


# --------------------------------------------------------------------------- the CLI speaks CLI
# Issue 12: refusals are one line with exit 2, errors name flags, views fit the terminal.


def _one_line_refusal(result, *needles):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    for needle in needles:
        assert needle in lines[0], result.output


@pytest.mark.parametrize("content", ["", "\n  \n"])
def test_empty_input_file_is_refused_before_anything_is_written(tmp_path, content):
    src = tmp_path / "empty.jsonl"
    src.write_text(content, encoding="utf-8")
    out = tmp_path / "scores.parquet"
    result = runner.invoke(app, ["score", str(src), "--out", str(out)])
    _one_line_refusal(result, "empty input file", "empty.jsonl")
    assert not out.exists()


def test_input_with_every_record_rejected_gives_an_empty_score_table(tmp_path, scorer_ready):
    src = tmp_path / "bad.jsonl"
    _write_jsonl(src, [], BAD_LINES)
    out = tmp_path / "scores.parquet"
    result = runner.invoke(app, ["score", str(src), "--out", str(out)])
    assert "scored 0, rejected 5 of 5 records" in result.output
    frame = read_frame(out)
    assert frame.empty and {"transcript_id", "interaction_score", *DIMENSION_COLUMNS} <= set(frame.columns)
    shown = runner.invoke(app, ["show", str(out)])
    assert shown.exit_code == 0 and shown.output.strip() == f"0 transcripts in {out}", shown.output


def test_show_refuses_a_table_that_is_not_a_score_table(tmp_path):
    other = tmp_path / "labels.csv"
    pd.DataFrame({"transcript_id": ["a"], "rubric_score": [80]}).to_csv(other, index=False)
    _one_line_refusal(runner.invoke(app, ["show", str(other)]), "interaction_score", "cxnlp score")
    no_columns = tmp_path / "nothing.parquet"
    pd.DataFrame().to_parquet(no_columns)
    _one_line_refusal(runner.invoke(app, ["show", str(no_columns)]), "transcript_id", "cxnlp score")


@pytest.fixture
def synthetic_scores(tmp_path):
    from test_report import make_scores

    frame = make_scores(174)
    path = tmp_path / "synthetic.parquet"
    frame.to_parquet(path)
    return frame, path


def test_report_surveys_without_a_rating_column_names_it(tmp_path, synthetic_scores):
    frame, path = synthetic_scores
    surveys = tmp_path / "surveys.csv"
    pd.DataFrame({"transcript_id": frame["transcript_id"], "rating": 90}).to_csv(surveys, index=False)
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "--surveys", str(surveys), "--out", str(out)])
    _one_line_refusal(result, "--surveys", "survey_rating", "rating")
    assert not out.exists()


def test_analyze_fits_the_terminal_and_says_what_was_cut(synthetic_scores):
    _, path = synthetic_scores
    result = runner.invoke(app, ["analyze", "false-reads", str(path), "--rows", "5"], env={"COLUMNS": "80"})
    assert result.exit_code == 2 and "--surveys FILE" in result.output  # needs surveys: says the flag
    assert "join_surveys" not in result.output.splitlines()[0].split("(")[0]
    result = runner.invoke(app, ["analyze", "drift", str(path), "--rows", "20"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    table_lines = [line for line in result.output.splitlines() if "│" in line or "┃" in line]
    assert table_lines and max(len(line) for line in table_lines) <= 80
    assert "nan" not in result.output and "NaT" not in result.output
    assert re.search(r"\b\d+ of \d+ (rows|columns) shown", result.output), result.output


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["optimized"], "--surveys FILE"),
        (["equity", "--by", "region"], "--by"),
        (["drift", "--value", "csat"], "--value"),
    ],
)
def test_analyze_names_the_flag_that_supplies_a_missing_column(synthetic_scores, args, flag):
    _, path = synthetic_scores
    result = runner.invoke(app, ["analyze", args[0], str(path), *args[1:]])
    _one_line_refusal(result, flag, str(path))
    assert "()" not in result.output and "=" not in result.output  # no Python call or argument


def test_runs_lists_the_newest_and_says_how_many_there_are(tmp_path):
    from cxnlp.batch.store import ResultStore, new_run_id

    store = ResultStore(tmp_path / "store").init()
    for _ in range(25):
        store.write_manifest(
            {
                "run_id": new_run_id(),
                "status": "complete",
                "config_id": "c" * 16,
                "counts": {"read": 3, "scored": 2, "rejected": 1, "skipped": 0},
                "parts": [],
            }
        )
    result = runner.invoke(app, ["runs", str(store.root)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "20 of 25 rows shown" in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "None" not in result.output and "nan" not in result.output
    out = tmp_path / "runs.csv"
    assert runner.invoke(app, ["runs", str(store.root), "--out", str(out)]).exit_code == 0
    assert len(pd.read_csv(out)) == 25


def test_agreement_warns_when_labels_were_the_calibrations_training_data(tmp_path, synthetic_scores):
    frame, path = synthetic_scores
    rng = np.random.default_rng(1)
    labels = pd.DataFrame(
        {
            "transcript_id": frame["transcript_id"],
            "rubric_score": (frame["interaction_score"] + rng.normal(0, 5, len(frame))).clip(0, 100),
        }
    )
    fitted_on, held_out = labels.iloc[:120], labels.iloc[120:]
    fitted_on.to_csv(tmp_path / "train.csv", index=False)
    held_out.to_csv(tmp_path / "held_out.csv", index=False)
    cal = tmp_path / "cal"
    result = runner.invoke(
        app,
        [
            "calibrate",
            str(path),
            str(tmp_path / "train.csv"),
            "--target",
            "rubric_score",
            "--scale",
            "rubric_score=0-100",
            "--out",
            str(cal),
            "--folds",
            "3",
            "--n-boot",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    args = [
        "--target",
        "rubric_score",
        "--calibration",
        str(cal),
        "--n-boot",
        "20",
        "--scale",
        "rubric_score=0-100",
    ]
    same = runner.invoke(app, ["agreement", str(path), str(tmp_path / "train.csv"), *args])
    assert same.exit_code == 0, same.output
    assert "120 of 120 transcripts labelled 'rubric_score' were used to fit" in same.output
    other = runner.invoke(app, ["agreement", str(path), str(tmp_path / "held_out.csv"), *args])
    assert other.exit_code == 0, other.output
    assert "were used to fit" not in other.output
    assert "cannot be checked" not in other.output
    # Predictions already in the table (cxnlp score --calibration): nothing to check them
    # against, and the command says so rather than staying silent.
    from cxnlp.calibration.workflow import apply_calibration, load_calibration

    calibrated = tmp_path / "calibrated.parquet"
    apply_calibration(read_frame(path), load_calibration(cal)).to_parquet(calibrated)
    plain = [a for a in args if a not in ("--calibration", str(cal))]
    unchecked = runner.invoke(app, ["agreement", str(calibrated), str(tmp_path / "train.csv"), *plain])
    assert unchecked.exit_code == 0, unchecked.output
    assert "cannot be checked" in unchecked.output and "--calibration DIR" in unchecked.output


def test_third_party_log_noise_is_silenced_unless_verbose():
    script = (
        "import logging, sys; from cxnlp.cli import _setup_logging; _setup_logging(sys.argv[1] == 'v'); "
        "logging.getLogger('distributed.scheduler').info('dask-info'); "
        "logging.warning('onnxruntime-quantizer-warning'); "
        "logging.getLogger('cxnlp.batch').warning('our-warning')"
    )
    quiet = subprocess.run([sys.executable, "-c", script, "q"], capture_output=True, text=True, check=True)
    loud = subprocess.run([sys.executable, "-c", script, "v"], capture_output=True, text=True, check=True)
    assert "our-warning" in quiet.stderr and "our-warning" in loud.stderr
    assert "dask-info" not in quiet.stderr and "onnxruntime-quantizer-warning" not in quiet.stderr
    assert "dask-info" in loud.stderr and "onnxruntime-quantizer-warning" in loud.stderr


@pytest.mark.slow
def test_max_reject_share_fails_with_exit_3_and_keeps_the_outputs(tmp_path, scorer_ready):
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD, BAD_LINES)  # 5 of 7 rejected
    out = tmp_path / "scores.parquet"
    warned = runner.invoke(app, ["score", str(src), "--out", str(out)])
    assert warned.exit_code == 0, warned.output
    assert "warning: 5 of 7 records (71%) were rejected" in warned.output
    assert "rejects in none" not in warned.output
    failed = runner.invoke(app, ["score", str(src), "--out", str(out), "--max-reject-share", "0.5"])
    assert failed.exit_code == 3, failed.output
    assert "above --max-reject-share 0.5" in failed.output
    assert len(read_frame(out)) == 2  # what was scored is kept
    lenient = ["score", str(src), "--out", str(out), "--max-reject-share", "0.8"]
    assert runner.invoke(app, lenient).exit_code == 0
    clean = tmp_path / "clean.jsonl"
    _write_jsonl(clean, GOOD)
    ok = runner.invoke(app, ["score", str(clean), "--out", str(tmp_path / "c.parquet")])
    assert ok.exit_code == 0 and "rejects in" not in ok.output and "warning" not in ok.output


def test_python_dash_m_runs_the_same_commands_as_the_console_script():
    """A notebook kernel or a scheduler's Python task may have the interpreter but not the
    ``cxnlp`` script on its path: ``python -m cxnlp`` lists the same commands."""
    done = subprocess.run(
        [sys.executable, "-m", "cxnlp", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    for command in ("score", "batch", "calibrate", "analyze"):
        assert command in done.stdout


def test_ctrl_c_exits_130_with_one_line_saying_what_was_kept(tmp_path, monkeypatch):
    import types

    import cxnlp.batch.nightly
    import cxnlp.cli
    import cxnlp.runs

    def stop(*args, **kwargs):
        exc = KeyboardInterrupt()
        exc.cxnlp_committed = 40  # what run_batch sets on the way out
        raise exc

    monkeypatch.setattr(cxnlp.cli, "_checked_scorer", lambda *a, **k: types.SimpleNamespace())
    monkeypatch.setattr(cxnlp.runs, "score_files", stop)
    monkeypatch.setattr(cxnlp.batch.nightly, "run_batch", stop)
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD)
    result = runner.invoke(app, ["batch", str(src), "--store", str(tmp_path / "store")])
    assert result.exit_code == 130
    assert "interrupted: 40 committed, re-run the same command to resume" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["score", str(src), "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 130 and "interrupted: nothing written" in result.output


def test_ctrl_c_while_models_load_exits_130_with_one_line(tmp_path, monkeypatch):
    import cxnlp.cli

    def loading(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cxnlp.cli, "_checked_scorer", loading)
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD)
    for args in (
        ["score", str(src), "--out", str(tmp_path / "o.parquet")],
        ["batch", str(src), "--store", str(tmp_path / "st")],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 130, result.output
        assert (
            result.output.strip().startswith("interrupted: ") and len(result.output.strip().splitlines()) == 1
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_main_says_one_line_for_an_interruption_no_command_caught(monkeypatch, capsys):
    import cxnlp.cli

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cxnlp.cli, "app", stop)
    with pytest.raises(SystemExit) as exited:
        cxnlp.cli.main()
    assert exited.value.code == 130
    assert capsys.readouterr().err == "interrupted: stopped before finishing; re-run the same command\n"


def test_full_disk_while_scoring_names_the_file_and_what_was_kept(tmp_path, monkeypatch):
    import errno
    import types

    import cxnlp.cli
    import cxnlp.runs

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / ".o.parquet.tmp"))

    monkeypatch.setattr(cxnlp.cli, "_checked_scorer", lambda *a, **k: types.SimpleNamespace())
    monkeypatch.setattr(cxnlp.runs, "score_files", full)
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD)
    result = runner.invoke(app, ["score", str(src), "--out", str(tmp_path / "o.parquet")])
    assert result.exit_code == 2
    line = result.output.strip()
    assert len(line.splitlines()) == 1 and "Check the disk" not in line
    assert (
        "No space left on device writing" in line
        and ".o.parquet.tmp" in line
        and "Nothing was published" in line
    )


def test_summary_line_of_a_tiny_run_gives_seconds_per_transcript_not_zero_per_second():
    from cxnlp.runs import RunSummary

    assert "(0.0" not in RunSummary(read=3, scored=3, rejected=0, seconds=68.3).line()
    assert RunSummary(read=3, scored=3, rejected=0, seconds=68.3).line().endswith("(22.8 s per transcript)")
    assert RunSummary(read=50, scored=50, rejected=0, seconds=10).line().endswith("(5.0 transcripts/s)")
    assert RunSummary(read=2, scored=0, rejected=2, seconds=1).line().endswith("in 1.0 s")


def test_score_takes_glob_and_a_label_table_in_the_folder_suggests_it(tmp_path, monkeypatch):
    import types

    import cxnlp.cli
    import cxnlp.runs

    folder = tmp_path / "calls"
    folder.mkdir()
    _write_jsonl(folder / "a.jsonl", GOOD)
    (folder / "labels.csv").write_text("transcript_id,rubric\nc1,3\n")
    seen = {}

    def fake(inputs, out, **kwargs):
        seen.update(kwargs)
        return cxnlp.runs.RunSummary(read=2, scored=2, rejected=0, seconds=1.0, out=str(out))

    monkeypatch.setattr(cxnlp.cli, "_checked_scorer", lambda *a, **k: types.SimpleNamespace())
    monkeypatch.setattr(cxnlp.runs, "score_files", fake)
    out = str(tmp_path / "o.parquet")
    result = runner.invoke(app, ["score", str(folder), "--out", out])
    assert result.exit_code == 2 and "labels.csv" in result.output and "--glob '*.jsonl'" in result.output
    result = runner.invoke(app, ["score", str(folder), "--glob", "*.jsonl", "--out", out])
    assert result.exit_code == 0, result.output
    assert seen["include"] == "*.jsonl"
