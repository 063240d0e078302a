"""The command line's progress display: on stderr, only on a terminal, counting records read."""

from __future__ import annotations

import io
import sys

import pytest

from cxnlp import cli


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_counts_and_names_stages_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli._progress("reading the calibration") as bar:
        assert bar.callback is bar  # the library gets a counter only when something shows it
        for _ in range(3):
            bar(1)
        bar.stage("loading the language models")
        task = bar._bar.tasks[0]
        assert task.completed == 3 and task.description == "loading the language models"
        assert bar._bar.console.file is terminal  # stderr, never stdout where the tables go


def test_progress_shows_nothing_when_piped(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with cli._progress("scoring") as bar:
        assert bar.callback is None
        bar(5)
        bar.stage("anything")
    assert sys.stderr.getvalue() == "" and capsys.readouterr().out == ""


def test_score_counts_records_done_and_other_commands_records_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """``cxnlp score`` counts each record as it is scored or rejected (the library calls
    back per record), so its line says "records done"; reading stays "records read"."""
    from rich.progress import TextColumn

    monkeypatch.setattr(sys, "stderr", _Terminal())

    def labels(bar: cli._progress) -> list[str]:
        return [c.text_format for c in bar._bar.columns if isinstance(c, TextColumn)]

    with cli._progress("scoring", counts="records done") as bar:
        assert "{task.completed:,.0f} records done" in labels(bar)
    with cli._progress("reading the calibration") as bar:
        assert "{task.completed:,.0f} records read" in labels(bar)


def test_batch_counts_records_done_through_the_library(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """``cxnlp batch`` hands its display to ``run_batch`` and labels the count "records done"
    (the library counts each record as it is scored, skipped or rejected)."""
    from typer.testing import CliRunner

    import cxnlp.batch.nightly as nightly
    from cxnlp.runs import RunSummary

    shown: list[_Shown] = []

    class _Shown(cli._progress):
        """A display that shows nothing but keeps its label and count."""

        def __init__(self, stage: str = "scoring", **options: object) -> None:
            super().__init__(stage, **options)  # type: ignore[arg-type]
            self.total = 0
            shown.append(self)

        def __enter__(self) -> _Shown:
            return self

        def __call__(self, n: int = 1) -> None:
            self.total += n

        @property
        def callback(self) -> _Shown:
            return self

    def fake_run_batch(inputs, store, *, progress, **options):
        for _ in range(3):
            progress(1)
        return RunSummary(read=3, scored=3, rejected=0, seconds=1.0, store=str(store), run_id="r")

    monkeypatch.setattr(cli, "_progress", _Shown)
    monkeypatch.setattr(nightly, "run_batch", fake_run_batch)
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "turns": [{"speaker": "agent", "text": "Hi."}]}\n', encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["batch", str(src), "--store", str(tmp_path / "store")])
    assert result.exit_code == 0, result.output
    (bar,) = shown
    assert bar._counts == "records done" and bar.total == 3
