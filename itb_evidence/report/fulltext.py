"""The report's full-text block: per included study, abstract and full-text values side by side,
each full-text value shown where it was read (its table with the cell marked, or its paragraph
with the span marked), or the reason the study has no usable full text.

Read from the store: ``fulltext_status``, the merged outcome rows (``itb_evidence.merge``) and the
parsed documents of ``fulltexts`` (the tables and paragraphs shown are the stored parse, so what
is highlighted is exactly what was read).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from itb_evidence.fulltext.document import FullText
from itb_evidence.merge import FULL_TEXT_ROW_KIND, merged_tables
from itb_evidence.report.views import num, stat_text
from itb_evidence.store.fulltext_evidence import STATUS, read_table
from itb_evidence.store.fulltexts import load_fulltexts
from itb_evidence.store.store import EvidenceStore

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class GridCell:
    text: str
    header: bool
    hit: bool


@dataclass(frozen=True, slots=True)
class Evidence:
    """One place values were read: a table grid or a paragraph split around its span."""

    locator: str
    title: str
    grid: list[list[GridCell]] = field(default_factory=list)
    before: str = ""
    span: str = ""
    after: str = ""


@dataclass(slots=True)
class MergedView:
    outcome: str
    timepoint: str
    abstract: str
    full_text: str
    sources: str
    disagree: bool
    disagreement: str
    provenance: str
    locators: list[str]


@dataclass(slots=True)
class FullTextStudyView:
    pmid: str
    pmcid: str | None
    status: str
    usable: bool
    reason: str
    n_values: int
    rows: list[MergedView] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


def _plain(df: pd.DataFrame) -> list[Row]:
    return [
        {str(k): v for k, v in r.items()}
        for r in df.astype(object).where(df.notna(), None).to_dict("records")
    ]


def _side_text(row: Row, prefix: str) -> str:
    pre, post = stat_text(row, f"{prefix}pre"), stat_text(row, f"{prefix}post")
    text = f"{pre} → {post}" if pre or post else ""
    comparator, value = row.get(f"{prefix}p_comparator"), row.get(f"{prefix}p_value")
    if value is not None:
        text += f"; p {comparator or '='} {num(value)}"
    elif comparator is not None and prefix:
        text += "; p NS"
    return text.strip("; ")


def _abstract_text(row: Row) -> str:
    if row["row_kind"] == FULL_TEXT_ROW_KIND:
        return "—"
    original = {k: row.get(k) for k in row}
    for side in ("pre", "post"):  # show what the abstract gave, not the filled-in value
        if row.get(f"{side}_source") == "full text":
            original[f"{side}_value"] = None
    if row.get("p_source") == "full text":
        original["p_value"] = original["p_comparator"] = None
    return _side_text(original, "") or "(named, no numbers)"


def _sources(row: Row) -> str:
    parts = []
    for name in ("timepoint", "pre", "pre_spread", "post", "post_spread", "p"):
        source = row.get(f"{name}_source")
        if source:
            parts.append(f"{name.replace('_', ' ')}: {source}")
    return "; ".join(parts)


def _evidence(document: FullText, locator: str) -> Evidence | None:
    kind, *parts = locator.split(":")
    if kind == "table" and len(parts) == 3:
        table = document.table(parts[0])
        if table is None:
            return None
        row, col = int(parts[1]), int(parts[2])
        grid = [[GridCell("", False, False)] * table.n_cols for _ in range(table.n_rows)]
        for c in table.cells:
            grid[c.row][c.col] = GridCell(c.text, c.header, (c.row, c.col) == (row, col))
        title = " ".join(p for p in (table.label, table.caption) if p)
        return Evidence(locator, title, grid=grid)
    if kind == "paragraph" and len(parts) == 3:
        index, start, end = (int(p) for p in parts)
        paragraph = next((p for p in document.paragraphs if p.index == index), None)
        if paragraph is None:
            return None
        section = document.section_of(paragraph)
        title = f"{section.title if section and section.title else 'Body'}, paragraph {index}"
        text = paragraph.text
        return Evidence(locator, title, before=text[:start], span=text[start:end], after=text[end:])
    return None


def _merge_evidence(found: list[Evidence]) -> list[Evidence]:
    """One grid per table with every hit of it marked (several values of one table)."""
    tables: dict[str, Evidence] = {}
    out: list[Evidence] = []
    for ev in found:
        if not ev.grid:
            out.append(ev)
            continue
        table_id = ev.locator.split(":")[1]
        if table_id not in tables:
            tables[table_id] = ev
            out.append(ev)
            continue
        first = tables[table_id]
        for r, line in enumerate(ev.grid):
            for c, cell in enumerate(line):
                if cell.hit:
                    first.grid[r][c] = cell
    return out


def load_fulltext_views(store: EvidenceStore) -> dict[str, FullTextStudyView]:
    """Per included study's PMID, its full-text view (studies never looked at are absent)."""
    status = _plain(read_table(store, STATUS))
    if not status:
        return {}
    merged = _plain(merged_tables(store)["outcomes"])
    by_pmid: dict[str, list[Row]] = defaultdict(list)
    for row in merged:
        if row.get("rejected"):
            continue
        if row.get("ft_locators") or row["row_kind"] == FULL_TEXT_ROW_KIND:
            by_pmid[str(row["pmid"])].append(row)
    documents = {item.document.pmcid: item.document for item in load_fulltexts(store)}
    views: dict[str, FullTextStudyView] = {}
    for s in status:
        pmid = str(s["pmid"])
        view = FullTextStudyView(
            pmid,
            s["pmcid"],
            str(s["status"]).replace("_", " "),
            bool(s["usable"]),
            s["reason"] or "",
            int(s["n_values"] or 0),
        )
        document = documents.get(s["pmcid"]) if s["pmcid"] else None
        found: list[Evidence] = []
        seen: set[str] = set()
        for row in by_pmid.get(pmid, []):
            locators = [x for x in (row.get("ft_locators") or "").split("; ") if x]
            view.rows.append(
                MergedView(
                    outcome=row["outcome"] or "—",
                    timepoint=row.get("timepoint") or "",
                    abstract=_abstract_text(row),
                    full_text=_side_text(row, "ft_") or "—",
                    sources=_sources(row),
                    disagree=bool(row.get("sources_disagree")),
                    disagreement=row.get("disagreement") or "",
                    provenance=row.get("ft_provenance") or "",
                    locators=locators,
                )
            )
            for locator in locators:
                if document is not None and locator not in seen:
                    seen.add(locator)
                    if (ev := _evidence(document, locator)) is not None:
                        found.append(ev)
        view.evidence = _merge_evidence(found)
        views[pmid] = view
    return views
