"""The report in a real browser: Debian's headless chromium renders it and runs nothing.

Skipped when ``/usr/bin/chromium`` is absent (CI installs it with
``apt-get install -y chromium``).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
TITLE = "QA report & checks"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="headless browser test needs /usr/bin/chromium (apt-get install -y chromium)",
)


def _helpers():
    """The synthetic score and survey builders of tests/test_report.py."""
    path = Path(__file__).with_name("test_report.py")
    spec = importlib.util.spec_from_file_location("_report_helpers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _chromium(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp / 'profile'}",
        *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Write one report and a blank page; dump the DOM and screenshot both."""
    from cxnlp.report import build_report, write_report

    helpers = _helpers()
    scores = helpers.make_scores(240)
    surveys = helpers.make_surveys(scores)
    tmp = tmp_path_factory.mktemp("browser")
    page = tmp / "report.html"
    write_report(build_report(scores, surveys=surveys, title=TITLE), page)
    blank = tmp / "blank.html"
    blank.write_text("<!DOCTYPE html><html><head><title>x</title></head><body></body></html>")
    dom = _chromium(tmp, "--dump-dom", page.as_uri()).stdout
    shots = {}
    for name, source in (("report", page), ("blank", blank)):
        shot = tmp / f"{name}.png"
        _chromium(tmp, f"--screenshot={shot}", "--window-size=1280,4000", source.as_uri())
        shots[name] = shot.read_bytes()
    return {"dom": dom, "shots": shots, "xss": helpers.XSS}


def test_dumped_dom_has_no_script_element(rendered):
    assert "<body" in rendered["dom"]
    assert not re.search(r"<script\b", rendered["dom"], flags=re.I)


def test_dumped_dom_shows_the_escaped_text(rendered):
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered["dom"]


def test_injected_script_did_not_change_the_title(rendered):
    # the data carries <script>document.title='pwned'</script>; had it run, the title changed
    title = re.search(r"<title>(.*?)</title>", rendered["dom"], flags=re.S)
    assert title is not None
    assert title.group(1) == "QA report &amp; checks"
    assert "pwned" not in title.group(1)


def test_screenshot_is_a_real_rendered_page(rendered):
    report, blank = rendered["shots"]["report"], rendered["shots"]["blank"]
    assert report.startswith(PNG_MAGIC) and blank.startswith(PNG_MAGIC)
    width, height = int.from_bytes(report[16:20], "big"), int.from_bytes(report[20:24], "big")
    assert (width, height) == (1280, 4000)
    assert len(report) > 20 * len(blank)


def test_control_an_unescaped_script_would_have_run(tmp_path):
    # positive control: the same browser flags do execute an inline script, so the title
    # test above can fail; without it a browser that ran no JavaScript would pass vacuously
    page = tmp_path / "raw.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>QA</title></head><body>"
        "<script>document.title='pwned'</script></body></html>"
    )
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "<title>pwned</title>" in dom
