"""Export stage: the evidence table as files reviewers open (CSV, XLSX, Parquet, JSON).

CSV is the meta-analysis hand-off, so it is one file per table with a stable column order (the
schema's). XLSX gets one sheet per table, a frozen header, sensible widths and a README sheet with
the run's query, date and counts, because a spreadsheet travels without its context.

CSV and XLSX neutralise formula triggers in text cells (``export.formulas``: a leading ``'`` in CSV,
a string cell with Excel's quote prefix in XLSX, numbers untouched); JSON and Parquet keep the
original text, as they are not opened by spreadsheets.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from itb_evidence.curate import curated_tables
from itb_evidence.export.citations import to_bibtex, to_ris
from itb_evidence.export.failures import FailedRecord, unresolved_failures
from itb_evidence.export.formulas import (
    XLSX_WORKBOOK_OPTIONS,
    formula_like_cells,
    to_safe_csv,
)
from itb_evidence.export.metafor import metafor_table
from itb_evidence.export.prisma import PrismaCounts, prisma_counts
from itb_evidence.merge import merged_tables
from itb_evidence.store.store import EvidenceStore

FORMATS = ("csv", "xlsx", "parquet", "json", "metafor", "ris", "bibtex", "prisma")


@dataclass(frozen=True, slots=True)
class ExportedFile:
    format: str
    path: Path
    rows: int


def _run_info(store: EvidenceStore) -> dict[str, Any]:
    df = store.con.execute("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1").df()
    info: dict[str, Any] = {"exported_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if not df.empty:
        row = df.iloc[0]
        for key in (
            "run_id",
            "mode",
            "query",
            "query_translation",
            "window_start",
            "window_end",
            "started_at",
            "found",
            "fetched",
            "new",
            "revised",
            "failed",
            "included",
            "rows_written",
            "extractor_version",
        ):
            value = row[key]
            info[key] = None if pd.isna(value) else str(value)
    return info


def write_csv(tables: Mapping[str, pd.DataFrame], out: Path) -> list[ExportedFile]:
    """``out`` is a file for the studies table; the outcomes go beside it (``*_outcomes.csv``)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    files = []
    for name, df in tables.items():
        path = out if name == "studies" else out.with_name(f"{out.stem}_{name}{out.suffix}")
        to_safe_csv(df, path)
        files.append(ExportedFile("csv", path, len(df)))
    return files


def write_xlsx(
    tables: Mapping[str, pd.DataFrame], out: Path, info: Mapping[str, Any]
) -> ExportedFile:
    """One sheet per table and a README sheet; every string is a string cell, never a formula."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(out, engine="xlsxwriter", engine_kwargs=XLSX_WORKBOOK_OPTIONS) as writer:
        quoted = writer.book.add_format({"quote_prefix": True})
        readme = pd.DataFrame(
            [{"key": k, "value": v} for k, v in info.items()]
            + [{"key": f"rows in {n}", "value": len(df)} for n, df in tables.items()]
        )
        readme.to_excel(writer, sheet_name="README", index=False)
        _quote_prefix(writer.sheets["README"], readme, quoted)
        writer.sheets["README"].set_column(0, 0, 24)
        writer.sheets["README"].set_column(1, 1, 80)
        for name, df in tables.items():
            df.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            _quote_prefix(sheet, df, quoted)
            sheet.freeze_panes(1, 0)
            for i, col in enumerate(df.columns):
                longest = max([len(str(col)), *(len(str(v)) for v in df[col].head(200))])
                sheet.set_column(i, i, min(max(10, longest + 2), 60))
    total = sum(len(df) for df in tables.values())
    return ExportedFile("xlsx", out, total)


def _quote_prefix(sheet: Any, df: pd.DataFrame, quoted: Any) -> None:
    """Rewrite ``df``'s formula-like text cells (below the header row) with the quote prefix."""
    for row, col, text in formula_like_cells(df):
        sheet.write_string(row + 1, col, text, quoted)


def write_parquet(tables: Mapping[str, pd.DataFrame], out: Path) -> list[ExportedFile]:
    """A directory of one Parquet file per table (what DuckDB/Spark/arrow read directly)."""
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name, df in tables.items():
        path = out / f"{name}.parquet"
        df.to_parquet(path, index=False)
        files.append(ExportedFile("parquet", path, len(df)))
    return files


def write_json(
    tables: Mapping[str, pd.DataFrame], out: Path, info: Mapping[str, Any]
) -> ExportedFile:
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "run": dict(info),
        **{name: json.loads(df.to_json(orient="records")) for name, df in tables.items()},
    }
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    return ExportedFile("json", out, sum(len(df) for df in tables.values()))


def export(store: EvidenceStore, *, fmt: str, out: Path) -> list[ExportedFile]:
    """Export the store, corrections applied, in one format (unknown formats are refused).

    Exported tables carry ``curation`` (who changed what, and why), ``needs_review`` (a
    correction whose anchored text changed in a revised record) and, for outcomes, ``rejected``
    and the full-text columns of ``itb_evidence.merge`` (sources, disagreements, ``ft_*``).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    tables = merged_tables(store)
    if fmt in ("ris", "bibtex", "prisma", "metafor"):
        return [_write_review_format(store, tables, fmt=fmt, out=out)]
    if fmt == "csv":
        return write_csv(tables, out)
    if fmt == "parquet":
        return write_parquet(tables, out)
    info = _run_info(store)
    if fmt == "xlsx":
        return [write_xlsx(tables, out, info)]
    return [write_json(tables, out, info)]


def included_pmids(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    studies = tables["studies"]
    return sorted(studies.loc[studies["included"].astype(bool), "pmid"].astype(str))


def prisma_from_tables(
    tables: Mapping[str, pd.DataFrame], failures: Sequence[FailedRecord] = ()
) -> PrismaCounts:
    """PRISMA 2020 counts over every screened record (curator decisions applied).

    ``failures`` (the store's unresolved ``failures`` rows, :func:`unresolved_failures`) are the
    records identified but not retrieved or not processed; a failed PMID that still has a row in
    the tables (an earlier version was screened) is counted as screened, never twice.
    """
    studies = tables["studies"]
    decisions = [
        (str(s.pmid), bool(s.included), str(s.inclusion_reason)) for s in studies.itertuples()
    ]
    decided = {pmid for pmid, _, _ in decisions}
    not_retrieved = [(f.pmid, f.reason) for f in failures if f.pmid not in decided]
    return prisma_counts(
        decisions, identified=len(decisions) + len(not_retrieved), not_retrieved=not_retrieved
    )


def prisma_from_store(store: EvidenceStore) -> PrismaCounts:
    """PRISMA 2020 counts of the store: curated decisions plus unresolved failures."""
    return prisma_from_tables(curated_tables(store), unresolved_failures(store))


def _write_review_format(
    store: EvidenceStore, tables: Mapping[str, pd.DataFrame], *, fmt: str, out: Path
) -> ExportedFile:
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "metafor":
        df = metafor_table(tables["studies"], tables["outcomes"])
        to_safe_csv(df, out)
        return ExportedFile(fmt, out, len(df))
    if fmt == "prisma":
        counts = prisma_from_tables(tables, unresolved_failures(store))
        out.write_text(json.dumps(counts.to_json(), indent=2), encoding="utf-8")
        return ExportedFile(fmt, out, counts.included)
    records = store.records(included_pmids(tables))
    text = to_ris(records) if fmt == "ris" else to_bibtex(records)
    out.write_text(text, encoding="utf-8")
    return ExportedFile(fmt, out, len(records))
