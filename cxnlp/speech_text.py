"""Sentence punctuation and capitals restored to speech-recogniser text before it is parsed.

A speech recogniser often writes a turn without punctuation or capitals ("im sorry about
that dana ive refunded the forty dollars is there anything else i can help with"). Every
dimension reads sentences, questions ("?" or an inverted auxiliary), and spaCy's tags,
and all three lean on punctuation and capitals: the tagger reads a lower-case "i" or
"can you" differently, and a polar question without "?" is a statement. So before the
shared parse, :func:`restore` gives such a turn what a writer would have given it: a
sentence end ("." or "?") after each word a small learned model marks as the end of a
sentence, a capital at each sentence start and on the pronoun "I" ("i'm" -> "I'm"), the
apostrophe of a contraction written without it ("ive" -> "I've"), and the commas a writer
puts around a filler ("i've like moved you" -> "I've, like, moved you"; see
:func:`filler_positions`). Nothing else changes: words, their order and spelling (fillers,
repeats) stay, so the filler dimension still counts "um" and "the the", and reads a
spoken filler as it reads a written one.

Where a sentence ends is decided on the fluent words only: fillers and the first copy of
a repeat ("for the for the") are read past, because the model learned from written text,
which has none. Rules the model's word features cannot learn from short chat turns hold
whatever it says: a question run on after a statement opens its own sentence
(:func:`question_openings`), no sentence ends inside a spoken number, before a relative
"which" or between a verb or preposition and its object (:func:`_continues`, and
:func:`_takes_object` when the parser passes its tagger's :data:`WordTags`), nor after a
word that ties what follows to it (:func:`_holds_together`: "my dentist says | I need",
"until | it's repaired", "how much | is it", "Saturday | the ninth"; word lists in
``speech_clauses.yaml``, :data:`CLAUSE_LEXICON`); a condition keeps its main clause
(:func:`_condition_goes_on`) and a lone noun or verb joins a neighbour
(:func:`_without_fragments`).

Whether a sentence is a question is the model's guess or, whatever the model says,
question syntax at its start (:func:`opens_question`: "is there anything
else", "why did that happen", "am I covered"); and a sentence that opens with its subject
is a statement (:func:`opens_statement`: "I don't know what to do").

The model (:data:`DEFAULT_RESOURCE`) is two logistic regressions over word n-gram
features: one for "a sentence ends after this word", decoded left to right, one for
"this sentence is a question". They were fitted by ``benchmarks/train_speech_punctuation.py``
on public written dialogue turns with their punctuation removed (provenance and licences
in the model file); the file is a plain table of feature weights, so applying it costs a
few dictionary look-ups per word.

Only turns without any sentence punctuation (``. ? ! , ; :``) are touched
(:func:`needs_restoring`): written text, and recogniser output that is already
punctuated, reach spaCy unchanged.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxnlp.fillers import hesitations
from cxnlp.lexicon import LexiconSpec, load_lexicon
from cxnlp.resource_files import read_json_model

DEFAULT_RESOURCE = "speech_punctuation.json"
MODEL_FORMAT = "cxnlp.speech_punctuation.v1"
_MAX_BYTES = 8_000_000
_REFIT = "benchmarks/train_speech_punctuation.py"
#: Any of these in a turn means someone punctuated it: leave it as written.
_PUNCTUATION = frozenset(".?!,;:\u2026\u3002\uff1f\uff01")
_WORD_CHARS = re.compile(r"[^\w']+")
_PRONOUN_I = re.compile(r"^i(?=$|['\u2019](?:m|ve|ll|d|s)$)")
#: Longest distance (in words) from the last sentence start that is told apart.
_MAX_DISTANCE = 12
_MAX_REST = 6
#: Discourse words that are filler wherever they stand in speech.
_DISCOURSE = frozenset({"basically", "literally"})
#: Words after which "like" is the verb or the comparison ("I'd like", "looks like",
#: "something like", "if you like"), not a filler.
_LIKE_AFTER = frozenset(
    "would d i'd we'd you'd they'd he'd she'd i you we they feel feels felt look looks looked "
    "looking sound sounds sounded seem seems seemed something anything nothing things stuff "
    "more much just exactly don't didn't doesn't do does did not really also still both all "
    "definitely especially actually totally".split()
)
#: Words before which "like" compares ("a plan like this one", "people like you").
_LIKE_BEFORE = frozenset("to this that these those it them him her me us you yours mine ours theirs".split())
#: Words around which "you know" is a verb and its subject ("let you know", "do you know what").
_KNOW_AFTER = frozenset("do did don't didn't if let would will could as may might".split())
_KNOW_BEFORE = frozenset(
    "what how if that where when why who whether it about him her them me anything".split()
)
#: Two-word fillers: set off as one ("so, you know, it").
_FILLER_PHRASES = frozenset({("you", "know"), ("i", "mean")})

CLAUSE_RESOURCE = "speech_clauses.yaml"
_CLAUSE_FIELDS = (
    "clause_verbs",
    "subordinators",
    "object_pronouns",
    "amount_units",
    "rate_words",
    "ordinals",
    "ordinal_tens",
    "date_names",
    "condition_openers",
    "stands_alone",
    "never_final",
)
#: ``cxnlp/resources/speech_clauses.yaml``: words that tie what follows them to what came
#: before, so no sentence ends there (:func:`_holds_together`).
CLAUSE_LEXICON = LexiconSpec(
    resource=CLAUSE_RESOURCE,
    version=1,
    parameter="SpeechPunctuator(..., clauses=load_clause_lexicon(PATH))",
    fields=dict.fromkeys(_CLAUSE_FIELDS, "words"),
)


@dataclass(frozen=True)
class ClauseLexicon:
    """The word lists of :data:`CLAUSE_LEXICON` (see the YAML resource)."""

    clause_verbs: frozenset[str]
    subordinators: frozenset[str]
    object_pronouns: frozenset[str]
    amount_units: frozenset[str]
    rate_words: frozenset[str]
    ordinals: frozenset[str]
    ordinal_tens: frozenset[str]
    date_names: frozenset[str]
    condition_openers: frozenset[str]
    stands_alone: frozenset[str]
    never_final: frozenset[str]
    digest: str


def load_clause_lexicon(path: str | Path | None = None) -> ClauseLexicon:
    """Read and check a clause lexicon (the packaged one when ``path`` is None)."""
    lexicon = load_lexicon(CLAUSE_LEXICON, path)
    return ClauseLexicon(**{f: lexicon.words[f] for f in _CLAUSE_FIELDS}, digest=lexicon.digest)


@functools.cache
def default_clause_lexicon() -> ClauseLexicon:
    return load_clause_lexicon()


class SpeechModelError(ValueError):
    """A speech-punctuation model file is malformed."""


def norm_word(word: str) -> str:
    """The form a feature reads: lower case, letters, digits and apostrophes only."""
    return _WORD_CHARS.sub("", word.lower().replace("\u2019", "'")) or "<sym>"


def needs_restoring(text: str) -> bool:
    """True when ``text`` has at least two words and no sentence or clause punctuation."""
    return len(text.split()) >= 2 and not any(c in _PUNCTUATION for c in text)


def boundary_features(words: Sequence[str], i: int, since_start: int) -> Iterator[str]:
    """Features of the gap after ``words[i]`` (normalised words), ``since_start`` words
    after the current sentence began (0 when ``words[i]`` opened it).

    The two words either side, their bigrams and trigrams, how far the sentence has run
    and how much of the turn is left: a new clause often opens with "i", "can", "thank",
    and a sentence of one word rarely ends unless it is "yes", "okay" or "hi".
    """
    n = len(words)
    a = words[i]
    b = words[i + 1] if i + 1 < n else "</s>"
    p = words[i - 1] if i > 0 else "<s>"
    q = words[i + 2] if i + 2 < n else "</s>"
    first = words[i - since_start]
    distance = min(since_start, _MAX_DISTANCE)
    rest = min(n - i - 1, _MAX_REST)
    yield "bias"
    yield f"a={a}"
    yield f"b={b}"
    yield f"p={p}"
    yield f"q={q}"
    yield f"pa={p} {a}"
    yield f"ab={a} {b}"
    yield f"bq={b} {q}"
    yield f"pab={p} {a} {b}"
    yield f"abq={a} {b} {q}"
    yield f"d={distance}"
    yield f"r={rest}"
    yield f"d={distance} b={b}"
    yield f"f={first} b={b}"
    yield f"f={first} a={a}"


#: Words that open a sentence without deciding its kind ("um so can you..."): the
#: question features read the sentence's first words after them.
_LEADING_FILLERS = frozenset("um umm uh uhh erm er ah oh so well okay ok yeah and but like".split())


def question_features(words: Sequence[str]) -> Iterator[str]:
    """Features of one sentence (normalised words) for "is it a question?".

    Every feature is read after the leading fillers and discourse words ("so", "um", "and",
    "well"): "so standard renewals are taking four weeks" is the statement it is without
    "so". Why: written questions open with "so" more often than written statements do, so
    a word the filler edit of a minimal pair (or a speaker's habit) puts at the front would
    otherwise turn an answer into a question, and completeness no longer reads it as one.
    """
    k = 0
    while k < len(words) - 1 and words[k] in _LEADING_FILLERS:
        k += 1
    words = words[k:]
    n = len(words)
    first = words[0] if n else "</s>"
    second = words[1] if n > 1 else "</s>"
    third = words[2] if n > 2 else "</s>"
    yield "bias"
    yield f"w1={first}"
    yield f"w12={first} {second}"
    yield f"w123={first} {second} {third}"
    yield f"w2={second}"
    yield f"w23={second} {third}"
    yield f"last={words[-1] if n else '</s>'}"
    yield f"last2={' '.join(words[-2:])}"
    yield f"len={min(n, 10)}"
    for word in set(words[:6]):
        yield f"in={word}"


@dataclass(frozen=True)
class LinearModel:
    """A logistic regression stored as named feature weights (absent features weigh 0)."""

    weights: Mapping[str, float]
    threshold: float

    def probability(self, features: Iterator[str]) -> float:
        z = sum(self.weights.get(f, 0.0) for f in features)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class SpeechPunctuator:
    """Sentence ends, question marks and capitals for unpunctuated turns (see the module)."""

    boundary: LinearModel
    question: LinearModel
    digest: str
    #: Words after which no sentence ends (:func:`_holds_together`); the packaged
    #: ``speech_clauses.yaml`` when None.
    clauses: ClauseLexicon | None = None

    def sentence_ends(self, words: Sequence[str], tags: WordTags | None = None) -> list[int]:
        """Indices of the words after which a sentence ends (the last word always does).

        Fillers and false starts (:func:`disfluent_positions`) are read past, and a
        sentence never ends before one: the model learned from written text, which has
        none, and an "um" or a "like" dropped into a clause must not move where its
        sentence ends (it opens the next sentence instead). ``tags``, when given, are the
        part-of-speech tags of each word (:data:`WordTags`): no sentence ends between a
        verb or a preposition and the object it takes (:func:`_takes_object`).
        """
        skipped = disfluent_positions(words)
        kept = [i for i in range(len(words)) if i not in skipped]
        norm = [norm_word(words[i]) for i in kept]
        lexicon = self.clauses or default_clause_lexicon()
        kept_tags = [tags[i] for i in kept] if tags is not None else None
        before_questions = question_openings(norm, lexicon.never_final)
        first_tags = [tags[i][0] for i in kept] if tags is not None else []
        cuts: list[int] = []  # positions in ``norm`` after which a sentence ends
        start = 0
        for k in range(len(norm) - 1):
            if k in before_questions and not _cannot_end(norm[k], norm[k + 1], lexicon.never_final):
                cuts.append(k)
                start = k + 1
                continue
            p = self.boundary.probability(boundary_features(norm, k, k - start))
            if (
                p < _threshold_before(norm, k, self.boundary.threshold, kept_tags)
                or _cannot_end(norm[k], norm[k + 1], lexicon.never_final)
                or _splits_a_question(norm, k)
                or _continues(norm, k)
                or _holds_together(norm, k, start, kept_tags, lexicon)
                or _condition_goes_on(norm, start, k, kept_tags, lexicon)
                or (norm[k + 1] in _RESULT_CONNECTORS and k - start >= _MIN_CLAUSE_BEFORE_RESULT - 1)
                or (
                    tags is not None
                    and (
                        _takes_object(tags[kept[k]][1], tags[kept[k + 1]][0], norm[k - 1] if k else "")
                        or _joins_its_participle(norm[k], tags[kept[k + 1]][0])
                        or _awaits_its_verb(norm, first_tags, start, k)
                    )
                )
            ):
                continue
            if norm[k] in _WH and norm[k + 1] in _INVERTING:
                # "it's normally sixty two | why is it higher": the question word opens
                # the next sentence rather than closing this one.
                if k - 1 >= start:
                    cuts.append(k - 1)
                    start = k
                continue
            cuts.append(k)
            start = k + 1
        if kept_tags is not None:
            cuts = _without_fragments(norm, cuts, kept_tags, lexicon)
        ends = [kept[k] for k in cuts]
        if words:
            ends.append(len(words) - 1)
        return ends

    def asks(self, norm: Sequence[str]) -> bool:
        """Is the sentence (normalised fluent words) a question? Question syntax at its start
        says yes, a subject first says no, and the model decides the rest."""
        if opens_question(norm):
            return True
        if opens_statement(norm):
            return False
        return self.question.probability(question_features(norm)) >= self.question.threshold

    def restore(self, text: str, tags: WordTags | None = None) -> str:
        """``text`` with sentence ends and capitals, when it :func:`needs_restoring`;
        ``tags``: its words' part-of-speech tags (:func:`word_tags`), when known."""
        if not needs_restoring(text):
            return text
        words = text.split()
        if tags is not None and len(tags) != len(words):
            raise ValueError(f"Got {len(tags)} word tags for {len(words)} words; expected one per word.")
        fillers = filler_positions(words)
        skipped = disfluent_positions(words)
        out: list[str] = []
        start = 0
        for end in self.sentence_ends(words, tags):
            sentence = words[start : end + 1]
            # Whether it asks is read from its fluent words too ("is, uh, there...").
            norm = [norm_word(w) for i, w in enumerate(sentence, start) if i not in skipped] or ["<sym>"]
            asks = self.asks(norm)
            marked = {i - start for i in fillers if start <= i <= end}
            out.append(_with_commas(_truecase(sentence), marked) + ("?" if asks else "."))
            start = end + 1
        return " ".join(out)


def filler_positions(words: Sequence[str]) -> set[int]:
    """Indices of the words a writer would set off with commas as filler.

    Hesitations ("um", "uh"), "basically" and "literally"; "like" unless it is the verb or
    a comparison (after "I'd", "looks", "something", a subject pronoun; before "to", "this",
    "you", a name or a quoted title); "you know" and "I mean" unless they are a verb and
    its subject ("let you know", "do you know what", "what I mean").
    """
    norm = [norm_word(w) for w in words]
    n = len(norm)
    pauses = hesitations()
    out: set[int] = set()
    for i, w in enumerate(norm):
        prev = norm[i - 1] if i else "<s>"
        nxt = norm[i + 1] if i + 1 < n else "</s>"
        if w in pauses or w in _DISCOURSE:
            out.add(i)
        elif (
            w == "like"
            and prev not in _LIKE_AFTER
            and nxt not in _LIKE_BEFORE
            and nxt != "</s>"
            and words[i + 1][:1].islower()  # "a movie like "The Goonies"", "like Netflix"
        ):
            out.add(i)
        elif (w, nxt) in _FILLER_PHRASES:
            after = norm[i + 2] if i + 2 < n else "</s>"
            verb = prev in _KNOW_AFTER or after in _KNOW_BEFORE if w == "you" else prev == "what"
            if not verb:
                out.update((i, i + 1))
    return out


def disfluent_positions(words: Sequence[str]) -> set[int]:
    """Fillers (:func:`filler_positions`) and the first copy of a word or two said twice in
    a row ("i i've", "for the for the"; numbers never: "two two four" is a number)."""
    out = filler_positions(words)
    norm = [norm_word(w) for w in words]
    out.update(i for i in range(len(norm) - 1) if "'" in norm[i + 1] and norm[i + 1].split("'")[0] == norm[i])
    for size in (2, 1):
        for i in range(len(norm) - 2 * size + 1):
            first = norm[i : i + size]
            if first == norm[i + size : i + 2 * size] and not any(w in _NUMBER_WORDS for w in first):
                out.update(range(i, i + size))
    return out


_NUMBER_WORDS = frozenset(
    "oh zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand double triple".split()
)
#: Words that may stand before a question's first word ("oh and uh is it okay...").
_QUESTION_LEAD = _LEADING_FILLERS | {
    "hey",
    "hi",
    "hello",
    "also",
    "then",
    "sorry",
    "right",
    "now",
    "actually",
}
_WH = frozenset({"what", "when", "where", "why", "how"})
_WH_CONTRACTED = frozenset(
    {"whats", "what's", "hows", "how's", "wheres", "where's", "whys", "why's", "whos", "who's"}
)
_WH_FOLLOWERS = frozenset({"much", "many", "long", "often", "soon", "far", "else", "about", "come"})
_INVERTING = frozenset(
    "can could would will do does did is are was were have has am should shall may might "
    "isn't aren't don't doesn't didn't can't won't wouldn't couldn't haven't hasn't wasn't".split()
)
_SUBJECTS = frozenset("i you we they he she it there that this anyone someone anybody somebody one".split())
#: Determiners that open a subject after an auxiliary ("is the date still the same"),
#: except after "do" and "have", which also open a request ("have a look", "do the form").
_DETERMINERS = frozenset("the my your our his her their a an any".split())


def opens_question(words: Sequence[str]) -> bool:
    """Question syntax at a sentence's start (normalised words, after fillers and "and",
    "oh"...): a wh-word alone or before an auxiliary ("why did", "how much", "what's"),
    "who"/"which" before an auxiliary and a subject ("who am I speaking with"), an
    auxiliary before its subject ("is there", "am I covered", "does the price include"),
    or "anything else ...".

    Why a rule beside the model: the model sees questions as written chat has them, and a
    phone call's questions open with an inverted auxiliary far more often; with no "?"
    completeness and the reply functions must read the question from its syntax anyway.
    """
    k = 0
    while k < len(words) - 1 and words[k] in _QUESTION_LEAD:
        k += 1
    rest = list(words[k:])
    if not rest:
        return False
    first, second = rest[0], rest[1] if len(rest) > 1 else "</s>"
    third = rest[2] if len(rest) > 2 else "</s>"
    if first in _WH:
        return second == "</s>" or second in _INVERTING or second in _WH_FOLLOWERS
    if first in _WH_CONTRACTED:
        return True
    if first in ("who", "which"):
        return second in _INVERTING and third in _SUBJECTS
    if first == "anything" and second == "else":
        return True
    return first in _INVERTING and _opens_subject(second, first)


#: Subjects, with their verb contracted, that open a statement ("i don't know what to do").
_STATEMENT_OPENERS = frozenset(
    "i im i'm ive i've id i'd ill i'll we we're weve we've we'll my our it its it's thats that's "
    "theres there's you youre you're youve you've he she they".split()
)
_CONJUNCTIONS = frozenset({"and", "but", "so", "or"})
#: Words that open a subordinate clause when a subject follows them uninverted ("when you
#: make the payment", "once it's paid"), where "when is it" would ask.
_SUBORDINATORS = frozenset("when where once if because while after before until unless since".split())
#: Tags that turn a statement into a question ("the lamp needs a special bulb right").
_QUESTION_TAGS = frozenset({"right", "correct", "yeah", "yes", "ok", "okay"})


def opens_statement(words: Sequence[str]) -> bool:
    """A sentence that opens with its subject ("I don't know what to do", "it's still
    not working"), with a conjunction and an auxiliary before no subject ("and is valid
    for thirty minutes"), or with a subordinator before its subject ("when you make the
    payment"), and ends without a tag ("..., right"): a statement.

    Why: without intonation a recogniser cannot mark a declarative question, and the
    question model, taught by chat, marks "I don't know what to do" because of its "what";
    a "?" there would make a remark a need.
    """
    k = 0
    while k < len(words) - 1 and words[k] in _QUESTION_LEAD:
        k += 1
    if k >= len(words) or words[-1] in _QUESTION_TAGS:
        return False
    if _inverts_later(words, k):
        return False  # "im looking for a documentary do you have any": two sentences run together
    if words[k] in _SUBORDINATORS and k + 1 < len(words):
        # "when you make the payment in online banking": a clause the sentence ends split off
        # the one before, not "when do you ...".
        return words[k + 1] in _SUBJECTS or words[k + 1] in _STATEMENT_OPENERS
    if words[k] in _INVERTING and _CONJUNCTIONS.intersection(words[:k]):
        # "and is valid for thirty minutes": a clause that goes on from the one before.
        return k + 1 < len(words) and not _opens_subject(words[k + 1], words[k])
    if words[k] in _STATEMENT_OPENERS:
        return True
    # "lovely so that's updated now flat three twelve river street": no question word or
    # auxiliary near the start of a long sentence. A question without either ("so the
    # refund will be there by friday") is said with a rise a transcript does not keep.
    # An auxiliary after the first word asks only before its subject: "nobody else can use
    # it" states, "is dental treatment covered" may ask.
    return len(words) - k >= _LONG_STATEMENT and not any(
        w in _ASKING_WORDS
        or (w in _INVERTING and (j == k or j + 1 == len(words) or _opens_subject(words[j + 1], w)))
        for j, w in enumerate(words[k : k + 3], k)
    )


#: Words from which a sentence with no question syntax at its start is read as a statement.
_LONG_STATEMENT = 6


def _inverts_later(words: Sequence[str], k: int) -> bool:
    """An auxiliary before a subject pronoun after the first words ("... do you have"):
    a question the sentence ends missed may follow, so the model decides."""
    return any(
        words[j] in _INVERTING
        and (
            words[j + 1] in ("you", "i", "we", "there")
            or (words[j] in _MODALS and words[j + 1] in _DETERMINERS)
        )
        for j in range(k + 2, len(words) - 1)
    )


def _opens_subject(word: str, auxiliary: str) -> bool:
    """Can ``word`` open the subject of a question that ``auxiliary`` inverts?"""
    return word in _SUBJECTS or (word in _DETERMINERS and auxiliary not in ("do", "have"))


#: Auxiliaries that, before a pronoun, open a question wherever they stand ("... five
#: thousand pounds will I get charged"); forms of "be" are left out ("the problem is it
#: keeps failing" states).
_INVERTING_NOT_BE = _INVERTING - frozenset("is are was were am isn't aren't wasn't".split())
_PRONOUN_SUBJECTS = frozenset("i you we they he she it there".split())
#: Words after which an inverted auxiliary belongs to the same clause ("nor do I", "than
#: did we", "if you can you should", "what to do") rather than opening a question.
_NO_QUESTION_AFTER = _SUBJECTS | frozenset(
    "nor neither than as to if whether that lets let's please just not never".split()
)
#: Modals: before a determiner only inverted ("... now can the barn fit that many"),
#: where "does the" may be a verb and its object ("it does the job").
_MODALS = frozenset("can could would will should shall may might".split())
#: Auxiliaries that are also main verbs: before "it" they take it as their object.
_MAIN_VERBS = frozenset({"do", "did", "have", "had"})
#: Words before a wh-word that embed its clause ("I don't know where is it"): no new
#: sentence opens there.
_EMBEDDING = frozenset("know knew sure idea wonder wondering ask asking tell told about explain see".split())
#: Words a question may open with that the sentence end goes before ("... last week and
#: can you check").
_OPENING_LEAD = frozenset("and but so oh also okay ok well".split())
#: How far back a wh-word makes a later inversion part of its own question ("how long
#: will it take", "what time does it close").
_WH_REACH = 3
_ASKING_WORDS = _WH | _WH_CONTRACTED | {"who", "which"}


def question_openings(norm: Sequence[str], never_final: frozenset[str] | None = None) -> set[int]:
    """Indices of the words after which a question begins inside a run of words: an
    auxiliary inverted before a pronoun ("... five thousand pounds | will I get charged",
    "... last week | and can you check"; a form of "be" only after "and", "so"...: "... too
    | so is there"), or a wh-word, an auxiliary and its subject ("... can't ski | why does
    the pass"), with any conjunction or "oh" before it.

    Why: the boundary model learned from written chat, where such a question mostly opens a
    turn; run on after a statement, it was left inside the statement, which then reads
    as neither (a need completeness never finds, a "?" the question model never puts).
    Not after a subject, "so", "if", "to" ("you can you should", "so do I"), nor within a
    few words of a wh-word ("how long will it take"), nor before a wh-word that a verb of
    knowing embeds ("I don't know where is it").
    """
    out: set[int] = set()
    n = len(norm)
    for j in range(2, n - 1):
        prev = norm[j - 1]
        word, nxt = norm[j], norm[j + 1]
        if _ASKING_WORDS.intersection(norm[max(0, j - _WH_REACH) : j]):
            continue
        inverted = (
            (word in _INVERTING_NOT_BE or (word in _INVERTING and prev in _OPENING_LEAD))
            and (nxt in _PRONOUN_SUBJECTS or (word in _MODALS and nxt in _DETERMINERS))
            and not (word in _MAIN_VERBS and nxt == "it")  # "that should do it", "I'll have it"
            and prev not in _NO_QUESTION_AFTER
            and not (prev == "so" and j + 2 >= n)  # "so do I", "... and so can we"
            and prev not in _INVERTING
            and not _cannot_end(prev, "", never_final)
        )
        asks = (
            word in _WH
            and nxt in _INVERTING
            and j + 2 < n
            and _opens_subject(norm[j + 2], nxt)
            and prev not in _NO_QUESTION_AFTER
            and prev not in _EMBEDDING
        )
        if not (inverted or asks):
            continue
        i = j
        while i - 1 > 0 and norm[i - 1] in _OPENING_LEAD:
            i -= 1
        if i >= 2:
            out.add(i - 1)
    return out


#: First-person subjects with their auxiliary contracted: in a run of agent words
#: ("... from now on i've also reissued ...", "i can i've started ...") they open a new
#: sentence far more often than the model, taught by short chat turns, gives them.
_FIRST_PERSON_OPENERS = frozenset("i've i'm i'll i'd we've we'll we're we'd".split())
#: Words after which such a subject goes on the same sentence ("and I've", "which I've
#: taken", "I think I've lost", "so I'll", "once I'm", "anything else I can help with").
_JOINS_A_CLAUSE = (
    _CONJUNCTIONS | _SUBORDINATORS | frozenset("which that think hope sure know say said else".split())
)
#: The boundary probability that is enough before a first-person opener (tuned on the
#: recogniser-style calls_tune/tune2 turns: no wrong split added there).
_OPENER_THRESHOLD = 0.02


#: Subjects that are never objects ("... ship separately | yours left the studio").
_SUBJECT_ONLY = frozenset("i we they he she yours mine ours theirs".split())
#: Tags of a word that closes a clause before such a subject: an adverb, a number, a name.
_CLOSING_TAGS = frozenset({"RB", "CD", "NNP"})


def _threshold_before(norm: Sequence[str], k: int, threshold: float, tags: WordTags | None = None) -> float:
    """The boundary threshold after ``norm[k]``: the model's, or :data:`_OPENER_THRESHOLD`
    before a first-person opener that no conjunction or subordinator ties back, or (with
    ``tags``) before a subject that is never an object and its finite verb after an adverb,
    a number or a name ("they ship separately | yours left the studio yesterday")."""
    if norm[k + 1] in _FIRST_PERSON_OPENERS and norm[k] not in _JOINS_A_CLAUSE:
        return min(threshold, _OPENER_THRESHOLD)
    if (
        tags is not None
        and norm[k + 1] in _SUBJECT_ONLY
        and k + 2 < len(norm)
        and tags[k + 2][0] in _FINITE_TAGS
        and tags[k][1] in _CLOSING_TAGS
        and norm[k] not in _JOINS_A_CLAUSE
    ):
        return min(threshold, _OPENER_THRESHOLD)
    return threshold


_RELATIVES = frozenset({"which", "who", "whom", "whose"})
#: A result clause goes on the clause before it ("the card is blocked so it can't be used
#: again"): a writer puts a comma there, and a sentence "So it can't be used again." reads
#: curt and loses its cause. After an acknowledgement ("okay so...") it may open one, and a
#: question after it still does (:func:`question_openings`).
_RESULT_CONNECTORS = frozenset({"so"})
_MIN_CLAUSE_BEFORE_RESULT = 3

#: The Penn Treebank tags of each whitespace word of a turn: its first token's and its last
#: token's ("i've" is "PRP" then "VBP").
WordTags = Sequence[tuple[str, str]]
#: Verb forms that take an object ("confirmed | the change", "upload | your documents");
#: a past participle only after "have" (:func:`_takes_object`).
_OBJECT_VERB_TAGS = frozenset({"VB", "VBD", "VBZ", "VBP", "VBG"})
#: Prepositions and particles before their object ("within | the last month", "pop out |
#: the old battery").
_PREPOSITION_TAGS = frozenset({"IN", "RP"})
_OBJECT_OPENING_TAGS = frozenset({"DT", "PRP$"})


def _takes_object(last_tag: str, next_tag: str, previous: str = "") -> bool:
    """Is the word tagged ``last_tag`` a verb before its object's determiner, or a
    preposition before its object ("show | our vat number", "left | the studio",
    "within | the last month", "outside | the eu")? A past participle takes one after
    "have" (``previous``: "has confirmed | the change"), not in the passive ("it's done |
    the link is in your email").

    Why: the boundary model reads words, not their roles, and learned from short chat
    turns; over a long agent turn it often ends a sentence where a noun phrase starts,
    and splits "I've confirmed the change" into "I've confirmed. The change.", which
    reads as neither an action nor a fact.
    """
    if last_tag in _OBJECT_VERB_TAGS or (last_tag == "VBN" and _is_have(previous)):
        return next_tag in _OBJECT_OPENING_TAGS
    return last_tag in _PREPOSITION_TAGS and (next_tag in _OBJECT_OPENING_TAGS or next_tag == "CD")


#: Forms of "have" and "be" (negated, contracted or not) that a participle completes.
_PARTICIPLE_AUXILIARIES = frozenset(
    "have has had haven't hasn't hadn't havent hasnt hadnt i've we've you've they've ive weve "
    "is are was were am isn't aren't wasn't weren't isnt arent wasnt werent been being "
    "it's that's it'd its thats".split()
)
_PARTICIPLE_TAGS = frozenset({"VBN", "VBG"})


def _joins_its_participle(word: str, next_tag: str) -> bool:
    """Is ``word`` an auxiliary whose participle comes next ("i haven't | got it", "it was |
    delivered", "it isn't | working")? A perfect or a passive is one verb: split there and
    "I haven't." reads as an answer and "Got it." as an acknowledgement, and the customer's
    problem is lost."""
    return word in _PARTICIPLE_AUXILIARIES and next_tag in _PARTICIPLE_TAGS


#: Auxiliaries that open a question and need a main verb after the subject ("can my
#: daughter | use it"): the inverting modals and "do" forms, also as a recogniser writes them
#: without the apostrophe ("dont"); "is" and "have" can stand alone ("is it?", "have you?").
_VERB_NEEDING = _INVERTING_NOT_BE - frozenset("have has haven't hasn't".split())
_VERB_NEEDING_AUXILIARIES = _VERB_NEEDING | frozenset(w.replace("'", "") for w in _VERB_NEEDING)
_VERB_TAGS = frozenset({"VB", "VBP", "VBZ", "VBD", "VBG", "VBN", "MD"})


def _awaits_its_verb(norm: Sequence[str], first_tags: Sequence[str], start: int, k: int) -> bool:
    """Does the sentence since ``start`` open with an auxiliary and its subject and still
    lack the main verb at ``norm[k]`` ("can my daughter | um use my card")? Ending there
    leaves a question without a predicate ("Can my daughter?") and a verb without a
    subject, which reads as a request."""
    if norm[start] not in _VERB_NEEDING_AUXILIARIES or k - start > 4:
        return False
    return not any(tag in _VERB_TAGS for tag in first_tags[start + 1 : k + 1])


def _is_have(word: str) -> bool:
    """ "have", "has", "had" or a subject with "'ve" ("i've", "we've")."""
    return word in ("have", "has", "had", "ive", "weve", "youve", "theyve") or word.endswith("'ve")


def word_tags(text: str, tokens: Sequence[tuple[int, str]]) -> list[tuple[str, str]]:
    """:data:`WordTags` of ``text`` from its tagged tokens ``(character offset, tag)``, in
    order: each whitespace word gets the tags of the first and the last token inside it
    (a word no token starts in gets empty tags)."""
    out: list[tuple[str, str]] = []
    j = 0
    for match in re.finditer(r"\S+", text):
        while j < len(tokens) and tokens[j][0] < match.start():
            j += 1
        inside = []
        while j < len(tokens) and tokens[j][0] < match.end():
            inside.append(tokens[j][1])
            j += 1
        out.append((inside[0], inside[-1]) if inside else ("", ""))
    return out


def _asks_from(norm: Sequence[str], j: int) -> bool:
    """Does a question open at ``norm[j]``: question syntax there, or "which"/"whose" and a
    noun before an auxiliary ("which workspace are you on", "which book was damaged"; a
    relative "which" is followed by its verb: "a fixed rate which lets you")?"""
    if opens_question(norm[j:]):
        return True
    return norm[j] in ("which", "whose") and j + 2 < len(norm) and norm[j + 2] in _INVERTING


def _continues(norm: Sequence[str], k: int) -> bool:
    """The words either side of ``norm[k]`` belong to one phrase whatever the model says:
    a number said in words ("nine | oh six", "three | three"), a relative clause ("a
    fixed rate | which lets you"; unless it opens a question: "| which would you prefer"),
    an auxiliary a wh-word inverted and its subject ("why do | I have to pay"), or a
    subject and its auxiliary that end the turn ("what kind of piano | it is": a sentence
    "It is." would answer a yes/no question nobody asked)."""
    word, nxt = norm[k], norm[k + 1]
    after = norm[k + 2] if k + 2 < len(norm) else "</s>"
    if (
        word in _NUMBER_WORDS
        and word != "oh"
        and ((nxt in _NUMBER_WORDS and nxt != "oh") or (nxt == "oh" and after in _NUMBER_WORDS))
    ):
        return True
    if nxt in _RELATIVES and not _asks_from(norm, k + 1):
        return True
    if k + 3 == len(norm) and nxt in _PRONOUN_SUBJECTS and after in _INVERTING:
        return True  # "can you tell me what kind of piano | it is": the clause's own end
    previous = norm[k - 1] if k else "<s>"
    return word in _INVERTING and previous in _WH and _opens_subject(nxt, word)


_SUBJECT_CONTRACTIONS = ("'ll", "'re", "'ve", "'m")


def _cannot_end(word: str, following: str = "", never_final: frozenset[str] | None = None) -> bool:
    """``word`` needs what follows it: "the", "and", "per" (``never_final``: the clause
    lexicon's, the packaged one when None), a subject with its auxiliary contracted
    ("someone'll | give you a ring", "we're | going to"), or "right" before "there",
    "now", "away" ("it's right | there at the top" is one phrase, and a "right" at a
    sentence's end would read as a question tag)."""
    if never_final is None:
        never_final = default_clause_lexicon().never_final
    return (
        word in never_final
        or word.endswith(_SUBJECT_CONTRACTIONS)
        or (word == "right" and following in _AFTER_RIGHT)
    )


_AFTER_RIGHT = frozenset({"there", "here", "now", "away", "after", "before", "behind", "next"})


#: Tags of a verb that may take an object pronoun ("fix | them", "I've sorted | it").
_PRONOUN_OBJECT_VERB_TAGS = _OBJECT_VERB_TAGS | {"VBN"}


def _holds_together(
    norm: Sequence[str], k: int, start: int, tags: WordTags | None, lexicon: ClauseLexicon
) -> bool:
    """The words either side of ``norm[k]`` (the sentence began at ``norm[start]``) are
    tied by what ``norm[k]`` does, whatever the model says (word lists in
    ``speech_clauses.yaml``; ``tags``: each word's :data:`WordTags`, when known):

    - a verb that takes a clause, after its subject, before the clause's subject ("my
      dentist says | I need a crown", "I'm worried | I've missed the draws");
    - a subordinator before its clause ("until | it's repaired", "once | we receive it");
    - an inverted auxiliary before its subject after a wh-phrase or "or" ("what adhesive
      do | I need", "or do | I have to"), and a wh-phrase before the auxiliary that inverts
      ("how much | is it going to cost", "which employer | is it");
    - a verb before its object pronoun ("fix | them"; "it" when no verb follows it: "fix |
      it I can't do that", not "check | it has a fire label");
    - an amount's unit before its rate ("thirty five dollars | a window");
    - a day or month before the ordinal of its date ("Saturday | the ninth").

    Why: the boundary model learned from written chat turns and reads words, not roles; a
    sentence ended there leaves two fragments ("My dentist says." "I need a crown."; "How
    much?" "Is it going to cost?") that read as neither the need nor the answer they were.
    """
    word, nxt = norm[k], norm[k + 1]
    n = len(norm)
    after = norm[k + 2] if k + 2 < n else "</s>"
    opens_clause = nxt in _PRONOUN_SUBJECTS or nxt in _STATEMENT_OPENERS or nxt in _DETERMINERS
    if (
        word in lexicon.clause_verbs
        and k > start
        and opens_clause
        and (tags is None or tags[k][1].startswith("VB") or tags[k][1] == "JJ")  # "enjoy the show | I've"
    ):
        return True
    if word in lexicon.subordinators and (opens_clause or nxt in _SUBJECTS):
        return True
    wh_before = _ASKING_WORDS.intersection(norm[max(start, k - _WH_REACH) : k])
    if word in _INVERTING and nxt in _PRONOUN_SUBJECTS and (wh_before or (k > start and norm[k - 1] == "or")):
        return True
    if (
        nxt in _INVERTING
        and _opens_subject(after, nxt)
        and _ASKING_WORDS.intersection(norm[max(start, k - 1) : k + 1])
    ):
        return True
    if (
        tags is not None
        and word in _VERB_NEEDING_AUXILIARIES
        and tags[k + 1][0] == "VB"
        and (k == start or norm[k - 1] not in _SUBJECTS and norm[k - 1] not in _STATEMENT_OPENERS)
    ):
        return True  # "the software won't | let me submit"; but "yes I can | let me check"
    if tags is not None and tags[k][1] in _PRONOUN_OBJECT_VERB_TAGS and nxt in lexicon.object_pronouns:
        return nxt != "it" or k + 2 >= n or tags[k + 2][0] not in _VERB_TAGS
    if word in lexicon.amount_units and nxt in lexicon.rate_words:
        return True
    return (
        word in lexicon.date_names
        and nxt == "the"
        and (
            after in lexicon.ordinals
            or (after in lexicon.ordinal_tens and k + 3 < n and norm[k + 3] in lexicon.ordinals)
        )
    )


#: Tags of a word that, alone, is no sentence ("Manager.", "Press.", "For."), unless the
#: clause lexicon's ``stands_alone`` says it is ("Thanks.", "Morning.").
_FRAGMENT_TAGS = frozenset({"NN", "NNS", "VB", "VBP", "IN", "DT", "CC", "TO", "PRP$"})
#: Tags of a finite verb or a modal: one per clause.
_FINITE_TAGS = frozenset({"VBZ", "VBP", "VBD", "MD"})
#: Longest condition (in words) that :func:`_condition_goes_on` holds open.
_MAX_CONDITION = 14


def _condition_goes_on(
    norm: Sequence[str], start: int, k: int, tags: WordTags | None, lexicon: ClauseLexicon
) -> bool:
    """Does the sentence since ``start`` open with a condition ("if", "once", "when" before
    its subject; after "and", "so", "okay"...) that has at most one finite verb up to
    ``norm[k]``? Then its main clause is still to come ("if you use a different brewer |
    tell me and I'll change the grind"): ended there, the condition stands alone and the
    main clause reads bare and curt ("Tell me and I'll change the grind.")."""
    if tags is None or k - start >= _MAX_CONDITION:
        return False
    i = start
    while i < k and norm[i] in _OPENING_LEAD:
        i += 1
    if norm[i] not in lexicon.condition_openers or i + 1 > k:
        return False
    if norm[i] == "when" and norm[i + 1] in _INVERTING:
        return False  # "when will it arrive": a question, not a condition
    return (
        sum(1 for j in range(i + 1, k + 1) if tags[j][0] in _FINITE_TAGS or tags[j][1] in _FINITE_TAGS) <= 1
    )


def _without_fragments(
    norm: Sequence[str], cuts: Sequence[int], tags: WordTags, lexicon: ClauseLexicon
) -> list[int]:
    """``cuts`` (positions after which a sentence ends) without those that leave a one-word
    sentence no speaker says alone ("... handled by the area | Manager. | Let me transfer
    you", "Press. | Check return again"): a verb joins the sentence after it, anything else
    the sentence before it. Words of ``stands_alone`` ("Thanks.", "Morning.") and names
    keep their sentence."""
    out = list(cuts)
    bounds = [-1, *out, len(norm) - 1]
    drop: set[int] = set()
    for s in range(len(bounds) - 1):
        first, last = bounds[s] + 1, bounds[s + 1]
        if first != last or norm[first] in lexicon.stands_alone or tags[first][0] not in _FRAGMENT_TAGS:
            continue
        if tags[first][0] in ("VB", "VBP") and last < len(norm) - 1:
            drop.add(last)  # join the next sentence
        elif first > 0:
            drop.add(first - 1)  # join the previous sentence
    return [c for c in out if c not in drop]


def _splits_a_question(norm: Sequence[str], k: int) -> bool:
    """A sentence end after ``norm[k]`` would open the next one with an auxiliary that
    inverts nothing ("this statement | does show", "your card | has been blocked"): the
    auxiliary belongs to this sentence, however question-like it looks to the model."""
    if norm[k + 1] not in _INVERTING:
        return False
    after = norm[k + 2] if k + 2 < len(norm) else "</s>"
    return after not in _SUBJECTS and after not in _DETERMINERS and after not in ("not", "</s>")


def _with_commas(words: Sequence[str], fillers: set[int]) -> str:
    """The words joined, each filler set off by commas ("I've, uh, basically, moved", "so,
    you know, it")."""
    out: list[str] = []
    for i, word in enumerate(words):
        if i in fillers:
            if out and not out[-1].endswith(",") and i - 1 not in fillers:
                out[-1] += ","
            phrase = i + 1 in fillers and (norm_word(word), norm_word(words[i + 1])) in _FILLER_PHRASES
            out.append(word if phrase else word + ",")
        else:
            out.append(word)
    return " ".join(out).rstrip(",")


#: Contractions a recogniser may write without the apostrophe, where the bare form is no
#: other word ("ill", "wont", "its", "lets" are left alone).
_APOSTROPHES = {
    "im": "I'm", "ive": "I've", "youre": "you're", "youve": "you've", "theyre": "they're",
    "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't", "wasnt": "wasn't",
    "arent": "aren't", "werent": "weren't", "havent": "haven't", "hasnt": "hasn't",
    "couldnt": "couldn't", "wouldnt": "wouldn't", "shouldnt": "shouldn't", "thats": "that's",
    "theres": "there's", "whats": "what's", "weve": "we've", "youll": "you'll", "itll": "it'll",
}  # fmt: skip


def _truecase(words: Sequence[str]) -> list[str]:
    """Capitalise the sentence's first letter and the pronoun "I" ("i've" -> "I've"), and
    put back the apostrophe of an unambiguous contraction ("ive" -> "I've", "dont" -> "don't")."""
    out = [_APOSTROPHES.get(w, w) if w.islower() else w for w in words]
    out = [_PRONOUN_I.sub("I", w) for w in out]
    if out and out[0][:1].islower():
        out[0] = out[0][0].upper() + out[0][1:]
    return out


def _linear(data: Any, name: str, source: str) -> LinearModel:
    part = data.get(name)
    if not isinstance(part, dict):
        raise SpeechModelError(
            f"{source}: field {name!r} got {type(part).__name__}; expected an object. Refit with {_REFIT}."
        )
    weights, threshold = part.get("weights"), part.get("threshold")
    if not isinstance(weights, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
        for k, v in weights.items()
    ):
        raise SpeechModelError(
            f"{source}: {name}.weights must map feature names to numbers. Refit with {_REFIT}."
        )
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not 0.0 < threshold < 1.0:
        raise SpeechModelError(f"{source}: {name}.threshold got {threshold!r}; expected a number in (0, 1).")
    return LinearModel({k: float(v) for k, v in weights.items()}, float(threshold))


def load_speech_punctuator(path: str | Path | None = None) -> SpeechPunctuator:
    """Read and check a model file (the packaged one when ``path`` is None)."""
    data, source, digest = read_json_model(
        DEFAULT_RESOURCE,
        path,
        SpeechModelError,
        model_format=MODEL_FORMAT,
        max_bytes=_MAX_BYTES,
        refit=_REFIT,
    )
    return SpeechPunctuator(_linear(data, "boundary", source), _linear(data, "question", source), digest)


@functools.cache
def default_speech_punctuator() -> SpeechPunctuator:
    return load_speech_punctuator()


def restore(text: str, tags: WordTags | None = None) -> str:
    """:meth:`SpeechPunctuator.restore` with the packaged model."""
    return default_speech_punctuator().restore(text, tags)
