"""EFetch in batches against the fake: every record back, missing ones reported, long id lists
POSTed, unsafe payloads refused, and one dead batch never sinking the others."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from itb_evidence.pubmed.fetch import fetch_batches, validate_article_set
from itb_evidence.pubmed.rawcache import RawCache
from itb_evidence.pubmed.xmlreader import MalformedXMLError, UnsafeXMLError
from tests.support.fake_eutils import BILLION_LAUGHS_PAYLOAD, XXE_PAYLOAD, FakeEutils, Fault

ABSENT = ("99999991", "99999992", "99999993")  # PMIDs the fake does not hold


def _served(fake: FakeEutils) -> list[str]:
    return sorted(fake.records, key=int)


def test_all_records_come_back_in_batches_and_missing_ones_are_reported(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "test-key")
    wanted = [*_served(fake_eutils), *ABSENT]
    batches = list(fetch_batches(wanted, batch_size=50))
    assert [b.index for b in batches] == list(range((len(wanted) + 49) // 50))
    assert all(b.ok and b.error is None for b in batches)
    assert [p for b in batches for p in b.pmids] == wanted
    assert sorted((p for b in batches for p in b.returned), key=int) == _served(fake_eutils)
    assert [p for b in batches for p in b.missing] == list(ABSENT)
    for batch in batches:
        assert batch.xml is not None
        root = etree.fromstring(batch.xml)
        assert root.tag == "PubmedArticleSet"
        assert len(root) == len(batch.returned) == len(batch.pmids) - len(batch.missing)


@pytest.mark.shared  # needs more records than the bundled snapshot holds
def test_long_id_lists_are_posted_short_ones_not(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", "test-key")
    wanted = [*_served(fake_eutils), *(str(90_000_000 + i) for i in range(60))][:230]
    batches = list(fetch_batches(wanted))  # default batch size 200
    assert [len(b.pmids) for b in batches] == [200, 30]
    requests = [r for r in fake_eutils.requests if r.path == "/efetch.fcgi"]
    assert [r.method for r in requests] == ["POST", "GET"]
    assert requests[0].params["id"].split(",") == wanted[:200]
    assert requests[0].params["retmode"] == "xml" and requests[0].params["db"] == "pubmed"
    assert len(batches[0].returned) + len(batches[1].returned) == len(
        set(wanted) & set(fake_eutils.records)
    )


@pytest.mark.shared  # needs more records than the bundled snapshot holds
def test_one_batch_failing_for_good_does_not_sink_the_others(fake_eutils: FakeEutils) -> None:
    wanted = _served(fake_eutils)[:6]
    batches = fetch_batches(wanted, batch_size=2)
    first = next(batches)
    fake_eutils.inject(Fault("status", status=503), times=4)  # all tries of batch 2
    rest = list(batches)
    assert first.ok and [b.ok for b in rest] == [False, True]
    failed = rest[0]
    assert failed.index == 1 and failed.pmids == tuple(wanted[2:4]) and failed.xml is None
    assert failed.error == (
        f"efetch batch 2/3 (2 PMIDs: {wanted[2]}, {wanted[3]}): failed after 4 tries: "
        "HTTP 503 Service Unavailable"
    )
    assert rest[1].returned == tuple(wanted[4:6])


@pytest.mark.parametrize("kind", ["xxe", "billion_laughs"])
def test_entity_payloads_are_refused_not_expanded_nor_retried(
    fake_eutils: FakeEutils, kind: str
) -> None:
    fake_eutils.inject(Fault(kind))  # type: ignore[arg-type]
    (batch,) = fetch_batches(["31507512"])
    assert batch.xml is None and batch.error is not None
    assert batch.error.startswith("efetch batch 1/1 (1 PMIDs: 31507512): failed after 1 try:")
    assert "refused, the response declares XML entities" in batch.error
    assert len(fake_eutils.requests) == 1  # a hostile answer is reported, not papered over
    hostname = Path("/etc/hostname")
    if hostname.exists() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in batch.error


def test_validation_refuses_entities_and_keeps_the_text_unexpanded() -> None:
    with pytest.raises(UnsafeXMLError, match=r"declares XML entities \(xxe\)"):
        validate_article_set(XXE_PAYLOAD, what="probe")
    with pytest.raises(UnsafeXMLError, match="lol"):
        validate_article_set(BILLION_LAUGHS_PAYLOAD, what="probe")
    undeclared = (
        b'<!DOCTYPE PubmedArticleSet PUBLIC "-//x" "https://dtd.example/pubmed.dtd">'
        b"<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>"
        b"<Article><ArticleTitle>&ext;</ArticleTitle></Article></MedlineCitation>"
        b"</PubmedArticle></PubmedArticleSet>"
    )
    with pytest.raises(UnsafeXMLError, match="undeclared entity &ext;"):
        validate_article_set(undeclared, what="probe")


def test_validation_reports_malformed_and_error_documents() -> None:
    with pytest.raises(MalformedXMLError, match="empty response body"):
        validate_article_set(b"  ", what="probe")
    with pytest.raises(MalformedXMLError, match="expected <PubmedArticleSet>, got <html>"):
        validate_article_set(b"<html><body>Service unavailable</body></html>", what="probe")
    with pytest.raises(MalformedXMLError, match=r"record 1 .*has no PMID"):
        validate_article_set(b"<PubmedArticleSet><PubmedArticle/></PubmedArticleSet>", what="p")


def test_error_document_is_retried_then_success(fake_eutils: FakeEutils) -> None:
    body = b"<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>"
    fake_eutils.inject(Fault("replay", body=body, path="/efetch.fcgi"))
    (batch,) = fetch_batches(["31507512"])
    assert batch.ok and batch.returned == ("31507512",)
    assert len(fake_eutils.requests) == 2


def test_duplicates_are_fetched_once_and_bad_ids_refused(fake_eutils: FakeEutils) -> None:
    (batch,) = fetch_batches(["31507512", " 31507512", "31507512"])
    assert batch.pmids == ("31507512",) and batch.returned == ("31507512",)
    with pytest.raises(ValueError, match="digits only"):
        list(fetch_batches(["31507512", "PMC123"]))
    with pytest.raises(ValueError, match="batch_size"):
        list(fetch_batches(["1"], batch_size=0))


def test_shared_efetch_responses_validate(shared_dir: Path) -> None:
    """Real efetch answers (several DTD vintages, an empty set) pass validation as they are."""
    files = sorted((shared_dir / "eutils_xml").glob("biopython-pubmed*.xml"))
    files.append(shared_dir / "pubmed_xml" / "metapub-37909814.xml")
    results = {f.name: validate_article_set(f.read_bytes(), what=f.name) for f in files}
    assert results["metapub-37909814.xml"] == ()
    assert results["biopython-pubmed1.xml"] == ("12091962", "9997")  # two records on one line
    assert results["biopython-pubmed4.xml"] == ("27797938",)
    for path in files:
        assert len(results[path.name]) == path.read_bytes().count(b"<PubmedArticle>")


def test_fetched_batches_go_into_the_raw_cache_and_come_back_offline(
    fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    wanted = _served(fake_eutils)[:5]
    (batch,) = fetch_batches(wanted)
    assert batch.xml is not None
    cache = RawCache(tmp_path)
    assert [(r.pmid, r.status) for r in cache.put_batch(batch.xml)] == [(p, "new") for p in wanted]
    rebuilt = cache.as_article_set(wanted)
    assert validate_article_set(rebuilt, what="rebuilt") == tuple(wanted)


def test_missing_pmids_are_a_problem_naming_them(fake_eutils: FakeEutils) -> None:
    """What the refresh stores in ``failures`` (stage fetch) for PMIDs efetch left out."""
    (batch,) = fetch_batches(["31507512", *ABSENT[:2]])
    assert batch.ok and batch.failed_pmids == ABSENT[:2]
    assert batch.problem == (
        "efetch batch 1/1: 2 PMIDs missing from PubMed's reply (deleted, withdrawn or not yet "
        f"available): {ABSENT[0]}, {ABSENT[1]}"
    )
    (whole,) = fetch_batches(["31507512"])
    assert whole.problem is None and whole.failed_pmids == ()
    fake_eutils.inject(Fault("status", status=503), times=4)
    (failed,) = fetch_batches(["31507512", ABSENT[0]])
    assert failed.failed_pmids == ("31507512", ABSENT[0]) and failed.problem == failed.error


def test_retry_lines_name_the_batch_and_a_count_not_every_pmid(
    fake_eutils: FakeEutils, caplog: pytest.LogCaptureFixture
) -> None:
    """200 PMIDs used to be listed on every retry line; the final error still lists them all,
    so the batch can be retried exactly."""
    wanted = [str(92000000 + i) for i in range(200)]
    fake_eutils.inject(Fault("status", status=503, path="/efetch.fcgi"), times=4)
    with caplog.at_level("WARNING", logger="itb_evidence.pubmed.entrez"):
        batches = list(fetch_batches(wanted, batch_size=100))
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4  # three retries and the give-up, all of batch 1
    for line in lines:
        assert line.startswith("efetch batch 1/2 (100 PMIDs): ")
        assert wanted[1] not in line and len(line) < 200
    assert batches[0].error is not None and all(p in batches[0].error for p in wanted[:100])
    assert batches[1].ok
