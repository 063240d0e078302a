# ruff: noqa: F811 - the tiny and tmp fixtures are imported from test_hostile_input
"""Hostile input against ``cxnlp batch`` and its result store (issue #11, items 3 and 4).

The same contract as ``test_hostile_input.py``, whose tiny scorer and hostile files these
tests reuse: exit 0 (or 2 with one line), no traceback on stderr or in the log, every input
byte-for-byte unchanged, every good record committed, every bad one in the run's rejects
with its transcript, field and reason, and a rerun that scores nothing new. Then the store
itself under abuse: metadata whose type changes inside a part (the poison pill), stray and
killed runs under another configuration, damaged parts and manifests, a read-only store and
a full disk.
"""

from __future__ import annotations

import builtins
import errno
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_hostile_input import (  # noqa: F401 - tiny and tmp are fixtures used here
    CASES,
    _digests,
    _invoke,
    _jsonl,
    _line,
    _record,
    tiny,
    tmp,
)

import cxnlp.scoring
from cxnlp.batch.nightly import run_batch
from cxnlp.batch.schema import infer_kinds
from cxnlp.batch.store import ResultStore, latest_results, list_runs, read_run_rejects, read_store

REPO = Path(__file__).resolve().parents[1]
SUMMARY = re.compile(r"scored (\d+), skipped (\d+), rejected (\d+) of (\d+) records")


# --------------------------------------------------------------------------- helpers


def _batch(inputs: list[Path], store: Path, caplog: pytest.LogCaptureFixture, *args: str) -> Any:
    return _invoke(["batch", *map(str, inputs), "--store", str(store), *args], caplog)


def _counts(result: Any) -> tuple[int, int, int, int]:
    """(scored, skipped, rejected, read) from the summary line; read always adds up."""
    found = SUMMARY.search(result.stdout)
    assert found, result.output
    scored, skipped, rejected, read = map(int, found.groups())
    assert scored + skipped + rejected == read
    return scored, skipped, rejected, read


def _one_line_refusal(result: Any, message: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: Got ") and message in lines[0], lines


def _run_rejects(store: Path) -> list[dict[str, Any]]:
    frame = read_run_rejects(store)
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _calls(folder: Path, metas: list[dict[str, Any]], name: str = "calls.jsonl", prefix: str = "c") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return _jsonl(folder / name, [_line(_record(f"{prefix}{i:02d}", **m)) for i, m in enumerate(metas)])


def _brand(tmp: Path) -> Path:
    """A valid brand profile other than the default: another configuration id."""
    text = (REPO / "cxnlp" / "resources" / "default_brand.yaml").read_text(encoding="utf-8")
    path = tmp / "acme.yaml"
    path.write_text(text.replace("name: Default contact centre", "name: Acme"), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- 1. hostile files


@pytest.mark.parametrize("make", CASES, ids=[c.__name__ for c in CASES])
def test_batch_commits_good_records_and_rejects_each_hostile_one(tmp, tiny, caplog, make):
    inputs, case = make(tmp / "in")
    before = _digests(tmp / "in")
    store = tmp / "store"
    result = _batch(inputs, store, caplog, *case.args)
    assert result.exit_code == 0, result.output
    assert _digests(tmp / "in") == before
    scored_ids = list(latest_results(store)["transcript_id"])
    if case.exact:
        assert sorted(scored_ids) == sorted(case.good)
    else:
        assert set(case.good) <= set(scored_ids)
    rejects = _run_rejects(store)
    assert _counts(result)[:3] == (len(scored_ids), 0, len(rejects))
    for expected in case.rejects:
        assert [
            r
            for r in rejects
            if expected["source"] in r["source"]
            and r["record_id"] == expected["record_id"]
            and r["field"] == expected["field"]
            and expected["reason"] in r["reason"]
        ], f"no reject like {expected} in {rejects}"
    if case.exact:
        assert len(rejects) == len(case.rejects), rejects

    again = _batch(inputs, store, caplog, *case.args)  # idempotent: nothing new to score
    assert again.exit_code == 0, again.output
    assert _counts(again)[:3] == (0, len(scored_ids), len(rejects))
    assert len(read_store(store)) == len(scored_ids)
    assert _digests(tmp / "in") == before


# --------------------------------------------------------------------------- 2. poison pill

STRINGS = [{"agent_id": f"a{i % 4}"} for i in range(40)]
INTS = [{"agent_id": 100 + i} for i in range(40)]


def _with(metas: list[dict[str, Any]], index: int, **meta: Any) -> list[dict[str, Any]]:
    return [{**m, **meta} if i == index else m for i, m in enumerate(metas)]


# (metadata of 40 records, the kind agent_id/flag is kept as, {id: stored value}, {id: reason})
POISON: dict[str, tuple[list[dict[str, Any]], str, dict[str, Any], dict[str, str]]] = {
    "int_among_strings": (_with(STRINGS, 17, agent_id=1234), "string", {"c17": "1234"}, {}),
    "string_among_ints": (_with(INTS, 17, agent_id="A7"), "integer", {"c03": 103}, {"c17": "the text 'A7'"}),
    "float_among_strings": (_with(STRINGS, 5, agent_id=4.5), "string", {"c05": "4.5"}, {}),
    "string_among_floats": (
        _with([{"agent_id": i + 0.5} for i in range(40)], 9, agent_id="n/a"),
        "float",
        {"c01": 1.5},
        {"c09": "the text 'n/a'"},
    ),
    "bool_among_strings": (_with(STRINGS, 30, agent_id=True), "string", {"c30": "true"}, {}),
    "string_among_bools": (
        _with([{"agent_id": i % 2 == 0} for i in range(40)], 30, agent_id="yes"),
        "boolean",
        {"c02": True},
        {"c30": "the text 'yes'"},
    ),
    "bool_among_ints": (_with(INTS, 4, agent_id=False), "integer", {}, {"c04": "the boolean false"}),
    "int_2_70_among_ints": (_with(INTS, 39, agent_id=2**70), "integer", {}, {"c39": "64-bit range"}),
    "int_2_70_among_strings": (_with(STRINGS, 0, agent_id=2**70), "string", {"c00": str(2**70)}, {}),
    "float_among_ints": (_with(INTS, 8, agent_id=7.0), "float", {"c08": 7.0, "c03": 103.0}, {}),
    "nested_among_strings": (_with(STRINGS, 2, agent_id={"x": 1}), "string", {"c02": '{"x": 1}'}, {}),
    "nulls_among_ints": (_with(INTS, 6, agent_id=None), "integer", {"c05": 105}, {}),
}


@pytest.mark.parametrize("name", list(POISON))
def test_poison_pill_metadata_is_conformed_or_rejected_and_the_rest_committed(tmp, tiny, caplog, name):
    metas, kind, stored, bad = POISON[name]
    src = _calls(tmp / "in", metas)
    before = _digests(tmp / "in")
    store = tmp / "store"
    result = _batch([src], store, caplog, "--commit-every", "64")
    assert result.exit_code == 0, result.output
    assert _counts(result)[:3] == (40 - len(bad), 0, len(bad))
    assert _digests(tmp / "in") == before
    assert json.loads((store / "schema.json").read_text())["columns"]["agent_id"] == kind
    table = latest_results(store).set_index("transcript_id")
    assert len(table) == 40 - len(bad) and set(bad).isdisjoint(table.index)
    for tid, value in stored.items():
        assert table.loc[tid, "agent_id"] == value, (tid, table.loc[tid, "agent_id"])
    rejects = {r["record_id"]: r for r in _run_rejects(store)}
    assert set(rejects) == set(bad)
    for tid, words in bad.items():
        reject = rejects[tid]
        assert reject["field"] == "agent_id" and words in reject["reason"]
        assert f"keeps 'agent_id' as {kind}" in reject["reason"] and "\n" not in reject["reason"]
        assert reject["source"].startswith(str(src)) and ":line " in reject["source"]
    again = _batch([src], store, caplog, "--commit-every", "64")  # the same verdicts, nothing new
    assert _counts(again)[:3] == (0, 40 - len(bad), len(bad))
    assert len(read_store(store)) == 40 - len(bad)


def test_poison_pill_in_a_later_part_spares_the_parts_around_it(tmp, tiny, caplog):
    src = _calls(tmp / "in", _with(INTS, 25, agent_id="A7"))
    store = tmp / "store"
    result = _batch([src], store, caplog, "--commit-every", "8", "--batch-size", "8")
    assert _counts(result)[:3] == (39, 0, 1)
    assert len(list((store / "results").rglob("part-*.parquet"))) == 5
    assert sorted(latest_results(store)["transcript_id"]) == [f"c{i:02d}" for i in range(40) if i != 25]


def test_lone_surrogate_in_metadata_is_rejected_with_its_field(tmp, tiny, caplog):
    good = [_line(_record(f"c{i}")) for i in range(3)]
    bad = _line(_record("sur")).replace(b'"team": "North"', b'"team": "No\\ud800rth"')
    src = _jsonl(tmp / "in" / "calls.jsonl", [good[0], bad, good[1], good[2]])
    result = _batch([src], tmp / "store", caplog)
    assert _counts(result)[:3] == (3, 0, 1)
    (reject,) = _run_rejects(tmp / "store")
    assert (reject["record_id"], reject["field"]) == ("sur", "team") and "surrogate" in reject["reason"]


def test_later_runs_keep_the_store_schema(tmp, tiny, caplog):
    store = tmp / "store"
    night1 = _calls(tmp / "in", STRINGS[:10], "night1.jsonl")
    assert _batch([night1], store, caplog).exit_code == 0
    # Night 2: the export now writes agent ids as numbers, and adds an integer column.
    night2 = tmp / "in" / "night2.jsonl"
    _jsonl(night2, [_line(_record(f"n{i}", agent_id=i, queue=i)) for i in range(5)])
    result = _batch([night1, night2], store, caplog)
    assert _counts(result)[:3] == (5, 10, 0)
    kinds = json.loads((store / "schema.json").read_text())["columns"]
    assert (kinds["agent_id"], kinds["queue"]) == ("string", "integer")
    # Night 3: the new column turns to text: rejected against the kind night 2 gave it.
    # An integral float fits the integer column as it is.
    night3 = tmp / "in" / "night3.jsonl"
    _jsonl(
        night3,
        [_line(_record(t, queue=q)) for t, q in (("m0", "billing"), ("m1", 9.0), ("m2", 2.5))],
    )
    result = _batch([night1, night2, night3], store, caplog)
    assert _counts(result)[:3] == (1, 15, 2)
    rejects = _run_rejects(store)
    assert [(r["record_id"], r["field"]) for r in rejects] == [("m0", "queue"), ("m2", "queue")]
    assert "the text 'billing'" in rejects[0]["reason"] and "the float 2.5" in rejects[1]["reason"]
    table = latest_results(store).set_index("transcript_id")
    assert table.loc["n3", "agent_id"] == "3"
    assert table["queue"].dropna().tolist() == [9, 0, 1, 2, 3, 4]
    assert str(read_store(store, columns=["queue"])["queue"].dtype) in ("Int64", "float64", "int64")


def test_declared_schema_wins_over_inference_and_conflicts_are_refused(tmp, tiny, caplog):
    src = _calls(tmp / "in", INTS[:6])
    declared = tmp / "schema.json"
    declared.write_text(json.dumps({"agent_id": "string", "csat": "float"}))
    store = tmp / "store"
    assert _batch([src], store, caplog, "--schema", str(declared)).exit_code == 0
    assert latest_results(store)["agent_id"].tolist() == [str(100 + i) for i in range(6)]
    kinds = json.loads((store / "schema.json").read_text())["columns"]
    assert (kinds["agent_id"], kinds["csat"]) == ("string", "float")

    before = _digests(store)
    declared.write_text(json.dumps({"agent_id": "integer"}))
    _one_line_refusal(_batch([src], store, caplog, "--schema", str(declared)), "keeps it as")
    for bad, message in (
        ('{"agent_id": "text"}', "of kind 'text'"),
        ("[1, 2]", "type list"),
        ("{not json", "cannot be read as JSON"),
    ):
        declared.write_text(bad)
        _one_line_refusal(_batch([src], store, caplog, "--schema", str(declared)), message)
    assert _digests(store) == before  # every refusal came before anything was written
    kept = (store / "schema.json").read_bytes()
    (store / "schema.json").write_text('{"columns": {"agent_id": "text"}}')
    _one_line_refusal(_batch([src], store, caplog), "schema.json")
    (store / "schema.json").write_bytes(kept)
    assert _digests(store) == before


def test_store_api_conforms_rows_and_write_part_refuses_misfits(tmp):
    store = ResultStore(tmp / "store").init()
    rows = [{"transcript_id": f"t{i}", "content_hash": "h", "agent_id": f"a{i}"} for i in range(5)]
    rows[2]["agent_id"] = 1234
    rows[3]["agent_id"] = "a\ud800"
    kept, misfits = store.conform(rows)
    assert [r["agent_id"] for r in kept] == ["a0", "a1", "1234", "a4"]
    assert [(m.transcript_id, m.column) for m in misfits] == [("t3", "agent_id")]
    store.write_part(kept, run_id="20250101T000000000000Z-aaaaaa", n=0, config_id="c")
    with pytest.raises(ValueError, match="surrogate"):
        store.write_part(rows, run_id="20250101T000000000000Z-aaaaaa", n=1, config_id="c")
    assert len(read_store(store)) == 4
    assert infer_kinds([{"x": 1}, {"x": "a"}], ["x"]) == {"x": "string"}  # a tie goes wide


# --------------------------------------------------------------------------- 3. runs and parts


@pytest.fixture
def two_configs(tmp, tiny, caplog, monkeypatch):
    """A store whose 6 calls were scored under the default profile, then a run under
    another profile that failed after its first part of 2 (a stray run)."""
    src = _calls(tmp / "in", STRINGS[:6])
    store = tmp / "store"
    assert _batch([src], store, caplog).exit_code == 0
    real = ResultStore.write_part
    calls = {"n": 0}

    def fail_second(self, rows, **kw):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("worker lost")
        return real(self, rows, **kw)

    with monkeypatch.context() as patch:
        patch.setattr(ResultStore, "write_part", fail_second)
        with pytest.raises(RuntimeError, match="worker lost"):
            # The configuration id is the scorer's own: another one (here other composite
            # weights, as the tiny test scorer ignores a profile) makes a stray run.
            other = cxnlp.scoring.Scorer(batch_size=2)
            other.weights = other.weights.model_copy(update={"brand_congruence": 0.5})
            run_batch([src], store, scorer=other, brand=_brand(tmp), commit_every=2)
    return src, store


def test_a_failed_run_is_marked_failed_and_does_not_hide_the_store(two_configs, caplog):
    src, store = two_configs
    runs = list_runs(store)
    assert runs["status"].tolist() == ["complete", "failed"]
    assert "worker lost" in runs["error"].iloc[1]
    assert runs["config_id"].nunique() == 2
    caplog.clear()
    assert len(latest_results(store)) == 6  # the complete configuration, not the stray's 2
    assert "did not complete" in caplog.text and "--config" in caplog.text
    stray = runs["config_id"].iloc[1]
    assert len(latest_results(store, config_id=stray)) == 2


def test_readers_take_the_newest_completed_config_or_the_one_named(two_configs, caplog):
    src, store = two_configs
    stray = list_runs(store)["config_id"].iloc[1]
    result = _invoke(["show", str(store)], caplog)
    assert result.exit_code == 0 and "6 transcripts in" in result.stdout
    result = _invoke(["show", str(store), "--config", stray], caplog)
    assert result.exit_code == 0 and "2 transcripts in" in result.stdout
    _one_line_refusal(_invoke(["show", str(store), "--config", "nope"], caplog), "which no run")
    from cxnlp.report import load_scores  # what report and analyze read a store with

    assert len(load_scores(store)) == 6 and len(load_scores(store, config_id=stray)) == 2
    _one_line_refusal(_invoke(["analyze", "drift", str(store), "--config", "nope"], caplog), "which no run")
    # A killed run (SIGKILL leaves it "running") is not shown either, and batch still runs.
    manifest = store / "manifest" / f"{list_runs(store)['run_id'].iloc[1]}.json"
    payload = json.loads(manifest.read_text())
    manifest.write_text(json.dumps({**payload, "status": "running"}))
    assert len(latest_results(store)) == 6
    result = _batch([src], store, caplog)
    assert _counts(result)[:3] == (0, 6, 0)
    assert list_runs(store)["status"].tolist() == ["complete", "failed", "complete"]


def test_the_real_cli_warns_about_newer_incomplete_runs(two_configs):
    _, store = two_configs
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "cxnlp.cli", "show", str(store)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "6 transcripts in" in done.stdout
    assert "1 newer run(s)" in done.stderr and "failed" in done.stderr


def test_a_failure_before_scoring_still_marks_the_run_failed(tmp, tiny, monkeypatch):
    src = _calls(tmp / "in", STRINGS[:3])

    def broken(self, config_id):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(ResultStore, "latest_hashes", broken)
    with pytest.raises(OSError):
        run_batch([src], tmp / "store", scorer=cxnlp.scoring.Scorer())
    runs = list_runs(tmp / "store")
    assert runs["status"].tolist() == ["failed"] and "Input/output" in runs["error"].iloc[0]


def _damage_truncate(part: Path) -> None:
    part.write_bytes(part.read_bytes()[: part.stat().st_size // 2])


def _damage_garbage(part: Path) -> None:
    part.write_bytes(b"PAR1 not really parquet PAR1")


def _damage_empty(part: Path) -> None:
    part.write_bytes(b"")


def _damage_foreign_table(part: Path) -> None:
    pd.DataFrame({"x": [1, 2]}).to_parquet(part)


@pytest.mark.parametrize("damage", [_damage_truncate, _damage_garbage, _damage_empty, _damage_foreign_table])
def test_a_damaged_part_is_quarantined_and_its_transcripts_scored_again(tmp, tiny, caplog, damage):
    src = _calls(tmp / "in", STRINGS[:6])
    store = tmp / "store"
    assert _batch([src], store, caplog, "--commit-every", "2", "--batch-size", "2").exit_code == 0
    part = sorted((store / "results").rglob("part-*.parquet"))[1]
    lost = set(pd.read_parquet(part)["transcript_id"])
    damage(part)
    damaged = part.read_bytes()
    caplog.clear()
    assert _invoke(["runs", str(store)], caplog).exit_code == 0
    result = _invoke(["show", str(store)], caplog)
    assert result.exit_code == 0 and "4 transcripts in" in result.stdout
    assert "moved damaged part" in caplog.text
    moved = store / "quarantine" / part.relative_to(store)
    assert not part.exists() and moved.read_bytes() == damaged  # moved aside, never deleted
    result = _batch([src], store, caplog)
    assert _counts(result)[:3] == (len(lost), 4, 0)
    assert sorted(latest_results(store)["transcript_id"]) == [f"c{i:02d}" for i in range(6)]


MALFORMED_MANIFESTS: dict[str, bytes] = {
    "list": b"[1, 2]",
    "string": b'"complete"',
    "no-run-id": b'{"status": "complete", "config_id": "c"}',
    "truncated": b'{"run_id": "trunc", "status": "comp',
    "not-utf8": b'{"run_id": "\xff"}',
    "deep": b"[" * 100_000 + b"]" * 100_000,
    "renamed": b'{"run_id": "20990101T000000000000Z-ffffff", "status": "running", "config_id": "c"}',
    "bad-status": b'{"run_id": "bad-status", "status": "done"}',
    "bad-fields": b'{"run_id": "bad-fields", "status": "complete", "counts": [1], "parts": 3}',
}


def test_malformed_manifests_are_skipped_with_a_warning(tmp, tiny, caplog):
    src = _calls(tmp / "in", STRINGS[:4])
    store = tmp / "store"
    assert _batch([src], store, caplog).exit_code == 0
    for name, blob in MALFORMED_MANIFESTS.items():
        (store / "manifest" / f"{name}.json").write_bytes(blob)
    caplog.clear()
    assert _invoke(["runs", str(store)], caplog).exit_code == 0
    assert caplog.text.count("skipping manifest") == len(MALFORMED_MANIFESTS) - 1  # bad-fields is a run
    assert ResultStore(store).recover() == []
    result = _batch([src], store, caplog)
    assert _counts(result)[:3] == (0, 4, 0)
    assert _invoke(["show", str(store)], caplog).exit_code == 0
    for name, blob in MALFORMED_MANIFESTS.items():  # left as they were
        assert (store / "manifest" / f"{name}.json").read_bytes() == blob


# --------------------------------------------------------------------------- 4. disk trouble


def _refuse_writes_under(monkeypatch: pytest.MonkeyPatch, root: Path, error: int, after: int = 0) -> None:
    """Make every write under ``root`` fail with ``error`` once ``after`` writes went through."""
    root = root.resolve()
    real_open, real_os_open, real_replace, real_mkdir = builtins.open, os.open, os.replace, os.mkdir
    budget = {"left": after}

    def under(path: Any) -> bool:
        try:
            return Path(os.fsdecode(path)).resolve().is_relative_to(root)
        except (TypeError, ValueError):
            return False

    def check(path: Any) -> None:
        if under(path):
            if budget["left"] > 0:
                budget["left"] -= 1
                return
            raise OSError(error, os.strerror(error), os.fsdecode(path))

    def fake_open(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            check(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            check(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_replace(src, dst, *args, **kwargs):
        if under(dst) and error == errno.EROFS:
            raise OSError(error, os.strerror(error), os.fsdecode(dst))
        return real_replace(src, dst, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if under(path) and error == errno.EROFS and not os.path.isdir(path):
            raise OSError(error, os.strerror(error), os.fsdecode(path))
        return real_mkdir(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "replace", fake_replace)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)


def test_a_read_only_store_is_refused_in_one_line_and_still_readable(tmp, tiny, caplog):
    src = _calls(tmp / "in", STRINGS[:4])
    store = tmp / "store"
    assert _batch([src], store, caplog, "--commit-every", "2", "--batch-size", "2").exit_code == 0
    part = sorted((store / "results").rglob("part-*.parquet"))[0]
    _damage_truncate(part)
    newer = _calls(tmp / "in", STRINGS[:6], "more.jsonl", prefix="m")
    before = _digests(store)
    inputs = _digests(tmp / "in")
    with pytest.MonkeyPatch.context() as read_only:
        _refuse_writes_under(read_only, store, errno.EROFS)
        result = _batch([src, newer], store, caplog)
        _one_line_refusal(result, "cannot be written")
        assert "Read-only file system" in result.stderr
        caplog.clear()
        result = _invoke(["show", str(store)], caplog)  # readers need no write access
        assert result.exit_code == 0 and "2 transcripts in" in result.stdout
        assert "could not be moved to quarantine" in caplog.text
        assert _invoke(["runs", str(store)], caplog).exit_code == 0
    assert _digests(store) == before and _digests(tmp / "in") == inputs


@pytest.mark.parametrize("after", [0, 3, 6])
def test_a_full_disk_stops_in_one_line_and_the_rerun_completes(tmp, tiny, caplog, after):
    src = _calls(tmp / "in", STRINGS[:4])
    store = tmp / "store"
    assert _batch([src], store, caplog).exit_code == 0
    more = _calls(tmp / "in", [{"agent_id": f"b{i}"} for i in range(8)], "more.jsonl", prefix="m")
    committed = {p: p.read_bytes() for p in (store / "results").rglob("part-*.parquet")}
    inputs = _digests(tmp / "in")
    with pytest.MonkeyPatch.context() as full_disk:
        _refuse_writes_under(full_disk, store, errno.ENOSPC, after=after)
        result = _batch([src, more], store, caplog, "--commit-every", "2", "--batch-size", "2")
        _one_line_refusal(result, "No space left on device")
    assert all(p.read_bytes() == blob for p, blob in committed.items())  # nothing lost
    assert not list(store.rglob("*.tmp")) and _digests(tmp / "in") == inputs
    assert all(s != "complete" for s in list_runs(store)["status"].tolist()[1:])
    result = _batch([src, more], store, caplog, "--commit-every", "2", "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert (
        len(latest_results(store)) == 12
        and not read_store(store).duplicated(["transcript_id", "content_hash", "config_id"]).any()
    )
    statuses = list_runs(store)["status"].tolist()
    assert statuses[0] == statuses[-1] == "complete" and set(statuses[1:-1]) <= {"failed"}
