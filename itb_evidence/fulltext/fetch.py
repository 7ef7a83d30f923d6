"""Fetch PMC full texts (JATS) through the one E-utilities gateway, and say what came back.

``efetch db=pmc`` goes through ``pubmed.entrez.call_eutility``: the same rate limiter, retries
(429/5xx, timeouts, resets, truncated or malformed XML), ``Retry-After`` handling and API-key
redaction as PubMed fetches. Each response is parsed with the safe lxml options and must be a
``<pmc-articleset>``; entity declarations are refused. A batch that fails after its retries marks
its PMCIDs ``failed`` (named, with the reason) and the next batch goes on.

Only open-access articles carry their text: PMC answers every PMCID, but where the publisher does
not allow the XML full text to be downloaded the ``<article>`` has front matter and no
``<body>``. Such articles are reported ``no_body`` with the reason (PMC's own comment when it
gives one), never parsed as if they were empty papers. PMCIDs absent from the reply are
``missing``.

Incremental: with a raw cache, an article already held with its body is parsed from the cache
and not asked for again (``cached``) unless ``refresh=True``; articles held without a body are
asked for again (an embargo may have ended). Every article received is kept in the cache as
received (``rawcache.PmcRawCache``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from lxml import etree

from itb_evidence.fulltext.document import FullText
from itb_evidence.fulltext.jats import articles_of, normalise_pmcid, parse_article
from itb_evidence.fulltext.jats_text import local_name
from itb_evidence.fulltext.rawcache import PmcRawCache
from itb_evidence.pubmed.entrez import (
    EntrezConfig,
    EntrezRequestError,
    EutilsErrorResponse,
    call_eutility,
    top_level_errors,
)
from itb_evidence.pubmed.xmlreader import MalformedXMLError, parse_safely

# JATS articles run to 100-300 KB each; 20 a request keeps one response a few MB.
DEFAULT_PMC_BATCH_SIZE: Final = 20
FullTextStatus = Literal["open_access", "no_body", "missing", "failed", "cached"]


@dataclass(frozen=True, slots=True)
class FullTextResult:
    """What became of one PMCID: ``document`` for ``open_access``/``no_body``/``cached``,
    ``reason`` for everything but ``open_access``/``cached``."""

    pmcid: str
    status: FullTextStatus
    reason: str | None = None
    document: FullText | None = None
    xml: bytes | None = field(default=None, repr=False)  # the <article> as received (or cached)

    @property
    def usable(self) -> bool:
        """The article's text is here (fetched now or held in the cache)."""
        return self.document is not None and self.document.has_body


@dataclass(slots=True)
class FullTextReport:
    """Every PMCID asked for, in order, with what became of it; the run summary's lines."""

    results: list[FullTextResult] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(r.status for r in self.results)

    @property
    def usable(self) -> list[FullTextResult]:
        return [r for r in self.results if r.usable]

    def summary_lines(self) -> list[str]:
        """One line of counts, then one line per PMCID without usable full text and why."""
        counts = self.counts()
        order = ("open_access", "cached", "no_body", "missing", "failed")
        head = "full text: " + ", ".join(
            f"{counts[s]} {s.replace('_', ' ')}" for s in order if counts[s]
        )
        lines = [head if counts else "full text: no PMCIDs to fetch"]
        for r in self.results:
            if not r.usable:
                lines.append(f"  {r.pmcid}: {r.status.replace('_', ' ')}: {r.reason}")
        return lines


def _pmc_uid(pmcid: str) -> str:
    return pmcid[3:]  # efetch db=pmc takes the numeric UID


def _clean(pmcids: Sequence[str]) -> list[str]:
    cleaned: list[str] = []
    bad: list[str] = []
    for raw in pmcids:
        pmcid = normalise_pmcid(raw)
        if pmcid is None:
            bad.append(raw)
        else:
            cleaned.append(pmcid)
    if bad:
        raise ValueError(f"not PMCIDs (PMC followed by digits): {bad[:10]}")
    return list(dict.fromkeys(cleaned))


def split_articleset(xml: bytes, *, what: str) -> list[tuple[str, etree._Element]]:
    """``(pmcid, article)`` for every article of an efetch ``db=pmc`` reply.

    Raises ``MalformedXMLError`` (retryable: a truncated or foreign document, an article without
    a PMCID), ``UnsafeXMLError`` (refused) or ``EutilsErrorResponse`` (an ``<ERROR>`` reply)."""
    root = parse_safely(xml, what=what)
    errors = top_level_errors(root)
    if errors:
        raise EutilsErrorResponse(f"{what}: PMC answered with an error: {'; '.join(errors)}")
    if local_name(root) != "pmc-articleset":
        raise MalformedXMLError(f"{what}: expected <pmc-articleset>, got <{local_name(root)}>")
    found: list[tuple[str, etree._Element]] = []
    for position, article in enumerate(articles_of(root, what=what), start=1):
        pmcid = None
        for node in article.iterfind("front/article-meta/article-id"):
            if node.get("pub-id-type") in ("pmc", "pmcid"):
                pmcid = normalise_pmcid(node.text)
                if pmcid:
                    break
        if pmcid is None:
            raise MalformedXMLError(f"{what}: article {position} has no PMCID")
        found.append((pmcid, article))
    return found


def _parse_received(pmcid: str, article: etree._Element, xml: bytes) -> FullTextResult:
    try:
        document = parse_article(article, what=pmcid)
    except (ValueError, etree.LxmlError) as exc:  # a table beyond limits, a broken structure
        return FullTextResult(pmcid, "failed", f"{pmcid}: could not parse the JATS: {exc}")
    if document.has_body:
        return FullTextResult(pmcid, "open_access", None, document, xml)
    return FullTextResult(pmcid, "no_body", document.reason, document, xml)


def fetch_fulltext_batch(
    pmcids: Sequence[str],
    *,
    index: int = 0,
    total: int = 1,
    config: EntrezConfig | None = None,
    cache: PmcRawCache | None = None,
) -> list[FullTextResult]:
    """One efetch ``db=pmc`` request for these PMCIDs (batch ``index + 1`` of ``total``)."""
    batch = _clean(pmcids)
    cfg = config or EntrezConfig.from_env()
    label = f"PMC batch {index + 1}/{total}"
    try:
        received = call_eutility(
            "efetch",
            {"db": "pmc", "id": ",".join(_pmc_uid(p) for p in batch), "retmode": "xml"},
            parse=lambda body: split_articleset(body, what="efetch db=pmc response"),
            context=f"{label} ({len(batch)} PMCIDs: {', '.join(batch)})",
            log_context=f"{label} ({len(batch)} PMCIDs)",
            config=cfg,
        )
    except EntrezRequestError as exc:
        return [FullTextResult(p, "failed", str(exc)) for p in batch]
    by_pmcid: dict[str, etree._Element] = {}
    for pmcid, article in received:
        by_pmcid.setdefault(pmcid, article)
    results: list[FullTextResult] = []
    for pmcid in batch:
        found = by_pmcid.get(pmcid)
        if found is None:
            results.append(
                FullTextResult(
                    pmcid,
                    "missing",
                    f"efetch {label}: not in PMC's reply (withdrawn, or not a PMC article)",
                )
            )
            continue
        xml = etree.tostring(found, encoding="UTF-8", with_tail=False)
        if cache is not None:
            cache.put(pmcid, xml)
        results.append(_parse_received(pmcid, found, xml))
    return results


def _from_cache(pmcid: str, cache: PmcRawCache) -> FullTextResult | None:
    """The cached article if it is held with its body (parsed from the cache), else None."""
    xml = cache.latest(pmcid)
    if xml is None:
        return None
    try:
        document = parse_article(parse_safely(xml, what=f"cached {pmcid}"), what=pmcid)
    except (ValueError, etree.LxmlError):
        return None  # a cache file this parser cannot read: fetch it again
    return FullTextResult(pmcid, "cached", None, document, xml) if document.has_body else None


def iter_fulltexts(
    pmcids: Sequence[str],
    *,
    batch_size: int = DEFAULT_PMC_BATCH_SIZE,
    config: EntrezConfig | None = None,
    cache: PmcRawCache | None = None,
    refresh: bool = False,
) -> Iterator[FullTextResult]:
    """One result per PMCID (duplicates dropped, order kept), fetching in batches."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    wanted = _clean(pmcids)
    to_fetch: list[str] = []
    held: dict[str, FullTextResult] = {}
    for pmcid in wanted:
        cached = None if (cache is None or refresh) else _from_cache(pmcid, cache)
        if cached is not None:
            held[pmcid] = cached
        else:
            to_fetch.append(pmcid)
    fetched: dict[str, FullTextResult] = {}
    if to_fetch:
        cfg = config or EntrezConfig.from_env()
        chunks = [to_fetch[i : i + batch_size] for i in range(0, len(to_fetch), batch_size)]
        for index, chunk in enumerate(chunks):
            for result in fetch_fulltext_batch(
                chunk, index=index, total=len(chunks), config=cfg, cache=cache
            ):
                fetched[result.pmcid] = result
    for pmcid in wanted:
        yield held.get(pmcid) or fetched[pmcid]


def fetch_fulltexts(
    pmcids: Sequence[str],
    *,
    batch_size: int = DEFAULT_PMC_BATCH_SIZE,
    config: EntrezConfig | None = None,
    cache: PmcRawCache | None = None,
    refresh: bool = False,
) -> FullTextReport:
    """Every PMCID's :class:`FullTextResult`, in a report with the run summary's lines."""
    return FullTextReport(
        list(
            iter_fulltexts(
                pmcids, batch_size=batch_size, config=config, cache=cache, refresh=refresh
            )
        )
    )
