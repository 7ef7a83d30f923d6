"""``itb-evidence extract-corpus PATH...``: PubMed baseline/update files -> partitioned Parquet.

Registered in ``cli.py`` with ``app.command("extract-corpus")(extract_corpus_command)``. Runs the
Prefect corpus flow (``flows/corpus.py``); exits 1 when a file broke (its earlier parts are kept).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from itb_evidence.cli.errors import check_out_dir
from itb_evidence.settings import apply_prefect_defaults

console = Console()


def extract_corpus_command(
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="PubMed XML files (baseline/update style pubmed26n0001.xml.gz, or plain .xml).",
        ),
    ],
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out-dir",
            help="Dataset folder: <out-dir>/<table>/source=<file stem>/part-<n>.parquet "
            "(tables: studies, outcomes, mentions, failures). A file's partition is replaced "
            "when it is extracted again.",
            callback=check_out_dir,
        ),
    ] = Path("out/corpus"),
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Local worker processes (default: one per file, at most one per CPU).",
        ),
    ] = None,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address",
            help="Run the files on a running Dask scheduler, e.g. tcp://10.0.0.5:8786.",
        ),
    ] = None,
    dask_local: Annotated[
        int | None,
        typer.Option(
            "--dask-local", min=1, help="Run the files on a local Dask cluster of N processes."
        ),
    ] = None,
) -> None:
    """Extract PubMed baseline/update files into partitioned Parquet, files in parallel."""
    if dask_address is not None and dask_local is not None:
        raise typer.BadParameter("give --dask-address or --dask-local, not both")
    if workers is not None and (dask_address is not None or dask_local is not None):
        raise typer.BadParameter("--workers sizes the local pool; with Dask, size the cluster")
    from itb_evidence.corpus.process import check_unique_sources

    paths = list(dict.fromkeys(paths))  # the same file named twice is extracted once
    try:
        check_unique_sources(paths)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="PATHS") from exc
    apply_prefect_defaults()
    from flows.corpus import extract_corpus_flow

    summary = extract_corpus_flow(
        paths, out_dir, workers=workers, dask_address=dask_address, dask_local=dask_local
    )
    for line in summary.lines():
        style = "bold red" if line.startswith("FAILED") else None
        console.print(line, style=style, markup=False, highlight=False, soft_wrap=True)
    console.print(f"dataset: {out_dir}", markup=False, highlight=False, soft_wrap=True)
    if summary.broken_files:
        raise typer.Exit(code=1)
