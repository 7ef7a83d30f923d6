"""Prefect tasks around the retrieval stages (search, fetch + raw cache).

The NCBI policy (rate limit, backoff, retries on 429/5xx/timeouts/bad XML) lives in
``itb_evidence.pubmed.entrez``; Prefect's own retries here only cover what that policy gave up
on (one more late attempt), so the two never multiply into a burst.

Result storage policy (what Prefect keeps on disk):

- A search answer is cached for :data:`~itb_evidence.settings.SEARCH_CACHE_TTL_S` (an hour), so a
  resumed or repeated run does not spend NCBI requests on the same search. Its key is every input
  that changes the answer (:func:`search_cache_key`): the E-utilities endpoint, the store's id (a
  new store, even at the same path, is another store), the query and the window. A failed search
  is never cached (Prefect records only completed task runs). The answers live in their own folder
  of Prefect's local result storage (:func:`search_cache_dir`); expired ones are deleted whenever
  a search runs (:func:`prune_search_cache`), so the folder holds at most an hour of searches.
- Nothing else is persisted: the flows and the other tasks set ``persist_result=False`` (a run's
  outcome is the store's ``runs`` row; raw PubMed XML goes to the store's own raw cache).
"""

from __future__ import annotations

import hashlib
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prefect import task
from prefect.settings import get_current_settings

from itb_evidence.pubmed.fetch import FetchedBatch, fetch_batch
from itb_evidence.pubmed.rawcache import RawCache
from itb_evidence.pubmed.search import SearchResult, search_pubmed
from itb_evidence.runs import Window
from itb_evidence.settings import SEARCH_CACHE_TTL_S

SEARCH_CACHE_FOLDER = "itb-evidence-search"


def search_cache_dir() -> Path:
    """Where cached search answers are kept: a folder of Prefect's local result storage."""
    return Path(get_current_settings().results.local_storage_path) / SEARCH_CACHE_FOLDER


def search_cache_key(_context: Any, parameters: dict[str, Any]) -> str:
    """The cache key of a search: endpoint, store id, query and window (not the window's reason,
    which changes nothing PubMed answers). A path in :func:`search_cache_dir`."""
    window: Window = parameters["window"]
    inputs = {
        "endpoint": parameters["endpoint"],
        "store_id": parameters["store_id"],
        "query": parameters["query"],
        "since": window.since.isoformat() if window.since else None,
        "until": window.until.isoformat() if window.until else None,
        "datetype": window.datetype,
    }
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    return f"{SEARCH_CACHE_FOLDER}/{digest}"


def prune_search_cache(
    folder: Path | None = None, *, max_age_s: float = SEARCH_CACHE_TTL_S
) -> list[Path]:
    """Delete cached search answers past their expiry (or older than ``max_age_s`` when their
    expiry cannot be read); the files deleted."""
    folder = folder or search_cache_dir()
    if not folder.is_dir():
        return []
    now = datetime.now(UTC)
    deleted = []
    for path in folder.iterdir():
        if not path.is_file():
            continue
        try:
            expiry = json.loads(path.read_text(encoding="utf-8"))["metadata"]["expiration"]
            expired = expiry is None or datetime.fromisoformat(expiry) <= now
        except (OSError, ValueError, KeyError, TypeError):
            try:
                expired = time.time() - path.stat().st_mtime > max_age_s
            except OSError:
                continue
        if expired:
            path.unlink(missing_ok=True)
            deleted.append(path)
    return deleted


@task(
    name="search",
    retries=1,
    retry_delay_seconds=60,
    timeout_seconds=900,
    cache_key_fn=search_cache_key,
    cache_expiration=timedelta(seconds=SEARCH_CACHE_TTL_S),
    persist_result=True,
)
def search_task(query: str, window: Window, endpoint: str, store_id: str | None) -> SearchResult:
    """``endpoint`` and ``store_id`` are not sent to PubMed: they key the cache
    (:func:`search_cache_key`). Runs only when the cache has no live answer."""
    prune_search_cache()
    return search_pubmed(query, since=window.since, until=window.until, datetype=window.datetype)


@task(name="fetch", timeout_seconds=900, persist_result=False)
def fetch_task(pmids: list[str], index: int, total: int, cache_dir: Path) -> FetchedBatch:
    """Efetch batch ``index + 1`` of ``total``; what arrives is cached raw (gzip, per PMID and
    revision) before parsing."""
    batch = fetch_batch(pmids, index=index, total=total)
    if batch.xml is not None:
        RawCache(cache_dir).put_batch(batch.xml)
    return batch
