"""``itb-evidence``: the command line (typer).

Commands that need no orchestration (``extract``, ``evaluate``, ``export``) call the stage
functions directly and never start a Prefect server; ``demo`` and ``refresh`` run the Prefect flow.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from itb_evidence.prefect_env import apply_defaults

app = typer.Typer(
    help="Living evidence table of intrathecal baclofen (ITB) studies in hereditary spastic "
    "paraplegia (HSP), curated from PubMed.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=False)
err_console = Console(stderr=True)

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
    apply_defaults()
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
    apply_defaults()
    from flows.refresh import refresh_flow
    from itb_evidence.refresh import DEFAULT_QUERY

    summary = refresh_flow(
        query=query or DEFAULT_QUERY,
        since=_parse_day(since, "--since"),
        until=_parse_day(until, "--until"),
        db=db,
        out_dir=out_dir,
        batch_size=batch_size,
    )
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
) -> None:
    """Score the extractors against a gold file (precision/recall/F1 and accuracies)."""
    from itb_evidence.evaluate import evaluate as run_evaluation
    from itb_evidence.evaluate import format_report

    report = run_evaluation(gold, verbose=verbose)
    console.print(format_report(report, verbose), highlight=False, markup=False)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv | xlsx | parquet | json")],
    out: Annotated[Path, typer.Option("--out", help="Output file (directory for parquet).")],
    db: DbOption = Path("itb_evidence.duckdb"),
) -> None:
    """Export the evidence tables from the store."""
    from itb_evidence import export as export_stage
    from itb_evidence.store import EvidenceStore

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


if __name__ == "__main__":
    app()
