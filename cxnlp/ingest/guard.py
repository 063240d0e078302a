"""Refuse an output path that would overwrite an input, before anything is read or written.

``cxnlp score calls.jsonl --out calls.jsonl`` once replaced the calls with their scores.
:func:`refuse_overwriting_inputs` compares every output with every input as the files
they really are (relative paths and symlinks resolved, hard links caught by
:func:`os.path.samefile`), and refuses an output that is an existing folder or that two
outputs share. Every command that writes calls it first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from cxnlp.ingest.rejects import InputError


def refuse_overwriting_inputs(inputs: Iterable[str | Path], outputs: Mapping[str, str | Path | None]) -> None:
    """Raise :class:`InputError` if an output would replace an input or another output.

    Parameters
    ----------
    inputs
        Every file the command reads (folders already expanded to their files).
    outputs
        Each file the command writes, by the name the user knows it by
        (``{"--out": ..., "--rejects": ...}``); None entries are skipped.
    """
    seen: dict[Path, str] = {}
    for label, raw in outputs.items():
        if raw is None:
            continue
        out = Path(raw)
        if out.is_dir():
            raise InputError(
                f"Got {label} {str(out)!r}, which is an existing folder; expected a file path. "
                f"Name a file, e.g. {str(out / _example_name(label))!r}."
            )
        if _special_file(out):
            raise InputError(
                f"Got {label} {str(out)!r}, which is a device, pipe or socket, not a file; "
                "expected a file path (cxnlp writes a new file and renames it into place, "
                f"which would replace {str(out)!r}). Name a file, e.g. {_example_name(label)!r}."
            )
        key = out.resolve()
        if key in seen:
            raise InputError(
                f"Got {label} {str(out)!r}, the same file as {seen[key]}; expected a separate "
                f"file for each output. Give {label.split(' ')[0]} another path."
            )
        seen[key] = label
        for source in inputs:
            if _same_file(out, Path(source)):
                raise InputError(
                    f"Got {label} {str(out)!r}, which is the input {str(source)!r}; expected a "
                    f"path that is not an input, which would be destroyed. Give {label.split(' ')[0]} "
                    "another path."
                )


#: Folders of special files: an output renamed into one would replace a device node or a
#: link to one (``--out /dev/null`` run as root once left /dev/null a Parquet file).
_SPECIAL_FOLDERS = (Path("/dev"), Path("/proc"), Path("/sys"))


def _special_file(out: Path) -> bool:
    """True for a path that is a device, pipe or socket, or lies in /dev, /proc or /sys."""
    try:
        if out.exists() and not out.is_file() and not out.is_dir():
            return True
        where = out.absolute().parent.resolve()
    except OSError:
        return False
    return any(where == folder or where.is_relative_to(folder) for folder in _SPECIAL_FOLDERS)


def _example_name(label: str) -> str:
    """A file name to suggest for an output: a rejects file is not a score table."""
    return "rejects.jsonl" if "rejects" in label else "scores.parquet"


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:
        return os.path.samefile(a, b)  # hard links: two names, one file
    except OSError:  # either does not exist yet
        return False


def refuse_store_over_inputs(inputs: Iterable[str | Path], store: str | Path) -> None:
    """Raise :class:`InputError` if ``store`` is an existing file, or holds an input.

    A result store is a folder that ``cxnlp batch`` creates and writes into; an input
    inside it could be swept up by the store's own recovery, and a store path that names
    an input file would be replaced by a folder.
    """
    root = Path(store)
    if root.exists() and not root.is_dir():
        raise InputError(
            f"Got --store {str(root)!r}, which is an existing file; expected a folder (new or "
            "written by cxnlp batch). Give --store a folder path."
        )
    resolved = root.resolve()
    for source in inputs:
        if Path(source).resolve().is_relative_to(resolved):
            raise InputError(
                f"Got --store {str(root)!r}, which holds the input {str(source)!r}; expected "
                "inputs outside the store. Move the inputs or give --store another folder."
            )
