"""Workshop impact: did coaching move the treated team more than it moved everyone else?

Measure, workshop, measure again. A before/after comparison of the coached team alone
mixes the workshop with everything else that changed on that date (a new product, the
season, a system outage), so :func:`workshop_impact` compares the treated group's change
with a control group's change over the same windows: the **difference in differences**

``effect = (treated_after - treated_before) - (control_after - control_before)``

estimated as the interaction coefficient of ``y = a + b*treated + c*after +
effect*treated*after`` over the calls in ``window`` days either side of the event, with
errors clustered by agent (see :mod:`cxnlp.analytics.regression`). The estimate is only as
good as the assumption that both groups would have moved alike without the workshop, so
the pre-event trends of the two groups are compared and a difference is written into the
row's ``note``.

Also here:

* :func:`impact_evidence` says *what* changed in the evidence's own terms (the share of
  needs left open, filler words per 100 agent words, calls with a next step...);
* several events (one workshop per team on different dates, or a repeated one) give one
  row per event and a pooled, *stacked* estimate whose controls are only groups without
  an event in that window (treated-earlier groups would bias it);
* :func:`impact_plan` says, before an event, how many calls per group each window needs
  to detect a given change at a given power, from the observed variance;
* :func:`impact_series` gives the weekly means behind the report's effect plot.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from cxnlp.analytics.frames import (
    DIMENSIONS,
    LOWER_IS_BETTER,
    parse_evidence,
    require_columns,
    to_local_timestamps,
)
from cxnlp.analytics.regression import Fit, ols

logger = logging.getLogger(__name__)

#: Output columns of :func:`workshop_impact`, one row per metric.
IMPACT_COLUMNS: tuple[str, ...] = (
    "metric",
    "treated_n_before",
    "treated_n_after",
    "treated_before",
    "treated_after",
    "control_before",
    "control_after",
    "effect",
    "ci_low",
    "ci_high",
    "p_value",
    "note",
)
#: Leading columns of the several-events form (``events=``).
EVENT_COLUMNS: tuple[str, ...] = ("event", "group", "date", "workshop")
#: The ``event`` value of the pooled rows.
POOLED = "pooled"
#: Metrics analysed when none are named: the interaction score, then the dimensions.
DEFAULT_METRICS: tuple[str, ...] = ("interaction_score", *DIMENSIONS)
#: Fewer agents than this in a group and the clustered interval is a rough guide only.
MIN_CLUSTERS = 4


class ImpactInputError(ValueError):
    """Input an impact or outcome analysis cannot run on; ``param`` names the argument.

    The command line turns ``param`` into its flag (``treated`` → ``--treated``), so the
    one-line error says which option to fix.
    """

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param


# --------------------------------------------------------------------------- groups


@dataclass(frozen=True)
class GroupSpec:
    """Which calls belong to a group: ``column=value[,value...]`` or ``column!=value[,...]``."""

    column: str
    values: tuple[str, ...]
    negate: bool = False

    @classmethod
    def parse(cls, spec: str | GroupSpec, *, param: str) -> GroupSpec:
        """Read ``"team=Team East"`` or ``"team!=Team East"`` (values compared as text)."""
        if isinstance(spec, GroupSpec):
            return spec
        text = str(spec)
        negate = "!=" in text
        column, sep, rest = text.partition("!=" if negate else "=")
        values = tuple(v.strip() for v in rest.split(",") if v.strip())
        if not sep or not column.strip() or not values:
            raise ImpactInputError(
                param,
                f"Got {param}={text!r}; expected COLUMN=VALUE or COLUMN!=VALUE, e.g. "
                "'team=Team East' (several values separated by commas).",
            )
        return cls(column.strip(), values, negate)

    def mask(self, df: pd.DataFrame, *, param: str) -> pd.Series:
        """Rows in the group; refuses a column the table lacks or values it never holds."""
        if self.column not in df.columns:
            raise ImpactInputError(
                param,
                f"Got {param}={self}, but the table has no column {self.column!r}; expected one of "
                f"{', '.join(map(str, df.columns[:20]))}.",
            )
        have = df[self.column].astype("string").fillna("")
        known = set(have.unique())
        unknown = [v for v in self.values if v not in known]
        if unknown:
            shown = ", ".join(sorted(known)[:12])
            raise ImpactInputError(
                param,
                f"Got {param}={self}, but no call has {self.column} {unknown[0]!r}; expected one "
                f"of: {shown}. Values must match exactly.",
            )
        hit = have.isin(self.values).to_numpy()
        return pd.Series(~hit if self.negate else hit, index=df.index)

    def __str__(self) -> str:
        return f"{self.column}{'!=' if self.negate else '='}{','.join(self.values)}"


# --------------------------------------------------------------------------- preparation


def _event_time(event: object, times: pd.Series, *, param: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(event)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT or pd.isna(stamp):
        raise ImpactInputError(param, f"Got {param}={event!r}; expected a date such as 2026-10-01.")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    first, last = times.min(), times.max()
    if not first < stamp <= last:
        raise ImpactInputError(
            param,
            f"Got {param}={stamp:%Y-%m-%d}, outside the data (calls from {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d}); expected a date with calls before and after it.",
        )
    return stamp


def _frame(
    df: pd.DataFrame, metrics: Sequence[str] | None, time_col: str, where: str
) -> tuple[pd.DataFrame, list[str]]:
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"Got {type(df).__name__}; expected the score table as a DataFrame.")
    chosen = list(metrics) if metrics else [m for m in DEFAULT_METRICS if m in df.columns]
    if not chosen:
        raise ValueError(
            f"Got a table without any of {DEFAULT_METRICS}; expected the score table written "
            "by 'cxnlp score', or pass metrics=[...]."
        )
    require_columns(df, [time_col, *chosen], where=where)
    times = to_local_timestamps(df[time_col], column=time_col)
    keep = times.notna()
    if not keep.all():
        logger.info("%s: %d rows without a time left out", where, int((~keep).sum()))
    frame = df.loc[keep].reset_index(drop=True)  # a unique index, whatever the caller's
    frame["_time"] = times[keep].to_numpy()
    if frame.empty:
        raise ValueError(f"Got no rows with a time in {time_col!r}; expected dated calls.")
    return frame, chosen


def _clusters(frame: pd.DataFrame, cluster_col: str | None) -> np.ndarray:
    labels: np.ndarray
    if cluster_col and cluster_col in frame.columns:
        labels = frame[cluster_col].astype("string").fillna("(missing)").to_numpy(dtype=object)
    else:
        labels = frame.index.astype(str).to_numpy(dtype=object)
    return labels


def _event_part(
    frame: pd.DataFrame,
    event: Any,
    treated: str,
    control: str | None,
    window: int,
    *,
    label: str | None = None,
) -> tuple[pd.Timestamp, pd.DataFrame]:
    """The event's time and the rows of one treated/control design around it (control:
    everyone not treated when None); the one place a single-event design is built."""
    stamp = _event_time(event, frame["_time"], param="event")
    t_mask = GroupSpec.parse(treated, param="treated").mask(frame, param="treated")
    c_mask = (
        GroupSpec.parse(control, param="control").mask(frame, param="control")
        if control is not None
        else ~t_mask
    )
    part = _design(
        frame,
        stamp=stamp,
        treated=t_mask,
        control=c_mask,
        window=window,
        param_treated="treated",
        param_control="control",
        label=label or f"the event ({stamp:%Y-%m-%d})",
    )
    return stamp, part


def _design(
    frame: pd.DataFrame,
    *,
    stamp: pd.Timestamp,
    treated: pd.Series,
    control: pd.Series,
    window: int,
    param_treated: str,
    param_control: str,
    label: str,
) -> pd.DataFrame:
    if (treated & control).any():
        raise ImpactInputError(
            param_control,
            f"Got treated and control groups sharing {int((treated & control).sum())} calls; "
            "expected separate groups. Name a control group without the treated calls.",
        )
    days = (frame["_time"] - stamp) / pd.Timedelta(days=1)
    in_window = (days >= -window) & (days < window)
    out = frame.loc[in_window & (treated | control)].copy()
    out["_T"] = treated[out.index].astype(float)
    out["_post"] = (days[out.index] >= 0).astype(float)
    out["_days"] = days[out.index]
    for flag, name, param in ((1.0, "treated", param_treated), (0.0, "control", param_control)):
        part = out[out["_T"] == flag]
        for post, when in ((0.0, "before"), (1.0, "after")):
            if not (part["_post"] == post).any():
                raise ImpactInputError(
                    param,
                    f"Got an empty {name} group {when} {label} (no calls in the {window} days "
                    f"{when} it); expected calls on both sides. Widen the window or pick "
                    "another group or date.",
                )
    return out


# --------------------------------------------------------------------------- estimates


def _did_fit(part: pd.DataFrame, value: str, clusters: np.ndarray) -> Fit:
    T, post = part["_T"].to_numpy(), part["_post"].to_numpy()
    X = np.column_stack([np.ones(len(part)), T, post, T * post])
    return ols(X, part[value].to_numpy(float), ["const", "treated", "after", "effect"], clusters=clusters)


def _pretrend(part: pd.DataFrame, value: str, clusters: np.ndarray, alpha: float) -> str:
    """A note when the two groups' trends before the event differ (slopes per week)."""
    pre = part["_post"].to_numpy() == 0
    sub, cl = part.loc[pre], clusters[pre]
    weeks = sub["_days"].to_numpy() / 7.0
    T = sub["_T"].to_numpy()
    for flag in (1.0, 0.0):
        if np.unique(np.floor(sub["_days"].to_numpy()[T == flag])).size < 3:
            return "pre-trends not checked: fewer than 3 days with calls before the event"
    X = np.column_stack([np.ones(len(sub)), T, weeks, T * weeks])
    try:
        fit = ols(X, sub[value].to_numpy(float), ["const", "treated", "week", "gap"], clusters=cl)
    except ValueError:
        return "pre-trends not checked: too few calls before the event"
    p = fit.p_value("gap")
    if p == p and p < alpha:
        slope = float(fit.coef[fit.index("gap")])
        return (
            f"pre-trends differ: before the event the treated group moved {slope:+.2f} points a "
            f"week relative to the control (p={p:.2g}); the estimate is doubtful"
        )
    return ""


def _metric_row(
    part: pd.DataFrame,
    metric: str,
    clusters: np.ndarray,
    *,
    confidence: float,
    pretrend_alpha: float,
) -> dict[str, Any]:
    values = pd.to_numeric(part[metric], errors="coerce")
    ok = values.notna().to_numpy()
    sub = part.loc[ok].assign(**{metric: values[ok]})
    cl = clusters[ok]
    T, post = sub["_T"].to_numpy(), sub["_post"].to_numpy()
    cells = {(t, p): sub.loc[(T == t) & (post == p), metric] for t in (1.0, 0.0) for p in (0.0, 1.0)}
    row: dict[str, Any] = {
        "metric": metric,
        "treated_n_before": int(cells[1.0, 0.0].size),
        "treated_n_after": int(cells[1.0, 1.0].size),
        "treated_before": _mean(cells[1.0, 0.0]),
        "treated_after": _mean(cells[1.0, 1.0]),
        "control_before": _mean(cells[0.0, 0.0]),
        "control_after": _mean(cells[0.0, 1.0]),
        "effect": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "p_value": math.nan,
    }
    notes: list[str] = []
    if min(c.size for c in cells.values()) < 2:
        row["note"] = "too few calls with a value in a group and window to estimate"
        return row
    fit = _did_fit(sub, metric, cl)
    row["effect"] = float(fit.coef[fit.index("effect")])
    row["ci_low"], row["ci_high"] = fit.interval("effect", confidence)
    row["p_value"] = fit.p_value("effect")
    trend = _pretrend(sub, metric, cl, pretrend_alpha)
    if trend:
        notes.append(trend)
    n_treated_clusters = len(set(cl[T == 1.0]))
    if n_treated_clusters < MIN_CLUSTERS:
        notes.append(
            f"only {n_treated_clusters} agent(s) in the treated group; the interval is a rough guide"
        )
    if metric in LOWER_IS_BETTER:
        notes.append("lower is better: a negative effect is an improvement")
    row["note"] = "; ".join(notes)
    return row


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if values.size else math.nan


def workshop_impact(
    df: pd.DataFrame,
    *,
    event: object = None,
    treated: str | GroupSpec | None = None,
    control: str | GroupSpec | None = None,
    window: int = 28,
    events: pd.DataFrame | None = None,
    group_col: str = "team",
    metrics: Sequence[str] | None = None,
    time_col: str = "started_at",
    cluster_col: str | None = "agent_id",
    confidence: float = 0.95,
    pretrend_alpha: float = 0.05,
) -> pd.DataFrame:
    """Difference-in-differences effect of a workshop on each metric, clustered by agent.

    Parameters
    ----------
    df
        The score table (from a file or a result store), with a contact time and the
        group and agent columns.
    event
        The workshop date: calls on or after it are "after". Must lie inside the data.
    treated
        The coached group, ``"team=Team East"`` (or a :class:`GroupSpec`).
    control
        The comparison group, e.g. ``"team!=Team East"``; default: every call not treated.
    window
        Days on each side of the event that are compared (default 28).
    events
        Several workshops instead of ``event``/``treated``: a table with columns ``group``
        (a value of ``group_col``, or a ``COLUMN=VALUE`` spec) and ``date``. Each event's
        control (unless ``control`` is given) is every group without an event within
        ``window`` days of it; the result has one row per event and metric plus pooled rows.
    group_col
        Column whose values ``events`` name (default ``team``).
    metrics
        Columns to analyse; default the interaction score and the four dimensions.
    time_col, cluster_col
        Contact time, and the cluster of the errors (agent); without the cluster column
        every call is its own cluster (heteroskedasticity-robust errors).
    confidence
        Level of the interval (0.95).
    pretrend_alpha
        A pre-event trend difference with a p-value below this is noted in the row's
        ``note`` (0.05).

    Returns
    -------
    pandas.DataFrame
        One row per metric with :data:`IMPACT_COLUMNS` (metric units; filler in percent of
        agent words, lower better). With ``events`` the columns :data:`EVENT_COLUMNS` come
        first (``workshop`` counts a group's workshops: 1 for the first, 2 for a repeat)
        and the pooled rows have ``event == "pooled"``.

    Raises
    ------
    ImpactInputError
        (a ValueError) for a date outside the data, a group that matches no calls or has
        none on one side of the event, or overlapping groups; ``param`` names the argument.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"Got confidence={confidence}; expected a number between 0 and 1.")
    if not isinstance(window, int | np.integer) or window < 1:
        raise ImpactInputError("window", f"Got window={window!r}; expected a whole number of days >= 1.")
    frame, chosen = _frame(df, metrics, time_col, "workshop_impact")
    clusters = _clusters(frame, cluster_col)
    frame["_cluster"] = clusters
    opts = {"confidence": confidence, "pretrend_alpha": pretrend_alpha}
    if events is not None:
        return _several(frame, events, control, window, group_col, chosen, opts)
    if event is None or treated is None:
        raise ImpactInputError(
            "event" if event is None else "treated",
            "Got no event date or no treated group; expected event='2026-10-01' and "
            "treated='team=Team East' (or events=TABLE).",
        )
    _, part = _event_part(frame, event, treated, control, window)
    rows = [_metric_row(part, m, part["_cluster"].to_numpy(), **opts) for m in chosen]
    return pd.DataFrame(rows, columns=list(IMPACT_COLUMNS))


def read_events(events: pd.DataFrame) -> pd.DataFrame:
    """Check an events table (``group, date``) and return it sorted, dates parsed."""
    if not isinstance(events, pd.DataFrame) or not {"group", "date"} <= set(events.columns):
        have = list(events.columns) if isinstance(events, pd.DataFrame) else type(events).__name__
        raise ImpactInputError("events", f"Got an events table with {have}; expected columns group and date.")
    if events.empty:
        raise ImpactInputError("events", "Got an events table without rows; expected one row per workshop.")
    out = events[["group", "date"]].copy()
    out["group"] = out["group"].astype(str).str.strip()
    parsed = pd.to_datetime(out["date"], errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ImpactInputError(
            "events",
            f"Got date {events['date'].iloc[i]!r} in row {i + 1} of the events table; expected a "
            "date such as 2026-10-01.",
        )
    out["date"] = parsed.dt.tz_localize(None) if parsed.dt.tz is not None else parsed
    out = out.sort_values(["date", "group"], kind="stable").reset_index(drop=True)
    out["workshop"] = out.groupby("group").cumcount() + 1
    return out


def _event_spec(group: str, group_col: str) -> GroupSpec:
    if "=" in group:
        return GroupSpec.parse(group, param="events")
    return GroupSpec(group_col, (group,))


def _several(
    frame: pd.DataFrame,
    events: pd.DataFrame,
    control: str | GroupSpec | None,
    window: int,
    group_col: str,
    chosen: list[str],
    opts: Mapping[str, Any],
) -> pd.DataFrame:
    table = read_events(events)
    specs = [_event_spec(g, group_col) for g in table["group"]]
    masks = [s.mask(frame, param="events") for s in specs]
    fixed = GroupSpec.parse(control, param="control").mask(frame, param="control") if control else None
    rows: list[dict[str, Any]] = []
    stacks: list[pd.DataFrame] = []
    for i, ev in table.iterrows():
        stamp = _event_time(ev["date"], frame["_time"], param="events")
        if fixed is not None:
            c_mask = fixed & ~masks[i]
        else:
            near = [
                j
                for j, other in table.iterrows()
                if abs((other["date"] - stamp) / pd.Timedelta(days=1)) < window
            ]
            c_mask = ~np.logical_or.reduce([masks[j].to_numpy() for j in near])
            c_mask = pd.Series(c_mask, index=frame.index)
        part = _design(
            frame,
            stamp=stamp,
            treated=masks[i],
            control=c_mask,
            window=window,
            param_treated="events",
            param_control="events" if fixed is None else "control",
            label=f"the {ev['group']} event of {stamp:%Y-%m-%d}",
        )
        stacks.append(part.assign(_stack=i))
        head = {
            "event": str(i + 1),
            "group": ev["group"],
            "date": stamp.date().isoformat(),
            "workshop": int(ev["workshop"]),
        }
        for m in chosen:
            rows.append({**head, **_metric_row(part, m, part["_cluster"].to_numpy(), **opts)})
    stacked = pd.concat(stacks, ignore_index=True)
    for m in chosen:
        rows.append(
            {
                "event": POOLED,
                "group": f"{len(table)} events",
                "date": "",
                "workshop": 0,
                **_pooled_row(stacked, m, opts["confidence"]),
            }
        )
    return pd.DataFrame(rows, columns=[*EVENT_COLUMNS, *IMPACT_COLUMNS])


def _pooled_row(stacked: pd.DataFrame, metric: str, confidence: float) -> dict[str, Any]:
    """Stacked difference in differences: per-event intercepts, one common effect."""
    values = pd.to_numeric(stacked[metric], errors="coerce")
    sub = stacked.loc[values.notna()].assign(**{metric: values.dropna()})
    T, post = sub["_T"].to_numpy(), sub["_post"].to_numpy()
    n_stacks = int(sub["_stack"].max()) + 1 if len(sub) else 0
    columns, names = [], []
    for s in range(n_stacks):
        member = (sub["_stack"].to_numpy() == s).astype(float)
        columns += [member, member * T, member * post]
        names += [f"const{s}", f"treated{s}", f"after{s}"]
    columns.append(T * post)
    names.append("effect")
    X = np.column_stack(columns)
    keep = X.any(axis=0)
    keep[-1] = True
    row = {
        "metric": metric,
        "treated_n_before": int(((T == 1) & (post == 0)).sum()),
        "treated_n_after": int(((T == 1) & (post == 1)).sum()),
        "treated_before": _mean(sub.loc[(T == 1) & (post == 0), metric]),
        "treated_after": _mean(sub.loc[(T == 1) & (post == 1), metric]),
        "control_before": _mean(sub.loc[(T == 0) & (post == 0), metric]),
        "control_after": _mean(sub.loc[(T == 0) & (post == 1), metric]),
        "note": f"stacked over {n_stacks} events; each event has its own levels, one common effect",
    }
    try:
        fit = ols(
            X[:, keep],
            sub[metric].to_numpy(float),
            [n for n, k in zip(names, keep, strict=True) if k],
            clusters=sub["_cluster"].to_numpy(),
        )
    except ValueError as exc:
        return {
            **row,
            "effect": math.nan,
            "ci_low": math.nan,
            "ci_high": math.nan,
            "p_value": math.nan,
            "note": f"pooled effect not estimable: {exc}",
        }
    low, high = fit.interval("effect", confidence)
    return {
        **row,
        "effect": float(fit.coef[-1]),
        "ci_low": low,
        "ci_high": high,
        "p_value": fit.p_value("effect"),
    }


# --------------------------------------------------------------------------- what changed

#: How each dimension's evidence kinds are counted, and what a rate is per.
_EVIDENCE_UNITS: Mapping[str, str] = {
    "answer_completeness": "% of needs",
    "brand_congruence": "per 100 agent sentences",
    "proactive_connection": "% of calls",
    "filler_content": "per 100 agent words",
}
_KIND_WORDS: Mapping[str, str] = {
    "open": "open needs",
    "partial": "partly answered needs",
    "answered": "answered needs",
    "off_brand": "off-brand sentences",
    "on_brand": "on-brand sentences",
    "forbidden_phrase": "forbidden phrases",
    "preferred_phrase": "preferred phrases",
    "filler_word": "filler words",
    "small_talk": "small-talk words",
    "repetition": "repeated words",
    "boilerplate": "boilerplate words",
    "empathy": "calls with empathy",
    "name": "calls using the customer's name",
    "ownership": "calls with ownership",
    "next_steps": "calls with next steps",
    "anticipation": "calls anticipating a next need",
    "offer_more": "calls offering more help",
}
_SKIP_KINDS = frozenset({"no_need", "no_agent_speech"})


def _evidence_counts(part: pd.DataFrame, evidence_col: str) -> pd.DataFrame:
    """Per call and (dimension, kind): numerator, and the call's denominator per dimension."""
    records = []
    words = (
        pd.to_numeric(part["f_filler_content__agent_words"], errors="coerce").to_numpy()
        if "f_filler_content__agent_words" in part.columns
        else np.full(len(part), np.nan)
    )
    for pos, cell in enumerate(part[evidence_col].to_numpy()):
        items = parse_evidence(cell)
        counts: dict[tuple[str, str], float] = {}
        needs = sentences = 0
        for item in items:
            dim, kind = str(item.get("dimension", "")), str(item.get("kind", ""))
            if dim not in _EVIDENCE_UNITS or kind in _SKIP_KINDS:
                continue
            if dim == "filler_content":
                add = float(item.get("weight") or 0.0)
            elif dim == "proactive_connection":
                add = 1.0 if (dim, kind) not in counts else 0.0
            else:
                add = 1.0
            counts[(dim, kind)] = counts.get((dim, kind), 0.0) + add
            needs += dim == "answer_completeness"
            sentences += dim == "brand_congruence" and kind in ("on_brand", "off_brand")
        denominators = {
            "answer_completeness": float(needs),
            "brand_congruence": float(sentences),
            "proactive_connection": 1.0,
            "filler_content": float(words[pos]) if words[pos] == words[pos] else math.nan,
        }
        for dim, den in denominators.items():
            records.append({"_row": pos, "dimension": dim, "kind": None, "num": 0.0, "den": den})
        for (dim, kind), num in counts.items():
            records.append({"_row": pos, "dimension": dim, "kind": kind, "num": num, "den": 0.0})
    return pd.DataFrame(records, columns=["_row", "dimension", "kind", "num", "den"])


def impact_evidence(
    df: pd.DataFrame,
    *,
    event: object,
    treated: str | GroupSpec,
    control: str | GroupSpec | None = None,
    window: int = 28,
    time_col: str = "started_at",
    evidence_col: str = "evidence",
    top: int | None = None,
) -> pd.DataFrame:
    """What changed, in the evidence's terms: the evidence kinds whose rate moved most.

    Rates are ratios of sums over the calls of a group and window: completeness kinds as a
    share of the customer's needs, brand kinds per 100 judged agent sentences, proactive
    acts as the share of calls that show them, filler kinds per 100 agent words (per call
    when the table lacks ``f_filler_content__agent_words``).

    Returns
    -------
    pandas.DataFrame
        One row per (dimension, kind), biggest relative move first: ``dimension, kind,
        unit, treated_before, treated_after, control_before, control_after, change``
        (difference in differences of the rate, in ``unit``), ``relative_change``
        (``change`` over the pooled before-rate) and ``sentence``, e.g. "open needs fell
        from 22 % to 9 % of needs (control 20 % to 19 %)".
    """
    frame, _ = _frame(
        df,
        ["interaction_score"] if "interaction_score" in df.columns else [time_col],
        time_col,
        "impact_evidence",
    )
    require_columns(
        frame,
        [evidence_col],
        where="impact_evidence",
        hint="The score table written by 'cxnlp score' has it.",
    )
    stamp, part = _event_part(frame, event, treated, control or None, window)
    part = part.reset_index(drop=True)
    counts = _evidence_counts(part, evidence_col)
    has_words = "f_filler_content__agent_words" in part.columns
    cell = pd.DataFrame({"_row": range(len(part)), "_T": part["_T"], "_post": part["_post"]})
    counts = counts.merge(cell, on="_row")
    dens = counts[counts["kind"].isna()].groupby(["dimension", "_T", "_post"])["den"].sum()
    calls = cell.groupby(["_T", "_post"]).size()
    nums = counts[counts["kind"].notna()].groupby(["dimension", "kind", "_T", "_post"])["num"].sum()
    rows = []
    for dim, kind in sorted({(d, k) for d, k, _, _ in nums.index}):
        rates = {}
        for t in (1.0, 0.0):
            for p in (0.0, 1.0):
                num = float(nums.get((dim, kind, t, p), 0.0))
                if dim == "filler_content" and not has_words:
                    den = float(calls.get((t, p), 0))
                else:
                    den = float(dens.get((dim, t, p), 0.0))
                scale = 1.0 if (dim == "filler_content" and not has_words) else 100.0
                rates[(t, p)] = scale * num / den if den > 0 else math.nan
        unit = _EVIDENCE_UNITS[dim] if (dim != "filler_content" or has_words) else "per call"
        change = (rates[1.0, 1.0] - rates[1.0, 0.0]) - (rates[0.0, 1.0] - rates[0.0, 0.0])
        base = np.nanmean([rates[1.0, 0.0], rates[0.0, 0.0]])
        rows.append(
            {
                "dimension": dim,
                "kind": kind,
                "unit": unit,
                "treated_before": rates[1.0, 0.0],
                "treated_after": rates[1.0, 1.0],
                "control_before": rates[0.0, 0.0],
                "control_after": rates[0.0, 1.0],
                "change": change,
                "relative_change": change / base if base and base == base else math.nan,
                "sentence": _evidence_sentence(kind, unit, rates),
            }
        )
    columns = [
        "dimension",
        "kind",
        "unit",
        "treated_before",
        "treated_after",
        "control_before",
        "control_after",
        "change",
        "relative_change",
        "sentence",
    ]
    out = pd.DataFrame(rows, columns=columns)
    if out.empty:
        return out
    order = out["relative_change"].abs().fillna(-1).sort_values(ascending=False, kind="stable").index
    out = out.loc[order].reset_index(drop=True)
    return out.head(top) if top else out


def _evidence_sentence(kind: str, unit: str, rates: Mapping[tuple[float, float], float]) -> str:
    """ "open needs fell from 22 % to 9 % of needs (control 20 % to 19 %)"."""
    words = _KIND_WORDS.get(kind, kind.replace("_", " "))
    before, after = rates[1.0, 0.0], rates[1.0, 1.0]
    verb = "rose" if after > before else "fell" if after < before else "stayed"
    pct = unit.startswith("%")

    def fmt(v: float) -> str:
        if v != v:
            return "n/a"
        return f"{v:.0f} %" if pct else f"{v:.1f}"

    if pct:
        text = f"{words} {verb} from {fmt(before)} to {fmt(after)} {unit[2:]}"
    else:
        text = f"{words} {unit} {verb} from {fmt(before)} to {fmt(after)}"
    return f"{text} (control {fmt(rates[0.0, 0.0])} to {fmt(rates[0.0, 1.0])})"


# --------------------------------------------------------------------------- power


def impact_plan(
    df: pd.DataFrame,
    *,
    treated: str | GroupSpec,
    control: str | GroupSpec | None = None,
    window: int = 28,
    change: float = 3.0,
    power: float = 0.8,
    alpha: float = 0.05,
    metrics: Sequence[str] | None = None,
    time_col: str = "started_at",
    cluster_col: str | None = "agent_id",
) -> pd.DataFrame:
    """Calls each group needs in each window to detect ``change`` points at ``power``.

    With ``n`` calls per group per window the difference in differences averages four
    cells of ``n`` calls, so its variance is ``4 sigma^2 / n`` and
    ``n = 4 sigma^2 (q_{1-alpha/2} + q_power)^2 / change^2``. ``sigma`` is the spread of a
    call within its group (pooled over treated and control, group means removed) over
    the last ``window`` days of data, and the quantiles are those of the t reference the
    estimate will use (agents minus one degrees of freedom). Agent differences add
    nothing here when the same agents take calls in both windows (they cancel in each
    group's before/after difference); staff changes around the event need more calls.

    Returns
    -------
    pandas.DataFrame
        One row per metric: ``metric, sd, change, power, calls_per_group_per_window,
        treated_calls_per_window, control_calls_per_window`` (observed, last window),
        ``days_needed`` (at the treated group's observed rate) and ``note``.
    """
    if not 0 < power < 1 or not 0 < alpha < 1:
        raise ValueError(f"Got power={power}, alpha={alpha}; expected both between 0 and 1.")
    if not change > 0:
        raise ImpactInputError("change", f"Got change={change}; expected a positive number of points.")
    frame, chosen = _frame(df, metrics, time_col, "impact_plan")
    end = frame["_time"].max()
    recent = frame[frame["_time"] > end - pd.Timedelta(days=window)]
    t_mask = GroupSpec.parse(treated, param="treated").mask(recent, param="treated")
    c_mask = GroupSpec.parse(control, param="control").mask(recent, param="control") if control else ~t_mask
    for mask, param in ((t_mask, "treated"), (c_mask, "control")):
        if not mask.any():
            raise ImpactInputError(
                param, f"Got an empty {param} group in the last {window} days of data; expected calls."
            )
    clusters = _clusters(recent, cluster_col)
    n_agents = len(set(clusters[(t_mask | c_mask).to_numpy()]))
    df_t = max(n_agents - 1, 1) if cluster_col and cluster_col in recent.columns else math.inf
    q = _q(1 - alpha / 2, df_t) + _q(power, df_t)
    rows = []
    for metric in chosen:
        values = pd.to_numeric(recent[metric], errors="coerce")
        parts = [values[t_mask].dropna(), values[c_mask].dropna()]
        dof = sum(len(p) - 1 for p in parts if len(p) > 1)
        ss = sum(float(((p - p.mean()) ** 2).sum()) for p in parts if len(p) > 1)
        sd = math.sqrt(ss / dof) if dof > 0 else math.nan
        needed = math.ceil(4.0 * sd**2 * q**2 / change**2) if sd == sd else math.nan
        rate_t = len(parts[0]) / window
        rows.append(
            {
                "metric": metric,
                "sd": sd,
                "change": change,
                "power": power,
                "calls_per_group_per_window": needed,
                "treated_calls_per_window": len(parts[0]),
                "control_calls_per_window": len(parts[1]),
                "days_needed": math.ceil(needed / rate_t) if rate_t > 0 and needed == needed else math.nan,
                "note": (
                    f"{window}-day windows hold enough calls"
                    if needed == needed and min(len(parts[0]), len(parts[1])) >= needed
                    else f"lengthen the windows to about {math.ceil(needed / rate_t)} days or pool teams"
                    if needed == needed and rate_t > 0
                    else "no variance to plan from"
                ),
            }
        )
    return pd.DataFrame(rows)


def _q(p: float, df: float) -> float:
    return float(stats.norm.ppf(p) if math.isinf(df) else stats.t.ppf(p, df))


# --------------------------------------------------------------------------- plot data


def impact_series(
    df: pd.DataFrame,
    *,
    event: object,
    treated: str | GroupSpec,
    control: str | GroupSpec | None = None,
    window: int = 28,
    metric: str = "interaction_score",
    time_col: str = "started_at",
    freq_days: int = 7,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Means of ``metric`` per group and ``freq_days`` bin around the event, with intervals.

    Returns
    -------
    pandas.DataFrame
        ``group`` ("treated"/"control"), ``bin_start`` (days from the event, bins aligned
        on it), ``n, mean, ci_low, ci_high`` (t intervals) and ``after``.
    """
    frame, _ = _frame(df, [metric], time_col, "impact_series")
    _, part = _event_part(frame, event, treated, control or None, window, label="the event")
    part = part.assign(_v=pd.to_numeric(part[metric], errors="coerce")).dropna(subset=["_v"])
    part["bin_start"] = np.floor(part["_days"] / freq_days) * freq_days
    part["group"] = np.where(part["_T"] == 1.0, "treated", "control")
    g = part.groupby(["group", "bin_start"])["_v"]
    out = pd.DataFrame({"n": g.size(), "mean": g.mean(), "sd": g.std(ddof=1)}).reset_index()
    half = stats.t.ppf(0.5 + confidence / 2, (out["n"] - 1).clip(lower=1)) * out["sd"] / np.sqrt(out["n"])
    out["ci_low"], out["ci_high"] = out["mean"] - half, out["mean"] + half
    out["after"] = out["bin_start"] >= 0
    return out.drop(columns="sd")
