"""Fit the speech-punctuation model (:mod:`cxnlp.speech_text`) and measure its sentence splits.

    .venv/bin/python benchmarks/train_speech_punctuation.py \\
        --taskmaster-tm4 TM-4-2024/data/data_0*.json --taskmaster-tm3 TM-3-2020/splits/train/train-bc.tsv \\
        [--abredial ../shared/data/ab-redial/annotated_dialogues.csv]
        [--out cxnlp/resources/speech_punctuation.json] [--check]

Training text: public written dialogue turns, punctuation and capitals removed the way a
speech recogniser loses them (``bench_validity.recogniser_text``: lower case, numbers as
words), each word labelled with whether a sentence ended after it and whether that
sentence was a question. Sources (nothing from SGD or MultiWOZ, nothing from STC-3, whose
text licence is research-only):

- Taskmaster-4 (coffee ordering self-dialogs) and Taskmaster-3 (movie tickets, split
  ``train-bc.tsv``), google-research-datasets/Taskmaster at commit d92cb6a, CC BY 4.0
  (Byrne, Krishnamoorthi, Ganesh et al., Google LLC).
- AB-ReDial dialogues (Clemenciah/AB-ReDial, commit ad8912c, MIT), from ../shared/data.
- cxnlp's own tuning splits of need-reply pairs (``need_reply_tune.jsonl``,
  ``need_reply_tune2.jsonl``; written pairs only).

Evaluation (printed; ``--check`` writes nothing): sentence-boundary precision / recall /
F1 and question-mark F1 on 10 % of the public dialogues held out by dialogue, and on the
turns of cxnlp's test calls rewritten in recogniser style (``calls_tune`` tunes the
thresholds; ``calls_holdout_*`` are only reported), next to the rule splitter
(:mod:`cxnlp.segmentation`) on the same text.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_validity import recogniser_text  # noqa: E402
from common import ABREDIAL  # noqa: E402

from cxnlp.speech_text import (  # noqa: E402
    MODEL_FORMAT,
    LinearModel,
    SpeechPunctuator,
    boundary_features,
    norm_word,
    question_features,
)

VALIDITY = REPO / "benchmarks" / "data" / "validity"
DEFAULT_OUT = REPO / "cxnlp" / "resources" / "speech_punctuation.json"
SEED = 0
C = 0.5  # inverse L2 strength of both regressions
MIN_WEIGHT = 0.2  # smaller weights are dropped from the file (8.5 MB at 0.02; tune F1 0.566 -> 0.565)
HELD_OUT_SHARE = 0.1
BOUNDARY_THRESHOLDS = (0.075, 0.1, 0.15, 0.2, 0.3)
#: Sentence ends: a run of . ? ! (quotes after it allowed) then a space or the end.
_CLAUSE_END = re.compile(r"(?<=\w)[,;:]\s+|\s+[-\u2013\u2014]+\s+")
_SENT_END = re.compile(r"(?<=[.?!])[\"')\]]*\s+|(?<=[.?!])[\"')\]]*$|(?<=[a-z][.?!])(?=[A-Z])")


@dataclass(frozen=True)
class Turn:
    """One turn as recogniser words, with its gold sentence ends and question flags."""

    words: tuple[str, ...]
    ends: tuple[int, ...]  # word index after which each sentence ends (the last word included)
    questions: tuple[bool, ...]  # one per sentence
    commas: frozenset[int] = frozenset()  # word indices followed by , ; : or a dash in the written text


def turn_from_written(text: str) -> Turn | None:
    """Split written text at sentence ends, de-punctuate each sentence, label its words."""
    words: list[str] = []
    ends: list[int] = []
    questions: list[bool] = []
    commas: set[int] = set()
    for sentence in _SENT_END.split(text.strip()):
        for clause in _CLAUSE_END.split(sentence):
            words.extend(recogniser_text(clause).split())
            if words:
                commas.add(len(words) - 1)
        if not words or (ends and ends[-1] == len(words) - 1):
            continue
        ends.append(len(words) - 1)
        questions.append(sentence.rstrip("\"')] ").endswith("?"))
    return Turn(tuple(words), tuple(ends), tuple(questions), frozenset(commas - set(ends))) if words else None


# --------------------------------------------------------------------------- sources


def taskmaster4(paths: Iterable[Path]) -> list[list[str]]:
    dialogues = []
    for path in paths:
        for d in json.loads(path.read_text(encoding="utf-8")):
            dialogues.append([u["text"] for u in d.get("utterances", []) if u.get("text")])
    return dialogues


def taskmaster3(paths: Iterable[Path]) -> list[list[str]]:
    dialogues = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            turns = [m.group(1).strip() for m in re.finditer(r"<[UA]>(.*?)(?=<[A-Z]+>|$)", line)]
            dialogues.append([t for t in turns if t])
    return dialogues


def abredial(path: Path) -> list[list[str]]:
    dialogues = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            turns = [row[k].split("\t", 1)[-1] for k in row if k and k.startswith("utterance") and row[k]]
            dialogues.append([t for t in turns if t.strip()])
    return dialogues


def need_reply(split: str) -> list[list[str]]:
    rows = [
        json.loads(x) for x in (VALIDITY / f"need_reply_{split}.jsonl").read_text().splitlines() if x.strip()
    ]
    return [[r["need"], r["reply"]] for r in rows if r.get("style") not in ("asr", "recogniser")]


def calls(split: str) -> list[list[str]]:
    rows = [json.loads(x) for x in (VALIDITY / f"calls_{split}.jsonl").read_text().splitlines() if x.strip()]
    return [[t["text"] for t in r["turns"]] for r in rows]


def turns_of(dialogues: Iterable[Sequence[str]], *, joined: bool = False) -> list[Turn]:
    """Each turn; with ``joined``, also each two consecutive turns run together.

    Why joined: most written chat turns are one sentence, while a phone agent's turn runs
    three or four, so the turns alone teach too little about where a sentence ends inside
    a long run of words.
    """
    out = []
    for dialogue in dialogues:
        texts = list(dialogue)
        if joined:
            texts += [f"{a} {b}" for a, b in zip(texts, texts[1:], strict=False)]
        for text in texts:
            turn = turn_from_written(text)
            if turn is not None:
                out.append(turn)
    return out


# --------------------------------------------------------------------------- fitting


def boundary_rows(turns: Sequence[Turn]) -> tuple[list[list[str]], list[int]]:
    rows, labels = [], []
    for turn in turns:
        norm = [norm_word(w) for w in turn.words]
        ends = set(turn.ends)
        start = 0
        for i in range(len(norm) - 1):
            rows.append(list(boundary_features(norm, i, i - start)))
            labels.append(int(i in ends))
            if i in ends:
                start = i + 1
    return rows, labels


def question_rows(turns: Sequence[Turn]) -> tuple[list[list[str]], list[int]]:
    rows, labels = [], []
    for turn in turns:
        norm = [norm_word(w) for w in turn.words]
        start = 0
        for end, question in zip(turn.ends, turn.questions, strict=True):
            rows.append(list(question_features(norm[start : end + 1])))
            labels.append(int(question))
            start = end + 1
    return rows, labels


def fit_weights(rows: list[list[str]], labels: list[int]) -> dict[str, float]:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    x = vec.fit_transform([dict.fromkeys(r, 1) for r in rows]).tocsr()
    x.indices, x.indptr = x.indices.astype(np.int32), x.indptr.astype(np.int32)  # liblinear's index type
    model = LogisticRegression(C=C, fit_intercept=False, solver="liblinear", max_iter=500)
    model.fit(x, np.asarray(labels))
    names = vec.get_feature_names_out()
    return {
        str(n): round(float(w), 3) for n, w in zip(names, model.coef_[0], strict=True) if abs(w) >= MIN_WEIGHT
    }


# --------------------------------------------------------------------------- evaluation


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0,
    }


def evaluate(predict, turns: Sequence[Turn]) -> dict[str, object]:
    """Boundary P/R/F1 inside turns (the turn end is free), the same counting a split at a
    written comma as right, and "?" F1 over gold sentence ends.

    ``predict(words) -> (ends, questions-by-end)``.
    """
    tp = fp = fn = qtp = qfp = qfn = at_comma = 0
    for turn in turns:
        ends, qs = predict(turn.words)
        gold = set(turn.ends[:-1])
        pred = {e for e in ends if e < len(turn.words) - 1}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        at_comma += len((pred - gold) & turn.commas)
        for end, question in zip(turn.ends, turn.questions, strict=True):
            guess = qs.get(end, False)
            qtp += question and guess
            qfp += guess and not question
            qfn += question and not guess
    return {
        "n_turns": len(turns),
        "boundary": prf(tp, fp, fn),
        # A split where the writer put a comma ("Hi, I ...", "Yes, there is") is no harm.
        "boundary_comma_ok": prf(tp + at_comma, fp - at_comma, fn),
        "question": prf(qtp, qfp, qfn),
    }


def model_predict(model: SpeechPunctuator):
    def predict(words):
        ends = model.sentence_ends(words)
        qs, start = {}, 0
        for end in ends:
            norm = [norm_word(w) for w in words[start : end + 1]]
            qs[end] = model.asks(norm)
            start = end + 1
        return ends, qs

    return predict


def rule_predict():
    """The rule splitter of cxnlp.segmentation on the same words (no "?" marks)."""
    from cxnlp.nlp import load_pipeline

    nlp = load_pipeline()

    def predict(words):
        doc = nlp(" ".join(words))
        starts = {len(doc.text[: s.start_char].split()) for s in doc.sents}
        return sorted(i - 1 for i in starts if i > 0) + [len(words) - 1], {}

    return predict


def best_threshold(probs: np.ndarray, labels: np.ndarray) -> float:
    best, best_f1 = 0.5, -1.0
    for t in np.arange(0.05, 0.81, 0.025):
        pred = probs >= t
        tp = int((pred & (labels == 1)).sum())
        fp = int((pred & (labels == 0)).sum())
        fn = int((~pred & (labels == 1)).sum())
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return round(best, 3)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--taskmaster-tm4", type=Path, nargs="*", default=[])
    ap.add_argument("--taskmaster-tm3", type=Path, nargs="*", default=[])
    ap.add_argument("--abredial", type=Path, default=ABREDIAL)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--check", action="store_true", help="evaluate only; write nothing")
    ap.add_argument("--no-rules", action="store_true", help="skip the rule splitter's figures")
    args = ap.parse_args()

    sources = {
        "taskmaster4": taskmaster4(args.taskmaster_tm4),
        "taskmaster3": taskmaster3(args.taskmaster_tm3),
        "abredial": abredial(args.abredial) if args.abredial.is_file() else [],
        "need_reply_tune": need_reply("tune"),
        "need_reply_tune2": need_reply("tune2"),
    }
    rng = random.Random(SEED)
    train_dialogues, held_dialogues = [], []
    for dialogues in sources.values():
        for d in dialogues:
            (held_dialogues if rng.random() < HELD_OUT_SHARE else train_dialogues).append(d)
    train, held = turns_of(train_dialogues, joined=True), turns_of(held_dialogues)
    print(
        f"sources: { {k: len(v) for k, v in sources.items()} } dialogues; "
        f"train {len(train)} turns, held out {len(held)}",
        flush=True,
    )

    t0 = time.perf_counter()
    b_rows, b_labels = boundary_rows(train)
    q_rows, q_labels = question_rows(train)
    boundary = fit_weights(b_rows, b_labels)
    question = fit_weights(q_rows, q_labels)
    elapsed = time.perf_counter() - t0
    print(f"fitted in {elapsed:.0f} s: {len(boundary)} boundary and {len(question)} question weights")

    # Thresholds: best F1 on cxnlp's tuning calls rewritten in recogniser style, the
    # boundary one decoded left to right as restore() does.
    tune = turns_of(calls("tune"))
    rows, q_lab = question_rows(tune)
    q_probs = np.array([LinearModel(question, 0.5).probability(iter(r)) for r in rows])
    q_threshold = best_threshold(q_probs, np.asarray(q_lab))
    candidates = [
        SpeechPunctuator(LinearModel(boundary, t), LinearModel(question, q_threshold), "")
        for t in BOUNDARY_THRESHOLDS
    ]
    model = max(candidates, key=lambda m: evaluate(model_predict(m), tune)["boundary"]["f1"])
    print(f"thresholds: boundary {model.boundary.threshold}, question {model.question.threshold}")

    sets = {
        "public held-out": held,
        "calls_tune": tune,
        "calls_holdout_a": turns_of(calls("holdout_a")),
        "calls_holdout_b": turns_of(calls("holdout_b")),
    }
    predictors = {"model": model_predict(model)}
    if not args.no_rules:
        predictors["rules"] = rule_predict()
    if not args.check:
        write_model(args.out, model, sources)
    for name, turns in sets.items():
        for kind, predict in predictors.items():
            t0 = time.perf_counter()
            result = evaluate(predict, turns)
            speed = sum(len(t.words) for t in turns) / (time.perf_counter() - t0)
            print(f"{name:16s} {kind:5s} {json.dumps(result)} ({speed:,.0f} words/s)", flush=True)


def write_model(out: Path, model: SpeechPunctuator, sources: dict[str, list[list[str]]]) -> None:
    boundary, question = model.boundary.weights, model.question.weights
    payload = {
        "format": MODEL_FORMAT,
        "fitted_by": "benchmarks/train_speech_punctuation.py",
        "provenance": {
            "taskmaster": "google-research-datasets/Taskmaster commit d92cb6a: TM-4-2024 data, "
            "TM-3-2020 splits/train/train-bc.tsv; CC BY 4.0, "
            "Byrne, Krishnamoorthi, Ganesh et al., Google LLC",
            "abredial": "Clemenciah/AB-ReDial commit ad8912c, annotated_dialogues.csv; MIT",
            "need_reply_tune": "cxnlp benchmarks/data/validity/need_reply_tune{,2}.jsonl "
            "(written pairs only)",
            "dialogues": {k: len(v) for k, v in sources.items()},
            "held_out_share": HELD_OUT_SHARE,
            "seed": SEED,
            "C": C,
            "min_weight": MIN_WEIGHT,
            "thresholds_from": "calls_tune.jsonl in recogniser style, best F1 (boundary: decoded)",
        },
        "boundary": {"threshold": model.boundary.threshold, "weights": dict(sorted(boundary.items()))},
        "question": {"threshold": model.question.threshold, "weights": dict(sorted(question.items()))},
    }
    out.write_text(json.dumps(payload, separators=(",", ":"), ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size:,} bytes)", flush=True)


if __name__ == "__main__":
    main()
