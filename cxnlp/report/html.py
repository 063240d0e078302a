"""One self-contained HTML page for QA leads: the analytics as tables, figures and sentences.

The page is a single file with the figures embedded as base64 PNG and the CSS inline, so it
can be mailed, archived or opened offline, and it runs no JavaScript at all. A
Content-Security-Policy meta tag forbids scripts and every external resource as a second
line of defence.

Everything that comes from data (transcript sentences, survey comments, customer names,
metadata, group names, column values) passes through :func:`html.escape` in one place,
:func:`cell`: transcripts are user-generated text, and a report that executes a customer's
``<script>`` would be a stored cross-site-scripting hole in every QA lead's browser.

The same door redacts: :func:`cell` and :func:`esc` pass every string through the
report's :class:`cxnlp.privacy.Redactor` (``build_report(redact=...)``, on by default),
so names, card numbers and the like in evidence, survey comments or metadata never
reach the page; card security codes are removed even with redaction off.

Sections that need survey ratings say so when there are none instead of failing, and a
section whose analysis cannot run on the given table (too few rows, a missing column)
shows the reason and lets the rest of the report render.
"""

from __future__ import annotations

import base64
import html
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cxnlp.analytics import (
    DIMENSIONS,
    control_chart_data,
    detect_drift,
    equity_index,
    equity_report,
    false_read_summary,
    false_reads,
    impact_series,
    join_surveys,
    negative_evidence,
    optimized_status,
    parse_evidence,
    perspectives,
    route_followups,
    workshop_impact,
)
from cxnlp.analytics.impact import EVENT_COLUMNS, IMPACT_COLUMNS, read_events
from cxnlp.report import figures as figs
from cxnlp.schema import (
    FALSE_READ_BANDS,
    INTERACTION_THRESHOLD,
    SCORE_COLUMN,
    SURVEY_COLUMN,
    SURVEY_THRESHOLD,
)

logger = logging.getLogger(__name__)

#: Section ids, in page order; each is the ``id`` of a ``<section>`` element.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("dimensions", "Dimensions"),
    ("optimized", "Optimized status per team"),
    ("perspectives", "Three perspectives"),
    ("false-reads", "False reads"),
    ("followups", "Follow-ups"),
    ("equity", "Equity"),
    ("drift", "Drift"),
    ("impact", "Workshop impact"),
    ("lowest", "Lowest-scoring calls"),
)

NO_SURVEYS = (
    "Unavailable: no survey ratings were provided. Give them with --surveys FILE "
    "(surveys= in build_report) to fill this section."
)

SURVEY_COL = SURVEY_COLUMN
SCORE_COL = SCORE_COLUMN

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;
color:#1a1a1a;background:#fafafa;line-height:1.45}
main{max-width:1180px;margin:0 auto;padding:24px 32px 64px;background:#fff}
h1{font-size:1.9rem;margin:0 0 4px}h2{font-size:1.4rem;margin:40px 0 10px;
border-bottom:2px solid #0072B2;padding-bottom:4px}h3{font-size:1.1rem;margin:22px 0 8px}
.meta{color:#555;font-size:.9rem}nav{background:#f0f4f8;padding:10px 14px;border-radius:6px;
margin:16px 0}nav a{margin-right:14px;color:#0b4f8a;text-decoration:none;white-space:nowrap}
.scroll{overflow-x:auto;max-width:100%;margin:8px 0 16px}
table{border-collapse:collapse;font-size:.86rem;min-width:24em}
caption{text-align:left;font-weight:600;padding:4px 0;color:#333}
th,td{border:1px solid #d0d7de;padding:4px 8px;vertical-align:top;text-align:left}
th{background:#eef2f6;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}td.txt{min-width:16em;max-width:34em}tr:nth-child(even) td{background:#f8fafc}
tr.detail td{background:#fff;border-top:none;padding:4px 8px 10px 24px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}.card{border:1px solid #d0d7de;
border-radius:8px;padding:10px 14px;min-width:150px;background:#fff}.card .v{font-size:1.5rem;
font-weight:700}.card .l{font-size:.8rem;color:#555}
figure{margin:12px 0 20px}figure img{max-width:100%;height:auto;border:1px solid #e5e7eb}
figcaption{font-size:.85rem;color:#555}
.note{background:#fff8e6;border-left:4px solid #E69F00;padding:8px 12px;margin:10px 0}
.finding{background:#fdeee6;border-left:4px solid #D55E00;padding:8px 12px;margin:8px 0}
.ok{background:#e8f6f0;border-left:4px solid #009E73;padding:8px 12px;margin:8px 0}
ul.ev{margin:0;padding-left:18px}ul.ev li{margin:2px 0}.small{font-size:.8rem;color:#555}
"""

_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True, eq=False)
class Report:
    """A rendered report: the HTML page plus what went into it, for reuse in notebooks.

    Attributes
    ----------
    html
        The complete, self-contained HTML document.
    figures
        The matplotlib figures by name (also embedded in ``html``).
    pngs
        The PNG bytes of each figure, as embedded, by the same names.
    tables
        The analytics tables the page was built from, by name.
    notes
        One line per section that could not be (fully) built, and why.
    """

    html: str
    figures: Mapping[str, Figure] = field(default_factory=dict)
    pngs: Mapping[str, bytes] = field(default_factory=dict)
    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


# --------------------------------------------------------------------------- escaping, tables


#: The redactor of the report being built (see :func:`build_report`); the default when unset.
_REDACTOR: ContextVar[Any] = ContextVar("cxnlp_report_redactor", default=None)


def _redacted(text: str) -> str:
    redactor = _REDACTOR.get()
    if redactor is None:
        from cxnlp.privacy import default_redactor

        redactor = default_redactor()
    return redactor.redact(text)


def cell(value: Any, fmt: str | Callable[[Any], str] | None = None) -> str:
    """One value as escaped HTML text: the only door through which data reaches the page.

    NaN and None read as an en dash, booleans as yes/no, timestamps as dates, floats with
    one decimal unless ``fmt`` (a format spec such as ``".0%"``, or a callable) says otherwise.
    """
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if callable(fmt):
        return html.escape(_redacted(str(fmt(value))), quote=True)
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | datetime):
        stamp = pd.Timestamp(value)
        text = f"{stamp:%Y-%m-%d}" if stamp == stamp.normalize() else f"{stamp:%Y-%m-%d %H:%M}"
        return html.escape(text)
    if isinstance(value, int | np.integer) and fmt is None:
        return str(int(value))
    if isinstance(value, float | np.floating):
        if fmt is None:
            fmt = ".1f"
        return html.escape(format(float(value), fmt))
    if fmt is not None:
        try:
            return html.escape(_redacted(format(value, fmt)), quote=True)
        except (TypeError, ValueError):
            pass
    return html.escape(_redacted(str(value)), quote=True)


def esc(text: Any) -> str:
    """Redact and escape any text for HTML (quotes included)."""
    return html.escape(_redacted(str(text)), quote=True)


def html_table(
    df: pd.DataFrame,
    columns: Mapping[str, str] | Sequence[str] | None = None,
    *,
    formats: Mapping[str, str | Callable[[Any], str]] | None = None,
    caption: str | None = None,
    max_rows: int | None = None,
    raw: Mapping[str, Callable[[Any], str]] | None = None,
    details: Sequence[str] | None = None,
) -> str:
    """Render ``df`` as an HTML table with every header and value escaped.

    Parameters
    ----------
    df
        The rows to show.
    columns
        Columns to show, in order; a mapping gives each a header. Absent columns are skipped.
    formats
        Format spec or callable per column (see :func:`cell`).
    caption
        Table caption (escaped).
    max_rows
        Show at most this many rows and say how many were left out.
    raw
        Per column, a function returning *already escaped* HTML (used for evidence lists,
        whose functions escape every piece themselves).
    details
        Per row, *already escaped* HTML shown in a full-width row beneath it (long text
        such as evidence reads better across the page than in a narrow column).
    """
    if columns is None:
        columns = list(df.columns)
    if isinstance(columns, Mapping):
        headers = dict(columns)
    else:
        headers = {c: str(c).replace("_", " ") for c in columns}
    headers = {c: h for c, h in headers.items() if c in df.columns}
    formats = formats or {}
    raw = raw or {}
    rows = df if max_rows is None else df.head(max_rows)
    out = ['<div class="scroll"><table>']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{esc(h)}</th>" for h in headers.values()) + "</tr></thead>")
    out.append("<tbody>")
    extra = list(details) if details is not None else []
    for i, record in enumerate(rows[list(headers)].itertuples(index=False, name=None)):
        tds = []
        for name, value in zip(headers, record, strict=True):
            if name in raw:
                tds.append(f'<td class="txt">{raw[name](value)}</td>')
                continue
            numeric = isinstance(value, int | float | np.integer | np.floating) and not isinstance(
                value, bool | np.bool_
            )
            long_text = isinstance(value, str) and len(value) > 40
            klass = ' class="num"' if numeric else ' class="txt"' if long_text else ""
            tds.append(f"<td{klass}>{cell(value, formats.get(name))}</td>")
        out.append("<tr>" + "".join(tds) + "</tr>")
        if i < len(extra):
            out.append(f'<tr class="detail"><td colspan="{len(headers)}">{extra[i]}</td></tr>')
    out.append("</tbody></table></div>")
    if max_rows is not None and len(df) > max_rows:
        out.append(f'<p class="small">Showing {max_rows} of {len(df)} rows.</p>')
    return "".join(out)


def _img(name: str, png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure id="fig-{esc(name)}"><img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def _p(text: str, klass: str | None = None) -> str:
    attr = f' class="{klass}"' if klass else ""
    return f"<p{attr}>{esc(text)}</p>"


def _evidence_list(items: Sequence[Mapping[str, Any]]) -> str:
    if not items:
        return '<span class="small">no negative evidence recorded</span>'
    parts = []
    for item in items:
        weight = item.get("weight")
        try:
            weight_txt = f" ({float(weight):+.1f})"
        except (TypeError, ValueError):
            weight_txt = ""
        parts.append(
            f"<li><b>{esc(item.get('dimension', '?'))}</b> · {esc(item.get('kind', '?'))}: "
            f"“{esc(str(item.get('sentence', '')).strip())}”{esc(weight_txt)}</li>"
        )
    return '<ul class="ev">' + "".join(parts) + "</ul>"


# --------------------------------------------------------------------------- the builder


class _Builder:
    """Collects sections, figures, tables and notes while the report is assembled."""

    def __init__(self, dpi: int) -> None:
        self.dpi = dpi
        self.sections: dict[str, list[str]] = {sid: [] for sid, _ in SECTIONS}
        self.figures: dict[str, Figure] = {}
        self.pngs: dict[str, bytes] = {}
        self.tables: dict[str, pd.DataFrame] = {}
        self.notes: list[str] = []

    def add(self, section: str, fragment: str) -> None:
        self.sections[section].append(fragment)

    def figure(self, section: str, name: str, fig: Figure, alt: str, caption: str) -> None:
        self.figures[name] = fig
        self.pngs[name] = figs.png_bytes(fig, dpi=self.dpi)
        self.add(section, _img(name, self.pngs[name], alt, caption))

    def unavailable(self, section: str, reason: str) -> None:
        self.notes.append(f"{section}: {reason}")
        self.add(section, _p(reason, "note"))

    def run(self, section: str, build: Callable[[], None]) -> None:
        """Build one section; a ValueError (missing column, too few rows) becomes a note."""
        try:
            build()
        except (ValueError, KeyError) as exc:
            logger.warning("report: section %r unavailable: %s", section, exc)
            self.unavailable(section, f"This section could not be built: {exc}")


def build_report(
    scores: pd.DataFrame,
    *,
    surveys: pd.DataFrame | None = None,
    reference: pd.DataFrame | None = None,
    title: str = "Contact-centre quality report",
    by: str = "team",
    period: str = "M",
    interaction_threshold: float = INTERACTION_THRESHOLD,
    survey_threshold: float = SURVEY_THRESHOLD,
    n_lowest: int = 10,
    n_rows: int = 15,
    dpi: int = 100,
    events: pd.DataFrame | None = None,
    window: int = 28,
    redact: bool = True,
    privacy_allow: str | Path | None = None,
) -> Report:
    """Build the QA lead's report from a score table (and optionally surveys and a reference).

    Parameters
    ----------
    scores
        The score table written by ``cxnlp score`` (one row per transcript). It may already
        carry ``survey_rating``/``survey_comment`` columns, then ``surveys`` is not needed.
    surveys
        Survey responses (``transcript_id, survey_rating, survey_comment, responded_at``),
        joined with :func:`cxnlp.analytics.join_surveys`. Without them the survey-based
        sections (customer view, false reads, follow-ups, survey trend) say so.
    reference
        A reference population of transcripts with some of the score columns (another
        site, last year). Each contact is placed in it as a percentile and the report shows
        each team's median percentile: like is compared with like, transcripts with
        transcripts.
    title
        Page title (escaped).
    by
        Team column for the per-team sections (default ``"team"``).
    period
        Period of the optimized status (``"M"`` month, ``"W"`` week, ``"Q"``, ``"D"``).
    interaction_threshold, survey_threshold
        The optimized bars (defaults :data:`cxnlp.schema.INTERACTION_THRESHOLD`, 91, and
        :data:`cxnlp.schema.SURVEY_THRESHOLD`, 85); the page states the bars it was given.
    n_lowest
        How many lowest-scoring calls to list with their evidence.
    n_rows
        Maximum rows of the long tables (false reads, follow-ups).
    dpi
        Resolution of the embedded figures.
    events
        Workshops (``group, date`` rows, groups being values of ``by``): the impact
        section then shows each one's difference in differences and an effect plot.
    window
        Days compared on each side of a workshop (28).
    redact
        Redact personal data from every string on the page (:mod:`cxnlp.privacy`);
        ``False`` still removes card security codes.
    privacy_allow
        The deployment's own allow-list of words never redacted as a name (its company,
        brands, products), shaped like ``cxnlp/resources/privacy_allow.yaml``; the packaged
        one when None (``cxnlp report --privacy-allow FILE``, as for ``Scorer``).

    Returns
    -------
    Report
        The HTML page, figures, PNG bytes, the analytics tables and notes.
    """
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"Got {type(scores).__name__}; expected the score table as a pandas DataFrame.")
    if SCORE_COL not in scores.columns:
        raise ValueError(
            f"Got a table without {SCORE_COL!r} (columns: {list(scores.columns)[:20]}); expected "
            "the score table written by 'cxnlp score'. Score the transcripts first."
        )
    from cxnlp.privacy import default_redactor

    token = _REDACTOR.set(default_redactor(redact, privacy_allow))
    try:
        return _build_report(
            scores,
            surveys,
            reference,
            title,
            by,
            period,
            interaction_threshold,
            survey_threshold,
            n_lowest,
            n_rows,
            dpi,
            events,
            window,
        )
    finally:
        _REDACTOR.reset(token)


def _build_report(
    scores: pd.DataFrame,
    surveys: pd.DataFrame | None,
    reference: pd.DataFrame | None,
    title: str,
    by: str,
    period: str,
    interaction_threshold: float,
    survey_threshold: float,
    n_lowest: int,
    n_rows: int,
    dpi: int,
    events: pd.DataFrame | None,
    window: int,
) -> Report:
    data = _with_surveys(scores, surveys)
    has_surveys = SURVEY_COL in data.columns and data[SURVEY_COL].notna().any()
    b = _Builder(dpi)
    team = by if by in data.columns else None
    opts = {
        "interaction_threshold": interaction_threshold,
        "survey_threshold": survey_threshold,
    }

    b.run("optimized", lambda: _optimized(b, data, team, period, has_surveys, opts))
    b.run("overview", lambda: _overview(b, data, has_surveys, team, interaction_threshold))
    b.run("dimensions", lambda: _dimensions(b, data, team, interaction_threshold))
    b.run("perspectives", lambda: _perspectives(b, data, team, reference, has_surveys))
    if has_surveys:
        b.run("false-reads", lambda: _false_reads(b, data, team, n_rows))
        b.run("followups", lambda: _followups(b, data, n_rows))
    else:
        b.unavailable("false-reads", NO_SURVEYS)
        b.unavailable("followups", NO_SURVEYS)
    b.run("equity", lambda: _equity(b, data))
    b.run("drift", lambda: _drift(b, data, team))
    b.run("impact", lambda: _impact(b, data, events, by, window))
    b.run("lowest", lambda: _lowest(b, data, n_lowest, has_surveys))
    page = _page(b, title, data, has_surveys)
    return Report(
        html=page,
        figures=dict(b.figures),
        pngs=dict(b.pngs),
        tables=dict(b.tables),
        notes=tuple(b.notes),
    )


def _with_surveys(scores: pd.DataFrame, surveys: pd.DataFrame | None) -> pd.DataFrame:
    if surveys is None:
        return scores
    if SURVEY_COL in scores.columns:
        logger.warning("build_report: the score table already has %r; surveys= ignored", SURVEY_COL)
        return scores
    return join_surveys(scores, surveys)


# --------------------------------------------------------------------------- sections


def _overview(b: _Builder, data: pd.DataFrame, has_surveys: bool, team: str | None, threshold: float) -> None:
    score = pd.to_numeric(data[SCORE_COL], errors="coerce")
    cards = [(f"{len(data):,}", "transcripts"), (f"{score.mean():.1f}", "mean interaction score")]
    if "agent_id" in data.columns:
        cards.append((str(data["agent_id"].nunique()), "agents"))
    if team:
        cards.append((str(data[team].nunique()), f"{team.replace('_', ' ')}s"))
    if has_surveys:
        rated = pd.to_numeric(data[SURVEY_COL], errors="coerce")
        cards.append((f"{rated.notna().mean():.0%}", "survey response rate"))
        cards.append((f"{rated.mean():.1f}", "mean survey rating"))
    cards.append((f"{(score >= threshold).mean():.0%}", f"contacts at or above {threshold:g}"))
    b.add(
        "overview",
        '<div class="cards">'
        + "".join(
            f'<div class="card"><div class="v">{esc(v)}</div><div class="l">{esc(label)}</div></div>'
            for v, label in cards
        )
        + "</div>",
    )
    if "started_at" in data.columns:
        stamps = pd.to_datetime(data["started_at"], errors="coerce", format="ISO8601", utc=True)
        if stamps.notna().any():
            b.add(
                "overview",
                _p(f"Contacts from {stamps.min():%Y-%m-%d} to {stamps.max():%Y-%m-%d}.", "meta"),
            )
    means = {
        figs.axis_label(c): pd.to_numeric(data[c], errors="coerce")
        for c in (*DIMENSIONS, SCORE_COL)
        if c in data.columns
    }
    table = pd.DataFrame(
        {
            "score": list(means),
            "mean": [v.mean() for v in means.values()],
            "median": [v.median() for v in means.values()],
            "n scored": [int(v.notna().sum()) for v in means.values()],
        }
    )
    b.add("overview", html_table(table, caption="Centre-wide means"))
    status = b.tables.get("optimized_status")
    if status is None or status.empty:
        b.add("overview", _p("Optimized status: not available (see its section).", "note"))
        return
    latest = status[status["period"] == status["period"].max()]
    if not has_surveys:
        b.add(
            "overview",
            _p(
                "Optimized status needs survey ratings and none were provided; "
                f"{int((latest['interaction_gap'] >= 0).sum())} of {len(latest)} groups reach the "
                f"interaction bar in {latest['period'].iloc[0]}.",
                "note",
            ),
        )
        return
    n_opt = int(latest["optimized"].sum())
    b.add(
        "overview",
        _p(
            f"Optimized status in {latest['period'].iloc[0]}: {n_opt} of {len(latest)} "
            f"group(s) reach both the interaction bar and the survey bar.",
            "ok" if n_opt == len(latest) else "finding",
        ),
    )
    counts = latest["status"].value_counts().rename_axis("status").reset_index(name="groups")
    b.add("overview", html_table(counts, caption=f"Status of each group, {latest['period'].iloc[0]}"))


def _dimensions(b: _Builder, data: pd.DataFrame, team: str | None, threshold: float) -> None:
    rows = []
    for column in (*DIMENSIONS, SCORE_COL):
        if column not in data.columns:
            continue
        values = pd.to_numeric(data[column], errors="coerce")
        rows.append(
            {
                "score": figs.axis_label(column),
                "mean": values.mean(),
                "p10": values.quantile(0.1),
                "median": values.median(),
                "p90": values.quantile(0.9),
                "not applicable": f"{values.isna().mean():.0%}",
            }
        )
    summary = pd.DataFrame(rows)
    b.tables["dimension_summary"] = summary
    b.add(
        "dimensions",
        _p(
            "All scores are 0–100 with higher better, except filler content: the share of the "
            "agent's words that are filler, where lower is better. 'Not applicable' is the "
            "share of contacts where a dimension could not be scored (e.g. no question asked)."
        ),
    )
    b.add("dimensions", html_table(summary, caption="Distribution of each score"))
    if team:
        cols = [c for c in (*DIMENSIONS, SCORE_COL) if c in data.columns]
        per_team = data[[team, *cols]].copy()
        per_team[cols] = per_team[cols].apply(pd.to_numeric, errors="coerce")
        means = per_team.groupby(team, dropna=False, observed=True)[cols].mean().reset_index()
        means.insert(1, "contacts", per_team.groupby(team, dropna=False, observed=True).size().values)
        b.tables["dimension_means_by_team"] = means
        b.add("dimensions", html_table(means, caption=f"Mean scores by {team}"))
    fig = figs.dimension_distributions(data, by=team, threshold=threshold)
    b.figure(
        "dimensions",
        "dimensions",
        fig,
        "Box plots of each dimension score by team and a histogram of the interaction score",
        "Boxes span the middle half of contacts, the line is the median. Filler: lower is better.",
    )


def _optimized(
    b: _Builder,
    data: pd.DataFrame,
    team: str | None,
    period: str,
    has_surveys: bool,
    opts: Mapping[str, float],
) -> None:
    frame = data if has_surveys else data.assign(**{SURVEY_COL: np.nan})
    status = optimized_status(frame, by=team, period=period, **opts)
    b.tables["optimized_status"] = status
    bar_i, bar_s = opts["interaction_threshold"], opts["survey_threshold"]
    b.add(
        "optimized",
        _p(
            f"A group is optimized in a period when its mean interaction score reaches {bar_i:g} "
            f"and its mean survey rating reaches {bar_s:g}. Gaps are mean minus threshold "
            "(negative is short of it); trends are points per period; 'holding back' is the "
            "dimension whose shortfall costs the most interaction-score points."
        ),
    )
    if not has_surveys:
        b.add(
            "optimized",
            _p(
                "Survey ratings were not provided, so no group can be called optimized; the "
                "survey columns are empty. " + NO_SURVEYS,
                "note",
            ),
        )
    columns = {
        **({team: team} if team else {}),
        "period": "period",
        "n": "contacts",
        "mean_interaction": "mean interaction",
        "mean_survey": "mean survey",
        "interaction_gap": "interaction gap",
        "survey_gap": "survey gap",
        "status": "status",
        "interaction_trend": "interaction trend",
        "diminishing_returns": "diminishing returns",
        "holding_back": "holding back",
        "holding_back_points": "points lost",
    }
    formats = {"interaction_gap": "+.1f", "survey_gap": "+.1f", "interaction_trend": "+.1f"}
    b.add("optimized", html_table(status, columns, formats=formats, caption="Optimized status"))
    fig = figs.status_trend(
        status,
        by=team,
        interaction_threshold=bar_i,
        survey_threshold=bar_s if has_surveys else SURVEY_THRESHOLD,
    )
    b.figure(
        "optimized",
        "optimized_trend",
        fig,
        "Line chart of mean interaction score and mean survey rating per period and team",
        f"Dashed lines: the thresholds ({bar_i:g} interaction"
        + (f", {bar_s:g} survey)." if has_surveys else ")."),
    )


def _perspectives(
    b: _Builder,
    data: pd.DataFrame,
    team: str | None,
    reference: pd.DataFrame | None,
    has_surveys: bool,
) -> None:
    table = perspectives(data, by=team or ())
    if team is None:
        table = table.mean(numeric_only=True).to_frame().T
        table.insert(0, "group", "all contacts")
    b.add(
        "perspectives",
        _p(
            "Internal: what cxnlp measured. Customer: the survey rating. External: where the "
            "contacts sit in a reference population, as the median percentile of each group's "
            "contacts (90 = better than 90% of the reference)."
        ),
    )
    if not has_surveys:
        b.add("perspectives", _p("Customer view: " + NO_SURVEYS, "note"))
    if reference is not None:
        per_contact = perspectives(data, by=None, reference=reference)
        ext = [c for c in per_contact.columns if c.startswith("ext_pct_")]
        keys = data[team].to_numpy() if team else np.full(len(data), "all contacts")
        medians = per_contact[ext].groupby(keys).median()
        medians.index.name = team or "group"
        table = table.merge(medians.reset_index(), on=team or "group", how="left")
    else:
        b.add("perspectives", _p("External view: no reference population was provided.", "note"))
    b.tables["perspectives"] = table
    rename = {c: c.replace("ext_pct_", "external pct: ").replace("_", " ") for c in table.columns}
    b.add("perspectives", html_table(table, rename, caption="Internal, customer and external views"))


def _false_reads(b: _Builder, data: pd.DataFrame, team: str | None, n_rows: int) -> None:
    bands = FALSE_READ_BANDS
    b.add(
        "false-reads",
        _p(
            "A false read is a contact where the survey and the interaction score tell opposite "
            f"stories: a good survey ({bands['survey_good']:g}+) over a poor interaction "
            f"({bands['interaction_poor']:g} or less), often a friendly call that left the question "
            f"open; or a poor survey ({bands['survey_poor']:g} or less) after a well-handled "
            f"contact ({bands['interaction_good']:g}+), often a policy complaint."
        ),
    )
    if team:
        summary = false_read_summary(data, by=team)
        b.tables["false_read_summary"] = summary
        b.add(
            "false-reads",
            html_table(
                summary,
                {
                    team: team,
                    "n_surveyed": "surveyed",
                    "mean_interaction": "mean interaction",
                    "mean_survey": "mean survey",
                    "n_good_survey_poor_interaction": "good survey, poor interaction",
                    "n_poor_survey_good_interaction": "poor survey, good interaction",
                    "share_good_survey_poor_interaction": "share hidden",
                    "group_false_read": "group is a false read",
                },
                formats={"share_good_survey_poor_interaction": ".0%"},
                caption="False reads per group",
            ),
        )
    rows = false_reads(data)
    b.tables["false_reads"] = rows
    if rows.empty:
        b.add("false-reads", _p("No contact is a false read at the default thresholds.", "ok"))
        return
    b.add(
        "false-reads",
        html_table(
            rows,
            [
                "transcript_id",
                "agent_id",
                "team",
                "queue",
                "interaction_score",
                "survey_rating",
                "false_read",
                "worst_dimension",
                "n_open_questions",
                "negative_evidence",
            ],
            formats={"interaction_score": ".1f", "survey_rating": ".0f"},
            caption=f"{len(rows)} false reads, largest disagreement first",
            max_rows=n_rows,
        ),
    )


def _followups(b: _Builder, data: pd.DataFrame, n_rows: int) -> None:
    routed = route_followups(data)
    b.tables["followups"] = routed
    counts = (
        routed.groupby(["action", "priority"], observed=True)
        .size()
        .rename("contacts")
        .reset_index()
        .sort_values("contacts", ascending=False)
    )
    b.add(
        "followups",
        _p(
            "Each surveyed customer is routed to one follow-up, the most urgent first "
            "(escalation, callback, apology, more information), by what the comment means "
            "(phrases and similarity to example sentences) and the rating; a rating of 40 or "
            "less is never left without one. 'rule' and 'evidence' say why, quoting the "
            "sentence that fired."
        ),
    )
    b.add("followups", html_table(counts, caption="Follow-up actions"))
    b.figure(
        "followups",
        "followups",
        figs.followup_counts(routed),
        "Bar chart of follow-up action counts",
        "Colour shows priority: vermillion high, orange medium, sky blue low, grey none.",
    )
    todo = routed[routed["action"] != "none"]
    b.add(
        "followups",
        html_table(
            todo,
            [
                "transcript_id",
                "action",
                "priority",
                "customer_name",
                "agent_id",
                "survey_rating",
                "survey_comment",
                "reason",
                "evidence",
            ],
            formats={"survey_rating": ".0f"},
            caption="Follow-ups to make, most urgent first",
            max_rows=n_rows,
        ),
    )


def _equity(b: _Builder, data: pd.DataFrame) -> None:
    report = equity_report(data)
    index = equity_index(data)
    b.tables["equity_report"] = report
    b.tables["equity_index"] = index
    b.add(
        "equity",
        _p(
            "Does every kind of customer get the same quality? Each group is compared with the "
            "rest of the centre (Welch test, Holm-adjusted); a group is flagged when the gap is "
            "significant and at least 3 points. Equity index = 100 minus the contact-weighted "
            "mean distance of the group means from the centre mean (100 = all served alike)."
        ),
    )
    ranked = index.dropna(subset=["equity_index"]).sort_values("equity_index")
    if len(ranked):
        worst = ranked.iloc[0]
        b.add(
            "equity",
            _p(
                f"Lowest equity index: {worst['grouping']} ({worst['equity_index']:.1f}); "
                f"worst group {worst['grouping']}={worst['worst_group']} "
                f"(n={int(worst['worst_n'])}, mean {worst['worst_mean']:.1f}, "
                f"{worst['worst_gap_to_rest']:+.1f} points against the rest).",
                "finding",
            ),
        )
    findings = report.loc[report["worse_than_rest"], "finding"].tolist()
    for text in findings:
        b.add("equity", _p("Served worse: " + text, "finding"))
    if not findings:
        b.add("equity", _p("No group is served significantly and materially worse.", "ok"))
    b.add(
        "equity",
        html_table(
            index,
            {
                "grouping": "grouping",
                "n_groups": "groups",
                "n": "contacts",
                "mean": "mean",
                "equity_index": "equity index",
                "worst_group": "worst group",
                "worst_mean": "worst mean",
                "worst_gap_to_rest": "worst gap to rest",
                "worst_n": "worst n",
                "best_group": "best group",
                "best_mean": "best mean",
            },
            formats={"worst_gap_to_rest": "+.1f"},
            caption="Equity index per grouping",
        ),
    )
    flagged = report[report["worse_than_rest"] | report["better_than_rest"]]
    shown = list(dict.fromkeys([*flagged["grouping"], *ranked["grouping"].head(1)]))[:3]
    if not shown:
        shown = list(dict.fromkeys(report["grouping"]))[:1]
    b.add(
        "equity",
        html_table(
            report[report["grouping"].isin(shown)],
            {
                "grouping": "grouping",
                "group": "group",
                "n": "n",
                "mean": "mean",
                "ci_low": "CI low",
                "ci_high": "CI high",
                "gap": "gap to rest",
                "gap_ci_low": "gap CI low",
                "gap_ci_high": "gap CI high",
                "p_adjusted": "Holm p",
                "worse_than_rest": "worse",
                "better_than_rest": "better",
            },
            formats={
                "gap": "+.1f",
                "gap_ci_low": "+.1f",
                "gap_ci_high": "+.1f",
                "p_adjusted": ".3g",
            },
            caption="Groups of the flagged groupings, worst first",
        ),
    )
    b.figure(
        "equity",
        "equity",
        figs.equity_chart(report, groupings=shown),
        "Dot plot of group mean interaction scores with confidence intervals",
        "Dots: group means; whiskers: 95% confidence intervals; dashed: overall mean.",
    )


def _drift(b: _Builder, data: pd.DataFrame, team: str | None) -> None:
    keys = team or ()
    drift = detect_drift(data, by=keys)
    chart = control_chart_data(data, by=keys)
    b.tables["drift"] = drift
    b.tables["control_chart"] = chart
    b.add(
        "drift",
        _p(
            "Two-sided CUSUM on daily mean interaction scores after a baseline (the first 30% of "
            "days), sized to catch a shift of half a standard deviation of one call whatever the "
            "team's daily volume. An alarm means the level shifted; the change date is where it "
            "started and the shift is the mean after it minus the baseline mean."
        ),
    )
    for row in drift[drift["drift"].astype(bool)].itertuples(index=False):
        name = getattr(row, team) if team else "the centre"
        b.add(
            "drift",
            _p(
                f"{name}: {row.direction}ward shift detected from "
                f"{pd.Timestamp(row.change_date):%Y-%m-%d} (alarm on "
                f"{pd.Timestamp(row.alarm_date):%Y-%m-%d}); the mean since the change is "
                f"{row.shift:+.1f} points against the baseline.",
                "finding",
            ),
        )
    if not drift["drift"].astype(bool).any():
        b.add("drift", _p("No drift detected.", "ok"))
    b.add(
        "drift",
        html_table(
            drift,
            [
                *([team] if team else []),
                "drift",
                "direction",
                "change_date",
                "alarm_date",
                "shift",
                "baseline_mean",
                "baseline_end",
                "n_points",
                "n_obs",
                "note",
            ],
            formats={"shift": "+.1f"},
            caption="Drift per group",
        ),
    )
    groups = None
    if team:
        flagged = drift.loc[drift["drift"].astype(bool), team].astype(str).tolist()
        rest = [g for g in drift[team].astype(str) if g not in flagged]
        groups = (flagged + rest)[:6]
    b.figure(
        "drift",
        "drift",
        figs.control_charts(chart, drift, by=team, groups=groups),
        "Control charts of daily mean interaction score and CUSUM statistic per team",
        "Left: daily means with 3-standard-error limits; right: CUSUM with its decision "
        "interval; dotted vermillion line: detected change date.",
    )


def _impact(b: _Builder, data: pd.DataFrame, events: pd.DataFrame | None, by: str, window: int) -> None:
    if events is None:
        b.add(
            "impact",
            _p(
                "No workshop dates were given. Give them with --events FILE, a table of group,date "
                "rows (events= in build_report), to see whether coaching moved each coached team "
                "more than the others.",
                "note",
            ),
        )
        return
    table = workshop_impact(data, events=events, window=window, group_col=by)
    b.tables["impact"] = table
    b.add(
        "impact",
        _p(
            f"Difference in differences: the coached team's change over the {window} days "
            "either side of its workshop, minus the change of the teams without a workshop in "
            "that window, with 95% intervals clustered by agent. The pooled row stacks all "
            "workshops; a repeated workshop beside the first shows whether returns diminish."
        ),
    )
    main = table[table["metric"] == SCORE_COL]
    for row in main.itertuples(index=False):
        if row.event == "pooled" or row.p_value != row.p_value:
            continue
        klass = "finding" if row.p_value < 0.05 else "ok"
        b.add(
            "impact",
            _p(
                f"{row.group} (workshop {row.workshop}, {row.date}): interaction score "
                f"{row.effect:+.1f} points against the control (95% CI {row.ci_low:+.1f} to "
                f"{row.ci_high:+.1f}, p={row.p_value:.2g}). {row.note}".strip(),
                klass,
            ),
        )
    b.add(
        "impact",
        html_table(
            table,
            # The impact table's columns, less the before/after counts.
            [*EVENT_COLUMNS, *(c for c in IMPACT_COLUMNS if not c.startswith("treated_n_"))],
            formats={c: "+.2f" for c in ("effect", "ci_low", "ci_high")}
            | {c: ".1f" for c in ("treated_before", "treated_after", "control_before", "control_after")}
            | {"p_value": ".3g"},
            caption="Workshop effects per event and metric",
        ),
    )
    series, effects = {}, {}
    listed = read_events(events)
    for ev in listed.itertuples(index=False):
        title = f"{ev.group}, {ev.date:%Y-%m-%d}"
        treated, control = ev.group, None
        if "=" not in ev.group:  # the same clean control as the estimate: no event nearby
            near = listed.loc[(listed["date"] - ev.date).abs() < pd.Timedelta(days=window), "group"]
            treated, control = f"{by}={ev.group}", f"{by}!={','.join(dict.fromkeys(near))}"
        series[title] = impact_series(data, event=ev.date, treated=treated, control=control, window=window)
        match = main[(main["group"] == ev.group) & (main["date"] == f"{ev.date:%Y-%m-%d}")]
        if len(match):
            effects[title] = match.iloc[0]
    b.figure(
        "impact",
        "impact",
        figs.impact_chart(series, effects),
        "Weekly mean interaction score of the coached team and the control around each workshop",
        "Solid: coached team; dashed: control; shaded: 95% intervals of the weekly means; "
        "dotted line: the workshop.",
    )


def _lowest(b: _Builder, data: pd.DataFrame, n: int, has_surveys: bool) -> None:
    score = pd.to_numeric(data[SCORE_COL], errors="coerce")
    order = score.dropna().sort_values(kind="stable").index[: max(n, 0)]
    rows = data.loc[order].copy()
    cells = rows["evidence"] if "evidence" in rows.columns else pd.Series(None, index=rows.index)
    rows["top_evidence"] = [negative_evidence(parse_evidence(c), top_k=3) for c in cells]
    columns = [
        "transcript_id",
        "agent_id",
        "team",
        "queue",
        "channel",
        SCORE_COL,
        *DIMENSIONS,
        *([SURVEY_COL] if has_surveys else []),
    ]
    headers = {c: c.replace("_", " ") for c in columns}
    comments = rows["survey_comment"] if "survey_comment" in rows.columns else [None] * len(rows)
    details = [
        _evidence_list(items) + _comment(comment)
        for items, comment in zip(rows["top_evidence"], comments, strict=True)
    ]
    b.tables["lowest"] = rows
    b.add(
        "lowest",
        _p(
            f"The {len(rows)} contacts with the lowest interaction score; beneath each, the "
            "findings that pulled it down most (points lost in brackets; filler findings "
            "count words) and the customer's survey comment."
        ),
    )
    b.add(
        "lowest",
        html_table(
            rows,
            headers,
            formats={SURVEY_COL: ".0f"},
            details=details,
            caption="Lowest-scoring calls",
        ),
    )


def _comment(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or not str(value).strip():
        return ""
    return f'<p class="small">Survey comment: “{esc(str(value).strip())}”</p>'


# --------------------------------------------------------------------------- page


def _page(b: _Builder, title: str, data: pd.DataFrame, has_surveys: bool) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    from cxnlp import __version__

    nav = "".join(f'<a href="#{sid}">{esc(label)}</a>' for sid, label in SECTIONS)
    body = []
    for sid, label in SECTIONS:
        body.append(f'<section id="{sid}"><h2>{esc(label)}</h2>{"".join(b.sections[sid])}</section>')
    survey_note = "with surveys" if has_surveys else "without surveys"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body><main>"
        f"<h1>{esc(title)}</h1>"
        + _p(
            f"{len(data):,} transcripts, {survey_note}. Generated {stamp} by cxnlp {__version__}.",
            "meta",
        )
        + f"<nav>{nav}</nav>"
        + "".join(body)
        + "</main></body></html>\n"
    )


def write_report(report: Report, out_html: str | Path, *, png_dir: str | Path | None = None) -> list[Path]:
    """Write the HTML page and, optionally, every figure as a PNG file.

    Parameters
    ----------
    report
        What :func:`build_report` returned.
    out_html
        Path of the HTML file (folders are created).
    png_dir
        Folder for ``<figure name>.png`` files, for slides or tickets; None writes none.

    Returns
    -------
    list of Path
        The HTML file first, then the PNG files.
    """
    target = Path(out_html)
    if target.suffix.lower() not in {".html", ".htm"}:
        raise ValueError(
            f"Got an output path ending in {target.suffix or '(no extension)'!r}; expected "
            ".html. Name the report file e.g. report.html."
        )
    from cxnlp.io.atomic import atomic_write_bytes, atomic_write_text

    written = [atomic_write_text(target, report.html)]
    if png_dir is not None:
        Path(png_dir).mkdir(parents=True, exist_ok=True)
        for name, png in report.pngs.items():
            written.append(atomic_write_bytes(Path(png_dir) / f"{name}.png", png))
    logger.info("write_report: wrote %s", ", ".join(map(str, written)))
    return written


def load_scores(path: str | Path, *, config_id: str | None = None) -> pd.DataFrame:
    """Read a score table file (Parquet, CSV, JSON lines) or the latest results of a store.

    The report's name for :func:`cxnlp.io.read_scores` (see there); also reads survey and
    reference tables.
    """
    from cxnlp.io import read_scores

    return read_scores(path, config_id=config_id)
