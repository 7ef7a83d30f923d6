"""The parsed full text of one article: what the JATS parser hands to extraction and the store.

Everything a value can come from has an address a reviewer can follow back: a paragraph is
``(section index, paragraph index)`` and its text (extraction offsets index into it); a table
cell is ``(table id, row, column)`` in the table's grid with its raw text. Tables are kept as
lists of cells (JSON-friendly, for the store) and turned into pandas DataFrames on demand
(:meth:`Table.cells_frame`, :meth:`Table.grid`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

# What a section is about, from its ``sec-type`` or its title (``jats.section_kind``).
SectionKind = Literal[
    "abstract",
    "introduction",
    "methods",
    "results",
    "discussion",
    "conclusions",
    "case",
    "supplementary",
    "other",
]
# Why an article's full text is (not) usable: only a JATS ``<body>`` holds the article's text.
Availability = Literal["open_access", "no_body"]

DOCUMENT_FORMAT = 1  # bumped when the stored JSON changes shape


@dataclass(frozen=True, slots=True)
class Section:
    """One ``<sec>`` (or the abstract); ``parent`` is the index of the enclosing section."""

    index: int
    title: str | None
    kind: SectionKind
    sec_type: str | None  # the ``sec-type`` attribute as written
    level: int  # 1 for a top-level section
    parent: int | None
    xml_id: str | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One ``<p>`` of running text (floats such as tables and figures inside it left out)."""

    index: int  # position among all paragraphs of the article
    section: int | None  # index of its section (None: a body without sections)
    text: str


@dataclass(frozen=True, slots=True)
class Caption:
    """A figure's or table's label and caption, as printed."""

    kind: Literal["figure", "table"]
    xml_id: str | None
    label: str | None
    text: str
    section: int | None


@dataclass(frozen=True, slots=True)
class Cell:
    """One cell of a table's grid. A spanning cell fills several grid positions: each holds a
    ``Cell`` with the same text whose ``origin`` names the position where it was written."""

    row: int
    col: int
    text: str  # raw text, footnote marks included, whitespace normalised (``<break/>`` -> " ")
    header: bool  # in ``<thead>`` or a ``<th>``
    row_span: int = 1
    col_span: int = 1
    origin: tuple[int, int] | None = None  # (row, col) of the written cell, if this one is a copy
    marks: tuple[str, ...] = ()  # footnote marks linked or superscripted in the cell ("a", "*")

    @property
    def spanned(self) -> bool:
        return self.origin is not None


@dataclass(frozen=True, slots=True)
class Footnote:
    """A table footnote (``table-wrap-foot``): its mark as printed, if any, and its text."""

    xml_id: str | None
    label: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Table:
    """One ``table-wrap``: the grid with spans expanded, header rows, caption and footnotes."""

    xml_id: str
    label: str | None
    caption: str
    n_rows: int
    n_cols: int
    header_rows: int  # the first ``header_rows`` rows are header rows
    cells: tuple[Cell, ...]
    footnotes: tuple[Footnote, ...] = ()
    section: int | None = None
    part: int = 0  # a table-wrap may hold several <table>s: their number, from 0

    def cells_frame(self) -> pd.DataFrame:
        """One row per grid position: row, col, text, header, spans, origin, marks."""
        return pd.DataFrame(
            [
                {
                    "row": c.row,
                    "col": c.col,
                    "text": c.text,
                    "header": c.header,
                    "row_span": c.row_span,
                    "col_span": c.col_span,
                    "origin_row": c.origin[0] if c.origin else c.row,
                    "origin_col": c.origin[1] if c.origin else c.col,
                    "marks": " ".join(c.marks),
                }
                for c in self.cells
            ],
            columns=[
                "row",
                "col",
                "text",
                "header",
                "row_span",
                "col_span",
                "origin_row",
                "origin_col",
                "marks",
            ],
        )

    def grid(self) -> pd.DataFrame:
        """The table as a DataFrame of raw cell texts, indexed by grid row and column number
        (header rows included: row ``r`` is grid row ``r``); empty positions are ``""``."""
        rows = [[""] * self.n_cols for _ in range(self.n_rows)]
        for c in self.cells:
            rows[c.row][c.col] = c.text
        return pd.DataFrame(rows, index=range(self.n_rows), columns=range(self.n_cols), dtype=str)

    def text_rows(self) -> tuple[tuple[str, ...], ...]:
        """The grid as plain tuples (what the pure table extractor takes)."""
        return tuple(tuple(str(v) for v in row) for row in self.grid().itertuples(index=False))

    def cell(self, row: int, col: int) -> Cell | None:
        return next((c for c in self.cells if c.row == row and c.col == col), None)


@dataclass(frozen=True, slots=True)
class FullText:
    """One article's parsed JATS. ``availability`` says whether it carries its text (a
    ``<body>``); ``reason`` says why not when it does not."""

    pmcid: str | None
    pmid: str | None
    doi: str | None
    title: str
    availability: Availability
    reason: str | None = None
    license: str | None = None  # licence URL or statement as given
    open_access_flag: bool = False  # the ``<?properties open_access?>`` processing instruction
    article_type: str | None = None
    sections: tuple[Section, ...] = ()
    paragraphs: tuple[Paragraph, ...] = ()
    captions: tuple[Caption, ...] = ()
    tables: tuple[Table, ...] = ()
    format: int = field(default=DOCUMENT_FORMAT)

    @property
    def has_body(self) -> bool:
        return self.availability == "open_access"

    def section_of(self, paragraph: Paragraph) -> Section | None:
        return None if paragraph.section is None else self.sections[paragraph.section]

    def top_section(self, index: int | None) -> Section | None:
        """The top-level section holding section ``index`` (its kind is the one that counts)."""
        if index is None:
            return None
        section = self.sections[index]
        while section.parent is not None:
            section = self.sections[section.parent]
        return section

    def paragraphs_of(self, *kinds: SectionKind) -> list[Paragraph]:
        """Paragraphs in sections of these kinds (a sub-section counts by its own kind)."""
        return [
            p
            for p in self.paragraphs
            if p.section is not None and self.sections[p.section].kind in kinds
        ]

    def table(self, xml_id: str) -> Table | None:
        return next((t for t in self.tables if t.xml_id == xml_id), None)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> FullText:
        raw = json.loads(text)
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FullText:
        if raw.get("format") != DOCUMENT_FORMAT:
            raise ValueError(
                f"stored full text has format {raw.get('format')!r}, this code reads "
                f"{DOCUMENT_FORMAT}: re-parse it from the raw JATS"
            )
        return cls(
            pmcid=raw["pmcid"],
            pmid=raw["pmid"],
            doi=raw["doi"],
            title=raw["title"],
            availability=raw["availability"],
            reason=raw["reason"],
            license=raw["license"],
            open_access_flag=raw["open_access_flag"],
            article_type=raw["article_type"],
            sections=tuple(Section(**s) for s in raw["sections"]),
            paragraphs=tuple(Paragraph(**p) for p in raw["paragraphs"]),
            captions=tuple(Caption(**c) for c in raw["captions"]),
            tables=tuple(_table_from_dict(t) for t in raw["tables"]),
            format=raw["format"],
        )


def _table_from_dict(raw: dict[str, Any]) -> Table:
    cells = tuple(
        Cell(
            row=c["row"],
            col=c["col"],
            text=c["text"],
            header=c["header"],
            row_span=c["row_span"],
            col_span=c["col_span"],
            origin=(int(c["origin"][0]), int(c["origin"][1])) if c["origin"] is not None else None,
            marks=tuple(c["marks"]),
        )
        for c in raw["cells"]
    )
    return Table(
        xml_id=raw["xml_id"],
        label=raw["label"],
        caption=raw["caption"],
        n_rows=raw["n_rows"],
        n_cols=raw["n_cols"],
        header_rows=raw["header_rows"],
        cells=cells,
        footnotes=tuple(Footnote(**f) for f in raw["footnotes"]),
        section=raw["section"],
        part=raw["part"],
    )
