"""Formula-injection guard for the spreadsheet exports (CSV and XLSX), as OWASP recommends.

A spreadsheet treats a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and
a leading tab, carriage return or line feed can hide one (OWASP "CSV Injection"; ASVS 1.2.10). A
PubMed title, an outcome's source text or a curator's note is text from outside, so every TEXT cell
that starts with one of these characters is neutralised:

- CSV: the cell gets a leading single quote (``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``),
  the OWASP remedy; a spreadsheet shows the text, never runs it. A program reading the CSV back
  sees the quote: strip one leading ``'`` before a trigger character to get the original text.
  A cell holding a carriage return is quoted (RFC 4180), see :func:`csv_line_terminator`.
- XLSX: the cell is written as a string (the workbook is opened with ``strings_to_formulas`` and
  ``strings_to_urls`` off, so no string ever becomes a formula or a link) and carries Excel's own
  "quote prefix" style, which is what typing a leading ``'`` in Excel stores. The cell shows and
  holds the text exactly (a reader such as openpyxl or pandas gets the original value) and stays
  text when a user edits it.

Numbers are never touched: numeric columns, and numbers inside mixed columns, are written as
numbers, so a negative value stays a negative number. A TEXT cell that merely looks like a number
("-2") is neutralised like any other text cell: it is text in the store, a spreadsheet would
otherwise turn it into a number, and ``-2+3`` or ``-1+cmd|...`` are formulas, so OWASP's rule is
"no text cell starts with a trigger", without a numeric exception.

JSON and Parquet are not spreadsheet formats: they keep the original text, unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r", "\n")
QUOTE: Final = "'"

# pandas.ExcelWriter(engine="xlsxwriter", engine_kwargs=XLSX_WORKBOOK_OPTIONS): strings stay strings
XLSX_WORKBOOK_OPTIONS: Final = {
    "options": {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
}


def is_formula_like(value: object) -> bool:
    """A text value a spreadsheet could read as a formula (numbers and None never are)."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralise_text(value: str) -> str:
    """``value`` with a leading single quote when it starts with a formula trigger."""
    return QUOTE + value if value.startswith(FORMULA_TRIGGERS) else value


def restore_text(value: str) -> str:
    """The inverse of :func:`neutralise_text`, for sheets the project writes and reads back (the
    curators' corrections file): a leading quote before a formula trigger is dropped."""
    if value.startswith(QUOTE) and value[len(QUOTE) :].startswith(FORMULA_TRIGGERS):
        return value[len(QUOTE) :]
    return value


def _text_columns(df: pd.DataFrame) -> list[str]:
    """Columns that can hold text: object or string dtype (numbers, bools and dates cannot)."""
    return [
        str(col)
        for col in df.columns
        if pd.api.types.is_object_dtype(df[col]) or pd.api.types.is_string_dtype(df[col])
    ]


def formula_like_cells(df: pd.DataFrame) -> list[tuple[int, int, str]]:
    """``(row position, column position, text)`` of every formula-like text cell of ``df``."""
    cells: list[tuple[int, int, str]] = []
    positions = {str(col): i for i, col in enumerate(df.columns)}
    for col in _text_columns(df):
        j = positions[col]
        for i, value in enumerate(df[col].tolist()):
            if is_formula_like(value):
                cells.append((i, j, value))
    return cells


def csv_line_terminator(df: pd.DataFrame) -> str:
    """``"\n"``, or RFC 4180's ``"\r\n"`` when a text cell holds a carriage return.

    Python's CSV writer quotes a field only for the characters of its line terminator, so with
    ``"\n"`` a bare CR (a neutralised ``'\r=...`` cell too) would be written unquoted and split
    the row for every reader that takes CR as a line break (Excel, pandas, ``csv``). Such a file
    is written with CRLF, which quotes the field; every other file keeps its ``"\n"`` bytes.
    """
    for col in _text_columns(df):
        if any(isinstance(v, str) and "\r" in v for v in df[col].tolist()):
            return "\r\n"
    return "\n"


def to_safe_csv(df: pd.DataFrame, path: Path) -> None:
    """``df`` as CSV with formula triggers neutralised and every line break inside a cell quoted."""
    safe = neutralise_frame(df)
    safe.to_csv(path, index=False, lineterminator=csv_line_terminator(safe))


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose formula-like text cells start with a single quote (for CSV)."""
    out = df.copy()
    for col in _text_columns(out):
        values = out[col].tolist()
        if any(is_formula_like(v) for v in values):
            out[col] = pd.Series(
                [neutralise_text(v) if isinstance(v, str) else v for v in values],
                index=out.index,
                dtype=out[col].dtype,
            )
    return out
