"""``itb-evidence``: the command line (typer).

Commands that need no orchestration (``extract``, ``evaluate``, ``export``, ``sql``) call the stage
functions directly and never start a Prefect server; ``demo`` and ``refresh`` run the Prefect flow.
Every user error is one line on stderr and a non-zero exit (``itb_evidence.cli.errors``); the
global ``--debug`` shows the traceback of an unexpected one.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from flows.deployment import DEFAULT_CRON, DEFAULT_TIMEZONE
from itb_evidence.cli.corpus import extract_corpus_command
from itb_evidence.cli.errors import (
    STATE,
    OneLineErrors,
    UserError,
    check_db,
    check_existing_db,
    check_out_dir,
    check_out_file,
    one_line,
)
from itb_evidence.cli.fulltext import fulltext_reextract_command
from itb_evidence.cli.meta import meta_command
from itb_evidence.settings import apply_prefect_defaults

if TYPE_CHECKING:
    from itb_evidence.curate import Correction
    from itb_evidence.store.store import EvidenceStore

app = typer.Typer(
    cls=OneLineErrors,
    help="Living evidence table of intrathecal baclofen (ITB) studies in hereditary spastic "
    "paraplegia (HSP), curated from PubMed.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=False, soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


@app.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Show the full traceback of an unexpected error (default: one line).",
            envvar="ITB_EVIDENCE_DEBUG",
        ),
    ] = False,
) -> None:
    STATE.debug = debug


DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        help="DuckDB evidence store (created if missing).",
        envvar="ITB_EVIDENCE_DB",
        callback=check_db,
    ),
]
ExistingDbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        help="DuckDB evidence store (must exist: made by `demo` or `refresh`).",
        envvar="ITB_EVIDENCE_DB",
        callback=check_existing_db,
    ),
]
OutDirOption = Annotated[
    Path,
    typer.Option(
        "--out-dir", help="Directory for evidence.csv and evidence.xlsx.", callback=check_out_dir
    ),
]


@contextmanager
def _open_store(db: Path, *, read_only: bool) -> Iterator[EvidenceStore]:
    """The store, or one line naming ``--db`` when DuckDB cannot open it (not a DuckDB file,
    held by another process, ...)."""
    import duckdb

    from itb_evidence.store.store import EvidenceStore, StoreBusyError

    try:
        store = EvidenceStore(db, read_only=read_only)
    except StoreBusyError as exc:
        raise UserError(str(exc)) from exc
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"--db {db}: cannot open the store: {first}") from exc
    with store:
        yield store


def _print_summary(lines: list[str]) -> None:
    for line in lines:
        style = "bold red" if line.startswith("FAILED") else None
        console.print(line, style=style, highlight=False, markup=False)


def _parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date in YYYY-MM-DD form", param_hint=option
        ) from exc


def _check_window(since: str | None, until: str | None) -> None:
    start, end = _parse_day(since, "--since"), _parse_day(until, "--until")
    if start is not None and end is not None and start > end:
        raise typer.BadParameter(
            f"--since {since} is after --until {until}: the window is empty",
            param_hint="--since/--until",
        )


def _check_since(ctx: typer.Context, value: str | None) -> str | None:
    _check_window(value, ctx.params.get("until"))
    return value


def _check_until(ctx: typer.Context, value: str | None) -> str | None:
    _check_window(ctx.params.get("since"), value)
    return value


def _schedule_problem(*, cron: str, timezone: str) -> str | None:
    """Why Prefect's cron schedule refuses ``cron`` in ``timezone`` (None when it takes them)."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValidationError as exc:
        errors = exc.errors()
        message = str(errors[0].get("msg", exc)) if errors else str(exc)
        return one_line(message.removeprefix("Value error, "))
    return None


def _check_cron(value: str) -> str:
    problem = _schedule_problem(cron=value, timezone=DEFAULT_TIMEZONE)
    if problem:
        raise typer.BadParameter(problem)
    return value


def _check_timezone(value: str) -> str:
    problem = _schedule_problem(cron=DEFAULT_CRON, timezone=value)
    if problem:
        raise typer.BadParameter(problem)
    return value


CronOption = Annotated[str, typer.Option("--cron", help="Cron expression.", callback=_check_cron)]
TimezoneOption = Annotated[
    str,
    typer.Option("--timezone", help="IANA time zone, e.g. Europe/Paris.", callback=_check_timezone),
]


@app.command()
def demo(
    db: DbOption = Path("itb_evidence.duckdb"),
    out_dir: OutDirOption = Path("out"),
) -> None:
    """Run the refresh flow over the bundled PubMed snapshot in data/ (no network needed)."""
    apply_prefect_defaults()
    from flows.refresh import snapshot_flow
    from itb_evidence.prefect_server import prefect_api_server

    with prefect_api_server():  # Prefect's temporary server, which dies with this process
        summary = snapshot_flow(db=db, out_dir=out_dir)
    _print_summary(summary.lines())


@app.command()
def refresh(
    query: Annotated[
        str | None,
        typer.Option("--query", help="PubMed query (default: ITB in HSP, MeSH + free text)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="Only records changed on/after YYYY-MM-DD (default: since "
            "the last successful run of this query; everything on the first run).",
            callback=_check_since,
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Up to YYYY-MM-DD.", callback=_check_until)
    ] = None,
    db: DbOption = Path("itb_evidence.duckdb"),
    out_dir: OutDirOption = Path("out"),
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, max=10000)] = 200,
) -> None:
    """Search and fetch live PubMed records via NCBI E-utilities and update the store.

    Needs NCBI_EMAIL (NCBI's policy) and optionally NCBI_API_KEY (10 requests/s instead of 3).
    """
    from itb_evidence.pubmed.entrez import EntrezConfig, EntrezError

    try:
        EntrezConfig.from_env()  # fail before any run starts when NCBI_EMAIL is missing
    except EntrezError as exc:
        err_console.print(f"refresh: {exc}", highlight=False, markup=False)
        raise typer.Exit(code=2) from exc
    apply_prefect_defaults()
    from flows.refresh import refresh_flow
    from itb_evidence.prefect_server import prefect_api_server
    from itb_evidence.settings import DEFAULT_QUERY
    from itb_evidence.store.store import StoreBusyError, WriterLock

    def waiting(line: str) -> None:
        err_console.print(f"refresh: {line}", highlight=False, markup=False)

    try:
        # one refresh per store (wait, bounded, or refuse); then Prefect's temporary server,
        # which dies with this process (kill -9 included)
        with WriterLock(db, on_wait=waiting), prefect_api_server():
            summary = refresh_flow(
                query=query or DEFAULT_QUERY,
                since=_parse_day(since, "--since"),
                until=_parse_day(until, "--until"),
                db=db,
                out_dir=out_dir,
                batch_size=batch_size,
            )
    except StoreBusyError as exc:
        err_console.print(f"refresh: {exc}", highlight=False, markup=False)
        raise typer.Exit(code=1) from exc
    except EntrezError as exc:
        err_console.print(
            f"refresh failed, nothing fetched (the run is recorded as failed in {db}): {exc}",
            highlight=False,
            markup=False,
        )
        raise typer.Exit(code=2) from exc
    _print_summary(summary.lines())
    if summary.failed:
        raise typer.Exit(code=2)


def _numbered_lines(stream: IO[bytes]) -> Iterator[tuple[int, str | UnicodeDecodeError]]:
    """Each line of ``stream`` decoded as UTF-8, or the decode error of a line that is not."""
    for number, raw in enumerate(stream, start=1):
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield number, exc


def _renumber(text: str, number: int) -> str:
    return text.replace("line 1: ", f"line {number}: ", 1)


def _extract_lines(
    lines: Iterable[tuple[int, str | UnicodeDecodeError]], dst: IO[str], err: IO[str]
) -> tuple[int, int]:
    """The extract contract, one output line per input line, lines numbered as in the input: a
    line that is not UTF-8 is reported (``{"id": null, "error": "line N: not UTF-8 ..."}``) and
    every other line is extracted."""
    from extractors.contract import run_contract

    ok = bad = 0
    for number, line in lines:
        if isinstance(line, UnicodeDecodeError):
            byte = line.object[line.start]
            message = f"line {number}: not UTF-8 (byte 0x{byte:02x} at column {line.start + 1})"
            dst.write(json.dumps({"id": None, "error": message}) + "\n")
            err.write(f"extract: {message} (id None)\n")
            bad += 1
            continue
        out, msgs = io.StringIO(), io.StringIO()
        n_ok, n_bad = run_contract([line], out, msgs)
        ok, bad = ok + n_ok, bad + n_bad
        payload = out.getvalue()
        if n_bad:
            record = json.loads(payload)
            record["error"] = _renumber(str(record.get("error", "")), number)
            payload = json.dumps(record, ensure_ascii=False) + "\n"
        dst.write(payload)
        err.write(_renumber(msgs.getvalue(), number))
    return ok, bad


@app.command()
def extract(
    input: Annotated[
        Path | None,
        typer.Argument(
            help="JSONL with id, title, abstract per line (default: stdin).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Output JSONL (default: stdout).", callback=check_out_file
        ),
    ] = None,
) -> None:
    """Extract outcomes, doses, p-values, sample size and results from JSONL abstracts.

    One output line per input line, in order; a bad line (not UTF-8, not JSON, no id...) gives
    an error line naming its line number, and every other line is still extracted.
    """
    from itb_evidence.progress import current_stderr, track

    src: IO[bytes] = (
        input.open("rb") if input else getattr(sys.stdin, "buffer", None) or io.BytesIO()
    )
    dst = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        lines = track(_numbered_lines(src), "extract", lines_of=src, output=dst)
        ok, bad = _extract_lines(lines, dst, current_stderr())
    finally:
        if input:
            src.close()
        if output:
            dst.close()
    err_console.print(f"extracted {ok} record(s); {bad} line(s) failed", highlight=False)
    if bad:
        raise typer.Exit(code=1)


@app.command()
def evaluate(
    gold: Annotated[
        Path,
        typer.Argument(
            help="Gold JSONL in the schema of shared/gold/dev.jsonl, or a full-text table "
            "gold file (tests/gold/fulltext/gold.jsonl).",
            exists=True,
            dir_okay=False,
        ),
    ],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Per-record misses.")] = False,
    aggregate_only: Annotated[
        bool,
        typer.Option(
            "--aggregate-only",
            help="Only the aggregate scores, never a record's text or misses (the only way the "
            "frozen test split is read).",
        ),
    ] = False,
) -> None:
    """Score the extractors against a gold file (precision/recall/F1 and accuracies); a full-text
    table gold file (one value per line, with its cell) is scored by ``evaluate_fulltext``."""
    from itb_evidence.evaluate import GoldFileError, format_report, frozen_split_records
    from itb_evidence.evaluate import evaluate as run_evaluation
    from itb_evidence.evaluate_fulltext import (
        evaluate_fulltext,
        format_fulltext_report,
        is_fulltext_gold,
    )

    if is_fulltext_gold(gold):
        try:
            tables = evaluate_fulltext(gold)
        except GoldFileError as exc:
            raise UserError(str(exc), code=2) from None
        console.print(
            format_fulltext_report(tables, verbose and not aggregate_only),
            highlight=False,
            markup=False,
        )
        return
    try:
        frozen = frozen_split_records(gold)
        if frozen and verbose:
            raise GoldFileError(
                f"{gold}: {frozen} record(s) of the frozen test split: only aggregate scores are "
                "printed for them (drop --verbose)"
            )
        report = run_evaluation(gold, verbose=verbose and not aggregate_only)
    except GoldFileError as exc:
        raise UserError(str(exc), code=2) from None
    show_misses = verbose and not aggregate_only
    console.print(format_report(report, show_misses), highlight=False, markup=False)


def _check_format(value: str) -> str:
    from itb_evidence.export.tables import FORMATS

    if value not in FORMATS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(FORMATS)}")
    return value


@app.command()
def export(
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv | xlsx | parquet | json | metafor | ris | bibtex | prisma",
            callback=_check_format,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option("--out", help="Output file (directory for parquet).", callback=check_out_file),
    ],
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Export the evidence tables from the store."""
    from itb_evidence.export import tables as export_stage

    with _open_store(db, read_only=True) as store:
        files = export_stage.export(store, fmt=fmt, out=out)
    for f in files:
        console.print(f"{f.format}: {f.path} ({f.rows} rows)", highlight=False)


@app.command()
def report(
    out: Annotated[
        Path, typer.Option("--out", help="HTML file to write.", callback=check_out_file)
    ] = Path("out/report.html"),
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Write the static HTML review report: table, highlighted abstracts, flags, plots, PRISMA."""
    from itb_evidence.export.prisma import render_prisma_svg
    from itb_evidence.export.tables import prisma_from_store
    from itb_evidence.report.render import write_report
    from itb_evidence.store.changes import changes_since_previous_run

    with _open_store(db, read_only=True) as store:
        prisma = render_prisma_svg(prisma_from_store(store))
        path = write_report(
            store, out, prisma_svg=prisma, changes=changes_since_previous_run(store)
        )
    console.print(f"report: {path}", highlight=False)


@app.command()
def schedule(
    cron: CronOption = DEFAULT_CRON,
    timezone: TimezoneOption = DEFAULT_TIMEZONE,
    count: Annotated[int, typer.Option("--count", min=1, max=52, help="Runs to list.")] = 5,
    db: DbOption = Path("itb_evidence.duckdb"),
    out_dir: OutDirOption = Path("out"),
) -> None:
    """Print the scheduled refresh deployment: what would run, with which parameters, and when."""
    from flows.deployment import DEPLOYMENT_NAME, ENTRYPOINT, default_parameters, next_runs

    params = default_parameters(db=db, out_dir=out_dir)
    console.print(
        f"deployment: itb-evidence-refresh/{DEPLOYMENT_NAME} ({ENTRYPOINT})",
        highlight=False,
        markup=False,
    )
    console.print(f"schedule: cron {cron!r} ({timezone})", highlight=False, markup=False)
    for key, value in params.items():
        console.print(f"parameter {key}: {value}", highlight=False, markup=False)
    for when in next_runs(cron, timezone=timezone, n=count):
        console.print(f"next run: {when.isoformat()}", highlight=False, markup=False)
    console.print(
        "start it: `prefect server start`, then `itb-evidence serve` (or `prefect deploy --all` "
        "with a worker); see README 'Scheduled refresh'.",
        highlight=False,
        markup=False,
    )


@app.command()
def serve(
    cron: CronOption = DEFAULT_CRON,
    timezone: TimezoneOption = DEFAULT_TIMEZONE,
    db: DbOption = Path("itb_evidence.duckdb"),
    out_dir: OutDirOption = Path("out"),
) -> None:
    """Serve the scheduled refresh deployment (needs a running Prefect server or Prefect Cloud)."""
    from itb_evidence.pubmed.entrez import EntrezConfig, EntrezError

    try:
        EntrezConfig.from_env()  # every scheduled run would fail without NCBI_EMAIL: say so now
    except EntrezError as exc:
        err_console.print(f"serve: {exc}", highlight=False, markup=False)
        raise typer.Exit(code=2) from exc
    from prefect import serve as prefect_serve

    from flows.deployment import build_deployment, default_parameters

    deployment = build_deployment(
        cron=cron, timezone=timezone, parameters=default_parameters(db=db, out_dir=out_dir)
    )
    prefect_serve(deployment)


app.command(
    "extract-corpus",
    help="Stream PubMed baseline/update files (.xml.gz) through parse, screen, extract and "
    "link into partitioned Parquet, in parallel (process pool, or Dask with --dask-address or "
    "--dask-local).",
)(extract_corpus_command)
app.command(
    "fulltext-reextract",
    help="Extract values again from the full texts held in the store (nothing is fetched).",
)(fulltext_reextract_command)

app.command("meta", help=meta_command.__doc__)(meta_command)

curate_app = typer.Typer(
    cls=OneLineErrors,
    help="Curator corrections: accept, reject or correct extracted values, include or exclude "
    "studies. Stored apart from machine extractions, they win over them and survive refreshes. "
    "Every correction is checked against the schema and the store before it is stored: known "
    "fields, typed values (an integer field refuses 7.5), enumerations (design, units, ...), "
    "ranges (p in [0, 1], no negative dose), a PMID of the store and an outcome the study has "
    "(or --new-outcome).",
    no_args_is_help=True,
)
app.add_typer(curate_app, name="curate")


ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept with the correction).")]
CuratorOption = Annotated[
    str, typer.Option("--by", help="Who is correcting.", envvar="ITB_CURATOR")
]
OutcomeOption = Annotated[
    str | None,
    typer.Option("--outcome", help="Outcome name, as the study has it (outcome rows)."),
]


def _curate(db: Path, correction: Correction) -> None:
    from itb_evidence.curate import CorrectionError, add_correction

    with _open_store(db, read_only=False) as store:
        try:
            cid = add_correction(store, correction)
        except CorrectionError as exc:
            raise UserError(f"refused: {exc}") from exc
    console.print(f"correction {cid} stored", highlight=False)


# a negative value ("-5") is a value, not an unknown option
@curate_app.command("set", context_settings={"ignore_unknown_options": True})
def curate_set(
    pmid: str,
    field: Annotated[str, typer.Argument(help="Column to correct, e.g. sample_size, p_value.")],
    value: Annotated[str, typer.Argument(help="Corrected value (empty string for null).")],
    reason: ReasonOption,
    by: CuratorOption,
    outcome: OutcomeOption = None,
    new_outcome: Annotated[
        bool,
        typer.Option(
            "--new-outcome",
            help="Add --outcome as a new outcome row of the study (without it, --outcome must "
            "name an outcome the study has).",
        ),
    ] = False,
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Correct one value of a study (or, with --outcome, of an outcome row)."""
    from itb_evidence.curate import Correction

    target = "outcome" if outcome is not None or new_outcome else "study"
    _curate(
        db,
        Correction(
            pmid,
            target,
            "set",
            reason,
            by,
            outcome=outcome,
            field=field,
            value=value,
            new_outcome=new_outcome,
        ),
    )


@curate_app.command("accept")
def curate_accept(
    pmid: str,
    reason: ReasonOption,
    by: CuratorOption,
    outcome: OutcomeOption = None,
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Mark a study's (or an outcome row's) extraction as checked and correct."""
    from itb_evidence.curate import Correction

    target = "outcome" if outcome is not None else "study"
    _curate(db, Correction(pmid, target, "accept", reason, by, outcome=outcome))


@curate_app.command("reject")
def curate_reject(
    pmid: str,
    reason: ReasonOption,
    by: CuratorOption,
    outcome: OutcomeOption = None,
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Reject an extracted outcome row (kept, marked rejected in exports)."""
    from itb_evidence.curate import Correction

    target = "outcome" if outcome is not None else "study"
    _curate(db, Correction(pmid, target, "reject", reason, by, outcome=outcome))


@curate_app.command("include")
def curate_include(
    pmid: str,
    reason: ReasonOption,
    by: CuratorOption,
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Include a study in the evidence table, overriding screening."""
    from itb_evidence.curate import Correction

    _curate(db, Correction(pmid, "study", "include", reason, by))


@curate_app.command("exclude")
def curate_exclude(
    pmid: str,
    reason: ReasonOption,
    by: CuratorOption,
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Exclude a study from the evidence table, overriding screening."""
    from itb_evidence.curate import Correction

    _curate(db, Correction(pmid, "study", "exclude", reason, by))


@curate_app.command("list")
def curate_list(db: ExistingDbOption = Path("itb_evidence.duckdb")) -> None:
    """Show the active corrections."""
    from itb_evidence.curate import active_corrections

    with _open_store(db, read_only=True) as store:
        df = active_corrections(store)
    console.print(
        df.to_string(index=False) if not df.empty else "no corrections",
        highlight=False,
        markup=False,
    )


@curate_app.command("export-file")
def curate_export_file(
    out: Annotated[
        Path,
        typer.Argument(
            help="corrections.csv or corrections.xlsx to fill in", callback=check_out_file
        ),
    ],
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Write every correctable value to a sheet; fill action/new_value/reason/curator."""
    from itb_evidence.curate import write_corrections_file

    with _open_store(db, read_only=True) as store:
        n = write_corrections_file(store, out)
    console.print(
        f"{out}: {n} values (actions: accept, reject, set, include, exclude)", highlight=False
    )


@curate_app.command("import-file")
def curate_import_file(
    path: Annotated[
        Path,
        typer.Argument(
            help="A filled-in corrections file (CSV or XLSX).", exists=True, dir_okay=False
        ),
    ],
    by: Annotated[
        str | None,
        typer.Option("--by", help="Curator for rows that name none.", envvar="ITB_CURATOR"),
    ] = None,
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Read a corrections file back into the store: all rows or none.

    Every row with an action is checked (as `curate set` checks) before anything is stored; when
    any row is bad, each bad row is reported on its own line (file, line, PMID, problem) and
    nothing is imported: fix the rows and import the file again.
    """
    from itb_evidence.curate import (
        CorrectionError,
        CorrectionFileError,
        import_corrections,
        read_corrections_file,
    )

    with _open_store(db, read_only=False) as store:
        try:
            corrections = read_corrections_file(path, default_curator=by, store=store)
            n = import_corrections(store, corrections)
        except CorrectionFileError as exc:
            for problem in exc.problems[:-1]:
                typer.echo(f"refused: {one_line(problem)}", err=True)
            last = exc.problems[-1]
            raise UserError(
                f"refused: {last}; nothing imported ({len(exc.problems)} bad row(s))"
            ) from exc
        except CorrectionError as exc:
            raise UserError(f"refused: {exc}; nothing imported") from exc
    console.print(f"{n} correction(s) stored from {path}", highlight=False)


class SqlFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def sql(
    query: Annotated[
        str, typer.Argument(help="SQL (DuckDB dialect), e.g. SELECT ... FROM studies")
    ],
    db: ExistingDbOption = Path("itb_evidence.duckdb"),
    fmt: Annotated[
        SqlFormat, typer.Option("--format", help="table (readable), csv or json (array).")
    ] = SqlFormat.table,
) -> None:
    """Query the store, read-only: nothing can be written, attached or read from other files.

    Tables: studies, outcomes, mentions (machine rows, as extracted); corrections (curator
    corrections, active where NOT superseded); records (the PubMed records); runs, failures,
    record_events (refresh bookkeeping). `export` and `report` show curated values; here the
    machine rows and corrections are apart. Columns: README "Schema". Examples:

      itb-evidence sql "SELECT design, count(*) AS n FROM studies WHERE included GROUP BY ALL"

      itb-evidence sql "SELECT pmid, outcome, p_value FROM outcomes" --format csv
    """
    import duckdb

    reads = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN, duckdb.StatementType.PRAGMA}
    with _open_store(db, read_only=True) as store:
        con = store.con
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        try:
            statements = con.extract_statements(query)
            kinds = [s.type for s in statements]
            if len(statements) != 1:
                raise UserError(f"query refused: one statement at a time, got {len(statements)}")
            if kinds[0] not in reads:
                raise UserError(
                    f"query refused: {kinds[0].name} is not a query; `sql` only reads the store "
                    "(SELECT, WITH, FROM, SHOW, DESCRIBE, SUMMARIZE, EXPLAIN, PRAGMA)"
                )
            df = con.sql(query).df()
        except duckdb.Error as exc:
            text = str(exc).strip()
            first = text.splitlines()[0] if text else type(exc).__name__
            raise UserError(f"query refused: {first}") from exc
    if fmt is SqlFormat.csv:
        sys.stdout.write(df.to_csv(index=False))
    elif fmt is SqlFormat.json:
        sys.stdout.write(df.to_json(orient="records", date_format="iso", force_ascii=False) + "\n")
    elif df.empty:
        console.print(f"(no rows; columns: {', '.join(map(str, df.columns))})", highlight=False)
    else:
        console.print(df.to_string(index=False, max_colwidth=80), highlight=False, markup=False)


if __name__ == "__main__":
    app()
