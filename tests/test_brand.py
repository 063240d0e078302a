"""Brand congruence: directional tests on small realistic calls, profiles and their errors."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from cxnlp.dimensions.brand import (
    BrandCongruence,
    BrandProfile,
    BrandProfileError,
    default_brand_profile,
    inflection_variants,
    load_brand_profile,
    logistic_proba,
)
from cxnlp.model import Transcript

REPO_ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PROFILE = REPO_ROOT / "data" / "brand_profile_example.yaml"

#: Same call, same facts, on-brand versus off-brand (slangy, dismissive, blaming, forbidden).
ON_OFF_PAIRS = {
    "billing": (
        "I was charged twice for my broadband this month.",
        "Oh, I'm sorry you've been charged twice, I can see how worrying that is. "
        "I've refunded the duplicate payment of thirty-two pounds myself. "
        "Thanks so much for bearing with me while I checked.",
        "Yeah, that happens sometimes. I can see the duplicate payment of thirty-two pounds. "
        "Not my job to chase billing, mate, you'll get it back eventually.",
    ),
    "outage": (
        "My internet keeps dropping every evening and I work from home.",
        "I completely get how stressful that is when you work from home. "
        "There's a fault on the line at your street cabinet. "
        "I'll book the engineer for you and I'll make sure you get updates.",
        "Calm down, loads of people have the same thing. "
        "There's a fault on the line at your street cabinet. "
        "Dunno when it gets fixed, not my problem really.",
    ),
    "returns": (
        "The shoes I ordered are the wrong size and I want to send them back.",
        "I'm sorry the size wasn't right, that's disappointing. "
        "I've emailed you a free returns label for the shoes. "
        "Thank you for letting us know, I'm happy to help with anything else.",
        "Well, you picked the size, so that's on you. "
        "I've emailed you a returns label for the shoes. "
        "Whatever, just post them back.",
    ),
    "delivery": (
        "My parcel was meant to arrive yesterday and it still isn't here.",
        "I'm so sorry your parcel is late, I know you were counting on it. "
        "The courier has it at the local depot and it will be with you tomorrow. "
        "I'll keep an eye on it for you personally.",
        "Couriers, eh, nothing I can do about them. "
        "The courier has it at the local depot and it will be with you tomorrow. "
        "Just wait like everybody else, dude.",
    ),
}

#: A plain informational call and variants that change other dimensions, not brand voice.
PLAIN = [
    ("customer", "Why did my phone bill go up this month? And when does my contract end?"),
    ("agent", "Your bill went up because the annual price change took effect in April."),
    ("agent", "The monthly charge is now twenty-four pounds."),
    ("agent", "Your contract ends on the thirtieth of September."),
]


def call(*agent: str, customer: str = "I need some help with my account.") -> Transcript:
    return Transcript.from_pairs("t", [("customer", customer), *(("agent", a) for a in agent)])


@pytest.fixture(scope="module")
def brand(encoder) -> BrandCongruence:
    dim = BrandCongruence()
    dim.prepare(encoder)
    return dim


@pytest.fixture(scope="module")
def playful(encoder) -> BrandCongruence:
    dim = BrandCongruence(EXAMPLE_PROFILE)
    dim.prepare(encoder)
    return dim


def score(parser, dim, transcript: Transcript):
    return dim.score(parser.parse(transcript))


@pytest.mark.parametrize("case", sorted(ON_OFF_PAIRS))
def test_off_brand_rewrite_scores_lower(parser, brand, case):
    customer, on, off = ON_OFF_PAIRS[case]
    good = score(parser, brand, call(on, customer=customer))
    bad = score(parser, brand, call(off, customer=customer))
    assert good.score - bad.score >= 15, (good.score, bad.score)
    assert bad.features["off_brand_share"] + bad.features["forbidden_count"] > 0
    assert bad.features["voice_alignment"] < good.features["voice_alignment"]


@pytest.mark.parametrize(
    "remark",
    [
        "There's really no reason to get so worked up about it.",
        "You're making a fuss over nothing.",
        "Honestly, that's for another team to deal with, it isn't something I handle.",
        "Look, I can't help that, take it up with somebody else.",
    ],
)
def test_paraphrased_forbidden_sentiment_lowers_score(parser, brand, remark):
    base = score(parser, brand, Transcript.from_pairs("t", PLAIN))
    worse = score(parser, brand, Transcript.from_pairs("t", [*PLAIN, ("agent", remark)]))
    assert worse.features["forbidden_count"] == 0  # no literal phrase: caught by meaning
    assert worse.score < base.score
    assert any(e.kind == "off_brand" and e.sentence == remark for e in worse.evidence)


def test_informational_call_is_roughly_neutral(parser, brand):
    result = score(parser, brand, Transcript.from_pairs("t", PLAIN))
    assert abs(result.score - brand.neutral_score) <= 5
    more = Transcript.from_pairs(
        "t", [*PLAIN, ("agent", "The April change added one pound fifty to the plan.")]
    )
    assert abs(score(parser, brand, more).score - result.score) <= 5


@pytest.mark.parametrize("case", sorted(ON_OFF_PAIRS))
def test_filler_words_barely_move_brand(parser, brand, case):
    customer, on, _ = ON_OFF_PAIRS[case]
    sentences = on.split(". ")
    filled = ". ".join(f"Um, so, {s[0].lower()}{s[1:]}" for s in sentences)
    a = score(parser, brand, call(on, customer=customer)).score
    b = score(parser, brand, call(filled, customer=customer)).score
    assert abs(a - b) <= 6, (a, b)


def test_unanswered_question_barely_moves_brand(parser, brand):
    answered = score(parser, brand, Transcript.from_pairs("t", PLAIN)).score
    unanswered = score(parser, brand, Transcript.from_pairs("t", PLAIN[:3])).score
    assert abs(answered - unanswered) <= 5


def test_forbidden_phrase_inflection_is_evidence_on_its_turn(parser, brand):
    transcript = Transcript.from_pairs(
        "t",
        [
            ("customer", "My order never arrived."),
            ("agent", "Let me look into the order."),
            ("customer", "This is the third time!"),
            ("agent", "Refunds are not my jobs, sorry."),
        ],
    )
    result = score(parser, brand, transcript)
    hits = [e for e in result.evidence if e.kind == "forbidden_phrase"]
    assert [(e.turn_index, e.span) for e in hits] == [(3, "not my jobs")]
    assert hits[0].sentence == "Refunds are not my jobs, sorry."
    assert hits[0].weight == -brand.forbidden_points
    assert result.features["forbidden_count"] == 1


def test_preferred_phrase_raises_score(parser, brand):
    plain = score(parser, brand, Transcript.from_pairs("t", PLAIN))
    nicer = score(
        parser,
        brand,
        Transcript.from_pairs("t", [*PLAIN, ("agent", "Thank you for your patience today.")]),
    )
    assert nicer.features["preferred_count"] >= 1
    assert nicer.score > plain.score


def test_evidence_explains_score_when_not_clipped(parser, brand):
    customer, on, off = ON_OFF_PAIRS["billing"]
    for text in (on, off):
        result = score(parser, brand, call(text, customer=customer))
        if 0 < result.score < 100:
            total = sum(e.weight for e in result.evidence)
            assert result.score == pytest.approx(brand.neutral_score + total, abs=1e-6)


def test_features_are_finite_and_consistent(parser, brand):
    customer, _, off = ON_OFF_PAIRS["outage"]
    result = score(parser, brand, call(off, customer=customer))
    assert all(math.isfinite(v) for v in result.features.values())
    n_forbidden = sum(e.kind == "forbidden_phrase" for e in result.evidence)
    assert result.features["forbidden_count"] == n_forbidden
    n_off = len({e.sentence for e in result.evidence if e.kind == "off_brand"})
    assert result.features["off_brand_share"] == pytest.approx(n_off / result.features["agent_sentences"])
    assert 0 <= result.features["trait_coverage"] <= 1


@pytest.mark.parametrize(
    "pairs",
    [
        [("customer", "Hello? Is anyone there?")],
        [],
        [("customer", "Hi"), ("agent", "   ")],
    ],
)
def test_no_agent_sentence_gives_nan(parser, brand, pairs):
    result = score(parser, brand, Transcript.from_pairs("t", pairs))
    assert math.isnan(result.score)
    assert result.evidence == ()
    assert all(v == 0.0 for v in result.features.values())


def test_score_before_prepare_says_how_to_fix(parser):
    with pytest.raises(RuntimeError, match="prepare"):
        BrandCongruence().score(parser.parse(Transcript.from_pairs("t", PLAIN)))


# ------------------------------------------------------------------ profiles


def test_playful_profile_prefers_playful_phrasing(parser, brand, playful):
    customer = "Has my order shipped yet?"
    cheeky = call(
        "Woop woop, your trainers have left the building and are zooming your way!",
        "Ooh, you've got great taste, those are a best seller.",
        customer=customer,
    )
    stiff = call(
        "Please note that your order has been dispatched in accordance with our procedures.",
        "We kindly request that you allow up to five working days for delivery.",
        customer=customer,
    )
    assert score(parser, playful, cheeky).score > score(parser, brand, cheeky).score
    assert score(parser, playful, stiff).score < score(parser, brand, stiff).score
    assert score(parser, playful, cheeky).score > score(parser, playful, stiff).score


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid TOML basic string


def to_toml(profile: BrandProfile) -> str:
    """Serialise a profile to TOML by hand (the stdlib reads TOML but cannot write it)."""
    lines = [f"name = {_toml_string(profile.name)}"]
    lines.append(f"description = {_toml_string(profile.description)}")
    for key in ("preferred_phrases", "forbidden_phrases", "off_brand_examples"):
        items = ", ".join(_toml_string(v) for v in getattr(profile, key))
        lines.append(f"{key} = [{items}]")
    for trait in profile.voice_traits:
        lines += [
            "",
            "[[voice_traits]]",
            f"name = {_toml_string(trait.name)}",
            f"description = {_toml_string(trait.description)}",
            f"weight = {trait.weight!r}",
            "examples = [" + ", ".join(_toml_string(e) for e in trait.examples) + "]",
        ]
    return "\n".join(lines) + "\n"


def test_yaml_and_toml_profiles_give_same_result(parser, encoder, playful, tmp_path):
    yaml_profile = load_brand_profile(EXAMPLE_PROFILE)
    toml_path = tmp_path / "brand.toml"
    toml_path.write_text(to_toml(yaml_profile), encoding="utf-8")
    toml_profile = load_brand_profile(toml_path)
    assert toml_profile == yaml_profile
    assert toml_profile.profile_hash() == yaml_profile.profile_hash()
    from_toml = BrandCongruence(toml_path)
    from_toml.prepare(encoder)
    customer, on, _ = ON_OFF_PAIRS["returns"]
    parsed = parser.parse(call(on, customer=customer))
    assert from_toml.score(parsed).score == pytest.approx(playful.score(parsed).score)


def test_profile_hash_is_stable_and_tracks_content():
    a, b = default_brand_profile(), default_brand_profile()
    assert a.profile_hash() == b.profile_hash()
    changed = a.model_copy(update={"forbidden_phrases": [*a.forbidden_phrases, "meh"]})
    assert changed.profile_hash() != a.profile_hash()


def test_default_profile_has_the_house_voice():
    profile = default_brand_profile()
    assert {t.name for t in profile.voice_traits} >= {"warm", "clear", "respectful"}
    assert "calm down" in profile.forbidden_phrases
    assert profile.off_brand_examples


GOOD_YAML = """\
name: Acme
voice_traits:
  - name: warm
    examples: ["Glad to help."]
"""


@pytest.mark.parametrize(
    ("filename", "content", "expected"),
    [
        (
            "missing.yaml",
            "voice_traits:\n  - name: warm\n    examples: [Hi]\n",
            ["name: required field is missing"],
        ),
        ("unknown.yaml", GOOD_YAML + "tone: cheerful\n", ["tone", "unknown field"]),
        (
            "empty_examples.yaml",
            "name: Acme\nvoice_traits:\n  - name: warm\n    examples: []\n",
            ["voice_traits.0.examples", "at least 1 item"],
        ),
        (
            "bad_type.yaml",
            "name: Acme\nvoice_traits:\n  - name: warm\n    examples: [Hi]\n    weight: lots\n",
            ["voice_traits.0.weight", "'lots'"],
        ),
        ("list.yaml", "- name: Acme\n", ["expected a mapping"]),
        ("broken.yaml", "name: [unclosed\n", ["not valid", "YAML"]),
        ("broken.toml", "name = \n", ["not valid", "TOML"]),
        (
            "unknown.toml",
            'name = "Acme"\nvoices = []\n[[voice_traits]]\nname = "warm"\nexamples = ["Hi"]\n',
            ["voices", "unknown field"],
        ),
        ("profile.json", "{}", ["extension", ".toml"]),
    ],
)
def test_bad_profile_files_name_file_and_field(tmp_path, filename, content, expected):
    path = tmp_path / filename
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BrandProfileError) as info:
        load_brand_profile(path)
    message = str(info.value)
    assert filename in message
    for fragment in expected:
        assert fragment in message
    assert "fix" in message.lower() or "expected" in message.lower()


def test_unreadable_profile_names_file(tmp_path):
    with pytest.raises(BrandProfileError, match="nowhere.yaml.*cannot read"):
        load_brand_profile(tmp_path / "nowhere.yaml")
    with pytest.raises(TypeError, match="expected None, a BrandProfile or a path"):
        BrandCongruence(profile=42).prepare(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("word", "variant", "expected"),
    [
        ("job", "jobs", True),
        ("calm", "calming", True),
        ("that's", "that\u2019s", True),
        ("whatever", "whatevers", True),
        ("my", "mys", False),  # short words keep their exact form
    ],
)
def test_inflection_variants(word, variant, expected):
    assert (variant in inflection_variants(word)) is expected


# ------------------------------------------------------------------ one sentence in a good call

#: An otherwise good call; a test sentence goes in as one extra agent turn before the fix.
GOOD_CALL = [
    ("agent", "Hello, you're through to customer support, this is Sam."),
    ("customer", "Hi, my broadband bill has gone up and I don't know why."),
    ("agent", "I'm sorry about the surprise, let me take a look at the account."),
    ("agent", "Your twelve-month discount ended on the third of October."),
    ("agent", "I've moved you onto the loyalty price, so the bill goes back down next month."),
    ("customer", "Great, thanks."),
    ("agent", "You're welcome, is there anything else I can help with?"),
]


def with_sentence(text: str) -> Transcript:
    return Transcript.from_pairs("t", [*GOOD_CALL[:4], ("agent", text), *GOOD_CALL[4:]])


@pytest.mark.parametrize(
    "remark",
    [
        # no phrase of the profile's forbidden list and no register cue: read by tone
        "That's a you problem, not a me problem.",
        "Seriously, how hard is it to plug a cable in?",
        # register cues: text-speak, shouting, a talking-down tag question
        "The new price starts next month, u r all sorted.",
        "The discount was NEVER meant to last forever.",
        "Leaving the renewal a bit late, weren't you?",
    ],
)
def test_one_off_brand_sentence_without_a_forbidden_phrase_costs_five_points(parser, brand, remark):
    base = score(parser, brand, Transcript.from_pairs("t", GOOD_CALL))
    worse = score(parser, brand, with_sentence(remark))
    assert worse.features["forbidden_count"] == 0
    assert base.score - worse.score >= 5, (base.score, worse.score)
    hit = [e for e in worse.evidence if e.kind == "off_brand" and e.turn_index == 4]
    assert hit and hit[0].weight <= -5


@pytest.mark.parametrize(
    "fact",
    [
        "The replacement card will arrive by Thursday.",
        "Your direct debit is taken on the fifth of each month.",
        "The store closes at eight on weekdays.",
        "the technician will bring the new meter with him",
        "No, the loyalty price doesn't change your contract end date.",
    ],
)
def test_one_neutral_factual_sentence_costs_nothing(parser, brand, fact):
    base = score(parser, brand, Transcript.from_pairs("t", GOOD_CALL)).score
    assert base - score(parser, brand, with_sentence(fact)).score < 1.0


#: (off brand, the same shape said plainly): the first costs >= 5 points, the second < 1.
SAME_SHAPE_PAIRS = [
    # a reminder with a repeat word is a reproach; without one it is signposting
    (
        "As I already explained, the form is on the website.",
        "As I mentioned, the form is on the website.",
    ),
    # a failure of the customer's as the cause is blame; a choice of theirs is an explanation
    (
        "The payment bounced because you didn't keep enough money in the account.",
        "The payment went out late because the fifth was a bank holiday.",
    ),
    # an ultimatum, and the same question asked
    ("Are you going to read me the account number or not?", "Could you read me the account number?"),
    # a blame with the subject dropped, and a plain pointer to self-service
    ("Could've checked the app, it's all there.", "You can also check this in the app."),
    # "that's your problem" is forbidden; a helpdesk asking about "your problem" is not
    ("That's your problem, not ours.", "Please describe your problem in detail."),
    # a courtesy formula is never off brand
    ("Sorry, not my department.", "We are sorry."),
    # manner with no rude word (lexicon version 4): curt, annoyed, talking down, brushing off
    ("Account number?", "Could I have the account number, please?"),
    ("Ugh, ok, one sec.", "Okay, one second."),
    ("Did you even check the app?", "Did you manage to check the app?"),
    ("You'll get it when you get it.", "You'll get it by Friday."),
    ("Oh brilliant, so you want a refund as well.", "You'd like a refund as well."),
    # said politely, no rude word (lexicon version 5): blame, condescension, exasperation,
    # reproach, brush-off
    ("You should have read the terms before you signed.", "You should have received the new card by now."),
    ("Well, that's what happens when the bill isn't paid on time.", "That's what the fee covers."),
    ("It's not complicated, you just press the button.", "You just press the button and wait."),
    ("I'm not sure what else you want me to say.", "I'm not sure what time the engineer arrives."),
    ("Per my last message, the refund has been issued.", "Per the contract, notice is thirty days."),
    ("That's not really my problem.", "That isn't covered, but I can book a paid repair."),
    # no counterfactual and no rude word (lexicon version 6): a pointer to what the customer
    # was given, what everyone knows, blame on someone unnamed, a duty, an order of conduct
    ("That was in the paperwork you signed.", "I've emailed you a copy of the paperwork you signed."),
    ("Most people know that.", "Most people pay by direct debit."),
    ("The bill went up because nobody told us you moved.", "The bill went up because the area was re-rated."),
    ("You're supposed to tell us when you move.", "You're supposed to get a text the day before."),
    (
        "Be on time, the slots run to the minute.",
        "The slots run to the minute, so I've given you the first one.",
    ),
]


@pytest.mark.parametrize(("off", "plain"), SAME_SHAPE_PAIRS)
def test_off_brand_costs_and_the_same_shape_said_plainly_does_not(parser, brand, off, plain):
    base = score(parser, brand, Transcript.from_pairs("t", GOOD_CALL)).score
    assert base - score(parser, brand, with_sentence(off)).score >= 5
    assert base - score(parser, brand, with_sentence(plain)).score < 1


@pytest.mark.parametrize(
    "formula",
    ["We are sorry.", "Thank you for your feedback.", "Hello, you're chatting with Covewell Claims."],
)
def test_short_courtesy_formulas_are_never_off_brand(parser, brand, formula):
    result = score(parser, brand, call(formula))
    assert not [e for e in result.evidence if e.weight < 0], result.evidence


def test_register_prototypes_load_and_enter_the_configuration(packaged_and_copy, parser):
    """The off-brand registers are data: a deployment's copy that drops a sentence is another
    configuration and another classifier."""
    old = '    - "Come on, I haven\'t got all day."\n'
    parsed = parser.parse(with_sentence("Come on, I haven't got all day."))
    vector = parsed.vectors_of([s for s in parsed.agent_sentences if s.turn_index == 4])

    def read(dim):
        return dim.resource_digests()["brand_lexicon"], dim.style_probabilities(vector)[1][0]

    (digest_a, p_a), (digest_b, p_b) = packaged_and_copy(
        BrandCongruence, "brand_lexicon", "brand_lexicon.yaml", old, "", read
    )
    assert digest_a != digest_b
    assert p_b < p_a
    assert BrandCongruence().config()["resources"]["brand_lexicon"] == digest_a


def test_a_version_1_brand_lexicon_still_loads_with_the_packaged_registers(encoder, tmp_path, caplog):
    text = (REPO_ROOT / "cxnlp" / "resources" / "brand_lexicon.yaml").read_text(encoding="utf-8")
    v1 = re.sub(r"(?m)^version: \d+$", "version: 1", text.split("\noff_brand_registers:")[0])
    path = tmp_path / "brand_lexicon.yaml"
    path.write_text(v1, encoding="utf-8")
    dim = BrandCongruence(brand_lexicon=str(path))
    with caplog.at_level("WARNING"):
        dim.prepare(encoder)
    assert "off_brand_registers" in caplog.text
    assert "casual" in dim.off_prototypes_.labels
    assert "lol" in dim.register_words_.text_speak


def test_phrase_prefilter_finds_what_the_matcher_finds():
    """The word-index test that lets find_phrases skip spaCy's matcher never skips a match."""
    import spacy

    from cxnlp.dimensions.brand import _phrase_matcher, could_hold_phrase, find_phrases

    nlp = spacy.blank("en")
    profile = default_brand_profile()
    forbidden, preferred = tuple(profile.forbidden_phrases), tuple(profile.preferred_phrases)
    matcher, openers, index = _phrase_matcher(nlp.vocab, forbidden, preferred)
    sentences = [
        *forbidden,
        *preferred,
        *(f"Well, {p}, honestly." for p in (*forbidden[:10], *preferred[:5])),
        *(" ".join(p.split()[:-1]) + " indeed." for p in forbidden if len(p.split()) > 1),
        "Refunds are not my jobs, sorry.",
        "Calm   down please.",
        "I'll check the order for you now.",
        "",
    ]
    held = 0
    for text in sentences:
        span = nlp(text)[:]
        full = find_phrases(span, matcher)
        assert find_phrases(span, matcher, openers, index) == full, text
        assert could_hold_phrase([t.lower_ for t in span], index) == bool(matcher(span)), text
        held += bool(full)
    assert held >= len(forbidden)  # the test sentences do hold phrases


def test_one_sentence_costs_at_most_one_sentence_price(parser, brand):
    """Two forbidden phrases and a rude manner in one line are one off-brand act; the same
    words over two lines are two."""
    base = score(parser, brand, Transcript.from_pairs("t", GOOD_CALL)).score
    one = base - score(parser, brand, with_sentence("I'll deal with it, whatever.")).score
    assert 5 <= one <= brand.max_sentence_cost + 1e-9
    two_turns = [*GOOD_CALL[:4], ("agent", "Deal with it."), ("agent", "Whatever."), *GOOD_CALL[4:]]
    two = base - score(parser, brand, Transcript.from_pairs("t", two_turns)).score
    assert two > one


def test_a_line_with_a_register_cue_earns_nothing_on_brand(parser, brand):
    result = score(parser, brand, call("Ugh, fine, I'll be glad to sort it I guess."))
    assert not [e for e in result.evidence if e.kind == "on_brand"], result.evidence
    assert [e for e in result.evidence if e.kind == "off_brand"]
    warm = score(parser, brand, call("I'll be glad to sort that out for you."))
    assert [e for e in warm.evidence if e.kind == "on_brand"]


#: Recogniser-style agent lines (lower case, no punctuation) and the same with fillers.
RECOGNISER_FILLER = [
    (
        "yes the card number should be treated as compromised",
        "yes so the card number should uh kind of be treated as compromised",
    ),
    (
        "i have refunded the duplicate payment of twelve pounds",
        "i have um basically refunded the like duplicate payment of twelve pounds",
    ),
    (
        "the engineer will be there between one and five",
        "so the engineer will uh be there you know between one and five",
    ),
]


@pytest.mark.parametrize(("clean", "filled"), RECOGNISER_FILLER)
def test_recogniser_filler_does_not_lower_brand(parser, brand, clean, filled):
    """Filler is the filler dimension's: in speech-recogniser text it must not read as manner."""
    spoken = [
        (who, text.lower().replace(",", "").replace(".", "").replace("'", "")) for who, text in GOOD_CALL
    ]
    a = score(parser, brand, Transcript.from_pairs("t", [*spoken[:4], ("agent", clean), *spoken[4:]])).score
    b = score(parser, brand, Transcript.from_pairs("t", [*spoken[:4], ("agent", filled), *spoken[4:]])).score
    assert a - b < 3, (a, b)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_proba_is_scikit_learns_to_the_bit(n_classes):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(n_classes)
    X = rng.normal(size=(120, 16)).astype(np.float32)
    model = LogisticRegression(max_iter=500).fit(X, rng.integers(0, n_classes, 120))
    new = rng.normal(size=(9, 16)).astype(np.float32)
    assert np.array_equal(logistic_proba(model, new), model.predict_proba(new))


#: A call the agent opens and closes with courtesy, and the same call opened with the company's
#: name alone and closed with a bare farewell (lexicon version 6: the call's opening and close).
POLITE_TURNS = [
    ("agent", "Sentinel Alarms, this is Joe speaking, how can I help?"),
    ("customer", "My alarm panel keeps beeping."),
    ("agent", "That's sensor four on your back door; the battery needs changing."),
    ("customer", "Okay, and when does the engineer come for the service?"),
    ("agent", "Thursday, you're welcome to call if that doesn't suit."),
]
CURT_TURNS = [
    ("agent", "Sentinel."),
    POLITE_TURNS[1],
    POLITE_TURNS[2],
    POLITE_TURNS[3],
    ("agent", "Thursday then."),
]


def test_a_curt_opening_and_close_cost_and_their_courteous_twins_do_not(parser, brand):
    polite = score(parser, brand, Transcript.from_pairs("t", POLITE_TURNS))
    curt = score(parser, brand, Transcript.from_pairs("t", CURT_TURNS))
    assert not [e for e in polite.evidence if e.weight < 0], polite.evidence
    found: dict[int, str] = {}
    for e in curt.evidence:
        if e.weight < 0:
            found[e.turn_index] = found.get(e.turn_index, "") + e.detail
    assert "curt opening" in found[0] and "curt close" in found[4], found
    assert polite.score - curt.score >= 10


def test_a_short_farewell_is_not_curt(parser, brand):
    turns = [*POLITE_TURNS, ("customer", "Thanks, bye."), ("agent", "You're welcome. Bye now.")]
    result = score(parser, brand, Transcript.from_pairs("t", turns))
    assert not [e for e in result.evidence if e.weight < 0], result.evidence


def test_a_one_turn_reply_has_no_opening_or_close(parser, brand):
    """The call's opening and close are read only where the agent opens and speaks again."""
    result = score(parser, brand, call("Sentinel."))
    assert not [e for e in result.evidence if "curt opening" in e.detail or "curt close" in e.detail]


def test_a_bare_goodbye_closing_a_call_costs_nothing(parser, brand):
    """Careful agents end calls with "Bye." after the customer's goodbye as often as curt ones."""
    turns = [*POLITE_TURNS, ("customer", "Great, bye."), ("agent", "Bye.")]
    result = score(parser, brand, Transcript.from_pairs("t", turns))
    assert not [e for e in result.evidence if e.weight < 0], result.evidence


#: Warm lines the style classifier read as off brand in good tuning calls (proactive closes,
#: casual empathy), punctuated and as a speech recogniser writes them, with paraphrases.
WARM_LINES = [
    "If that date doesn't suit, just give us a ring and we'll move it.",
    "if that date doesnt suit just give us a ring and well move it",
    "If the time's no good for you, give us a call and we'll find another.",
    "When you light it, open a window and give us a ring straight away.",
    "when you light it open a window and give us a ring straight away",
    "Oh, those reminder letters always cause a bit of a panic, don't they?",
    "yeah i know its a pain being stuck without the telly for a few days",
    "I know it's a pain being without the car for the week.",
]


@pytest.mark.parametrize("line", WARM_LINES)
def test_a_proactive_close_or_casual_empathy_costs_nothing(parser, brand, line):
    base = score(parser, brand, Transcript.from_pairs("t", GOOD_CALL)).score
    result = score(parser, brand, with_sentence(line))
    assert base - result.score < 1, [e.detail for e in result.evidence if e.weight < 0]


def test_a_call_without_a_single_courtesy_word_costs_once(parser, brand):
    """Curt rewrites of every turn thank, apologise and greet nowhere: a finding about the call."""
    polite = [
        ("agent", "Hollins renewals, this is Dev."),
        ("customer", "Why has my premium gone up?"),
        ("agent", "Your area was re-rated after the floods, sorry about that."),
        ("customer", "Can I lower it?"),
        ("agent", "A higher excess brings it to four hundred ninety-one pounds."),
        ("customer", "Okay, do that."),
        ("agent", "Done, thanks for calling."),
    ]
    bare = [
        polite[0],
        polite[1],
        ("agent", "Your area was re-rated after the floods."),
        polite[3],
        polite[4],
        polite[5],
        ("agent", "Done, the new premium starts next month."),
    ]
    kept = score(parser, brand, Transcript.from_pairs("t", polite))
    cut = score(parser, brand, Transcript.from_pairs("t", bare))
    assert not [e for e in kept.evidence if "no courtesy word" in e.detail]
    assert [e.turn_index for e in cut.evidence if "no courtesy word" in e.detail] == [0]
    assert kept.score - cut.score >= 5


@pytest.mark.parametrize(
    ("text", "is_offer"),
    [
        ("If the fitter can't make Tuesday, ring us and we'll find another slot.", True),
        ("I'll pop the returns label in the post tonight.", True),
        ("Nope, that's the system.", False),
        ("Can't change it now.", False),
    ],
)
def test_an_unsure_off_brand_reading_of_an_offer_needs_a_clear_margin(parser, brand, text, is_offer):
    """The gate reads the sentence's shape: with a near off-brand example (0.55) but a margin
    short of ``off_clear_margin``, a reading of an offer does not count and one of a curt reply
    does; a clear margin counts for both, a margin under ``off_margin`` for neither."""
    sentence = parser.parse(call(text)).agent_sentences[0]
    near, unclear = 0.55, (brand.off_margin + brand.off_clear_margin) / 2
    assert brand._off_reading_counts(sentence, near, unclear) is (not is_offer)
    assert brand._off_reading_counts(sentence, near, brand.off_clear_margin + 0.01)
    assert not brand._off_reading_counts(sentence, near, brand.off_margin)
    assert not brand._off_reading_counts(sentence, brand.off_min_similarity - 0.05, unclear)


def test_a_warm_proactive_close_in_a_courteous_turn_costs_nothing(parser, brand):
    """An invitation to come back and a warm farewell after thanks cost no brand points."""
    turns = [
        *POLITE_TURNS,
        ("customer", "Great, thanks."),
        (
            "agent",
            "Thanks for your patience today. If the parcel isn't with you by Friday, just give us "
            "a ring and we'll send another. Speak soon.",
        ),
    ]
    result = score(parser, brand, Transcript.from_pairs("t", turns))
    assert not [e for e in result.evidence if e.weight < 0], result.evidence
