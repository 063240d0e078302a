"""The table writer: formats by extension, bounded chunks, atomic publication."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cxnlp.io import TableWriter, output_format, read_frame


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("s.parquet", "parquet"),
        ("s.pq", "parquet"),
        ("s.csv", "csv"),
        ("s.jsonl", "jsonl"),
        ("s", "parquet"),
        ("S.CSV", "csv"),
    ],
)
def test_output_format_by_extension(name, expected):
    assert output_format(name) == expected


def test_unknown_extension_names_the_file():
    with pytest.raises(ValueError, match=r"scores\.xlsx.*expected one of"):
        output_format("scores.xlsx")


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".jsonl"])
def test_rows_with_different_metadata_survive_chunking(tmp_path, suffix):
    rows = [{"transcript_id": f"{i:03d}", "score": float(i)} for i in range(7)]
    rows[2]["team"] = "North"  # a column only some records carry
    rows[5]["queue"] = 3  # ... and one whose type differs from another chunk's
    rows[6]["queue"] = "billing"
    path = tmp_path / f"out{suffix}"
    with TableWriter(path, chunk_rows=2) as writer:
        writer.write_many(rows)
    frame = read_frame(path)
    assert list(frame["transcript_id"]) == [r["transcript_id"] for r in rows]
    assert frame.loc[2, "team"] == "North"
    assert pd.isna(frame.loc[0, "team"])
    assert str(frame.loc[5, "queue"]) == "3" and frame.loc[6, "queue"] == "billing"
    assert math.isclose(frame["score"].sum(), sum(range(7)))
    assert not list(tmp_path.glob(".out*")), "temporary parts must be cleaned up"


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_table_without_rows_keeps_the_columns_it_was_given(tmp_path, suffix):
    import pyarrow as pa

    schema = pa.schema([("transcript_id", pa.string()), ("score", pa.float64())])
    with TableWriter(tmp_path / f"given{suffix}", empty_schema=schema):
        pass
    with TableWriter(tmp_path / f"bare{suffix}"):
        pass
    given = read_frame(tmp_path / f"given{suffix}")
    assert given.empty and list(given.columns) == ["transcript_id", "score"]
    assert (tmp_path / f"bare{suffix}").read_bytes()[:4] != b"tran"  # no header without a schema
    with TableWriter(tmp_path / f"rows{suffix}", empty_schema=schema) as writer:
        writer.write({"transcript_id": "a", "other": 1})
    assert list(read_frame(tmp_path / f"rows{suffix}").columns) == ["transcript_id", "other"]


def test_failed_run_leaves_previous_file_untouched(tmp_path):
    path = tmp_path / "out.parquet"
    with TableWriter(path) as writer:
        writer.write({"transcript_id": "a", "score": 1.0})
    with pytest.raises(RuntimeError, match="boom"), TableWriter(path, chunk_rows=1) as writer:
        writer.write({"transcript_id": "b", "score": 2.0})
        raise RuntimeError("boom")
    assert list(read_frame(path)["transcript_id"]) == ["a"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]
