"""Linear and logistic regression with honest standard errors, in numpy.

The impact and outcome analyses need a handful of coefficients with intervals, not a
modelling framework, so the two estimators live here in a few dozen lines instead of a
run-time dependency on statsmodels (the tests check these numbers against statsmodels).

Calls of one agent are not independent: an agent's habits move all their calls together.
Both fits therefore take ``clusters`` (the agent id) and then report the cluster-robust
sandwich variance with the usual small-sample factor (CR1, Stata's and statsmodels'
default). OLS inference uses a t reference with ``G - 1`` degrees of freedom for ``G``
clusters (Cameron & Miller 2015), which widens intervals honestly when a team has few
agents; the logistic fit uses the normal reference, as its Wald tests are asymptotic
anyway.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Fit:
    """Coefficients of a regression with their standard errors and reference distribution.

    ``df`` is the degrees of freedom of the t reference (``inf``: normal). ``converged`` is
    False when a logistic fit stopped before converging (separation: a feature predicts
    the outcome perfectly), and its numbers should not be trusted.
    """

    names: tuple[str, ...]
    coef: FloatArray
    se: FloatArray
    df: float
    n: int
    n_clusters: int
    converged: bool = True

    def index(self, name: str) -> int:
        return self.names.index(name)

    def interval(self, name: str, confidence: float = 0.95) -> tuple[float, float]:
        """Two-sided ``confidence`` interval of one coefficient."""
        j = self.index(name)
        q = _quantile(0.5 + confidence / 2.0, self.df)
        return float(self.coef[j] - q * self.se[j]), float(self.coef[j] + q * self.se[j])

    def p_value(self, name: str) -> float:
        """Two-sided p-value of ``coefficient = 0``; NaN when the error is not estimable."""
        j = self.index(name)
        if not self.se[j] > 0:
            return math.nan
        t = abs(self.coef[j] / self.se[j])
        return float(2.0 * (stats.norm.sf(t) if math.isinf(self.df) else stats.t.sf(t, self.df)))


def _quantile(p: float, df: float) -> float:
    return float(stats.norm.ppf(p) if math.isinf(df) else stats.t.ppf(p, df))


def _check(X: ArrayLike, y: ArrayLike, names: Sequence[str]) -> tuple[FloatArray, FloatArray]:
    Xa = np.asarray(X, dtype=float)
    ya = np.asarray(y, dtype=float).ravel()
    if Xa.ndim != 2 or Xa.shape[0] != ya.size or Xa.shape[1] != len(names):
        raise ValueError(
            f"Got X of shape {Xa.shape}, y of {ya.size} values and {len(names)} names; expected "
            "one row of X per value of y and one name per column."
        )
    if not (np.isfinite(Xa).all() and np.isfinite(ya).all()):
        raise ValueError("Got missing or infinite values; expected complete rows. Drop them first.")
    return Xa, ya


def _sandwich(
    bread: NDArray[np.floating[Any]],
    scores: NDArray[np.floating[Any]],
    clusters: ArrayLike | None,
    n: int,
    k: int,
) -> tuple[FloatArray, int]:
    """CR1 (or HC1 without clusters) covariance ``bread @ meat @ bread`` and the cluster count."""
    if clusters is None:
        meat = scores.T @ scores
        factor = n / (n - k)
        return factor * bread @ meat @ bread, n
    codes = np.unique(np.asarray(clusters).astype(str), return_inverse=True)[1].ravel()
    g = int(codes.max()) + 1 if codes.size else 0
    summed = np.zeros((g, scores.shape[1]))
    np.add.at(summed, codes, scores)
    meat = summed.T @ summed
    # Same small-sample factor for both fits, as statsmodels applies it.
    factor = g / (g - 1) * (n - 1) / (n - k) if g > 1 else math.nan
    return factor * bread @ meat @ bread, g


def ols(X: ArrayLike, y: ArrayLike, names: Sequence[str], *, clusters: ArrayLike | None = None) -> Fit:
    """Ordinary least squares with cluster-robust (CR1) or, without clusters, HC1 errors.

    Parameters
    ----------
    X
        Design matrix, one row per call, including the intercept column.
    y
        Outcome values.
    names
        One name per column of ``X``.
    clusters
        Cluster label per row (the agent id); ``None`` treats every row as its own cluster.

    Returns
    -------
    Fit
        With ``df = G - 1`` (clusters) or ``n - k`` (no clusters).
    """
    Xa, ya = _check(X, y, names)
    n, k = Xa.shape
    if n <= k:
        raise ValueError(f"Got {n} rows for {k} coefficients; expected more rows than coefficients.")
    bread = np.linalg.pinv(Xa.T @ Xa)
    coef = bread @ Xa.T @ ya
    resid = ya - Xa @ coef
    cov, g = _sandwich(bread, Xa * resid[:, None], clusters, n, k)
    df = float(g - 1) if clusters is not None else float(n - k)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None)) if df > 0 else np.full(k, math.nan)
    return Fit(tuple(names), coef, se, df, n, g)


def logit(
    X: ArrayLike,
    y: ArrayLike,
    names: Sequence[str],
    *,
    clusters: ArrayLike | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> Fit:
    """Maximum-likelihood logistic regression by Newton's method, with robust errors.

    Without ``clusters`` the errors come from the inverse information matrix (the classic
    Wald errors); with them, from the cluster-robust sandwich. Steps are halved whenever
    the log-likelihood would fall, so the fit cannot diverge; under separation it stops at
    ``max_iter`` with ``converged=False``.
    """
    Xa, ya = _check(X, y, names)
    if not np.isin(ya, (0.0, 1.0)).all():
        raise ValueError("Got outcome values other than 0 and 1; expected a binary outcome.")
    n, k = Xa.shape
    beta = np.zeros(k)

    def loglik(b: FloatArray) -> float:
        eta = Xa @ b
        return float(np.sum(ya * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    converged = False
    for _ in range(max_iter):
        p = 1.0 / (1.0 + np.exp(-(Xa @ beta)))
        grad = Xa.T @ (ya - p)
        info = Xa.T @ (Xa * (p * (1.0 - p))[:, None])
        step = np.linalg.pinv(info) @ grad
        scale = 1.0
        while scale > 1e-8:
            trial = beta + scale * step
            value = loglik(trial)
            if value >= current - 1e-12:
                break
            scale /= 2.0
        beta, previous, current = trial, current, value
        if abs(current - previous) < tol * (1.0 + abs(current)):
            converged = True
            break
    p = 1.0 / (1.0 + np.exp(-(Xa @ beta)))
    info = Xa.T @ (Xa * (p * (1.0 - p))[:, None])
    bread = np.linalg.pinv(info)
    if clusters is None:
        cov, g = bread, n
    else:
        cov, g = _sandwich(bread, Xa * (ya - p)[:, None], clusters, n, k)
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    return Fit(tuple(names), beta, se, math.inf, n, g, converged)
