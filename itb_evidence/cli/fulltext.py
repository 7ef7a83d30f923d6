"""``itb-evidence fulltext-reextract``: the stored full texts through the current extractors again.

Registered in ``cli.main``. Reads the parsed documents the store's ``fulltexts`` table keeps, so
nothing is fetched; replaces each study's ``fulltext_values`` (the merge with the abstract's values
runs at export/report time, so the next export shows the new values).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from itb_evidence.cli.errors import check_existing_db


def fulltext_reextract_command(
    db: Annotated[
        Path,
        typer.Option(
            "--db",
            help="DuckDB evidence store (must exist: made by `demo` or `refresh`).",
            envvar="ITB_EVIDENCE_DB",
            callback=check_existing_db,
        ),
    ] = Path("itb_evidence.duckdb"),
) -> None:
    """Extract values again from the full texts held in the store (no fetching)."""
    from itb_evidence.store.fulltext_evidence import reextract  # the CLI starts fast
    from itb_evidence.store.store import EvidenceStore

    with EvidenceStore(db) as store:
        articles, values = reextract(store)
    Console().print(
        f"re-extracted {articles} stored full text(s): {values} values", highlight=False
    )
