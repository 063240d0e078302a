"""Proactive connection: did the agent connect with the customer and look ahead for them?

Six acts are looked for in the agent's sentences:

``name``
    Personalisation: the agent uses the customer's name. The name comes from
    ``metadata["customer_name"]``, else from the customer's self-introduction ("my name
    is Ana Silva", "this is Tom", "Priya here"), else from vocative patterns in the
    agent's speech ("Thanks, Sarah.", "Sarah, I've...", "Mr. Okafor"). The agent's own
    self-introduction ("my name is John, how can I help?") never counts.
``empathy``
    Empathy and acknowledgement ("I'm sorry to hear that", "that sounds stressful", "I can
    see why that's upsetting", "it's natural to feel nervous", "I hope she's better soon"). Not
    empathy: a scripted apology with nothing about the customer's case ("we apologise for
    any inconvenience"), "sorry, could you repeat that?", "I'm sorry you feel that way",
    and acknowledgement as a brush-off ("I understand, but there's nothing I can do").
``ownership``
    The agent takes the task on ("I'll make sure...", "let me take care of...", "I've
    gone ahead and..."). A refusal ("I will not be able to help") is never ownership, nor
    a look-up ("I've found your order") or an empty promise ("I'll pass that on", "we'll
    see what we can do", "someone will probably sort it"), which is no next step either.
``next_steps``
    Clear next steps and expectations ("you'll receive an email within 24 hours"), also
    told as what someone else will do ("the courier will call you an hour before"), as a
    schedule ("your new card arrives Friday") or as an instruction with its outcome or
    its time ("text ROAM to 2020 and it'll switch on"), or as a message the agent will send
    ("I'll email you the new booking now"); an instruction for now, on the line ("read me
    the code"), is none. A speech recogniser's "ill" before a verb is "I'll" ("ill email
    you"), never after a verb of being or seeming ("she's been ill").
``anticipation``
    Anticipating the next need ("to avoid this next time...", "you may also want to..."),
    also as a conditional offer ("if you'd rather vote by post I can add that", "I can set
    one up now if you'd like", "would you like me to book that too?"), a contingency with what
    to do ("if it gets worse, ring us", "if it's not there by six I'll send another"), a tip
    for later ("I'd suggest arriving early", "when you check in, ask for...") or harm headed
    off ("so you won't be stuck", "in case you need cash"); a condition that is a request
    ("if you could confirm...") or asks consent ("if that's okay, I'll put you on hold") is
    none.
``offer_more``
    Offering further help ("is there anything else I can help with?"); the opening "how
    can I help you today?" is not, wherever it is said.

Small talk is none of these acts: a sentence the filler dimension calls small talk
(:meth:`~cxnlp.dimensions.filler.FillerContent.small_talk_sentences`, the same lexicon)
shows no act by similarity, and none at all when the agent talks about themself ("I can
imagine, my weekend was a write-off too"); a name used in it still counts.

The validity criterion of these acts is ``benchmarks/data/validity/proactive_acts_*.jsonl``
and ``proactive_filler_*.jsonl`` (agent turns labelled with their acts, hard negatives
included), reported per act by ``benchmarks/bench_validity.py`` section (g).

Each act except ``name`` is found by a precise spaCy ``Matcher`` pattern
(:func:`act_patterns`) or by cosine similarity to the prototype sentences in
``act_prototypes`` of at least ``similarity_threshold``. A sentence counts at most once
per category. The prototype sentences and the patterns' word lists live in
``cxnlp/resources/proactive_lexicon.yaml`` (:data:`LEXICON`), the time words of next steps
in ``reply_functions.yaml``; a deployment passes its own copies as ``proactive_lexicon``
and ``reply_lexicon``. The patterns' open-class words (verbs, nouns, adjectives, hedges a
deployment may extend) are all read from the lexicon; what stays in the code is English
grammar: pronouns, auxiliaries and modals, negators, determiners and prepositions, the
apology words that define the act, and fixed idioms ("leave it with me").

Score (0-100; NaN when the agent says nothing)::

    score = 100 * sum_c weight_c * (1 - saturation ** count_c) / sum_c weight_c

so the first occurrence of an act earns ``1 - saturation`` (70% with the default 0.3) of
its category's weight and repeats earn less and less. Default weights
(:data:`DEFAULT_WEIGHTS`): name 15, empathy 20, ownership 20, next_steps 20,
anticipation 15, offer_more 10. Every act found is one evidence item whose ``weight``
is its marginal contribution in points, so the evidence sums to the score.

Features (finite floats): ``name_uses``, ``empathy``, ``ownership``, ``next_steps``,
``anticipation``, ``offer_more`` (agent sentences showing each act) and
``acts_coverage`` (share of the six categories present at least once), and
``apologies``: agent sentences that apologise ("sorry", "we apologise", "our
apologies"), by pattern only. Apologies are counted apart from empathy because they
carry a different message: an apology admits that something went wrong, and in rated
helpdesk data it goes with *lower* satisfaction; calibration learns its sign. It does not
change the score.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from cxnlp.dimensions.base import Dimension, PrototypeSet, clip_score, register_dimension
from cxnlp.dimensions.filler import FillerContent, about_the_agent
from cxnlp.dimensions.replies import ReplyLexicon, default_reply_lexicon, load_reply_lexicon
from cxnlp.lexicon import Lexicon, LexiconSpec, default_lexicon, lexicon_at
from cxnlp.model import DimensionResult, Evidence
from cxnlp.nlp import ParsedTranscript, Sentence, SentenceEncoder
from cxnlp.privacy.placeholders import addressed_placeholder

if TYPE_CHECKING:  # pragma: no cover
    from spacy.matcher import Matcher
    from spacy.tokens import Span
    from spacy.vocab import Vocab

logger = logging.getLogger(__name__)

#: The act categories, in output order.
CATEGORIES: tuple[str, ...] = (
    "name",
    "empathy",
    "ownership",
    "next_steps",
    "anticipation",
    "offer_more",
)

#: Default category weights (sum to 100): connection acts that a QA form weighs most.
DEFAULT_WEIGHTS: Mapping[str, float] = MappingProxyType(
    {
        "name": 15.0,
        "empathy": 20.0,
        "ownership": 20.0,
        "next_steps": 20.0,
        "anticipation": 15.0,
        "offer_more": 10.0,
    }
)

#: Feature name per category.
FEATURE_NAMES: Mapping[str, str] = MappingProxyType(
    {c: ("name_uses" if c == "name" else c) for c in CATEGORIES}
)

#: The word lists version 2 of ``proactive_lexicon.yaml`` moved out of the patterns.
_ADDED_IN_2 = (
    "understanding_verbs",
    "sympathy_nouns",
    "brush_off_words",
    "repeat_openers",
    "stock_apology_objects",
    "not_done_verbs",
    "promise_hedges",
    "customer_verbs",
    "callback_verbs",
    "prevention_verbs",
    "advice_verbs",
    "help_topics",
)

#: The word lists version 3 added: anticipation as a conditional offer, a contingency or a tip
#: for later; next steps as a message the agent will send; empathy that normalises a feeling.
_ADDED_IN_3 = (
    "offer_wishes",
    "message_verbs",
    "contingency_verbs",
    "tip_verbs",
    "normal_feeling_words",
    "others_feeling",
    "wellwish_words",
    "others_also_verbs",
)

#: The prototype sentences and word lists of ``cxnlp/resources/proactive_lexicon.yaml``
#: (what each is for is said there); a deployment passes its own copy as
#: ``ProactiveConnection(proactive_lexicon=PATH)``.
LEXICON = LexiconSpec(
    resource="proactive_lexicon.yaml",
    version=3,
    parameter="ProactiveConnection(proactive_lexicon=PATH)",
    fields={
        "act_prototypes": "labelled",
        "action_verbs": "words",
        "non_ownership_verbs": "words",
        "empathy_adjectives": "words",
        "notify_verbs": "words",
        "additive": "words",
        "offer_conditions": "phrases",
        "greetings": "words",
        "vocative_openers": "words",
        "titles": "words",
        "not_names": "words",
        **dict.fromkeys(_ADDED_IN_2, "words"),
        **dict.fromkeys(_ADDED_IN_3, "words"),
    },
    labels={"act_prototypes": CATEGORIES[1:]},
    added_in={2: _ADDED_IN_2, 3: _ADDED_IN_3},
)


def default_proactive_lexicon() -> Lexicon:
    """The packaged ``proactive_lexicon.yaml``, read once per process."""
    return default_lexicon(LEXICON)


@dataclass(frozen=True)
class Words:
    """The word lists the act patterns read: this dimension's lexicon, and the time words
    of next steps from the reply lexicon (``reply_functions.yaml``), so that one list
    says what a duration or a day is."""

    lexicon: Lexicon
    replies: ReplyLexicon

    @property
    def time_units(self) -> frozenset[str]:
        """Units after a number ("within 3 business *days*"): the reply lexicon's durations,
        less the words that qualify a unit rather than name one (so the evidence quotes
        "within 3 business days", not "within 3 business")."""
        return self.replies.duration_words - self.replies["unit_qualifiers"]

    @property
    def due_days(self) -> frozenset[str]:
        """Days a next step can fall due ("by *Tuesday*", "until *tomorrow*"): the day names
        that are both a time point and fix a period ("tomorrow morning")."""
        return self.replies["time_point_words"] & self.replies["time_period_determiners"]

    @property
    def key(self) -> tuple[str, str]:
        return (self.lexicon.digest, self.replies.digest)


def default_words() -> Words:
    """The packaged proactive and reply lexicons."""
    return Words(default_proactive_lexicon(), default_reply_lexicon())


# The patterns' grammar: closed-class words (pronouns, auxiliaries, negators, prepositions)
# and fixed idioms stay here; the open-class words a deployment extends are read from the
# lexicon (its header says which is which).

#: What follows "I'll ask" in a request ("I'll ask you for...") rather than a task handed on
#: ("I'll ask the nurse to call you"): pronouns, prepositions, determiners, complementizers.
_ASKED_OF_CUSTOMER = ("you", "for", "your", "if", "whether", "some", "a")

_NEGATORS = ("not", "n't", "never", "unable", "nt")
#: The number a singular unit follows in a duration ("within one day"); after any other a
#: singular unit modifies a noun ("a thirty day window").
_ONE = ["1", "one"]

#: Words before a bare "ill" that make it the adjective ("she's been ill", "feeling ill",
#: "an ill"), not "I'll" written by a speech recogniser without its apostrophe.
_ILL_ADJECTIVE_AFTER = (
    "be", "is", "was", "been", "being", "are", "were", "'s", "'m", "'re", "am", "s", "m",
    "feel", "feels", "felt", "feeling", "look", "looks", "looked", "seem", "seems", "seemed",
    "get", "gets", "got", "getting", "fall", "falls", "fell", "falling", "become", "became",
    "a", "an", "the", "very", "too", "quite", "seriously", "terminally", "mentally",
    "critically", "chronically", "really",
)  # fmt: skip
#: Modals of an agent's offer or commitment after "I" / "we" ("I can add", "we'll move").
_OFFER_MODALS = ("can", "could", "will", "'ll", "ll", "shall")
#: Modals of a request after "if you" ("if you could confirm..."): no wish of the customer.
_REQUEST_MODALS = ("could", "can", "would", "'d", "d", "will", "'ll", "might", "may", "just")


#: The verb after a recogniser's "ill" ("Ill book you..." is tagged a proper noun and a noun),
#: less the nouns the adjective "ill" goes before ("ill health").
_SPOKEN_VERB = {
    "POS": {"IN": ["VERB", "NOUN"]},
    "LOWER": {"NOT_IN": ["health", "effect", "effects", "feeling", "feelings", "will", "people", "patients"]},
}


def spoken_i_will(verb: dict) -> list[list[dict]]:
    """ "I'll <verb>" as a speech recogniser writes it without the apostrophe: "ill email
    you", "and ill book it". "ill" is the adjective after a verb of being or seeming or a
    determiner ("she's been ill"), and only a verb after it makes it "I'll"; the
    recogniser's "Ill" opening a sentence is tagged a proper noun, and its verb often a noun
    ("Ill book you..."), so ``verb`` should say which words, not which tag."""
    # "ill just check": an adverb between, as after "I'll".
    adv = {"POS": {"IN": ["ADV", "PART"]}, "LOWER": {"NOT_IN": list(_NEGATORS)}, "OP": "*"}
    return [
        [{"IS_SENT_START": True, "LOWER": "ill"}, adv, verb],
        [{"IS_PUNCT": False, "LOWER": {"NOT_IN": list(_ILL_ADJECTIVE_AFTER)}}, {"LOWER": "ill"}, adv, verb],
    ]


def agent_offers(verb: dict) -> list[list[dict]]:
    """The agent offering or committing to an action: "I can <verb>", "we'll <verb>",
    "I could also <verb>", recogniser "ill <verb>" (token specs to follow a condition)."""
    adv = {"POS": {"IN": ["ADV", "PART"]}, "LOWER": {"NOT_IN": list(_NEGATORS)}, "OP": "*"}
    return [
        [{"LOWER": {"IN": ["i", "we"]}}, {"LOWER": {"IN": list(_OFFER_MODALS)}}, adv, verb],
        [{"LOWER": "ill"}, verb],
    ]


def anticipation_patterns(lex: Mapping[str, frozenset[str]]) -> list[list[dict]]:
    """Anticipation said as an offer, a contingency or a tip for later (version 3 of the
    lexicon), added to the phrases of :func:`act_patterns`:

    - a conditional offer: "if you'd rather vote by post I can add that", "I can set one up
      now if you'd like", "... and if you like." closing the sentence, "would you like me to
      book that too?", "I can also add...";
    - a contingency with what to do or what the agent will do: "if it gets worse, ring us",
      "if Monday doesn't suit I'll refund you", "in case you need cash...";
    - a tip for later: "I'd suggest arriving early", "it'd be worth checking", "your mum might
      want to...", "when you check in, ask for...", "many couples also like...";
    - harm headed off: "so you won't be stuck", "so there are no surprises", "to save you a
      trip", "in the meantime you can...".

    A condition that is a request ("if you could confirm your date of birth") is none."""

    def among(field: str) -> dict[str, list[str]]:
        return {"IN": sorted(lex[field])}

    verb: dict = {**_SPOKEN_VERB, "LEMMA": {"NOT_IN": sorted(lex["non_ownership_verbs"] | {"be"})}}
    words: dict = {"IS_PUNCT": False}
    wish: list[dict] = [
        {"LOWER": "if"},
        {"LOWER": "you"},
        {"LOWER": {"IN": ["'d", "would", "d"]}, "OP": "?"},
        {"LOWER": among("offer_wishes")},
    ]
    wish_last: list[dict] = [
        {"LOWER": "if"},
        {"LOWER": "you"},
        {"LOWER": {"IN": ["'d", "would", "d"]}, "OP": "?"},
        {"LOWER": {"IN": ["like", "want", "prefer"]}},
    ]
    # A contingency's condition: not a request ("if you could..."), not the agent's own
    # ("if I could just take your name"), not a check ("if that's okay").
    condition_you: list[dict] = [
        {"LOWER": "if"},
        {"LOWER": "you"},
        {"LOWER": {"NOT_IN": list(_REQUEST_MODALS)}},
    ]
    condition_other: list[dict] = [
        {"LOWER": "if"},
        {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["you", "i", "we", "that", "this", "so", "not", "possible"]}},
    ]
    # What to do, set off from the condition by a comma or "just / please / then" ("if it
    # gets worse, ring us", "if the patch doesn't hold just ring us"); inside the condition
    # ("if you don't tell us, the system blocks it") it is a warning, no contingency.
    come_back: list[dict] = [
        {"LOWER": {"IN": [",", "just", "please", "then", "simply"]}},
        {"LOWER": {"IN": ["just", "please", "simply"]}, "OP": "?"},
        {"LOWER": among("contingency_verbs")},
        {"LOWER": {"IN": ["us", "me"]}},
    ]
    # "let us know" is a contingency; "if you hold on, let me check" is a hold, not one.
    let_know: list[dict] = [
        *come_back[:2],
        {"LOWER": "let"},
        {"LOWER": {"IN": ["us", "me"]}},
        {"LOWER": "know"},
    ]
    give_a_ring: list[dict] = [
        {"LEMMA": "give"},
        {"LOWER": {"IN": ["us", "me"]}},
        {"LOWER": "a"},
        {"LOWER": {"IN": ["ring", "call", "shout", "bell", "buzz"]}},
    ]
    # What comes between a condition and the offer ("If you'd like a spare, our 2-pack is
    # £6, and I can add it"): any words of the sentence, commas included.
    between: dict = {"OP": "{0,12}"}
    patterns: list[list[dict]] = []
    for offer in agent_offers(verb):
        patterns.append([*wish, between, *offer])
        patterns.append([*offer, between, *wish_last])
        patterns.append([*condition_other, between, *offer])
    patterns += [
        # "... and if you like." closing the sentence qualifies the offer before it; "You
        # can complain if you like, the decision stands" offers nothing.
        [*wish_last, {"ORTH": {"IN": [".", "!"]}}],
        [
            {"LOWER": "would"},
            {"LOWER": "you"},
            {"LOWER": "like"},
            {"LOWER": "me"},
            {"LOWER": "to"},
            {**words, "OP": "{0,10}"},
            {"LOWER": {"IN": ["also", "too", "while", "same", "save"]}},
        ],
        [{"LOWER": {"IN": ["i", "we"]}}, {"LOWER": {"IN": ["can", "could"]}}, {"LOWER": "also"}],
        [*condition_you, between, *come_back],
        [*condition_other, between, *come_back],
        [*condition_you, between, *let_know],
        [*condition_other, between, *let_know],
        [{"LOWER": "if"}, {**words, "OP": "{1,10}"}, *give_a_ring],
        [{"LOWER": "in"}, {"LOWER": "case"}],
        [
            {"LOWER": {"IN": ["i", "id"]}},
            {"LOWER": {"IN": ["'d", "would", "d"]}, "OP": "?"},
            {"LEMMA": among("advice_verbs"), "TAG": {"NOT_IN": ["VBD", "VBN"]}},
        ],
        [
            {"LOWER": "you"},
            {"LOWER": {"IN": ["will", "'ll", "ll", "can"]}, "OP": "?"},
            {"LOWER": among("prevention_verbs")},
        ],
        [
            {"LOWER": {"IN": ["it", "itd"]}},
            {"LOWER": {"IN": ["'d", "would", "d", "will", "'ll", "can"]}, "OP": "?"},
            {"LOWER": {"IN": ["help", "helps"]}},
            {"LOWER": {"IN": ["to", "if"]}},
        ],
        [
            {"LOWER": {"IN": ["may", "might"]}},
            {"LOWER": "also", "OP": "?"},
            {"LEMMA": "want"},
            {"LOWER": "to"},
        ],
        [{"LOWER": {"IN": ["will", "'ll", "ll"]}}, {"LOWER": "also"}, {"LEMMA": "want"}, {"LOWER": "to"}],
        [
            {"LOWER": {"IN": ["when", "once"]}},
            {"LOWER": "you"},
            {"OP": "{1,6}"},
            {"LOWER": among("tip_verbs"), "TAG": "VB"},
        ],
        [
            {"LOWER": {"IN": ["many", "most", "lots", "plenty", "loads"]}},
            {**words, "OP": "{0,3}"},
            {"LOWER": "also"},
            {"LOWER": among("others_also_verbs")},
        ],
        # "..., so you won't be stuck"; a "so" opening the sentence is a discourse marker.
        [
            {"LOWER": "so", "IS_SENT_START": False},
            {"LOWER": "that", "OP": "?"},
            {"LOWER": "you"},
            {
                "LOWER": {"IN": ["wo", "do", "are", "'re", "will", "'ll", "is", "'s", "ca", "re", "s"]},
                "OP": "?",
            },
            {"LOWER": {"IN": ["n't", "not", "never", "no", "nt"]}},
        ],
        [{"LEMMA": "save"}, {"LOWER": "you"}, {"LOWER": {"IN": ["a", "the", "another", "having"]}}],
        [{"LOWER": "in"}, {"LOWER": "the"}, {"LOWER": "meantime"}],
        [{"LOWER": {"IN": ["meanwhile", "meantime"]}, "IS_SENT_START": True}],
        [{"LOWER": "until"}, {"LOWER": "then"}],
    ]
    return patterns


def act_patterns(words: Words) -> dict[str, list[list[dict]]]:
    """Matcher patterns per act (and the ``negated_ownership`` guard)."""
    lex = words.lexicon.words

    def among(field: str) -> dict[str, list[str]]:
        return {"IN": sorted(lex[field])}

    not_ownership = sorted(lex["non_ownership_verbs"])
    units = sorted(words.time_units)
    qualifiers = sorted(words.replies["unit_qualifiers"])
    due = sorted(words.due_days | {"next"})
    adv = {"POS": {"IN": ["ADV", "PART"]}, "LOWER": {"NOT_IN": list(_NEGATORS)}, "OP": "*"}
    will = {"LOWER": {"IN": ["will", "'ll", "ll", "shall"]}}
    return {
        "empathy": [
            [
                {"LOWER": "i"},
                {"POS": "AUX", "LOWER": {"NOT_IN": list(_NEGATORS)}, "OP": "?"},
                adv,
                {"LEMMA": among("understanding_verbs")},
            ],
            # "I appreciate how/that ..." acknowledges; "I appreciate your patience" thanks.
            [
                {"LOWER": "i"},
                {"POS": "AUX", "LOWER": {"NOT_IN": list(_NEGATORS)}, "OP": "?"},
                adv,
                {"LEMMA": "appreciate"},
                {"LOWER": {"IN": ["how", "that", "what", "why", "this"]}},
            ],
            [
                {"LOWER": {"IN": ["sounds", "must", "seems"]}},
                {"OP": "?"},
                adv,
                {"LOWER": {"IN": sorted(lex["empathy_adjectives"])}},
            ],
            # "That's awful", "that is so disappointing", "I'd be fed up too".
            [
                {"LOWER": {"IN": ["that", "it", "this"]}},
                {"LOWER": {"IN": ["'s", "is", "s", "was"]}},
                adv,
                {"LOWER": {"IN": ["so", "really", "very", "just", "truly"]}, "OP": "?"},
                {"LOWER": {"IN": sorted(lex["empathy_adjectives"])}},
            ],
            [
                {"LOWER": "i"},
                {"LOWER": {"IN": ["'d", "would", "d"]}},
                {"LEMMA": "be"},
                adv,
                {"LOWER": {"IN": sorted(lex["empathy_adjectives"])}},
            ],
            [{"LOWER": "i"}, {"LOWER": "hear"}, {"LOWER": "you"}],
            [{"LOWER": "oh"}, {"LOWER": {"IN": ["no", "dear"]}}],
            [{"LOWER": "i"}, {"LOWER": "know"}, {"LOWER": "how"}],
            [
                {"LOWER": "must"},
                {"LOWER": "have", "OP": "?"},
                {"LEMMA": "be"},
                adv,
                {"LOWER": {"IN": ["a", "an", "so", "very", "really"]}, "OP": "?"},
                {"POS": {"IN": ["ADJ", "NOUN"]}},
            ],
            [
                {"LOWER": {"IN": ["what", "such"]}},
                {"LOWER": "a"},
                {"LOWER": among("sympathy_nouns")},
            ],
            [
                {"LOWER": "what", "IS_SENT_START": True},
                {"LOWER": {"IN": ["a", "an"]}},
                {"LOWER": {"IN": sorted(lex["empathy_adjectives"])}},
            ],
            [{"LOWER": "no"}, {"LOWER": "fun"}],
            # "I can see why that increase is upsetting", "I know visa deadlines can be
            # stressful", recogniser "i know its nerve racking".
            [
                {"LOWER": "i"},
                {"LOWER": {"IN": ["can", "do", "totally", "completely", "really"]}, "OP": "?"},
                {"LOWER": {"IN": ["see", "know", "get", "appreciate", "understand"]}},
                {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["not", "n't", "if", "whether"]}, "OP": "{0,8}"},
                {"LOWER": {"IN": sorted(lex["empathy_adjectives"])}},
            ],
            # A feeling said to be a natural one: "it's natural to feel nervous", "lots of
            # people feel that way".
            [{"LOWER": among("normal_feeling_words")}, {"LOWER": "to"}, {"LEMMA": "feel"}],
            [
                {"LOWER": among("others_feeling")},
                {"IS_PUNCT": False, "OP": "{0,3}"},
                {"LEMMA": "feel"},
                {"LOWER": {"IN": ["that", "the", "this"]}},
                {"LOWER": {"IN": ["way", "same"]}},
            ],
            # A wish for the customer's situation: "I hope she feels better soon", "get well soon".
            [
                {"LOWER": "i"},
                {"LOWER": "hope"},
                {"IS_PUNCT": False, "OP": "{1,6}"},
                {"LOWER": among("wellwish_words")},
            ],
            [{"LOWER": "get"}, {"LOWER": "well"}, {"LOWER": "soon"}],
        ],
        # An apology is empathy unless it is scripted, a request to repeat, or a non-apology;
        # those three are the guards below (see :func:`pattern_acts`).
        "empathy_apology": [
            [{"LOWER": {"IN": ["sorry", "apologies", "apology"]}}],
            [{"LEMMA": {"IN": ["apologise", "apologize"]}}],
        ],
        "not_empathy": [
            # "Sorry, could you repeat that?": sorry as a request to repeat.
            [
                {"IS_SENT_START": True, "LOWER": "sorry"},
                {"ORTH": ",", "OP": "?"},
                {"LOWER": among("repeat_openers")},
            ],
            # "I'm sorry you feel that way": the non-apology.
            [
                {"LOWER": "sorry"},
                {"LOWER": {"IN": ["that", "if"]}, "OP": "?"},
                {"LOWER": "you"},
                {"LEMMA": {"IN": ["feel", "think", "believe"]}},
            ],
            # "I understand, but there's nothing I can do": acknowledgement as a brush-off.
            [{"LOWER": "but"}, {"OP": "*"}, {"LOWER": among("brush_off_words")}],
            [
                {"LOWER": "but"},
                {"OP": "*"},
                {"LOWER": {"IN": ["ca", "can", "wo", "does", "is", "are", "was", "were"]}},
                {"LOWER": {"IN": ["n't", "not"]}},
            ],
        ],
        "generic_apology": [
            [
                {"LEMMA": {"IN": ["sorry", "apology", "apologies", "apologise", "apologize"]}},
                {"LOWER": "for"},
                {"LOWER": {"IN": ["any", "the"]}},
                {"LOWER": among("stock_apology_objects")},
            ]
        ],
        "ownership": [
            [{"LOWER": "i"}, will, adv, {"POS": "VERB", "LEMMA": {"NOT_IN": not_ownership}}],
            [
                {"LOWER": "i"},
                will,
                adv,
                {"LEMMA": "ask"},
                {"LOWER": {"NOT_IN": list(_ASKED_OF_CUSTOMER)}, "IS_PUNCT": False},
            ],
            [
                {"LOWER": "i"},
                {"LOWER": {"IN": ["am", "'m", "m"]}},
                {"LOWER": "going"},
                {"LOWER": "to"},
                adv,
                {"POS": "VERB", "LEMMA": {"NOT_IN": not_ownership}},
            ],
            [{"LOWER": "let"}, {"LOWER": "me"}, adv, {"LEMMA": {"IN": sorted(lex["action_verbs"])}}],
            # "let me check the map and escalate it": the action comes second.
            [
                {"LOWER": "let"},
                {"LOWER": "me"},
                {"POS": "VERB"},
                {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["and", "if", "whether"]}, "OP": "{0,5}"},
                {"LOWER": "and"},
                {"LEMMA": {"IN": sorted(lex["action_verbs"])}},
            ],
            # Recogniser "ill book it", "and ill email you": the verb read by its word, as
            # the tagger calls it a noun after "Ill".
            *spoken_i_will({**_SPOKEN_VERB, "LEMMA": {"NOT_IN": not_ownership}}),
            [{"LOWER": "leave"}, {"LOWER": "it"}, {"LOWER": "with"}, {"LOWER": "me"}],
            [{"LOWER": "i"}, {"LOWER": "personally"}],
            [{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m", "m"]}}, {"LOWER": "on"}, {"LOWER": "it"}],
        ],
        # What the agent has already done: no hedge makes it empty (see :func:`pattern_acts`).
        "ownership_done": [
            [
                {"LOWER": "i"},
                {"LOWER": {"IN": ["'ve", "have", "ve"]}},
                adv,
                # The tagger reads "reset", "put", "set" after "I've" as VB or VBD too.
                {
                    "POS": "VERB",
                    "TAG": {"IN": ["VBN", "VBD", "VB"]},
                    "LEMMA": {
                        "NOT_IN": [
                            "be",
                            *sorted(lex["not_done_verbs"]),
                            *(v for v in not_ownership if v != "ask"),
                        ]
                    },
                },
            ],
            [
                {"LOWER": "consider"},
                {"LOWER": "it"},
                {"LOWER": {"IN": ["done", "handled", "sorted", "fixed"]}},
            ],
            # Telegraphic speech drops the "I've": "Reserved a bike space in coach A",
            # "Sent you a link". A past verb opening the sentence with an object after it is
            # still the agent's own action; "Went to your bank this morning" (no object) and
            # "Approved on 3 November" (a passive) are not.
            [
                {
                    "IS_SENT_START": True,
                    "POS": "VERB",
                    "TAG": {"IN": ["VBD", "VBN"]},
                    "LEMMA": {
                        "NOT_IN": [
                            "be",
                            "go",
                            "say",
                            *sorted(lex["not_done_verbs"]),
                            *not_ownership,
                        ]
                    },
                },
                {"POS": {"IN": ["DET", "PRON", "PROPN", "NOUN", "NUM"]}},
            ],
        ],
        # A promise made empty: "I'll pass that on", "we'll see what we can do", a hedge.
        "empty_promise": [
            [{"LEMMA": "pass"}, {"IS_PUNCT": False, "OP": "{0,3}"}, {"LOWER": {"IN": ["on", "along"]}}],
            [{"LEMMA": "see"}, {"LOWER": {"IN": ["what", "if", "whether"]}}],
            [{"LOWER": among("promise_hedges")}],
            [{"LOWER": "at"}, {"LOWER": "some"}, {"LOWER": {"IN": ["point", "stage", "time"]}}],
            [{"LOWER": "when"}, {"LOWER": {"IN": ["we", "i", "they"]}}, {"LEMMA": "get"}, {"LOWER": "a"}],
        ],
        # A condition that asks consent ("if that's okay, I'll put you on hold", "if you
        # don't mind") is no contingency: no anticipation by pattern.
        "consent_check": [
            [
                {"LOWER": "if"},
                {"LOWER": {"IN": ["that", "it", "this"]}},
                {"LOWER": {"IN": ["'s", "is", "s", "would", "'d", "be"]}, "OP": "+"},
                {"LOWER": {"IN": ["ok", "okay", "alright", "fine", "all"]}},
            ],
            [
                {"LOWER": "if"},
                {"LOWER": "you"},
                {"LOWER": {"IN": ["do", "don't"]}},
                {"LOWER": {"IN": ["n't", "not"]}, "OP": "?"},
                {"LOWER": "mind"},
            ],
        ],
        "negated_ownership": [
            [
                {"LOWER": "i"},
                {
                    "LOWER": {
                        "IN": ["will", "'ll", "can", "ca", "am", "'m", "would", "'d", "could", "wo", "do"]
                    }
                },
                {"POS": "ADV", "OP": "*"},
                {"LOWER": {"IN": list(_NEGATORS)}},
            ],
            [{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m"]}}, {"LOWER": "unable"}],
            [{"LOWER": {"IN": ["cannot", "unfortunately"]}}],
        ],
        "next_steps": [
            [
                {"LOWER": "you"},
                {"LOWER": {"IN": ["will", "'ll", "ll", "should"]}},
                adv,
                {"LEMMA": among("customer_verbs")},
            ],
            # "You'll keep access until the 30th" (not "you should have read...").
            [
                {"LOWER": "you"},
                {"LOWER": {"IN": ["will", "'ll", "ll"]}},
                adv,
                {"LEMMA": {"IN": ["keep", "have"]}},
            ],
            # "within 3 business days", "within one day"; not "within the thirty day return
            # window" (a number before a singular unit is a compound modifier, as "30-day").
            [
                {"LOWER": {"IN": ["within", "in"]}},
                {"LOWER": {"IN": ["the", "next"]}, "OP": "*"},
                {"LIKE_NUM": True, "LOWER": {"NOT_IN": _ONE}},
                {"LOWER": {"IN": qualifiers}, "OP": "?"},
                {"LOWER": {"IN": [u for u in units if u.endswith("s")]}},
            ],
            [
                {"LOWER": {"IN": ["within", "in"]}},
                {"LOWER": {"IN": ["the", "next"]}, "OP": "*"},
                {"LOWER": {"IN": _ONE}},
                {"LOWER": {"IN": qualifiers}, "OP": "?"},
                {"LOWER": {"IN": units}},
            ],
            [
                {"LOWER": {"IN": ["within", "in"]}},
                {"LOWER": {"IN": ["a", "an", "the", "next"]}},
                {"LOWER": {"IN": qualifiers}, "OP": "?"},
                {"LOWER": {"IN": units}},
            ],
            [
                {"LOWER": {"IN": ["within", "in"]}},
                {"LIKE_NUM": True},
                {"LOWER": {"IN": ["to", "-", "or", "and"]}},
                {"LIKE_NUM": True},
                {"LOWER": {"IN": qualifiers}, "OP": "?"},
                {"LOWER": {"IN": units}},
            ],
            [
                {"LOWER": {"IN": ["by", "on", "before", "until", "from", "for"]}},
                {"LOWER": {"IN": sorted(words.due_days)}},
            ],
            [
                {"LEMMA": among("callback_verbs")},
                {"LOWER": "you"},
                {"LOWER": "back"},
            ],
            [
                {"POS": {"IN": ["NOUN", "PROPN", "PRON"]}, "LOWER": {"NOT_IN": ["i", "you"]}},
                {"LOWER": {"IN": ["will", "'ll", "should"]}},
                adv,
                {"LEMMA": "be", "OP": "?"},
                {"LEMMA": {"IN": sorted(lex["notify_verbs"])}},
            ],
            # "the voucher will be waiting at the desk" (the tagger may call the subject an ADJ).
            [
                {"IS_ALPHA": True, "LOWER": {"NOT_IN": ["i", "you", "it", "that", "this"]}},
                {"LOWER": {"IN": ["will", "'ll", "should"]}},
                {"LEMMA": "be"},
                {"LOWER": {"IN": ["ready", "available", "waiting", "at", "with", "there", "out", "round"]}},
            ],
            [{"LOWER": "on"}, {"LOWER": {"IN": ["its", "the", "their"]}}, {"LOWER": "way"}],
            # A scheduled present: "your new card arrives Friday", "the jacket ships tomorrow".
            [
                {"LEMMA": {"IN": sorted(lex["notify_verbs"])}, "TAG": {"IN": ["VBZ", "VBP"]}},
                {"IS_PUNCT": False, "OP": "{0,4}"},
                {"LOWER": {"IN": due}},
            ],
            # Someone else's future action with a time: "your GP will get a copy next week".
            [
                {"POS": {"IN": ["NOUN", "PROPN", "PRON"]}, "LOWER": {"NOT_IN": ["i", "you"]}},
                will,
                adv,
                {"POS": "VERB"},
                {"IS_PUNCT": False, "OP": "{0,5}"},
                {"LOWER": {"IN": due}},
            ],
            # An instruction with its outcome or its time: "text ROAM to 2020 and it'll switch
            # on", "upload the photos tonight", "when the card arrives, pop it in a cash machine".
            *imperative_steps(will, due, sorted(lex["notify_verbs"])),
            [{"LOWER": "next"}, {"LOWER": "step"}],
            [{"LOWER": "next"}, {"LOWER": "steps"}],
            [{"LOWER": "expect"}],
            # A message the agent will send: "I'll email you the booking now", "we'll text
            # you when it ships", recogniser "ill text you" and "and well ring you".
            [
                {"LOWER": {"IN": ["i", "we"]}},
                will,
                adv,
                {"LOWER": {"IN": sorted(lex["message_verbs"])}},
                {"LOWER": "you"},
            ],
            *(
                [*head[:-1], {"LOWER": {"IN": sorted(lex["message_verbs"])}}, {"LOWER": "you"}]
                for head in spoken_i_will({})
            ),
            [
                {"LOWER": {"IN": ["and", "so", "then"]}},
                {"LOWER": "well"},
                {"LOWER": {"IN": sorted(lex["message_verbs"])}},
                {"LOWER": "you"},
            ],
        ],
        "anticipation": [
            [{"LOWER": "to"}, {"LOWER": among("prevention_verbs")}],
            [{"LOWER": "in"}, {"LOWER": "the", "OP": "?"}, {"LOWER": "future"}],
            [{"LOWER": "next"}, {"LOWER": "time"}],
            [{"LOWER": "going"}, {"LOWER": "forward"}],
            [{"LOWER": "for"}, {"LOWER": "future"}, {"LOWER": "reference"}],
            [
                {"LOWER": "you"},
                {"LOWER": {"IN": ["may", "might", "could"]}},
                {"LOWER": "also", "OP": "?"},
                {"LEMMA": {"IN": ["want", "like", "consider"]}},
            ],
            [{"LOWER": "just"}, {"LOWER": "so"}, {"LOWER": "you"}, {"LOWER": "know"}],
            [{"LOWER": "since"}, {"LOWER": "you"}],
            # A condition on a recurrence: "if it ever happens", "if the router drops out
            # again, ..."; "if you try again now" is an instruction for now.
            [{"LOWER": "if"}, {"IS_PUNCT": False, "OP": "{1,5}"}, {"LOWER": "ever"}],
            [
                {"LOWER": "if"},
                {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["you", "i", "we"]}},
                {"IS_PUNCT": False, "OP": "{0,5}"},
                {"LOWER": "again"},
            ],
            [
                {"LOWER": "also"},
                {"POS": "ADV", "OP": "?"},
                {"LEMMA": among("advice_verbs")},
            ],
            [{"LOWER": "do"}, {"LOWER": "n't"}, {"LOWER": "forget"}],
            [{"LOWER": "heads"}, {"LOWER": "up"}],
            # "it's worth moving the hotel too", "it'd be worth a look"; not a value ("your
            # plan is worth £186,400").
            [
                {"LOWER": {"IN": ["also", "well", "'s", "is", "be"]}},
                {"LOWER": "worth"},
                {"LOWER": {"IN": ["a", "it", "doing"]}, "TAG": {"NOT_IN": ["CD"]}},
            ],
            [{"LOWER": {"IN": ["also", "well", "'s", "is", "be"]}}, {"LOWER": "worth"}, {"TAG": "VBG"}],
            [
                {"LOWER": {"NOT_IN": ["will", "'ll", "would", "to", "may", "might", "could", "we", "i"]}},
                {"LOWER": "consider", "TAG": "VB"},
            ],
            *anticipation_patterns(lex),
        ],
        "offer_more": [
            [{"LOWER": "anything"}, {"LOWER": {"IN": ["else", "more", "further"]}}],
            [
                {"LOWER": {"NOT_IN": ["was", "is", "'s", "s", "were", "be", "been"]}},
                {"LOWER": "something"},
                {"LOWER": {"IN": ["else", "more", "further"]}},
            ],
            [{"LOWER": "something", "IS_SENT_START": True}, {"LOWER": {"IN": ["else", "more", "further"]}}],
            [
                {"LOWER": "any"},
                {"LOWER": {"IN": ["other", "more", "further"]}},
                {"LOWER": among("help_topics")},
            ],
            [{"LOWER": "feel"}, {"LOWER": "free"}],
            [
                {"LOWER": {"IN": ["do", "don't"]}},
                {"LOWER": {"IN": ["not", "n't"]}, "OP": "?"},
                {"LOWER": "hesitate"},
            ],
            [{"LOWER": "else"}, {"LOWER": {"IN": ["i", "we"]}}, {"LOWER": "can"}],
        ],
    }


def imperative_steps(will: dict, due: list[str], notify: list[str]) -> list[list[dict]]:
    """Next steps told as instructions: an imperative (after an optional "please" or "just";
    or a notify verb opening the sentence, which the tagger may call a noun in lower-case
    speech: "text roam to ...") followed by what then happens ("... and it'll switch on";
    not "... and I'll check") or by when to do it ("... tonight"); or an imperative after
    "when/once ...,". An instruction for now, on the line ("read me the last four digits"),
    has neither."""
    outcome: list[dict] = [
        {"OP": "*"},
        {"LOWER": "and"},
        {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["i", "we", "me"]}, "OP": "{1,3}"},
        {**will, "LOWER": {"IN": [*will["LOWER"]["IN"], "should"]}},
        {"POS": {"IN": ["VERB", "AUX"]}},
    ]
    # "today" is often now, not later.
    later: list[dict] = [{"OP": "*"}, {"LOWER": {"IN": [d for d in due if d != "today"]}}]
    openers: list[list[dict]] = [
        [{"IS_SENT_START": True, "TAG": "VB"}],
        [{"IS_SENT_START": True, "LOWER": {"IN": ["please", "just"]}}, {"TAG": "VB"}],
        [{"IS_SENT_START": True, "LOWER": {"IN": notify}, "TAG": {"NOT_IN": ["VB"]}}],
    ]
    when: list[dict] = [
        {"IS_SENT_START": True, "LOWER": {"IN": ["when", "once"]}},
        {"OP": "*"},
        {"ORTH": ","},
        {"TAG": "VB", "LOWER": {"NOT_IN": ["let"]}},
    ]
    return [*(o + outcome for o in openers), *(o + later for o in openers), when]


def _self_intro_patterns() -> list[list[dict]]:
    """Someone introducing themselves: "my name is X", "this is X", "X here/speaking"."""
    name = {"POS": "PROPN", "OP": "+"}
    return [
        [{"LOWER": "my"}, {"LOWER": "name"}, {"LOWER": {"IN": ["is", "'s"]}}, name],
        [{"LOWER": "this"}, {"LOWER": "is"}, name],
        [{"LOWER": "i"}, {"LOWER": {"IN": ["am", "'m"]}}, name],
        [{"LOWER": "it"}, {"LOWER": {"IN": ["is", "'s"]}}, name, {"LOWER": "here"}],
        [
            {"IS_SENT_START": True, "POS": "PROPN"},
            {"POS": "PROPN", "OP": "?"},
            {"LOWER": {"IN": ["here", "speaking"]}},
        ],
        [{"POS": "PROPN"}, {"LOWER": "speaking"}],
    ]


def _vocative_patterns(lex: Lexicon) -> list[list[dict]]:
    """The agent addressing the customer by name: "Thanks, Sarah", "Sarah, I...", "Mr. X"."""
    person = {
        "POS": "PROPN",
        "IS_TITLE": True,
        "IS_ALPHA": True,
        "LENGTH": {">": 1},
        "LOWER": {"NOT_IN": sorted(lex.words["not_names"])},
    }
    return [
        [
            {"LOWER": {"IN": sorted(lex.words["vocative_openers"])}},
            {"LOWER": "you", "OP": "?"},
            {"ORTH": ",", "OP": "?"},
            {"POS": "PROPN"},
        ],
        [
            {"IS_SENT_START": True, **person},
            {"ORTH": ","},
            {"POS": {"NOT_IN": ["PROPN", "NUM", "PUNCT", "X"]}},
        ],
        [{"ORTH": ","}, person, {"ORTH": {"IN": [".", "!", "?"]}}],
        [{"LOWER": {"IN": sorted(lex.words["titles"])}}, {"POS": "PROPN"}],
    ]


#: An agent apologising: "sorry", "(we) apologise/apologize", "apologies", "regret".
APOLOGY_PATTERNS: list[list[dict]] = [
    [{"LOWER": {"IN": ["sorry", "apologies", "apology"]}}],
    [{"LEMMA": {"IN": ["apologize", "apologise", "regret"]}}],
    [{"LOWER": {"IN": ["apologize", "apologise", "apologizes", "apologises"]}}],
]


def is_apology(span: Span) -> bool:
    """Does the sentence apologise? (pattern only: "sorry", "we apologise", "apologies")."""
    return bool(_MATCHERS.get(span.doc.vocab, default_words())["apology"](span))


class _MatcherCache:
    """Matchers built lazily per spaCy vocab and word lists (a vocab is not weak-referenceable)."""

    def __init__(self) -> None:
        self._by_vocab: dict[tuple[int, tuple[str, str]], tuple[Vocab, dict[str, Matcher]]] = {}

    def get(self, vocab: Vocab, words: Words) -> dict[str, Matcher]:
        key = (id(vocab), words.key)
        hit = self._by_vocab.get(key)
        if hit is not None and hit[0] is vocab:
            return hit[1]
        from cxnlp.matching import GatedMatcher

        acts = GatedMatcher(vocab)
        for label, patterns in act_patterns(words).items():
            acts.add(label, patterns)
        intro = GatedMatcher(vocab)
        intro.add("intro", _self_intro_patterns())
        vocative = GatedMatcher(vocab)
        vocative.add("vocative", _vocative_patterns(words.lexicon))
        apology = GatedMatcher(vocab)
        apology.add("apology", APOLOGY_PATTERNS)
        matchers = {"acts": acts, "intro": intro, "vocative": vocative, "apology": apology}
        if len(self._by_vocab) > 8:
            self._by_vocab.clear()
        self._by_vocab[key] = (vocab, matchers)
        return matchers


_MATCHERS = _MatcherCache()


@dataclass(frozen=True, slots=True)
class Act:
    """One act found in one agent sentence."""

    category: str
    sentence: Sentence
    span: str | None
    how: str


#: Pattern labels that only guard others; never acts themselves.
_GUARDS = ("negated_ownership", "empty_promise", "not_empathy", "generic_apology", "consent_check")
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself"})


def _matches(span: Span, words: Words | None = None) -> dict[str, str]:
    """Every pattern label matched in ``span``, with the first matched words."""
    matcher = _MATCHERS.get(span.doc.vocab, words or default_words())["acts"]
    strings = span.doc.vocab.strings
    found: dict[str, str] = {}
    for match_id, start, end in matcher(span):
        found.setdefault(strings[match_id], span[start:end].text)
    return found


def act_guards(span: Span, words: Words | None = None) -> set[str]:
    """What rules acts out in this sentence: ``"ownership"`` (a refusal), ``"promise"``
    (an empty promise: no future ownership, no next step), ``"empathy"`` (a brush-off, a
    request to repeat, a non-apology), ``"apology"`` (a scripted apology: "sorry for the
    inconvenience" with nothing about the customer's own case)."""
    return _guards_of(_matches(span, words), span)


def _guards_of(found: Mapping[str, str], span: Span) -> set[str]:
    """:func:`act_guards` from the sentence's pattern matches (:func:`_matches`), so that one
    matcher pass serves both the acts and the guards."""
    guards = set()
    if "negated_ownership" in found:
        guards.add("ownership")
    if "empty_promise" in found:
        guards.add("promise")
    if "not_empathy" in found:
        guards.add("empathy")
    if "consent_check" in found:
        guards.add("consent")
    if "generic_apology" in found and not _SECOND_PERSON.intersection(t.lower_ for t in span):
        guards.add("apology")
    return guards


def pattern_acts(span: Span, words: Words | None = None) -> dict[str, str]:
    """Acts a sentence shows by pattern, with the matched words.

    Refusals remove ownership; an empty promise removes future ownership and next steps
    (what was already done stays); a brush-off, a request to repeat or a non-apology
    removes empathy; a scripted apology is no empathy unless something else in the
    sentence acknowledges the customer.
    """
    found = _matches(span, words)
    return _acts_of(found, _guards_of(found, span))


def _acts_of(matches: Mapping[str, str], guards: set[str]) -> dict[str, str]:
    """:func:`pattern_acts` from the sentence's pattern matches and its guards."""
    found = dict(matches)
    if "promise" in guards:
        found.pop("ownership", None)
        found.pop("next_steps", None)
    if "ownership" not in found and "ownership_done" in found:
        found["ownership"] = found["ownership_done"]
    if "ownership" in guards:
        found.pop("ownership", None)
    if "empathy" not in found and "empathy_apology" in found and "apology" not in guards:
        found["empathy"] = found["empathy_apology"]
    if "empathy" in guards:
        found.pop("empathy", None)
    if "consent" in guards:
        found.pop("anticipation", None)
    for label in (*_GUARDS, "ownership_done", "empathy_apology"):
        found.pop(label, None)
    return found


def is_refusal(span: Span, words: Words | None = None) -> bool:
    """ "I will not / can't / am unable to..." - never counts as ownership."""
    matcher = _MATCHERS.get(span.doc.vocab, words or default_words())["acts"]
    strings = span.doc.vocab.strings
    return any(strings[m] == "negated_ownership" for m, _, _ in matcher(span))


def _not_a_name(word: str, lex: Lexicon) -> bool:
    """A title ("Mr.") or a word that is never a customer's name ("Okay", "Sir")."""
    return word in lex.words["titles"] or word in lex.words["not_names"]


def _propn_run(span: Span, lex: Lexicon) -> list[str]:
    return [t.text for t in span if t.pos_ == "PROPN" and not _not_a_name(t.lower_, lex)]


def self_introduced_names(sentences: Sequence[Sentence], words: Words | None = None) -> set[str]:
    """Lower-cased name tokens people give for themselves in ``sentences``."""
    words = words or default_words()
    return _introduced_names(sentences, [_intro_matches(s, words) for s in sentences], words)


def _intro_matches(sent: Sentence, words: Words) -> list[tuple[int, int, int]]:
    """Self-introduction matches in one sentence (``(id, start, end)``, relative to it)."""
    return _MATCHERS.get(sent.span.doc.vocab, words)["intro"](sent.span)


def _introduced_names(
    sentences: Sequence[Sentence], intros: Sequence[list[tuple[int, int, int]]], words: Words
) -> set[str]:
    """:func:`self_introduced_names` from each sentence's :func:`_intro_matches`."""
    names: set[str] = set()
    for sent, matches in zip(sentences, intros, strict=True):
        for _, start, end in matches:
            names.update(n.lower() for n in _propn_run(sent.span[start:end], words.lexicon))
    return names


def customer_name_tokens(parsed: ParsedTranscript, words: Words | None = None) -> set[str]:
    """The customer's name tokens: from metadata, else from their self-introduction."""
    words = words or default_words()
    meta = parsed.transcript.metadata.get("customer_name")
    if isinstance(meta, str) and meta.strip():
        titles = words.lexicon.words["titles"]
        return {w.strip(".,").lower() for w in meta.split() if w.strip(".,").lower() not in titles}
    return self_introduced_names(parsed.customer_sentences, words)


def name_uses(parsed: ParsedTranscript, words: Words | None = None) -> list[tuple[Sentence, str]]:
    """Agent sentences that address the customer by name, with the name used.

    A redaction placeholder that stands for a name (:func:`cxnlp.privacy.placeholders.
    addressed_placeholder`) counts whatever else is known. With a known name, any agent
    sentence containing one of its tokens counts, except
    the agent's own self-introduction. Without one, vocative patterns decide, and the
    agent's own name (from its self-introduction) is excluded.
    """
    words = words or default_words()
    agent = parsed.agent_sentences
    known = customer_name_tokens(parsed, words)
    intros = [_intro_matches(sent, words) for sent in agent]  # read once, used twice
    agent_names = _introduced_names(agent, intros, words) - known
    uses: list[tuple[Sentence, str]] = []
    for sent, intro in zip(agent, intros, strict=True):
        # A name someone redacted ("Thanks, [NAME].") is still the name used.
        redacted = addressed_placeholder(sent.text)
        if redacted is not None:
            uses.append((sent, redacted))
            continue
        if known:
            intro_tokens = _intro_token_ids(sent, intro)
            hits = [t.text for t in sent.span if t.lower_ in known and t.i not in intro_tokens]
            if hits:
                uses.append((sent, " ".join(hits)))
            continue
        matcher = _MATCHERS.get(sent.span.doc.vocab, words)["vocative"]
        intro_tokens = _intro_token_ids(sent, intro)
        for _, start, end in matcher(sent.span):
            names = [
                t.text
                for t in sent.span[start:end]
                if t.pos_ == "PROPN"
                and not _not_a_name(t.lower_, words.lexicon)
                and t.lower_ not in agent_names
                and t.i not in intro_tokens
            ]
            if names:
                uses.append((sent, " ".join(names)))
                break
    return uses


def _intro_token_ids(sent: Sentence, intro: list[tuple[int, int, int]]) -> set[int]:
    """Doc ids of the tokens inside the sentence's self-introductions (:func:`_intro_matches`)."""
    return {sent.span[i].i for _, start, end in intro for i in range(start, end)}


def opens_conversation(span: Span, words: Words | None = None) -> bool:
    """A greeting or self-introduction: its "how can I help?" is no offer of *further* help."""
    words = words or default_words()
    if _MATCHERS.get(span.doc.vocab, words)["intro"](span):
        return True
    return any(t.lower_ in words.lexicon.words["greetings"] for t in span)


def offers_further_help(span: Span, lex: Lexicon | None = None) -> bool:
    """Whether a help-like sentence offers help beyond what was asked: an additive word
    ("anything else", "contact us again") or an open invitation ("let us know if you need
    anything", "reach out if..."). "How can I help you today?" is the opening question."""
    lex = lex or default_proactive_lexicon()
    lowers = [t.lower_ for t in span]
    if lex.words["additive"].intersection(lowers):
        return True
    bigrams = set(zip(lowers, lowers[1:], strict=False))
    return any(pair in bigrams for pair in lex.phrases["offer_conditions"])


def _similarity_ruled_out(
    category: str, sent: Sentence, guards: set[str], words: Words, *, opening: bool
) -> bool:
    """Whether a sentence close to an act's prototypes is still not that act.

    A refusal is no ownership; an empty promise no ownership or next step; a brush-off,
    request to repeat, non-apology or scripted apology no empathy. Help offered inside a
    greeting, or in the agent's first turn without "else", "again" or an open invitation,
    is the opening question; so is "how / what can I help with?" without them anywhere in
    the call (an agent picking up a transferred call), while "is there anything I can help
    with?" after a fix is an offer.
    """
    if category == "ownership":
        return bool({"ownership", "promise"} & guards)
    if category == "next_steps":
        return "promise" in guards
    if category == "empathy":
        return bool({"empathy", "apology"} & guards)
    if category == "offer_more":
        if opens_conversation(sent.clean, words):
            return True
        asks_open = any(t.lower_ in ("how", "what") for t in sent.clean)
        return (opening or asks_open) and not offers_further_help(sent.clean, words.lexicon)
    return False


def saturating(count: int, saturation: float) -> float:
    """Share of a category's weight earned by ``count`` occurrences: ``1 - saturation**count``."""
    return 1.0 - saturation**count if count > 0 else 0.0


@register_dimension("proactive_connection.v1")
class ProactiveConnection(Dimension):
    """Weighted, saturating count of connection acts in the agent's speech.

    Parameters
    ----------
    weights : Mapping[str, float], optional
        Weight per category (keys from :data:`CATEGORIES`); ``None`` uses
        :data:`DEFAULT_WEIGHTS`. Weights are normalised to sum to 100.
    similarity_threshold : float
        Cosine to an act's prototypes above which a sentence shows the act without a
        pattern. On 820 STC-3 helpdesk sentences at most 0.4% per category reach 0.6
        (95th percentiles 0.42-0.48); neutral answers and questions of our own stayed
        below 0.58 ("Thank you for reaching out" vs. offer-more). Paraphrases the
        patterns miss reach 0.6-0.9 when they are close ("Can I help with anything
        further?"); looser ones are left to the patterns.
    saturation : float
        Share of a category's weight left after each occurrence (0-1): the first
        occurrence earns ``1 - saturation``, repeats earn geometrically less.
    proactive_lexicon : str, optional
        Path of an act lexicon file: prototype sentences and word lists (default: the
        packaged ``cxnlp/resources/proactive_lexicon.yaml``).
    reply_lexicon : str, optional
        Path of a reply-function word list file, whose time words next steps read
        (default: the packaged ``cxnlp/resources/reply_functions.yaml``); pass the same
        file as to :class:`~cxnlp.dimensions.completeness.AnswerCompleteness`.
    filler_lexicon : str, optional
        Path of the filler lexicon whose small-talk prototypes say which sentences are
        small talk (default: the packaged ``cxnlp/resources/filler_lexicon.yaml``); pass the
        same file as to :class:`~cxnlp.dimensions.filler.FillerContent`. A sentence that
        dimension calls small talk shows no act by similarity, and none but the customer's
        name when the agent talks about themself: chat about the weather or the agent's
        weekend is neither empathy nor ownership.
    """

    name = "proactive_connection"
    resource_params = ("proactive_lexicon", "reply_lexicon", "filler_lexicon")

    def __init__(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        similarity_threshold: float = 0.6,
        saturation: float = 0.3,
        proactive_lexicon: str | None = None,
        reply_lexicon: str | None = None,
        filler_lexicon: str | None = None,
    ) -> None:
        self.weights = weights
        self.similarity_threshold = similarity_threshold
        self.saturation = saturation
        self.proactive_lexicon = proactive_lexicon
        self.reply_lexicon = reply_lexicon
        self.filler_lexicon = filler_lexicon
        # Read from the lexicon in prepare(); until then the empty set says prepare() is missing.
        self._acts = PrototypeSet({})

    def _words(self) -> Words:
        """The lexicons of this configuration: packaged, or the files given."""
        replies = (
            default_reply_lexicon() if self.reply_lexicon is None else load_reply_lexicon(self.reply_lexicon)
        )
        return Words(lexicon_at(LEXICON, self.proactive_lexicon), replies)

    def resource_digests(self) -> dict[str, str]:
        """Content hashes of the lexicons this configuration reads (for the fingerprint)."""
        words = self._words()
        small_talk = FillerContent(filler_lexicon=self.filler_lexicon).resource_digests()
        own = {"proactive_lexicon": words.lexicon.digest, "reply_lexicon": words.replies.digest}
        return {**own, **small_talk}

    def prepare(self, encoder: SentenceEncoder) -> None:
        """Read the lexicons and embed the act prototypes."""
        self.words_ = self._words()
        self._acts = PrototypeSet(self.words_.lexicon.labelled["act_prototypes"])
        self._acts.prepare(encoder)
        self.small_talk_ = FillerContent(filler_lexicon=self.filler_lexicon)
        self.small_talk_.prepare(encoder)

    def resolved_weights(self) -> dict[str, float]:
        """Category weights normalised to sum to 100 (validated here, not in ``__init__``)."""
        weights = dict(DEFAULT_WEIGHTS if self.weights is None else self.weights)
        unknown = set(weights) - set(CATEGORIES)
        if unknown:
            raise ValueError(
                f"Got unknown act categories {sorted(unknown)} in weights; expected keys "
                f"among {list(CATEGORIES)}. Fix the keys or leave weights=None."
            )
        if any((not math.isfinite(w)) or w < 0 for w in weights.values()):
            raise ValueError(
                f"Got weights {weights}; expected finite non-negative numbers. "
                "Use 0 to switch a category off."
            )
        total = sum(weights.values())
        if total <= 0:
            raise ValueError(
                f"Got weights summing to {total}; expected a positive sum. "
                "Give at least one category a positive weight."
            )
        return {c: 100.0 * weights.get(c, 0.0) / total for c in CATEGORIES}

    def find_acts(self, parsed: ParsedTranscript) -> list[Act]:
        """Every act in the agent's sentences, at most one per category and sentence."""
        agent = parsed.agent_sentences
        if not agent:
            return []
        words = self.words_
        acts: list[Act] = [Act("name", sent, used, "name") for sent, used in name_uses(parsed, words)]
        sims = self._acts.best_per_label(parsed.vectors_of(agent))
        opening_turn = agent[0].turn_index
        chat = self.small_talk_.small_talk_sentences(parsed)
        for i, sent in enumerate(agent):
            # Small talk shows no act by meaning, and none at all when the agent talks about
            # themself ("I can imagine, my weekend was a write-off too"); a name used in it
            # was counted above.
            idle = sent.index in chat
            if idle and about_the_agent(sent.clean):
                continue
            # Patterns read the filler-free sentence ("I've, um, like, applied" is ownership)
            # and the sentence as said, where filler removal would eat a phrase ("just so
            # you know" loses "just" and "you know").
            # One matcher pass per span feeds both the acts and the guards (the same
            # span object twice when nothing was removed).
            said = _matches(sent.span, words)
            said_guards = _guards_of(said, sent.span)
            if sent.clean is sent.span:
                clean, clean_guards = said, said_guards
            else:
                clean = _matches(sent.clean, words)
                clean_guards = _guards_of(clean, sent.clean)
            by_pattern = {**_acts_of(said, said_guards), **_acts_of(clean, clean_guards)}
            guards = clean_guards | said_guards
            for category in CATEGORIES[1:]:
                if category in by_pattern:
                    acts.append(Act(category, sent, by_pattern[category], "pattern"))
                    continue
                if idle:
                    continue
                sim = float(sims[category][i]) if category in sims else 0.0
                if sim >= self.similarity_threshold and not _similarity_ruled_out(
                    category, sent, guards, words, opening=sent.turn_index == opening_turn
                ):
                    acts.append(Act(category, sent, None, f"similarity {sim:.2f}"))
        acts.sort(key=lambda a: (a.sentence.index, CATEGORIES.index(a.category)))
        return acts

    def score(self, parsed: ParsedTranscript) -> DimensionResult:
        if not parsed.agent_sentences:
            return _no_agent_result(self.name)
        weights = self.resolved_weights()
        acts = self.find_acts(parsed)
        counts = dict.fromkeys(CATEGORIES, 0)
        evidence = []
        for act in acts:
            k = counts[act.category]
            counts[act.category] = k + 1
            points = weights[act.category] * (
                saturating(k + 1, self.saturation) - saturating(k, self.saturation)
            )
            evidence.append(
                Evidence(
                    dimension=self.name,
                    kind=act.category,
                    turn_index=act.sentence.turn_index,
                    sentence=act.sentence.text,
                    detail=f"{act.category.replace('_', ' ')} #{k + 1} ({act.how})",
                    weight=points,
                    span=act.span,
                )
            )
        total = sum(weights[c] * saturating(counts[c], self.saturation) for c in CATEGORIES)
        features = {FEATURE_NAMES[c]: float(counts[c]) for c in CATEGORIES}
        features["acts_coverage"] = sum(counts[c] > 0 for c in CATEGORIES) / len(CATEGORIES)
        features["apologies"] = float(sum(is_apology(s.clean) for s in parsed.agent_sentences))
        return DimensionResult(self.name, clip_score(total), tuple(evidence), features)


def _no_agent_result(name: str) -> DimensionResult:
    features = {FEATURE_NAMES[c]: 0.0 for c in CATEGORIES}
    features["acts_coverage"] = 0.0
    features["apologies"] = 0.0
    evidence = (
        Evidence(
            dimension=name,
            kind="no_agent_speech",
            turn_index=0,
            sentence="",
            detail="the agent says nothing, so there is no connection to score",
        ),
    )
    return DimensionResult(name, math.nan, evidence, features)
