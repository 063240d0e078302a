"""Follow-up routing by meaning with cue words (issue #10 point 5, signals revision 4).

The encoder reads topic more than polarity or mood: "Password reset done during the call."
resembles "Nothing has changed since my call." and "Would ring this team again any day."
resembles "Can someone ring me tomorrow?". An open issue, a request for a call or a question
by meaning therefore needs a cue word of its polarity or mood ("still", "never", "n't",
"please", "?") unless the piece is a close paraphrase. The comments below were written for
these tests (none is in a tune or held-out file); most were routed wrong before the cues.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from cxnlp.analytics import FollowupRouter
from cxnlp.analytics.followup import FollowupResourceError, _compile_cues, parse_followup_signals

slow = pytest.mark.slow


def route(router: FollowupRouter, rating: float, comment: str):
    return router.decide_many([rating], [comment])[0]


@slow
@pytest.mark.parametrize(
    ("rating", "comment", "action"),
    [
        # a thing done, on an open issue's topic, is no open issue
        (90, "Payment plan set up in five minutes.", "none"),
        (87, "Password reset done during the call.", "none"),
        (90, "Meter reading taken and the estimate replaced.", "none"),
        (86, "Bill corrected on the spot.", "none"),
        # a call mentioned is no call asked for
        (93, "Would ring this team again any day.", "none"),
        # a statement on a question's topic is no question
        (91, "Moved house and the account followed me without fuss.", "none"),
        # questions stay questions, with or without "?"
        (70, "Does the credit show on this statement or the next one?", "more_information"),
        (72, "is the engineer visit free or charged", "more_information"),
        (58, "I'd like a breakdown of the new charges.", "more_information"),
        (62, "Not sure what the exit fee covers.", "more_information"),
        (64, "Couldn't follow the bit about the excess on my claim.", "more_information"),
        # open issues with their cue words
        (45, "The refund you promised has not shown up.", "callback"),
        (50, "Two weeks on and the parcel is nowhere to be seen.", "callback"),
        (55, "Account locked again this morning.", "callback"),
        (60, "Any update on my claim? It's been a month.", "callback"),
        (52, "The app was working before the update, now it crashes on login.", "callback"),
        # a broken promise told in two sentences
        (48, "They said they'd email the forms. Nothing.", "callback"),
        (35, "The engineer said he'd come back Thursday. He didn't.", "callback"),
        # a request for a call, even when it reads most like an open issue
        (70, "Could somebody ring me once the replacement is dispatched?", "callback"),
        (65, "please phone me tomorrow about the meter", "callback"),
    ],
)
def test_cue_words_tell_a_need_from_its_topic(router, rating, comment, action):
    got = route(router, rating, comment)
    assert got.action == action, (got.rule, got.evidence)


@slow
def test_the_cue_gate_is_what_keeps_a_done_thing_from_a_callback():
    comment = "Password reset done during the call."
    loose = FollowupRouter(uncued_similarity=0.0).fit()
    assert route(loose, 87, comment).action == "callback"
    assert route(FollowupRouter().fit(), 87, comment).action == "none"


@slow
def test_the_evidence_quotes_the_cue_word(router):
    got = route(router, 55, "Account locked again this morning.")
    assert got.rule == "callback.unresolved_comment"
    assert 'cue "' in got.evidence and "similarity" in got.evidence


@slow
def test_a_low_rating_that_loses_its_need_to_the_cue_gate_is_not_none(router):
    got = route(router, 30, "Password reset done during the call.")
    assert got.action == "apology" and got.rule == "apology.low_rating"
    assert "rating 30" in got.reason


def test_cue_patterns_match_words_starts_endings_and_question_marks():
    pattern = _compile_cues(["*n't", "still", "keep*", "^is", "?", "said he'd"])
    assert pattern.search("it hasn't arrived")
    assert not pattern.search("I want a new one")  # "*n't" needs its apostrophe
    assert pattern.search("it keeps dropping") and pattern.search("STILL broken")
    assert pattern.search("is the visit free") and not pattern.search("the visit is free")
    assert pattern.search("free or charged?")
    assert pattern.search("he said he\u2019d ring")
    assert not pattern.search("stillness")


def _signals(**extra):
    return {
        "version": 1,
        "signals": {
            "open": {"action": "callback", "when": "any", "prototypes": ["Still broken."], **extra},
            "calm": {"action": "none", "when": "any", "prototypes": ["All good."]},
        },
    }


def test_a_signal_names_its_cue_sets_and_a_bad_one_is_named():
    data = {**_signals(cues=["persistence"]), "cue_words": {"persistence": ["still", "again"]}}
    signals = parse_followup_signals(data)
    assert signals["open"].cues == ("persistence",)
    assert signals["open"].cue_words == ("still", "again")
    assert signals["calm"].cue_pattern is None
    with pytest.raises(FollowupResourceError, match=r"signals\.open\.cues: got 'polarity'"):
        parse_followup_signals({**_signals(cues=["polarity"]), "cue_words": {"persistence": ["still"]}})
    # YAML reads a bare no as false: the file must quote it
    with pytest.raises(FollowupResourceError, match=r"cue_words\.negation"):
        parse_followup_signals({**_signals(), "cue_words": {"negation": ["not", False]}})


def test_an_extending_file_adds_cue_words_to_the_packaged_sets():
    signals = parse_followup_signals(
        {
            "version": 1,
            "extends": "default",
            "cue_words": {"persistence": ["yet again"]},
            "signals": {"waiting": {"phrases": ["in the queue"]}},
        }
    )
    assert "yet again" in signals.cue_words["persistence"]
    assert "still" in signals.cue_words["persistence"]
    assert "yet again" in signals["unresolved_comment"].cue_words


def test_the_benchmark_lists_tune3_without_its_text():
    benchmarks = Path(__file__).resolve().parents[1] / "benchmarks"
    sys.path.insert(0, str(benchmarks))
    try:
        spec = importlib.util.spec_from_file_location("bench_followups", benchmarks / "bench_followups.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(benchmarks))
    assert module.SPLITS["tune3"] == "survey_comments_tune3.jsonl"
    assert {"tune3", "holdout"} <= module.UNQUOTED and "tune2" not in module.UNQUOTED
