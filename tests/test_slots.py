"""Conversation slots: which sentences sit where, their means, and the table column codec."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from cxnlp.slots import (
    SLOT_COLUMN,
    SLOTS,
    collapse_slot_columns,
    decode_slot_vectors,
    encode_slot_vectors,
    expand_slot_vectors,
    is_slot_column,
    sentence_slots,
    slot_column_positions,
    slot_columns,
    slot_means,
    slot_of_column,
)

C, A = "customer", "agent"


@pytest.mark.parametrize(
    ("turns", "speakers", "expected"),
    [
        # a chat: the customer writes first and last
        (
            [0, 1, 2, 3, 4],
            [C, A, C, A, C],
            [
                ("customer_opening",),
                ("agent_reply",),
                ("customer_followup",),
                ("agent_reply", "agent_closing"),
                ("customer_closing",),
            ],
        ),
        # a call: the agent greets first and closes; the customer's first turn still opens
        (
            [0, 1, 2, 3],
            [A, C, C, A],
            [
                ("agent_reply",),
                ("customer_opening",),
                ("customer_closing",),
                ("agent_reply", "agent_closing"),
            ],
        ),
        # two sentences of one turn share its slot; a lone customer turn only opens
        (
            [0, 0, 1],
            [C, C, A],
            [("customer_opening",), ("customer_opening",), ("agent_reply", "agent_closing")],
        ),
        ([], [], []),
    ],
)
def test_sentence_slots(turns, speakers, expected):
    assert sentence_slots(turns, speakers) == expected


def test_sentence_slots_refuses_mismatched_inputs():
    with pytest.raises(ValueError, match="one of each per sentence"):
        sentence_slots([0, 1], [C])


def _parsed(turn_speakers: list[tuple[int, str]], vectors: np.ndarray) -> SimpleNamespace:
    sentences = tuple(
        SimpleNamespace(index=i, turn_index=t, speaker=s) for i, (t, s) in enumerate(turn_speakers)
    )
    return SimpleNamespace(sentences=sentences, vectors=vectors)


def test_slot_means_average_the_right_sentences_and_leave_empty_slots_zero():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(4, 6)).astype(np.float32)
    parsed = _parsed([(0, C), (0, C), (1, A), (2, C)], vectors)
    means = slot_means(parsed)
    assert means.shape == (len(SLOTS), 6)
    row = dict(zip(SLOTS, means, strict=True))
    np.testing.assert_allclose(row["customer_opening"], vectors[:2].mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(row["customer_closing"], vectors[3], rtol=1e-6)
    np.testing.assert_allclose(row["agent_reply"], vectors[2], rtol=1e-6)
    np.testing.assert_allclose(row["agent_closing"], vectors[2], rtol=1e-6)
    assert not row["customer_followup"].any()


def test_codec_round_trips_within_float16_precision():
    rng = np.random.default_rng(1)
    matrix = rng.uniform(-0.3, 0.3, size=(len(SLOTS), 384))
    cell = encode_slot_vectors(matrix)
    assert isinstance(cell, str) and len(base64.b64decode(cell)) == len(SLOTS) * 384 * 2
    back = decode_slot_vectors(cell, dim=384)
    assert back.shape == (len(SLOTS), 384)
    np.testing.assert_allclose(back, matrix, atol=2e-4)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (None, "expected the encoded slot means"),
        ("", "expected the encoded slot means"),
        ("not base64!", "not base64"),
        (base64.b64encode(b"\x00" * 10).decode(), "of 10 bytes"),
    ],
)
def test_decode_names_the_record_and_the_problem(cell, message):
    with pytest.raises(ValueError, match=message) as info:
        decode_slot_vectors(cell, dim=384, record="T-17")
    assert "T-17" in str(info.value)


def test_encode_refuses_a_matrix_of_the_wrong_shape():
    with pytest.raises(ValueError, match="expected \\(5, dim\\)"):
        encode_slot_vectors(np.zeros((3, 384)))


def test_expand_gives_named_columns_on_the_table_index():
    rng = np.random.default_rng(2)
    mats = [rng.uniform(-1, 1, size=(len(SLOTS), 4)) for _ in range(3)]
    table = pd.DataFrame(
        {"transcript_id": ["a", "b", "c"], SLOT_COLUMN: [encode_slot_vectors(m) for m in mats]},
        index=[10, 11, 12],
    )
    wide = expand_slot_vectors(table)
    assert list(wide.index) == [10, 11, 12]
    assert list(wide.columns) == slot_columns(4)
    assert wide.columns[0] == "slot__customer_opening__0" and wide.columns[-1] == "slot__agent_closing__3"
    np.testing.assert_allclose(wide.loc[11].to_numpy(), mats[1].ravel(), atol=1e-3)
    assert all(is_slot_column(c) for c in wide.columns) and not is_slot_column("f_x")
    assert slot_of_column("slot__customer_followup__2") == "customer_followup"


def test_expand_refuses_a_table_without_the_column_or_with_a_bad_cell():
    with pytest.raises(ValueError, match="without column 'slot_vectors'"):
        expand_slot_vectors(pd.DataFrame({"transcript_id": ["a"]}))
    good = encode_slot_vectors(np.zeros((len(SLOTS), 4)))
    table = pd.DataFrame({"transcript_id": ["a", "b"], SLOT_COLUMN: [good, None]})
    with pytest.raises(ValueError, match="'b'"):
        expand_slot_vectors(table)
    # The first cell also fixes the width, so a bad first cell is named as well.
    for bad in ("%%%", None, base64.b64encode(b"\x00\x01").decode()):
        first_bad = pd.DataFrame({"transcript_id": ["x", "y"], SLOT_COLUMN: [bad, good]})
        with pytest.raises(ValueError, match="'x'"):
            expand_slot_vectors(first_bad)


def test_collapse_slot_columns_names_each_slot_once_after_the_plain_features():
    names = ["interaction_score", *slot_columns(3)[3:9], "f_x"]
    assert collapse_slot_columns(names) == [
        "interaction_score",
        "f_x",
        "slot_vectors[customer_followup]",
        "slot_vectors[customer_closing]",
    ]


def test_slot_column_positions_groups_each_slot_in_slot_order():
    names = ["f_x", *slot_columns(2)[6:8], "f_y", *slot_columns(2)[0:2]]
    assert slot_column_positions(names) == {"customer_opening": [4, 5], "agent_reply": [1, 2]}
    assert list(slot_column_positions(names)) == ["customer_opening", "agent_reply"]
    assert slot_column_positions(["f_x"]) == {}
