"""The ``cxnlp`` command line: thin wrappers that parse arguments and call the public API.

Heavy modules are imported inside each command so that ``cxnlp --help`` is instant.
Errors in the input (unreadable file, unknown format, bad profile, an output path that is
an input) end with a one-line message and exit code 2, never a traceback.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from cxnlp.limits import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_COMMIT_EVERY,
    DEFAULT_MAX_TRANSCRIPT_CHARS,
    DEFAULT_MAX_TURN_CHARS,
)

if TYPE_CHECKING:  # pragma: no cover
    from cxnlp.frame_checks import MissingColumnsError

EXIT_CODES = (
    "Exit codes: 0 done (bad records, if any, are in the rejects file); 2 refused before "
    "anything was written (an input that cannot be read at all, a bad option, an output "
    "path that is an input, another output or an existing folder), or a store or output "
    "that cannot be written (read-only, disk full: what was committed is kept); 3 done, "
    "but more records rejected than --max-reject-share allows (the outputs are kept); "
    "130 interrupted (Ctrl-C): one line says what was kept."
)

app = typer.Typer(
    name="cxnlp",
    help="Score customer-service transcripts and calibrate the scores against people.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

INPUT_ERROR_EXIT = 2
#: Share of rejected records above which ``score`` warns.
WARN_REJECT_SHARE = 0.10
#: Exit code of a run that finished but rejected more than ``--max-reject-share``.
TOO_MANY_REJECTS_EXIT = 3


#: Exit code of a run stopped by Ctrl-C (SIGINT), as shells report it.
INTERRUPTED_EXIT = 130


#: Set once a command has said what an interruption kept (main() says it otherwise).
_interrupt_reported = False


def _interrupted(message: str) -> NoReturn:
    global _interrupt_reported
    typer.echo(f"interrupted: {message}", err=True)
    _interrupt_reported = True
    raise typer.Exit(INTERRUPTED_EXIT)


def _fail(message: str) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(INPUT_ERROR_EXIT)


def _refuse_overwrite(inputs: list[Path], outputs: dict[str, Path | None]) -> None:
    """Exit 2 if an output would replace an input (see cxnlp.ingest.guard)."""
    from cxnlp.ingest import InputError
    from cxnlp.ingest.guard import refuse_overwriting_inputs

    try:
        refuse_overwriting_inputs([p for p in inputs if p is not None], outputs)
    except InputError as exc:
        _fail(str(exc))


def _check_brand(brand: Path | None) -> None:
    """Read the brand profile now, so that a bad one is refused before anything is scored."""
    if brand is not None:
        from cxnlp.dimensions.brand import load_brand_profile

        load_brand_profile(brand)  # BrandProfileError is a ValueError: one line, exit 2


def _check_privacy_allow(path: Path | None) -> None:
    """Read ``--privacy-allow`` now: a bad file exits 2 with one line naming it and the field."""
    if path is not None:
        from cxnlp.privacy.allow import PrivacyAllowError, load_allow_list

        try:
            load_allow_list(path)
        except PrivacyAllowError as exc:
            _fail("--privacy-allow: " + " ".join(str(exc).split()))


def _checked_scorer(brand: Path | None, **options: Any) -> Any:
    """A :class:`~cxnlp.scoring.Scorer` for ``brand``, refusing a bad profile before any scoring."""
    from cxnlp.scoring import Scorer

    _check_brand(brand)
    return Scorer(brand=brand, **options)


def _unwritable(exc: OSError, where: Path) -> None:
    """Exit 2 with one line for a write that failed (full disk, read-only folder)."""
    _fail(
        f"Got {exc.strerror or type(exc).__name__} writing {str(exc.filename or where)!r}; expected "
        f"a writable {where} with free space. What was committed is kept: free space or fix "
        "the permissions and run again."
    )


#: Column headers short enough for an 80-column terminal.
SHORT_HEADERS = {
    "transcript_id": "transcript",
    "interaction_score": "interaction",
    "brand_congruence": "brand",
    "answer_completeness": "answers",
    "proactive_connection": "proactive",
    "filler_content": "filler %",
}

CONFIG_HELP = (
    "Result store only: read this configuration id (see 'cxnlp runs'); default: the newest completed run's."
)


#: Environment that quiets libraries before they are imported (progress bars of model
#: loading, transformers' advisories, Dask's INFO lines in worker processes too).
_QUIET_ENV = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TQDM_DISABLE": "1",
    "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "warning",
}


class _OnlyOurs(logging.Filter):
    """Let through cxnlp's own records and any error; third-party warnings and info are noise.

    onnxruntime's quantiser warns through the root logger and Dask logs INFO lines per
    worker: none of it helps a user of the command line, and ``--verbose`` shows it all.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR or record.name.split(".")[0] == "cxnlp"


def _setup_logging(verbose: bool, redact: bool = True, privacy_allow: Path | None = None) -> None:
    """Log to stderr, every line redacted like the outputs (security codes always removed)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    from cxnlp.privacy.logs import redact_logs
    from cxnlp.privacy.redactor import default_redactor

    redact_logs(default_redactor(redact, privacy_allow))
    if verbose:
        return
    import os

    for key, value in _QUIET_ENV.items():
        os.environ.setdefault(key, value)
    for name in ("distributed", "dask", "transformers", "sentence_transformers", "huggingface_hub"):
        logging.getLogger(name).setLevel(logging.ERROR)
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, _OnlyOurs) for f in handler.filters):
            handler.addFilter(_OnlyOurs())


REDACT_HELP = (
    "Redact personal data (cards, names, phones, addresses...) from everything written, "
    "with typed placeholders; scores are unchanged. Card security codes are removed even with --no-redact."
)


SERVE_REDACT_HELP = (
    "Redact personal data from every text a response quotes (evidence, metadata, the review "
    "page's call, rejects, comments) and from the logs; --no-redact shows raw text. Card "
    "security codes are removed either way."
)


FORMAT_HELP = (
    "Input format: auto (by ending, then content; says which on stderr), jsonl, table, "
    "stc3, abredial, transcribe, contact-lens, ccai, genesys, deepgram, assemblyai, "
    "whisperx, vtt or srt. See docs/formats.md."
)


def _check_format(format: str) -> None:
    from cxnlp.ingest.readers import FORMATS

    if format not in FORMATS:
        _fail(f"Got --format {format!r}; expected one of {', '.join(FORMATS)}.")


def _auto_formats(inputs: list[Any], format: str, include: str | None) -> str | None:
    """The stderr line naming the formats ``auto`` chose (InputError when a file has none).

    Printed once the run is done, beside its summary: a refused run says one line only.
    """
    if format != "auto":
        return None
    from collections import Counter

    from cxnlp.ingest.readers import plan_formats

    chosen = Counter(fmt for _, fmt in plan_formats(inputs, format="auto", include=include))
    parts = ", ".join(f"{fmt} ({n} file{'s' if n != 1 else ''})" for fmt, n in chosen.items())
    return f"format auto: read as {parts}"


MAX_TURN_HELP = "Longest turn, in characters; a transcript with a longer one is rejected unparsed."
MAX_TRANSCRIPT_HELP = "Longest transcript (all turns), in characters; a longer one is rejected unparsed."

# Options several commands share, declared once: the same flag, help and checks everywhere.
BrandOption = Annotated[
    Path | None, typer.Option(help="Brand profile (YAML or TOML); the packaged default if omitted.")
]
EmbeddingOption = Annotated[
    str, typer.Option(help="Sentence-encoder backend: torch (default), onnx-int8 (fast CPU) or onnx.")
]
BatchSizeOption = Annotated[int, typer.Option(help="Transcripts parsed and embedded together.")]
SlotVectorsOption = Annotated[
    bool,
    typer.Option(help="Write the slot_vectors column sentence-evidence calibrators read (about 4 kB a row)."),
]
MaxTurnCharsOption = Annotated[int, typer.Option(min=1, help=MAX_TURN_HELP)]
MaxTranscriptCharsOption = Annotated[int, typer.Option(min=1, help=MAX_TRANSCRIPT_HELP)]
FormatOption = Annotated[str, typer.Option("--format", help=FORMAT_HELP)]
RedactOption = Annotated[bool, typer.Option(help=REDACT_HELP)]
GlobOption = Annotated[
    str | None,
    typer.Option(
        "--glob",
        help="Read only files matching this pattern from input folders (e.g. '*.json'), "
        "so a folder that also holds label tables or READMEs is not an error.",
    ),
]
PrivacyAllowOption = Annotated[
    Path | None,
    typer.Option(
        "--privacy-allow",
        help="Allow-list of words never redacted as a name (your company, brands, products), "
        "shaped like cxnlp/resources/privacy_allow.yaml; the packaged one if omitted. See docs/privacy.md.",
    ),
]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Log progress details.")]


@app.command(epilog=EXIT_CODES)
def score(
    inputs: Annotated[
        list[Path], typer.Argument(help="Transcript files: JSONL, CSV/Parquet turn tables, STC-3 JSON.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output table (.parquet default, .csv or .jsonl).")
    ],
    brand: BrandOption = None,
    rejects: Annotated[
        Path | None, typer.Option(help="Rejects file (JSON lines); default: <out>.rejects.jsonl.")
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option(help="Calibration dir or file from 'cxnlp calibrate': adds <target>_pred columns."),
    ] = None,
    embedding: EmbeddingOption = "torch",
    batch_size: BatchSizeOption = DEFAULT_BATCH_SIZE,
    slot_vectors: SlotVectorsOption = True,
    max_turn_chars: MaxTurnCharsOption = DEFAULT_MAX_TURN_CHARS,
    max_transcript_chars: MaxTranscriptCharsOption = DEFAULT_MAX_TRANSCRIPT_CHARS,
    format: FormatOption = "auto",
    glob: GlobOption = None,
    redact: RedactOption = True,
    privacy_allow: PrivacyAllowOption = None,
    max_reject_share: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Exit 3 when more than this share of records is rejected (e.g. 0.2); "
            f"without it, a warning above {WARN_REJECT_SHARE:.0%}.",
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Score every transcript in INPUTS on the four dimensions and write one row per transcript.

    A record that cannot be scored goes to the rejects file with its source and reason;
    the rest are scored.
    """
    _check_privacy_allow(privacy_allow)
    _setup_logging(verbose, redact, privacy_allow)
    from cxnlp.ingest import InputError
    from cxnlp.ingest.guard import refuse_overwriting_inputs
    from cxnlp.ingest.readers import expand_inputs
    from cxnlp.io import output_format
    from cxnlp.runs import default_rejects_path, score_files

    transform = None
    _check_format(format)
    try:
        output_format(out)
        # Before anything else reads or loads: an output must never replace an input.
        # The rejects file the user did not name is still named by its option, so the
        # refusal says how to send rejects elsewhere (--rejects PATH).
        rejects_label = "--rejects" if rejects is not None else "--rejects (default: beside --out)"
        outputs = {"--out": out, rejects_label: rejects or default_rejects_path(out)}
        refuse_overwriting_inputs(expand_inputs(inputs, include=glob), outputs)
        _refuse_empty_inputs(expand_inputs(inputs, include=glob))
        chosen = _auto_formats(inputs, format, glob)
        scorer = _checked_scorer(
            brand,
            batch_size=batch_size,
            embedding=embedding,
            slot_vectors=slot_vectors,
            max_turn_chars=max_turn_chars,
            max_transcript_chars=max_transcript_chars,
            redact=redact,
            privacy_allow=privacy_allow,
        )
        if calibration is not None:
            transform = _calibration_transform(calibration, slot_vectors=slot_vectors)
    except (ValueError, OSError) as exc:  # InputError is a ValueError
        _fail(str(exc))
    except KeyboardInterrupt:  # Ctrl-C while models load: nothing was read or written yet
        _interrupted("nothing written; re-run the same command")
    try:
        with _progress("scoring", counts="records done") as bar:
            summary = score_files(
                inputs,
                out,
                scorer=scorer,
                rejects=rejects,
                progress=bar.callback,
                transform=transform,
                format=format,
                include=glob,
            )
    except InputError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(
            f"Got {exc.strerror or type(exc).__name__} writing {str(exc.filename or out)!r}; expected "
            f"a writable folder with free space for --out and --rejects. Nothing was published "
            f"({out} is written whole at the end): free space, fix the permissions or choose "
            "other paths, and run again."
        )
    except KeyboardInterrupt:
        _interrupted(f"nothing written ({out} is written whole at the end); re-run the same command")
    if chosen:
        typer.echo(chosen, err=True)
    typer.echo(summary.line())
    if summary.read == 0:
        _fail(
            f"Got no transcript records in {', '.join(map(str, inputs))}; expected at least one. "
            "Check the files and --format."
        )
    typer.echo(f"wrote {summary.out}" + (f"; rejects in {summary.rejects}" if summary.rejected else ""))
    _check_reject_share(summary.rejected, summary.read, max_reject_share, summary.rejects)


def _check_reject_share(rejected: int, read: int, limit: float | None, where: Any) -> None:
    """Warn above 10 % rejected; exit 3 above ``--max-reject-share`` (outputs are kept)."""
    if not read or not rejected:
        return
    share = rejected / read
    line = f"{rejected} of {read} records ({share:.0%}) were rejected; reasons in {where}"
    if limit is not None and share > limit:
        typer.secho(f"error: {line}, above --max-reject-share {limit:g}.", fg=typer.colors.RED, err=True)
        raise typer.Exit(TOO_MANY_REJECTS_EXIT)
    if share > WARN_REJECT_SHARE:
        typer.secho(f"warning: {line}.", fg=typer.colors.YELLOW, err=True)


def _refuse_empty_inputs(paths: list[Path]) -> None:
    """Exit 2 for an input file with nothing in it (zero bytes or only whitespace)."""
    for path in paths:
        if not path.is_file():
            continue
        size = path.stat().st_size
        if size == 0 or (size < 65_536 and not path.read_bytes().strip()):
            _fail(f"Got an empty input file {str(path)!r}; expected transcript records. Check the file.")


def _calibration_transform(path: Path, *, slot_vectors: bool = True):
    from cxnlp.calibration.workflow import apply_calibration, load_calibration

    calibrations = load_calibration(path)
    needing = [t for t, c in calibrations.items() if c.uses_sentence_evidence]
    if needing and not slot_vectors:
        raise ValueError(
            f"calibrator(s) {needing} in {path} read learned sentence evidence, which "
            "--no-slot-vectors leaves out; drop --no-slot-vectors or use another calibration."
        )
    return lambda frame: apply_calibration(frame, calibrations)


def _parse_scales(specs: list[str]) -> dict[str, str]:
    scales = {}
    for spec in specs:
        column, sep, scale = spec.partition("=")
        if not sep or not column or not scale:
            _fail(f"Got --scale {spec!r}; expected COLUMN=MIN-MAX, e.g. survey_rating=1-5.")
        scales[column] = scale
    return scales


def _read_any_table(path: Path, what: str):
    from cxnlp.io import read_frame
    from cxnlp.service.reviews import is_review_folder, read_reviews

    if is_review_folder(path):  # STORE/reviews, the review table 'cxnlp serve' writes
        return read_reviews(path)
    if not path.is_file():
        _fail(f"{what} {str(path)!r} does not exist.")
    try:
        return read_frame(path)
    except ValueError as exc:
        _fail(f"{what} {str(path)!r}: {exc}")


@app.command()
def calibrate(
    scores: Annotated[Path, typer.Argument(help="Score table written by 'cxnlp score'.")],
    labels: Annotated[
        list[Path], typer.Argument(help="Label tables (CSV/Parquet) with transcript_id and human columns.")
    ],
    target: Annotated[
        list[str], typer.Option("--target", "-t", help="Human column to calibrate against (repeatable).")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write calibrators into.")],
    scale: Annotated[
        list[str], typer.Option(help="Declare a target's scale, e.g. survey_rating=1-5 (repeatable).")
    ] = [],  # noqa: B006 - typer needs a literal default
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    n_boot: Annotated[int, typer.Option(help="Bootstrap replicates for the 95% intervals.")] = 500,
) -> None:
    """Fit a calibrator per target, report cross-validated agreement, write calibrators and cards."""
    _setup_logging(False)
    from cxnlp.calibration.workflow import calibrate as run_calibration
    from cxnlp.calibration.workflow import calibration_files

    if out.exists() and not out.is_dir():
        _fail(f"Got --out {str(out)!r}, which is an existing file; expected a folder. Give --out a folder.")
    _refuse_overwrite([scores, *labels], dict(calibration_files(out, target)))

    with _progress("reading the score and label tables", counting=False) as bar:
        frame = _read_any_table(scores, "score table")
        label_frames = [_read_any_table(p, "label table") for p in labels]
        try:
            results = run_calibration(
                frame,
                label_frames,
                targets=target,
                out_dir=out,
                scales=_parse_scales(scale),
                cv=folds,
                n_boot=n_boot,
                data_description=f"scores: {scores}; labels: {', '.join(map(str, labels))}",
                progress=bar.stage,
            )
        except ValueError as exc:
            _fail(str(exc))
    _print_agreement({t: r.agreement for t, r in results.items()})
    typer.echo(f"wrote calibrators, model cards and agreement.csv to {out}")


@app.command()
def agreement(
    scores: Annotated[Path, typer.Argument(help="Score table with calibrated <target>_pred columns.")],
    labels: Annotated[list[Path], typer.Argument(help="Label tables with transcript_id and human columns.")],
    target: Annotated[list[str], typer.Option("--target", "-t", help="Human column (repeatable).")],
    calibration: Annotated[
        Path | None, typer.Option(help="Apply this calibration first (when SCORES has no _pred columns).")
    ] = None,
    scale: Annotated[list[str], typer.Option(help="Declare a target's scale, e.g. survey_rating=1-5.")] = [],  # noqa: B006
    out: Annotated[
        Path | None, typer.Option(help="Also write the table (CSV; Parquet or JSONL by ending).")
    ] = None,
    n_boot: Annotated[int, typer.Option(help="Bootstrap replicates for the 95% intervals.")] = 500,
) -> None:
    """Agreement of calibrated predictions with human labels the calibrator was NOT fitted on."""
    _setup_logging(False)
    _refuse_overwrite([scores, *labels], {"--out": out})
    import pandas as pd

    from cxnlp.calibration.agreement import agreement_table
    from cxnlp.calibration.workflow import (
        DIMENSION_COLUMNS,
        SUBGROUP_COLUMNS,
        apply_calibration,
        load_calibration,
        merge_labels,
    )

    frame = _read_any_table(scores, "score table")
    calibrations = {}
    try:
        if calibration is not None:
            calibrations = load_calibration(calibration)
            frame = apply_calibration(frame, calibrations)
        available = merge_labels([_read_any_table(p, "label table") for p in labels])
        scales = _parse_scales(scale)
        tables = {}
        for name in target:
            if name not in available:
                _fail(
                    f"--target {name}: no label table has a numeric column {name!r}; "
                    f"found {sorted(available)}."
                )
            if name in calibrations:
                _warn_training_overlap(calibrations[name], available[name], name, calibration)
            elif calibration is None:
                typer.echo(
                    f"note: {name}_pred came with the score table, so the labels cannot be checked "
                    "against the ids the calibration was fitted on; pass --calibration DIR to check.",
                    err=True,
                )
            tables[name] = agreement_table(
                available[name],
                frame.assign(transcript_id=frame["transcript_id"].astype(str)),
                targets={name: f"{name}_pred"},
                scales={name: scales[name]} if name in scales else None,
                dimension_cols=[c for c in DIMENSION_COLUMNS if c in frame.columns],
                groups_cols=[c for c in SUBGROUP_COLUMNS if c in frame.columns] or None,
                n_boot=n_boot,
            )
    except ValueError as exc:
        _fail(str(exc))
    _print_agreement(tables)
    if out is not None:
        _write_frame(pd.concat(tables.values(), ignore_index=True), out)


def _warn_training_overlap(calibration: Any, labels: Any, target: str, path: Path | None) -> None:
    """Warn when the labels include transcripts the calibrator was fitted on (in-sample)."""
    ids = labels["transcript_id"].astype(str).unique()
    seen = calibration.training_overlap(ids)
    if seen:
        typer.secho(
            f"warning: {seen} of {len(ids)} transcripts labelled {target!r} were used to fit the "
            f"calibration in {path}; agreement on them is in-sample and optimistic. Use labels "
            "the calibration was not fitted on.",
            fg=typer.colors.YELLOW,
            err=True,
        )


def _print_agreement(tables) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for target, frame in tables.items():
        main = frame[
            frame["comparison"].isin(["machine-mean", "human-human", "machine-humans", "machine-outcome"])
        ]
        table = Table("comparison", "metric", "value", "95% CI", "n", "flag", title=f"agreement: {target}")
        for row in main.itertuples():
            ci = "" if row.ci_low != row.ci_low else f"[{row.ci_low:.3f}, {row.ci_high:.3f}]"
            table.add_row(
                row.comparison, row.metric, f"{row.value:.3f}", ci, str(row.n), row.flag_reason or ""
            )
        console.print(table)
        flagged = frame[(frame["comparison"] == "subgroup") & frame["flag"].astype(bool)]
        for row in flagged.itertuples():
            console.print(f"[yellow]subgroup {row.subgroup_col}={row.subgroup}: {row.flag_reason}[/]")


@app.command()
def show(
    scores: Annotated[
        Path, typer.Argument(help="A score table written by 'cxnlp score', or a result-store folder.")
    ],
    transcript_id: Annotated[
        str | None, typer.Option("--id", help="Show this transcript's evidence, finding by finding.")
    ] = None,
    worst: Annotated[int, typer.Option(help="How many of the lowest-scoring calls to list.")] = 5,
    config: Annotated[str | None, typer.Option("--config", help=CONFIG_HELP)] = None,
) -> None:
    """Summarise a score table, or show the evidence behind one transcript's scores."""
    _setup_logging(False)
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from cxnlp.batch.store import StoreError
    from cxnlp.io import read_scores
    from cxnlp.schema import DIMENSION_COLUMNS, SCORE_COLUMN
    from cxnlp.scoring import evidence_frame
    from cxnlp.terminal import cell, fit_table

    try:
        frame = read_scores(scores, config_id=config)
    except (StoreError, ValueError, OSError) as exc:
        # read_scores names the path in its own messages; a reader library's error does not.
        _fail(str(exc) if str(scores) in str(exc) else f"score table {str(scores)!r} cannot be read: {exc}")
    missing = [c for c in ("transcript_id", SCORE_COLUMN, *DIMENSION_COLUMNS) if c not in frame.columns]
    if missing:
        _fail(
            f"Got {str(scores)!r} without the score column(s) {', '.join(missing)}; expected a table "
            f"written by 'cxnlp score'. Score transcripts first: cxnlp score INPUTS --out SCORES.parquet"
        )
    if frame.empty:
        typer.echo(f"0 transcripts in {scores}")
        return
    console = Console()
    if transcript_id is not None:
        rows = frame[frame["transcript_id"].astype(str) == transcript_id]
        if rows.empty:
            _fail(f"transcript {transcript_id!r} is not in {scores}.")
        row = rows.iloc[0]
        console.print(
            f"[bold]{transcript_id}[/]  interaction score {cell(row[SCORE_COLUMN]) or 'n/a'}  "
            + "  ".join(f"{c} {cell(row[c]) or 'n/a'}" for c in DIMENSION_COLUMNS)
        )
        table = Table("dimension", "kind", "turn", "sentence", "detail", "weight")
        for item in evidence_frame(rows).itertuples():
            table.add_row(
                item.dimension,
                item.kind,
                str(item.turn_index),
                item.sentence,
                item.detail,
                f"{item.weight:+.1f}",
            )
        console.print(table)
        return
    table = Table(title=f"{len(frame)} transcripts in {scores}", title_justify="left")
    for col in ("score", "mean", "p10", "median", "p90", "n/a"):
        table.add_column(col, justify="right" if col != "score" else "left")
    for col in (*DIMENSION_COLUMNS, SCORE_COLUMN):
        values = pd.to_numeric(frame[col], errors="coerce")
        q = values.quantile([0.1, 0.5, 0.9])
        stats = (values.mean(), q[0.1], q[0.5], q[0.9])
        table.add_row(col, *(cell(round(float(v), 1)) for v in stats), str(int(values.isna().sum())))
    console.print(table)
    lowest = frame.assign(**{SCORE_COLUMN: pd.to_numeric(frame[SCORE_COLUMN], errors="coerce")}).nsmallest(
        worst, SCORE_COLUMN
    )
    if len(lowest):
        fitted = fit_table(
            lowest[["transcript_id", SCORE_COLUMN, *DIMENSION_COLUMNS]],
            title="Lowest-scoring calls",
            width=console.width,
            keep=("transcript_id", SCORE_COLUMN),
            headers=SHORT_HEADERS,
        )
        console.print(fitted.table)
        for note in fitted.notes:
            console.print(note)
        console.print("See why: cxnlp show SCORES --id TRANSCRIPT_ID")


@app.command()
def explain(
    inputs: Annotated[list[Path], typer.Argument(help="Transcript files holding the transcript.")],
    transcript_id: Annotated[str, typer.Option("--id", help="The transcript to explain.")],
    calibration: Annotated[Path, typer.Option(help="Calibration dir or file from 'cxnlp calibrate'.")],
    brand: Annotated[
        Path | None, typer.Option(help="Brand profile the calibration was fitted with (default profile).")
    ] = None,
    embedding: Annotated[
        str, typer.Option(help="Sentence-encoder backend the scores were made with (torch, onnx-int8, onnx).")
    ] = "torch",
    top: Annotated[int, typer.Option(help="How many terms and sentences to list.")] = 6,
) -> None:
    """Explain one transcript's calibrated scores: the features and sentences that made them."""
    from rich.console import Console
    from rich.table import Table

    from cxnlp.calibration import explain_transcript
    from cxnlp.calibration.workflow import load_calibration
    from cxnlp.ingest import InputError, load_transcript

    with _progress("reading the calibration") as bar:
        try:
            calibrations = load_calibration(calibration)
            scorer = _checked_scorer(brand, embedding=embedding)
            bar.stage(f"looking for {transcript_id}")
            found = load_transcript(inputs, transcript_id, progress=bar.callback)
        except (ValueError, OSError, InputError) as exc:
            _fail(str(exc))
        bar.stage("loading the language models")
        scorer.prepare()
        bar.stage(f"scoring and explaining {transcript_id}")
        explained = explain_transcript(found, list(calibrations.values()), scorer=scorer)
    console = Console()
    for item in explained:
        low, high = item.interval
        console.print(
            f"[bold]{item.target}[/] for {transcript_id}: {item.prediction:.2f} "
            f"(90% interval {low:.2f} to {high:.2f})"
        )
        terms = Table("term", "kind", "dimension", "contribution", title="What the prediction is made of")
        shown = item.terms[item.terms["kind"] != "intercept"].head(top)
        for row in shown.itertuples():
            terms.add_row(row.term, row.kind, row.dimension or "", f"{row.contribution:+.3f}")
        console.print(terms)
        up, down = item.top_sentences(top)
        for frame, title in ((up, "Sentences that raise it"), (down, "Sentences that lower it")):
            if frame.empty:
                continue
            table = Table("turn", "speaker", "slot", "sentence", "contribution", title=title)
            for row in frame.itertuples():
                table.add_row(
                    str(int(row.turn_index)), row.speaker, row.slot, row.sentence, f"{row.contribution:+.3f}"
                )
            console.print(table)
    console.print(f"Dimension evidence behind the feature terms: cxnlp show SCORES --id {transcript_id}")


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(help="Input folder(s), glob(s) (quote them) or transcript files."),
    ],
    store: Annotated[Path, typer.Option("--store", "-s", help="Result store directory.")],
    brand: BrandOption = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    engine: Annotated[str, typer.Option(help="'local' (process pool) or 'dask'.")] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (engine dask); a LocalCluster if omitted.")
    ] = None,
    commit_every: Annotated[
        int, typer.Option(min=1, help="Transcripts per committed part (work lost at most on a kill).")
    ] = DEFAULT_COMMIT_EVERY,
    embedding: EmbeddingOption = "torch",
    batch_size: BatchSizeOption = DEFAULT_BATCH_SIZE,
    slot_vectors: SlotVectorsOption = True,
    max_turn_chars: MaxTurnCharsOption = DEFAULT_MAX_TURN_CHARS,
    max_transcript_chars: MaxTranscriptCharsOption = DEFAULT_MAX_TRANSCRIPT_CHARS,
    schema: Annotated[
        Path | None,
        typer.Option(
            help='JSON object of metadata column kinds, e.g. {"agent_id": "string"} '
            "(string, integer, float, boolean); other columns are inferred and kept in STORE."
        ),
    ] = None,
    format: FormatOption = "auto",
    glob: GlobOption = None,
    redact: RedactOption = True,
    privacy_allow: PrivacyAllowOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Score new and changed transcripts into STORE; unchanged ones are skipped.

    A record whose metadata does not fit the store's column kinds is rejected with the
    column and why; the rest are committed.
    """
    _check_privacy_allow(privacy_allow)
    _setup_logging(verbose, redact, privacy_allow)
    from cxnlp.batch.nightly import resolve_inputs, run_batch
    from cxnlp.batch.store import StoreError
    from cxnlp.ingest import InputError

    declared = _read_schema(schema) if schema is not None else None
    _check_format(format)
    try:
        chosen = _auto_formats(resolve_inputs(inputs), format, glob)
        scorer = _checked_scorer(
            brand,
            batch_size=batch_size,
            embedding=embedding,
            slot_vectors=slot_vectors,
            max_turn_chars=max_turn_chars,
            max_transcript_chars=max_transcript_chars,
            redact=redact,
            privacy_allow=privacy_allow,
        )
    except (ValueError, OSError) as exc:  # InputError is a ValueError
        _fail(str(exc))
    except KeyboardInterrupt:  # Ctrl-C while models load: the store is untouched
        _interrupted("0 committed, re-run the same command")
    try:
        with _progress("scoring new and changed", counts="records done") as bar:
            summary = run_batch(
                inputs,
                store,
                scorer=scorer,
                brand=brand,
                engine=engine,
                workers=workers,
                scheduler=scheduler,
                commit_every=commit_every,
                progress=bar.callback,
                schema=declared,
                format=format,
                include=glob,
            )
    except (InputError, StoreError, ValueError, ImportError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _unwritable(exc, store)
    except KeyboardInterrupt as exc:
        n = getattr(exc, "cxnlp_committed", 0)
        _interrupted(f"{n} committed, re-run the same command to resume")
    if chosen:
        typer.echo(chosen, err=True)
    typer.echo(summary.line())
    typer.echo(f"store {summary.store}" + (f"; rejects in {summary.rejects}" if summary.rejects else ""))


def _read_schema(path: Path) -> Any:
    """The JSON object in ``path`` (``--schema``); its kinds are checked by the store."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        _fail(
            f"Got --schema {str(path)!r} that cannot be read as JSON ({type(exc).__name__}); "
            'expected a JSON object such as {"agent_id": "string"}.'
        )


@app.command()
def runs(
    store: Annotated[Path, typer.Argument(help="A result store written by 'cxnlp batch'.")],
    last: Annotated[int, typer.Option(help="How many of the newest runs to list.")] = 20,
    out: Annotated[Path | None, typer.Option(help="Write every run and column (.csv or .parquet).")] = None,
) -> None:
    """List the runs recorded in STORE: status, counts, timing, configuration."""
    _setup_logging(False)

    from cxnlp.batch.store import ResultStore, list_runs

    if not ResultStore(store).exists():
        _fail(f"{str(store)!r} is not a result store; create one with 'cxnlp batch INPUTS --store {store}'.")
    _refuse_overwrite([], {"--out": out})
    runs_frame = list_runs(store)
    frame = runs_frame.tail(last)
    columns = [
        c
        for c in (
            "run_id",
            "status",
            "started_at",
            "seconds",
            "config_id",
            "read",
            "scored",
            "skipped",
            "rejected",
            "engine",
            "workers",
        )
        if c in frame.columns
    ]
    _print_frame(
        frame[columns],
        title=f"runs in {store}",
        total=len(runs_frame),
        keep=("run_id", "status"),
        hint="--out FILE writes every run and column",
    )
    if out is not None:
        _write_frame(runs_frame, out)
    failed = frame[frame["status"] == "failed"]
    for row in failed.itertuples(index=False):
        typer.secho(f"{row.run_id} failed: {row.error}", fg=typer.colors.YELLOW, err=True)


@app.command()
def report(
    scores: Annotated[
        Path, typer.Argument(help="Score table (.parquet/.csv/.jsonl) or result-store folder.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")],
    surveys: Annotated[Path | None, typer.Option(help="Survey responses (CSV or Parquet) to join.")] = None,
    reference: Annotated[
        Path | None, typer.Option(help="Reference score table for the external view.")
    ] = None,
    png_dir: Annotated[
        Path | None, typer.Option("--png-dir", help="Also write every figure as PNG here.")
    ] = None,
    title: Annotated[str, typer.Option(help="Page title.")] = "Contact-centre quality report",
    config: Annotated[str | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    events: Annotated[
        Path | None,
        typer.Option(help="Workshops (a group,date table): adds the workshop impact and its plot."),
    ] = None,
    redact: RedactOption = True,
    privacy_allow: PrivacyAllowOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Write a self-contained HTML report (figures embedded) for QA leads."""
    _check_privacy_allow(privacy_allow)
    _setup_logging(verbose, redact, privacy_allow)
    inputs = [p for p in (scores, surveys, reference, events) if p is not None]
    _refuse_overwrite(inputs, {"--out": out})
    from cxnlp.batch.store import StoreError
    from cxnlp.report import build_report, load_scores, write_report

    try:
        frame = load_scores(scores, config_id=config)
        survey_frame = load_scores(surveys) if surveys is not None else None
        if survey_frame is not None:
            _check_surveys(survey_frame, surveys)
        reference_frame = load_scores(reference) if reference is not None else None
        event_frame = load_scores(events) if events is not None else None
        built = build_report(
            frame,
            surveys=survey_frame,
            reference=reference_frame,
            title=title,
            events=event_frame,
            redact=redact,
            privacy_allow=privacy_allow,
        )
        written = write_report(built, out, png_dir=png_dir)
    except (ValueError, OSError, StoreError) as exc:
        _fail(str(exc))
    for note in built.notes:
        typer.secho(f"note: {note}", fg=typer.colors.YELLOW, err=True)
    typer.echo(f"wrote {written[0]}" + (f" and {len(written) - 1} PNG files" if png_dir else ""))


def _check_surveys(frame: Any, path: Path) -> None:
    """Exit 2 naming what a --surveys table lacks, instead of a report without surveys."""
    from cxnlp.schema import SURVEY_COLUMN

    missing = [c for c in ("transcript_id", SURVEY_COLUMN) if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns[:8])) + (", …" if len(frame.columns) > 8 else "")
        _fail(
            f"Got --surveys {str(path)!r} without column(s) {', '.join(missing)} (it has {have}); "
            f"expected transcript_id and {SURVEY_COLUMN} (0-100). Rename the columns."
        )


ANALYSES = ("optimized", "perspectives", "false-reads", "followups", "equity", "drift", "impact", "outcomes")
#: Columns the terminal view of an analysis always shows, whatever its width (the whole
#: table goes to --out): the estimate and its interval before the cell means.
ANALYSIS_KEEP: dict[str, tuple[str, ...]] = {
    "impact": ("event", "metric", "effect", "ci_low", "ci_high", "p_value", "calls_per_group_per_window"),
    "outcomes": ("dimension", "odds_ratio_per_10", "ci_low", "ci_high", "p_value"),
}


@app.command()
def analyze(
    analysis: Annotated[str, typer.Argument(help=f"One of: {', '.join(ANALYSES)}.")],
    scores: Annotated[Path, typer.Argument(help="Score table or result-store folder.")],
    surveys: Annotated[
        Path | None, typer.Option(help="Survey responses (transcript_id, survey_rating, survey_comment).")
    ] = None,
    by: Annotated[
        str | None, typer.Option(help="Comma-separated grouping columns (default depends on the analysis).")
    ] = None,
    reference: Annotated[
        Path | None, typer.Option(help="Reference population (perspectives: external percentiles).")
    ] = None,
    value: Annotated[str, typer.Option(help="Column compared (equity, drift).")] = "interaction_score",
    out: Annotated[Path | None, typer.Option(help="Write the full result (.csv or .parquet).")] = None,
    rows: Annotated[int, typer.Option(help="Rows to print.")] = 20,
    signals: Annotated[
        Path | None,
        typer.Option(help="Follow-up signal YAML (followups; default: the packaged one)."),
    ] = None,
    config: Annotated[str | None, typer.Option("--config", help=CONFIG_HELP)] = None,
    event: Annotated[str | None, typer.Option(help="impact: the workshop date, e.g. 2026-10-01.")] = None,
    events: Annotated[
        Path | None, typer.Option(help="impact: several workshops, a table with group,date rows.")
    ] = None,
    treated: Annotated[
        str | None, typer.Option(help="impact: the coached group, e.g. 'team=Team East'.")
    ] = None,
    control: Annotated[
        str | None,
        typer.Option(help="impact: the comparison group, e.g. 'team!=Team East' (default: all others)."),
    ] = None,
    window: Annotated[int, typer.Option(help="impact: days compared on each side of the event.")] = 28,
    plan: Annotated[
        bool, typer.Option("--plan", help="impact: calls per group per window needed, from the variance.")
    ] = False,
    change: Annotated[float, typer.Option(help="impact --plan: the change to detect, in points.")] = 3.0,
    min_shift: Annotated[
        float,
        typer.Option(
            help="drift: the smallest shift worth catching, in SDs of one contact, whatever the "
            "daily volume (0: the classic CUSUM, k = 0.5 standard errors of a daily mean)."
        ),
    ] = 0.5,
    outcome: Annotated[
        str | None, typer.Option(help="outcomes: the binary outcome column, e.g. repurchased.")
    ] = None,
    outcomes: Annotated[
        Path | None, typer.Option(help="outcomes: a transcript_id,<outcome> table to join.")
    ] = None,
    detail_out: Annotated[
        Path | None,
        typer.Option(help="impact: what changed in evidence terms; outcomes: rate by score band (CSV)."),
    ] = None,
) -> None:
    """Answer a QA lead's question from scored calls: optimized status, perspectives and false
    reads, follow-ups for surveyed customers, equity across groups, drift over time, the
    impact of a workshop, and how the dimensions relate to a business outcome."""
    _setup_logging(False)
    from cxnlp import analytics
    from cxnlp.batch.store import StoreError
    from cxnlp.frame_checks import MissingColumnsError
    from cxnlp.report import load_scores

    if analysis not in ANALYSES:
        _fail(f"Got analysis {analysis!r}; expected one of {', '.join(ANALYSES)}.")
    inputs = [p for p in (scores, surveys, reference, events, outcomes) if p is not None]
    _refuse_overwrite(inputs, {"--out": out, "--detail-out": detail_out})
    groups = [c.strip() for c in by.split(",") if c.strip()] if by else None
    detail = None
    try:
        frame = load_scores(scores, config_id=config)
        if surveys is not None:
            survey_frame = load_scores(surveys)
            _check_surveys(survey_frame, surveys)
            frame = analytics.join_surveys(frame, survey_frame)
        if analysis == "impact":
            result, detail = _impact(frame, event, events, treated, control, window, plan, change, groups)
        elif analysis == "outcomes":
            result, detail = _outcomes(frame, outcome, outcomes, groups)
        elif analysis == "optimized":
            result = analytics.optimized_status(frame, by=groups or ("team",))
        elif analysis == "perspectives":
            ref = load_scores(reference) if reference is not None else None
            result = analytics.perspectives(frame, by=groups or ("team",), reference=ref)
        elif analysis == "false-reads":
            result = analytics.false_reads(frame)
        elif analysis == "followups":
            result = analytics.route_followups(frame, resource=signals)
        elif analysis == "equity":
            result = analytics.equity_report(frame, by=groups, value_col=value)
            _print_frame(analytics.equity_index(frame, by=groups, value_col=value), title="equity index")
        else:
            result = analytics.detect_drift(
                frame, by=groups or ("team",), value_col=value, min_shift=min_shift if min_shift > 0 else None
            )
    except analytics.ImpactInputError as exc:
        _fail(f"--{exc.param.replace('_', '-')}: {exc}")
    except MissingColumnsError as exc:
        _fail(_missing_columns(exc, scores, groups, value))
    except (ValueError, KeyError, OSError, StoreError) as exc:
        _fail(str(exc))
    keep = (*(groups or ()), *ANALYSIS_KEEP.get(analysis, ())) if analysis in ANALYSIS_KEEP else ()
    _print_frame(result, title=analysis, rows=rows, keep=keep, hint="--out FILE writes the full table")
    if detail is not None:
        for sentence in detail["sentence"].head(5):
            if sentence:
                typer.echo(sentence)
    for path, table in ((out, result), (detail_out, detail)):
        if path is not None and table is not None:
            _write_frame(table, path)


def _missing_columns(exc: MissingColumnsError, scores: Path, groups: list[str] | None, value: str) -> str:
    """``analyze``'s one line for a missing column: the flag that supplies it, not the
    Python argument the library's message names."""
    from cxnlp.schema import SURVEY_COLUMN

    fixes = []
    for column in exc.missing:
        if column == SURVEY_COLUMN:
            fixes.append("Add the survey ratings with --surveys FILE.")
        elif groups and column in groups:
            fixes.append("Pass --by with columns the table has.")
        elif column == value:
            fixes.append("Pass --value with a column the table has.")
        else:
            fixes.append("Score the transcripts with that metadata (cxnlp score) or pick another analysis.")
    return (
        f"Got {str(scores)!r} without column(s) {', '.join(exc.missing)}; it has [{exc.have}]. "
        + " ".join(dict.fromkeys(fixes))
    )


def _write_frame(table: Any, path: Path) -> None:
    """``--out``: the full table, atomically, in the format its ending names."""
    from cxnlp.io import write_frame

    try:
        write_frame(table, path)
    except ValueError as exc:
        _fail(f"--out: {exc}")
    typer.echo(f"wrote {path}")


def _impact(frame, event, events, treated, control, window, plan, change, groups):
    """``analyze impact``: the effect table and the evidence that moved (or the power plan)."""
    from cxnlp import analytics
    from cxnlp.report import load_scores

    if events is not None and not plan and (event is not None or treated is not None):
        _fail(
            "--events: give either --events FILE or --event with --treated, not both "
            "(each row of the events file names its group and date)."
        )
    if treated is None and (plan or events is None):
        _fail("--treated: required for impact, e.g. --treated 'team=Team East' (or give --events FILE).")
    if plan:
        return analytics.impact_plan(
            frame, treated=treated, control=control, window=window, change=change
        ), None
    if events is not None:
        try:
            table = load_scores(events)
        except (ValueError, OSError) as exc:
            _fail(f"--events: {exc}")
        group_col = groups[0] if groups else "team"
        return analytics.workshop_impact(
            frame, events=table, control=control, window=window, group_col=group_col
        ), None
    if event is None:
        _fail("--event: required for impact, e.g. --event 2026-10-01 (or give --events FILE).")
    result = analytics.workshop_impact(frame, event=event, treated=treated, control=control, window=window)
    detail = None
    if "evidence" in frame.columns:
        detail = analytics.impact_evidence(
            frame, event=event, treated=treated, control=control, window=window
        )
    return result, detail


def _outcomes(frame, outcome, outcomes, groups):
    """``analyze outcomes``: adjusted odds ratios per dimension and the rate by score band."""
    from cxnlp import analytics
    from cxnlp.report import load_scores

    if outcome is None:
        _fail("--outcome: required for outcomes, e.g. --outcome repurchased.")
    if outcomes is not None:
        try:
            table = load_scores(outcomes)
        except (ValueError, OSError) as exc:
            _fail(f"--outcomes: {exc}")
        frame = analytics.join_outcomes(frame, table, outcome=outcome)
    elif outcome not in frame.columns:
        _fail(f"--outcome: the score table has no column {outcome!r}; join one with --outcomes FILE.")
    effects = analytics.outcome_effects(frame, outcome=outcome, by=groups)
    bands = analytics.outcome_by_band(frame, outcome=outcome)
    _print_frame(bands, title=f"{outcome} rate by interaction-score band")
    return effects, bands


def _print_frame(
    frame: Any,
    *,
    title: str,
    rows: int | None = None,
    total: int | None = None,
    keep: tuple[str, ...] = (),
    hint: str = "",
) -> None:
    """A compact view that fits the terminal, saying which rows and columns were cut."""
    from rich.console import Console

    from cxnlp.terminal import fit_table

    console = Console()
    total = len(frame) if total is None else total
    fitted = fit_table(
        frame,
        title=f"{title}: {total} row(s)",
        width=console.width,
        max_rows=rows,
        keep=keep,
        headers=SHORT_HEADERS,
        full_hint=hint,
    )
    console.print(fitted.table)
    notes = list(fitted.notes)
    if total > len(frame) and not any("rows shown" in n for n in notes):
        notes.insert(0, f"{len(frame)} of {total} rows shown" + (f"; {hint}" if hint else ""))
    for note in notes:
        console.print(note, highlight=False)


@app.command()
def serve(
    store: Annotated[
        Path | None, typer.Option(help="Result store of 'cxnlp batch': results, reviews, agreement.")
    ] = None,
    calibration: Annotated[
        Path | None, typer.Option(help="Calibration dir or file: adds predictions, enables explain.")
    ] = None,
    brand: BrandOption = None,
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on.")] = 8080,
    api_keys: Annotated[
        Path | None,
        typer.Option(
            envvar="CXNLP_API_KEYS",
            help="Key file (lines from 'cxnlp api-key'); every endpoint but health then needs a key.",
        ),
    ] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes, each loading the models once.")] = 1,
    embedding: EmbeddingOption = "torch",
    max_body_bytes: Annotated[
        int, typer.Option(min=1, help="Largest request body in bytes; larger gets 413.")
    ] = 4 * 1024 * 1024,
    max_transcripts: Annotated[int, typer.Option(min=1, help="Most transcripts in one POST /v1/score.")] = 64,
    rate_limit: Annotated[int, typer.Option(min=0, help="Requests a minute per key (0: no limit).")] = 600,
    max_turn_chars: MaxTurnCharsOption = DEFAULT_MAX_TURN_CHARS,
    max_transcript_chars: MaxTranscriptCharsOption = DEFAULT_MAX_TRANSCRIPT_CHARS,
    redact: Annotated[bool, typer.Option(help=SERVE_REDACT_HELP)] = True,
    privacy_allow: PrivacyAllowOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Serve the scoring, results and review API over HTTP (docs/service.md; OpenAPI at /docs).

    Models load before the port opens; GET /v1/health then answers "ready".
    """
    _check_privacy_allow(privacy_allow)
    _setup_logging(verbose, redact, privacy_allow)
    logging.getLogger("cxnlp.service").setLevel(logging.INFO)
    try:
        import uvicorn

        from cxnlp.service.state import ServiceSettings
    except ImportError:
        _fail("the service needs FastAPI and uvicorn; install them with: pip install 'cxnlp[service]'")
    if store is not None and store.exists() and not store.is_dir():
        _fail(f"Got --store {str(store)!r}, which is an existing file; expected a result store folder.")
    settings = ServiceSettings(
        store=store,
        calibration=calibration,
        brand=brand,
        api_keys=api_keys,
        embedding=embedding,
        max_body_bytes=max_body_bytes,
        max_transcripts=max_transcripts,
        max_turn_chars=max_turn_chars,
        max_transcript_chars=max_transcript_chars,
        rate_limit=rate_limit,
        redact=redact,
        privacy_allow=privacy_allow,
    )
    # log_config=None: uvicorn's own lines go to the root handlers, which redact them.
    options = {
        "host": host,
        "port": port,
        "access_log": False,
        "log_level": "info" if verbose else "warning",
        "log_config": None,
    }
    if workers > 1:
        import os

        os.environ.update(settings.to_env())
        uvicorn.run("cxnlp.service.app:app_from_env", factory=True, workers=workers, **options)
        return
    from cxnlp.service.app import create_app

    try:
        application = create_app(settings)  # loads the models before the port opens
    except (ValueError, OSError) as exc:  # a bad key file, profile or calibration
        _fail(str(exc))
    typer.echo(f"cxnlp service ready on http://{host}:{port} (OpenAPI at /docs)", err=True)
    uvicorn.run(application, **options)


@app.command("api-key")
def api_key(
    key_id: Annotated[str, typer.Argument(help="Key id; reviews posted with the key are recorded under it.")],
    scopes: Annotated[
        str, typer.Option(help="Comma-separated scopes: score, read, review, admin.")
    ] = "score,read,review",
    append: Annotated[
        Path | None, typer.Option(help="Append the key's line to this key file (created if missing).")
    ] = None,
) -> None:
    """Make an API key for 'cxnlp serve --api-keys': prints the key once, stores only its hash."""
    from cxnlp.service.auth import KeyFileError, new_api_key

    try:
        secret, line = new_api_key(key_id, [s.strip() for s in scopes.split(",") if s.strip()])
    except KeyFileError as exc:
        _fail(str(exc))
    if append is not None:
        with append.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        typer.echo(f"added key {key_id!r} to {append}", err=True)
    else:
        typer.echo(line)
    typer.echo(secret)


class _progress:
    """A one-line progress display on stderr when it is a terminal; nothing when piped or in CI.

    ``stage(text)`` says what is being done; calling the object with ``n`` counts ``n`` more
    records (``cxnlp score`` and ``batch`` pass :attr:`callback` to the library, which
    counts each record as it is scored, skipped or rejected; ``batch`` with worker
    processes counts a chunk as it comes back). ``counts`` names what is counted.
    Transient: the line is gone when the block ends, and the command's own summary is what
    stays.
    """

    def __init__(self, stage: str = "scoring", *, counting: bool = True, counts: str = "records read"):
        self._stage = stage
        self._counting = counting
        self._counts = counts
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _progress:
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

            count = [TextColumn(f"{{task.completed:,.0f}} {self._counts}")] if self._counting else []
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                *count,
                TimeElapsedColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self._stage, total=None)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def __call__(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def stage(self, text: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=text)

    @property
    def callback(self) -> _progress | None:
        """Self when a display is shown, else None (the library then counts nothing)."""
        return self if self._bar is not None else None


def main() -> None:
    """Console-script entry point.

    Ctrl-C that no command caught (typer turns it into a silent exit 130) still gets its
    one line, never a traceback.
    """
    try:
        app()
    except SystemExit as exc:
        if exc.code == INTERRUPTED_EXIT and not _interrupt_reported:
            typer.echo("interrupted: stopped before finishing; re-run the same command", err=True)
        raise
    except KeyboardInterrupt:
        typer.echo("interrupted: stopped before finishing; re-run the same command", err=True)
        raise SystemExit(INTERRUPTED_EXIT) from None


if __name__ == "__main__":  # pragma: no cover
    main()
