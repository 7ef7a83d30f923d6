"""``itb-evidence meta``: pooled pre→post estimates per outcome, from the curated store.

Registered in ``cli/main.py`` with ``app.command("meta")(meta_command)``. Reads an in-memory copy
of the store (corrections applied, rejected rows not pooled), so it never blocks a refresh.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from itb_evidence.cli.errors import UserError, check_existing_db

console = Console(soft_wrap=True)


class MetaFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


class MetaMethod(StrEnum):
    REML = "REML"
    DL = "DL"


class MetaMeasure(StrEnum):
    SMCR = "SMCR"
    SMCC = "SMCC"
    MC = "MC"


def _check_ri(value: float) -> float:
    if not -1.0 <= value <= 1.0:
        raise typer.BadParameter(f"{value} is not a correlation in [-1, 1]")
    return value


def meta_command(
    outcome: Annotated[
        str | None, typer.Option("--outcome", help="Only this outcome (canonical name).")
    ] = None,
    ri: Annotated[
        float,
        typer.Option(
            "--ri",
            help="Assumed pre-post correlation where the paper gives no paired t (default 0.5; "
            "0.3 and 0.7 are always run as sensitivity analyses).",
            callback=_check_ri,
        ),
    ] = 0.5,
    method: Annotated[
        MetaMethod, typer.Option("--method", help="τ² estimator: REML or DL (DerSimonian-Laird).")
    ] = MetaMethod.REML,
    measure: Annotated[
        MetaMeasure,
        typer.Option("--measure", help="metafor measure: SMCR (default), SMCC or MC."),
    ] = MetaMeasure.SMCR,
    hartung_knapp: Annotated[
        bool, typer.Option("--hartung-knapp", help="Hartung-Knapp CI and test (t, k - 1 df).")
    ] = False,
    fmt: Annotated[
        MetaFormat,
        typer.Option("--format", help="table (readable), json (estimates and studies) or csv."),
    ] = MetaFormat.table,
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
    """Pool pre→post effects per outcome: random effects (REML or DL), fixed effect, sensitivity.

    One row per outcome and analysis: main model, fixed effect, Hartung-Knapp, without estimated
    values, ri = 0.3 / 0.7, leave-one-out. Outcomes with fewer than two usable studies are listed
    with the reason (so are the study rows left out). Effects are oriented so that a positive
    value is an improvement where the outcome's direction is known.
    """
    import duckdb

    from itb_evidence.curate import curated_tables
    from itb_evidence.meta.analysis import analyse, effects_table, format_results, pooled_table
    from itb_evidence.meta.studies import study_rows
    from itb_evidence.store.store import EvidenceStore, StoreBusyError

    try:
        with EvidenceStore(db, read_only=True) as store:
            tables = curated_tables(store)
    except StoreBusyError as exc:
        raise UserError(str(exc)) from exc
    except duckdb.Error as exc:  # not a DuckDB file, ... (as `export` and `report` say it)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"--db {db}: cannot open the store: {first}") from exc
    rows = study_rows(tables["studies"], tables["outcomes"])
    results = analyse(
        rows,
        outcome=outcome,
        measure=measure.value,
        method=method.value,
        hartung_knapp=hartung_knapp,
        ri=ri,
    )
    if outcome is not None and not results:
        known = sorted({r.outcome for r in rows})
        raise UserError(
            f"--outcome {outcome!r}: no pre→post result of an included study has this outcome"
            + (f"; outcomes with results: {', '.join(known)}" if known else "")
        )
    pooled, effects = pooled_table(results), effects_table(results)
    if fmt is MetaFormat.csv:
        sys.stdout.write(pooled.to_csv(index=False))
    elif fmt is MetaFormat.json:
        doc = {
            "pooled": json.loads(pooled.to_json(orient="records", force_ascii=False)),
            "studies": json.loads(effects.to_json(orient="records", force_ascii=False)),
        }
        sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
    elif not results:
        console.print("no pre→post results of included studies to pool", highlight=False)
    else:
        console.print(format_results(results), highlight=False, markup=False)
