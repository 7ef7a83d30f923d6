"""RIS and BibTeX exports: exact lines for the seed record, round trip, pages, escaping, keys."""

from __future__ import annotations

import re

import pytest

from itb_evidence.export.citations import (
    ascii_fold,
    bibtex_keys,
    latex_escape,
    split_medline_pages,
    to_bibtex,
    to_ris,
)
from itb_evidence.pubmed.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    PubDate,
    PubmedRecord,
)

SEED_AUTHORS = (
    ("Pucks-Faes", "E"),
    ("Dobesberger", "J"),
    ("Hitzenberger", "G"),
    ("Matzak", "H"),
    ("Mayr", "A"),
    ("Fava", "E"),
    ("Genelin", "E"),
    ("Saltuari", "L"),
)
# Our own short text: a stand-in abstract, not the article's.
SEED_ABSTRACT = "Background: Test text.\nResults: Dose 100-200 μg & p < 0.05."


def seed_record(**changes: object) -> PubmedRecord:
    """PMID 31507512 as PubMed lists it (bibliographic fields only)."""
    fields: dict[str, object] = {
        "pmid": "31507512",
        "version": 1,
        "title": "Intrathecal Baclofen in Hereditary Spastic Paraparesis.",
        "abstract": SEED_ABSTRACT,
        "sections": (
            AbstractSection("Background", "BACKGROUND", "Test text.", 12, 22),
            AbstractSection("Results", "RESULTS", SEED_ABSTRACT[32:], 32, len(SEED_ABSTRACT)),
        ),
        "authors": tuple(Author(last, None, initials) for last, initials in SEED_AUTHORS),
        "journal": "Frontiers in neurology",
        "journal_abbrev": "Front Neurol",
        "volume": "10",
        "pages": "901",
        "pub_date": PubDate(2019),
        "epub_date": PubDate(2019, 8, 27),
        "doi": "10.3389/fneur.2019.00901",
        "keywords": ("hereditary spastic paraparesis", "intrathecal baclofen"),
        "mesh": (MeshHeading("Baclofen", "D001418", False),),
        "languages": ("eng",),
    }
    fields.update(changes)
    return PubmedRecord(**fields)  # type: ignore[arg-type]


def parse_ris(text: str) -> list[dict[str, list[str]]]:
    """Minimal RIS reader: tag lines 'XX  - value', records closed by ER."""
    records: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    for line in text.splitlines():
        if not line.strip():
            continue
        match = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert match is not None, f"not a RIS tag line: {line!r}"
        tag, value = match.groups()
        if tag == "TY":
            assert current is None, "TY inside an open record"
            current = {"TY": [value]}
        elif tag == "ER":
            assert current is not None, "ER without TY"
            records.append(current)
            current = None
        else:
            assert current is not None, f"{tag} outside a record"
            current.setdefault(tag, []).append(value)
    assert current is None, "unterminated record"
    return records


def test_ris_seed_record_exact_lines() -> None:
    assert to_ris([seed_record()]).splitlines() == [
        "TY  - JOUR",
        "TI  - Intrathecal Baclofen in Hereditary Spastic Paraparesis",
        "AU  - Pucks-Faes, E",
        "AU  - Dobesberger, J",
        "AU  - Hitzenberger, G",
        "AU  - Matzak, H",
        "AU  - Mayr, A",
        "AU  - Fava, E",
        "AU  - Genelin, E",
        "AU  - Saltuari, L",
        "PY  - 2019",
        "JO  - Frontiers in neurology",
        "T2  - Frontiers in neurology",
        "J2  - Front Neurol",
        "VL  - 10",
        "SP  - 901",
        "DO  - 10.3389/fneur.2019.00901",
        "AN  - 31507512",
        "UR  - https://pubmed.ncbi.nlm.nih.gov/31507512/",
        "AB  - Background: Test text. Results: Dose 100-200 μg & p < 0.05.",
        "KW  - hereditary spastic paraparesis",
        "KW  - intrathecal baclofen",
        "KW  - Baclofen",
        "LA  - eng",
        "ER  - ",
    ]


def test_ris_round_trip_of_several_records() -> None:
    second = seed_record(
        pmid="100",
        title="Gait after ITB: [a] 10-year follow-up.",
        authors=(Author("Müller", "Jörg", "JW"), Author(None, None, None, "HSP Study Group")),
        journal=None,
        journal_abbrev="Test J",
        volume="3",
        issue="2",
        pages="123-9",
        pub_date=PubDate(2021),
        doi=None,
        keywords=("Baclofen",),
        languages=("eng", "ger"),
        comments_corrections=(CommentCorrection("RetractionIn", "200", "Test J. 2022"),),
    )
    text = to_ris([seed_record(), second], line_ending="\r\n")
    assert "\r\n\r\nTY  - JOUR\r\n" in text and text.endswith("ER  - \r\n")
    parsed = parse_ris(text)
    assert len(parsed) == 2
    assert parsed[0]["AU"] == [f"{last}, {initials}" for last, initials in SEED_AUTHORS]
    assert parsed[0]["AN"] == ["31507512"] and parsed[0]["DO"] == ["10.3389/fneur.2019.00901"]
    rec = parsed[1]
    assert rec["TI"] == ["Gait after ITB: [a] 10-year follow-up"]
    assert rec["AU"] == ["Müller, JW", "HSP Study Group"]
    assert (rec["JO"], rec["J2"], "T2" in rec) == (["Test J"], ["Test J"], False)
    assert (rec["VL"], rec["IS"], rec["SP"], rec["EP"]) == (["3"], ["2"], ["123"], ["129"])
    assert rec["KW"] == ["Baclofen"]  # the MeSH descriptor equal to a keyword is not repeated
    assert rec["LA"] == ["eng", "ger"]
    assert rec["N1"] == ["RETRACTED. RetractionIn: PMID 200"]
    assert "DO" not in rec


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ("901", ("901", None)),
        ("123-9", ("123", "129")),
        ("1123-45", ("1123", "1145")),
        ("99-101", ("99", "101")),
        ("123-129", ("123", "129")),
        ("S12-5", ("S12", "S15")),
        ("S12-S15", ("S12", "S15")),
        ("e0123456", ("e0123456", None)),
        ("12-5, 18", ("12", "15")),
        ("112-9; discussion 120", ("112", "119")),
        ("98-7", ("98-7", None)),  # expands to 97 < 98: left as given, no invented end page
        ("iv-vii", ("iv-vii", None)),
        ("S12-R15", ("S12-R15", None)),
    ],
)
def test_split_medline_pages(pages: str, expected: tuple[str, str | None]) -> None:
    assert split_medline_pages(pages) == expected


def test_bibtex_seed_record_exact_entry() -> None:
    assert to_bibtex([seed_record(abstract="", keywords=(), mesh=())]) == (
        "@article{pucksfaes2019intrathecal,\n"
        "  author = {Pucks-Faes, E. and Dobesberger, J. and Hitzenberger, G. and Matzak, H. and "
        "Mayr, A. and Fava, E. and Genelin, E. and Saltuari, L.},\n"
        "  title = {Intrathecal Baclofen in Hereditary Spastic Paraparesis},\n"
        "  journal = {Frontiers in neurology},\n"
        "  shortjournal = {Front Neurol},\n"
        "  year = {2019},\n"
        "  volume = {10},\n"
        "  pages = {901},\n"
        "  doi = {10.3389/fneur.2019.00901},\n"
        "  pmid = {31507512},\n"
        "  url = {https://pubmed.ncbi.nlm.nih.gov/31507512/},\n"
        "}\n"
    )


def test_bibtex_special_characters_unicode_and_case_protection() -> None:
    record = seed_record(
        pmid="5",
        title="SPG4 & ITB: 50% of {HSP} cases_x #1 at ~5 μg^2 \\ cost $3.",
        authors=(
            Author("Müller", "Jörg W", "JW"),
            Author(None, None, None, "R&D Group"),
            Author("O'Neil", None, "AB"),
        ),
        abstract="p < 0.05 & 20% improved",
        keywords=("gait_speed",),
        mesh=(),
        pages="123-9",
        doi="10.1000/a_b%c",
    )
    entry = to_bibtex([record])
    lines = dict(re.findall(r"^  (\w+) = \{(.*)\},$", entry, flags=re.MULTILINE))
    assert len(lines) == len(entry.splitlines()) - 2
    assert lines["author"] == r"Müller, Jörg W and {R\&D Group} and O'Neil, A. B."
    assert lines["title"] == (
        r"{SPG4} \& {ITB}: 50\% of \{{HSP}\} cases\_x \#1 at \textasciitilde{}5 "
        r"μg\textasciicircum{}2 \textbackslash{} cost \$3"
    )
    assert lines["abstract"] == r"p < 0.05 \& 20\% improved"
    assert lines["keywords"] == r"gait\_speed"
    assert lines["pages"] == "123--129"
    assert lines["doi"] == "10.1000/a_b%c"  # verbatim field: not escaped
    assert entry.count("{") == entry.count("}")


def test_latex_escape_is_single_pass() -> None:
    assert latex_escape(r"\{}") == r"\textbackslash{}\{\}"
    assert latex_escape("plain ü") == "plain ü"


def test_bibtex_keys_fold_skip_articles_and_dedupe_by_pmid_order() -> None:
    def rec(pmid: str, last: str, title: str, year: int = 2019) -> PubmedRecord:
        return seed_record(pmid=pmid, authors=(Author(last, None, "J"),), title=title,
                           pub_date=PubDate(year), epub_date=None)  # fmt: skip

    records = [
        rec("300", "Pucks-Faes", "Intrathecal pumps."),
        rec("31507512", "Pucks-Faes", "Intrathecal Baclofen in Hereditary Spastic Paraparesis."),
        rec("20", "Pucks-Faes", "[Intrathecal therapy]."),
        rec("7", "Øster-Großmann", "The 10-year outcome."),
        rec("8", "Ñúñez", "A trial."),
    ]
    assert bibtex_keys(records) == {
        "20": "pucksfaes2019intrathecal",
        "300": "pucksfaes2019intrathecalb",
        "31507512": "pucksfaes2019intrathecalc",
        "7": "ostergrossmann201910year",
        "8": "nunez2019trial",
    }
    # A later refresh adds a newer PMID with the same base key: existing keys do not move.
    later = bibtex_keys([*records, rec("40000000", "Pucks-Faes", "Intrathecal again.")])
    assert later["40000000"] == "pucksfaes2019intrathecald"
    assert all(later[k] == v for k, v in bibtex_keys(records).items())
    entries = to_bibtex(records)
    assert re.findall(r"@article\{(\w+),", entries) == [
        "pucksfaes2019intrathecalb",
        "pucksfaes2019intrathecalc",
        "pucksfaes2019intrathecal",
        "ostergrossmann201910year",
        "nunez2019trial",
    ]


def test_missing_author_and_year_and_duplicate_pmid() -> None:
    bare = seed_record(pmid="9", authors=(), pub_date=None, epub_date=None, title="On gait.")
    assert bibtex_keys([bare]) == {"9": "anonndon"}
    ris = to_ris([bare, bare])
    assert ris.count("TY  - ") == 1 and "PY  - " not in ris and "AU  - " not in ris


def test_retraction_note_in_bibtex() -> None:
    record = seed_record(
        comments_corrections=(
            CommentCorrection("ErratumIn", None, "Front Neurol. 2020;11:1"),
            CommentCorrection("CommentIn", "1", None),
        )
    )
    assert "  note = {ErratumIn: Front Neurol. 2020;11:1},\n" in to_bibtex([record])


def test_ascii_fold() -> None:
    assert ascii_fold("Ærø Łódź Straße") == "AEro Lodz Strasse"
