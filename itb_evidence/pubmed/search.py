"""PubMed search that returns *every* matching PMID and a record of what was asked and answered.

ESearch hands back at most 9,999 ids per query (``retstart`` cannot pass 9,998). When a query
matches more, the date window (``mindate``/``maxdate`` on ``datetype`` EDAT, PDAT, MDAT or CRDT)
is halved recursively until each slice fits, and the slices' ids are merged without duplicates.
Every request goes through the ``entrez`` gateway (rate limit, retries, redaction).

A search never fails silently: an ``ErrorList`` (e.g. ``PhraseNotFound``, which PubMed answers by
quietly searching *without* that phrase) or a top-level ``<ERROR>`` raises ``SearchError``;
``WarningList`` entries, an empty result and a total that disagrees with the merged slices are
kept as ``warnings`` on the result.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final

from lxml import etree

from itb_evidence.pubmed.entrez import (
    EntrezConfig,
    EntrezError,
    EntrezRequestError,
    EutilsErrorResponse,
    call_eutility,
    top_level_errors,
)
from itb_evidence.pubmed.xmlreader import MalformedXMLError, parse_safely

ESEARCH_WINDOW: Final = 9_999
DATETYPES: Final = frozenset({"edat", "pdat", "mdat", "crdt"})
# Used only when a search without a window must be split: PubMed's oldest records are from the
# 1780s, and print dates (PDAT) can lie a few years in the future for ahead-of-print articles.
EARLIEST_DATE: Final = date(1700, 1, 1)
FUTURE_MARGIN: Final = timedelta(days=5 * 366)


class SearchError(EntrezError):
    """PubMed reported an error for the query, or the search could not be completed."""


@dataclass(frozen=True, slots=True)
class EsearchPage:
    """One parsed ``eSearchResult``."""

    count: int
    retstart: int
    retmax: int
    ids: tuple[str, ...]
    webenv: str | None
    query_key: str | None
    query_translation: str | None
    errors: tuple[str, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SearchSlice:
    """A date window whose ids were collected (``mindate``/``maxdate`` None: no window)."""

    mindate: date | None
    maxdate: date | None
    count: int
    query_key: str | None


@dataclass(frozen=True, slots=True)
class SearchResult:
    """What was searched, when, and what came back: enough to state it in a review's methods."""

    query: str
    datetype: str
    since: date | None
    until: date | None
    searched_at: datetime
    count: int  # PubMed's Count for the whole query/window
    pmids: tuple[str, ...]  # all PMIDs, deduplicated, in the order collected
    query_translation: str | None
    webenv: str | None
    query_key: str | None
    warnings: tuple[str, ...]
    slices: tuple[SearchSlice, ...]


def _text(root: etree._Element, path: str) -> str | None:
    node = root.find(path)
    if node is None or node.text is None:
        return None
    return node.text.strip() or None


def _messages(root: etree._Element, path: str) -> tuple[str, ...]:
    container = root.find(path)
    if container is None:
        return ()
    return tuple(
        f"{child.tag}: {(child.text or '').strip()}"
        for child in container
        if isinstance(child.tag, str) and (child.text or "").strip()
    )


def parse_esearch(xml: bytes, *, what: str = "esearch response") -> EsearchPage:
    """Parse an ``eSearchResult`` (safe lxml parse; DTDs are never loaded).

    Raises ``MalformedXMLError`` for anything that is not an eSearchResult (an HTML error page,
    a truncated body) and ``EutilsErrorResponse`` for a top-level ``<ERROR>``; ``ErrorList``
    entries are returned in ``errors`` for the caller to judge.
    """
    root = parse_safely(xml, what=what)
    if root.tag != "eSearchResult":
        raise MalformedXMLError(f"{what}: expected <eSearchResult>, got <{root.tag}>")
    errors = top_level_errors(root)
    if errors:
        raise EutilsErrorResponse(f"{what}: PubMed answered with an error: {'; '.join(errors)}")
    count_text = _text(root, "Count")
    if count_text is None or not count_text.isdigit():
        raise MalformedXMLError(f"{what}: <Count> missing or not a number ({count_text!r})")
    return EsearchPage(
        count=int(count_text),
        retstart=int(_text(root, "RetStart") or 0),
        retmax=int(_text(root, "RetMax") or 0),
        ids=tuple(t for node in root.iterfind("IdList/Id") if (t := (node.text or "").strip())),
        webenv=_text(root, "WebEnv"),
        query_key=_text(root, "QueryKey"),
        query_translation=_text(root, "QueryTranslation"),
        errors=_messages(root, "ErrorList"),
        warnings=_messages(root, "WarningList"),
    )


def _fmt(day: date) -> str:
    return day.strftime("%Y/%m/%d")


def _short(query: str, limit: int = 60) -> str:
    """A long query cut for log lines (the default query is ~450 characters)."""
    return query if len(query) <= limit else query[: limit - 1] + "…"


NO_RESULTS: Final = "PubMed found no records for this query and window"


def is_informational(warning: str) -> bool:
    """A search warning that only says the window is empty ("No items found."): not a problem,
    so shown plainly, never as a failure."""
    return warning == NO_RESULTS or "no items found" in warning.lower()


class _Searcher:
    """One search: shares a WebEnv across its slices and gathers warnings."""

    def __init__(self, query: str, datetype: str, config: EntrezConfig) -> None:
        self.query = query
        self.datetype = datetype
        self.config = config
        self.webenv: str | None = None
        self.requests = 0
        self.warnings: list[str] = []

    def page(self, window: tuple[date, date] | None, retstart: int = 0) -> EsearchPage:
        where = "no date window" if window is None else f"{_fmt(window[0])}-{_fmt(window[1])}"
        context = f"query {self.query!r} ({self.datetype} {where}, retstart {retstart})"
        log_context = f"query {_short(self.query)!r} ({self.datetype} {where}, retstart {retstart})"
        params: dict[str, Any] = {
            "db": "pubmed",
            "term": self.query,
            "usehistory": "y",
            "retstart": retstart,
            "retmax": ESEARCH_WINDOW,
        }
        if self.webenv:
            params["WebEnv"] = self.webenv
        if window is not None:
            params.update(datetype=self.datetype, mindate=_fmt(window[0]), maxdate=_fmt(window[1]))
        try:
            page = call_eutility(
                "esearch",
                params,
                parse=lambda body: parse_esearch(body, what="esearch response"),
                context=context,
                log_context=log_context,
                config=self.config,
            )
        except EntrezRequestError as exc:
            raise SearchError(str(exc)) from exc
        self.requests += 1
        if page.errors:
            raise SearchError(
                f"PubMed reported errors for {context}: {'; '.join(page.errors)}"
                + (f" (warnings: {'; '.join(page.warnings)})" if page.warnings else "")
                + ". PubMed drops the offending terms and searches without them, so the result "
                "would not be the query as written: correct the query."
            )
        self.webenv = self.webenv or page.webenv
        self._warn(page.warnings)
        return page

    def _warn(self, messages: Iterable[str]) -> None:
        for message in messages:
            if message not in self.warnings:
                self.warnings.append(message)

    def collect(self, window: tuple[date, date] | None, first: EsearchPage) -> list[str]:
        """All ids of a window known to fit (count <= 9,999), paging if a page came back short."""
        ids = list(first.ids)
        while len(ids) < first.count:
            page = self.page(window, retstart=len(ids))
            if not page.ids:
                self._warn(
                    [
                        f"{self._where(window)}: PubMed reported {first.count} records "
                        f"but returned only {len(ids)} ids"
                    ]
                )
                break
            ids.extend(page.ids)
        return ids

    def _where(self, window: tuple[date, date] | None) -> str:
        if window is None:
            return "whole query"
        return f"{self.datetype} {_fmt(window[0])}-{_fmt(window[1])}"


def _bounds(since: date | None, until: date | None) -> tuple[date, date]:
    today = datetime.now(UTC).date()
    return since or EARLIEST_DATE, until or (today + FUTURE_MARGIN)


def search_pubmed(
    query: str,
    *,
    since: date | None = None,
    until: date | None = None,
    datetype: str = "edat",
    config: EntrezConfig | None = None,
) -> SearchResult:
    """Search PubMed for ``query`` and return every matching PMID, splitting by date if needed.

    ``since``/``until`` are inclusive dates on ``datetype`` (edat: added to PubMed, pdat:
    publication, mdat: last modified — what an incremental refresh asks for, crdt: created).
    Raises ``SearchError`` when PubMed reports an error, when a request fails for good, or when a
    single day alone holds more than 9,999 records (no further split is possible).
    """
    if datetype not in DATETYPES:
        raise ValueError(f"datetype must be one of {sorted(DATETYPES)}, got {datetype!r}")
    if not query.strip():
        raise ValueError("query is empty")
    if since and until and since > until:
        raise ValueError(f"since ({since}) is after until ({until})")
    cfg = config or EntrezConfig.from_env()
    searched_at = datetime.now(UTC)
    searcher = _Searcher(query, datetype, cfg)
    window = _bounds(since, until) if (since or until) else None
    top = searcher.page(window)

    slices: list[SearchSlice] = []
    pmids: dict[str, None] = {}
    pending: list[tuple[tuple[date, date] | None, EsearchPage]] = [(window, top)]
    while pending:
        slice_window, page = pending.pop()
        if page.count <= ESEARCH_WINDOW:
            pmids.update(dict.fromkeys(searcher.collect(slice_window, page)))
            slices.append(
                SearchSlice(
                    mindate=slice_window[0] if slice_window else None,
                    maxdate=slice_window[1] if slice_window else None,
                    count=page.count,
                    query_key=page.query_key,
                )
            )
            continue
        lo, hi = slice_window or _bounds(None, None)
        if lo == hi:
            raise SearchError(
                f"query {query!r}: {datetype} {_fmt(lo)} alone holds {page.count} records, more "
                f"than ESearch can list ({ESEARCH_WINDOW}); narrow the query or use another "
                "datetype"
            )
        mid = lo + (hi - lo) // 2
        later = (mid + timedelta(days=1), hi)
        earlier = (lo, mid)
        # Pushed in reverse so slices are handled (and listed) oldest first.
        pending.append((later, searcher.page(later)))
        pending.append((earlier, searcher.page(earlier)))

    warnings = list(searcher.warnings)
    if top.count == 0 and not any(is_informational(w) for w in warnings):
        warnings.append(NO_RESULTS)
    if len(pmids) != top.count:
        warnings.append(
            f"PubMed reported Count {top.count} for the whole query but {len(pmids)} distinct "
            f"PMIDs were collected over {len(slices)} slice(s) (records added, removed or "
            "re-dated while searching, or outside the split range)"
        )
    return SearchResult(
        query=query,
        datetype=datetype,
        since=since,
        until=until,
        searched_at=searched_at,
        count=top.count,
        pmids=tuple(pmids),
        query_translation=top.query_translation,
        webenv=top.webenv,
        query_key=top.query_key,
        warnings=tuple(warnings),
        slices=tuple(sorted(slices, key=lambda s: s.mindate or date.min)),
    )
