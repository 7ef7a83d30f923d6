"""Fetch PubMed records in batches, each one validated, and never let one bad batch sink a run.

EFetch (``db=pubmed``, ``retmode=xml``) goes through the ``entrez`` gateway. Bio.Entrez sends a
POST when a request has 200 ids or more, or its encoded parameters exceed 1,000 characters, so a
default batch (200) is always POSTed and shorter batches of long PMIDs are too. Each response is
parsed with the safe lxml options: it must be a well-formed ``PubmedArticleSet``; entity
declarations (XXE, billion laughs) are refused, never expanded. A batch that still fails after the
gateway's retries comes back as ``FetchedBatch(xml=None, error=...)`` naming the batch and its
PMIDs, and the iteration moves on; PMIDs requested but absent from a response are reported
(``missing``), and a refresh stores them as ``failures`` (stage ``fetch``, ``missing_message``) so
they are counted, shown and asked for again. Retry log lines name the batch and its size, never
the whole PMID list (the final error does, so the batch can be retried exactly).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from itb_evidence.pubmed.entrez import (
    EntrezConfig,
    EntrezRequestError,
    EutilsErrorResponse,
    call_eutility,
    top_level_errors,
)
from itb_evidence.pubmed.xmlreader import RECORD_TAGS, MalformedXMLError, parse_safely, record_pmid

DEFAULT_BATCH_SIZE = 200


@dataclass(frozen=True, slots=True)
class FetchedBatch:
    """One efetch batch: ``xml`` as received when it succeeded, else ``error``.

    ``missing`` lists requested PMIDs absent from the response (deleted or withdrawn records, or
    a server that dropped them); ``returned`` the PMIDs the response holds, in its order.
    """

    index: int
    pmids: tuple[str, ...]
    xml: bytes | None
    error: str | None
    missing: tuple[str, ...] = ()
    returned: tuple[str, ...] = ()
    total: int = 1  # batches in the fetch this one belongs to

    @property
    def ok(self) -> bool:
        return self.xml is not None

    @property
    def label(self) -> str:
        """``batch 3/12``: what log lines and failure messages call this batch."""
        return f"batch {self.index + 1}/{self.total}"

    @property
    def failed_pmids(self) -> tuple[str, ...]:
        """PMIDs not retrieved: the whole batch if it failed, else the ones left out."""
        return self.pmids if self.xml is None else self.missing

    @property
    def problem(self) -> str | None:
        """What went wrong with this batch, in one line (None if every PMID came back)."""
        if self.xml is None:
            return self.error or f"efetch {self.label} failed"
        return self.missing_message() if self.missing else None

    def missing_message(self) -> str:
        n = len(self.missing)
        return (
            f"efetch {self.label}: {n} PMID{'s' if n != 1 else ''} missing from PubMed's reply "
            f"(deleted, withdrawn or not yet available): {', '.join(self.missing)}"
        )


def describe_batch(index: int, total: int, pmids: Sequence[str]) -> str:
    """Names a batch and *all* its PMIDs, so a failure can be retried or reported exactly."""
    return f"batch {index + 1}/{total} ({len(pmids)} PMIDs: {', '.join(pmids)})"


def batch_label(index: int, total: int, pmids: Sequence[str]) -> str:
    """Names a batch and its size only: what retry log lines say (never 200 PMIDs)."""
    return f"batch {index + 1}/{total} ({len(pmids)} PMIDs)"


def validate_article_set(xml: bytes, *, what: str) -> tuple[str, ...]:
    """Check ``xml`` is a safe, well-formed ``PubmedArticleSet``; return its records' PMIDs.

    Raises ``MalformedXMLError`` (retryable), ``UnsafeXMLError`` (refused) or
    ``EutilsErrorResponse`` (an ``<ERROR>`` document, retryable).
    """
    root = parse_safely(xml, what=what)
    errors = top_level_errors(root)
    if errors:
        raise EutilsErrorResponse(f"{what}: PubMed answered with an error: {'; '.join(errors)}")
    if root.tag != "PubmedArticleSet":
        raise MalformedXMLError(f"{what}: expected <PubmedArticleSet>, got <{root.tag}>")
    pmids: list[str] = []
    for position, record in enumerate(root, start=1):
        if record.tag not in RECORD_TAGS:
            continue  # comments, DeleteCitation
        pmid = record_pmid(record)
        if pmid is None:
            raise MalformedXMLError(f"{what}: record {position} ({record.tag}) has no PMID")
        pmids.append(pmid)
    return tuple(pmids)


def _chunks(pmids: Sequence[str], size: int) -> list[tuple[str, ...]]:
    return [tuple(pmids[start : start + size]) for start in range(0, len(pmids), size)]


def _clean(pmids: Sequence[str]) -> list[str]:
    """PMIDs stripped, checked (digits only) and deduplicated, order kept."""
    cleaned = [p.strip() for p in pmids]
    bad = [p for p in cleaned if not p.isdigit()]
    if bad:
        raise ValueError(f"PMIDs must be digits only; got {bad[:10]}")
    return list(dict.fromkeys(cleaned))


def fetch_batch(
    pmids: Sequence[str],
    *,
    index: int = 0,
    total: int = 1,
    config: EntrezConfig | None = None,
) -> FetchedBatch:
    """Fetch one batch, batch ``index + 1`` of ``total`` (how logs and failures name it)."""
    batch = tuple(_clean(pmids))
    cfg = config or EntrezConfig.from_env()
    try:
        xml, returned = call_eutility(
            "efetch",
            {"db": "pubmed", "id": ",".join(batch), "retmode": "xml"},
            parse=lambda body: (body, validate_article_set(body, what="efetch response")),
            context=describe_batch(index, total, batch),
            log_context=batch_label(index, total, batch),
            config=cfg,
        )
    except EntrezRequestError as exc:
        return FetchedBatch(index=index, pmids=batch, xml=None, error=str(exc), total=total)
    returned_set = set(returned)
    return FetchedBatch(
        index=index,
        pmids=batch,
        xml=xml,
        error=None,
        missing=tuple(p for p in batch if p not in returned_set),
        returned=returned,
        total=total,
    )


def fetch_batches(
    pmids: Sequence[str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    config: EntrezConfig | None = None,
) -> Iterator[FetchedBatch]:
    """Yield one ``FetchedBatch`` per ``batch_size`` PMIDs (duplicates dropped, order kept)."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    cleaned = _clean(pmids)
    cfg = config or EntrezConfig.from_env()
    batches = _chunks(cleaned, batch_size)
    for index, batch in enumerate(batches):
        yield fetch_batch(batch, index=index, total=len(batches), config=cfg)
