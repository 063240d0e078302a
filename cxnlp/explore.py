"""Helpers for the analyst's notebooks: read one transcript with its evidence, judge the fit.

The scorer and the calibration job give tables; a QA analyst also needs to *look*: open a
call sentence by sentence next to what the scorer found there, plot machine against
people with the identity line, see where the residuals pile up, find the calls where the
two disagree most and the evidence that explains why, and know how good "good" can be on
a data set (a plain bag-of-words baseline below, the raters' own consistency above).
Each of those is one function here, so the notebooks stay short and the logic is tested.

Every number that judges a model is computed on out-of-fold predictions: the baseline is
cross-validated on folds given by the caller (:class:`ItemKFold` gives the same folds to
the baseline and to :func:`cxnlp.calibration.workflow.calibrate`), and the plots take the
out-of-fold table that ``calibrate`` returns.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from cxnlp.calibration.metrics import pearson, rmse, spearman
from cxnlp.model import ScoredTranscript, Transcript
from cxnlp.report.figures import (
    NEUTRAL_COLOUR,
    REFERENCE_COLOUR,
    WORSE_COLOUR,
    axis_label,
    colour_cycle,
    new_figure,
)
from cxnlp.schema import DIMENSION_COLUMNS, LOWER_IS_BETTER

if TYPE_CHECKING:
    from cxnlp.calibration.workflow import TargetResult

logger = logging.getLogger(__name__)

__all__ = [
    "LOWER_IS_BETTER",
    "ItemKFold",
    "agreement_overview",
    "bow_baseline_cv",
    "calibration_plot",
    "compare_with_baseline",
    "human_ceiling",
    "largest_disagreements",
    "load_transcript",
    "oof_frame",
    "prediction_metrics",
    "rater_means",
    "residual_plot",
    "stc3_sample",
    "transcript_texts",
    "transcript_view",
]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


# --------------------------------------------------------------------------- one transcript


def load_transcript(
    source: str | Path | Sequence[str | Path], transcript_id: str, *, format: str | None = None
) -> Transcript:
    """Read one transcript by id from a file (streams; stops at the first match).

    Parameters
    ----------
    source
        Path(s) that :func:`cxnlp.read_transcripts` reads.
    transcript_id
        The ``id`` of the transcript wanted.
    format
        Input format when the extension does not say (``"stc3"``...).

    Raises
    ------
    ValueError
        When no transcript in ``source`` has that id.
    """
    from cxnlp.ingest import read_transcripts

    for item in read_transcripts(source, format=format):
        if isinstance(item, Transcript) and item.id == str(transcript_id):
            return item
    raise ValueError(
        f"Got transcript_id {transcript_id!r}, which no readable record of {source} has; "
        "expected an id from that file. Check the id (ids are strings, e.g. 'T0001')."
    )


def transcript_view(
    result: ScoredTranscript | pd.Series | Mapping[str, Any],
    transcript: Transcript | None = None,
) -> pd.DataFrame:
    """The transcript sentence by sentence, with the evidence the scorer found on each.

    Evidence items carry their turn and sentence; this puts them back into the running
    text so a reviewer reads the call as it happened and sees, next to each sentence, what
    it earned or cost. Sentences that the scorer found nothing on are kept (they are half
    of what a reviewer judges). Sentence boundaries come from the evidence itself (the
    scorer's own spaCy sentences) and, between them, from end punctuation, so no language
    model is loaded here.

    Parameters
    ----------
    result
        A :class:`~cxnlp.model.ScoredTranscript` (from ``Scorer.score_one``), or one row of
        the score table (a Series or mapping with ``evidence`` JSON).
    transcript
        The transcript itself; required with a score-table row, which holds no text.

    Returns
    -------
    DataFrame
        One row per sentence in reading order: ``turn_index, speaker, sentence``, one
        column per dimension with the net evidence weight on that sentence (points for
        the 0-100 dimensions; filler words for ``filler_content``, where more is worse;
        0.0 where nothing was found), ``n_findings`` and ``findings`` (items separated by ``" | "``, each
        ``dimension/kind weight: detail``).

    Raises
    ------
    ValueError
        A score-table row without its transcript, or with a different transcript's id.
    """
    transcript, evidence = _transcript_and_evidence(result, transcript)
    dimensions = list(DIMENSION_COLUMNS)
    dimensions += sorted({e["dimension"] for e in evidence} - set(dimensions))
    rows: list[dict[str, Any]] = []
    placed: set[int] = set()
    for turn_index, turn in enumerate(transcript.turns):
        items = [(k, e) for k, e in enumerate(evidence) if e["turn_index"] == turn_index]
        for sentence, found in _segment(turn.text, items):
            placed.update(k for k, _ in found)
            rows.append(_view_row(turn_index, turn.speaker, sentence, [e for _, e in found], dimensions))
    orphans = [e for k, e in enumerate(evidence) if k not in placed]
    if orphans:
        logger.info("%d evidence item(s) did not match a turn's text; listed last", len(orphans))
    for e in orphans:
        turn_index = int(e["turn_index"])
        speaker = transcript.turns[turn_index].speaker if 0 <= turn_index < len(transcript.turns) else ""
        rows.append(_view_row(turn_index, speaker, str(e["sentence"]), [e], dimensions))
    columns = ["turn_index", "speaker", "sentence", *dimensions, "n_findings", "findings"]
    return pd.DataFrame.from_records(rows, columns=columns)


def _transcript_and_evidence(
    result: ScoredTranscript | pd.Series | Mapping[str, Any], transcript: Transcript | None
) -> tuple[Transcript, list[dict[str, Any]]]:
    if isinstance(result, ScoredTranscript):
        return result.transcript, [e.to_dict() for e in result.evidence]
    if not isinstance(result, pd.Series | Mapping) or "evidence" not in result:
        raise ValueError(
            f"Got {type(result).__name__}; expected a ScoredTranscript or a score-table row "
            "with an 'evidence' column. Pass scorer.score_one(t) or scores.iloc[i]."
        )
    if transcript is None:
        raise ValueError(
            "Got a score-table row without its transcript; expected transcript=. The table "
            "holds no text: pass cxnlp.explore.load_transcript(path, row['transcript_id'])."
        )
    row_id = result.get("transcript_id")
    if row_id is not None and str(row_id) != transcript.id:
        raise ValueError(
            f"Got a row for transcript {row_id!r} and transcript {transcript.id!r}; "
            "expected the same transcript. Load the transcript with the row's id."
        )
    blob = result["evidence"]
    evidence = json.loads(blob) if isinstance(blob, str) else list(blob)
    return transcript, evidence


def _segment(
    text: str, items: Sequence[tuple[int, Mapping[str, Any]]]
) -> list[tuple[str, list[tuple[int, Mapping[str, Any]]]]]:
    """Split a turn into sentences, attaching each evidence item to the sentence it names.

    Evidence sentences are located in the text (longest first, each at its first free
    occurrence); the text between them is split at end punctuation. Items whose sentence
    is not in the text are left out (the caller lists them separately).
    """
    claimed: list[tuple[int, int, str]] = []
    for sentence in sorted({str(e["sentence"]) for _, e in items}, key=len, reverse=True):
        start = _free_occurrence(text, sentence, claimed)
        if start is not None:
            claimed.append((start, start + len(sentence), sentence))
    claimed.sort()
    pieces: list[tuple[str, list[tuple[int, Mapping[str, Any]]]]] = []
    cursor = 0
    for start, end, sentence in claimed:
        pieces.extend((s, []) for s in _split_plain(text[cursor:start]))
        pieces.append((sentence, [(k, e) for k, e in items if e["sentence"] == sentence]))
        cursor = end
    pieces.extend((s, []) for s in _split_plain(text[cursor:]))
    return pieces


def _free_occurrence(text: str, sentence: str, claimed: Sequence[tuple[int, int, str]]) -> int | None:
    if not sentence:
        return None
    start = text.find(sentence)
    while start >= 0:
        end = start + len(sentence)
        if all(end <= a or start >= b for a, b, _ in claimed):
            return start
        start = text.find(sentence, start + 1)
    return None


def _split_plain(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def _view_row(
    turn_index: int,
    speaker: str,
    sentence: str,
    found: Sequence[Mapping[str, Any]],
    dimensions: Sequence[str],
) -> dict[str, Any]:
    row: dict[str, Any] = {"turn_index": turn_index, "speaker": speaker, "sentence": sentence}
    for dimension in dimensions:
        row[dimension] = float(sum(float(e["weight"]) for e in found if e["dimension"] == dimension))
    row["n_findings"] = len(found)
    row["findings"] = " | ".join(
        f"{e['dimension']}/{e['kind']} {float(e['weight']):+.1f}: {e['detail']}" for e in found
    )
    return row


def stc3_sample(path: str | Path, *, limit: int | None = None) -> tuple[list[Transcript], pd.DataFrame]:
    """The first ``limit`` STC-3 dialogues (all when None) and their rater labels, long form.

    Returns
    -------
    transcripts, labels
        Transcripts in file order (unreadable dialogues are logged and skipped), and
        :func:`cxnlp.ingest.stc3_labels` rows (``transcript_id, rater, A, S, E``) of
        exactly those transcripts.
    """
    import itertools

    from cxnlp.ingest import read_stc3, stc3_labels

    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ValueError(f"Got limit={limit!r}; expected a positive integer or None for all.")
    transcripts: list[Transcript] = []
    for item in itertools.islice(read_stc3(path), limit):
        if isinstance(item, Transcript):
            transcripts.append(item)
        else:
            logger.warning("skipped %s: %s", item.source, item.reason)
    ids = {t.id for t in transcripts}
    labels = stc3_labels(path)
    labels = labels[labels["transcript_id"].astype(str).isin(ids)].reset_index(drop=True)
    return transcripts, labels


def transcript_texts(transcripts: Iterable[Transcript], *, speakers: bool = True) -> list[str]:
    """One plain string per transcript (turns in order), the input of text baselines.

    With ``speakers`` each turn is prefixed ``agent:``/``customer:``, so a bag of words can
    tell who said "sorry".
    """
    return [
        " ".join(f"{turn.speaker}: {turn.text}" if speakers else turn.text for turn in t.turns)
        for t in transcripts
    ]


# --------------------------------------------------------------------------- folds, baseline


@dataclass(frozen=True)
class ItemKFold:
    """K folds over *items* (transcripts), identical whatever the row layout.

    ``GroupKFold`` assigns groups to folds by their row counts, so a table with one row per
    rating and a table with one row per transcript get different folds. Here each distinct
    item id goes to a fold by a seeded permutation of the sorted ids, so the calibrator
    (fitted on rating rows) and a baseline (fitted on transcript rows) are compared on
    exactly the same held-out transcripts. Pass it as ``cv=`` to ``calibrate`` and as
    ``folds=`` to :func:`bow_baseline_cv`.

    Parameters
    ----------
    n_splits
        Number of folds (at least 2).
    random_state
        Seed of the permutation.
    """

    n_splits: int = 5
    random_state: int = 0

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(
        self, X: Any, y: Any = None, groups: ArrayLike | None = None
    ) -> Iterator[tuple[NDArray[np.intp], NDArray[np.intp]]]:
        """Yield ``(train, test)`` row indices; rows of one item are always together.

        ``groups`` are the item ids (one per row); without them each row is its own item.
        """
        if not isinstance(self.n_splits, int) or self.n_splits < 2:
            raise ValueError(f"Got n_splits={self.n_splits!r}; expected an integer of at least 2.")
        n = len(X)
        ids = np.arange(n).astype(str) if groups is None else np.asarray(groups).astype(str)
        if ids.shape != (n,):
            raise ValueError(f"Got {ids.shape[0]} group ids for {n} rows; expected one per row.")
        unique, inverse = np.unique(ids, return_inverse=True)
        if unique.size < self.n_splits:
            raise ValueError(
                f"Got {unique.size} distinct items for n_splits={self.n_splits}; expected at "
                "least as many items as folds. Lower n_splits."
            )
        rank = np.random.default_rng(self.random_state).permutation(unique.size)
        fold_of_row = (rank % self.n_splits)[inverse]
        rows = np.arange(n)
        for k in range(self.n_splits):
            yield rows[fold_of_row != k], rows[fold_of_row == k]


def bow_baseline_cv(
    texts: Sequence[str],
    y: ArrayLike,
    folds: int | Any = 5,
    *,
    groups: ArrayLike | None = None,
    alphas: Sequence[float] = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0),
    random_state: int = 0,
) -> NDArray[np.float64]:
    """Out-of-fold predictions of a bag-of-words baseline: TF-IDF word 1-2-grams + RidgeCV.

    The baseline answers "is cxnlp better than a text classifier that knows nothing about
    customer service?". It only sees the words, so where it beats the calibrated scores the
    scorer misses something the words carry (or the labels reward topic, not quality).
    The vocabulary and the ridge penalty are fitted inside each training fold.

    Parameters
    ----------
    texts
        One string per item (see :func:`transcript_texts`).
    y
        The target per item (e.g. the rater mean).
    folds
        Number of shuffled folds, or a splitter with ``split(X, y, groups)`` such as
        :class:`ItemKFold` (use the same one as the calibrator to compare like with like).
    groups
        Item ids passed to the splitter.
    alphas
        Ridge penalties tried by leave-one-out inside each training fold.

    Returns
    -------
    ndarray
        One prediction per item, each from a model that never saw it.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline

    text_list = [str(t) for t in texts]
    target = np.asarray(y, dtype=float).ravel()
    if len(text_list) != target.size:
        raise ValueError(
            f"Got {len(text_list)} texts and {target.size} targets; expected one target per text."
        )
    if not np.all(np.isfinite(target)):
        raise ValueError("Got missing or infinite targets; expected a finite y. Drop those items first.")
    splitter = ItemKFold(n_splits=folds, random_state=random_state) if isinstance(folds, int) else folds
    oof = np.full(target.size, np.nan)
    for train, test in splitter.split(text_list, target, groups):
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            RidgeCV(alphas=tuple(alphas)),
        )
        model.fit([text_list[i] for i in train], target[train])
        oof[test] = model.predict([text_list[i] for i in test])
    return oof


# --------------------------------------------------------------------------- labels, ceiling


def rater_means(
    labels: pd.DataFrame, targets: Sequence[str], *, id_col: str = "transcript_id"
) -> pd.DataFrame:
    """One row per item: the mean of each target over its raters, and ``n_ratings``.

    Items keep the order of their first label row.
    """
    _require(labels, [id_col, *targets], "labels")
    keyed = labels.assign(**{id_col: labels[id_col].astype(str)})
    grouped = keyed.groupby(id_col, sort=False)
    out = grouped[list(targets)].mean()
    out["n_ratings"] = grouped.size()
    return out.reset_index()


def human_ceiling(
    labels: pd.DataFrame,
    targets: Sequence[str],
    *,
    id_col: str = "transcript_id",
    rater_col: str = "rater",
    n_splits: int = 200,
    seed: int = 0,
) -> pd.DataFrame:
    """How well the rater mean agrees with itself: split-half reliability, Spearman-Brown.

    The raters are split at random into two halves; the correlation of the two half-panel
    means across items, stepped up with Spearman-Brown (``2r / (1 + r)``), estimates the
    reliability of the full panel's mean, averaged over ``n_splits`` random splits. No
    model can correlate with the panel mean better than about ``sqrt(reliability)``: that
    is the ceiling a machine score is judged against.

    Parameters
    ----------
    labels
        Long ratings: ``id_col``, ``rater_col`` and the targets, one row per (item, rater).
    targets
        Rating columns to assess.
    n_splits, seed
        Random half splits averaged, and their seed.

    Returns
    -------
    DataFrame
        Per target: ``split_half_pearson``, ``split_half_spearman`` (mean half-panel
        correlation), ``reliability_pearson``, ``reliability_spearman`` (Spearman-Brown),
        ``ceiling_pearson``, ``ceiling_spearman`` (their square roots), ``n_items``,
        ``n_raters``.

    Raises
    ------
    ValueError
        With fewer than two raters or two items.
    """
    _require(labels, [id_col, rater_col, *targets], "labels")
    rng = np.random.default_rng(seed)
    rows = []
    for target in targets:
        matrix = labels.pivot_table(index=id_col, columns=rater_col, values=target, aggfunc="mean")
        values = matrix.to_numpy(dtype=float)
        n_items, n_raters = values.shape
        if n_raters < 2 or n_items < 2:
            raise ValueError(
                f"Got {n_raters} rater(s) and {n_items} item(s) for {target!r}; expected at "
                "least two of each to split the panel in halves."
            )
        half_p, half_s = [], []
        for _ in range(n_splits):
            order = rng.permutation(n_raters)
            a = _nanmean_rows(values[:, order[: n_raters // 2]])
            b = _nanmean_rows(values[:, order[n_raters // 2 :]])
            half_p.append(pearson(a, b))
            half_s.append(spearman(a, b))
        r_p, r_s = float(np.nanmean(half_p)), float(np.nanmean(half_s))
        rel_p, rel_s = _spearman_brown(r_p), _spearman_brown(r_s)
        rows.append(
            {
                "target": target,
                "split_half_pearson": r_p,
                "split_half_spearman": r_s,
                "reliability_pearson": rel_p,
                "reliability_spearman": rel_s,
                "ceiling_pearson": math.sqrt(rel_p) if rel_p > 0 else math.nan,
                "ceiling_spearman": math.sqrt(rel_s) if rel_s > 0 else math.nan,
                "n_items": n_items,
                "n_raters": n_raters,
            }
        )
    return pd.DataFrame(rows)


def _nanmean_rows(values: NDArray[np.float64]) -> NDArray[np.float64]:
    counts = np.sum(np.isfinite(values), axis=1)
    sums = np.nansum(values, axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _spearman_brown(r: float) -> float:
    return 2 * r / (1 + r) if np.isfinite(r) and r > -1 else math.nan


def prediction_metrics(
    y: ArrayLike, predictions: Mapping[str, ArrayLike], *, target: str | None = None
) -> pd.DataFrame:
    """Spearman, Pearson and RMSE of each set of predictions against one target.

    Parameters
    ----------
    y
        The human target per item.
    predictions
        ``{model name: predictions}``, each aligned with ``y`` (out-of-fold!).
    target
        Name put in a ``target`` column (handy when stacking several targets).
    """
    truth = np.asarray(y, dtype=float).ravel()
    rows = []
    for name, values in predictions.items():
        pred = np.asarray(values, dtype=float).ravel()
        if pred.size != truth.size:
            raise ValueError(
                f"Got {pred.size} predictions for model {name!r} and {truth.size} targets; "
                "expected them aligned one to one."
            )
        ok = np.isfinite(truth) & np.isfinite(pred)
        rows.append(
            {
                "target": target,
                "model": name,
                "spearman": spearman(truth[ok], pred[ok]),
                "pearson": pearson(truth[ok], pred[ok]),
                "rmse": rmse(truth[ok], pred[ok]),
                "n": int(ok.sum()),
            }
        )
    return pd.DataFrame(rows, columns=["target", "model", "spearman", "pearson", "rmse", "n"])


def compare_with_baseline(
    results: Mapping[str, TargetResult],
    labels: pd.DataFrame,
    transcripts: Sequence[Transcript],
    *,
    folds: Any,
    ceiling: pd.DataFrame | None = None,
    id_col: str = "transcript_id",
) -> pd.DataFrame:
    """cxnlp's calibrated scores beside a bag-of-words baseline and the human ceiling.

    For each calibrated target: the out-of-fold calibrated prediction, the raw interaction
    score (uncalibrated; correlations only, it is not on the rating scale), and
    :func:`bow_baseline_cv` on the same ``folds``, each against the rater mean.

    Parameters
    ----------
    results
        ``{target: TargetResult}`` from ``calibrate`` run with ``cv=folds``.
    labels
        Long label rows holding every target.
    transcripts
        The transcripts scored (their text feeds the baseline).
    folds
        The splitter the calibration used (an :class:`ItemKFold`), so both are judged on
        the same held-out items.
    ceiling
        :func:`human_ceiling` output; adds a ``human ceiling`` row (correlations only).

    Returns
    -------
    DataFrame
        ``target, model, spearman, pearson, rmse, n``.
    """
    texts = dict(zip((t.id for t in transcripts), transcript_texts(transcripts), strict=True))
    tables = []
    for target, result in results.items():
        frame = oof_frame(result, labels, id_col=id_col)
        missing = sorted(set(frame[id_col]) - set(texts))
        if missing:
            raise ValueError(
                f"Got {len(missing)} calibrated transcript(s) without text, e.g. {missing[:3]}; "
                "expected the transcripts that were scored. Pass the same transcripts."
            )
        y = frame[f"{target}_human"].to_numpy(dtype=float)
        bow = bow_baseline_cv([texts[i] for i in frame[id_col]], y, folds, groups=frame[id_col].to_numpy())
        predictions = {"cxnlp calibrated": frame[f"{target}_pred"], "bag of words (TF-IDF + ridge)": bow}
        table = prediction_metrics(y, predictions, target=target)
        if "interaction_score" in frame.columns:
            raw = prediction_metrics(y, {"cxnlp interaction score (raw)": frame["interaction_score"]})
            tables.append(raw.assign(target=target, rmse=math.nan))
        tables.append(table)
        if ceiling is not None and target in set(ceiling["target"]):
            row = ceiling.loc[ceiling["target"] == target].iloc[0]
            tables.append(
                pd.DataFrame(
                    [
                        {
                            "target": target,
                            "model": "human ceiling (split-half, Spearman-Brown)",
                            "spearman": float(row["ceiling_spearman"]),
                            "pearson": float(row["ceiling_pearson"]),
                            "rmse": math.nan,
                            "n": int(row["n_items"]),
                        }
                    ]
                )
            )
    return pd.concat(tables, ignore_index=True)[["target", "model", "spearman", "pearson", "rmse", "n"]]


# --------------------------------------------------------------------------- machine vs people


def agreement_overview(results: Mapping[str, TargetResult]) -> pd.DataFrame:
    """The headline rows of every target's cross-validated agreement table.

    Keeps machine vs one rater (``machine-h1``), machine vs the mean rating
    (``machine-mean``), rater vs rater (``human-human``, where transcripts were rated
    twice) and PRMSE (``machine-humans``), with their bootstrap CIs and flags; the
    dimension and subgroup rows stay in each result's full ``agreement`` table.
    """
    keep = ("machine-h1", "machine-mean", "human-human", "machine-humans")
    frames = [r.agreement for r in results.values()]
    if not frames:
        raise ValueError("Got no calibration results; expected the dict that calibrate() returns.")
    table = pd.concat(frames, ignore_index=True)
    table = table[table["comparison"].isin(keep)]
    cols = [
        c for c in ("target", "comparison", "metric", "value", "ci_low", "ci_high", "n", "flag") if c in table
    ]
    return table[cols].reset_index(drop=True)


def oof_frame(result: TargetResult, labels: pd.DataFrame, *, id_col: str = "transcript_id") -> pd.DataFrame:
    """The out-of-fold table of one calibrated target with the people's mean beside it.

    Parameters
    ----------
    result
        A ``TargetResult`` from :func:`cxnlp.calibration.workflow.calibrate` (its ``oof``
        table holds ``<target>_pred``, the dimensions and the subgroup columns).
    labels
        The human label rows for that target (several rows per transcript allowed).

    Returns
    -------
    DataFrame
        ``result.oof`` plus ``<target>_human`` (the mean rating), ``n_ratings`` and
        ``residual`` = human − machine (positive: people rated the call higher).
    """
    target = result.target
    pred = f"{target}_pred"
    _require(result.oof, [id_col, pred], "result.oof")
    means = rater_means(labels, [target], id_col=id_col).rename(columns={target: f"{target}_human"})
    frame = result.oof.assign(**{id_col: result.oof[id_col].astype(str)}).merge(means, on=id_col, how="inner")
    frame["residual"] = frame[f"{target}_human"] - frame[pred]
    return frame


def largest_disagreements(
    frame: pd.DataFrame,
    scores: pd.DataFrame,
    *,
    target: str,
    n: int = 5,
    n_evidence: int = 3,
    id_col: str = "transcript_id",
) -> pd.DataFrame:
    """The transcripts where machine and people disagree most, with the evidence behind it.

    When the machine rated a call higher than people did, the explanation is what the
    machine *credited* (its most positive evidence); when lower, what it *penalised* (its
    most negative evidence; for filler, more filler words count as negative). That is the
    evidence a reviewer should check first: a credit people did not give, or a penalty
    they did not notice.

    Parameters
    ----------
    frame
        :func:`oof_frame` output (``<target>_human``, ``<target>_pred``, ``residual``).
    scores
        The score table (for the evidence column).
    target
        The human target's name.
    n, n_evidence
        Transcripts to return and evidence items per transcript.

    Returns
    -------
    DataFrame
        ``transcript_id, human, machine, residual, direction, why`` (``why``: evidence items
        separated by ``" | "``, each ``dimension/kind weight: "sentence"``), largest ``|residual|`` first.
    """
    human, pred = f"{target}_human", f"{target}_pred"
    _require(frame, [id_col, human, pred, "residual"], "frame")
    _require(scores, [id_col, "evidence"], "scores")
    top = frame.assign(_abs=frame["residual"].abs()).nlargest(n, "_abs")
    blobs = dict(zip(scores[id_col].astype(str), scores["evidence"], strict=True))
    rows = []
    for record in top.to_dict("records"):
        machine_high = record["residual"] < 0
        items = json.loads(blobs.get(str(record[id_col]), "[]"))
        chosen = _explaining(items, machine_high=machine_high, n=n_evidence)
        rows.append(
            {
                id_col: record[id_col],
                "human": record[human],
                "machine": record[pred],
                "residual": record["residual"],
                "direction": "machine higher" if machine_high else "people higher",
                "why": " | ".join(
                    f'{e["dimension"]}/{e["kind"]} {float(e["weight"]):+.1f}: "{e["sentence"]}"'
                    for e in chosen
                ),
            }
        )
    return pd.DataFrame(rows, columns=[id_col, "human", "machine", "residual", "direction", "why"])


def _impact(item: Mapping[str, Any]) -> float:
    weight = float(item["weight"])
    return -weight if item["dimension"] in LOWER_IS_BETTER else weight


def _explaining(items: Sequence[Mapping[str, Any]], *, machine_high: bool, n: int) -> list[Mapping[str, Any]]:
    sign = 1.0 if machine_high else -1.0
    useful = [e for e in items if sign * _impact(e) > 0]
    return sorted(useful, key=lambda e: -sign * _impact(e))[:n]


# --------------------------------------------------------------------------- figures


def calibration_plot(
    frame: pd.DataFrame,
    *,
    human: str,
    pred: str,
    label: str | None = None,
    title: str | None = None,
    n_bins: int = 10,
) -> Figure:
    """Cross-validated machine prediction against the people's rating, with the identity line.

    Points on the dashed identity line are perfect agreement. The orange line joins the
    mean human rating within bins of equal count of the prediction: where it runs flatter
    than the identity, the calibrator promises more spread than people give.

    Parameters
    ----------
    frame
        One row per item with the two columns (e.g. :func:`oof_frame`).
    human, pred
        Column names of the human mean and the out-of-fold prediction.
    label
        Axis label of the rating with its unit (default from the column name).
    title
        Figure title (default names the target and says it is cross-validated).
    n_bins
        Bins of the binned-means line.
    """
    _require(frame, [human, pred], "frame")
    x = pd.to_numeric(frame[pred], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame[human], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    label = label or axis_label(human.removesuffix("_human"))
    fig = new_figure(6.2, 5.2)
    ax = fig.subplots()
    if x.size:
        ax.scatter(x, y, s=14, alpha=0.45, color=NEUTRAL_COLOUR, label=f"transcripts (n={x.size})")
        lo = float(min(x.min(), y.min()))
        hi = float(max(x.max(), y.max()))
        ax.plot(
            [lo, hi],
            [lo, hi],
            linestyle="--",
            color=REFERENCE_COLOUR,
            linewidth=1.2,
            label="identity (y = x)",
        )
        bx, by = _binned_means(x, y, n_bins)
        ax.plot(bx, by, marker="o", color="#E69F00", linewidth=2, label="mean human rating per bin")
        stats = f"Pearson {pearson(x, y):.2f}, Spearman {spearman(x, y):.2f}, RMSE {rmse(y, x):.2f}"
        ax.text(0.02, 0.98, stats, transform=ax.transAxes, va="top", fontsize=9)
    ax.set_xlabel(f"machine prediction, cross-validated: {label}")
    ax.set_ylabel(f"people: {label}")
    name = human.removesuffix("_human").replace("_", " ")
    ax.set_title(title or f"Calibration of {name}: people vs machine (out-of-fold)", fontsize=12)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _binned_means(
    x: NDArray[np.float64], y: NDArray[np.float64], n_bins: int
) -> tuple[list[float], list[float]]:
    order = np.argsort(x, kind="stable")
    chunks = np.array_split(order, max(1, min(n_bins, x.size)))
    return [float(x[c].mean()) for c in chunks if c.size], [float(y[c].mean()) for c in chunks if c.size]


def residual_plot(
    frame: pd.DataFrame,
    *,
    columns: Sequence[str],
    residual: str = "residual",
    unit: str = "points",
    title: str | None = None,
) -> Figure:
    """Residuals (human − machine) against dimensions and across subgroups, one panel each.

    A numeric column gets a scatter with binned means (a slope means the calibrator
    under- or over-uses that dimension); a categorical column gets one box per level (a
    box off zero means the machine is biased for that team, queue or channel).

    Parameters
    ----------
    frame
        :func:`oof_frame` output or any table with the residual and the columns.
    columns
        Columns to plot against (missing ones are skipped with a log message).
    residual
        The residual column.
    unit
        Unit of the residual for the axis label (the target's scale).
    title
        Figure title.
    """
    _require(frame, [residual], "frame")
    present = [c for c in columns if c in frame.columns]
    skipped = [c for c in columns if c not in frame.columns]
    if skipped:
        logger.info("residual_plot: columns not in the table, skipped: %s", skipped)
    n_cols = min(3, max(1, len(present)))
    n_rows = max(1, math.ceil(len(present) / n_cols))
    fig = new_figure(4.2 * n_cols, 3.6 * n_rows)
    axes = fig.subplots(n_rows, n_cols, squeeze=False).ravel()
    res = pd.to_numeric(frame[residual], errors="coerce")
    ylabel = f"human − machine ({unit})"
    for ax, column in zip(axes, present, strict=False):
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            x = values.to_numpy(dtype=float)
            ok = np.isfinite(x) & np.isfinite(res.to_numpy(dtype=float))
            ax.scatter(x[ok], res[ok], s=10, alpha=0.45, color=NEUTRAL_COLOUR, label="transcripts")
            if ok.sum() > 1:
                bx, by = _binned_means(x[ok], res.to_numpy(dtype=float)[ok], 8)
                ax.plot(bx, by, marker="o", color="#E69F00", linewidth=2, label="binned mean")
            ax.set_xlabel(axis_label(column), fontsize=9)
        else:
            groups = values.astype(object).where(values.notna(), "(missing)").astype(str)
            levels = sorted(groups.unique())
            data = [res[groups == level].dropna().to_numpy() for level in levels]
            kept = [(lvl, d) for lvl, d in zip(levels, data, strict=True) if d.size]
            if kept:
                box = ax.boxplot(
                    [d for _, d in kept],
                    tick_labels=[f"{lvl}\n(n={d.size})" for lvl, d in kept],
                    patch_artist=True,
                    widths=0.6,
                    medianprops={"color": "black"},
                )
                for patch, colour in zip(box["boxes"], colour_cycle(len(kept)), strict=True):
                    patch.set_facecolor(colour)
                    patch.set_alpha(0.7)
            ax.tick_params(axis="x", labelsize=8, labelrotation=20)
            ax.set_xlabel(column.replace("_", " "), fontsize=9)
        ax.axhline(0, color=WORSE_COLOUR, linestyle="--", linewidth=1.2, label="no error")
        ax.set_ylabel(ylabel, fontsize=9)
        ax.set_title(column.replace("_", " "), fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=7)
    for ax in axes[len(present) :]:
        ax.set_visible(False)
    fig.suptitle(title or "Residuals, human − machine (out-of-fold)", fontsize=12)
    return fig


def _require(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"Got a {name} table without column(s) {missing}; expected them. "
            f"Available: {list(frame.columns)[:20]}."
        )
