"""Tests for cxnlp.ingest: JSONL, long tables, dispatch, rejects file, AB-ReDial adapter.

No language model is loaded here; everything is file reading and validation.
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from cxnlp.ingest import (
    InputError,
    RejectWriter,
    abredial_labels,
    read_abredial,
    read_rejects,
    read_transcripts,
)
from cxnlp.ingest.jsonl import read_jsonl
from cxnlp.ingest.table import read_table
from cxnlp.model import Reject, Transcript, Turn

GOOD_TURNS = [
    {"speaker": "customer", "text": "My router keeps dropping the connection."},
    {"speaker": "agent", "text": "Sorry about that. Let me reset the line for you now."},
]


def good(record_id: str = "c1", **extra: object) -> dict:
    return {"id": record_id, "turns": GOOD_TURNS, **extra}


def line(record: object) -> str:
    return json.dumps(record)


def write_lines(path: Path, lines: list[str | bytes], *, newline: bytes = b"\n") -> Path:
    with path.open("wb") as handle:
        for item in lines:
            handle.write(item if isinstance(item, bytes) else item.encode("utf-8"))
            handle.write(newline)
    return path


def split(items: list[Transcript | Reject]) -> tuple[list[Transcript], list[Reject]]:
    transcripts = [item for item in items if isinstance(item, Transcript)]
    rejects = [item for item in items if isinstance(item, Reject)]
    return transcripts, rejects


# --- JSONL: one reject per bad line, naming the field and the line -----------------------

BAD_LINES = [
    ("malformed-json", '{"id": "x", "turns": [', None, "malformed JSON"),
    ("not-an-object", "[1, 2, 3]", None, "array"),
    ("missing-id", line({"turns": GOOD_TURNS}), "id", "id"),
    ("boolean-id", line({"id": True, "turns": GOOD_TURNS}), "id", "True"),
    ("blank-id", line({"id": "  ", "turns": GOOD_TURNS}), "id", "non-empty"),
    ("missing-turns", line({"id": "x"}), "turns", "turns"),
    ("turns-not-list", line({"id": "x", "turns": "hello"}), "turns", "string"),
    ("turns-empty", line({"id": "x", "turns": []}), "turns", "empty list"),
    ("turn-not-object", line({"id": "x", "turns": ["hello"]}), "turns[0]", "string"),
    (
        "missing-speaker",
        line({"id": "x", "turns": [{"text": "hi"}]}),
        "turns[0].speaker",
        "speaker",
    ),
    (
        "unknown-speaker",
        line({"id": "x", "turns": [GOOD_TURNS[1], {"speaker": "bob", "text": "hi"}]}),
        "turns[1].speaker",
        "'bob'",
    ),
    (
        "missing-text",
        line({"id": "x", "turns": [{"speaker": "agent"}]}),
        "turns[0].text",
        "no 'text'",
    ),
    (
        "text-not-string",
        line({"id": "x", "turns": [{"speaker": "agent", "text": 42}]}),
        "turns[0].text",
        "number",
    ),
    (
        "start-not-number",
        line({"id": "x", "turns": [{"speaker": "agent", "text": "hi", "start": "0:01"}]}),
        "turns[0].start",
        "'0:01'",
    ),
    (
        "end-before-start",
        line({"id": "x", "turns": [{"speaker": "agent", "text": "hi", "start": 5, "end": 2}]}),
        "turns[0].end",
        "before start",
    ),
    (
        "all-text-blank",
        line({"id": "x", "turns": [{"speaker": "agent", "text": "  "}]}),
        "turns",
        "blank",
    ),
    (
        "no-agent-turn",
        line({"id": "x", "turns": [GOOD_TURNS[0]]}),
        "turns",
        "no agent turn; nothing to score",
    ),
]


@pytest.mark.parametrize(
    ("bad", "field", "fragment"),
    [case[1:] for case in BAD_LINES],
    ids=[case[0] for case in BAD_LINES],
)
def test_bad_jsonl_line_gives_one_reject_naming_field_and_line(tmp_path, bad, field, fragment):
    path = write_lines(tmp_path / "calls.jsonl", [line(good("ok")), "", bad])
    items = list(read_transcripts(path))
    assert len(items) == 2
    assert isinstance(items[0], Transcript)
    reject = items[1]
    assert isinstance(reject, Reject)
    assert reject.source == f"{path}:line 3"  # the blank line counts for numbering only
    assert reject.field == field
    assert fragment in reject.reason
    assert "\n" not in reject.reason


def test_reject_carries_the_record_id_when_it_could_be_read(tmp_path):
    bad = line({"id": "x9", "turns": [{"speaker": "bob", "text": "hi"}]})
    path = write_lines(tmp_path / "calls.jsonl", [bad])
    [reject] = read_transcripts(path)
    assert reject.record_id == "x9"


@pytest.mark.parametrize(
    ("record_id", "shown"),
    [
        ("card_badjson 4111 1111 1111 1111 cvv 737 ", "card_badjson <CREDIT_CARD> cvv <CVV> "),
        ("card 4111-1111-1111-1111", "card <CREDIT_CARD>"),
        ("call about 4111111111111111", "call about <CREDIT_CARD>"),
    ],
)
def test_an_id_holding_a_card_number_is_rejected_without_repeating_it(tmp_path, record_id, shown):
    # Ids are written unredacted (join keys); a card number or security code never is.
    bad = {"id": record_id, "turns": [*GOOD_TURNS, {"speaker": "agent", "text": "x" * 30}]}
    path = write_lines(tmp_path / "calls.jsonl", [line(good("CALL-2024-000123")), line(bad)])
    ok, reject = read_transcripts(path)
    assert ok.id == "CALL-2024-000123"  # an ordinary id with digits is read as before
    assert isinstance(reject, Reject)
    assert (reject.field, reject.record_id) == ("id", shown)
    written = json.dumps(reject.to_dict())
    assert "4111" not in written and "737" not in written


@pytest.mark.parametrize("record_id", [4111111111111111, "C4111111111111111", "CALL-300000000000012345"])
def test_a_platform_key_of_one_digit_run_is_read_even_when_it_passes_the_luhn_check(tmp_path, record_id):
    # Contact-centre platforms key contacts by 12-19 digit numbers and a tenth of those pass
    # the Luhn check: rejecting them would drop a tenth of a night's calls. A card written
    # into an id is grouped or beside card words (the cases above).
    path = write_lines(tmp_path / "calls.jsonl", [line(good(record_id))])
    [ok] = read_transcripts(path)
    assert isinstance(ok, Transcript) and ok.id == str(record_id)


def test_a_reject_never_carries_a_card_number_in_its_record_id():
    reject = Reject(source="s", reason="r", record_id="a 4111 1111 1111 1111 cvv 123")
    assert reject.record_id == "a <CREDIT_CARD> cvv <CVV>"
    assert Reject(source="s", reason="r", record_id="order 42").record_id == "order 42"


def test_counts_add_up_on_a_mixed_file(tmp_path):
    goods = [line(good(f"g{i}")) for i in range(5)]
    bads = [case[1] for case in BAD_LINES]
    undecodable = b'{"id": "latin", "turns": [{"speaker": "agent", "text": "caf\xe9"}]}'
    duplicate = line(good("g0"))
    lines: list[str | bytes] = []
    for index, bad in enumerate(bads):
        lines += [goods[index % len(goods)] if index < len(goods) else "", bad]
    lines += ["   ", undecodable, duplicate, ""]
    path = write_lines(tmp_path / "mixed.jsonl", lines)
    records_read = sum(1 for item in lines if (item.strip() if isinstance(item, str) else item))
    items = list(read_transcripts(path))
    transcripts, rejects = split(items)
    assert len(transcripts) + len(rejects) == records_read == len(items)
    assert sorted(t.id for t in transcripts) == [f"g{i}" for i in range(5)]
    assert len(rejects) == len(bads) + 2


def test_transcript_without_customer_turn_is_scored_anyway(tmp_path):
    path = write_lines(tmp_path / "voicemail.jsonl", [line(good("vm", turns=[GOOD_TURNS[1]]))])
    [item] = read_transcripts(path)
    assert isinstance(item, Transcript)
    assert [t.speaker for t in item.turns] == ["agent"]


def test_duplicate_id_is_rejected_pointing_at_the_first(tmp_path):
    path = write_lines(tmp_path / "calls.jsonl", [line(good("a")), line(good("b")), line(good("a"))])
    items = list(read_transcripts(path))
    assert [type(item) for item in items] == [Transcript, Transcript, Reject]
    assert items[2].reason == f"duplicate transcript id; first seen at {path}:line 1"
    assert items[2].record_id == "a"


def test_duplicate_ids_are_checked_across_files_of_one_run(tmp_path):
    first = write_lines(tmp_path / "a.jsonl", [line(good("same"))])
    second = write_lines(tmp_path / "b.jsonl", [line(good("same")), line(good("other"))])
    transcripts, rejects = split(list(read_transcripts([first, second])))
    assert [t.id for t in transcripts] == ["same", "other"]
    assert [r.source for r in rejects] == [f"{second}:line 1"]
    assert f"{first}:line 1" in rejects[0].reason


def test_metadata_passes_through_untouched_including_nested(tmp_path):
    metadata = {
        "queue": "billing",
        "survey": {"csat": 4, "comments": ["slow", "polite"], "nps": None},
        "tags": [1, 2.5, True],
        "agent": {"id": "A-17", "team": {"name": "north", "site": 3}},
    }
    path = write_lines(tmp_path / "calls.jsonl", [line(good("m1", **metadata))])
    [item] = read_transcripts(path)
    assert dict(item.metadata) == metadata
    assert "id" not in item.metadata and "turns" not in item.metadata


@pytest.mark.parametrize(
    ("record", "expected_id", "expected_metadata"),
    [
        ({"transcript_id": "t-1", "turns": GOOD_TURNS}, "t-1", {}),
        ({"id": 42, "turns": GOOD_TURNS}, "42", {}),
        ({"id": "a", "transcript_id": "b", "turns": GOOD_TURNS}, "a", {"transcript_id": "b"}),
    ],
    ids=["transcript_id-key", "integer-id", "both-keys"],
)
def test_id_keys(tmp_path, record, expected_id, expected_metadata):
    path = write_lines(tmp_path / "calls.jsonl", [line(record)])
    [item] = read_transcripts(path)
    assert item.id == expected_id
    assert dict(item.metadata) == expected_metadata


def test_turn_times_and_speaker_aliases_are_read(tmp_path):
    turns = [
        {"speaker": " Caller ", "text": "hi", "start": 0, "end": 1.5},
        {"speaker": "REP", "text": "hello", "start": 1.5},
    ]
    path = write_lines(tmp_path / "calls.jsonl", [line({"id": "t", "turns": turns})])
    [item] = read_transcripts(path)
    assert item.turns == (
        Turn("customer", "hi", 0.0, 1.5),
        Turn("agent", "hello", 1.5, None),
    )


def test_undecodable_line_is_rejected_while_neighbours_are_read(tmp_path):
    bad = b'{"id": "latin", "turns": [{"speaker": "agent", "text": "caf\xe9"}]}'
    path = write_lines(tmp_path / "calls.jsonl", [line(good("before")), bad, line(good("after"))])
    items = list(read_transcripts(path))
    assert [type(item) for item in items] == [Transcript, Reject, Transcript]
    assert [items[0].id, items[2].id] == ["before", "after"]
    assert items[1].source == f"{path}:line 2"
    assert "UTF-8" in items[1].reason


def test_crlf_and_byte_order_mark_are_tolerated(tmp_path):
    path = tmp_path / "windows.jsonl"
    write_lines(path, [line(good("w1")), line(good("w2"))], newline=b"\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert [item.id for item in read_transcripts(path)] == ["w1", "w2"]


def test_gzipped_jsonl_reads_like_plain(tmp_path):
    lines = [line(good("z1", queue="q")), line(good("z2"))]
    plain = write_lines(tmp_path / "calls.jsonl", lines)
    packed = tmp_path / "calls.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    strip = [(t.id, t.turns, dict(t.metadata)) for t in read_transcripts(plain)]
    assert [(t.id, t.turns, dict(t.metadata)) for t in read_transcripts(packed)] == strip


def test_explicit_format_overrides_the_ending(tmp_path):
    path = write_lines(tmp_path / "export.txt", [line(good("e1"))])
    with pytest.raises(InputError):
        read_transcripts(path)
    assert [item.id for item in read_transcripts(path, format="jsonl")] == ["e1"]


def test_folder_reads_known_files_in_name_order(tmp_path):
    write_lines(tmp_path / "b.jsonl", [line(good("b1"))])
    write_lines(tmp_path / "a.ndjson", [line(good("a1")), line(good("a2"))])
    (tmp_path / "notes.md").write_text("not a transcript")
    assert [item.id for item in read_transcripts(tmp_path)] == ["a1", "a2", "b1"]


def test_files_of_a_folder_that_are_not_read_are_reported_as_rejects(tmp_path):
    """A nightly file exported as .json.gz / .csv.gz, or a broken link, must be noticed."""
    write_lines(tmp_path / "a.jsonl", [line(good("a1"))])
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as handle:
        handle.write(line(good("b1")) + "\n")
    for name in ("c.json.gz", "d.csv.gz"):
        with gzip.open(tmp_path / name, "wt") as handle:
            handle.write(line(good("x")) + "\n")
    (tmp_path / "e.jsonl").symlink_to(tmp_path / "gone.jsonl")
    (tmp_path / "notes.md").write_text("not a transcript")
    (tmp_path / "old.zip").write_bytes(b"PK")
    items = list(read_transcripts(tmp_path))
    assert [item.id for item in items if isinstance(item, Transcript)] == ["a1", "b1"]
    rejects = {Path(r.source).name: r.reason for r in items if isinstance(r, Reject)}
    assert sorted(rejects) == ["c.json.gz", "d.csv.gz", "e.jsonl"]
    assert "compressed" in rejects["c.json.gz"] and "broken symbolic link" in rejects["e.jsonl"]
    # with include, a matching name that cannot be read is reported too
    items = list(read_transcripts(tmp_path, include="*.jsonl"))
    assert [Path(r.source).name for r in items if isinstance(r, Reject)] == ["e.jsonl"]


def test_a_label_table_beside_the_transcripts_suggests_glob(tmp_path):
    write_lines(tmp_path / "a.jsonl", [line(good("a1"))])
    write_lines(tmp_path / "b.jsonl", [line(good("b1"))])
    (tmp_path / "labels.csv").write_text("transcript_id,rubric\na1,3\n")
    with pytest.raises(InputError) as refused:
        list(read_transcripts(tmp_path))
    message = str(refused.value)
    assert "labels.csv" in message and "give --glob '*.jsonl'" in message and "\n" not in message
    assert [item.id for item in read_transcripts(tmp_path, include="*.jsonl")] == ["a1", "b1"]
    # named on its own, the file is not "one of the files of a folder"
    with pytest.raises(InputError) as refused:
        list(read_transcripts(tmp_path / "labels.csv"))
    assert "--glob" not in str(refused.value)


# --- whole inputs that cannot be read ------------------------------------------------------


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "nowhere.jsonl"


def _unknown_ending(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "calls.xml", ["<calls/>"])


def _empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _folder_without_known_files(tmp_path: Path) -> Path:
    folder = tmp_path / "misc"
    folder.mkdir()
    (folder / "readme.txt").write_text("hello")
    return folder


def _json_not_stc3(tmp_path: Path) -> Path:
    return write_lines(tmp_path / "calls.json", [json.dumps({"id": "x", "turns": GOOD_TURNS})])


def _table_without_text(tmp_path: Path) -> Path:
    path = tmp_path / "turns.csv"
    path.write_text("transcript_id,turn_index,speaker\n1,0,agent\n")
    return path


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (_missing, "does not exist"),
        (_unknown_ending, "unknown ending"),
        (_empty_folder, "no file to read"),
        (_folder_without_known_files, "no file to read"),
        (_json_not_stc3, "not an STC-3"),
        (_table_without_text, "text"),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_unreadable_input_raises_before_anything_is_yielded(tmp_path, make, fragment):
    good_file = write_lines(tmp_path / "good.jsonl", [line(good("fine"))])
    bad = make(tmp_path)
    with pytest.raises(InputError) as info:
        read_transcripts([good_file, bad])  # raises at the call, not on iteration
    message = str(info.value)
    assert str(bad) in message
    assert fragment in message
    assert ".jsonl" in message or "transcript_id" in message  # says what is accepted
    assert isinstance(info.value, ValueError)


def test_unknown_format_name_is_an_input_error(tmp_path):
    path = write_lines(tmp_path / "calls.jsonl", [line(good())])
    with pytest.raises(InputError, match="'xml'"):
        read_transcripts(path, format="xml")


# --- long tables -------------------------------------------------------------------------

RECORDS = [
    {
        "id": "007",
        "queue": "billing",
        "csat": 4,
        "turns": [
            {"speaker": "customer", "text": "I was charged twice.", "start": 0.0, "end": 2.5},
            {"speaker": "agent", "text": "I can see that; I'll refund it now.", "start": 2.5},
            {"speaker": "customer", "text": "NA", "start": 6.0, "end": 7.0},
        ],
    },
    {
        "id": "8",
        "queue": "tech, level 2",
        "csat": None,
        "turns": [
            {"speaker": "agent", "text": 'Hello, "tech" here.', "start": None, "end": None},
            {"speaker": "customer", "text": "Line one\nline two", "start": None, "end": None},
        ],
    },
]


def long_rows(records: list[dict], *, reverse_turns: bool = False) -> pd.DataFrame:
    rows = []
    for record in records:
        indexed = list(enumerate(record["turns"]))
        for turn_index, turn in reversed(indexed) if reverse_turns else indexed:
            rows.append(
                {
                    "transcript_id": record["id"],
                    "turn_index": turn_index,
                    "speaker": turn["speaker"],
                    "text": turn["text"],
                    "start": turn.get("start"),
                    "end": turn.get("end"),
                    **{k: v for k, v in record.items() if k not in ("id", "turns")},
                }
            )
    return pd.DataFrame(rows)


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def as_compared(items) -> list[tuple]:
    return [(t.id, t.turns, dict(t.metadata)) for t in items]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_long_table_gives_the_same_transcripts_as_jsonl(tmp_path, kind):
    jsonl = write_lines(tmp_path / "calls.jsonl", [line(r) for r in RECORDS])
    frame = long_rows(RECORDS, reverse_turns=True)  # file order is not turn order
    table = write_table(frame, tmp_path / f"calls.{kind}")
    from_table = list(read_transcripts(table))
    assert all(isinstance(item, Transcript) for item in from_table)
    assert as_compared(from_table) == as_compared(read_transcripts(jsonl))
    assert from_table[0].source == f"{table}:row 1"
    assert from_table[1].source == f"{table}:row 4"


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_table_metadata_is_plain_python(tmp_path, kind):
    frame = long_rows(RECORDS)
    frame["score"] = [0.5, 0.5, 0.5, float("nan"), float("nan")]
    frame["escalated"] = [True, True, True, False, False]
    table = write_table(frame, tmp_path / f"calls.{kind}")
    transcripts = list(read_transcripts(table))
    for transcript in transcripts:
        for value in transcript.metadata.values():
            assert value is None or type(value) in (int, float, str, bool)
        json.dumps(dict(transcript.metadata))  # serialises
    assert transcripts[1].metadata["score"] is None
    assert transcripts[1].metadata["csat"] is None
    assert transcripts[0].metadata["escalated"] is True


def test_csv_ids_stay_strings(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "transcript_id,turn_index,speaker,text,account\n"
        "007,0,agent,Hello,00123\n007,1,customer,Hi,00123\n"
        "1e3,0,agent,Hello,\n"
    )
    transcripts = list(read_transcripts(path))
    assert [t.id for t in transcripts] == ["007", "1e3"]
    assert transcripts[0].turns[1] == Turn("customer", "Hi")


def test_table_rows_out_of_order_within_a_transcript_are_sorted(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "transcript_id,turn_index,speaker,text\na,2,agent,third\na,0,customer,first\na,1,agent,second\n"
    )
    [item] = read_transcripts(path)
    assert [t.text for t in item.turns] == ["first", "second", "third"]


def test_non_contiguous_table_rows_are_rejected(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text(
        "transcript_id,turn_index,speaker,text\n"
        "a,0,customer,hi\na,1,agent,hello\n"
        "b,0,agent,welcome\n"
        "a,2,agent,anything else?\n"
    )
    items = list(read_transcripts(path))
    assert [type(item) for item in items] == [Transcript, Transcript, Reject]
    reject = items[2]
    assert reject.record_id == "a"
    assert reject.source == f"{path}:row 4"
    assert "Sort the table by transcript_id, turn_index" in reject.reason
    assert f"{path}:row 1" in reject.reason


TABLE_BAD_GROUPS = [
    ("missing-text", "x,0,agent,\nx,1,customer,hi\n", "text"),
    ("non-integer-turn-index", "x,zero,agent,hi\n", "turn_index"),
    ("fractional-turn-index", "x,1.5,agent,hi\n", "turn_index"),
    ("duplicate-turn-index", "x,0,agent,hi\nx,0,customer,hello\n", "turn_index"),
    ("unknown-speaker", "x,0,agent,hi\nx,1,robot,beep\n", "turns[1].speaker"),
    ("no-agent-turn", "x,0,customer,hi\nx,1,customer,hello?\n", "turns"),
    ("missing-id", ",0,agent,hi\n", "transcript_id"),
]


@pytest.mark.parametrize(
    ("rows", "field"),
    [case[1:] for case in TABLE_BAD_GROUPS],
    ids=[case[0] for case in TABLE_BAD_GROUPS],
)
def test_bad_table_transcript_gives_one_reject(tmp_path, rows, field):
    path = tmp_path / "calls.csv"
    path.write_text(
        "transcript_id,turn_index,speaker,text\nbefore,0,agent,hello\n" + rows + "after,0,agent,bye\n"
    )
    items = list(read_transcripts(path))
    assert [type(item) for item in items] == [Transcript, Reject, Transcript]
    assert items[1].field == field
    assert items[1].source == f"{path}:row 2"


def test_integral_float_turn_index_is_accepted(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("transcript_id,turn_index,speaker,text\nx,1.0,agent,b\nx,0.0,customer,a\n")
    [item] = read_transcripts(path)
    assert [t.text for t in item.turns] == ["a", "b"]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_table_groups_survive_chunk_boundaries(tmp_path, kind):
    records = [
        {"id": f"t{i}", "turns": GOOD_TURNS + [{"speaker": "customer", "text": f"thanks {i}"}]}
        for i in range(5)
    ]
    table = write_table(long_rows(records), tmp_path / f"calls.{kind}")
    whole = as_compared(read_table(table))
    assert len(whole) == 5
    for chunksize in (1, 2, 4):
        assert as_compared(read_table(table, chunksize=chunksize)) == whole


def test_parquet_without_required_column_is_an_input_error(tmp_path):
    path = tmp_path / "turns.parquet"
    pd.DataFrame({"transcript_id": ["a"], "speaker": ["agent"], "text": ["hi"]}).to_parquet(path)
    with pytest.raises(InputError, match="turn_index") as info:
        read_transcripts(path)
    assert str(path) in str(info.value)


# --- rejects file ------------------------------------------------------------------------

REJECTS = [
    Reject(source="a.jsonl:line 2", reason="Got no 'turns'", record_id="x", field="turns"),
    Reject(source="a.jsonl:line 5", reason="Got malformed JSON (…)"),
]


def test_reject_writer_is_atomic_and_round_trips(tmp_path):
    path = tmp_path / "out" / "rejects.jsonl"
    with RejectWriter(path) as writer:
        for reject in REJECTS:
            writer.write(reject)
        assert not path.exists()  # only the temporary file while writing
    assert writer.count == len(REJECTS)
    assert not writer.tmp_path.exists()
    frame = read_rejects(path)
    assert list(frame.columns) == ["source", "record_id", "field", "reason"]
    assert frame.to_dict(orient="records") == [r.to_dict() for r in REJECTS]


def test_reject_writer_keeps_what_was_written_when_the_run_fails(tmp_path):
    path = tmp_path / "rejects.jsonl"
    with pytest.raises(RuntimeError, match="scorer crashed"):
        with RejectWriter(path) as writer:
            writer.write(REJECTS[0])
            raise RuntimeError("scorer crashed")
    assert read_rejects(path)["source"].tolist() == [REJECTS[0].source]


def test_reject_writer_replaces_an_older_file(tmp_path):
    path = tmp_path / "rejects.jsonl"
    with RejectWriter(path) as writer:
        writer.write(REJECTS[0])
    with RejectWriter(path):
        pass
    frame = read_rejects(path)
    assert frame.empty
    assert list(frame.columns) == ["source", "record_id", "field", "reason"]


def test_reject_writer_refuses_misuse(tmp_path):
    writer = RejectWriter(tmp_path / "rejects.jsonl")
    with pytest.raises(ValueError, match="closed"):
        writer.write(REJECTS[0])
    with writer, pytest.raises(TypeError, match="Reject"):
        writer.write({"source": "x", "reason": "y"})


def test_rejects_from_a_read_round_trip(tmp_path):
    source = write_lines(tmp_path / "calls.jsonl", [line(good()), "{oops", line({"id": "n"})])
    path = tmp_path / "rejects.jsonl"
    with RejectWriter(path) as writer:
        for item in read_transcripts(source):
            if isinstance(item, Reject):
                writer.write(item)
    frame = read_rejects(path)
    assert frame["source"].tolist() == [f"{source}:line 2", f"{source}:line 3"]
    assert frame["field"].tolist() == [None, "turns"]


# --- AB-ReDial -----------------------------------------------------------------------------

ABREDIAL_HEADER = (
    "ConvId,utterance0,utterance1,utterance2,understanding,task-completion,"
    "interest-arousal,efficiency,dialogue-overall,justification-text\n"
)


def test_abredial_cells_and_repeated_ids(tmp_path):
    path = tmp_path / "annotated_dialogues.csv"
    one = 'K1,"SYSTEM\tHi, what do you like?",USER\tHorror,'
    other = "K1,USER \u2003 Any comedies?,SYSTEM \u2003 Try Airplane!,,"
    path.write_text(
        ABREDIAL_HEADER
        + one + "SYSTEM\tTry Alien,3.0,3.0,2.0,1.0,5.0,good\n"
        + one + "SYSTEM\tTry Alien,2.0,2.0,,0.0,4.0,ok\n"
        + other + "3.0,1.0,1.0,1.0,2.0,meh\n"
        + "K2,SYSTEM\tHello,USER\tHi,,1.0,1.0,1.0,1.0,1.0,\n"
    )  # fmt: skip
    transcripts = list(read_abredial(path))
    assert [t.id for t in transcripts] == ["K1-1", "K1-2", "K2"]
    assert [t.speaker for t in transcripts[0].turns] == ["agent", "customer", "agent"]
    assert transcripts[0].turns[0].text == "Hi, what do you like?"
    assert [t.text for t in transcripts[1].turns] == ["Any comedies?", "Try Airplane!"]
    assert dict(transcripts[0].metadata) == {"dataset": "ab-redial", "conv_id": "K1", "n_raters": 2}
    labels = abredial_labels(path)
    assert labels["transcript_id"].tolist() == ["K1-1", "K1-1", "K1-2", "K2"]
    assert labels["rater"].tolist() == [0, 1, 0, 0]
    assert math.isnan(labels.loc[1, "interest_arousal"])
    assert labels.loc[2, "task_completion"] == 1.0
    assert as_compared(read_transcripts(path)) == as_compared(transcripts)  # auto-detected


def test_abredial_bad_cell_is_rejected(tmp_path):
    path = tmp_path / "annotated_dialogues.csv"
    path.write_text(ABREDIAL_HEADER + "K3,SYSTEM\tHi,BOT: hello,,1.0,1.0,1.0,1.0,1.0,\n")
    [reject] = read_abredial(path)
    assert isinstance(reject, Reject)
    assert reject.field == "utterance1"


@pytest.mark.shared_data
def test_abredial_public_file(shared_data):
    path = shared_data / "ab-redial" / "annotated_dialogues.csv"
    items = list(read_transcripts(path))
    transcripts, rejects = split(items)
    assert rejects == []
    # 195 ConvIds, five of which label two different dialogues each (see abredial.py).
    assert len({t.metadata["conv_id"] for t in transcripts}) == 195
    assert len(transcripts) == 200
    assert len({t.id for t in transcripts}) == 200
    assert all(t.turns[0].text and not t.turns[0].text.startswith(("SYSTEM", "USER"))
               for t in transcripts)  # fmt: skip
    labels = abredial_labels(path)
    assert len(labels) == 640
    per_dialogue = labels.groupby("transcript_id").size()
    assert set(per_dialogue.index) == {t.id for t in transcripts}
    assert per_dialogue.min() >= 3
    assert {t.id: t.metadata["n_raters"] for t in transcripts} == per_dialogue.to_dict()
    assert labels["dialogue_overall"].dropna().between(1, 5).all()
    assert labels["efficiency"].dropna().isin([0.0, 1.0]).all()


def test_nul_characters_are_removed_from_turn_text_in_every_format(tmp_path):
    text = "Why is my bill higher this month?"
    nul = "Why is my bill \u0000higher this month?\u0000"
    lines = tmp_path / "calls.jsonl"
    record = {"id": "a", "turns": [{"speaker": "customer", "text": nul}, {"speaker": "agent", "text": "ok"}]}
    lines.write_text(json.dumps(record) + "\n", encoding="utf-8")
    table = tmp_path / "calls.csv"
    rows = [("a", 0, "customer", nul), ("a", 1, "agent", "ok")]
    pd.DataFrame(rows, columns=["transcript_id", "turn_index", "speaker", "text"]).to_csv(table, index=False)
    for got in (next(read_jsonl(lines)), next(read_table(table))):
        assert isinstance(got, Transcript), got
        assert got.turns[0].text == text


@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_csv_separated_by_another_character_says_so(tmp_path, separator):
    path = tmp_path / "calls.csv"
    rows = [["transcript_id", "turn_index", "speaker", "text"], ["a", "0", "customer", "hi"]]
    path.write_text("".join(separator.join(row) + "\n" for row in rows), encoding="utf-8")
    with pytest.raises(InputError, match="separated by (semicolons|tabs), not commas"):
        list(read_transcripts(path))


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_refused_once(tmp_path, encoding):
    path = tmp_path / "calls.jsonl"
    record = {"id": "a", "turns": [{"speaker": "customer", "text": "hi"}, {"speaker": "agent", "text": "ok"}]}
    path.write_text((json.dumps(record) + "\n") * 3, encoding=encoding)
    with pytest.raises(InputError, match="UTF-16.*Re-export the file as UTF-8"):
        read_transcripts(path)


@pytest.mark.parametrize("label", ["AGENT\u200b", "\ufeffagent", "Ａｇｅｎｔ", " Agent\u2060 "])
def test_speaker_labels_with_invisible_or_full_width_characters_are_read(label):
    from cxnlp.model import normalise_speaker

    assert normalise_speaker(label) == "agent"


def test_an_unknown_speaker_with_invisible_characters_is_still_rejected_by_name():
    from cxnlp.model import normalise_speaker

    with pytest.raises(ValueError, match="unknown speaker"):
        normalise_speaker("bob\u200b")
