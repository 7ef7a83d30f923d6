"""A parsed full text as rows of values, each with the address a reviewer follows back to it.

Results/Methods paragraphs go through the abstract extractor and tables through the table
extractor (``fulltext.extract``); this module flattens both into one row per value for the store's
``fulltext_values`` table. A paragraph value keeps its section, paragraph index and character span
(offsets index the paragraph's text); a table value keeps its table id and label, grid row and
column, the cell's raw text and the headers that gave it its meaning.

Values that belong together (the pre value, post values and p-value of one table row, or of one
pre->post sentence) share a ``group_key``, which is what the merge with the abstract reads
(``itb_evidence.merge``). Per-patient rows keep their ``subject``: they are values, not summaries.
"""

from __future__ import annotations

from typing import Any

from extractors import EXTRACTOR_VERSION
from extractors.tables import TableExtraction, TableValue
from extractors.types import Provenance, Statistic
from itb_evidence.fulltext.document import FullText
from itb_evidence.fulltext.extract import ParagraphExtraction, extract_paragraphs, extract_tables

Row = dict[str, Any]

# A table value's kind and role -> the row's role (what the merge reads it as).
_TABLE_ROLE = {"statistic": None, "p_value": "p_value", "sample_size": "n", "dose": "dose"}


def _stat_cols(stat: Statistic | None) -> Row:
    spread = stat.spread if stat is not None else None
    return {
        "stat": stat.stat if stat else None,
        "value": stat.value if stat else None,
        "spread_type": spread.type if spread else None,
        "spread_lo": spread.lo if spread else None,
        "spread_hi": spread.hi if spread else None,
        "sd": spread.sd if spread else None,
    }


def _blank(pmid: str, pmcid: str | None) -> Row:
    return {
        "pmid": pmid,
        "pmcid": pmcid,
        "group_key": None,
        "source": None,
        "role": None,
        "outcome": None,
        "timepoint": None,
        "subject": None,
        **_stat_cols(None),
        "p_comparator": None,
        "p_value": None,
        "n": None,
        "unit": None,
        "section": None,
        "section_kind": None,
        "paragraph_index": None,
        "span_start": None,
        "span_end": None,
        "source_text": None,
        "table_id": None,
        "table_label": None,
        "table_row": None,
        "table_col": None,
        "cell_text": None,
        "row_header": None,
        "column_header": None,
        "rule_id": None,
        "extractor_version": EXTRACTOR_VERSION,
    }


def _table_rows(
    pmid: str, pmcid: str | None, extraction: TableExtraction, label: str | None
) -> list[Row]:
    rows: list[Row] = []
    for v in extraction.values:
        rows.append(_table_value_row(pmid, pmcid, v, label))
    return rows


def _table_value_row(pmid: str, pmcid: str | None, v: TableValue, label: str | None) -> Row:
    row = _blank(pmid, pmcid)
    role = _TABLE_ROLE[v.kind] or (v.role if v.role in ("pre", "post", "change") else "other")
    row.update(
        group_key=f"table:{v.cell.table_id}:r{v.cell.row}",
        source="table",
        role=role,
        outcome=v.outcome,
        timepoint=v.timepoint,
        subject=v.subject,
        **_stat_cols(v.statistic),
        p_comparator=v.comparator,
        p_value=v.p,
        n=v.n,
        unit=v.unit,
        table_id=v.cell.table_id,
        table_label=label,
        table_row=v.cell.row,
        table_col=v.cell.col,
        cell_text=v.cell.text,
        row_header=v.cell.row_header,
        column_header=v.cell.column_header,
        rule_id=v.rule_id,
    )
    if v.kind == "p_value" and v.p is None:  # "NS" as printed
        row["p_comparator"] = v.comparator
    return row


def _paragraph_row(pmid: str, pmcid: str | None, pe: ParagraphExtraction, prov: Provenance) -> Row:
    row = _blank(pmid, pmcid)
    row.update(
        source="paragraph",
        section=pe.section_title,
        section_kind=pe.section_kind,
        paragraph_index=pe.paragraph.index,
        span_start=prov.start,
        span_end=prov.end,
        source_text=prov.text,
        rule_id=prov.rule_id,
    )
    return row


def _paragraph_rows(pmid: str, pmcid: str | None, pe: ParagraphExtraction) -> list[Row]:
    rows: list[Row] = []
    ex = pe.extraction
    in_results: set[int] = set()
    for result in ex.results:
        key = f"p{pe.paragraph.index}:{result.prov.start}"
        for role, stat in (("pre", result.pre), ("post", result.post)):
            row = _paragraph_row(pmid, pmcid, pe, result.prov)
            row.update(
                group_key=key,
                role=role,
                outcome=result.outcome,
                timepoint=result.timepoint if role == "post" else None,
                unit=result.unit,
                **_stat_cols(stat),
            )
            rows.append(row)
        if result.p is not None:
            in_results.add(result.p.prov.start)
            row = _paragraph_row(pmid, pmcid, pe, result.p.prov)
            row.update(
                group_key=key,
                role="p_value",
                outcome=result.outcome,
                p_comparator=result.p.comparator,
                p_value=result.p.value,
            )
            rows.append(row)
    for p in ex.p_values:
        if p.prov.start in in_results:
            continue
        row = _paragraph_row(pmid, pmcid, pe, p.prov)
        row.update(
            group_key=f"p{pe.paragraph.index}:{p.prov.start}",
            role="p_value",
            outcome=p.outcome,
            p_comparator=p.comparator,
            p_value=p.value,
        )
        rows.append(row)
    for d in ex.doses:
        row = _paragraph_row(pmid, pmcid, pe, d.prov)
        row.update(
            group_key=f"p{pe.paragraph.index}:{d.prov.start}",
            role="dose",
            stat="mean" if d.sd is not None else "value",
            value=d.value,
            spread_type="sd" if d.sd is not None else ("range" if d.range else None),
            spread_lo=d.range[0] if d.range else None,
            spread_hi=d.range[1] if d.range else None,
            sd=d.sd,
            unit=d.unit,
        )
        rows.append(row)
    if ex.sample_size is not None:
        row = _paragraph_row(pmid, pmcid, pe, ex.sample_size.prov)
        row.update(
            group_key=f"p{pe.paragraph.index}:{ex.sample_size.prov.start}",
            role="n",
            n=ex.sample_size.n,
        )
        rows.append(row)
    return rows


def fulltext_value_rows(pmid: str, document: FullText) -> list[Row]:
    """Every value of the article's Results/Methods paragraphs and tables, with provenance."""
    if not document.has_body:
        return []
    rows: list[Row] = []
    for pe in extract_paragraphs(document):
        rows.extend(_paragraph_rows(pmid, document.pmcid, pe))
    labels = {t.xml_id: t.label for t in document.tables}
    for extraction in extract_tables(document):
        rows.extend(_table_rows(pmid, document.pmcid, extraction, labels.get(extraction.table_id)))
    return rows
