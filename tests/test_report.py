"""Tests for the HTML report: sections, escaping, PNGs, graceful degradation, named silos."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cxnlp.report import (
    NO_SURVEYS,
    SECTIONS,
    build_report,
    control_charts,
    dimension_distributions,
    equity_chart,
    followup_counts,
    html_table,
    save_png,
    status_trend,
    write_report,
)
from cxnlp.schema import DEFAULT_WEIGHTS, DIMENSION_COLUMNS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
XSS = "<script>alert(1)</script>"
TITLE_XSS = "<script>document.title='pwned'</script>"
TEAMS = ("Team North", "Team South", "Team East", "Team West")
QUEUES = ("billing", "tech_support", "returns", "onboarding", "accounts")
DIMS = DIMENSION_COLUMNS
WEIGHTS = dict(DEFAULT_WEIGHTS)


def make_scores(
    n: int = 480,
    *,
    seed: int = 0,
    worse_queue: str | None = "returns",
    queue_penalty: float = 12.0,
    drift_team: str | None = "Team East",
    drift_from: str = "2026-10-15",
    drift_drop: float = 10.0,
) -> pd.DataFrame:
    """A synthetic score table with the contract's columns and planted effects.

    ``worse_queue`` loses ``queue_penalty`` points on completeness and connection, and
    ``drift_team`` drops ``drift_drop`` points on the same after ``drift_from``. Some
    evidence sentences, one customer name and one queue-free metadata value carry HTML.
    """
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-09-01T08:00:00")
    minutes = np.sort(rng.uniform(0, 90 * 24 * 60, n))
    started = start + pd.to_timedelta(minutes, unit="min")
    team = rng.choice(TEAMS, n)
    queue = rng.choice(QUEUES, n)
    penalty = np.where(queue == worse_queue, queue_penalty, 0.0)
    if drift_team is not None:
        penalty = penalty + np.where(
            (team == drift_team) & (started >= pd.Timestamp(drift_from)), drift_drop, 0.0
        )
    brand = np.clip(rng.normal(80, 10, n) - 0.3 * penalty, 0, 100)
    complete = np.clip(rng.normal(82, 12, n) - penalty, 0, 100)
    proactive = np.clip(rng.normal(75, 12, n) - penalty, 0, 100)
    proactive[rng.random(n) < 0.05] = np.nan
    filler = np.clip(rng.gamma(2.0, 2.5, n) + 0.2 * penalty, 0, 60)
    frame = pd.DataFrame(
        {
            "transcript_id": [f"T{i:04d}" for i in range(n)],
            "agent_id": [f"A{k:02d}" for k in rng.integers(1, 25, n)],
            "team": team,
            "queue": queue,
            "contact_reason": [f"{q}_reason{k}" for q, k in zip(queue, rng.integers(1, 3, n), strict=True)],
            "customer_segment": rng.choice(["consumer", "small_business", "premium"], n),
            "channel": rng.choice(["voice", "chat"], n, p=[0.6, 0.4]),
            "started_at": [t.isoformat() for t in started],
            "customer_name": rng.choice(["Olivia", "Ravi", "Jonas & Co", 'Ann "AJ"'], n),
            "brand_congruence": brand,
            "answer_completeness": complete,
            "proactive_connection": proactive,
            "filler_content": filler,
        }
    )
    points = pd.DataFrame(
        {d: frame[d] if d != "filler_content" else (100 - 2.5 * frame[d]).clip(0, 100) for d in DIMS}
    )
    weights = pd.Series(WEIGHTS)
    present = points.notna()
    frame["interaction_score"] = (points.fillna(0) * weights).sum(axis=1) / (present * weights).sum(axis=1)
    frame["n_turns"] = rng.integers(7, 16, n)
    frame["n_agent_turns"] = frame["n_turns"] // 2
    frame["n_sentences"] = frame["n_turns"] * 2
    frame["f_answer_completeness__open_share"] = rng.uniform(0, 0.5, n)
    frame["f_filler_content__repetition_share"] = rng.uniform(0, 0.2, n)
    frame["evidence"] = [_evidence(i, rng) for i in range(n)]
    frame["content_hash"] = [f"{i:016x}" for i in range(n)]
    frame["cxnlp_version"] = "0.1.0"
    # metadata and evidence with markup in the lowest-scoring call, shown in every report
    worst = frame["interaction_score"].idxmin()
    frame.loc[worst, ["customer_name", "agent_id"]] = [XSS, f"A99{XSS}"]
    frame.loc[worst, "evidence"] = _evidence(0, rng)
    return frame


def _evidence(i: int, rng: np.random.Generator) -> str:
    sentence = "I can't tell you that, it's just policy & that's that."
    if i % 7 == 0:
        sentence = f'He wrote {XSS} & said "fine" {TITLE_XSS}'
    items = [
        {
            "dimension": "answer_completeness",
            "kind": "open_question",
            "turn_index": 3,
            "sentence": sentence,
            "detail": "customer question left open",
            "weight": -float(rng.uniform(5, 20)),
            "span": [0, 10],
        },
        {
            "dimension": "brand_congruence",
            "kind": "off_brand",
            "turn_index": 5,
            "sentence": "Calm down <b>please</b>.",
            "detail": "off-brand phrase",
            "weight": -float(rng.uniform(1, 8)),
            "span": [0, 9],
        },
        {
            "dimension": "filler_content",
            "kind": "filler_word",
            "turn_index": 1,
            "sentence": "Um, like, basically yeah.",
            "detail": "3 filler words",
            "weight": 3.0,
            "span": [0, 2],
        },
    ]
    return json.dumps(items)


def make_surveys(scores: pd.DataFrame, *, seed: int = 1) -> pd.DataFrame:
    """Responses for ~55% of contacts, rating tied to the score, some comments with HTML."""
    rng = np.random.default_rng(seed)
    worst = scores["interaction_score"].idxmin()
    picked = scores[(rng.random(len(scores)) < 0.55) | (scores.index == worst)]
    rating = np.clip(np.round((picked["interaction_score"] + rng.normal(0, 12, len(picked))) / 10), 0, 10)
    comments = rng.choice(
        [
            "Great service, thank you.",
            "Still not fixed & nobody called back.",
            "I want to speak to a manager!",
            "Agent was rude, kept me on hold.",
            "I don't understand my bill?",
            f'Terrible {XSS} "really" awful {TITLE_XSS}',
            "",
        ],
        len(picked),
    )
    # the worst call's customer escalates with markup in the comment: a top follow-up row
    at = picked.index.get_loc(worst)
    rating[at], comments[at] = 0, f'Get me a manager {XSS} & "now"'
    stamps = pd.to_datetime(picked["started_at"]) + pd.Timedelta(hours=5)
    return pd.DataFrame(
        {
            "transcript_id": picked["transcript_id"].to_numpy(),
            "survey_rating": 10 * rating,
            "survey_comment": comments,
            "responded_at": [t.isoformat() for t in stamps],
        }
    )


def section(page: str, sid: str) -> str:
    """The HTML of one ``<section id=...>``."""
    match = re.search(rf'<section id="{sid}">(.*?)</section>', page, flags=re.S)
    assert match is not None, f"section {sid!r} missing"
    return match.group(1)


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return make_scores()


@pytest.fixture(scope="module")
def surveys(scores) -> pd.DataFrame:
    return make_surveys(scores)


@pytest.fixture(scope="module")
def report(scores, surveys):
    reference = make_scores(300, seed=5, worse_queue=None, drift_team=None)
    return build_report(scores, surveys=surveys, reference=reference, title=f"QA {XSS} & co")


@pytest.fixture(scope="module")
def report_without_surveys(scores):
    return build_report(scores)


# ------------------------------------------------------------------------------ sections


@pytest.mark.parametrize("sid,heading", SECTIONS)
def test_every_section_present_with_content(report, sid, heading):
    body = section(report.html, sid)
    assert f"<h2>{heading}</h2>" in body
    assert len(re.sub(r"<[^>]+>", "", body)) > len(heading) + 40


def test_full_inputs_leave_no_section_unavailable(report):
    assert report.notes == ()
    assert "could not be built" not in report.html


@pytest.mark.parametrize(
    "sid,figure",
    [
        ("dimensions", "dimensions"),
        ("optimized", "optimized_trend"),
        ("followups", "followups"),
        ("equity", "equity"),
        ("drift", "drift"),
    ],
)
def test_figures_embedded_in_their_section(report, sid, figure):
    body = section(report.html, sid)
    assert f'<figure id="fig-{figure}"><img src="data:image/png;base64,' in body
    assert report.pngs[figure].startswith(PNG_MAGIC)


def test_page_is_self_contained(report):
    page = report.html
    assert not re.search(r'(src|href)="(?!data:|#)', page), "external resource referenced"
    assert "<link" not in page and "@import" not in page
    assert "Content-Security-Policy" in page


def test_overview_states_optimized_status(report):
    body = section(report.html, "overview")
    latest = report.tables["optimized_status"]["period"].max()
    assert f"Optimized status in {latest}" in body


def test_external_view_uses_the_reference(report):
    assert any(c.startswith("ext_pct_") for c in report.tables["perspectives"].columns)
    assert "external pct" in section(report.html, "perspectives")


# ------------------------------------------------------------------------------ escaping


def test_script_from_data_appears_only_escaped(report):
    page = report.html
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    "sid,escaped",
    [
        ("lowest", "&lt;script&gt;alert(1)&lt;/script&gt;"),  # customer name and evidence
        ("followups", "Get me a manager &lt;script&gt;"),  # survey comment
        ("false-reads", "Calm down &lt;b&gt;please&lt;/b&gt;."),  # evidence
    ],
)
def test_escaped_markup_reaches_the_data_sections(report, sid, escaped):
    assert escaped in section(report.html, sid)


def test_title_and_quotes_are_escaped(report):
    assert "<title>QA &lt;script&gt;alert(1)&lt;/script&gt; &amp; co</title>" in report.html
    assert "<b>please</b>" not in report.html
    assert "Calm down &lt;b&gt;please&lt;/b&gt;." in report.html


@pytest.mark.parametrize(
    "value,expected",
    [
        (XSS, "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ('a "b" & c', "a &quot;b&quot; &amp; c"),
        (np.nan, "–"),
        (None, "–"),
        (True, "yes"),
        (3, "3"),
        (2.345, "2.3"),
    ],
)
def test_html_table_escapes_and_formats_cells(value, expected):
    out = html_table(pd.DataFrame({"<my_col>": [value]}))
    assert "<th>&lt;my col&gt;</th>" in out
    assert f">{expected}</td>" in out


# ------------------------------------------------------------------------------ files


def test_write_report_writes_html_and_nonempty_pngs(report, tmp_path):
    written = write_report(report, tmp_path / "r.html", png_dir=tmp_path / "png")
    assert written[0].read_text(encoding="utf-8") == report.html
    pngs = written[1:]
    assert {p.stem for p in pngs} == set(report.figures)
    for path in pngs:
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 10_000


def test_write_report_rejects_non_html_path(report, tmp_path):
    with pytest.raises(ValueError, match="expected .html"):
        write_report(report, tmp_path / "r.pdf")


# ------------------------------------------------------------------------------ degradation


@pytest.mark.parametrize("sid", ["false-reads", "followups"])
def test_without_surveys_survey_sections_say_unavailable(report_without_surveys, sid):
    assert NO_SURVEYS in section(report_without_surveys.html, sid)


def test_without_surveys_survey_figures_and_tables_absent(report_without_surveys, report):
    assert "followups" not in report_without_surveys.figures
    assert "followups" in report.figures
    assert "false_reads" not in report_without_surveys.tables
    assert "Survey ratings were not provided" in section(report_without_surveys.html, "optimized")


def test_without_surveys_the_rest_still_renders(report_without_surveys):
    for name in ("dimensions", "optimized_trend", "equity", "drift"):
        assert report_without_surveys.pngs[name].startswith(PNG_MAGIC)
    assert "&lt;script&gt;" in section(report_without_surveys.html, "lowest")


def test_survey_columns_already_in_scores_are_used(scores, surveys):
    from cxnlp.analytics import join_surveys

    joined = join_surveys(scores.head(200), surveys)
    out = build_report(joined)
    assert NO_SURVEYS not in section(out.html, "followups")


@pytest.mark.parametrize("n", [1, 5])
def test_tiny_inputs_render_every_section(n, scores, surveys):
    tiny = scores.head(n)
    out = build_report(tiny, surveys=surveys[surveys["transcript_id"].isin(tiny["transcript_id"])])
    for sid, _ in SECTIONS:
        section(out.html, sid)
    assert "<script" not in out.html.lower()


def test_missing_score_column_raises_with_fix():
    with pytest.raises(ValueError, match="Score the transcripts first"):
        build_report(pd.DataFrame({"transcript_id": ["a"]}))


# ------------------------------------------------------------------------------ findings


def _equity_findings(page: str) -> str:
    body = section(page, "equity")
    return " ".join(re.findall(r'<p class="finding">(.*?)</p>', body, flags=re.S))


def test_planted_worse_queue_is_named_in_equity(report):
    assert "queue=returns" in _equity_findings(report.html)


def test_queue_without_planted_gap_is_not_named():
    fair = build_report(make_scores(seed=0, worse_queue=None))
    assert "queue=returns" not in _equity_findings(fair.html)


def test_planted_drift_team_named_in_drift_section(report):
    body = section(report.html, "drift")
    findings = " ".join(re.findall(r'<p class="finding">(.*?)</p>', body, flags=re.S))
    assert "Team East: downward shift detected" in findings


# ------------------------------------------------------------------------------ figures


def test_figures_use_no_pyplot_state(scores):
    import sys

    before = "matplotlib.pyplot" in sys.modules
    fig = dimension_distributions(scores)
    assert fig.axes and fig.canvas.get_default_filetype() == "png"
    if not before:
        assert "matplotlib.pyplot" not in sys.modules


def test_figure_functions_label_axes_with_units(report):
    fig = report.figures["dimensions"]
    labels = {ax.get_ylabel() for ax in fig.axes if ax.get_visible()}
    assert "interaction score (0–100)" in labels
    assert "filler content (% of agent words, lower is better)" in labels
    trend = report.figures["optimized_trend"]
    lines = [line.get_label() for ax in trend.axes for line in ax.get_lines()]
    assert "threshold (91)" in lines and "threshold (85)" in lines


def test_control_chart_marks_change_date(report):
    drift = report.tables["drift"]
    east = drift[drift["team"] == "Team East"].iloc[0]
    fig = control_charts(report.tables["control_chart"], drift, groups=["Team East"])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert f"change {pd.Timestamp(east['change_date']):%Y-%m-%d}" in labels


def test_standalone_figures_save_png(report, tmp_path):
    made = {
        "trend": status_trend(report.tables["optimized_status"]),
        "equity": equity_chart(report.tables["equity_report"], groupings=["queue"]),
        "followups": followup_counts(report.tables["followups"]),
    }
    for name, fig in made.items():
        path = save_png(fig, tmp_path / "sub" / f"{name}.png")
        assert path.read_bytes().startswith(PNG_MAGIC)
        assert path.stat().st_size > 5_000


def test_equity_chart_draws_overall_mean(report):
    table = report.tables["equity_report"]
    part = table[table["grouping"] == "queue"]
    overall = float((part["n"] * part["mean"]).sum() / part["n"].sum())
    fig = equity_chart(table, groupings=["queue"])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert f"overall mean ({overall:.1f})" in labels


def test_load_scores_reads_a_file(scores, tmp_path):
    from cxnlp.report import load_scores

    path = tmp_path / "s.parquet"
    scores.to_parquet(path)
    assert load_scores(path)["transcript_id"].tolist() == scores["transcript_id"].tolist()
    with pytest.raises(FileNotFoundError, match="expected a score table"):
        load_scores(Path(tmp_path / "nope.parquet"))
