"""A parsed full text through the pure extractors: Results/Methods paragraphs through the same
extractor as abstracts, tables through the table extractor.

The seam the next round builds on: each paragraph extraction keeps its paragraph's address
(section, paragraph index) and the extractor's offsets index into that paragraph's text; each
table value keeps its table id, row, column and cell text. Merging these into the evidence rows
beside the abstract's values is not done here.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors import extract_study
from extractors.tables import TableExtraction, TableInput, extract_table
from extractors.types import StudyExtraction
from itb_evidence.fulltext.document import FullText, Paragraph, SectionKind, Table

# Where a study reports what it measured and found; introductions and discussions cite others.
EXTRACTED_KINDS: tuple[SectionKind, ...] = ("methods", "results", "case")


@dataclass(frozen=True, slots=True)
class ParagraphExtraction:
    """The extractors' output for one paragraph; offsets index into ``paragraph.text``."""

    paragraph: Paragraph
    section_title: str | None
    section_kind: SectionKind
    extraction: StudyExtraction


def table_input(table: Table) -> TableInput:
    """A parsed table as the pure table extractor takes it (footnotes with their marks)."""
    footnotes = tuple(f"{f.label} {f.text}" if f.label else f.text for f in table.footnotes)
    spanned = frozenset((c.row, c.col) for c in table.cells if c.origin is not None)
    return TableInput(
        table_id=table.xml_id,
        rows=table.text_rows(),
        header_rows=table.header_rows,
        caption=" ".join(p for p in (table.label, table.caption) if p),
        footnotes=footnotes,
        spanned=spanned,
    )


def extract_tables(document: FullText) -> list[TableExtraction]:
    return [extract_table(table_input(table)) for table in document.tables]


def extract_paragraphs(
    document: FullText, *, kinds: tuple[SectionKind, ...] = EXTRACTED_KINDS
) -> list[ParagraphExtraction]:
    """Every paragraph of these section kinds through ``extract_study`` (title left empty)."""
    out: list[ParagraphExtraction] = []
    for paragraph in document.paragraphs_of(*kinds):
        section = document.section_of(paragraph)
        assert section is not None  # paragraphs_of only yields paragraphs in sections
        extraction = extract_study(
            f"{document.pmcid or document.pmid}#p{paragraph.index}", "", paragraph.text
        )
        out.append(ParagraphExtraction(paragraph, section.title, section.kind, extraction))
    return out
