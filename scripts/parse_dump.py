"""Dump everything the parse stage makes of every XML file we hold, so two commits can be compared
with ``diff`` (used to prove a parser speed-up changes no output byte).

usage: python scripts/parse_dump.py OUT_FILE

Each document (``../shared/pubmed_xml``, ``../shared/eutils_xml``, the bundled snapshot in
``data/``) is parsed three ways: from its path (lxml reads the file: records found by start tags),
from a binary stream (records found by end tags), and re-indented (every element on its own
pretty-printed line, tabs and CRs mixed in) so the whitespace-collapsing and sub/superscript
paths of the text flattening see line breaks everywhere. Each record is written as its full
``repr`` (every field, nested dataclasses included) and each failure or document error as its
message, one line per item, grouped under the document's name.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from itb_evidence.pubmed.parse import ParseFailure, PubmedParseError, iter_parse
from itb_evidence.pubmed.xmlreader import SAFE_PARSE_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FOLDERS = (SHARED / "pubmed_xml", SHARED / "eutils_xml", ROOT / "data")

# What the real files lack, constructed (placeholder PMIDs): books, MathML, namespaced and
# pretty-printed sub/superscripts, comments and processing instructions inside text, an entity
# reference, every date form, legacy affiliations, collective and empty names, failures.
CONSTRUCTED = """<?xml version="1.0"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"
 "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
<PubmedArticle><MedlineCitation Status="MEDLINE"><PMID Version="2"> 99200001 </PMID>
<DateCreated><Year>1999</Year><Month>Feb</Month><Day>3</Day></DateCreated>
<DateRevised><Year>2020</Year><Month>13</Month><Day>3</Day></DateRevised>
<Article><Journal><Title>  Con\tstructed\n  Journal </Title><ISOAbbreviation>C J</ISOAbbreviation>
<JournalIssue><Volume> 4 </Volume><Issue></Issue><PubDate><Year>2001</Year><Season>Fall</Season>
<Month>sept</Month><Day>31</Day><Year>2002</Year></PubDate></JournalIssue></Journal>
<ArticleTitle>A <i>ti</i>tle\n <sup>2</sup> and CO\n\t<mml:msub xmlns:mml="http://www.w3.org/1998/Math/MathML">
<mml:mi>x</mml:mi></mml:msub> <sub>3</sub><!-- c -->x<?pi y?>z \u00a0 end</ArticleTitle>
<Pagination><StartPage>10</StartPage><EndPage>12</EndPage></Pagination>
<ELocationID EIdType="doi"> </ELocationID><ELocationID EIdType="doi">10.1/e</ELocationID>
<Abstract><AbstractText/><AbstractText Label=" " NlmCategory="">  </AbstractText>
<AbstractText Label="A" NlmCategory="X"><b>one</b>\r\n two</AbstractText>
<AbstractText>t\u2009u</AbstractText>
<CopyrightInformation>(c) <i>C</i></CopyrightInformation></Abstract>
<Affiliation>Legacy place.</Affiliation>
<AuthorList CompleteYN="N"><Author><LastName>L</LastName><LastName>M</LastName><ForeName/>
<Initials>I</Initials><Suffix>Jr</Suffix><Identifier Source="ORCID">0</Identifier></Author>
<Author><CollectiveName>The <i>group</i></CollectiveName>
<AffiliationInfo><Affiliation>a</Affiliation>
<Affiliation> </Affiliation><Identifier>x</Identifier></AffiliationInfo>
<AffiliationInfo><Affiliation>b</Affiliation></AffiliationInfo></Author></AuthorList>
<AuthorList Type="editors"><Author><LastName>Ed</LastName></Author></AuthorList>
<Language>eng</Language><Language> </Language><Language>fre</Language>
<PublicationTypeList><PublicationType UI="D1">Journal Article</PublicationType>
<PublicationType/></PublicationTypeList>
<ArticleDate DateType="Other"><Year>2000</Year></ArticleDate>
<ArticleDate><Year>2000</Year><Month>02</Month><Day>29</Day></ArticleDate>
<VernacularTitle>Titre <i>v</i></VernacularTitle></Article>
<MeshHeadingList><MeshHeading><QualifierName UI="Q1" MajorTopicYN="Y">orphan</QualifierName>
</MeshHeading><MeshHeading><DescriptorName UI="D2">desc <i>x</i></DescriptorName>
<QualifierName>q1</QualifierName><QualifierName UI="Q3" MajorTopicYN="Y">q2</QualifierName>
</MeshHeading></MeshHeadingList>
<KeywordList><Keyword>k1</Keyword><Keyword> </Keyword></KeywordList>
<KeywordList><Keyword>k2</Keyword></KeywordList>
<CommentsCorrectionsList><CommentsCorrections RefType="ErratumIn"><RefSource>S 1</RefSource>
<PMID Version="1">99200009</PMID></CommentsCorrections><CommentsCorrections>
<RefSource> </RefSource></CommentsCorrections></CommentsCorrectionsList>
<OtherAbstract Type="Publisher"><AbstractText>other one</AbstractText></OtherAbstract>
<OtherAbstract><AbstractText> </AbstractText></OtherAbstract>
</MedlineCitation><PubmedData><History>
<PubMedPubDate PubStatus="received"><Year>2000</Year><Month>Jan</Month></PubMedPubDate>
<PubMedPubDate PubStatus="accepted"><Month>5</Month></PubMedPubDate>
<PubMedPubDate><Year>2001</Year></PubMedPubDate>
<PubMedPubDate PubStatus="pubmed"><MedlineDate> 1998  Dec-1999 </MedlineDate></PubMedPubDate>
</History><ArticleIdList><ArticleId IdType="doi"></ArticleId>
<ArticleId IdType="pmc">PMC1</ArticleId>
<ArticleId IdType="doi">10.1/a</ArticleId></ArticleIdList>
<ReferenceList><Reference>
<ArticleIdList><ArticleId IdType="doi">10.9/ref</ArticleId></ArticleIdList>
</Reference></ReferenceList></PubmedData></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>99200002</PMID><Article><ArticleTitle>Dates</ArticleTitle>
<Journal><JournalIssue><PubDate><MedlineDate>Winter 1999-2000</MedlineDate><Year>1999</Year>
</PubDate></JournalIssue></Journal>
<ArticleDate DateType="Electronic"><Month>Aug</Month></ArticleDate>
<Pagination><MedlinePgn></MedlinePgn><StartPage>e5</StartPage></Pagination></Article>
</MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID Version="x">99200003</PMID></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>12a</PMID></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><Article/></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>99200004</PMID><Article>
<ArticleTitle>An <i>&undeclared;</i> one
</ArticleTitle></Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>99200010</PMID><Article><Journal><JournalIssue><PubDate>
<Year>2001</Year><Month>&m;</Month></PubDate></JournalIssue></Journal></Article>
<CitationSubset>&n;</CitationSubset></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>99200011</PMID><Article><AuthorList><Author>
<LastName>x</LastName><Suffix>&s;</Suffix></Author></AuthorList></Article></MedlineCitation>
</PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>99200012</PMID><KeywordList><Keyword>a&k;</Keyword>
</KeywordList></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>99200013</PMID><MeshHeadingList><MeshHeading>
<DescriptorName>&d;</DescriptorName></MeshHeading></MeshHeadingList></MedlineCitation>
<PubmedData><ArticleIdList><ArticleId IdType="pubmed">&p;</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>99200014</PMID></MedlineCitation><PubmedData>
<ArticleIdList><ArticleId IdType="doi">10.1/&q;</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle>
<PubmedBookArticle><BookDocument><PMID Version="1">99200005</PMID>
<ArticleIdList><ArticleId IdType="doi">10.1/book</ArticleId></ArticleIdList>
<Book><Publisher><PublisherName> Press <i>P</i></PublisherName></Publisher>
<BookTitle>Whole <sup>\u00ae</sup> book</BookTitle>
<PubDate><Year>1993</Year><Month>Jun</Month></PubDate>
<AuthorList><Author><LastName>Bookwriter</LastName></Author></AuthorList>
<AuthorList Type="editors"><Author><LastName>Ed</LastName></Author></AuthorList></Book>
<PublicationType>Review</PublicationType><Pagination><MedlinePgn>1-2</MedlinePgn></Pagination>
<Abstract><AbstractText Label="L">x</AbstractText></Abstract></BookDocument>
<PubmedBookData><ArticleIdList><ArticleId IdType="pmc">PMC9</ArticleId></ArticleIdList>
</PubmedBookData></PubmedBookArticle>
<PubmedArticle><MedlineCitation><PMID>99200006</PMID><Article><ArticleTitle>Outer</ArticleTitle>
</Article></MedlineCitation><PubmedData><PubmedArticle><MedlineCitation><PMID>99200007</PMID>
</MedlineCitation></PubmedArticle></PubmedData></PubmedArticle>
</PubmedArticleSet>
""".encode()


def documents() -> Iterator[Path]:
    for folder in FOLDERS:
        if folder.is_dir():
            yield from sorted(folder.rglob("*.xml"))


def reindented(data: bytes) -> bytes | None:
    """The document pretty-printed, with some line breaks as CRLF and some indents as tabs."""
    try:
        root = etree.fromstring(data, etree.XMLParser(**SAFE_PARSE_OPTIONS))
    except etree.XMLSyntaxError:
        return None
    etree.indent(root, space=" \t ")
    text = etree.tostring(root, encoding="utf-8")
    return text.replace(b">\n \t", b">\r\n\t \t", 7)


def dump(label: str, source: object, out: list[str]) -> None:
    out.append(f"== {label}")
    try:
        for item in iter_parse(source):  # type: ignore[arg-type]
            if isinstance(item, ParseFailure):
                out.append(f"FAILURE {item.pmid!r} {item.message!r} {len(item.raw)}")
            else:
                out.append(repr(item))
    except PubmedParseError as exc:
        message = str(exc).replace(str(source), "<path>") if isinstance(source, Path) else str(exc)
        out.append(f"ERROR {type(exc).__name__}: {message}")


def main() -> int:
    out: list[str] = []
    for path in documents():
        name = str(path.relative_to(ROOT.parent)) if SHARED in path.parents else path.name
        data = path.read_bytes()
        dump(f"{name} (path)", path, out)
        dump(f"{name} (stream)", io.BytesIO(data), out)
        pretty = reindented(data)
        if pretty is not None:
            dump(f"{name} (re-indented)", io.BytesIO(pretty), out)
    dump("constructed (stream)", io.BytesIO(CONSTRUCTED), out)
    dump("constructed (bytes)", CONSTRUCTED, out)
    Path(sys.argv[1]).write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} lines -> {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
