"""What a reply supplies against what the need asks (issue #10, unseen authors): a yes
followed by talk is no yes, a promise that names nothing done is no action, a limit or
scope said to a yes/no question implies the answer, and an echo of the need adds nothing.

The sentences here are written for these tests (none is from a tuning split)."""

from __future__ import annotations

import pytest

from cxnlp import Transcript
from cxnlp.dimensions.completeness import AnswerCompleteness
from cxnlp.dimensions.replies import (
    answers_in_kind,
    load_reply_lexicon,
    pair_features,
    pair_readings,
    reply_functions,
    window_functions,
)
from cxnlp.nlp import load_pipeline


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline()


def _read(nlp, text: str) -> dict[str, float]:
    return reply_functions(nlp(text)[:])


@pytest.mark.parametrize(
    "talk",
    [
        "Yes, plenty of our riders ask about helmets, and safety is something we care about a lot.",
        "Yes, so gift cards are really popular and lots of people buy them every Christmas.",
        "Of course, I'll take care of that for you.",
    ],
)
def test_a_yes_followed_by_talk_is_no_yes(nlp, talk):
    f = _read(nlp, talk)
    assert f["yes_talk"] == 1.0
    assert f["yes_no"] == 0.0


@pytest.mark.parametrize(
    "answer",
    [
        "Yes, you can bring it on board.",
        "Yes, the gift card works in every branch.",
        "Yes, I've added your partner to the booking.",
        "Yes, it's free for under fives.",
        "Yes.",
    ],
)
def test_a_yes_backed_by_what_follows_stays_a_yes(nlp, answer):
    f = _read(nlp, answer)
    assert f["yes_no"] == 1.0
    assert f["yes_talk"] == 0.0


def test_a_bare_yes_is_read_with_the_sentence_after_it(nlp):
    yes = _read(nlp, "Yes.")
    talk = _read(nlp, "So, um, gift cards are really popular with our customers.")
    backed = _read(nlp, "It works in every branch.")
    assert yes["bare_yes"] == 1.0 and talk["talk"] == 1.0 and backed["talk"] == 0.0
    assert window_functions([yes], after=talk)["yes_no"] == 0.0
    assert window_functions([yes, talk])["yes_no"] == 0.0
    assert window_functions([yes, talk])["yes_talk"] == 1.0
    assert window_functions([yes], after=backed)["yes_no"] == 1.0
    assert window_functions([yes])["yes_no"] == 1.0


@pytest.mark.parametrize(
    ("text", "bare"),
    [
        ("I'll take care of that for you.", True),
        ("Leave it with me, I'll sort it all out.", True),
        ("Sure, I can do that for you.", True),
        ("I'll cancel it for you.", False),
        ("I'll send the replacement charger tomorrow.", False),
        ("I'll take a photo of the meter reading for you.", False),
    ],
)
def test_a_promise_that_names_nothing_done_is_bare(nlp, text, bare):
    assert _read(nlp, text)["bare_promise"] == float(bare)


def test_leaving_it_with_the_agent_is_no_instruction(nlp):
    assert _read(nlp, "Leave it with me, I'll take care of it.")["steps"] == 0.0
    assert _read(nlp, "Take a photo of the meter and send it to the address on the bill.")["steps"] == 1.0


@pytest.mark.parametrize(
    ("text", "decisive"),
    [
        ("Each voucher is only valid at the branch that issued it.", True),
        ("Your pass works on all 12 routes at no extra cost.", True),
        ("The alarm runs on a battery, so a power cut doesn't stop it.", True),
        ("As long as the case is under ten kilos it goes free.", True),
        ("Passes may be valid on some routes depending on the zone.", False),
        ("Oh no, I'm so sorry about that.", False),
        ("Don't worry, we see this a lot.", False),
        ("Is it the blue pass or the green one?", False),
    ],
)
def test_a_limit_or_scope_is_decisive(nlp, text, decisive):
    assert _read(nlp, text)["decisive"] == float(decisive)


def test_a_decisive_statement_answers_a_yes_no_question_in_kind(nlp):
    f = window_functions([_read(nlp, "Each voucher is only valid at the branch that issued it.")])
    f.update(adjacent=1.0, own_case=0.0, need_past=0.0, novel_time=0.0, novel_amount=0.0, novel_info=0.0)
    assert answers_in_kind("polar", f)
    assert pair_features("polar", 0.5, f)["kind_match"] == 1.0
    assert not answers_in_kind("when", f)


def test_an_echo_of_the_need_adds_no_new_content(nlp):
    need = [nlp("The coffee machine you installed won't heat the water.")[:]]
    echo = [nlp("So the coffee machine we installed won't heat the water, right.")[:]]
    answer = [nlp("Flip the red switch under the tank; the heater ships turned off.")[:]]
    e, a = pair_readings(need, echo), pair_readings(need, answer)
    assert e["novel_content"] < a["novel_content"]
    assert e["echo_share"] > 0.7 > a["echo_share"]


def test_the_readings_have_their_lexicon_lists():
    lex = load_reply_lexicon()
    assert {"only", "every", "without"} <= lex["scope_words"]
    assert "as long as" in lex["scope_phrases"] and "depending on" in lex["undecided_phrases"]


# -- end to end: the packaged need-reply model on pairs of the families above -------------------
@pytest.fixture(scope="module")
def met(encoder, parser):
    dim = AnswerCompleteness()
    dim.prepare(encoder)

    def run(need: str, reply: str) -> float:
        parsed = parser.parse(Transcript.from_pairs("pair", [("customer", need), ("agent", reply)]))
        return float(dim.score(parsed).features["met_probability"])

    return run


@pytest.mark.parametrize(
    ("need", "answer", "non_answer"),
    [
        # a yes followed by talk, against a yes backed by the case
        (
            "Can I bring my dog into the cafe?",
            "Yes, dogs on a lead are welcome inside, and we keep water bowls by the door.",
            "Yes, so dogs are something lots of our customers ask about, and we love animals here.",
        ),
        # a bare promise, against the action taken
        (
            "Can you move my delivery to next week?",
            "I've moved it to Tuesday the 9th, between 8 and noon.",
            "Of course, I'll take care of that for you.",
        ),
    ],
)
def test_the_model_tells_the_answer_from_the_non_answer(met, need, answer, non_answer):
    assert met(need, answer) >= 0.45 > met(need, non_answer)


def test_an_implied_no_ranks_above_talk_around_the_question(met):
    # Ranked, not yet credited in full: an implied yes or no is weighed by the model, and
    # a general statement still costs it (see benchmarks/README.md, session 12).
    need = "Can I use my day ticket on the night buses too?"
    implied = "Day tickets are only valid until midnight, so the night buses need a separate fare."
    talk = "Our night buses are really popular with people heading home from the city."
    assert met(need, implied) > met(need, talk)
