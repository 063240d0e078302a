"""The transcript read sentence by sentence with the scorer's evidence beside each sentence.

Hand-built transcripts and evidence; no language model.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxnlp.ingest import load_transcript
from cxnlp.model import DimensionResult, Evidence, ScoredTranscript, Transcript
from cxnlp.report.transcript_view import transcript_view
from cxnlp.scoring import result_row

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = REPO_ROOT / "data" / "sample_transcripts.jsonl"


def _scored(transcript: Transcript, evidence: list[Evidence]) -> ScoredTranscript:
    dims = {}
    for name in {e.dimension for e in evidence}:
        items = tuple(e for e in evidence if e.dimension == name)
        dims[name] = DimensionResult(name, 50.0, items, {})
    return ScoredTranscript(transcript, dims, 50.0, 0)


CALL = Transcript.from_pairs(
    "c1",
    [
        ("agent", "Hello, thanks for calling. How can I help?"),
        ("customer", "I was charged twice. Can you fix it?"),
        ("agent", "Um, so, like, let me check. I've refunded the duplicate $40! Anything else?"),
    ],
)
EVIDENCE = [
    Evidence("brand_congruence", "preferred_phrase", 0, "Hello, thanks for calling.", "preferred", 2.5),
    Evidence("answer_completeness", "answered", 1, "Can you fix it?", "answered", 40.0),
    Evidence("filler_content", "filler_word", 2, "Um, so, like, let me check.", "um, like", 3.0),
    Evidence("brand_congruence", "off_brand", 2, "Um, so, like, let me check.", "off", -1.5),
    Evidence("proactive_connection", "ownership", 2, "I've refunded the duplicate $40!", "owned", 14.0),
]


def test_view_keeps_every_sentence_in_reading_order() -> None:
    view = transcript_view(_scored(CALL, EVIDENCE))
    assert view["sentence"].tolist() == [
        "Hello, thanks for calling.",
        "How can I help?",
        "I was charged twice.",
        "Can you fix it?",
        "Um, so, like, let me check.",
        "I've refunded the duplicate $40!",
        "Anything else?",
    ]
    assert view["turn_index"].tolist() == [0, 0, 1, 1, 2, 2, 2]
    assert view["speaker"].tolist() == ["agent"] * 2 + ["customer"] * 2 + ["agent"] * 3


def test_view_puts_each_finding_on_its_sentence_and_sums_weights() -> None:
    view = transcript_view(_scored(CALL, EVIDENCE)).set_index("sentence")
    assert view["n_findings"].sum() == len(EVIDENCE)
    check = view.loc["Um, so, like, let me check."]
    assert check["n_findings"] == 2
    assert check["filler_content"] == pytest.approx(3.0)
    assert check["brand_congruence"] == pytest.approx(-1.5)
    assert "filler_content/filler_word" in check["findings"]
    assert view.loc["How can I help?", "n_findings"] == 0
    assert view.loc["How can I help?", "findings"] == ""
    for e in EVIDENCE:
        assert view.loc[e.sentence, e.dimension] != 0


def test_view_lists_evidence_not_found_in_the_text_last() -> None:
    stray = Evidence("proactive_connection", "name", 0, "Goodbye, Dana.", "name", 5.0)
    view = transcript_view(_scored(CALL, [*EVIDENCE, stray]))
    assert view.iloc[-1]["sentence"] == "Goodbye, Dana."
    assert view.iloc[-1]["proactive_connection"] == pytest.approx(5.0)
    assert view["n_findings"].sum() == len(EVIDENCE) + 1


@pytest.mark.parametrize(
    ("text", "found", "expected"),
    [
        ("", [], []),
        ("No evidence here. None at all!", [], ["No evidence here.", "None at all!"]),
        ("Same. Same.", ["Same."], ["Same.", "Same."]),
        ("A Mr. Smith called. Then left", ["A Mr. Smith called."], ["A Mr. Smith called.", "Then left"]),
    ],
)
def test_view_segments_turn_text(text: str, found: list[str], expected: list[str]) -> None:
    call = Transcript.from_pairs("c", [("agent", text)])
    evidence = [Evidence("brand_congruence", "on_brand", 0, s, "", 1.0) for s in found]
    view = transcript_view(_scored(call, evidence))
    assert view["sentence"].tolist() == expected


def test_view_of_a_table_row_matches_the_view_of_the_result() -> None:
    result = _scored(CALL, EVIDENCE)
    row = pd.Series(result_row(result))
    pd.testing.assert_frame_equal(transcript_view(row, CALL), transcript_view(result))


@pytest.mark.parametrize(
    ("transcript", "message"),
    [(None, "without its transcript"), (Transcript.from_pairs("other", [("agent", "Hi.")]), "same")],
)
def test_view_of_a_row_needs_the_right_transcript(transcript: Transcript | None, message: str) -> None:
    row = pd.Series(result_row(_scored(CALL, EVIDENCE)))
    with pytest.raises(ValueError, match=message):
        transcript_view(row, transcript)


def test_load_transcript_finds_by_id_and_explains_a_miss() -> None:
    assert load_transcript(SAMPLE, "T0002").id == "T0002"
    with pytest.raises(ValueError, match="T9999"):
        load_transcript(SAMPLE, "T9999")


@pytest.fixture(scope="module")
def scorer(parser):
    from cxnlp.scoring import Scorer

    return Scorer(parser=parser, slot_vectors=False)


def test_evidence_of_a_speech_recogniser_turn_is_placed_on_its_words(scorer):
    """Unpunctuated turns are parsed with sentence ends and capitals restored, so evidence
    quotes "I'm so sorry about that." while the turn says "im so sorry about that": the
    view still puts each finding on the words it is about, in the text as spoken."""
    call = Transcript.from_pairs(
        "asr",
        [
            ("customer", "hi my card was charged twice for the same order can you fix it"),
            (
                "agent",
                "im so sorry about that ive refunded the duplicate forty dollars "
                "is there anything else i can help with",
            ),
        ],
    )
    view = transcript_view(scorer.score_one(call), call)
    agent = view[view["speaker"] == "agent"]
    assert len(agent) >= 2, "the agent turn should come back as several sentences"
    assert agent["n_findings"].sum() >= 1
    text = call.turns[1].text
    for sentence in agent["sentence"]:
        assert sentence in text  # shown as spoken, not as restored
