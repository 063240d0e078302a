"""The one cross-validation splitter: folds over transcripts, whatever the row layout.

Every out-of-fold number cxnlp reports comes from these folds: the calibrators'
``cv=<int>`` (:mod:`cxnlp.calibration.estimators`), :func:`~cxnlp.calibration.workflow.calibrate`,
and the bag-of-words baseline (:mod:`cxnlp.calibration.baselines`). ``GroupKFold`` is not
used because it assigns groups to folds by their row counts, so a table with one row per
rating and a table with one row per transcript would get different folds, and a calibrator
and a baseline would not be judged on the same held-out transcripts.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ItemKFold", "fold_indices"]

Split = tuple[NDArray[np.intp], NDArray[np.intp]]


@dataclass(frozen=True)
class ItemKFold:
    """K folds over *items* (transcripts), identical whatever the row layout.

    Each distinct item id goes to a fold by a seeded permutation of the sorted ids, so the
    calibrator (fitted on rating rows) and a baseline (fitted on transcript rows) are
    compared on exactly the same held-out transcripts. It is what an integer ``cv`` means
    everywhere in :mod:`cxnlp.calibration`; pass an instance as ``cv=`` to ``calibrate``
    or as ``folds=`` to :func:`~cxnlp.calibration.baselines.bow_baseline_cv` to choose the
    number of folds and the seed in one place.

    Parameters
    ----------
    n_splits
        Number of folds (at least 2).
    random_state
        Seed of the permutation (None: a fresh one each call).
    """

    n_splits: int = 5
    random_state: int | None = 0

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        return self.n_splits

    def split(self, X: Any, y: Any = None, groups: ArrayLike | None = None) -> Iterator[Split]:
        """Yield ``(train, test)`` row indices; rows of one item are always together.

        ``groups`` are the item ids (one per row); without them each row is its own item.
        """
        if not isinstance(self.n_splits, numbers.Integral) or self.n_splits < 2:
            raise ValueError(f"Got n_splits={self.n_splits!r}; expected an integer of at least 2.")
        n = len(X)
        if groups is None:
            n_items, inverse = n, np.arange(n)
        else:
            ids = np.asarray(groups).astype(str)
            if ids.shape != (n,):
                raise ValueError(f"Got {ids.shape[0]} group ids for {n} rows; expected one per row.")
            unique, inverse = np.unique(ids, return_inverse=True)
            n_items = int(unique.size)
        if n_items < self.n_splits:
            raise ValueError(
                f"Got {n_items} distinct items for n_splits={self.n_splits}; expected at "
                "least as many items as folds. Lower n_splits."
            )
        rank = np.random.default_rng(self.random_state).permutation(n_items)
        fold_of_row = (rank % self.n_splits)[inverse]
        rows = np.arange(n)
        for k in range(self.n_splits):
            yield rows[fold_of_row != k], rows[fold_of_row == k]


def fold_indices(
    n: int,
    groups: ArrayLike | None,
    cv: int | Any,
    random_state: int | None,
) -> list[Split]:
    """Row index splits for ``n`` rows: :class:`ItemKFold` by item, or the caller's splitter.

    An integer ``cv`` is capped at the number of items; fewer than two items give no
    split (the caller then has no out-of-fold predictions).
    """
    dummy = np.zeros((n, 1))
    if not isinstance(cv, numbers.Integral):
        splitter: Any = cv
        return [(np.asarray(tr), np.asarray(te)) for tr, te in splitter.split(dummy, None, groups)]
    n_items = n if groups is None else len(np.unique(np.asarray(groups).astype(str)))
    k = min(int(cv), n_items)
    if k < 2:
        return []
    return list(ItemKFold(n_splits=k, random_state=random_state).split(dummy, None, groups))
