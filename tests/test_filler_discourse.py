"""Discourse markers (so, yeah, okay, well, just...): filler by position and part of speech,
each next to a purposeful use of the same word (issue #10, point 2)."""

from __future__ import annotations

import re

import pytest

from cxnlp.dimensions.filler import FillerContent, filler_words
from cxnlp.dimensions.proactive import ProactiveConnection
from cxnlp.model import Transcript


def turn_filler_words(parser, text: str) -> list[str]:
    """The filler words of one agent turn (its own doc, so the turn's first word is known)."""
    doc = parser.nlp(text)
    return [w for sent in doc.sents for w in filler_words(sent)]


#: (word, filler use, its filler words, purposeful use of the same word)
MARKER_PAIRS = [
    (
        "so",
        "So, um, the extra ten pounds is the late fee.",
        ["So", "um"],
        "I've approved it, so the refund goes out today.",
    ),
    (
        "so",
        "Yeah so, basically, that's your annual fee.",
        ["so", "basically"],
        "So the refund goes out today.",
    ),
    ("so", "The fee is gone, so.", ["so"], "I'm so sorry about the delay."),
    (
        "well",
        "Well, the assessor signed it off this morning.",
        ["Well"],
        "The new router works well with any line.",
    ),
    ("well", "It does, and, well, breakfast is included.", ["well"], "Breakfast is included as well."),
    ("just", "Let me just check the stock for you.", ["just"], "It's just the monthly fee from March."),
    ("just", "I'll just take a few details.", ["just"], "I've just applied the credit to your account."),
    ("just", "Just checking I have the right account.", ["Just"], "You just need the receipt."),
    ("okay", "I'm sorry to hear that. Okay, I've frozen the card.", ["Okay"], "Okay, I've frozen the card."),
    ("okay", "Okay, yeah, I've changed the booking.", ["yeah"], "I'll email it now, okay?"),
    (
        "yeah",
        "I can, yeah, but it needs a credit check first.",
        ["yeah"],
        "Yeah, she has a slot at ten on Tuesday.",
    ),
    (
        "right",
        "I've sent the label. Right, the replacement goes out today.",
        ["Right"],
        "That's right, the label is in your email.",
    ),
    (
        "you know",
        "Okay, you know, the crew will fix it by six.",
        ["you", "know"],
        "I'll let you know by text.",
    ),
    (
        "I mean",
        "I mean, I can, but it needs a credit check.",
        ["I", "mean"],
        "I mean the bill dated the 3rd of May.",
    ),
]


@pytest.mark.parametrize(("word", "filler", "expected", "purposeful"), MARKER_PAIRS)
def test_marker_is_filler_in_one_use_and_not_in_the_other(parser, word, filler, expected, purposeful):
    assert turn_filler_words(parser, filler) == expected
    assert word.split()[0].lower() not in [w.lower() for w in turn_filler_words(parser, purposeful)]


@pytest.mark.parametrize(
    "text", ["I think the fee is ten dollars.", "I think so, yes.", "It takes about a week, I think."]
)
def test_i_think_hedging_a_fact_is_not_filler(parser, text):
    assert turn_filler_words(parser, text) == []


@pytest.fixture(scope="module")
def filler(encoder) -> FillerContent:
    dim = FillerContent()
    dim.prepare(encoder)
    return dim


@pytest.fixture(scope="module")
def proactive(encoder) -> ProactiveConnection:
    dim = ProactiveConnection()
    dim.prepare(encoder)
    return dim


def _agent_turn(parser, customer: str, agent: str):
    return parser.parse(Transcript.from_pairs("d", [("customer", customer), ("agent", agent)]))


def test_recogniser_disfluencies_are_filler_and_do_not_hide_the_ownership_act(parser, filler, proactive):
    """Speech-recogniser text (lower case, no punctuation): the markers and hesitations are
    filler, "just" (a moment ago) is not, and "I've applied" is still an ownership act."""
    customer = "can you take off the charge for the outage"
    messy = _agent_turn(parser, customer, "um so yeah i've just uh applied the credit to your account")
    clean = _agent_turn(parser, customer, "i've just applied the credit to your account")
    evidence = filler.score(messy).evidence
    flagged = [
        w for e in evidence if e.kind == "filler_word" for w in re.findall(r"[\w']+", (e.span or "").lower())
    ]
    assert sorted(flagged) == sorted(["um", "so", "yeah", "uh"])
    assert filler.score(clean).score == 0
    assert {a.category for a in proactive.find_acts(messy)} >= {"ownership"}
    assert {a.category for a in proactive.find_acts(messy)} == {
        a.category for a in proactive.find_acts(clean)
    }


def test_marker_filler_scores_higher_than_the_same_words_used_on_purpose(parser, filler):
    customer = "Why did my direct debit go up?"
    padded = "So, yeah, your usage went up over the winter. Okay, so, well, the debit was raised to cover it."
    purposeful = "Yeah, your usage went up over the winter, so the debit was raised to cover it as well."
    assert filler.score(_agent_turn(parser, customer, padded)).score >= (
        filler.score(_agent_turn(parser, customer, purposeful)).score + 10
    )
    assert filler.score(_agent_turn(parser, customer, purposeful)).score == 0
