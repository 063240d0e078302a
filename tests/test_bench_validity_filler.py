"""The validity benchmark's reading of filler edits: how much of the agent's speech an edit
inserted, so a small insertion is not read as a filler detector that missed."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bv():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        spec = importlib.util.spec_from_file_location("bench_validity", BENCHMARKS / "bench_validity.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_validity"] = module  # its dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCHMARKS))


CALL = {
    "turns": [
        {"speaker": "agent", "text": "Hello, how can I help?"},
        {"speaker": "customer", "text": "Where's my parcel?"},
        {"speaker": "agent", "text": "It's at the depot and goes out on Friday."},
    ]
}


def test_inserted_share_counts_only_the_words_added_to_agent_turns(bv):
    edit = {
        "kind": "filler",
        "replace": {"2": "Um, it's, like, at the depot and, you know, goes out on Friday."},
    }
    # um, like, you, know: 4 words inserted; the edited agent side has 5 + 13 words
    share = bv.inserted_agent_share(CALL, edit)
    assert share == pytest.approx(100 * 4 / (5 + 13))


def test_a_rewritten_word_counts_as_inserted_and_an_unchanged_call_as_nothing(bv):
    same = {"kind": "filler", "replace": {"2": CALL["turns"][2]["text"]}}
    assert bv.inserted_agent_share(CALL, same) == 0.0
    swapped = {"kind": "filler", "replace": {"2": "It's at the depot and basically goes out on Friday."}}
    assert bv.inserted_agent_share(CALL, swapped) == pytest.approx(100 * 1 / (5 + 10))


def test_filler_tracking_ratio_and_pass_rate_over_big_insertions(bv):
    rows = [
        {"kind": "filler", "inserted_share": 10.0, "deltas": {"filler_content": 9.0}, "passed": True},
        {"kind": "filler", "inserted_share": 4.0, "deltas": {"filler_content": 3.0}, "passed": False},
        {"kind": "filler", "inserted_share": 6.0, "deltas": {"filler_content": 3.0}, "passed": False},
        {"kind": "off_brand", "deltas": {"filler_content": 1.0}, "passed": True},
    ]
    tracking = bv.filler_tracking(rows)
    assert tracking["n"] == 3
    assert tracking["inserted_share_median"] == 6.0
    assert tracking["measured_per_inserted_median"] == 0.75
    assert tracking["n_inserting_min_move"] == 2
    assert tracking["pass_rate_inserting_min_move"] == 0.5
    assert bv.filler_tracking(rows[3:]) == {}
