"""The raw record cache: records kept as received, keyed by PMID/version/DateRevised, revisions
told apart from repeats, and article sets rebuilt for offline reparsing."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from lxml import etree

from itb_evidence.pubmed.rawcache import RawCache, RawCacheError
from itb_evidence.pubmed.xmlreader import UnsafeXMLError
from tests.conftest import DATA_DIR, shared_path
from tests.support.fake_eutils import XXE_PAYLOAD

SNAPSHOT = DATA_DIR / "snapshot" / "pubmed_snapshot.xml"
BOOK_SET = b"""<?xml version="1.0"?>
<PubmedArticleSet>
<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID>
<ArticleIdList><ArticleId IdType="bookaccession">NBK1509</ArticleId></ArticleIdList>
<Book><BookTitle book="gene">Hereditary Spastic Paraplegia Overview</BookTitle></Book>
<DateRevised><Year>2024</Year><Month>02</Month><Day>01</Day></DateRevised>
</BookDocument><PubmedBookData><PublicationStatus>ppublish</PublicationStatus></PubmedBookData>
</PubmedBookArticle>
<PubmedBookArticle><BookDocument><PMID Version="2">20301296</PMID>
<Book><BookTitle book="gene">An undated chapter</BookTitle></Book>
</BookDocument></PubmedBookArticle>
</PubmedArticleSet>
"""


def _snapshot_pmids() -> list[str]:
    root = etree.parse(str(SNAPSHOT)).getroot()
    return [str(a.findtext("MedlineCitation/PMID")) for a in root.iter("PubmedArticle")]


def _with_revised(xml: bytes, pmid: str, old: bytes, new: bytes) -> bytes:
    """The snapshot with one record's DateRevised block replaced (a later NCBI revision)."""
    start = xml.index(f">{pmid}</PMID>".encode())
    end = xml.index(b"</DateRevised>", start)
    block = xml[start:end]
    assert old in block
    return xml[:start] + block.replace(old, new) + xml[end:]


def test_first_put_is_new_then_unchanged_and_files_are_laid_out_by_pmid(tmp_path: Path) -> None:
    cache = RawCache(tmp_path)
    xml = SNAPSHOT.read_bytes()
    first = cache.put_batch(xml)
    assert [r.pmid for r in first] == _snapshot_pmids()
    assert {r.status for r in first} == {"new"}
    again = cache.put_batch(xml)
    assert {r.status for r in again} == {"unchanged"}
    assert [r.path for r in again] == [r.path for r in first]

    itb = next(r for r in first if r.pmid == "31507512")
    assert itb.path.parent == tmp_path / "31" / "31507512"
    assert itb.path.name == f"v{itb.version}-{itb.date_revised}.xml.gz"
    stored = gzip.decompress(itb.path.read_bytes())
    assert stored == cache.latest("31507512")
    record = etree.fromstring(stored)
    assert record.tag == "PubmedArticle"
    assert record.findtext("MedlineCitation/PMID") == "31507512"
    original = next(
        a
        for a in etree.parse(str(SNAPSHOT)).getroot().iter("PubmedArticle")
        if a.findtext("MedlineCitation/PMID") == "31507512"
    )
    assert "".join(map(str, record.itertext())) == "".join(
        map(str, original.itertext())
    )  # content as received


def test_a_later_date_revised_is_a_revision_and_becomes_latest(tmp_path: Path) -> None:
    cache = RawCache(tmp_path)
    xml = SNAPSHOT.read_bytes()
    first = {r.pmid: r for r in cache.put_batch(xml)}
    old_year = f"<Year>{first['31507512'].date_revised[:4]}</Year>".encode()
    revised_xml = _with_revised(xml, "31507512", old_year, b"<Year>2030</Year>")
    second = {r.pmid: r for r in cache.put_batch(revised_xml)}
    assert second["31507512"].status == "revised"
    assert second["31507512"].date_revised.startswith("2030-")
    assert {r.status for p, r in second.items() if p != "31507512"} == {"unchanged"}
    assert b"<Year>2030</Year>" in (cache.latest("31507512") or b"")
    assert len(cache.history("31507512")) == 2
    # Receiving the old revision again changes nothing.
    assert {r.status for r in cache.put_batch(xml)} == {"unchanged"}
    assert b"<Year>2030</Year>" in (cache.latest("31507512") or b"")


def test_same_key_new_content_gets_a_suffix_and_older_stays_behind(tmp_path: Path) -> None:
    cache = RawCache(tmp_path)
    xml = SNAPSHOT.read_bytes()
    (itb,) = [r for r in cache.put_batch(xml) if r.pmid == "31507512"]
    changed = xml.replace(b"<PublicationStatus>", b"<PublicationStatus>x", 1)
    assert changed != xml
    statuses = {r.pmid: r for r in cache.put_batch(changed)}
    touched = [r for r in statuses.values() if r.status != "unchanged"]
    assert len(touched) == 1 and touched[0].status == "revised"
    assert touched[0].path.name.endswith(".r2.xml.gz")
    assert cache.latest(touched[0].pmid) is not None
    assert b"<PublicationStatus>x" in (cache.latest(touched[0].pmid) or b"")

    old_year = f"<Year>{itb.date_revised[:4]}</Year>".encode()
    stale = _with_revised(xml, "31507512", old_year, b"<Year>1999</Year>").replace(
        b"31507512</PMID>", b"31507512</PMID><!-- stale mirror -->", 1
    )
    (older,) = [r for r in cache.put_batch(stale) if r.pmid == "31507512"]
    assert older.status == "older"
    assert b"<Year>1999</Year>" not in (cache.latest("31507512") or b"")


def test_as_article_set_rebuilds_a_parseable_set_in_the_order_asked(tmp_path: Path) -> None:
    cache = RawCache(tmp_path)
    cache.put_batch(SNAPSHOT.read_bytes())
    cache.put_batch(BOOK_SET)
    wanted = ["20301295", *reversed(_snapshot_pmids())]
    rebuilt = etree.fromstring(cache.as_article_set(wanted))
    assert rebuilt.tag == "PubmedArticleSet"
    pmids = [r.findtext("MedlineCitation/PMID") or r.findtext("BookDocument/PMID") for r in rebuilt]
    assert pmids == wanted
    everything = etree.fromstring(cache.as_article_set())
    assert len(everything) == len(cache.pmids()) == len(_snapshot_pmids()) + 2
    assert len(list(cache.iter_latest())) == len(cache.pmids())
    with pytest.raises(RawCacheError, match=r"2 PMID.*: 11111111, 22222222"):
        cache.as_article_set(["31507512", "11111111", "22222222"])


def test_book_articles_are_cached_with_or_without_date_revised(tmp_path: Path) -> None:
    cache = RawCache(tmp_path)
    dated, undated = cache.put_batch(BOOK_SET)
    assert (dated.pmid, dated.version, dated.date_revised) == ("20301295", 1, "2024-02-01")
    assert (undated.pmid, undated.version, undated.date_revised) == ("20301296", 2, "undated")
    assert undated.path.name == "v2-undated.xml.gz"
    assert etree.fromstring(cache.latest("20301296") or b"<x/>").tag == "PubmedBookArticle"
    assert "20301296" in cache and "20301297" not in cache


def test_unsafe_or_broken_batches_store_nothing(tmp_path: Path) -> None:
    cache = RawCache(tmp_path)
    with pytest.raises(UnsafeXMLError):
        cache.put_batch(XXE_PAYLOAD)
    with pytest.raises(RawCacheError, match=r"record 1 \(PubmedArticle\) has no PMID"):
        cache.put_batch(b"<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>")
    assert cache.pmids() == []
    assert cache.latest("1") is None


def test_every_shared_record_is_cached_once(tmp_path: Path) -> None:
    folder = shared_path("pubmed_xml")
    files = sorted(folder.glob("*.xml"))
    cache = RawCache(tmp_path)
    expected = sum(f.read_bytes().count(b"<PubmedArticle>") for f in files)
    first = [r for f in files for r in cache.put_batch(f.read_bytes())]
    assert len(first) == expected >= 160
    assert {r.status for r in first} <= {"new", "unchanged"}
    assert len(cache.pmids()) == len({r.pmid for r in first})
    second = [r for f in files for r in cache.put_batch(f.read_bytes())]
    assert {r.status for r in second} == {"unchanged"}
