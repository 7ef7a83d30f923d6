"""``itb-evidence``: the command line (typer).

Commands that need no orchestration (``extract``, ``evaluate``, ``export``) call the stage
functions directly and never start a Prefect server; ``demo`` and ``refresh`` run the Prefect flow.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from flows.deployment import DEFAULT_CRON, DEFAULT_TIMEZONE
from itb_evidence.cli.corpus import extract_corpus_command
from itb_evidence.settings import apply_prefect_defaults

if TYPE_CHECKING:
    from itb_evidence.curate import Correction

app = typer.Typer(
    help="Living evidence table of intrathecal baclofen (ITB) studies in hereditary spastic "
    "paraplegia (HSP), curated from PubMed.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=False, soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

DbOption = Annotated[
    Path,
    typer.Option(
        "--db", help="DuckDB evidence store (created if missing).", envvar="ITB_EVIDENCE_DB"
    ),
]
OutDirOption = Annotated[
    Path, typer.Option("--out-dir", help="Directory for evidence.csv and evidence.xlsx.")
]


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


@app.command()
def demo(
    db: DbOption = Path("itb_evidence.duckdb"),
    out_dir: OutDirOption = Path("out"),
) -> None:
    """Run the refresh flow over the bundled PubMed snapshot in data/ (no network needed)."""
    apply_prefect_defaults()
    from flows.refresh import snapshot_flow

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
        ),
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to YYYY-MM-DD.")] = None,
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
    from itb_evidence.settings import DEFAULT_QUERY

    try:
        summary = refresh_flow(
            query=query or DEFAULT_QUERY,
            since=_parse_day(since, "--since"),
            until=_parse_day(until, "--until"),
            db=db,
            out_dir=out_dir,
            batch_size=batch_size,
        )
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


@app.command()
def extract(
    input: Annotated[
        Path | None,
        typer.Argument(help="JSONL with id, title, abstract per line (default: stdin)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Output JSONL (default: stdout).")
    ] = None,
) -> None:
    """Extract outcomes, doses, p-values, sample size and results from JSONL abstracts."""
    from extractors.contract import run_contract

    src = input.open(encoding="utf-8") if input else sys.stdin
    dst = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        ok, bad = run_contract(src, dst, sys.stderr)
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
        Path, typer.Argument(help="Gold JSONL in the schema of shared/gold/dev.jsonl.")
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
    """Score the extractors against a gold file (precision/recall/F1 and accuracies)."""
    from itb_evidence.evaluate import GoldFileError, format_report, frozen_split_records
    from itb_evidence.evaluate import evaluate as run_evaluation

    try:
        frozen = frozen_split_records(gold)
        if frozen and verbose:
            raise GoldFileError(
                f"{gold}: {frozen} record(s) of the frozen test split: only aggregate scores are "
                "printed for them (drop --verbose)"
            )
        report = run_evaluation(gold, verbose=verbose and not aggregate_only)
    except (GoldFileError, OSError) as exc:
        err_console.print(f"error: {exc}", highlight=False, markup=False)
        raise typer.Exit(code=2) from None
    show_misses = verbose and not aggregate_only
    console.print(format_report(report, show_misses), highlight=False, markup=False)


@app.command()
def export(
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="csv | xlsx | parquet | json | metafor | ris | bibtex | prisma"
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output file (directory for parquet).")],
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Export the evidence tables from the store."""
    from itb_evidence.export import tables as export_stage
    from itb_evidence.store.store import EvidenceStore

    if not db.exists():
        raise typer.BadParameter(
            f"no store at {db}; run `itb-evidence demo` or `refresh` first", param_hint="--db"
        )
    try:
        with EvidenceStore(db, read_only=True) as store:
            files = export_stage.export(store, fmt=fmt, out=out)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--format") from exc
    for f in files:
        console.print(f"{f.format}: {f.path} ({f.rows} rows)", highlight=False)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "out/report.html"
    ),
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Write the static HTML review report: table, highlighted abstracts, flags, plots, PRISMA."""
    from itb_evidence.curate import curated_tables
    from itb_evidence.export.prisma import render_prisma_svg
    from itb_evidence.export.tables import prisma_from_tables
    from itb_evidence.report.render import write_report
    from itb_evidence.store.changes import changes_since_previous_run
    from itb_evidence.store.store import EvidenceStore

    if not db.exists():
        raise typer.BadParameter(
            f"no store at {db}; run `itb-evidence demo` first", param_hint="--db"
        )
    with EvidenceStore(db, read_only=True) as store:
        prisma = render_prisma_svg(prisma_from_tables(curated_tables(store)))
        path = write_report(
            store, out, prisma_svg=prisma, changes=changes_since_previous_run(store)
        )
    console.print(f"report: {path}", highlight=False)


@app.command()
def schedule(
    cron: Annotated[str, typer.Option("--cron", help="Cron expression.")] = DEFAULT_CRON,
    timezone: Annotated[str, typer.Option("--timezone")] = DEFAULT_TIMEZONE,
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
    cron: Annotated[str, typer.Option("--cron", help="Cron expression.")] = DEFAULT_CRON,
    timezone: Annotated[str, typer.Option("--timezone")] = DEFAULT_TIMEZONE,
    db: DbOption = Path("itb_evidence.duckdb"),
    out_dir: OutDirOption = Path("out"),
) -> None:
    """Serve the scheduled refresh deployment (needs a running Prefect server or Prefect Cloud)."""
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

curate_app = typer.Typer(
    help="Curator corrections: accept, reject or correct extracted values, include or exclude "
    "studies. Stored apart from machine extractions, they win over them and survive refreshes.",
    no_args_is_help=True,
)
app.add_typer(curate_app, name="curate")

ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept with the correction).")]
CuratorOption = Annotated[
    str, typer.Option("--by", help="Who is correcting.", envvar="ITB_CURATOR")
]
OutcomeOption = Annotated[
    str | None, typer.Option("--outcome", help="Canonical outcome name (outcome rows).")
]


def _curate(db: Path, correction: Correction) -> None:
    from itb_evidence.curate import CorrectionError, add_correction
    from itb_evidence.store.store import EvidenceStore

    if not db.exists():
        raise typer.BadParameter(f"no store at {db}", param_hint="--db")
    try:
        with EvidenceStore(db) as store:
            cid = add_correction(store, correction)
    except CorrectionError as exc:
        err_console.print(f"refused: {exc}", highlight=False, markup=False)
        raise typer.Exit(code=1) from exc
    console.print(f"correction {cid} stored", highlight=False)


@curate_app.command("set")
def curate_set(
    pmid: str,
    field: Annotated[str, typer.Argument(help="Column to correct, e.g. sample_size, p_value.")],
    value: Annotated[str, typer.Argument(help="Corrected value (empty string for null).")],
    reason: ReasonOption,
    by: CuratorOption,
    outcome: OutcomeOption = None,
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Correct one value of a study (or, with --outcome, of an outcome row)."""
    from itb_evidence.curate import Correction

    target = "outcome" if outcome else "study"
    _curate(
        db, Correction(pmid, target, "set", reason, by, outcome=outcome, field=field, value=value)
    )


@curate_app.command("accept")
def curate_accept(
    pmid: str,
    reason: ReasonOption,
    by: CuratorOption,
    outcome: OutcomeOption = None,
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Mark a study's (or an outcome row's) extraction as checked and correct."""
    from itb_evidence.curate import Correction

    _curate(
        db,
        Correction(pmid, "outcome" if outcome else "study", "accept", reason, by, outcome=outcome),
    )


@curate_app.command("reject")
def curate_reject(
    pmid: str,
    reason: ReasonOption,
    by: CuratorOption,
    outcome: OutcomeOption = None,
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Reject an extracted outcome row (kept, marked rejected in exports)."""
    from itb_evidence.curate import Correction

    _curate(
        db,
        Correction(pmid, "outcome" if outcome else "study", "reject", reason, by, outcome=outcome),
    )


@curate_app.command("include")
def curate_include(
    pmid: str, reason: ReasonOption, by: CuratorOption, db: DbOption = Path("itb_evidence.duckdb")
) -> None:
    """Include a study in the evidence table, overriding screening."""
    from itb_evidence.curate import Correction

    _curate(db, Correction(pmid, "study", "include", reason, by))


@curate_app.command("exclude")
def curate_exclude(
    pmid: str, reason: ReasonOption, by: CuratorOption, db: DbOption = Path("itb_evidence.duckdb")
) -> None:
    """Exclude a study from the evidence table, overriding screening."""
    from itb_evidence.curate import Correction

    _curate(db, Correction(pmid, "study", "exclude", reason, by))


@curate_app.command("list")
def curate_list(db: DbOption = Path("itb_evidence.duckdb")) -> None:
    """Show the active corrections."""
    from itb_evidence.curate import active_corrections
    from itb_evidence.store.store import EvidenceStore

    with EvidenceStore(db, read_only=True) as store:
        df = active_corrections(store)
    console.print(
        df.to_string(index=False) if not df.empty else "no corrections",
        highlight=False,
        markup=False,
    )


@curate_app.command("export-file")
def curate_export_file(
    out: Annotated[Path, typer.Argument(help="corrections.csv or corrections.xlsx to fill in")],
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Write every correctable value to a sheet; fill action/new_value/reason/curator."""
    from itb_evidence.curate import write_corrections_file
    from itb_evidence.store.store import EvidenceStore

    with EvidenceStore(db, read_only=True) as store:
        n = write_corrections_file(store, out)
    console.print(
        f"{out}: {n} values (actions: accept, reject, set, include, exclude)", highlight=False
    )


@curate_app.command("import-file")
def curate_import_file(
    path: Annotated[Path, typer.Argument(help="A filled-in corrections file (CSV or XLSX).")],
    by: Annotated[
        str | None,
        typer.Option("--by", help="Curator for rows that name none.", envvar="ITB_CURATOR"),
    ] = None,
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Read a corrections file back into the store (all rows or none)."""
    from itb_evidence.curate import CorrectionError, import_corrections, read_corrections_file
    from itb_evidence.store.store import EvidenceStore

    try:
        corrections = read_corrections_file(path, default_curator=by)
        with EvidenceStore(db) as store:
            n = import_corrections(store, corrections)
    except CorrectionError as exc:
        err_console.print(f"refused: {exc}", highlight=False, markup=False)
        raise typer.Exit(code=1) from exc
    console.print(f"{n} correction(s) stored from {path}", highlight=False)


if __name__ == "__main__":
    app()
