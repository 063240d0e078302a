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
