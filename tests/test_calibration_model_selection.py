"""The one splitter: folds over transcripts, the same for every row layout and every user.

The calibrators' integer ``cv`` and the bag-of-words baseline's integer ``folds`` must hold
out exactly the transcripts that :class:`ItemKFold` holds out, or a calibrator and its
baseline are judged on different calls.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxnlp.calibration import ScoreCalibrator, cross_val_predictions
from cxnlp.calibration.model_selection import ItemKFold, fold_indices


def test_item_folds_are_the_same_for_long_and_wide_layouts() -> None:
    ids = np.array([f"d{i:03d}" for i in range(40)])
    long_ids = np.repeat(ids, 3)[np.random.default_rng(1).permutation(120)]
    folds = ItemKFold(n_splits=4, random_state=3)
    wide = {frozenset(ids[te]) for _, te in folds.split(ids, groups=ids)}
    long = {frozenset(long_ids[te]) for _, te in folds.split(long_ids, groups=long_ids)}
    assert wide == long
    assert sorted(i for fold in wide for i in fold) == sorted(ids)


def test_item_folds_keep_an_items_rows_together_and_depend_on_the_seed() -> None:
    ids = np.repeat([f"d{i}" for i in range(20)], 2)
    for train, test in ItemKFold(5, 0).split(ids, groups=ids):
        assert not set(ids[train]) & set(ids[test])
    a = [tuple(te) for _, te in ItemKFold(5, 0).split(ids, groups=ids)]
    b = [tuple(te) for _, te in ItemKFold(5, 1).split(ids, groups=ids)]
    assert a != b


@pytest.mark.parametrize(("n_splits", "n_items"), [(1, 10), (5, 3)])
def test_item_folds_reject_impossible_splits(n_splits: int, n_items: int) -> None:
    with pytest.raises(ValueError, match="Got"):
        list(ItemKFold(n_splits).split(np.arange(n_items)))


def test_integer_cv_means_item_folds_capped_at_the_number_of_items() -> None:
    ids = np.repeat([f"d{i}" for i in range(12)], [1, 2, 3] * 4)
    expected = [(tuple(tr), tuple(te)) for tr, te in ItemKFold(4, 7).split(ids, groups=ids)]
    got = [(tuple(tr), tuple(te)) for tr, te in fold_indices(ids.size, ids, 4, 7)]
    assert got == expected
    assert len(fold_indices(ids.size, ids, 50, 7)) == 12
    assert fold_indices(1, None, 5, 0) == []


def test_a_calibrators_integer_cv_holds_out_the_same_transcripts_as_item_folds() -> None:
    # unequal rating counts per transcript: GroupKFold would balance rows, not items
    rng = np.random.default_rng(0)
    ids = np.repeat([f"t{i:02d}" for i in range(30)], rng.integers(1, 5, 30))
    X = pd.DataFrame({"interaction_score": rng.uniform(0, 100, ids.size)})
    y = X["interaction_score"].to_numpy() * 0.5 + rng.normal(0, 5, ids.size)
    by_int = cross_val_predictions(ScoreCalibrator(cv=3), X, y, groups=ids, cv=5, random_state=4)
    by_folds = cross_val_predictions(ScoreCalibrator(cv=3), X, y, groups=ids, cv=ItemKFold(5, 4))
    np.testing.assert_allclose(by_int, by_folds)
    with pytest.raises(AssertionError):
        other = cross_val_predictions(ScoreCalibrator(cv=3), X, y, groups=ids, cv=ItemKFold(5, 5))
        np.testing.assert_allclose(by_int, other)
