"""A loopback fake of NCBI E-utilities (``esearch.fcgi``, ``efetch.fcgi``) for retrieval tests.

It answers from real PubMed records read in place (the bundled snapshot and, when present,
``../shared/pubmed_xml`` and ``../shared/eutils_xml``; nothing is copied) plus optional synthetic
result sets (``add_synthetic``) big enough to exercise ESearch's 9,999-id window. Like PubMed it
lists at most 9,999 ids per ESearch, keeps ``WebEnv``/``query_key`` histories and filters on
``mindate``/``maxdate``/``datetype``.

EFetch ``db=pmc`` answers from JATS articles handed to ``add_pmc_article`` (real open-access
files read in place from ``../shared/pmc_jats``, or a test's own), as PMC does: a
``<pmc-articleset>`` of the requested articles, unknown ids left out.

Misbehaviour is programmable: ``inject(Fault(...))`` queues faults that the next matching
requests suffer (HTTP status with ``Retry-After``, a delay past the client's timeout, a truncated
body, malformed XML, an XXE or billion-laughs payload, a dropped connection, or a replayed file).
Every request is logged (monotonic time, method, path, parameters) so tests can measure rates
and check parameters. The server itself never writes to stderr or ``logging`` (request lines
would carry the API key).
"""

from __future__ import annotations

import functools
import io
import itertools
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from lxml import etree

from itb_evidence.pubmed.xmlreader import RECORD_TAGS, SAFE_PARSE_OPTIONS, record_pmid

ESEARCH_WINDOW = 9_999
DATETYPES = ("edat", "pdat", "mdat", "crdt")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_ARTICLE_SET_HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
_PMC_SET_HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n<pmc-articleset>'
)
_ESEARCH_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch '
    '20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
XXE_PAYLOAD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
    b'  <!ENTITY xxe SYSTEM "file:///etc/hostname">\n]>\n'
    b'<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID Version="1">1</PMID>'
    b"<Article><ArticleTitle>&xxe;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
    b"</PubmedArticleSet>\n"
)
BILLION_LAUGHS_PAYLOAD = (
    b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n  <!ENTITY lol "lol">\n'
    + b"".join(
        f'  <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b"]>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article>"
    b"<ArticleTitle>&lol9;</ArticleTitle></Article></MedlineCitation></PubmedArticle>"
    b"</PubmedArticleSet>\n"
)

FaultKind = Literal[
    "status", "delay", "truncate", "malformed", "xxe", "billion_laughs", "reset", "replay"
]


@dataclass(frozen=True)
class Fault:
    """One misbehaviour for the next request to ``path`` (any path if None)."""

    kind: FaultKind
    status: int = 503
    retry_after: str | None = None
    delay_s: float = 0.0
    body: bytes | None = None  # for "replay"
    path: str | None = None


@dataclass(frozen=True)
class LoggedRequest:
    at: float  # time.monotonic() when the connection was accepted
    method: str
    path: str
    params: dict[str, str]
    fault: str | None


@dataclass(frozen=True)
class StoredRecord:
    pmid: str
    xml: bytes
    text: str  # lower-cased searchable text
    dates: dict[str, date | None]


def _date_of(node: etree._Element | None) -> date | None:
    if node is None:
        return None
    year = (node.findtext("Year") or "").strip()
    if not year.isdigit():
        medline = (node.findtext("MedlineDate") or "").strip()[:4]
        return date(int(medline), 1, 1) if medline.isdigit() else None
    month_raw = (node.findtext("Month") or "1").strip().lower()
    month = int(month_raw) if month_raw.isdigit() else _MONTHS.get(month_raw[:3], 1)
    day_raw = (node.findtext("Day") or "1").strip()
    try:
        return date(int(year), month, int(day_raw) if day_raw.isdigit() else 1)
    except ValueError:
        return date(int(year), 1, 1)


def _stored(record: etree._Element) -> StoredRecord | None:
    pmid = record_pmid(record)
    if pmid is None:
        return None
    history = "PubmedData/History/PubMedPubDate[@PubStatus='{}']"
    dates = {
        "edat": _date_of(record.find(history.format("entrez"))),
        "pdat": _date_of(record.find("MedlineCitation/Article/Journal/JournalIssue/PubDate")),
        "mdat": _date_of(record.find("MedlineCitation/DateRevised")),
        "crdt": _date_of(record.find(history.format("pubmed"))),
    }
    text = " ".join(" ".join(str(t) for t in record.itertext()).split()).lower()
    return StoredRecord(
        pmid, etree.tostring(record, encoding="UTF-8", with_tail=False), text, dates
    )


def default_record_sources(repo_root: Path, shared_dir: Path) -> tuple[Path, ...]:
    """The snapshot plus the shared PubMed XML files that exist (read in place)."""
    paths = sorted((repo_root / "data" / "snapshot").glob("*.xml"))
    for folder in ("pubmed_xml", "eutils_xml"):
        paths.extend(sorted((shared_dir / folder).glob("*.xml")))
    return tuple(paths)


@functools.lru_cache(maxsize=4)
def load_records(sources: tuple[Path, ...]) -> dict[str, StoredRecord]:
    """PMID -> record from every PubmedArticle/PubmedBookArticle in ``sources`` (first wins)."""
    records: dict[str, StoredRecord] = {}
    for path in sources:
        events = etree.iterparse(
            io.BytesIO(path.read_bytes()), events=("end",), tag=RECORD_TAGS, **SAFE_PARSE_OPTIONS
        )
        try:
            for _event, element in events:
                stored = _stored(element)
                if stored is not None:
                    records.setdefault(stored.pmid, stored)
        except etree.XMLSyntaxError:
            continue  # not PubMed XML (einfo, esummary, ...): nothing to serve from it
    return records


def synthetic_record(pmid: str, day: date) -> bytes:
    """A minimal PubmedArticle for synthetic result sets."""
    d = f"<Year>{day.year}</Year><Month>{day.month:02d}</Month><Day>{day.day:02d}</Day>"
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID><DateRevised>{d}</DateRevised><Article>'
        f"<ArticleTitle>Synthetic record {pmid}</ArticleTitle></Article></MedlineCitation>"
        f'<PubmedData><History><PubMedPubDate PubStatus="entrez">{d}</PubMedPubDate></History>'
        f"</PubmedData></PubmedArticle>"
    ).encode()


def parse_eutils_date(text: str) -> date:
    """``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD`` as E-utilities accept them."""
    parts = [int(p) for p in text.strip().split("/")]
    return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)


def _term_groups(term: str) -> list[list[str]]:
    """``a AND b OR c[tiab]`` -> [["a", "b"], ["c"]]: OR of AND-groups of words."""
    cleaned = re.sub(r"\[[^\]]*\]", " ", term.lower())
    cleaned = re.sub(r"[()\"]", " ", cleaned)
    groups = []
    for group in re.split(r"\s+or\s+", cleaned):
        words = [w for w in re.split(r"\s+and\s+|\s+", group) if w and w != "and"]
        if words:
            groups.append(words)
    return groups


class _StampingServer(ThreadingHTTPServer):
    """Notes when each connection was accepted: the arrival time closest to the client's send,
    before handler-thread scheduling adds jitter (what rate-limit tests measure)."""

    daemon_threads = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.accepted_at: dict[int, float] = {}

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        self.accepted_at[connection.fileno()] = time.monotonic()
        return connection, address


class FakeEutils:
    """The fake server. Use as a context manager or ``start()``/``stop()``."""

    def __init__(self, sources: Sequence[Path]) -> None:
        self.records = load_records(tuple(sources))
        self.synthetic: dict[str, list[tuple[str, date]]] = {}
        self.pmc_articles: dict[str, bytes] = {}  # numeric PMC UID -> <article> XML
        self.count_override: Callable[[str, date | None, date | None], int | None] | None = None
        self._faults: deque[Fault] = deque()
        self._log: list[LoggedRequest] = []
        self._histories: dict[str, list[list[str]]] = {}
        self._webenv_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _StampingServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control
    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake E-utilities server is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/entrez/eutils/"

    def start(self) -> FakeEutils:
        handler = functools.partial(_Handler, self)
        self._server = _StampingServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeEutils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, *faults: Fault, times: int = 1) -> None:
        """Queue faults (each ``times`` over), applied in order to the next matching requests."""
        with self._lock:
            for fault in faults:
                self._faults.extend([fault] * times)

    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    def add_synthetic(self, term: str, entries: Iterable[tuple[str, date]]) -> None:
        """Make ``term`` (exactly, case-insensitive) match these (PMID, date) pairs on every
        datetype; efetch serves minimal records for them."""
        self.synthetic[term.lower()] = list(entries)

    def add_pmc_article(self, xml: bytes) -> str:
        """Serve this JATS ``<article>`` (a whole ``.nxml`` file) for efetch ``db=pmc``; returns
        its PMCID ("PMC123"), read from its ``article-id pub-id-type="pmc"``."""
        article = etree.fromstring(xml, etree.XMLParser(**SAFE_PARSE_OPTIONS))
        for node in article.iterfind("front/article-meta/article-id"):
            if node.get("pub-id-type") in ("pmc", "pmcid"):
                uid = (node.text or "").strip().upper().removeprefix("PMC")
                self.pmc_articles[uid] = etree.tostring(article, encoding="UTF-8")
                return f"PMC{uid}"
        raise ValueError("the article has no PMC id")

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    # ------------------------------------------------------------------ internals
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.path is None or fault.path == path:
                    del self._faults[index]
                    return fault
        return None

    def _record(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)

    def search(self, term: str, datetype: str, lo: date | None, hi: date | None) -> list[str]:
        synthetic = self.synthetic.get(term.lower())
        if synthetic is not None:
            hits = [p for p, d in synthetic if (lo is None or lo <= d) and (hi is None or d <= hi)]
            return sorted(set(hits), key=int, reverse=True)  # PubMed lists a PMID once
        groups = _term_groups(term)
        found = []
        for record in self.records.values():
            if groups and not any(all(w in record.text for w in g) for g in groups):
                continue
            day = record.dates.get(datetype)
            if lo is not None and (day is None or day < lo or (hi is not None and day > hi)):
                continue
            found.append(record.pmid)
        return sorted(found, key=int, reverse=True)

    def history(self, webenv: str | None, ids: list[str]) -> tuple[str, int]:
        with self._lock:
            if not webenv or webenv not in self._histories:
                webenv = f"MCID_fake_{next(self._webenv_ids)}"
                self._histories[webenv] = []
            self._histories[webenv].append(ids)
            return webenv, len(self._histories[webenv])

    def history_ids(self, webenv: str, query_key: str) -> list[str] | None:
        with self._lock:
            sets = self._histories.get(webenv)
            if sets is None or not query_key.isdigit() or not 1 <= int(query_key) <= len(sets):
                return None
            return sets[int(query_key) - 1]

    def record_xml(self, pmid: str) -> bytes | None:
        stored = self.records.get(pmid)
        if stored is not None:
            return stored.xml
        for entries in self.synthetic.values():
            for entry_pmid, day in entries:
                if entry_pmid == pmid:
                    return synthetic_record(pmid, day)
        return None


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeEutils/1.0"

    def __init__(self, fake: FakeEutils, *args: object) -> None:
        self.fake = fake
        super().__init__(*args)  # type: ignore[arg-type]

    def log_message(self, format: str, *args: object) -> None:
        return None  # request lines carry the API key: never print them

    def do_GET(self) -> None:
        self._serve(urlsplit(self.path).query)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._serve(self.rfile.read(length).decode("utf-8"))

    # ------------------------------------------------------------------
    def _serve(self, query: str) -> None:
        stamps: dict[int, float] = getattr(self.server, "accepted_at", {})
        arrived = stamps.pop(self.connection.fileno(), None) or time.monotonic()
        path = "/" + urlsplit(self.path).path.rstrip("/").rsplit("/", 1)[-1]
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        fault = self.fake._take_fault(path)
        self.fake._record(
            LoggedRequest(arrived, self.command, path, params, fault.kind if fault else None)
        )
        if fault is not None and fault.kind != "delay":
            self._misbehave(fault, path, params)
            return
        if fault is not None:
            self.fake.wait(fault.delay_s)
        status, body = self._answer(path, params)
        self._send(status, body)

    def _answer(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        if path == "/esearch.fcgi":
            return self._esearch(params)
        if path == "/efetch.fcgi":
            return self._efetch(params)
        return 404, b"<html><body>Not Found</body></html>"

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/xml; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (timeout): nothing to do

    def _misbehave(self, fault: Fault, path: str, params: dict[str, str]) -> None:
        if fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(fault.status, b"<html><body>busy</body></html>", headers)
        elif fault.kind == "reset":
            self.close_connection = True
            self.connection.close()
        elif fault.kind in ("truncate", "malformed"):
            status, body = self._answer(path, params)
            cut = body[: max(1, len(body) // 2)]
            if fault.kind == "malformed":
                self._send(status, cut)
                return
            try:  # promise the whole body, deliver half, hang up
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=UTF-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(cut)
                self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
        elif fault.kind == "xxe":
            self._send(200, XXE_PAYLOAD)
        elif fault.kind == "billion_laughs":
            self._send(200, BILLION_LAUGHS_PAYLOAD)
        elif fault.kind == "replay":
            self._send(200, fault.body or b"")

    def _esearch(self, params: dict[str, str]) -> tuple[int, bytes]:
        term = params.get("term", "")
        datetype = params.get("datetype", "pdat")
        lo = parse_eutils_date(params["mindate"]) if params.get("mindate") else None
        hi = parse_eutils_date(params["maxdate"]) if params.get("maxdate") else None
        if (lo is None) != (hi is None):
            return 200, (
                _ESEARCH_HEAD + "<eSearchResult><ERROR>mindate and maxdate must be used together"
                "</ERROR></eSearchResult>"
            ).encode()
        ids = self.fake.search(term, datetype, lo, hi)
        count = len(ids)
        if self.fake.count_override is not None:
            forced = self.fake.count_override(term, lo, hi)
            count = count if forced is None else forced
        retstart = int(params.get("retstart") or 0)
        retmax = min(int(params.get("retmax") or 20), ESEARCH_WINDOW)
        if retstart > ESEARCH_WINDOW - 1:
            return 200, (
                _ESEARCH_HEAD + "<eSearchResult><ERROR>Search Backend failed: Exception:\n'"
                "retstart' cannot be larger than 9998. For PubMed, ESearch can only retrieve the "
                "first 9,999 records matching the query.</ERROR></eSearchResult>"
            ).encode()
        page = ids[retstart : min(retstart + retmax, ESEARCH_WINDOW)]
        history = ""
        if params.get("usehistory") == "y":
            webenv, key = self.fake.history(params.get("WebEnv"), ids)
            history = f"<QueryKey>{key}</QueryKey><WebEnv>{webenv}</WebEnv>"
        id_list = "".join(f"<Id>{pmid}</Id>\n" for pmid in page)
        body = (
            f"{_ESEARCH_HEAD}<eSearchResult><Count>{count}</Count><RetMax>{len(page)}</RetMax>"
            f"<RetStart>{retstart}</RetStart>{history}<IdList>\n{id_list}</IdList>"
            f"<TranslationSet/><QueryTranslation>{escape(term)}[All Fields]</QueryTranslation>"
            f"</eSearchResult>\n"
        )
        return 200, body.encode()

    def _efetch(self, params: dict[str, str]) -> tuple[int, bytes]:
        if params.get("db") == "pmc":
            return self._efetch_pmc(params)
        if params.get("db") != "pubmed":
            return 400, b"<eFetchResult><ERROR>only pubmed and pmc are faked</ERROR></eFetchResult>"
        if params.get("id"):
            ids = [p.strip() for p in params["id"].split(",") if p.strip()]
        else:
            found = self.fake.history_ids(params.get("WebEnv", ""), params.get("query_key", ""))
            if found is None:
                return 200, (
                    b"<eFetchResult><ERROR>Cannot retrieve history data. query_key: "
                    + params.get("query_key", "").encode()
                    + b"</ERROR></eFetchResult>"
                )
            start = int(params.get("retstart") or 0)
            ids = found[start : start + int(params.get("retmax") or len(found))]
        parts = [xml for pmid in ids if (xml := self.fake.record_xml(pmid)) is not None]
        return 200, _ARTICLE_SET_HEAD + b"\n".join(parts) + b"\n</PubmedArticleSet>\n"

    def _efetch_pmc(self, params: dict[str, str]) -> tuple[int, bytes]:
        ids = [p.strip().upper().removeprefix("PMC") for p in params.get("id", "").split(",")]
        parts = [xml for uid in ids if uid and (xml := self.fake.pmc_articles.get(uid))]
        return 200, _PMC_SET_HEAD + b"\n".join(parts) + b"</pmc-articleset>\n"
