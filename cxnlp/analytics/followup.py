"""Route each surveyed customer to the follow-up they need, and say why.

Five actions, checked in this order (the first rule that fires wins, so the most urgent
need is never hidden behind a milder one):

``escalation``
    The customer asks for a manager or a formal complaint, threatens to cancel with a low
    rating, or uses strong complaint words with a critical rating.
``callback``
    The issue is still open: the comment says so ("still not fixed"), or the call's
    evidence shows open questions and the rating is low.
``apology``
    A low rating about how the customer was treated (rude, kept waiting, ignored) while the
    issue itself was dealt with.
``more_information``
    The customer is confused or asks a question ("I don't understand my bill").
``none``
    Nothing above applies.

The rules are plain phrase lists matched on word boundaries, so anyone can read why a row
was routed; each row names its ``rule`` and quotes the matched words as ``evidence``. An
optional :class:`FollowupClassifier` (TF-IDF + logistic regression) trained on labelled
comments can route the rows no rule claimed; rules always take priority.

The comments are short free text, so regular expressions over phrase lists are used instead
of a spaCy Matcher: this keeps the analytics free of language-model imports.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from cxnlp.analytics import is_open_question, parse_evidence, require_columns

logger = logging.getLogger(__name__)

FOLLOWUP_ACTIONS: tuple[str, ...] = (
    "escalation",
    "callback",
    "apology",
    "more_information",
    "none",
)

PRIORITY: dict[str, str] = {
    "escalation": "high",
    "callback": "medium",
    "apology": "medium",
    "more_information": "low",
    "none": "none",
}
_PRIORITY_ORDER = {"high": 0, "medium": 1, "low": 2, "none": 3}

#: Phrase lists behind the rules. Each phrase is matched case-insensitively on word
#: boundaries; ``\w*`` endings are allowed where the phrase ends with ``*``.
PHRASES: dict[str, tuple[str, ...]] = {
    "manager_request": (
        "manager",
        "supervisor",
        "team leader",
        "someone in charge",
        "escalate*",
        "formal complaint",
        "make a complaint",
        "file a complaint",
        "lodge a complaint",
        "ombudsman",
        "regulator",
        "lawyer",
        "solicitor",
        "legal action",
        "trading standards",
    ),
    "cancel_threat": (
        "cancel*",
        "close my account",
        "switch provider*",
        "switching provider*",
        "switch to another",
        "take my business elsewhere",
        "go elsewhere",
        "going elsewhere",
        "leave you",
        "leaving you",
        "find another provider",
        "never use you again",
        "last time i use",
    ),
    "complaint": (
        "terrible",
        "awful",
        "horrible",
        "worst",
        "useless",
        "disgusting",
        "disgraceful",
        "unacceptable",
        "ridiculous",
        "appalling",
        "pathetic",
        "shocking",
        "a joke",
        "incompetent",
        "waste of time",
        "fed up",
        "furious",
        "outrageous",
    ),
    "unresolved": (
        "still not fixed",
        "still not working",
        "still doesn't work",
        "still does not work",
        "still broken",
        "still waiting",
        "still have the problem",
        "still having",
        "not fixed",
        "not resolved",
        "unresolved",
        "not sorted",
        "didn't fix",
        "did not fix",
        "didn't solve",
        "did not solve",
        "didn't help",
        "did not help",
        "no one called back",
        "nobody called back",
        "never called back",
        "never got back",
        "problem persists",
        "issue persists",
        "nothing has changed",
        "haven't received",
        "have not received",
        "never received",
        "no solution",
        "same problem",
        "wasn't fixed",
        "was not fixed",
        "isn't fixed",
        "hasn't been fixed",
        "wasn't resolved",
        "isn't resolved",
        "still locked out",
        "have to call again",
        "had to call again",
        "had to chase",
        "nobody answered",
        "no one answered",
        "didn't answer",
        "never got a straight answer",
        "never got an answer",
    ),
    "treatment": (
        "rude",
        "impolite",
        "dismissive",
        "condescending",
        "patronising",
        "patronizing",
        "arrogant",
        "unfriendly",
        "unprofessional",
        "calm down",
        "nobody cared",
        "no one cared",
        "didn't care",
        "less interested",
        "not interested",
        "not my department",
        "not their department",
        "rambled",
        "waffle",
        "chit-chat",
        "ignored",
        "ignoring",
        "interrupted",
        "hung up",
        "cut me off",
        "talked down",
        "didn't listen",
        "did not listen",
        "not listening",
        "waited",
        "waiting time",
        "wait time",
        "on hold",
        "kept me waiting",
        "long wait",
        "took ages",
        "took forever",
        "took a while",
        "took too long",
        "transferred",
        "no apology",
    ),
    "resolved": (
        "fixed",
        "resolved",
        "sorted",
        "solved",
        "works now",
        "working now",
        "refunded",
    ),
    "confusion": (
        "don't understand",
        "do not understand",
        "dont understand",
        "not understand",
        "confused",
        "confusing",
        "unclear",
        "not clear",
        "makes no sense",
        "make sense of",
        "not sure",
        "no idea",
        "explain",
        "what does",
        "what is",
        "why is",
        "why was",
        "why do",
        "why am i",
        "how do i",
        "how can i",
        "how much",
        "what happens",
    ),
}


def _compile(phrases: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for phrase in phrases:
        stem = phrase.rstrip("*")
        body = r"\s+".join(re.escape(w) for w in stem.split())
        body = body.replace("'", "['\u2019]")
        parts.append(body + (r"\w*" if phrase.endswith("*") else ""))
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b", re.IGNORECASE)


_PATTERNS: dict[str, re.Pattern[str]] = {name: _compile(p) for name, p in PHRASES.items()}
_NEGATED_RESOLVED = re.compile(
    r"(?:\bnot|\bnever|n['\u2019]t|\bnothing|\bno)\s+(?:\w+\s+){0,2}$", re.IGNORECASE
)


@dataclass(frozen=True)
class Signals:
    """What the comment and the call's evidence say, extracted once per row."""

    matches: dict[str, list[str]]
    open_questions: list[str]
    question_mark: bool

    def has(self, name: str) -> bool:
        return bool(self.matches.get(name))


@dataclass(frozen=True)
class Decision:
    """One routing: the action, the rule that fired, and why in words."""

    action: str
    rule: str
    reason: str
    evidence: str


def extract_signals(comment: str, evidence_items: Sequence[dict]) -> Signals:
    """Phrase matches in the comment plus the open questions found in the call."""
    matches = {name: _find(pattern, comment) for name, pattern in _PATTERNS.items()}
    # "not fixed" must not count as "fixed": drop resolved hits preceded by a negation.
    matches["resolved"] = [
        m.group(0)
        for m in _PATTERNS["resolved"].finditer(comment)
        if not _NEGATED_RESOLVED.search(comment[: m.start()])
    ]
    if matches["unresolved"]:
        matches["resolved"] = []
    opened = [str(i.get("sentence", "")).strip() for i in evidence_items if is_open_question(i)]
    return Signals(matches=matches, open_questions=opened, question_mark="?" in comment)


def _find(pattern: re.Pattern[str], text: str) -> list[str]:
    return [m.group(0) for m in pattern.finditer(text)]


def _quoted(words: Sequence[str]) -> str:
    return ", ".join(f'"{w}"' for w in dict.fromkeys(w.lower() for w in words))


def decide(
    rating: float,
    comment: str,
    evidence_items: Sequence[dict],
    *,
    good_rating: float = 85.0,
    low_rating: float = 60.0,
    critical_rating: float = 30.0,
) -> Decision:
    """Apply the rules to one surveyed contact. See the module docstring for the order.

    ``rating`` is 0-100 (NaN when the customer left only a comment: then the rating tests
    read as "not good" but never as "low", so only comment-driven rules can fire).
    """
    s = extract_signals(comment, evidence_items)
    known = not np.isnan(rating)
    low = known and rating <= low_rating
    not_good = not known or rating < good_rating
    m = s.matches

    if s.has("manager_request") and not_good:
        return Decision(
            "escalation",
            "escalation.manager_request",
            "asks for a manager or a formal complaint",
            _quoted(m["manager_request"]),
        )
    if s.has("cancel_threat") and low:
        return Decision(
            "escalation",
            "escalation.cancel_threat",
            f"threatens to leave with a low rating ({rating:g})",
            _quoted(m["cancel_threat"]),
        )
    if s.has("complaint") and known and rating <= critical_rating:
        return Decision(
            "escalation",
            "escalation.critical_complaint",
            f"strong complaint with a critical rating ({rating:g})",
            _quoted(m["complaint"]),
        )
    if s.has("unresolved"):
        return Decision(
            "callback",
            "callback.unresolved_comment",
            "the customer says the issue is not resolved",
            _quoted(m["unresolved"]),
        )
    if s.open_questions and low and not s.has("resolved"):
        return Decision(
            "callback",
            "callback.open_questions",
            f"low rating ({rating:g}) and {len(s.open_questions)} open question(s) in the call",
            " | ".join(s.open_questions[:3]),
        )
    if s.has("treatment") and low:
        return Decision(
            "apology",
            "apology.treatment",
            f"low rating ({rating:g}) about how the customer was treated; "
            "the issue itself is not reported open",
            _quoted(m["treatment"]),
        )
    if s.has("confusion") or (s.question_mark and not_good):
        words = m["confusion"] or ["?"]
        return Decision(
            "more_information",
            "more_information.question",
            "the customer is confused or asks a question",
            _quoted(words),
        )
    return Decision("none", "none", "no rule fired", "")


class FollowupClassifier(ClassifierMixin, BaseEstimator):
    """TF-IDF + logistic regression over survey comments, to extend the routing rules.

    Train it on comments labelled with :data:`FOLLOWUP_ACTIONS` (for example the rows a
    team leader re-routed by hand); :func:`route_followups` consults it only for rows no
    rule claimed, and only above ``min_confidence``.

    Parameters
    ----------
    C
        Inverse regularisation strength of the logistic regression.
    ngram_range
        Word n-grams for TF-IDF; (1, 2) keeps "not fixed" apart from "fixed".
    min_df
        Minimum document frequency of a term.
    class_weight
        Passed to the logistic regression; "balanced" because "none" dominates real data.
    min_confidence
        Probability the predicted action needs before :func:`route_followups` uses it.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        ngram_range: tuple[int, int] = (1, 2),
        min_df: int = 1,
        class_weight: str | dict | None = "balanced",
        min_confidence: float = 0.6,
    ) -> None:
        self.C = C
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.class_weight = class_weight
        self.min_confidence = min_confidence

    def fit(self, X: Iterable[str], y: Iterable[str]) -> FollowupClassifier:
        """Learn the comment -> action mapping; ``y`` must use :data:`FOLLOWUP_ACTIONS`."""
        texts = _texts(X)
        labels = np.asarray(list(y), dtype=object)
        if len(texts) != len(labels):
            raise ValueError(
                f"Got {len(texts)} comments and {len(labels)} labels; expected one label per "
                "comment."
            )
        unknown = sorted(set(labels) - set(FOLLOWUP_ACTIONS))
        if unknown:
            raise ValueError(
                f"Got labels {unknown}; expected actions among {FOLLOWUP_ACTIONS}. Relabel them."
            )
        if len(set(labels)) < 2:
            raise ValueError(
                f"Got a single action {sorted(set(labels))} in y; expected at least two to "
                "learn from."
            )
        self.pipeline_ = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        ngram_range=self.ngram_range, min_df=self.min_df, sublinear_tf=True
                    ),
                ),
                (
                    "logreg",
                    LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=1000),
                ),
            ]
        )
        self.pipeline_.fit(texts, labels)
        self.classes_ = self.pipeline_.classes_
        return self

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probability of each action in ``classes_`` order."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(_texts(X))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The most probable action per comment."""
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]


def _texts(X: Iterable[str]) -> list[str]:
    if isinstance(X, str):
        raise TypeError("Got a single string; expected an iterable of comments. Wrap it in a list.")
    return ["" if _missing(x) else str(x) for x in X]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


PASSTHROUGH: tuple[str, ...] = ("customer_name", "agent_id", "team", "queue", "channel")


def route_followups(
    df: pd.DataFrame,
    *,
    classifier: FollowupClassifier | None = None,
    good_rating: float = 85.0,
    low_rating: float = 60.0,
    critical_rating: float = 30.0,
    id_col: str = "transcript_id",
    rating_col: str = "survey_rating",
    comment_col: str = "survey_comment",
    evidence_col: str = "evidence",
    passthrough: Sequence[str] = PASSTHROUGH,
) -> pd.DataFrame:
    """Route every surveyed contact to one follow-up action, most urgent first.

    Parameters
    ----------
    df
        The score table joined with surveys. Rows with neither a rating nor a comment (not
        surveyed) are left out.
    classifier
        A fitted :class:`FollowupClassifier`, consulted only where no rule fired.
    good_rating
        Ratings at or above this (default 85) are "good": a manager request or a question
        mark alone does not route them.
    low_rating
        Ratings at or below this (default 60, a 3 of 5) are "low": needed for cancel
        threats, open questions from the call and treatment complaints.
    critical_rating
        Ratings at or below this (default 30) escalate on complaint words alone.
    id_col, rating_col, comment_col, evidence_col
        Column names; ``evidence_col`` is optional.
    passthrough
        Context columns copied when present (customer name for the callback, agent, team).

    Returns
    -------
    pandas.DataFrame
        ``transcript_id, action, priority, rule, reason, evidence, survey_rating,
        survey_comment`` and the passthrough columns present, sorted by priority then
        rating (lowest first).
    """
    if not critical_rating <= low_rating < good_rating:
        raise ValueError(
            f"Got critical_rating={critical_rating}, low_rating={low_rating}, "
            f"good_rating={good_rating}; expected critical <= low < good."
        )
    require_columns(
        df,
        [id_col, rating_col],
        where="route_followups",
        hint="Join the surveys first: cxnlp.analytics.join_surveys(scores, surveys).",
    )
    ratings = pd.to_numeric(df[rating_col], errors="coerce")
    comments = df[comment_col] if comment_col in df.columns else pd.Series(None, index=df.index)
    comments = comments.map(lambda c: "" if _missing(c) else str(c))
    surveyed = ratings.notna() | comments.str.strip().ne("")
    rows = df.loc[surveyed]
    cells = rows[evidence_col] if evidence_col in rows.columns else [None] * len(rows)

    decisions = [
        decide(
            float(r),
            c,
            parse_evidence(e),
            good_rating=good_rating,
            low_rating=low_rating,
            critical_rating=critical_rating,
        )
        for r, c, e in zip(ratings[surveyed], comments[surveyed], cells, strict=True)
    ]
    if classifier is not None:
        decisions = _apply_classifier(classifier, decisions, list(comments[surveyed]))

    out = pd.DataFrame(
        {
            id_col: rows[id_col].to_numpy(),
            "action": [d.action for d in decisions],
            "priority": [PRIORITY[d.action] for d in decisions],
            "rule": [d.rule for d in decisions],
            "reason": [d.reason for d in decisions],
            "evidence": [d.evidence for d in decisions],
            rating_col: ratings[surveyed].to_numpy(),
            comment_col: comments[surveyed].to_numpy(),
        }
    )
    for col in passthrough:
        if col in rows.columns and col not in out.columns:
            out[col] = rows[col].to_numpy()
    order = out["priority"].map(_PRIORITY_ORDER)
    out = out.assign(_order=order).sort_values(["_order", rating_col], kind="stable")
    logger.info("route_followups: %s", out["action"].value_counts().to_dict())
    return out.drop(columns="_order").reset_index(drop=True)


def _apply_classifier(
    classifier: FollowupClassifier, decisions: list[Decision], comments: list[str]
) -> list[Decision]:
    check_is_fitted(classifier, "pipeline_")
    open_rows = [i for i, d in enumerate(decisions) if d.action == "none" and comments[i].strip()]
    if not open_rows:
        return decisions
    proba = classifier.predict_proba([comments[i] for i in open_rows])
    best = proba.argmax(axis=1)
    out = list(decisions)
    for row, k, p in zip(open_rows, best, proba[np.arange(len(best)), best], strict=True):
        action = str(classifier.classes_[k])
        if action != "none" and p >= classifier.min_confidence:
            out[row] = Decision(action, "classifier", f"text classifier: P({action}) = {p:.2f}", "")
    return out


def write_followups(followups: pd.DataFrame, path: str | Path) -> Path:
    """Write the routed follow-ups as CSV or Parquet, chosen by the file extension.

    Returns the path written, so a CLI can print it.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in {".csv", ".parquet", ".pq"}:
        raise ValueError(
            f"Got a path ending in {suffix or '(no extension)'!r}; expected .csv or .parquet. "
            "Rename the output file."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        followups.to_csv(target, index=False)
    else:
        followups.to_parquet(target, index=False)
    return target
