"""Tests for the STC-3 (DCH-1) adapter: dialogues, quality labels and nuggets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cxnlp.ingest import InputError, read_stc3, read_transcripts, stc3_labels, stc3_nuggets, stc3_sample
from cxnlp.model import Reject, Transcript, Turn

QUALITY_RANGE = range(-2, 3)
NUGGETS = {"CNUG0", "CNUG", "CNUG*", "CNaN", "HNUG", "HNUG*", "HNaN"}


def dialogue(dialogue_id: str, *, raters: int = 2, sender: str = "helpdesk") -> dict:
    turns = [
        {"sender": "customer", "utterances": ["My bill is wrong.", " @Telecom "]},
        {"sender": sender, "utterances": ["Sorry! Please send your number."]},
        {"sender": "customer", "utterances": ["   "]},
    ]
    annotations = [
        {"quality": {"A": r - 1, "S": -r, "E": r}, "nugget": ["CNUG0", "HNUG", "CNaN"]} for r in range(raters)
    ]
    return {"id": dialogue_id, "turns": turns, "annotations": annotations}


def write_json(path: Path, value: object, *, indent: int | None = 2) -> Path:
    path.write_text(json.dumps(value, indent=indent), encoding="utf-8")
    return path


def test_dialogue_becomes_transcript(tmp_path):
    path = write_json(tmp_path / "train.json", [dialogue("d1", raters=3)])
    [item] = read_stc3(path)
    assert isinstance(item, Transcript)
    assert item.id == "d1"
    assert item.turns == (
        Turn("customer", "My bill is wrong. @Telecom"),
        Turn("agent", "Sorry! Please send your number."),
        Turn("customer", ""),  # kept, so turn positions match the nuggets
    )
    assert dict(item.metadata) == {"dataset": "stc3", "n_raters": 3}
    assert item.source == f"{path}:item 1"


@pytest.mark.parametrize("chunk_chars", [1, 7, 100, 65_536])
@pytest.mark.parametrize("indent", [None, 2])
def test_streaming_does_not_depend_on_chunking(tmp_path, chunk_chars, indent):
    dialogues = [dialogue(f"d{i}", raters=i % 3) for i in range(6)]
    path = write_json(tmp_path / "train.json", dialogues, indent=indent)
    items = list(read_stc3(path, chunk_chars=chunk_chars))
    assert [t.id for t in items] == [d["id"] for d in dialogues]
    assert [t.metadata["n_raters"] for t in items] == [i % 3 for i in range(6)]


def test_bad_dialogue_is_rejected_while_others_are_read(tmp_path):
    dialogues = [dialogue("d1"), dialogue("d2", sender="robot"), "not a dialogue", dialogue("d4")]
    path = write_json(tmp_path / "train.json", dialogues)
    items = list(read_stc3(path))
    assert [type(i) for i in items] == [Transcript, Reject, Reject, Transcript]
    assert items[1].field == "turns[1].speaker"
    assert items[1].record_id == "d2"
    assert items[2].source == f"{path}:item 3"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"id": "x"}', "does not start with"),
        ('[{"id": "a", "turns": []}', "cut off"),
        ('[{"id": "a", "turns": []}, {"id": ', "corrupt"),
        ('[{"id": "a", "turns": []},]', "corrupt"),
        ('[{"id": "a", "turns": []} {"id": "b"}]', "corrupt"),
    ],
    ids=["not-array", "unterminated", "truncated-item", "trailing-comma", "missing-comma"],
)
def test_broken_array_raises_input_error(tmp_path, text, fragment):
    path = tmp_path / "broken.json"
    path.write_text(text)
    with pytest.raises(InputError, match=fragment):
        list(read_stc3(path))


def test_empty_array_yields_nothing(tmp_path):
    path = write_json(tmp_path / "none.json", [])
    assert list(read_stc3(path)) == []
    assert list(read_transcripts(path)) == []


def test_labels_and_nuggets_long_form(tmp_path):
    path = write_json(tmp_path / "train.json", [dialogue("d1", raters=2), dialogue("d2", raters=1)])
    labels = stc3_labels(path)
    assert list(labels.columns) == ["transcript_id", "rater", "A", "S", "E"]
    assert labels.to_dict(orient="records") == [
        {"transcript_id": "d1", "rater": 0, "A": -1, "S": 0, "E": 0},
        {"transcript_id": "d1", "rater": 1, "A": 0, "S": -1, "E": 1},
        {"transcript_id": "d2", "rater": 0, "A": -1, "S": 0, "E": 0},
    ]
    nuggets = stc3_nuggets(path)
    assert list(nuggets.columns) == ["transcript_id", "rater", "turn_index", "sender", "nugget"]
    assert len(nuggets) == 3 * 3
    first = nuggets[(nuggets.transcript_id == "d1") & (nuggets.rater == 1)]
    assert first["sender"].tolist() == ["customer", "helpdesk", "customer"]
    assert first["nugget"].tolist() == ["CNUG0", "HNUG", "CNaN"]


def test_labels_of_unannotated_file_are_empty_frames_with_columns(tmp_path):
    path = write_json(tmp_path / "test.json", [{"id": "t", "turns": dialogue("t")["turns"]}])
    labels, nuggets = stc3_labels(path), stc3_nuggets(path)
    assert labels.empty and nuggets.empty
    assert list(labels.columns) == ["transcript_id", "rater", "A", "S", "E"]
    assert str(labels["A"].dtype) == "int64"
    assert list(nuggets.columns) == ["transcript_id", "rater", "turn_index", "sender", "nugget"]


def test_malformed_annotation_is_an_input_error(tmp_path):
    bad = dialogue("d1")
    bad["annotations"][1]["quality"] = {"A": 1}
    path = write_json(tmp_path / "train.json", [bad])
    with pytest.raises(InputError, match="annotation 1 of dialogue d1"):
        stc3_labels(path)


# --- the public data -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stc3_dir(shared_data) -> Path:
    return shared_data / "stc3-dch1-en"


@pytest.fixture(scope="module")
def train(stc3_dir) -> list[Transcript | Reject]:
    return list(read_transcripts(stc3_dir / "train_data_en.json"))


@pytest.mark.shared_data
def test_train_dialogues_all_read(train):
    rejects = [item for item in train if isinstance(item, Reject)]
    assert rejects == []
    assert len(train) == 1672
    assert len({t.id for t in train}) == 1672
    assert sum(len(t.turns) for t in train) == 6917  # README: 6,917 turns
    assert all(t.metadata == {"dataset": "stc3", "n_raters": 19} for t in train)
    assert all(any(turn.speaker == "agent" for turn in t.turns) for t in train)


@pytest.mark.shared_data
def test_train_labels(stc3_dir, train):
    labels = stc3_labels(stc3_dir / "train_data_en.json")
    assert len(labels) == 1672 * 19
    assert set(labels["transcript_id"]) == {t.id for t in train}
    assert (labels.groupby("transcript_id")["rater"].nunique() == 19).all()
    for column in ("A", "S", "E"):
        assert labels[column].isin(QUALITY_RANGE).all()
    # Means published in the data README (independent of this reader).
    means = labels[["A", "S", "E"]].mean().round(2).to_dict()
    assert means == {"A": -0.17, "S": -0.18, "E": 0.04}


@pytest.mark.shared_data
def test_train_nuggets_line_up_with_turns(stc3_dir, train):
    nuggets = stc3_nuggets(stc3_dir / "train_data_en.json")
    assert len(nuggets) == 6917 * 19
    assert set(nuggets["nugget"]) == NUGGETS
    # Helpdesk nuggets sit on agent turns and customer nuggets on customer turns.
    speakers = {(t.id, i): turn.speaker for t in train for i, turn in enumerate(t.turns)}
    keys = zip(nuggets["transcript_id"], nuggets["turn_index"], strict=True)
    roles = [speakers[key] for key in keys]
    expected = ["agent" if n.startswith("H") else "customer" for n in nuggets["nugget"]]
    assert roles == expected


@pytest.mark.shared_data
def test_test_set_reads_without_labels(stc3_dir):
    path = stc3_dir / "test_data_en.json"
    items = list(read_transcripts(path))
    assert len(items) == 390
    assert all(isinstance(item, Transcript) for item in items)
    assert stc3_labels(path).empty
    assert stc3_nuggets(path).empty


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
