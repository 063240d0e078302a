"""The company a greeting names is not a person, however disfluent the greeting (cxnlp.privacy)."""

from __future__ import annotations

from importlib import resources

import pytest

from cxnlp.privacy import Redactor
from cxnlp.privacy.allow import load_allow_list

LATER = "Yeah, so Acme Bank blocked my card again and Acme Bank never called me back."


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor()


def _call(redactor: Redactor, turns: list[str]) -> list[str]:
    context = redactor.call_context(turns)
    return [redactor.redact(turn, context) for turn in turns]


@pytest.mark.parametrize(
    ("greeting", "written"),
    [
        # Recogniser style: lower case, fillers, no punctuation. The lower-case "this is jo"
        # names no one (capitalised cue, docs/privacy.md); the company stays.
        (
            "uh thank you for calling um acme bank this is jo how can i help",
            "uh thank you for calling um acme bank this is jo how can i help",
        ),
        ("um this is acme bank uh how can i help", "um this is acme bank uh how can i help"),
        ("hello you're speaking with acme bank", "hello you're speaking with acme bank"),
        # Capitalised, with fillers, repeats and false starts: the agent's name goes.
        (
            "Uh thank you for calling um Acme Bank this is Jo",
            "Uh thank you for calling um Acme Bank this is <PERSON>",
        ),
        ("Thank you for call- for calling, er, Acme Bank, this is Jo.", None),
        ("This is Acme Bank, how can I help?", "This is Acme Bank, how can I help?"),
        (
            "Hi, this is Acme Bank calling about your account.",
            "Hi, this is Acme Bank calling about your account.",
        ),
        ("Hello, Acme Bank, Jo speaking, how can I help?", None),
        ("Hello you're speaking with Acme Bank.", "Hello you're speaking with Acme Bank."),
        ("Thank you for calling Acme Bank. This is Acme Bank's fraud line, Jo speaking.", None),
    ],
)
def test_the_company_in_a_greeting_is_kept_there_and_later_in_the_call(redactor, greeting, written):
    out_greeting, out_later = _call(redactor, [greeting, LATER])
    assert out_later == LATER  # not taken for a name to look for elsewhere in the call
    assert "acme bank" in out_greeting.lower()
    if written is not None:
        assert out_greeting == written
    else:  # the agent's own name, given with a capital, is still redacted
        assert "Jo " not in out_greeting and "Jo." not in out_greeting and "<PERSON>" in out_greeting


@pytest.mark.parametrize(
    ("turns", "gone"),
    [
        # The same cues before a person's name still redact it, everywhere in the call.
        (["hello you're speaking with olivia dubois", "thanks olivia"], "olivia"),
        (["Hi, this is Jo Smith calling about your account.", "Is Jo Smith there?"], "Smith"),
        # A surname that is also a word of business ("Banks") is a name.
        (["my name is Olivia Banks", "thanks Olivia Banks"], "Banks"),
        # A name the greeting swallowed into the company is still redacted by its own cue.
        (["Thank you for calling Acme Bank Sarah speaking.", "yes this is Sarah speaking"], "Sarah"),
        (["hi this is Dana from Harbor Insurance", "thanks Dana"], "Dana"),
    ],
)
def test_a_person_after_the_same_cues_is_still_redacted(redactor, turns, gone):
    for written in _call(redactor, turns):
        assert gone.lower() not in written.lower(), written


def test_a_deployment_term_after_a_name_cue_is_the_company(tmp_path):
    text = resources.files("cxnlp").joinpath("resources", "privacy_allow.yaml").read_text()
    custom = tmp_path / "allow.yaml"
    custom.write_text(text.replace("terms: [PayPal,", "terms: [Kestrel Connect, PayPal,"))
    greeting = "This is Kestrel Connect, how can I help?"
    assert Redactor(allow=custom).redact(greeting) == greeting
    assert "Kestrel" not in Redactor().redact(greeting)  # no company word: read as a name


@pytest.mark.parametrize(
    ("phrase", "orgs", "company"),
    [
        ("Acme Bank", set(), True),
        ("acme bank's", set(), True),
        ("Harbor Mutual Insurance", set(), True),
        ("PayPal", set(), True),  # a packaged term
        ("Kestrel Connect", {"kestrel connect"}, True),  # the greeting named it
        ("Kestrel Connect", set(), False),
        ("Sarah", {"acme bank sarah"}, False),  # shares a word only
        ("Olivia Banks", set(), False),
        ("Jo", set(), False),
        ("", set(), False),
    ],
)
def test_names_company(phrase, orgs, company):
    assert load_allow_list().names_company(phrase, orgs) is company


def test_org_words_is_a_list_of_strings(tmp_path):
    bad = tmp_path / "allow.yaml"
    bad.write_text("org_words: bank\n")
    with pytest.raises(ValueError, match=r"allow\.yaml.*'org_words'"):
        load_allow_list(bad)


BRIGHTWAVE_LATER = "Brightwave can sort that out for you today."


@pytest.mark.parametrize(
    ("greeting", "written"),
    [
        # The company a speaker names right after their own name needs no company word.
        (
            "hi this is Jane from Brightwave how can I help",
            "hi this is <PERSON> from Brightwave how can I help",
        ),
        (
            "Hi, this is Jane from Brightwave. How can I help?",
            "Hi, this is <PERSON> from Brightwave. How can I help?",
        ),
        (
            "Hi my name is Jane with Brightwave, how can I help?",
            "Hi my name is <PERSON> with Brightwave, how can I help?",
        ),
        ("It's Jane here from Brightwave.", "It's <PERSON> here from Brightwave."),
    ],
)
def test_the_company_after_a_self_introduced_name_is_kept_there_and_later(redactor, greeting, written):
    out_greeting, out_later = _call(redactor, [greeting, BRIGHTWAVE_LATER])
    assert out_greeting == written
    assert out_later == BRIGHTWAVE_LATER
    # Without the call's context the turn alone keeps the company too.
    assert redactor.redact(greeting) == written


@pytest.mark.parametrize(
    ("turns", "gone"),
    [
        # Not after a name a cue gave: a person after "with"/"from" is still a name.
        (["I spoke with Sarah Jenkins yesterday.", "Sarah Jenkins said it was sorted."], "Jenkins"),
        (["hi this is Jane from Brightwave", "my name is Olivia Dubois, from Leeds"], "Dubois"),
        (["hi this is Jane from Brightwave", "thanks Jane"], "Jane"),
    ],
)
def test_a_person_near_a_self_introduced_company_is_still_redacted(redactor, turns, gone):
    for written in _call(redactor, turns):
        assert gone.lower() not in written.lower(), written


def test_org_after_name(tmp_path):
    allow = load_allow_list()
    text = "this is Jane from Brightwave how can I help"
    assert allow.org_after(text, text.index(" from")) == "brightwave"
    assert allow.org_after(text, text.index(" how")) is None
    # A copy without the field reads nothing after a name.
    copy = tmp_path / "allow.yaml"
    copy.write_text("version: 1\n")
    assert load_allow_list(copy).org_after(text, text.index(" from")) is None
