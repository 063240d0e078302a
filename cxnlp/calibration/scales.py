"""Rating scales of human labels: declared or read from the data, never assumed silently.

A QA rubric scored 0-100, a 1-5 survey and a -2..2 sentiment label need different
agreement statistics (exact agreement only makes sense on a discrete scale) and
different clipping. Guessing the wrong one quietly gives plausible but wrong numbers,
so :func:`infer_scale` only answers when the values leave no real doubt and otherwise
raises with the exact flag to declare the scale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Scale", "infer_scale", "parse_scale", "as_scale", "KNOWN_SCALES"]

#: A scale with at most this many levels is treated as discrete (ordinal): 1-5, -2..2, 0-10.
MAX_DISCRETE_LEVELS = 11

#: Observed values must cover at least this share of an inferred scale's range; otherwise
#: the data could as well come from a wider scale and inference refuses to guess.
MIN_INFERRED_COVERAGE = 0.5

_SPEC = re.compile(
    r"^\s*(?P<lo>[-+]?\d+(?:\.\d+)?)\s*(?:\.\.|-|–)\s*(?P<hi>[-+]?\d+(?:\.\d+)?)"
    r"\s*(?::\s*(?P<step>\d+(?:\.\d+)?))?\s*$"
)


@dataclass(frozen=True, slots=True)
class Scale:
    """A closed rating scale ``[min, max]``.

    Parameters
    ----------
    name
        How the scale is written, e.g. ``"1-5"``; also what ``--scale col=NAME`` takes.
    min, max
        The end points (inclusive).
    discrete
        Whether ratings are whole steps (ordinal scales such as 1-5). Exact and
        adjacent agreement and ordinal rounding are only meaningful when true.
    step
        Distance between adjacent levels. Continuous scales keep a step (1 for 0-100)
        because quadratic weighted kappa is computed on ratings rounded to it.
    """

    name: str
    min: float
    max: float
    discrete: bool
    step: float = 1.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.min) and math.isfinite(self.max)) or self.max <= self.min:
            raise ValueError(
                f"Got scale bounds min={self.min}, max={self.max}; expected finite numbers "
                "with min < max. Declare the scale as 'MIN-MAX', e.g. '1-5'."
            )
        if not (math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"Got scale step {self.step}; expected a positive number.")

    @property
    def span(self) -> float:
        """``max - min``."""
        return self.max - self.min

    @property
    def n_levels(self) -> int:
        """Number of steps from ``min`` to ``max`` inclusive."""
        return int(round(self.span / self.step)) + 1

    @property
    def levels(self) -> NDArray[np.float64]:
        """All values on the step grid, ``min`` to ``max``."""
        return self.min + self.step * np.arange(self.n_levels, dtype=float)

    def to_unit(self, values: ArrayLike) -> NDArray[np.float64]:
        """Map values linearly onto ``[0, 1]`` (``min`` → 0, ``max`` → 1); NaN stays NaN."""
        return (np.asarray(values, dtype=float) - self.min) / self.span

    def from_unit(self, values: ArrayLike) -> NDArray[np.float64]:
        """Inverse of :meth:`to_unit`."""
        return self.min + np.asarray(values, dtype=float) * self.span

    def convert(self, values: ArrayLike, target: Scale) -> NDArray[np.float64]:
        """Re-express values of this scale on ``target`` by linear rescaling."""
        return target.from_unit(self.to_unit(values))

    def clip(self, values: ArrayLike) -> NDArray[np.float64]:
        """Clip values into ``[min, max]`` (NaN stays NaN)."""
        clipped: NDArray[np.float64] = np.clip(np.asarray(values, dtype=float), self.min, self.max)
        return clipped

    def round(self, values: ArrayLike) -> NDArray[np.float64]:
        """Round to the nearest level of the step grid, inside the scale."""
        arr = self.clip(values)
        return self.clip(self.min + np.round((arr - self.min) / self.step) * self.step)

    def to_steps(self, values: ArrayLike) -> NDArray[np.float64]:
        """Integer step index ``0 .. n_levels - 1`` of each value (rounded); NaN stays NaN."""
        return np.round((self.clip(values) - self.min) / self.step)

    def validate(self, values: ArrayLike, *, column: str = "values") -> None:
        """Raise if any non-missing value lies outside the scale.

        Raises
        ------
        ValueError
            Naming the column, the offending range and how to declare another scale.
        """
        arr = np.asarray(values, dtype=float)
        finite = arr[np.isfinite(arr)]
        if finite.size == 0:
            return
        tol = 1e-9 * max(1.0, self.span)
        lo, hi = float(finite.min()), float(finite.max())
        if lo < self.min - tol or hi > self.max + tol:
            raise ValueError(
                f"Got values from {lo:g} to {hi:g} in column {column!r}; expected the "
                f"declared scale {self.name} ({self.min:g} to {self.max:g}). Declare the "
                f"scale the column really uses: --scale {column}=MIN-MAX."
            )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready fields."""
        return {
            "name": self.name,
            "min": self.min,
            "max": self.max,
            "discrete": self.discrete,
            "step": self.step,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scale:
        """Rebuild from :meth:`to_dict` output."""
        return cls(
            name=str(data["name"]),
            min=float(data["min"]),
            max=float(data["max"]),
            discrete=bool(data["discrete"]),
            step=float(data["step"]),
        )


def parse_scale(spec: str | Scale) -> Scale:
    """Parse a declared scale such as ``"0-100"``, ``"1-5"``, ``"0-10"``, ``"-2..2"``.

    An optional ``":STEP"`` suffix sets the step (``"1-5:0.5"``). A scale with at most
    :data:`MAX_DISCRETE_LEVELS` levels is discrete (rating scales such as Likert items
    or 0-10 NPS); wider ones (0-100) are continuous with step 1.

    Raises
    ------
    ValueError
        If the text is not of the form ``MIN-MAX`` or ``MIN..MAX``.
    """
    if isinstance(spec, Scale):
        return spec
    match = _SPEC.match(str(spec))
    if match is None:
        raise ValueError(
            f"Got scale {spec!r}; expected 'MIN-MAX' or 'MIN..MAX' with an optional ':STEP', "
            "e.g. '0-100', '1-5', '0-10' or '-2..2'."
        )
    lo, hi = float(match["lo"]), float(match["hi"])
    step = float(match["step"]) if match["step"] else 1.0
    if hi <= lo:
        raise ValueError(f"Got scale {spec!r} with max <= min; expected e.g. '1-5'.")
    n_levels = int(round((hi - lo) / step)) + 1
    name = f"{lo:g}..{hi:g}" if lo < 0 else f"{lo:g}-{hi:g}"
    if match["step"]:
        name += f":{step:g}"
    return Scale(name=name, min=lo, max=hi, discrete=n_levels <= MAX_DISCRETE_LEVELS, step=step)


@overload
def as_scale(scale: str | Scale) -> Scale: ...
@overload
def as_scale(scale: None) -> None: ...
def as_scale(scale: str | Scale | None) -> Scale | None:
    """Accept a :class:`Scale`, a spec string, or ``None`` (returned unchanged)."""
    if scale is None or isinstance(scale, Scale):
        return scale
    if isinstance(scale, str):
        return parse_scale(scale)
    raise TypeError(f"Got scale of type {type(scale).__name__}; expected a Scale, str or None.")


#: Candidate scales, in the order inference tries them (narrowest first).
KNOWN_SCALES: tuple[Scale, ...] = tuple(parse_scale(s) for s in ("1-5", "-2..2", "0-10", "0-100"))


def infer_scale(values: Iterable[float] | ArrayLike, *, column: str = "values") -> Scale:
    """Read the scale of a label column from its values, refusing to guess.

    The first of 1-5, -2..2, 0-10 (integer values only) and 0-100 that contains every
    value is taken, but only when the values cover at least half of its range
    (:data:`MIN_INFERRED_COVERAGE`): survey ratings of {3, 4, 5} could come from 1-5 or
    from 0-10, and a wrong guess changes every agreement statistic.

    Raises
    ------
    ValueError
        When no value is present, values fit none of the known scales, or the fit is
        ambiguous; the message names the flag that declares the scale.
    """
    listed = values if hasattr(values, "__array__") else list(cast(Iterable[float], values))
    arr = np.asarray(listed, dtype=float)
    finite = arr[np.isfinite(arr)]
    how = f"--scale {column}=MIN-MAX (Python: scales={{{column!r}: '1-5'}})"
    if finite.size == 0:
        raise ValueError(
            f"Got no numeric values in column {column!r}; expected ratings to infer a "
            f"scale from. Declare it with {how}."
        )
    lo, hi = float(finite.min()), float(finite.max())
    integers = bool(np.all(np.isclose(finite, np.round(finite))))
    fitting = [s for s in KNOWN_SCALES if s.min <= lo and hi <= s.max and (integers or not s.discrete)]
    if not fitting:
        raise ValueError(
            f"Got values from {lo:g} to {hi:g} in column {column!r}; expected one of the "
            f"known scales {', '.join(s.name for s in KNOWN_SCALES)}. Declare it with {how}."
        )
    best = fitting[0]
    coverage = (hi - lo) / best.span
    if coverage < MIN_INFERRED_COVERAGE:
        others = ", ".join(s.name for s in fitting[1:]) or "none"
        raise ValueError(
            f"Got values from {lo:g} to {hi:g} in column {column!r}: they fit {best.name} "
            f"but use only {coverage:.0%} of it (also fit: {others}), so the scale is "
            f"ambiguous. Declare it, e.g. --scale {column}={best.name} "
            f"(Python: scales={{{column!r}: {best.name!r}}})."
        )
    return best
