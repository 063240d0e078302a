"""Hostile input (issue #11): never destroys data, never ends in a traceback.

Every case runs ``cxnlp score`` through the real command line with a tiny scorer (a blank
spaCy pipeline, a zero encoder, one small dimension), so the suite needs no model. Each
case checks the same contract: the exit code (0, or 2 with one line), no traceback on
stderr or in the log, every input byte-for-byte unchanged, every good record scored, and
every bad one in the rejects file with its source, record and field. The ``slow`` tests at
the end run the real models in a subprocess.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import cxnlp.scoring
from cxnlp.cli import app
from cxnlp.dimensions.base import Dimension
from cxnlp.io import read_frame
from cxnlp.model import DimensionResult
from cxnlp.nlp import EMBEDDING_DIM, TranscriptParser

REPO_ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


# --------------------------------------------------------------------------- tiny scorer


class _ZeroEncoder:
    backend = "zero"

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.zeros((len(texts), EMBEDDING_DIM), dtype=np.float32)

    def clear_cache(self) -> None:
        pass


class _RecordingParser(TranscriptParser):
    """A blank English pipeline that remembers the length of every text it parsed."""

    parsed_lengths: list[int] = []

    def parse_many(self, transcripts):
        _RecordingParser.parsed_lengths.extend(len(t.text) for tr in transcripts for t in tr.turns)
        return super().parse_many(transcripts)


class _WordCount(Dimension):
    """Stands in for filler content: the score is the sentence count, one feature."""

    name = "filler_content"
    higher_is_better = False

    def score(self, parsed: Any) -> DimensionResult:
        words = sum(len(s.span) for s in parsed.agent_sentences)
        return DimensionResult(self.name, float(len(parsed.sentences)), features={"agent_words": words})


@pytest.fixture
def tiny(monkeypatch):
    """Make ``cxnlp score`` build a tiny scorer; returns the parse recorder."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.max_length = 5_000
    real = cxnlp.scoring.Scorer
    _RecordingParser.parsed_lengths = []

    def build(**kwargs: Any) -> cxnlp.scoring.Scorer:
        kept = {k: kwargs[k] for k in ("batch_size", "max_turn_chars", "max_transcript_chars") if k in kwargs}
        return real(
            dimensions=[_WordCount()],
            parser=_RecordingParser(nlp, _ZeroEncoder()),  # type: ignore[arg-type]
            slot_vectors=False,
            **kept,
        )

    monkeypatch.setattr(cxnlp.scoring, "Scorer", build)
    return _RecordingParser


# --------------------------------------------------------------------------- inputs


def _turns(text: str = "Your refund is on its way.") -> list[dict[str, str]]:
    return [{"speaker": "customer", "text": "Where is my refund?"}, {"speaker": "agent", "text": text}]


def _record(rid: str, **meta: Any) -> dict[str, Any]:
    return {"id": rid, "turns": _turns(), "team": "North", **meta}


def _line(record: object) -> bytes:
    return json.dumps(record).encode("utf-8")


def _jsonl(path: Path, lines: list[bytes], end: bytes = b"\n") -> Path:
    path.write_bytes(b"".join(line + end for line in lines))
    return path


GOOD = [_line(_record("g1")), _line(_record("g2"))]


def _rows(rid: str, team: str = "North", text: str = "Your refund is on its way.") -> list[dict[str, Any]]:
    return [
        {
            "transcript_id": rid,
            "turn_index": 0,
            "speaker": "customer",
            "text": "Where is my refund?",
            "team": team,
        },
        {"transcript_id": rid, "turn_index": 1, "speaker": "agent", "text": text, "team": team},
    ]


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    return pd.DataFrame(rows).to_csv(index=False).encode("utf-8")


@dataclass
class Case:
    """What one hostile input must give: these ids scored, these rejects (at least)."""

    good: list[str]
    rejects: list[dict[str, str | None]] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    exact: bool = True  # False: the good ids must be a subset (a cut-off file loses its tail)


def _bad(source: str, record_id: str | None, fld: str | None, reason: str) -> dict[str, str | None]:
    return {"source": source, "record_id": record_id, "field": fld, "reason": reason}


def deep_json_unreadable(tmp: Path) -> tuple[list[Path], Case]:
    deep = b'{"id": "deep", "turns": [], "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], deep, GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", None, None, "nested too deeply")])


def deep_json_readable(tmp: Path) -> tuple[list[Path], Case]:
    value: Any = "bottom"
    for _ in range(200):
        value = [value]
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], _line(_record("deep", x=value)), GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", "deep", "x", "nested more than 64")])


def integer_of_5000_digits(tmp: Path) -> tuple[list[Path], Case]:
    huge = b'{"id": "huge", "turns": [], "csat": 1' + b"0" * 4_999 + b"}"
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], huge, GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", None, None, "4300 digits")])


def integer_start_time_past_float(tmp: Path) -> tuple[list[Path], Case]:
    record = _record("late")
    record["turns"][0]["start"] = 10**400
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], _line(record), GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", "late", "turns[0].start", "finite number")])


def integer_metadata_past_64_bits(tmp: Path) -> tuple[list[Path], Case]:
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], _line(_record("acct", account=10**30)), GOOD[1]])]
    return files, Case(["g1", "acct", "g2"])


def lone_surrogate_in_metadata(tmp: Path) -> tuple[list[Path], Case]:
    bad = _line(_record("sur")).replace(b'"team": "North"', b'"team": "No\\ud800rth"')
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], bad, GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", "sur", "team", "lone surrogate")])


def lone_surrogate_in_text(tmp: Path) -> tuple[list[Path], Case]:
    bad = _line(_record("sur")).replace(b"on its way", b"on its \\udfff way")
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], bad, GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", "sur", "turns[1].text", "lone surrogate")])


def lone_surrogate_in_id(tmp: Path) -> tuple[list[Path], Case]:
    bad = _line(_record("sur")).replace(b'"id": "sur"', b'"id": "s\\ud800"')
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], bad, GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", None, "id", "lone surrogate")])


def invalid_utf8_line(tmp: Path) -> tuple[list[Path], Case]:
    bad = _line(_record("latin")).replace(b"North", b"Nord\xe9")
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], bad, GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl:line 2", None, None, "not UTF-8")])


def cr_only_line_endings(tmp: Path) -> tuple[list[Path], Case]:
    return [_jsonl(tmp / "calls.jsonl", GOOD, end=b"\r")], Case(["g1", "g2"])


def crlf_line_endings(tmp: Path) -> tuple[list[Path], Case]:
    return [_jsonl(tmp / "calls.jsonl", GOOD, end=b"\r\n")], Case(["g1", "g2"])


def truncated_gzip(tmp: Path) -> tuple[list[Path], Case]:
    rng = np.random.default_rng(0)
    lines = [_line(_record(f"z{i}", noise=rng.bytes(48).hex())) for i in range(600)]
    blob = gzip.compress(b"".join(line + b"\n" for line in lines))
    path = tmp / "calls.jsonl.gz"
    path.write_bytes(blob[: int(len(blob) * 0.7)])
    return [path], Case(["z0", "z1"], [_bad("calls.jsonl.gz:line", None, None, "damaged file")], exact=False)


def corrupt_gzip_stream(tmp: Path) -> tuple[list[Path], Case]:
    rng = np.random.default_rng(1)
    lines = [_line(_record(f"z{i}", noise=rng.bytes(48).hex())) for i in range(600)]
    blob = bytearray(gzip.compress(b"".join(line + b"\n" for line in lines)))
    middle = len(blob) * 2 // 3
    blob[middle : middle + 64] = b"\xff" * 64
    path = tmp / "calls.jsonl.gz"
    path.write_bytes(bytes(blob))
    return [path], Case(["z0", "z1"], [_bad("calls.jsonl.gz:line", None, None, "damaged file")], exact=False)


def csv_ragged_row(tmp: Path) -> tuple[list[Path], Case]:
    text = _csv_bytes(_rows("g1") + _rows("rag") + _rows("g2"))
    lines = text.split(b"\n")
    lines[4] = lines[4] + b",extra,fields"  # the agent row of "rag"
    path = tmp / "calls.csv"
    path.write_bytes(b"\n".join(lines))
    return [path], Case(["g1", "g2"], [_bad("calls.csv:row 3", "rag", "text", "fields")])


def csv_unterminated_quote(tmp: Path) -> tuple[list[Path], Case]:
    # 1,200 good rows, more than one CSV chunk (1,000 rows): every transcript before the
    # damaged transcript (rows 1201-1202, the quote opens in 1202) is read.
    rows = [row for i in range(600) for row in _rows(f"t{i}")] + _rows("cut", text="QUOTE")
    path = tmp / "calls.csv"
    path.write_bytes(_csv_bytes(rows).replace(b"QUOTE", b'"it never ends'))
    return [path], Case(
        [f"t{i}" for i in range(600)],
        [_bad("calls.csv:row 1201", None, None, "cannot be read from row 1201")],
    )


def csv_unterminated_quote_near_the_start(tmp: Path) -> tuple[list[Path], Case]:
    # pandas stops short of a quote left open in the first rows, without an error.
    text = _csv_bytes(_rows("g1") + _rows("g2") + _rows("cut", text="QUOTE") + _rows("lost"))
    path = tmp / "calls.csv"
    path.write_bytes(text.replace(b"QUOTE", b'"it never ends'))
    return [path], Case(["g1", "g2"], [_bad("calls.csv:row 5", None, None, "cannot be read from row 5")])


def csv_quote_opened_in_the_first_turn_of_a_transcript(tmp: Path) -> tuple[list[Path], Case]:
    # The quote opens in the damaged transcript's first row: it may go on, so it is lost,
    # but the transcript before it ended and is scored.
    rows = _rows("g1") + _rows("cut") + _rows("lost")
    rows[2]["text"] = "QUOTE"
    path = tmp / "calls.csv"
    path.write_bytes(_csv_bytes(rows).replace(b"QUOTE", b'"it never ends'))
    return [path], Case(["g1"], [_bad("calls.csv:row 3", None, None, "cannot be read from row 3")])


def csv_extra_fields_in_the_first_row(tmp: Path) -> tuple[list[Path], Case]:
    # pandas takes a first row's extra leading fields as an index and shifts every column.
    text = _csv_bytes(_rows("rag") + _rows("g1") + _rows("g2"))
    lines = text.split(b"\n")
    lines[1] = lines[1] + b",x,y"  # the customer row of "rag", the first data row
    path = tmp / "calls.csv"
    path.write_bytes(b"\n".join(lines))
    return [path], Case(["g1", "g2"], [_bad("calls.csv:row 1", "rag", "text", "a row with 7 fields")])


def csv_invalid_utf8_text(tmp: Path) -> tuple[list[Path], Case]:
    text = _csv_bytes(_rows("g1") + _rows("latin", text="caf\u00e9 open") + _rows("g2"))
    path = tmp / "calls.csv"
    path.write_bytes(text.replace("caf\u00e9".encode(), b"caf\xe9"))
    return [path], Case(["g1", "g2"], [_bad("calls.csv:row 3", "latin", "text", "not UTF-8")])


def csv_invalid_utf8_metadata(tmp: Path) -> tuple[list[Path], Case]:
    text = _csv_bytes(_rows("g1") + _rows("latin", team="M\u00fcnchen") + _rows("g2"))
    path = tmp / "calls.csv"
    path.write_bytes(text.replace("M\u00fcnchen".encode(), b"M\xfcnchen"))
    return [path], Case(["g1", "g2"], [_bad("calls.csv:row 3", "latin", "team", "not UTF-8")])


def csv_cr_only_line_endings(tmp: Path) -> tuple[list[Path], Case]:
    path = tmp / "calls.csv"
    path.write_bytes(_csv_bytes(_rows("g1") + _rows("g2")).replace(b"\n", b"\r"))
    return [path], Case(["g1", "g2"])


def parquet_corrupt_data_page(tmp: Path) -> tuple[list[Path], Case]:
    path = tmp / "calls.parquet"
    rows = [row for i in range(6) for row in _rows(f"p{i}")]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=4, compression="none")
    column = pq.ParquetFile(path).metadata.row_group(2).column(3)  # text, rows 9-12
    data = bytearray(path.read_bytes())
    start = column.data_page_offset
    data[start : start + 24] = b"\xff" * 24
    path.write_bytes(bytes(data))
    # p3 (rows 7-8) may go on in the damaged group, so it is rejected with the rest.
    return [path], Case(
        ["p0", "p1", "p2"], [_bad("calls.parquet:row 7", None, None, "cannot be read from row 7")]
    )


def parquet_integer_text(tmp: Path) -> tuple[list[Path], Case]:
    path = tmp / "calls.parquet"
    rows = [{**row, "text": str(i)} for i, row in enumerate(_rows("g1") + _rows("num") + _rows("g2"))]
    frame = pd.DataFrame(rows)
    frame["text"] = frame["text"].astype("int64")  # a Parquet column has one type: every row
    frame.to_parquet(path, index=False)
    return [path], Case([], [_bad(f"calls.parquet:row {r}", t, "text", "type number") for r, t in CALLS])


CALLS = [(1, "g1"), (3, "num"), (5, "g2")]


def turn_over_the_size_limit(tmp: Path) -> tuple[list[Path], Case]:
    big = _line({"id": "big", "turns": _turns("refund " * 30)})
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], big, GOOD[1]])]
    return files, Case(
        ["g1", "g2"],
        [_bad("calls.jsonl:line 2", "big", "turns[1].text", "max_turn_chars")],
        args=["--max-turn-chars", "100"],
    )


def transcript_over_the_size_limit(tmp: Path) -> tuple[list[Path], Case]:
    long = _line({"id": "long", "turns": _turns() * 20})
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], long, GOOD[1]])]
    return files, Case(
        ["g1", "g2"],
        [_bad("calls.jsonl:line 2", "long", "turns", "max_transcript_chars")],
        args=["--max-transcript-chars", "300"],
    )


def turn_over_spacy_max_length(tmp: Path) -> tuple[list[Path], Case]:
    huge = _line({"id": "huge", "turns": _turns("x" * 6_000)})  # the tiny pipeline's max_length is 5,000
    files = [_jsonl(tmp / "calls.jsonl", [GOOD[0], huge, GOOD[1]])]
    return files, Case(["g1", "g2"], [_bad("calls.jsonl", "huge", "turns[1].text", "max_length")])


# Cases that passed before issue #11 and must keep passing.


def malformed_and_invalid_records(tmp: Path) -> tuple[list[Path], Case]:
    lines = [
        GOOD[0],
        b"{not json",
        b"[1, 2]",
        _line({"id": "noturns"}),
        _line({"id": "empty", "turns": []}),
        _line({"id": "martian", "turns": [{"speaker": "martian", "text": "Hi"}]}),
        _line({"id": "noagent", "turns": [{"speaker": "customer", "text": "Hello?"}]}),
        _line({"id": "blank", "turns": [{"speaker": "agent", "text": "  "}]}),
        _line({"id": "inttext", "turns": [{"speaker": "agent", "text": 7}]}),
        _line({"id": "backwards", "turns": [{"speaker": "agent", "text": "Hi", "start": 5, "end": 1}]}),
        _line({"turns": _turns()}),
        _line(_record("g1")),
        b"",
        GOOD[1],
    ]
    path = tmp / "calls.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b"".join(line + b"\n" for line in lines))
    return [path], Case(
        ["g1", "g2"],
        [
            _bad("calls.jsonl:line 2", None, None, "malformed JSON"),
            _bad("calls.jsonl:line 3", None, None, "JSON array"),
            _bad("calls.jsonl:line 4", "noturns", "turns", "no 'turns'"),
            _bad("calls.jsonl:line 5", "empty", "turns", "empty list"),
            _bad("calls.jsonl:line 6", "martian", "turns[0].speaker", "unknown speaker"),
            _bad("calls.jsonl:line 7", "noagent", "turns", "no agent turn"),
            _bad("calls.jsonl:line 8", "blank", "turns", "empty transcript"),
            _bad("calls.jsonl:line 9", "inttext", "turns[0].text", "type number"),
            _bad("calls.jsonl:line 10", "backwards", "turns[0].end", "before start"),
            _bad("calls.jsonl:line 11", None, "id", "no 'id'"),
            _bad("calls.jsonl:line 12", "g1", "id", "duplicate transcript id"),
        ],
    )


def table_rows_not_contiguous(tmp: Path) -> tuple[list[Path], Case]:
    rows = _rows("g1") + _rows("g2") + [{**_rows("g1")[1], "turn_index": 2}]
    path = tmp / "calls.csv"
    path.write_bytes(_csv_bytes(rows))
    return [path], Case(["g1", "g2"], [_bad("calls.csv:row 5", "g1", "transcript_id", "contiguous")])


CASES: list[Callable[[Path], tuple[list[Path], Case]]] = [
    deep_json_unreadable,
    deep_json_readable,
    integer_of_5000_digits,
    integer_start_time_past_float,
    integer_metadata_past_64_bits,
    lone_surrogate_in_metadata,
    lone_surrogate_in_text,
    lone_surrogate_in_id,
    invalid_utf8_line,
    cr_only_line_endings,
    crlf_line_endings,
    truncated_gzip,
    corrupt_gzip_stream,
    csv_ragged_row,
    csv_unterminated_quote,
    csv_unterminated_quote_near_the_start,
    csv_quote_opened_in_the_first_turn_of_a_transcript,
    csv_extra_fields_in_the_first_row,
    csv_invalid_utf8_text,
    csv_invalid_utf8_metadata,
    csv_cr_only_line_endings,
    parquet_corrupt_data_page,
    parquet_integer_text,
    turn_over_the_size_limit,
    transcript_over_the_size_limit,
    turn_over_spacy_max_length,
    malformed_and_invalid_records,
    table_rows_not_contiguous,
]


# --------------------------------------------------------------------------- checks


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _invoke(args: list[str], caplog: pytest.LogCaptureFixture) -> Any:
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert not [r for r in caplog.records if r.exc_info], "a traceback went to the log"
    return result


def _rejects(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("make", CASES, ids=[c.__name__ for c in CASES])
def test_hostile_records_become_rejects_and_the_rest_is_scored(tmp, tiny, caplog, make):
    inputs, case = make(tmp / "in")
    before = _digests(tmp / "in")
    out = tmp / "out" / "scores.parquet"
    result = _invoke(["score", *map(str, inputs), "--out", str(out), *case.args], caplog)
    assert result.exit_code == 0, result.output
    assert _digests(tmp / "in") == before
    table = read_frame(out)
    scored = list(table["transcript_id"]) if len(table) else []
    if case.exact:
        assert scored == case.good
    else:
        assert set(case.good) <= set(scored)
    rejects = _rejects(tmp / "out" / "scores.rejects.jsonl")
    assert f"scored {len(scored)}, rejected {len(rejects)} of {len(scored) + len(rejects)}" in result.stdout
    for expected in case.rejects:
        matches = [
            r
            for r in rejects
            if expected["source"] in r["source"]
            and r["record_id"] == expected["record_id"]
            and r["field"] == expected["field"]
            and expected["reason"] in r["reason"]
        ]
        assert matches, f"no reject like {expected} in {rejects}"
    if case.exact:
        assert len(rejects) == len(case.rejects), rejects
    assert all(r["source"].startswith(str(tmp / "in")) and "\n" not in r["reason"] for r in rejects)


@pytest.fixture
def tmp(tmp_path):
    (tmp_path / "in").mkdir()
    return tmp_path


def test_oversize_text_never_reaches_the_parser(tmp, tiny, caplog):
    inputs, case = turn_over_the_size_limit(tmp / "in")
    _invoke(["score", str(inputs[0]), "--out", str(tmp / "s.parquet"), *case.args], caplog)
    assert tiny.parsed_lengths and max(tiny.parsed_lengths) <= 100


def test_scorer_refuses_an_oversize_transcript_before_parsing(tiny):
    from cxnlp.model import Transcript

    scorer = cxnlp.scoring.Scorer(max_turn_chars=50)
    call = Transcript.from_pairs("big", [("agent", "word " * 20)])
    with pytest.raises(ValueError, match=r"turns\[0\]\.text.*max_turn_chars"):
        scorer.score_batch([call])
    assert tiny.parsed_lengths == []


@pytest.mark.parametrize("value", [0, -5, 2.5, True])
def test_size_limits_must_be_positive_integers(value):
    from cxnlp.limits import SizeLimits

    with pytest.raises(ValueError, match="expected a positive integer"):
        SizeLimits(max_turn_chars=value)


def test_metadata_never_overwrites_an_output_column(tmp, tiny, caplog):
    record = _record(
        "g1",
        interaction_score=1,
        meta_interaction_score=2,
        f_filler_content__agent_words=3,
        content_hash="mine",
    )
    src = _jsonl(tmp / "in" / "calls.jsonl", [_line(record)])
    out = tmp / "scores.jsonl"
    assert _invoke(["score", str(src), "--out", str(out)], caplog).exit_code == 0
    row = read_frame(out).iloc[0]
    assert row["meta_meta_interaction_score"] == 1
    assert row["meta_interaction_score"] == 2
    assert row["meta_f_filler_content__agent_words"] == 3
    assert row["f_filler_content__agent_words"] == 7  # the feature: 7 tokens in the agent's turn
    assert row["meta_content_hash"] == "mine" and row["content_hash"] != "mine"
    assert pd.isna(row["interaction_score"]) or row["interaction_score"] != 1


# --------------------------------------------------------------------------- refusals


def _calls(tmp: Path) -> Path:
    return _jsonl(tmp / "in" / "calls.jsonl", GOOD)


def _out_is_input(tmp: Path) -> list[str]:
    return ["score", str(_calls(tmp)), "--out", str(tmp / "in" / "calls.jsonl")]


def _out_is_input_relative(tmp: Path) -> list[str]:
    os.chdir(tmp / "in")
    return ["score", str(_calls(tmp)), "--out", "../in/./calls.jsonl"]


def _out_is_symlink_to_input(tmp: Path) -> list[str]:
    (tmp / "link.jsonl").symlink_to(_calls(tmp))
    return ["score", str(tmp / "in" / "calls.jsonl"), "--out", str(tmp / "link.jsonl")]


def _out_is_hard_link_to_input(tmp: Path) -> list[str]:
    os.link(_calls(tmp), tmp / "hard.jsonl")
    return ["score", str(tmp / "in" / "calls.jsonl"), "--out", str(tmp / "hard.jsonl")]


def _out_is_input_in_a_folder(tmp: Path) -> list[str]:
    _calls(tmp)
    return ["score", str(tmp / "in"), "--out", str(tmp / "in" / "calls.jsonl")]


def _rejects_is_input(tmp: Path) -> list[str]:
    return [
        "score",
        str(_calls(tmp)),
        "--out",
        str(tmp / "s.parquet"),
        "--rejects",
        str(tmp / "in" / "calls.jsonl"),
    ]


def _rejects_is_out(tmp: Path) -> list[str]:
    return ["score", str(_calls(tmp)), "--out", str(tmp / "s.jsonl"), "--rejects", str(tmp / "s.jsonl")]


def _out_is_a_folder(tmp: Path) -> list[str]:
    (tmp / "folder").mkdir()
    return ["score", str(_calls(tmp)), "--out", str(tmp / "folder")]


def _rejects_is_a_folder(tmp: Path) -> list[str]:
    (tmp / "folder").mkdir()
    return ["score", str(_calls(tmp)), "--out", str(tmp / "s.parquet"), "--rejects", str(tmp / "folder")]


def _out_is_a_fifo(tmp: Path) -> list[str]:
    os.mkfifo(tmp / "pipe.parquet")
    return ["score", str(_calls(tmp)), "--out", str(tmp / "pipe.parquet")]


def _out_is_dev_null(tmp: Path) -> list[str]:
    # Run as root, the rename into place once replaced the device itself with a Parquet file.
    return ["score", str(_calls(tmp)), "--out", "/dev/null"]


def _rejects_is_dev_stdout(tmp: Path) -> list[str]:
    return ["score", str(_calls(tmp)), "--out", str(tmp / "s.parquet"), "--rejects", "/dev/stdout"]


def _default_rejects_is_a_folder(tmp: Path) -> list[str]:
    (tmp / "s.rejects.jsonl").mkdir()
    return ["score", str(_calls(tmp)), "--out", str(tmp / "s.parquet")]


def _default_rejects_is_input(tmp: Path) -> list[str]:
    # re-scoring a fixed rejects file: its default rejects path is the input itself
    calls = _jsonl(tmp / "in" / "s.rejects.jsonl", GOOD)
    return ["score", str(calls), "--out", str(tmp / "in" / "s.jsonl")]


def _input_missing(tmp: Path) -> list[str]:
    return ["score", str(tmp / "in" / "nope.jsonl"), "--out", str(tmp / "s.parquet")]


def _input_not_gzip(tmp: Path) -> list[str]:
    path = _jsonl(tmp / "in" / "calls.jsonl.gz", GOOD)
    return ["score", str(path), "--out", str(tmp / "s.parquet")]


def _input_empty_csv(tmp: Path) -> list[str]:
    (tmp / "in" / "calls.csv").write_bytes(b"")
    return ["score", str(tmp / "in" / "calls.csv"), "--out", str(tmp / "s.parquet")]


def _input_parquet_garbage(tmp: Path) -> list[str]:
    (tmp / "in" / "calls.parquet").write_bytes(b"PAR1 this is not parquet")
    return ["score", str(tmp / "in" / "calls.parquet"), "--out", str(tmp / "s.parquet")]


def _input_unknown_ending(tmp: Path) -> list[str]:
    (tmp / "in" / "calls.txt").write_bytes(GOOD[0])
    return ["score", str(tmp / "in" / "calls.txt"), "--out", str(tmp / "s.parquet")]


def _input_folder_without_transcripts(tmp: Path) -> list[str]:
    (tmp / "in" / "notes.txt").write_bytes(b"hello")
    return ["score", str(tmp / "in"), "--out", str(tmp / "s.parquet")]


def _calibrate_out_holds_labels(tmp: Path) -> list[str]:
    scores = _jsonl(tmp / "in" / "scores.jsonl", GOOD)
    (tmp / "in" / "agreement.csv").write_text("transcript_id,rubric\ng1,3\n")
    return [
        "calibrate",
        str(scores),
        str(tmp / "in" / "agreement.csv"),
        "--target",
        "rubric",
        "--out",
        str(tmp / "in"),
    ]


def _agreement_out_is_labels(tmp: Path) -> list[str]:
    scores = _jsonl(tmp / "in" / "scores.jsonl", GOOD)
    labels = tmp / "in" / "labels.csv"
    labels.write_text("transcript_id,rubric\ng1,3\n")
    return ["agreement", str(scores), str(labels), "--target", "rubric", "--out", str(labels)]


def _report_out_is_scores(tmp: Path) -> list[str]:
    scores = _jsonl(tmp / "in" / "scores.jsonl", GOOD)
    return ["report", str(scores), "--out", str(scores)]


def _analyze_out_is_surveys(tmp: Path) -> list[str]:
    scores = _jsonl(tmp / "in" / "scores.jsonl", GOOD)
    surveys = tmp / "in" / "surveys.csv"
    surveys.write_text("transcript_id,survey_rating\ng1,3\n")
    return ["analyze", "optimized", str(scores), "--surveys", str(surveys), "--out", str(surveys)]


def _batch_store_is_input(tmp: Path) -> list[str]:
    return ["batch", str(_calls(tmp)), "--store", str(tmp / "in" / "calls.jsonl")]


def _batch_store_holds_input(tmp: Path) -> list[str]:
    return ["batch", str(_calls(tmp)), "--store", str(tmp / "in")]


REFUSALS: list[tuple[Callable[[Path], list[str]], str]] = [
    (_out_is_input, "which is the input"),
    (_out_is_input_relative, "which is the input"),
    (_out_is_symlink_to_input, "which is the input"),
    (_out_is_hard_link_to_input, "which is the input"),
    (_out_is_input_in_a_folder, "which is the input"),
    (_rejects_is_input, "which is the input"),
    (_rejects_is_out, "the same file as --out"),
    (_out_is_a_folder, "existing folder"),
    (_rejects_is_a_folder, "existing folder"),
    (_default_rejects_is_a_folder, "--rejects (default: beside --out) "),
    (_default_rejects_is_a_folder, "rejects.jsonl/rejects.jsonl"),
    (_default_rejects_is_input, "Give --rejects another path"),
    (_out_is_a_fifo, "device, pipe or socket"),
    (_out_is_dev_null, "device, pipe or socket"),
    (_rejects_is_dev_stdout, "device, pipe or socket"),
    (_input_missing, "does not exist"),
    (_input_not_gzip, "BadGzipFile"),
    (_input_empty_csv, "empty input file"),
    (_input_parquet_garbage, "cannot be read as Parquet"),
    (_input_unknown_ending, "unknown ending"),
    (_input_folder_without_transcripts, "no file to read"),
    (_calibrate_out_holds_labels, "which is the input"),
    (_agreement_out_is_labels, "which is the input"),
    (_report_out_is_scores, "which is the input"),
    (_analyze_out_is_surveys, "which is the input"),
    (_batch_store_is_input, "existing file"),
    (_batch_store_holds_input, "holds the input"),
]


@pytest.mark.parametrize("make, message", REFUSALS, ids=[m.__name__.strip("_") for m, _ in REFUSALS])
def test_refused_before_anything_is_written(tmp, tiny, caplog, monkeypatch, make, message):
    monkeypatch.chdir(tmp)
    args = make(tmp)
    before = _digests(tmp)
    result = _invoke(args, caplog)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Got ") and message in lines[0], lines
    assert _digests(tmp) == before  # inputs unchanged, and nothing new: no table, no rejects
    assert tiny.parsed_lengths == []


def test_help_documents_the_exit_codes():
    for args in (["--help"], ["score", "--help"]):
        result = runner.invoke(app, args, terminal_width=400)
        assert "Exit codes: 0" in result.stdout and "2 refused" in result.stdout


# --------------------------------------------------------------------------- real models


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "cxnlp.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_real_cli_refuses_to_overwrite_its_input(tmp):
    src = _calls(tmp)
    before = _digests(tmp)
    for flag in ("--out", "--rejects"):
        done = _cli("score", str(src), "--out", str(tmp / "s.parquet"), flag, "in/calls.jsonl", cwd=tmp)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and "which is the input" in done.stderr
        assert _digests(tmp) == before


@pytest.mark.slow
def test_real_models_score_every_hostile_input_together(tmp):
    inputs: list[str] = []
    reasons: list[str] = []
    for make in CASES:
        folder = tmp / "in" / make.__name__
        folder.mkdir()
        files, case = make(folder)
        if not case.args and make is not turn_over_spacy_max_length:  # tiny-pipeline cases
            inputs.extend(map(str, files))
            reasons.extend(str(r["reason"]) for r in case.rejects)
    before = _digests(tmp / "in")
    done = _cli("score", *inputs, "--out", str(tmp / "s.parquet"), cwd=tmp)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert _digests(tmp / "in") == before
    assert {"g1", "g2", "z0", "p0"} <= set(pd.read_parquet(tmp / "s.parquet")["transcript_id"])
    found = " ".join(r["reason"] for r in _rejects(tmp / "s.rejects.jsonl"))
    assert [reason for reason in reasons if reason not in found] == []
