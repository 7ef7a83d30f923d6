"""Prefect tasks around the retrieval stages (search, fetch + raw cache).

The NCBI policy (rate limit, backoff, retries on 429/5xx/timeouts/bad XML) lives in
``itb_evidence.pubmed.entrez``; Prefect's own retries here only cover what that policy gave up
on (one
more late attempt), so the two never multiply into a burst. Search results are cached for an hour
on their inputs, so a resumed or repeated run does not spend NCBI requests on the same search.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from prefect import task
from prefect.cache_policies import INPUTS

from itb_evidence.pubmed.fetch import FetchedBatch, fetch_batches
from itb_evidence.pubmed.rawcache import RawCache
from itb_evidence.pubmed.search import SearchResult, search_pubmed
from itb_evidence.runs import Window


@task(
    name="search",
    retries=1,
    retry_delay_seconds=60,
    timeout_seconds=900,
    cache_policy=INPUTS,
    cache_expiration=timedelta(hours=1),
    persist_result=True,
)
def search_task(query: str, window: Window) -> SearchResult:
    return search_pubmed(query, since=window.since, until=window.until, datetype=window.datetype)


@task(name="fetch", timeout_seconds=900)
def fetch_task(pmids: list[str], index: int, cache_dir: Path) -> FetchedBatch:
    """One efetch batch; what arrives is cached raw (gzip, per PMID and revision) before parsing."""
    (batch,) = fetch_batches(pmids, batch_size=max(1, len(pmids)))
    batch = FetchedBatch(
        index=index,
        pmids=batch.pmids,
        xml=batch.xml,
        error=None
        if batch.error is None
        else batch.error.replace("batch 1/1", f"batch {index + 1}"),
        missing=batch.missing,
        returned=batch.returned,
    )
    if batch.xml is not None:
        RawCache(cache_dir).put_batch(batch.xml)
    return batch
