"""One entry point for every input: files, folders, formats, and ids unique across a run.

:func:`read_transcripts` checks every input up front (exists, has a format we read, has
the columns we need) and raises :class:`~cxnlp.ingest.rejects.InputError` before yielding
anything, so a typo in the fifth path does not surface after four files were scored.
Then it streams: each record read yields exactly one item, a
:class:`~cxnlp.model.Transcript` or a :class:`~cxnlp.model.Reject`, so

    transcripts + rejects == records read

always holds and the caller counts by counting what it receives.
"""

from __future__ import annotations

import fnmatch
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cxnlp.ingest import vendors
from cxnlp.ingest.abredial import looks_like_abredial, read_abredial
from cxnlp.ingest.detect import MAX_SNIFF_BYTES, detect_format
from cxnlp.ingest.jsonl import DAMAGED_STREAM_ERRORS, open_jsonl_text, read_jsonl
from cxnlp.ingest.rejects import DamagedFileError, InputError
from cxnlp.ingest.stc3 import read_stc3
from cxnlp.ingest.table import (
    CSV_SUFFIXES,
    PARQUET_SUFFIXES,
    check_table_columns,
    read_table,
    table_columns,
)
from cxnlp.limits import SizeLimits, size_error
from cxnlp.model import Reject, Transcript

logger = logging.getLogger(__name__)

PathLike = str | Path

#: Formats by name, with the file endings each is chosen for when ``format`` is not given.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "jsonl": (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"),
    "table": (*CSV_SUFFIXES, *PARQUET_SUFFIXES),
    "stc3": (".json",),
    "abredial": CSV_SUFFIXES,
    **vendors.SUFFIXES,
}
_READERS: dict[str, Callable[[Path], Iterator[Transcript | Reject]]] = {
    "jsonl": read_jsonl,
    "table": read_table,
    "stc3": read_stc3,
    "abredial": read_abredial,
    **vendors.READERS,
}
#: Every format name ``format=`` takes; ``auto`` (the default) chooses per file.
FORMATS: tuple[str, ...] = ("auto", *_READERS)
_ACCEPTED = (
    "JSON lines (.jsonl, .ndjson, .jsonl.gz), long tables (.csv, .parquet, .pq: "
    "transcript_id, turn_index, speaker, text), STC-3 (.json), AB-ReDial (.csv), vendor "
    "exports (.json: Transcribe, Contact Lens, CCAI, Genesys, Deepgram, AssemblyAI, "
    "WhisperX) and captions (.vtt, .srt); or name the format with --format (format= in "
    "Python), one of " + ", ".join(repr(f) for f in FORMATS)
)


@dataclass(frozen=True, slots=True)
class _Input:
    path: Path
    format: str
    #: Why a file of a folder that looks like input is not read (it becomes a reject).
    skipped: str | None = None


def read_transcripts(
    paths: PathLike | Sequence[PathLike],
    *,
    format: str | None = None,
    limits: SizeLimits | None = None,
    include: str | None = None,
) -> Iterator[Transcript | Reject]:
    """Read transcripts from files or folders, one item per record.

    Parameters
    ----------
    paths
        A file, a folder (its files with a known ending, sorted by name, not recursive),
        or a sequence of them.
    format
        Force a format for every file: one of :data:`FORMATS` (``"jsonl"``, ``"table"``,
        ``"stc3"``, ``"abredial"``, ``"transcribe"``, ``"contact-lens"``, ``"ccai"``,
        ``"genesys"``, ``"deepgram"``, ``"assemblyai"``, ``"whisperx"``, ``"vtt"``,
        ``"srt"``). None or ``"auto"`` chooses per file
        (:func:`cxnlp.ingest.detect.detect_format`): ``.jsonl``/``.ndjson`` (also ``.gz``)
        are JSON lines; ``.csv`` is a long table, or AB-ReDial when its header has
        ``ConvId`` and ``utterance0``; ``.parquet``/``.pq`` are long tables; anything else
        by its content (STC-3, a vendor's JSON export, WebVTT, SRT).
    limits
        The most characters a turn and a transcript may have
        (:class:`~cxnlp.limits.SizeLimits`; its defaults when None). A transcript
        over a limit is rejected here, before anyone parses it.
    include
        A file-name pattern (``"*.json"``) for the files taken from folders: other files
        there are left alone, so a folder that also holds label tables or a README can be
        read. Files named one by one are always read.

    Returns
    -------
    Iterator of Transcript | Reject
        Streams in file order. A transcript whose id was already read in this call
        (from any of its files) is turned into a Reject ("duplicate transcript id; first
        seen at file:line N"), since results are keyed by id. A file that turns out to be
        damaged part-way (cut off, corrupt compression or Parquet pages, an unterminated
        CSV quote) yields one Reject for everything from the damaged point on, after the
        records before it.

    Raises
    ------
    InputError
        At call time, before anything is yielded, for a missing or unreadable path, a
        folder with no readable file, an unknown ending or format, a ``.gz`` file that is
        not gzip, or a table without its key columns.
    """
    inputs = _plan(paths, format, include)
    return _stream(inputs, limits if limits is not None else SizeLimits())


def load_transcript(
    source: str | Path | Sequence[str | Path],
    transcript_id: str,
    *,
    format: str | None = None,
    progress: Callable[[int], object] | None = None,
) -> Transcript:
    """Read one transcript by id from a file (streams; stops at the first match).

    Parameters
    ----------
    source
        Path(s) that :func:`read_transcripts` reads.
    transcript_id
        The ``id`` of the transcript wanted.
    format
        Input format when the extension does not say (``"stc3"``...).
    progress
        Called with 1 for each record read (a progress bar's callback).

    Raises
    ------
    ValueError
        When no transcript in ``source`` has that id.
    """
    for item in read_transcripts(source, format=format):
        if progress is not None:
            progress(1)
        if isinstance(item, Transcript) and item.id == str(transcript_id):
            return item
    where = ", ".join(map(str, source)) if isinstance(source, list | tuple) else str(source)
    raise ValueError(
        f"transcript {str(transcript_id)!r} is not in {where} (or was rejected); "
        "expected an id from that file. Check the id (ids are strings, e.g. 'T0001')."
    )


def plan_formats(
    paths: PathLike | Sequence[PathLike], *, format: str | None = None, include: str | None = None
) -> list[tuple[Path, str]]:
    """``(file, format)`` for every file :func:`read_transcripts` would read, in order.

    Checks what :func:`read_transcripts` checks (so it raises the same InputError), and
    lets a caller say which formats ``auto`` chose before anything is read.
    """
    return [(item.path, item.format) for item in _plan(paths, format, include) if item.skipped is None]


def expand_inputs(paths: PathLike | Sequence[PathLike], *, include: str | None = None) -> list[Path]:
    """The files :func:`read_transcripts` would read from ``paths``, without reading them.

    Raises
    ------
    InputError
        For a missing path or a folder with no file of a known ending.
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    return [file for raw in paths for file in _expand(Path(raw), None, include)]


def _stream(inputs: list[_Input], limits: SizeLimits) -> Iterator[Transcript | Reject]:
    first_seen: dict[str, str] = {}
    for item in inputs:
        if item.skipped is not None:
            yield Reject(source=str(item.path), reason=item.skipped)
            continue
        n_transcripts = n_rejects = 0
        for record in _read_guarded(item):
            if isinstance(record, Transcript):
                error = size_error(record, limits)
                if error is not None:
                    record = error.to_reject(record.source or str(item.path))
            record = _check_unique(record, first_seen)
            if isinstance(record, Reject):
                n_rejects += 1
            else:
                n_transcripts += 1
            yield record
        logger.info(
            "read %s (%s): %d transcript(s), %d reject(s)",
            item.path,
            item.format,
            n_transcripts,
            n_rejects,
        )


def _read_guarded(item: _Input) -> Iterator[Transcript | Reject]:
    """The reader's items; anything it raises part-way becomes one reject for the rest.

    Readers reject what they recognise with a precise position; this is the net for the
    rest (a reader bug included), so one damaged file never ends a run with a traceback.
    """
    last: str | None = None
    try:
        for record in _READERS[item.format](item.path):
            last = record.source
            yield record
    except Exception as err:
        where = f"after {last}" if last else "from its start"
        logger.warning("stopped reading %s %s: %s: %s", item.path, where, type(err).__name__, err)
        yield Reject(
            source=f"{item.path}:{where}",
            reason=(
                f"Got a file that cannot be read {where} ({type(err).__name__}: "
                f"{' '.join(str(err).splitlines())}); expected a complete, well-formed file. "
                "Everything from that point on is rejected; export or copy the file again."
            ),
        )


def _check_unique(record: Transcript | Reject, first_seen: dict[str, str]) -> Transcript | Reject:
    # Rejected records with a readable id count too: an id must name one record, and
    # fixing the first would otherwise turn the second into a silent duplicate.
    record_id = record.id if isinstance(record, Transcript) else record.record_id
    if record_id is None:
        return record
    source = record.source or "<unknown>"
    earlier = first_seen.setdefault(record_id, source)
    if earlier == source or isinstance(record, Reject):
        return record
    return Reject(
        source=source,
        reason=f"duplicate transcript id; first seen at {earlier}",
        record_id=record_id,
        field="id",
    )


def _plan(
    paths: PathLike | Sequence[PathLike], format: str | None, include: str | None = None
) -> list[_Input]:
    if format == "auto":
        format = None
    if format is not None and format not in _READERS:
        raise InputError(
            f"Got format {format!r}; expected one of {', '.join(map(repr, FORMATS))}, "
            "or None to choose by file ending and content."
        )
    if isinstance(paths, str | Path):
        paths = [paths]
    if not paths:
        raise InputError(f"Got no paths; expected at least one file or folder. Accepted: {_ACCEPTED}.")
    inputs: list[_Input] = []
    seen: set[Path] = set()
    for raw in paths:
        if isinstance(raw, str) and not raw.strip():
            raise InputError(f"Got an empty path; expected a file or folder. Accepted: {_ACCEPTED}.")
        path = Path(raw)
        files = _expand(path, format, include)
        if path.is_dir():
            inputs.extend(_Input(file, "", why) for file, why in _not_read(path, format, include))
        for file in files:
            key = file.resolve()
            if key in seen:
                logger.warning("skipping %s: given more than once", file)
                continue
            seen.add(key)
            _probe(file)
            try:
                fmt = _format_of(file, format)
            except DamagedFileError as err:
                if not path.is_dir():
                    raise
                # One cut-off export in a nightly folder: a reject naming it, not the night lost.
                inputs.append(_Input(file, "", f"{err} The file was not read."))
                continue
            except InputError as err:
                if not path.is_dir() or include is not None or "--glob" in str(err):
                    raise
                raise InputError(f"{err} {_glob_hint(path, file)}") from err
            inputs.append(_Input(file, fmt))
    return inputs


def _glob_hint(folder: Path, odd: Path) -> str:
    """What to say about a file of ``folder`` that is not a transcript (a label table)."""
    endings = Counter(
        p.suffix.lower()
        for p in folder.iterdir()
        if p.suffix and p.suffix.lower() != odd.suffix.lower() and p.is_file()
    )
    pattern = (
        f"--glob '*{endings.most_common(1)[0][0]}'" if endings else "--glob with a pattern that leaves it out"
    )
    return (
        f"It is one of the files of the folder {str(folder)!r}; to read only the transcripts "
        f"there, give {pattern} (or name the transcript files)."
    )


def _probe(path: Path) -> None:
    """Read the first byte (decompressed for ``.gz``), so an unreadable file fails now."""
    try:
        if path.name.lower().endswith(".gz"):
            with open_jsonl_text(path) as handle:
                handle.read(1)
        else:
            with path.open("rb") as handle:
                _check_not_utf16(path, handle.read(4))
    except DAMAGED_STREAM_ERRORS as err:
        raise InputError(
            f"Got {str(path)!r}, which cannot be read ({type(err).__name__}: {err}); expected "
            "a readable file (gzip data when it ends in .gz). Check its permissions, or "
            "rename a file that is not compressed."
        ) from err


def _check_not_utf16(path: Path, head: bytes) -> None:
    """Refuse UTF-16/32 text once, not with one reject per line or row."""
    if _ending(path, PARQUET_SUFFIXES) is not None or len(head) < 2:
        return
    text = bytes(range(0x20, 0x7F)) + b"\t\r\n"
    little = len(head) == 4 and head[1] == head[3] == 0 and head[0] in text and head[2] in text
    big = len(head) == 4 and head[0] == head[2] == 0 and head[1] in text and head[3] in text
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or little or big:
        raise InputError(
            f"Got {str(path)!r}, which is UTF-16 (or UTF-32) text; expected UTF-8. Re-export "
            "the file as UTF-8."
        )


def _expand(path: Path, format: str | None, include: str | None = None) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.exists():
        raise InputError(
            f"Got path {str(path)!r}, which does not exist; expected a file or folder of "
            f"transcripts. Accepted: {_ACCEPTED}."
        )
    if not path.is_dir():
        raise InputError(
            f"Got path {str(path)!r}, which is not a regular file or folder; "
            f"expected a file or folder. Accepted: {_ACCEPTED}."
        )
    endings = SUFFIXES[format] if format else tuple({s for v in SUFFIXES.values() for s in v})
    files = sorted(
        p
        for p in path.iterdir()
        if p.is_file()
        and not p.name.startswith(".")
        and (fnmatch.fnmatch(p.name, include) if include is not None else _ending(p, endings) is not None)
    )
    if not files:
        wanted = (
            f"files matching {include!r}"
            if include is not None
            else (f"files ending in {', '.join(sorted(endings))}")
        )
        raise InputError(
            f"Got folder {str(path)!r} with no file to read; expected {wanted}. Accepted: {_ACCEPTED}."
        )
    return files


#: Compressed endings: a folder's file ending in one of these that is not read is reported.
COMPRESSED_SUFFIXES: tuple[str, ...] = (".gz", ".bz2", ".xz", ".zst", ".zip", ".7z")


def _not_read(path: Path, format: str | None, include: str | None) -> list[tuple[Path, str]]:
    """Entries of folder ``path`` that look like input but are not read, with why: a
    broken link or other non-file whose name would be read, and (without ``include``) a
    compressed file of an ending that is not read compressed (``.json.gz``, ``.csv.gz``).
    Each becomes a reject, so a missing nightly file is noticed (docs/formats.md)."""
    endings = SUFFIXES[format] if format else tuple({s for v in SUFFIXES.values() for s in v})
    out = []
    for p in sorted(path.iterdir()):
        if p.name.startswith("."):
            continue
        named = fnmatch.fnmatch(p.name, include) if include is not None else _ending(p, endings) is not None
        stem = p.name.lower().rsplit(".", 1)[0]
        compressed = (
            include is None
            and not named
            and p.name.lower().endswith(COMPRESSED_SUFFIXES)
            and stem.endswith(tuple({*endings, *SUFFIXES["stc3"], *SUFFIXES["table"], *SUFFIXES["jsonl"]}))
        )
        if p.is_file():
            if compressed:
                out.append(
                    (
                        p,
                        f"Got a compressed file of an ending that is not read ({p.name!r}); expected "
                        f"one of {', '.join(sorted(endings))}. Decompress it, or re-export it as "
                        ".jsonl.gz; the file was not read.",
                    )
                )
            continue
        if not (named or compressed) or p.is_dir():
            continue
        what = "a broken symbolic link" if p.is_symlink() and not p.exists() else "not a regular file"
        out.append(
            (
                p,
                f"Got {what} ({p.name!r}); expected a readable file. The file was not read; "
                "restore it or remove it from the folder.",
            )
        )
    return out


def _ending(path: Path, endings: Sequence[str]) -> str | None:
    name = path.name.lower()
    matches = [ending for ending in endings if name.endswith(ending)]
    return max(matches, key=len) if matches else None


def _format_of(path: Path, format: str | None) -> str:
    if format == "table":
        if _ending(path, SUFFIXES["table"]) is None:
            raise InputError(
                f"Got {str(path)!r} with --format table; expected a .csv, .parquet or .pq file "
                "(the ending says how to parse it). Rename the file."
            )
        check_table_columns(path, table_columns(path))
        return format
    if format == "abredial" and not looks_like_abredial(table_columns(path)):
        raise InputError(
            f"Got {str(path)!r} with --format abredial but no ConvId/utterance0 columns; "
            "expected AB-ReDial's annotated_dialogues.csv. Check the file or the format."
        )
    if format is not None:
        _check_forced(path, format)
        return format
    return detect_format(path)


_NOT_ONE_DOCUMENT: tuple[type[Exception], ...] = (*DAMAGED_STREAM_ERRORS, ValueError, RecursionError)


def _one_document(path: Path) -> bool:
    try:
        with open_jsonl_text(path) as handle:
            json.loads(handle.read(MAX_SNIFF_BYTES + 1))
    except _NOT_ONE_DOCUMENT:
        return False
    return True


def _kind(format: str) -> str:
    """What a format's file is, as far as forcing one format on another is concerned."""
    if format in ("table", "abredial"):
        return "a table"
    if format in ("jsonl", "vtt", "srt"):
        return format
    return "a JSON document"  # STC-3 and the vendors' exports: the reader judges the shape


def _check_forced(path: Path, format: str) -> None:
    """Refuse a forced format when the file plainly is another one (JSON lines given as a
    vendor export, say): its records would all be rejected for the wrong reason. A file
    that looks like no format (a cut-off export) is read as forced, and rejected there."""
    try:
        detected = detect_format(path)
    except InputError:
        return
    if detected == "jsonl" and _kind(format) == "a JSON document" and _one_document(path):
        return  # a vendor's export named .jsonl: the ending alone does not say
    if _kind(detected) != _kind(format):
        raise InputError(
            f"Got {str(path)!r} with --format {format}, but it is not in that format: it "
            f"reads as {detected}; expected a {format} file. Pass --format {detected}, or "
            "leave --format out to choose per file."
        )
