"""JATS ``table-wrap`` into typed tables: a grid with spanning cells expanded.

The XHTML table model JATS uses: ``<thead>``/``<tbody>``/``<tfoot>`` of ``<tr>`` rows of
``<th>``/``<td>`` cells with ``rowspan``/``colspan``. Each cell is placed at the first free grid
position of its row (positions already taken by a rowspan from above are skipped), and every
position a span covers gets a copy that names the written cell as its ``origin``, so a column
header spanning "Pre" and "Post" heads both columns and a row label spanning three rows labels
all three. Header rows are the ``<thead>`` rows (or, without one, the leading rows made only of
``<th>``). Footnote marks in a cell (a link to a table footnote, or a superscript symbol) are
listed in ``marks`` and left in the raw text, as printed.
"""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

from itb_evidence.fulltext.document import Cell, Footnote, Table
from itb_evidence.fulltext.jats_text import element_text, local_name

# A span larger than this is a broken or hostile table, not a real one (PMC tables stay far
# smaller): it is clipped so a grid can never blow up memory.
MAX_SPAN: Final = 200
MAX_GRID_CELLS: Final = 200_000
# Superscripts that are footnote marks, not exponents ("kg m<sup>-2</sup>" is an exponent).
_MARK_SUP: Final = re.compile(r"^(?:[*\u2020\u2021\u00a7\u00b6#\u2016]+|\|\||[a-z])$")


class TableError(ValueError):
    """A table-wrap that cannot be read as a table (the message names it)."""


def _span(value: str | None) -> int:
    if value is None or not value.strip().isdigit():
        return 1
    return max(1, min(int(value), MAX_SPAN))  # rowspan="0" (to the end) read as 1


def _cell_marks(cell: etree._Element) -> tuple[str, ...]:
    marks: list[str] = []
    for node in cell.iter(tag=etree.Element):
        name = local_name(node)
        if name == "xref" and node.get("ref-type") in ("table-fn", "fn"):
            text = element_text(node)
            marks.append(text or f"#{node.get('rid', '')}")
        elif name == "sup":
            text = element_text(node)
            # a sup holding (or held by) a footnote link was counted with the link
            linked = any(local_name(a) == "xref" for a in node.iterancestors()) or any(
                local_name(c) == "xref" for c in node.iter(tag=etree.Element)
            )
            if text and _MARK_SUP.match(text) and not linked:
                marks.append(text)
    return tuple(marks)


def _rows(table: etree._Element) -> list[tuple[etree._Element, bool]]:
    """``(tr, in_thead)`` in reading order: thead first, then bodies and rows, then tfoot."""
    heads: list[tuple[etree._Element, bool]] = []
    bodies: list[tuple[etree._Element, bool]] = []
    feet: list[tuple[etree._Element, bool]] = []
    for child in table.iterchildren(tag=etree.Element):
        name = local_name(child)
        if name == "thead":
            heads += [(tr, True) for tr in child.iterchildren("tr")]
        elif name == "tbody":
            bodies += [(tr, False) for tr in child.iterchildren("tr")]
        elif name == "tfoot":
            feet += [(tr, False) for tr in child.iterchildren("tr")]
        elif name == "tr":
            bodies.append((child, False))
    return heads + bodies + feet


def parse_grid(table: etree._Element, *, what: str) -> tuple[list[Cell], int, int, int]:
    """Cells (one per grid position), row count, column count and header row count."""
    placed: dict[tuple[int, int], Cell] = {}
    rows = _rows(table)
    header_flags: list[bool] = []
    for r, (tr, in_thead) in enumerate(rows):
        c = 0
        all_th = True
        any_cell = False
        for cell in tr.iterchildren(tag=etree.Element):
            name = local_name(cell)
            if name not in ("td", "th"):
                continue
            any_cell = True
            all_th = all_th and name == "th"
            while (r, c) in placed:
                c += 1
            row_span = min(_span(cell.get("rowspan")), len(rows) - r)
            col_span = _span(cell.get("colspan"))
            text = element_text(cell)
            marks = _cell_marks(cell)
            header = in_thead or name == "th"
            for dr in range(row_span):
                for dc in range(col_span):
                    key = (r + dr, c + dc)
                    if key in placed:
                        continue  # overlapping spans in a broken table: the first writer wins
                    placed[key] = Cell(
                        row=key[0],
                        col=key[1],
                        text=text,
                        header=header,
                        row_span=row_span,
                        col_span=col_span,
                        origin=None if (dr, dc) == (0, 0) else (r, c),
                        marks=marks,
                    )
                    if len(placed) > MAX_GRID_CELLS:
                        raise TableError(f"{what}: more than {MAX_GRID_CELLS:,} grid cells")
            c += col_span
        header_flags.append(in_thead or (any_cell and all_th))
    n_rows = len(rows)
    n_cols = max((col for _, col in placed), default=-1) + 1
    cells = [placed[key] for key in sorted(placed)]
    header_rows = 0
    for flag in header_flags:
        if not flag:
            break
        header_rows += 1
    if header_rows == n_rows:
        header_rows = min(header_rows, 1) if n_rows > 1 else header_rows
    return cells, n_rows, n_cols, header_rows


def _footnotes(wrap: etree._Element) -> tuple[Footnote, ...]:
    foot = wrap.find("table-wrap-foot")
    if foot is None:
        return ()
    notes: list[Footnote] = []
    fns = [node for node in foot.iter(tag=etree.Element) if local_name(node) == "fn"]
    if not fns:
        for p in foot.iterchildren(tag=etree.Element):
            text = element_text(p)
            if text:
                notes.append(Footnote(None, None, text))
        return tuple(notes)
    for fn in fns:
        label_node = fn.find("label")
        label = element_text(label_node) if label_node is not None else None
        if label_node is not None:
            parts = [element_text(child) for child in fn if child is not label_node]
            text = " ".join(p for p in parts if p)
        else:
            text = element_text(fn)
            first = fn.find("p/sup")
            if first is not None and _MARK_SUP.match(element_text(first)):
                label = element_text(first)
        notes.append(Footnote(fn.get("id"), label or None, text))
    return tuple(notes)


def parse_table_wrap(wrap: etree._Element, *, section: int | None, fallback_id: str) -> list[Table]:
    """The tables of one ``table-wrap`` (usually one; none when the table is only an image)."""
    xml_id = wrap.get("id") or fallback_id
    label_node = wrap.find("label")
    label = element_text(label_node) if label_node is not None else None
    caption_node = wrap.find("caption")
    caption = element_text(caption_node) if caption_node is not None else ""
    footnotes = _footnotes(wrap)
    tables = [node for node in wrap.iter(tag=etree.Element) if local_name(node) == "table"]
    out: list[Table] = []
    for part, table in enumerate(tables):
        cells, n_rows, n_cols, header_rows = parse_grid(table, what=f"table {xml_id}")
        out.append(
            Table(
                xml_id=xml_id if len(tables) == 1 else f"{xml_id}.{part}",
                label=label or None,
                caption=caption,
                n_rows=n_rows,
                n_cols=n_cols,
                header_rows=header_rows,
                cells=tuple(cells),
                footnotes=footnotes,
                section=section,
                part=part,
            )
        )
    return out
