"""`cxnlp score` and `cxnlp show` end to end, through the real command-line entry point."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxnlp.batch.writer import read_table
from cxnlp.cli import app
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
    frame = read_table(out)
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
        outs.append(read_table(out))
    cols = list(DIMENSION_COLUMNS)
    pd.testing.assert_frame_equal(outs[0][cols], outs[1][cols])


def test_rerun_is_idempotent(tmp_path, scorer_ready):
    src = tmp_path / "in.jsonl"
    _write_jsonl(src, GOOD, BAD_LINES)
    out = tmp_path / "scores.parquet"
    for _ in range(2):
        assert runner.invoke(app, ["score", str(src), "--out", str(out)]).exit_code == 0
    first = read_table(out)
    assert runner.invoke(app, ["score", str(src), "--out", str(out)]).exit_code == 0
    pd.testing.assert_frame_equal(first, read_table(out))
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
