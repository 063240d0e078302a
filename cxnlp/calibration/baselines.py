"""How good "good" can be on a data set: a text baseline below, the raters' consistency above.

A calibrated score is judged against two references computed on the same held-out
transcripts: a bag-of-words model that knows nothing about customer service (if it does
as well, the scorer adds nothing the words do not carry) and the human ceiling, the
split-half reliability of the rater panel (no model can agree with the panel's mean better
than the panel agrees with itself). Every number is out-of-fold, on the folds of
:mod:`cxnlp.calibration.model_selection`, the same ones the calibrators use.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from cxnlp.calibration.agreement import require_columns
from cxnlp.calibration.diagnostics import oof_frame
from cxnlp.calibration.metrics import pearson, rmse, spearman
from cxnlp.calibration.model_selection import fold_indices
from cxnlp.model import Transcript

if TYPE_CHECKING:
    from cxnlp.calibration.workflow import TargetResult

__all__ = [
    "bow_baseline_cv",
    "compare_with_baseline",
    "human_ceiling",
    "prediction_metrics",
    "transcript_texts",
]


def transcript_texts(transcripts: Iterable[Transcript], *, speakers: bool = True) -> list[str]:
    """One plain string per transcript (turns in order), the input of text baselines.

    With ``speakers`` each turn is prefixed ``agent:``/``customer:``, so a bag of words can
    tell who said "sorry".
    """
    return [
        " ".join(f"{turn.speaker}: {turn.text}" if speakers else turn.text for turn in t.turns)
        for t in transcripts
    ]


def bow_baseline_cv(
    texts: Sequence[str],
    y: ArrayLike,
    folds: int | Any = 5,
    *,
    groups: ArrayLike | None = None,
    alphas: Sequence[float] = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0),
    random_state: int | None = 0,
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
        Number of folds, or a splitter with ``split(X, y, groups)``: an integer means the
        calibrators' :class:`~cxnlp.calibration.model_selection.ItemKFold` (capped at the
        number of items), so ``folds=5, random_state=0`` holds out the same transcripts as
        ``calibrate(cv=5, seed=0)``.
    groups
        Item ids passed to the splitter.
    alphas
        Ridge penalties tried by leave-one-out inside each training fold.
    random_state
        Seed of the folds when ``folds`` is an integer.

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
    splits = fold_indices(target.size, groups, folds, random_state)
    if not splits:
        raise ValueError(
            f"Got {target.size} item(s); expected at least two distinct items to cross-validate."
        )
    oof = np.full(target.size, np.nan)
    for train, test in splits:
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
            RidgeCV(alphas=tuple(alphas)),
        )
        model.fit([text_list[i] for i in train], target[train])
        oof[test] = model.predict([text_list[i] for i in test])
    return oof


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
    require_columns(labels, [id_col, rater_col, *targets], "labels")
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
    random_state: int | None = 0,
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
        The folds the calibration used (its ``cv``: an integer or a
        :class:`~cxnlp.calibration.model_selection.ItemKFold`), so both are judged on
        the same held-out items.
    ceiling
        :func:`human_ceiling` output; adds a ``human ceiling`` row (correlations only).
    random_state
        The calibration's ``seed``, when ``folds`` is an integer.

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
        bow = bow_baseline_cv(
            [texts[i] for i in frame[id_col]],
            y,
            folds,
            groups=frame[id_col].to_numpy(),
            random_state=random_state,
        )
        predictions: dict[str, ArrayLike] = {
            "cxnlp calibrated": frame[f"{target}_pred"].to_numpy(dtype=float),
            "bag of words (TF-IDF + ridge)": bow,
        }
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
