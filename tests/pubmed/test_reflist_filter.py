"""The byte filter that drops ``<ReferenceList>`` elements before libxml2 builds them."""

from __future__ import annotations

import io
import itertools

import pytest
from lxml import etree

from itb_evidence.pubmed.parse import ParseFailure, PubmedXMLError, iter_parse
from itb_evidence.pubmed.reflist_filter import WithoutReferenceLists
from itb_evidence.pubmed.xmlreader import SAFE_PARSE_OPTIONS
from tests.conftest import shared_path


class Chunked:
    """A stream that hands out its bytes in pieces cut at the given offsets."""

    def __init__(self, data: bytes, cuts: list[int]) -> None:
        bounds = [0, *sorted(cuts), len(data)]
        self._pieces = [data[a:b] for a, b in itertools.pairwise(bounds) if b > a]

    def read(self, size: int = -1, /) -> bytes:
        return self._pieces.pop(0) if self._pieces else b""


def filtered(source: object, read_size: int = 7) -> tuple[bytes, WithoutReferenceLists]:
    stream = WithoutReferenceLists(source)  # type: ignore[arg-type]
    return b"".join(iter(lambda: stream.read(read_size), b"")), stream


def tags(xml: bytes) -> list[str]:
    root = etree.fromstring(xml, etree.XMLParser(**SAFE_PARSE_OPTIONS))
    return [str(element.tag) for element in root.iter()]


NESTED = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet><PubmedArticle><PubmedData>\n"
    b"<ReferenceList><Title>References</Title><Reference><Citation>A \xc3\xa9t al.</Citation>\n"
    b"</Reference><ReferenceList><Reference><Citation>inner</Citation></Reference>"
    b"</ReferenceList ></ReferenceList>"
    b"<ReferenceListing/><ReferenceList/><ReferenceList\n/></PubmedData></PubmedArticle>"
    b"</PubmedArticleSet>\n"
)
NESTED_KEPT = ["PubmedArticleSet", "PubmedArticle", "PubmedData", "ReferenceListing"]


def test_nested_reference_lists_are_dropped_with_lines_and_columns_kept() -> None:
    out, stream = filtered(io.BytesIO(NESTED))
    assert tags(out) == NESTED_KEPT
    assert stream.removed == 3 and not stream.passthrough
    kept = etree.fromstring(out, etree.XMLParser(**SAFE_PARSE_OPTIONS))
    original = etree.fromstring(NESTED, etree.XMLParser(**SAFE_PARSE_OPTIONS))
    lines = {str(e.tag): e.sourceline for e in original.iter() if str(e.tag) in NESTED_KEPT}
    assert {str(e.tag): e.sourceline for e in kept.iter()} == lines
    # an error after a dropped element is reported at the same line and column as before
    for after in (b"<ReferenceListing/>", b"</PubmedData>"):
        broken = NESTED.replace(after, b"</Wrong>" + after)
        with pytest.raises(etree.XMLSyntaxError) as unfiltered:
            etree.fromstring(broken, etree.XMLParser(**SAFE_PARSE_OPTIONS))
        with pytest.raises(etree.XMLSyntaxError) as refiltered:
            etree.fromstring(filtered(io.BytesIO(broken))[0])
        assert unfiltered.value.position == refiltered.value.position != (0, 0)


def test_a_document_without_reference_lists_passes_unchanged() -> None:
    plain = NESTED.replace(b"<ReferenceListing/>", b"").split(b"<ReferenceList>")[0]
    plain += b"<ReferenceListing/></PubmedData></PubmedArticle></PubmedArticleSet>\n"
    out, stream = filtered(io.BytesIO(plain))
    assert out == plain and stream.removed == 0 and not stream.passthrough


def test_every_chunk_boundary_gives_the_same_bytes() -> None:
    whole, _ = filtered(io.BytesIO(NESTED), read_size=1 << 20)
    for cut in range(1, len(NESTED)):
        out, stream = filtered(Chunked(NESTED, [cut]))
        assert out == whole, cut
        assert stream.removed == 3
    for step in (1, 2, 3, 5):  # and the document fed a byte (or a few) at a time
        out, _ = filtered(Chunked(NESTED, list(range(step, len(NESTED), step))))
        assert out == whole, step


@pytest.mark.parametrize(
    "hiding",
    [
        pytest.param(b"<!-- </ReferenceList> -->", id="comment"),
        pytest.param(b"<![CDATA[ </ReferenceList> ]]>", id="cdata"),
        pytest.param(b"<?pi </ReferenceList> ?>", id="processing-instruction"),
    ],
)
def test_markup_a_byte_scan_cannot_read_makes_the_rest_pass_unchanged(hiding: bytes) -> None:
    inside = NESTED.replace(b"<Title>References</Title>", b"<Title>References</Title>" + hiding)
    before = NESTED.replace(b"<PubmedData>", b"<PubmedData>" + hiding.replace(b"/Ref", b"Ref"))
    for document in (inside, before):
        for cut in range(1, len(document), 3):
            out, stream = filtered(Chunked(document, [cut]))
            assert stream.passthrough
            assert tags(out) == tags(document)  # nothing removed that libxml2 would read


def test_an_internal_dtd_subset_passes_unchanged_and_is_still_refused() -> None:
    doctype = b'<!DOCTYPE PubmedArticleSet [<!ENTITY e "<ReferenceList>">]>'
    document = NESTED.replace(NESTED[NESTED.index(b"<!DOCTYPE") : NESTED.index(b">\n<Pub") + 1],
                              doctype)  # fmt: skip
    out, stream = filtered(io.BytesIO(document))
    assert out == document and stream.passthrough
    with pytest.raises(PubmedXMLError, match="declares its own entities"):
        list(iter_parse(document))


def test_a_document_broken_inside_a_reference_list_still_breaks() -> None:
    truncated = NESTED[: NESTED.index(b"inner")]
    out, stream = filtered(io.BytesIO(truncated))
    assert out == truncated and stream.passthrough
    with pytest.raises(PubmedXMLError, match="malformed or truncated"):
        list(iter_parse(truncated))


def test_a_failed_records_raw_xml_lacks_only_its_references() -> None:
    record = (
        b"<PubmedArticle><MedlineCitation><PMID>99300001</PMID><Article><ArticleTitle>T &odd;"
        b"</ArticleTitle></Article></MedlineCitation><PubmedData><ReferenceList><Reference>"
        b"<Citation>cited</Citation></Reference></ReferenceList></PubmedData></PubmedArticle>"
    )
    header = NESTED[: NESTED.index(b"<PubmedArticleSet>")]  # a DOCTYPE leaves &odd; unresolved
    items = list(iter_parse(header + b"<PubmedArticleSet>" + record + b"</PubmedArticleSet>"))
    assert len(items) == 1 and isinstance(items[0], ParseFailure)
    assert b"&odd;" in items[0].raw and b"<PubmedData" in items[0].raw
    assert b"cited" not in items[0].raw


@pytest.mark.shared
def test_real_documents_lose_exactly_their_reference_lists() -> None:
    folder = shared_path("pubmed_xml")
    removed = 0
    for path in sorted(folder.glob("*.xml")):
        data = path.read_bytes()
        out, stream = filtered(io.BytesIO(data), read_size=1 << 15)
        expected = etree.fromstring(data, etree.XMLParser(**SAFE_PARSE_OPTIONS))
        for element in list(expected.iter("ReferenceList")):
            parent = element.getparent()
            if parent is not None and parent.tag == "PubmedData":
                parent.remove(element)
        assert tags(out) == [str(e.tag) for e in expected.iter()], path.name
        assert out.count(b"\n") == data.count(b"\n") and not stream.passthrough, path.name
        removed += stream.removed
    assert removed >= 100  # the shared records carry about a hundred reference lists


def test_question_and_exclamation_marks_in_text_do_not_stop_the_filter() -> None:
    texty = NESTED.replace(b"inner", b"Why? Because! a<?b").replace(b"a<?b", b"a &lt;?b")
    out, stream = filtered(io.BytesIO(texty))
    assert tags(out) == NESTED_KEPT and not stream.passthrough


def test_a_long_last_line_is_not_padded_but_lines_are_kept() -> None:
    citations = b"<Reference><Citation>x</Citation></Reference>" * 100  # > 1024 characters
    one_line = NESTED.replace(
        b"<Title>References</Title>", b"<Title>References</Title>" + citations
    )
    out, stream = filtered(io.BytesIO(one_line))
    assert tags(out) == NESTED_KEPT and stream.removed == 3
    assert out.count(b"\n") == one_line.count(b"\n") and len(out) < len(NESTED)
