"""A deployment's own privacy allow-list: ``Scorer(privacy_allow=...)`` and ``--privacy-allow FILE``."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxnlp.cli import app
from cxnlp.privacy import default_redactor
from cxnlp.privacy.allow import PrivacyAllowError, load_allow_list
from cxnlp.scoring import Scorer

runner = CliRunner()
CALL = {
    "id": "c1",
    "turns": [
        {"speaker": "customer", "text": "My bill doubled this month. Why?"},
        {"speaker": "agent", "text": "Your promotional discount of $30 ended on October 1st."},
    ],
}


def _target(tmp_path: Path, command: str) -> list[str]:
    """Where ``score`` or ``batch`` writes."""
    return ["--out", str(tmp_path / "out.jsonl")] if command == "score" else ["--store", str(tmp_path / "s")]


def _own_allow_list(tmp_path: Path) -> Path:
    """The packaged allow-list with the deployment's company added to ``terms``."""
    text = resources.files("cxnlp").joinpath("resources", "privacy_allow.yaml").read_text()
    path = tmp_path / "ours_allow.yaml"
    path.write_text(text.replace("terms: [PayPal,", "terms: [Kestrel Connect, PayPal,"))
    return path


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("term: [Kestrel]\nwords: []\n", "'term'"),  # misspelt: refused, not ignored
        ("terms: Kestrel\n", "'terms'"),
        ("words: [ok, '']\n", "'words'"),
        ("- terms\n", "mapping"),
    ],
)
def test_a_bad_allow_list_is_refused_naming_the_file_and_the_field(tmp_path, content, field):
    bad = tmp_path / "bad_allow.yaml"
    bad.write_text(content)
    with pytest.raises(PrivacyAllowError, match="bad_allow.yaml") as info:
        load_allow_list(bad)
    assert field in str(info.value)


def test_a_good_allow_list_loads_and_every_field_may_be_left_out(tmp_path):
    mine = load_allow_list(_own_allow_list(tmp_path))
    assert mine.term_spans("thanks, Kestrel Connect here") == [(8, 23)]
    empty = tmp_path / "empty.yaml"
    empty.write_text("version: 1\n")
    assert load_allow_list(empty).term_spans("Kestrel Connect") == []


def test_a_missing_allow_list_is_refused_naming_the_file(tmp_path):
    with pytest.raises(PrivacyAllowError, match=r"nowhere\.yaml.*cannot read"):
        load_allow_list(tmp_path / "nowhere.yaml")


def test_the_scorer_redacts_with_its_own_allow_list(tmp_path):
    path = _own_allow_list(tmp_path)
    mine, packaged = Scorer(privacy_allow=path), Scorer()
    assert mine.redactor is default_redactor(True, path)  # shared, built once
    assert mine.redactor.allow_.source == str(path)
    assert packaged.redactor.allow_.source == "cxnlp/resources/privacy_allow.yaml"
    # The file's hash is part of what decides what is written, so of the configuration id.
    assert mine.config()["redaction"]["allow_sha256"] != packaged.config()["redaction"]["allow_sha256"]
    assert Scorer(privacy_allow=path).config_fingerprint() == mine.config_fingerprint()


def test_the_scorer_allow_list_keeps_the_company_and_still_redacts_the_customer(tmp_path):
    sentence = "Kestrel Connect is happy to help, Olivia."
    call = ["Hi, my name is Olivia Dubois.", sentence]  # no greeting names the company
    redactor = Scorer(privacy_allow=_own_allow_list(tmp_path)).redactor
    written = redactor.redact(sentence, redactor.call_context(call))
    assert written == "Kestrel Connect is happy to help, <PERSON>."
    # The packaged list does not know the company: spaCy's guess stands.
    packaged = Scorer().redactor
    assert "Kestrel" not in packaged.redact(sentence, packaged.call_context(call))


@pytest.mark.parametrize("command", ["score", "batch"])
def test_cli_refuses_a_bad_allow_list_in_one_line_before_scoring(tmp_path, command):
    calls = tmp_path / "calls.jsonl"
    calls.write_text(json.dumps(CALL) + "\n")
    bad = tmp_path / "bad_allow.yaml"
    bad.write_text("terms: [Kestrel]\nword: [ok]\n")
    target = _target(tmp_path, command)
    result = runner.invoke(app, [command, str(calls), *target, "--privacy-allow", str(bad)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "--privacy-allow" in lines[0] and "bad_allow.yaml" in lines[0] and "'word'" in lines[0]
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "s").exists()
    missing = runner.invoke(app, [command, str(calls), *target, "--privacy-allow", str(tmp_path / "no.yaml")])
    assert missing.exit_code == 2 and "no.yaml" in missing.output


@pytest.mark.parametrize(("command", "given"), [("score", True), ("batch", True), ("score", False)])
def test_cli_passes_the_allow_list_to_the_scorer(tmp_path, monkeypatch, command, given):
    import cxnlp.scoring

    seen: dict[str, object] = {}

    def spy(**options: object) -> None:
        seen.update(options)
        raise ValueError("stopped after building the scorer")

    monkeypatch.setattr(cxnlp.scoring, "Scorer", spy)
    calls = tmp_path / "calls.jsonl"
    calls.write_text(json.dumps(CALL) + "\n")
    allow = _own_allow_list(tmp_path)
    target = _target(tmp_path, command)
    option = ["--privacy-allow", str(allow)] if given else []
    result = runner.invoke(app, [command, str(calls), *target, *option])
    assert "stopped after building the scorer" in result.output
    assert seen["privacy_allow"] == (allow if given else None)


# --- the same option wherever cxnlp writes text: report and the service -------------------


@pytest.mark.parametrize("command", ["report", "serve"])
def test_report_and_serve_refuse_a_bad_allow_list_in_one_line(tmp_path, command):
    bad = tmp_path / "bad_allow.yaml"
    bad.write_text("terms: [Kestrel]\nword: [ok]\n")
    target = (
        [str(tmp_path / "scores.jsonl"), "--out", str(tmp_path / "r.html")] if command == "report" else []
    )
    result = runner.invoke(app, [command, *target, "--privacy-allow", str(bad)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "--privacy-allow" in lines[0] and "bad_allow.yaml" in lines[0] and "'word'" in lines[0]
    assert not (tmp_path / "r.html").exists()


def test_build_report_redacts_with_its_own_allow_list(tmp_path, monkeypatch):
    import cxnlp.report.html as report_html

    path = _own_allow_list(tmp_path)
    seen = []
    monkeypatch.setattr(
        report_html, "_build_report", lambda *a, **k: seen.append(report_html._REDACTOR.get())
    )
    frame = __import__("pandas").DataFrame({report_html.SCORE_COL: [80.0]})
    report_html.build_report(frame, privacy_allow=path)
    report_html.build_report(frame)
    assert seen[0] is default_redactor(True, path)
    assert seen[1] is default_redactor(True, None)
    # What the page shows goes through that redactor: the company stays, the customer goes.
    context = seen[0].call_context(["Hi, my name is Olivia Dubois."])
    assert seen[0].redact("Kestrel Connect is happy to help, Olivia.", context) == (
        "Kestrel Connect is happy to help, <PERSON>."
    )


@pytest.mark.parametrize("given", [True, False])
def test_cli_report_passes_the_allow_list(tmp_path, monkeypatch, given):
    import cxnlp.report

    seen: dict[str, object] = {}

    def spy(frame: object, **options: object) -> None:
        seen.update(options)
        raise ValueError("stopped after building the report")

    monkeypatch.setattr(cxnlp.report, "load_scores", lambda *a, **k: None)
    monkeypatch.setattr(cxnlp.report, "build_report", spy)
    allow = _own_allow_list(tmp_path)
    option = ["--privacy-allow", str(allow)] if given else []
    result = runner.invoke(
        app, ["report", str(tmp_path / "s.jsonl"), "--out", str(tmp_path / "r.html"), *option]
    )
    assert "stopped after building the report" in result.output
    assert seen["privacy_allow"] == (allow if given else None)


def test_the_service_redacts_with_its_own_allow_list(tmp_path, monkeypatch):
    pytest.importorskip("fastapi")
    import cxnlp.service.app
    from cxnlp.service.state import Service, ServiceSettings, load_service

    path = _own_allow_list(tmp_path)
    settings = ServiceSettings(privacy_allow=path)
    # Through the environment uvicorn's workers read.
    assert ServiceSettings.from_env(settings.to_env()) == settings
    service = Service(settings, None, None, {}, None, None)  # type: ignore[arg-type]
    assert service.redactor is default_redactor(True, path)
    assert Service(ServiceSettings(), None, None, {}, None, None).redactor is default_redactor(True, None)  # type: ignore[arg-type]
    # A bad file stops the service before any model loads.
    bad = tmp_path / "bad_allow.yaml"
    bad.write_text("word: [ok]\n")
    with pytest.raises(PrivacyAllowError, match="bad_allow.yaml"):
        load_service(ServiceSettings(privacy_allow=bad))
    # `cxnlp serve --privacy-allow FILE` hands the file to the settings.
    seen: list[ServiceSettings] = []

    def spy(given: ServiceSettings) -> None:
        seen.append(given)
        raise ValueError("stopped before serving")

    monkeypatch.setattr(cxnlp.service.app, "create_app", spy)
    result = runner.invoke(app, ["serve", "--privacy-allow", str(path)])
    assert "stopped before serving" in result.output
    assert seen[0].privacy_allow == path
