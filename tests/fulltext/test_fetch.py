"""PMC full text through the E-utilities gateway, against the loopback fake: open-access articles
parsed, no-body and missing ones reported with their reasons, faults retried or reported as for
PubMed, and the raw cache making a second run ask for nothing it already holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from itb_evidence.fulltext.fetch import fetch_fulltexts, split_articleset
from itb_evidence.fulltext.rawcache import PmcCacheError, PmcRawCache
from itb_evidence.pubmed.xmlreader import MalformedXMLError
from tests.conftest import SHARED_DIR
from tests.support.fake_eutils import FakeEutils, Fault, LoggedRequest

DATA = Path(__file__).parent / "data"
OPEN, CLOSED, ABSENT = "PMC9000001", "PMC9000002", "PMC9999999"


@pytest.fixture
def pmc(fake_eutils: FakeEutils) -> FakeEutils:
    for name in ("composed_itb.nxml", "composed_no_body.nxml"):
        fake_eutils.add_pmc_article((DATA / name).read_bytes())
    return fake_eutils


def _efetches(fake: FakeEutils) -> list[LoggedRequest]:
    return [r for r in fake.requests if r.path == "/efetch.fcgi"]


def test_open_no_body_and_missing_each_get_their_status_and_reason(pmc: FakeEutils) -> None:
    report = fetch_fulltexts([OPEN, "9000002", ABSENT, OPEN])  # numeric ids and repeats accepted
    assert [(r.pmcid, r.status) for r in report.results] == [
        (OPEN, "open_access"),
        (CLOSED, "no_body"),
        (ABSENT, "missing"),
    ]
    opened = report.results[0]
    assert opened.usable and opened.document is not None and len(opened.document.tables) == 3
    assert opened.xml is not None and opened.xml.startswith(b"<article")
    assert "does not allow downloading" in (report.results[1].reason or "")
    [request] = _efetches(pmc)
    assert request.params["db"] == "pmc" and request.params["retmode"] == "xml"
    assert request.params["id"] == "9000001,9000002,9999999"
    assert report.summary_lines() == [
        "full text: 1 open access, 1 no body, 1 missing",
        f"  {CLOSED}: no body: {report.results[1].reason}",
        f"  {ABSENT}: missing: efetch PMC batch 1/1: not in PMC's reply (withdrawn, or not a "
        "PMC article)",
    ]


@pytest.mark.parametrize(
    "fault",
    [
        Fault("status", status=429, retry_after="0"),
        Fault("status", status=503),
        Fault("truncate"),
        Fault("malformed"),
        Fault("reset"),
    ],
    ids=["429", "503", "truncated", "malformed", "reset"],
)
def test_transient_faults_are_retried_through_the_gateway(pmc: FakeEutils, fault: Fault) -> None:
    pmc.inject(fault)
    report = fetch_fulltexts([OPEN])
    assert [r.status for r in report.results] == ["open_access"]
    assert [r.fault for r in _efetches(pmc)] == [fault.kind, None]


def test_a_timeout_is_retried(pmc: FakeEutils, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITB_EUTILS_TIMEOUT_S", "0.5")
    pmc.inject(Fault("delay", delay_s=1.5))
    assert [r.status for r in fetch_fulltexts([OPEN]).results] == ["open_access"]
    assert len(_efetches(pmc)) == 2


@pytest.mark.parametrize("kind", ["xxe", "billion_laughs"])
def test_entity_payloads_are_refused_not_retried(pmc: FakeEutils, kind: str) -> None:
    pmc.inject(Fault(kind))  # type: ignore[arg-type]
    [result] = fetch_fulltexts([OPEN]).results
    assert result.status == "failed" and result.document is None
    assert "refused" in (result.reason or "") and OPEN in (result.reason or "")
    assert len(_efetches(pmc)) == 1


def test_a_batch_failing_for_good_does_not_sink_the_next(pmc: FakeEutils) -> None:
    pmc.inject(Fault("status", status=503), times=4)  # ITB_EUTILS_MAX_ATTEMPTS=4: batch 1 dies
    report = fetch_fulltexts([CLOSED, OPEN], batch_size=1)
    assert [(r.pmcid, r.status) for r in report.results] == [
        (CLOSED, "failed"),
        (OPEN, "open_access"),
    ]
    reason = report.results[0].reason or ""
    assert "efetch PMC batch 1/2 (1 PMCIDs: PMC9000002)" in reason and "HTTP 503" in reason
    assert "failed" in report.summary_lines()[1]


def test_the_cache_makes_a_second_run_ask_only_for_what_lacks_a_body(
    pmc: FakeEutils, tmp_path: Path
) -> None:
    cache = PmcRawCache(tmp_path)
    first = fetch_fulltexts([OPEN, CLOSED], cache=cache)
    assert [r.status for r in first.results] == ["open_access", "no_body"]
    assert cache.pmcids() == [OPEN, CLOSED]
    second = fetch_fulltexts([OPEN, CLOSED], cache=cache)
    assert [r.status for r in second.results] == ["cached", "no_body"]
    assert second.results[0].document == first.results[0].document
    assert _efetches(pmc)[-1].params["id"] == "9000002"  # an embargo may end: asked again
    fetch_fulltexts([OPEN], cache=cache, refresh=True)
    assert _efetches(pmc)[-1].params["id"] == "9000001"
    assert len(_efetches(pmc)) == 3
    assert [p.name for p in sorted((tmp_path / "pmc" / "01" / OPEN).iterdir())] == ["r1.xml.gz"]


def test_raw_cache_keeps_revisions_and_refuses_non_pmcids(tmp_path: Path) -> None:
    cache = PmcRawCache(tmp_path)
    assert cache.put(OPEN, b"<article>a</article>").status == "new"
    assert cache.put(OPEN, b"<article>a</article>").status == "unchanged"
    revised = cache.put(OPEN, b"<article>b</article>")
    assert (revised.status, revised.revision) == ("revised", 2)
    assert cache.latest(OPEN) == b"<article>b</article>" and OPEN in cache
    assert cache.latest(CLOSED) is None
    with pytest.raises(PmcCacheError, match="not a PMCID"):
        cache.put("../etc", b"x")


def test_replies_of_another_kind_are_malformed() -> None:
    with pytest.raises(MalformedXMLError, match="expected <pmc-articleset>"):
        split_articleset(b"<PubmedArticleSet/>", what="reply")
    with pytest.raises(MalformedXMLError, match="article 1 has no PMCID"):
        split_articleset(b"<pmc-articleset><article/></pmc-articleset>", what="reply")


def test_bad_ids_are_refused_before_any_request() -> None:
    with pytest.raises(ValueError, match="not PMCIDs"):
        fetch_fulltexts(["31507512a"])


@pytest.mark.shared
def test_real_open_access_articles_come_back_parsed(fake_eutils: FakeEutils) -> None:
    pmcids = [
        fake_eutils.add_pmc_article(path.read_bytes())
        for path in sorted((SHARED_DIR / "pmc_jats").glob("*.nxml"))
    ]
    report = fetch_fulltexts(pmcids, batch_size=3)
    assert [r.status for r in report.results] == ["open_access"] * 8
    assert sum(len(r.document.tables) for r in report.results if r.document) == 21
    assert len(_efetches(fake_eutils)) == 3
