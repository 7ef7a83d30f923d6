"""The gateway against the loopback fake E-utilities: every NCBI fault survived or reported,
rate limits measured at the server, tool/email on every request, the API key kept secret."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import pytest

from itb_evidence.pubmed.entrez import EntrezConfig, EntrezRequestError
from itb_evidence.pubmed.fetch import FetchedBatch, fetch_batches
from itb_evidence.pubmed.search import search_pubmed
from tests.support.fake_eutils import FakeEutils, Fault, LoggedRequest

SECRET = "fake0key0SECRET0value0123"
KNOWN = ("31507512",)  # in the bundled snapshot, so always served


def _fetch_one(pmids: tuple[str, ...] = KNOWN) -> FetchedBatch:
    (batch,) = fetch_batches(pmids)
    return batch


def _efetches(fake: FakeEutils) -> list[LoggedRequest]:
    return [r for r in fake.requests if r.path == "/efetch.fcgi"]


def _max_in_any_second(stamps: list[float]) -> int:
    """The most requests that arrived within any 1-second window [t, t + 1)."""
    stamps = sorted(stamps)
    return max(sum(1 for s in stamps[i:] if s < start + 1.0) for i, start in enumerate(stamps))


def test_429_with_retry_after_then_success(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault("status", status=429, retry_after="1"))
    batch = _fetch_one()
    assert batch.ok and batch.returned == KNOWN and batch.missing == ()
    first, second = _efetches(fake_eutils)
    assert (first.fault, second.fault) == ("status", None)
    # Backoff base is 0.01 s in tests: only Retry-After explains a wait of about a second.
    assert second.at - first.at >= 0.95


def test_503_twice_then_success(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault("status", status=503), times=2)
    batch = _fetch_one()
    assert batch.ok and batch.returned == KNOWN
    assert [r.fault for r in _efetches(fake_eutils)] == ["status", "status", None]


@pytest.mark.parametrize("status", [500, 502, 504])
def test_other_server_errors_are_retried(fake_eutils: FakeEutils, status: int) -> None:
    fake_eutils.inject(Fault("status", status=status))
    assert _fetch_one().ok
    assert len(_efetches(fake_eutils)) == 2


def test_timeout_then_success(fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITB_EUTILS_TIMEOUT_S", "0.3")
    fake_eutils.inject(Fault("delay", delay_s=1.5))
    batch = _fetch_one()
    assert batch.ok and batch.returned == KNOWN
    first, second = _efetches(fake_eutils)
    assert first.fault == "delay"
    assert 0.25 <= second.at - first.at < 1.2  # gave up at the 0.3 s timeout, not at 1.5 s


@pytest.mark.parametrize("kind", ["truncate", "malformed", "reset"])
def test_truncated_malformed_or_dropped_response_then_success(
    fake_eutils: FakeEutils, kind: str
) -> None:
    fake_eutils.inject(Fault(kind))  # type: ignore[arg-type]
    batch = _fetch_one()
    assert batch.ok and batch.returned == KNOWN
    assert batch.xml is not None and batch.xml.rstrip().endswith(b"</PubmedArticleSet>")
    assert [r.fault for r in _efetches(fake_eutils)] == [kind, None]


def test_persistent_failure_names_operation_tries_and_pmids(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault("status", status=503), times=4)  # ITB_EUTILS_MAX_ATTEMPTS=4
    batch = _fetch_one(("31507512", "99999991"))
    assert batch.xml is None and batch.error is not None
    assert batch.error.startswith("efetch batch 1/1 (2 PMIDs: 31507512, 99999991)")
    assert "failed after 4 tries: HTTP 503" in batch.error
    assert len(_efetches(fake_eutils)) == 4


def test_bad_request_is_not_retried(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault("status", status=400))
    batch = _fetch_one()
    assert batch.error is not None and "failed after 1 try: HTTP 400" in batch.error
    assert len(_efetches(fake_eutils)) == 1


def test_tool_and_email_on_every_request_and_key_only_at_the_server(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    fake_eutils.inject(Fault("status", status=503), Fault("truncate"), Fault("status", status=429))
    result = search_pubmed("baclofen")
    batches = list(fetch_batches(result.pmids, batch_size=2))
    fake_eutils.inject(Fault("status", status=502), times=4)
    failed = _fetch_one()
    assert all(b.ok for b in batches) and not failed.ok

    requests = fake_eutils.requests
    assert len(requests) >= 1 + len(batches) + 3 + 4
    for request in requests:
        assert request.params["tool"] == "itb-evidence"
        assert request.params["email"] == "itb-tests@example.org"
        assert request.params["api_key"] == SECRET
    assert {r.method for r in requests} == {"GET"}  # so the key sat in the URL each time

    assert "retrying" in caplog.text and "HTTP 502" in caplog.text  # the logs did say things
    assert SECRET not in caplog.text
    assert failed.error is not None and SECRET not in failed.error
    config = EntrezConfig.from_env()
    assert SECRET not in repr(config) and SECRET not in str(result)


def test_error_messages_redact_a_key_even_if_the_server_echoes_it(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    echoed = f"<eSearchResult><ERROR>bad api_key={SECRET} for {SECRET}</ERROR></eSearchResult>"
    fake_eutils.inject(Fault("replay", body=echoed.encode()), times=4)
    with pytest.raises(Exception, match="PubMed answered with an error") as raised:
        search_pubmed("baclofen")
    assert SECRET not in str(raised.value)
    assert "[REDACTED]" in str(raised.value)
    assert SECRET not in caplog.text


def _concurrent_requests(threads: int, per_thread: int) -> None:
    def work(worker: int) -> None:
        for i in range(per_thread):
            if i % 2:
                search_pubmed("spasticity")
            else:
                assert _fetch_one().ok

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(work, range(threads)))


def test_rate_limit_without_key_across_threads(fake_eutils: FakeEutils) -> None:
    _concurrent_requests(threads=4, per_thread=3)
    stamps = [r.at for r in fake_eutils.requests]
    assert len(stamps) == 12
    assert _max_in_any_second(stamps) <= 3


def test_rate_limit_with_key_across_threads(
    fake_eutils: FakeEutils, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NCBI_API_KEY", SECRET)
    _concurrent_requests(threads=6, per_thread=4)
    stamps = [r.at for r in fake_eutils.requests]
    assert len(stamps) == 24
    assert _max_in_any_second(stamps) <= 10
    # ... and the key's higher rate is used: 24 requests need well under 24 / 3 = 8 s.
    assert max(stamps) - min(stamps) < 4.0


def test_give_up_raises_entrez_request_error_for_search(fake_eutils: FakeEutils) -> None:
    fake_eutils.inject(Fault("reset"), times=4)
    with pytest.raises(Exception, match="esearch query 'baclofen'") as raised:
        search_pubmed("baclofen")
    assert isinstance(raised.value.__cause__, EntrezRequestError)
    assert raised.value.__cause__.attempts == 4
