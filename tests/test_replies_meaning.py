"""What a reply supplies against what the need asks (issue #10, unseen authors): a yes
followed by talk is no yes, a promise that names nothing done is no action, a limit or
scope said to a yes/no question implies the answer, and an echo of the need adds nothing.

The sentences here are written for these tests (none is from a tuning split)."""

from __future__ import annotations

import pytest

from cxnlp import Transcript
from cxnlp.dimensions.completeness import AnswerCompleteness
from cxnlp.dimensions.replies import (
    ASKS_FOR_CODES,
    answers_in_kind,
    asks_for,
    cases_unapplied,
    fact_tokens,
    general_for_own_case,
    load_reply_lexicon,
    pair_features,
    pair_readings,
    reply_functions,
    rule_on_asked,
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


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("All aboard is 4:30 pm; the ship sails at 5.", True),
        ("The ferry leaves at 9.45 from the north pier.", True),
        ("Between 11 and half past, usually closer to 11.", True),
        ("Payments go out on the 1st of each month.", True),
        ("She comes at eleven most days.", True),
        ("The fee is £10.15 per visit.", False),
        ("We're at 5 percent occupancy this winter.", False),
        ("It's sold at 3 branches in town.", False),
    ],
)
def test_a_time_of_day_is_read_however_it_is_written(nlp, text, time):
    assert _read(nlp, text)["time"] == float(time)


def test_a_duration_said_with_an_article_is_a_new_fact(nlp):
    facts = fact_tokens(nlp("An hour, the glue needs that long to set.")[:])
    assert any(kind == "time" for kind, _ in facts)
    assert not any(kind == "time" for kind, _ in fact_tokens(nlp("Our team will be in touch.")[:]))


@pytest.mark.parametrize(
    ("need", "reply", "on_asked"),
    [
        # the thing asked about, stated unhedged: an answer said as a rule
        ("How much is a group walk for my spaniel?", "Group walks are twenty dollars for the hour.", True),
        ("How much are joint wills for me and my wife?", "Joint wills are £310 for the pair.", True),
        # the customer's own thing, or a hedged rule: how things usually work, no answer
        ("When will my refund arrive?", "Refunds normally take five working days.", False),
        ("How much is my bill this month?", "Bills are between $30 and $90.", False),
        ("How much is a group walk for my spaniel?", "Puppy classes are fifteen dollars.", False),
    ],
)
def test_a_rule_about_the_thing_asked_answers_it(nlp, need, reply, on_asked):
    assert rule_on_asked([nlp(need)[:]], [nlp(reply)[:]]) is on_asked
    f = window_functions([_read(nlp, reply)])
    f.update(own_case=1.0, rule_on_asked=float(on_asked))
    assert general_for_own_case(f) is (f["states_rule"] > 0 and not on_asked)


@pytest.mark.parametrize(
    ("need", "wants"),
    [
        ("Where do I leave the spare key?", "place"),
        ("Could you tell me where the nearest branch is?", "place"),
        ("Who do I speak to about a refund?", "person"),
        ("Who's taking the class on Friday?", "person"),
        ("What time do you open?", ""),
    ],
)
def test_a_question_says_whether_it_wants_a_place_or_a_person(nlp, need, wants):
    assert asks_for([nlp(need)[:]]) == wants


def _pair(nlp, reply: str, wants: str) -> dict[str, float]:
    f = window_functions([_read(nlp, reply)])
    f.update(adjacent=1.0, own_case=0.0, need_past=0.0, novel_time=1.0, novel_amount=0.0, novel_info=2.0)
    f["asks_for"] = ASKS_FOR_CODES[wants]
    return f


@pytest.mark.parametrize(
    ("reply", "wants", "met"),
    [
        ("The spare key is in the lockbox behind the garden gate.", "place", True),
        ("Go upstairs, it's the second door.", "place", True),
        ("Check-in is from three and check-out is by ten.", "place", False),
        ("They're valid for one year, then you renew them.", "place", False),
        ("That's Marta Quinn, our lettings manager.", "person", True),
        ("Our billing team handles refunds, I can put you through now.", "person", True),
        ("The alarm sounds at 110 decibels for 15 minutes.", "person", False),
        # A pronoun names no one; the customer addressed by name is no place.
        ("I can't tell you that. Her request is still open.", "person", False),
        ("I'll leave that up to you, Sarah.", "place", False),
    ],
)
def test_where_wants_a_place_and_who_wants_someone(nlp, reply, wants, met):
    assert answers_in_kind("what", _pair(nlp, reply, wants)) is met


@pytest.mark.parametrize(
    ("reply", "unapplied"),
    [
        ("Cleans are $60 for Silver members and $90 for Gold, depending on your plan.", True),
        ("If you paid by card it takes a day, and if you paid by cheque it takes a week.", True),
        ("Weekday parking is free whereas weekends cost four pounds.", True),
        ("A short one takes a day and a long one two; yours is the long one, so two days.", False),
        ("If you paid by card it takes a day, and you paid by card, so tomorrow.", False),
        ("It takes two working days from when we receive it.", False),
    ],
)
def test_cases_set_out_and_none_applied_answer_no_fact(nlp, reply, unapplied):
    assert cases_unapplied([nlp(reply)[:]]) is unapplied


def test_the_readings_of_version_10_have_their_lexicon_lists():
    lex = load_reply_lexicon()
    assert {"behind", "under", "opposite"} <= lex["place_prepositions"]
    assert "upstairs" in lex["place_words"] and {"team", "manager"} <= lex["person_nouns"]
    assert "whereas" in lex["alternative_markers"] and "so" in lex["application_markers"]


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
