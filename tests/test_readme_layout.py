"""The README's layout section names every module and folder of the package, and nothing
that is gone (issue #12: "the README's layout section matches the tree")."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "cxnlp"


def _layout() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Layout")
    return text[start : text.index("```\n", text.index("```text", start) + 7)]


def _names_in_tree() -> set[str]:
    """Top-level modules and folders, and the modules inside each folder (not its
    ``__init__.py``; files under ``resources/`` and ``static/`` are data)."""
    names = {
        p.name for p in PACKAGE.iterdir() if p.suffix == ".py" or (p.is_dir() and p.name != "__pycache__")
    }
    for folder in PACKAGE.iterdir():
        if folder.is_dir() and folder.name not in ("resources", "__pycache__"):
            names |= {p.name for p in folder.glob("*.py") if p.name != "__init__.py"}
    return names


def test_every_module_and_folder_is_in_the_layout() -> None:
    layout = _layout()
    words = set(re.findall(r"[\w.]+", layout)) | {w.rstrip(".") for w in re.findall(r"[\w.]+", layout)}
    folders = {m.rstrip("/") for m in re.findall(r"\b\w+/", layout)}
    missing = sorted(
        n for n in _names_in_tree() if n not in words and n.removesuffix(".py") not in folders | words
    )
    assert not missing, f"README layout lacks {missing}"


def test_the_layout_names_no_module_that_is_gone() -> None:
    named = set(re.findall(r"\b(\w+\.py)\b", _layout()))
    present = {p.name for p in PACKAGE.rglob("*.py")}
    assert named <= present, f"README layout names {sorted(named - present)}, which are not in cxnlp/"
