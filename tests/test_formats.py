"""Vendor input formats end to end: detection, adapters, system turns, timing, role inference."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxnlp.cli import app
from cxnlp.ingest import InputError, read_transcripts
from cxnlp.ingest.readers import plan_formats
from cxnlp.io import read_frame
from cxnlp.model import Reject, Transcript, Turn
from cxnlp.slots import sentence_slots
from cxnlp.timing import TIMING_COLUMNS, timing_metrics

runner = CliRunner()
FIXTURES = Path(__file__).parent / "data" / "formats"

#: Each fixture, the format auto-detection must choose, and its transcript id.
EXPECTED = {
    "transcribe.json": ("transcribe", "tca-billing-0142"),
    "contact_lens.json": ("contact-lens", "a7c1e3f0-5b2d-4e9a-8c61-2f3d4b5a6c7d"),
    "ccai.json": ("ccai", "ccai"),
    "genesys.json": ("genesys", "c51d2a9e-7f3b-4a6c-8e1d-9b0a2c3d4e5f"),
    "deepgram.json": ("deepgram", "5d9a1c3e-8b7f-4e2a-9c6d-1f0e3b2a4c5d"),
    "assemblyai.json": ("assemblyai", "6rlr37h5mf-2c9b-4d3e-9a1f-0b8c7d6e5f4a"),
    "whisperx.json": ("whisperx", "whisperx"),
    "webvtt.vtt": ("vtt", "webvtt"),
    "subrip.srt": ("srt", "subrip"),
}
#: The agent of each anonymous-speaker fixture, read off its content.
AGENTS = {
    "whisperx.json": "SPEAKER_01",
    "deepgram.json": "speaker 1",
    "assemblyai.json": "speaker B",
    "webvtt.vtt": "Dana",
    "subrip.srt": "SPEAKER_00",
}


def _only(path: Path, **kwargs) -> Transcript | Reject:
    items = list(read_transcripts(path, **kwargs))
    assert len(items) == 1
    return items[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_auto_detection_picks_each_fixtures_format(name):
    assert plan_formats(FIXTURES / name) == [(FIXTURES / name, EXPECTED[name][0])]
    transcript = _only(FIXTURES / name)
    assert isinstance(transcript, Transcript), transcript
    assert transcript.id == EXPECTED[name][1]
    assert {t.speaker for t in transcript.turns} >= {"agent", "customer"}


def test_every_fixture_is_listed():
    assert sorted(p.name for p in FIXTURES.iterdir() if p.name != "README.md") == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(AGENTS))
def test_role_inference_names_the_fixtures_agent(name):
    transcript = _only(FIXTURES / name)
    assert transcript.metadata["inferred_agent_speaker"] == AGENTS[name]
    assert transcript.metadata["role_confidence"] >= 0.75
    first_agent = next(t for t in transcript.turns if t.speaker == "agent")
    assert "thank" in first_agent.text.lower() or "help" in first_agent.text.lower()


def test_an_ambiguous_anonymous_call_is_rejected_with_its_reason(tmp_path):
    doc = {
        "segments": [
            {"start": 0.0, "end": 1.0, "text": "Okay.", "speaker": "SPEAKER_00"},
            {"start": 1.5, "end": 2.5, "text": "Yes.", "speaker": "SPEAKER_01"},
            {"start": 3.0, "end": 4.0, "text": "Right, sure.", "speaker": "SPEAKER_00"},
        ]
    }
    path = tmp_path / "unclear.json"
    path.write_text(json.dumps(doc))
    reject = _only(path)
    assert isinstance(reject, Reject)
    assert reject.field == "turns.speaker"
    assert "could not tell the agent from the customer" in reject.reason
    assert "confidence 0.50" in reject.reason


def test_system_and_multiple_agents_keep_their_roles():
    ccai = _only(FIXTURES / "ccai.json")
    assert [t.speaker for t in ccai.turns][:3] == ["system", "customer", "system"]
    lens = _only(FIXTURES / "contact_lens.json")
    assert lens.turns[0].speaker == "system"
    agents = [t.agent_id for t in lens.turns if t.speaker == "agent"]
    assert len(set(agents)) == 2 and None not in agents
    assert lens.metadata["redactions"] == 1


def test_timing_columns_match_the_hand_checked_fixture():
    # transcribe.json by hand: one 8.0 s hold (26.0 -> 34.0), every other gap under 1 s;
    # agent 37.2 s vs customer 15.9 s of speech; the customer cuts in at 18.5 and 45.2.
    metrics = timing_metrics(_only(FIXTURES / "transcribe.json"))
    assert metrics == {
        "dead_air_seconds": 8.0,
        "longest_silence_seconds": 8.0,
        "agent_talk_share": round(37.2 / 53.1, 4),
        "interruptions": 2.0,
    }
    assert all(math.isnan(v) for v in timing_metrics(_only(FIXTURES / "ccai.json")).values())


def test_system_turns_count_for_no_side_in_talk_share():
    turns = (
        Turn("system", "Please hold.", 0.0, 10.0),
        Turn("agent", "Hello.", 10.0, 12.0),
        Turn("customer", "Hi there.", 12.0, 14.0),
    )
    assert timing_metrics(Transcript("t", turns))["agent_talk_share"] == 0.5


def test_system_sentences_belong_to_no_slot():
    assert sentence_slots([0, 1, 2], ["system", "customer", "agent"]) == [
        (),
        ("customer_opening",),
        ("agent_reply", "agent_closing"),
    ]


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (
            {"JobName": "j", "Transcript": [{"Content": "hi", "ParticipantRole": "ROBOT"}]},
            "Transcript[0].ParticipantRole",
        ),
        (
            {"JobName": "j", "Transcript": [{"ParticipantRole": "AGENT", "Content": 7}]},
            "Transcript[0].Content",
        ),
        ({"JobName": "j", "Transcript": []}, "Transcript"),
        (
            {
                "JobName": "j",
                "Transcript": [{"ParticipantRole": "AGENT", "Content": "hi", "BeginOffsetMillis": "x"}],
            },
            "Transcript[0].BeginOffsetMillis",
        ),
    ],
)
def test_a_record_the_adapter_cannot_read_is_a_reject_naming_the_field(tmp_path, doc, field):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    reject = _only(path, format="transcribe")
    assert isinstance(reject, Reject)
    assert reject.field == field and reject.record_id == "j" and reject.source == str(path)


def test_malformed_json_with_a_forced_format_is_one_reject(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"JobName": "j", "Transcript": [')
    reject = _only(path, format="transcribe")
    assert isinstance(reject, Reject) and "malformed JSON" in reject.reason


def test_auto_refuses_content_it_does_not_know(tmp_path):
    path = tmp_path / "notes.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(InputError, match="matches no format"):
        plan_formats(path)


# ---------------------------------------------------------------- through the CLI ----


@pytest.fixture(scope="module")
def models_ready(parser):
    """Load the models once for this module (the CLI builds its own Scorer)."""
    return parser


@pytest.mark.slow
def test_score_reads_every_fixture_end_to_end(tmp_path, models_ready):
    out = tmp_path / "scores.parquet"
    result = runner.invoke(app, ["score", str(FIXTURES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "format auto: read as" in result.output and "whisperx (1 file)" in result.output
    assert f"scored {len(EXPECTED)}, rejected 0 of {len(EXPECTED)} records" in result.output
    frame = read_frame(out).set_index("transcript_id")
    assert sorted(frame.index) == sorted(ident for _, ident in EXPECTED.values())
    assert frame["interaction_score"].notna().all()
    row = frame.loc["tca-billing-0142"]
    assert (row["dead_air_seconds"], row["longest_silence_seconds"], row["interruptions"]) == (8.0, 8.0, 2.0)
    assert row["agent_talk_share"] == pytest.approx(0.7006)
    assert all(math.isnan(frame.loc["ccai", c]) for c in TIMING_COLUMNS)


def test_score_refuses_garbage_with_exit_2_and_one_line(tmp_path):
    garbage = tmp_path / "garbage.json"
    garbage.write_text(json.dumps([{"what": "ever"}]))
    result = runner.invoke(app, ["score", str(garbage), "--out", str(tmp_path / "s.parquet")])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "matches no format" in lines[0]
    assert not (tmp_path / "s.parquet").exists()


@pytest.mark.slow
def test_batch_reads_every_fixture_end_to_end(tmp_path, models_ready):
    store = tmp_path / "store"
    result = runner.invoke(app, ["batch", str(FIXTURES), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert f"scored {len(EXPECTED)}, skipped 0, rejected 0 of {len(EXPECTED)}" in result.output


@pytest.mark.slow
def test_batch_glob_leaves_other_files_in_the_folder_alone(tmp_path, models_ready):
    folder = tmp_path / "exports"
    folder.mkdir()
    shutil.copy(FIXTURES / "subrip.srt", folder)
    (folder / "labels.csv").write_text("call,score\nx,1\n")
    store = tmp_path / "store"
    refused = runner.invoke(app, ["batch", str(folder), "--store", str(store)])
    assert refused.exit_code == 2 and "labels.csv" in refused.output
    result = runner.invoke(app, ["batch", str(folder), "--store", str(store), "--glob", "*.srt"])
    assert result.exit_code == 0, result.output
    assert "scored 1, skipped 0, rejected 0 of 1" in result.output


@pytest.mark.slow
def test_forced_format_turns_a_bad_record_into_a_reject_not_a_traceback(tmp_path, models_ready):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"JobName": "j", "Transcript": [{"Content": "hi", "ParticipantRole": "ROBOT"}]})
    )
    out = tmp_path / "s.parquet"
    result = runner.invoke(app, ["score", str(bad), "--format", "transcribe", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rejects = [json.loads(line) for line in (tmp_path / "s.rejects.jsonl").read_text().splitlines()]
    assert rejects == [
        {
            "source": str(bad),
            "record_id": "j",
            "field": "Transcript[0].ParticipantRole",
            "reason": rejects[0]["reason"],
        }
    ]
    assert "ROBOT" in rejects[0]["reason"]


# ------------------------------------------------- system turns and agent scoring ----


@pytest.mark.slow
def test_system_turns_are_not_scored_as_the_agent(parser):
    from cxnlp.scoring import Scorer

    scorer = Scorer(parser=parser).prepare()
    ivr = "Um, like, you know, basically, um, press one, uh, like, for billing, you know."
    rest = [
        ("customer", "My bill doubled this month. Why?"),
        ("agent", "Your promotional discount of thirty dollars ended on October first, so the bill went up."),
    ]
    as_agent = scorer.score_one(Transcript.from_pairs("a", [("agent", ivr), *rest]))
    as_system = scorer.score_one(Transcript.from_pairs("s", [("system", ivr), *rest]))
    filler_agent = as_agent.dimensions["filler_content"].score
    filler_system = as_system.dimensions["filler_content"].score
    assert filler_system < filler_agent
    assert filler_system == pytest.approx(0.0, abs=1e-9)
    assert all(e.turn_index != 0 for e in as_system.evidence)


def test_a_forced_format_the_file_plainly_is_not_is_a_usage_error(tmp_path):
    lines = tmp_path / "calls.jsonl"
    record = {"id": "a", "turns": [{"speaker": "customer", "text": "hi"}, {"speaker": "agent", "text": "ok"}]}
    lines.write_text(f"{json.dumps(record)}\n{json.dumps({**record, 'id': 'b'})}\n")
    out = tmp_path / "s.parquet"
    result = runner.invoke(app, ["score", str(lines), "--format", "transcribe", "--out", str(out)])
    assert result.exit_code == 2, result.output
    output = [line for line in result.output.splitlines() if line.strip()]
    assert len(output) == 1 and "not in that format" in output[0] and "calls.jsonl" in output[0]
    assert not out.exists()
    # A vendor's export named .jsonl (one document) may still be forced, as may a cut-off one.
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"JobName": "j", "Transcript": []}))
    assert plan_formats(one, format="transcribe") == [(one, "transcribe")]


# ------------------------------------------------ hostile vendor files (attack10) ----


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_a_time_too_large_for_a_float_is_a_reject_naming_the_field(tmp_path):
    text = (FIXTURES / "transcribe.json").read_text()
    doc = json.loads(text)
    doc["Transcript"][0]["BeginOffsetMillis"] = 0.5  # a marker to replace with 400 digits
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(doc).replace("0.5", "1" + "0" * 400, 1))
    reject = _only(path)
    assert isinstance(reject, Reject) and reject.field == "Transcript[0].BeginOffsetMillis"
    assert "401-digit number" in reject.reason and len(reject.reason) < 200


def test_an_absurd_but_finite_time_is_a_reject(tmp_path):
    doc = _fixture("whisperx.json")
    for segment in doc["segments"]:
        segment["start"] = segment["end"] = 1e308
    path = tmp_path / "far.json"
    path.write_text(json.dumps(doc))
    reject = _only(path)
    assert isinstance(reject, Reject) and reject.field == "turns[0].start" and "time unit" in reject.reason


def test_a_channel_that_is_an_object_is_a_reject_naming_it(tmp_path):
    doc = _fixture("deepgram.json")
    doc["results"]["utterances"][1]["channel"] = {"a": 1}
    path = tmp_path / "dg.json"
    path.write_text(json.dumps(doc))
    reject = _only(path)
    assert isinstance(reject, Reject) and reject.field == "results.utterances[1].channel", reject.reason


def test_a_cut_off_export_says_it_is_not_complete_json_and_no_word_twice(tmp_path):
    raw = (FIXTURES / "assemblyai.json").read_text()
    path = tmp_path / "cut.json"
    path.write_text(raw[: raw.index('"text"', 400) + 12])  # cut inside a string
    with pytest.raises(InputError) as refused:
        plan_formats(path)
    message = str(refused.value)
    assert "not complete, valid JSON" in message and "cut off" in message
    assert " at at " not in message and "Unterminated string at line" in message
    reject = _only(path, format="assemblyai")
    assert " at at " not in reject.reason and "Unterminated string at line" in reject.reason


def test_a_caption_file_that_does_not_start_as_one_is_not_called_an_unknown_ending(tmp_path):
    path = tmp_path / "call.srt"
    path.write_text("1\n-00:00:01,000 --> 00:00:02,000\nAgent: hi\n")
    with pytest.raises(InputError) as refused:
        plan_formats(path)
    assert "unknown ending" not in str(refused.value) and "SubRip cue" in str(refused.value)


def test_pieces_listed_out_of_time_order_are_read_in_time_order(tmp_path):
    doc = _fixture("transcribe.json")
    doc["Transcript"].reverse()
    path = tmp_path / "reversed.json"
    path.write_text(json.dumps(doc))
    backwards, forwards = _only(path), _only(FIXTURES / "transcribe.json")
    assert isinstance(backwards, Transcript) and isinstance(forwards, Transcript)
    assert [(t.speaker, t.text, t.start) for t in backwards.turns] == [
        (t.speaker, t.text, t.start) for t in forwards.turns
    ]


def test_a_cut_off_export_in_a_folder_is_a_reject_and_the_rest_is_read(tmp_path):
    shutil.copy(FIXTURES / "genesys.json", tmp_path / "a.json")
    raw = (FIXTURES / "transcribe.json").read_text()
    (tmp_path / "b.json").write_text(raw[: len(raw) // 2])
    items = list(read_transcripts(tmp_path))
    assert [type(item).__name__ for item in items] == ["Transcript", "Reject"]
    reject = next(item for item in items if isinstance(item, Reject))
    assert reject.source == str(tmp_path / "b.json") and "not complete, valid JSON" in reject.reason
    assert [path.name for path, _ in plan_formats(tmp_path)] == ["a.json"]
    with pytest.raises(InputError, match="not complete, valid JSON"):
        plan_formats(tmp_path / "b.json")  # named on its own, it stops the run
