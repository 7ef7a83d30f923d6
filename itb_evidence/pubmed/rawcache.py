"""Immutable raw cache of PubMed records, so extraction reruns and runs reproduce offline.

Every record of every fetched batch is kept as received, gzip-compressed, one file per revision::

    root/31/31507512/v1-2019-09-12.xml.gz        # PMID version 1, DateRevised 2019-09-12
    root/31/31507512/v1-2019-09-12.r2.xml.gz     # same key, different content (see below)

The shard is the PMID's first two digits. A record's file holds its ``PubmedArticle`` /
``PubmedBookArticle`` element as lxml serialises it (UTF-8, no XML declaration): text, markup and
attributes are exactly what NCBI sent; only lexical details such as numeric character references
are normalised. Files are never rewritten: identical content is "unchanged"; new content under a
known (version, DateRevised) key -- NCBI does change ``PubmedData`` without touching DateRevised
-- gets the next ``.rN`` suffix. "Latest" is the highest (version, DateRevised, N).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lxml import etree

from itb_evidence.pubmed.xmlreader import iter_records, record_pmid

RecordStatus = Literal["new", "revised", "unchanged", "older"]
UNDATED = "undated"
_FILE_NAME = re.compile(
    r"^v(?P<version>\d+)-(?P<revised>\d{4}-\d{2}-\d{2}|undated)(?:\.r(?P<rev>\d+))?\.xml\.gz$"
)
_ARTICLE_SET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<PubmedArticleSet>\n'
_ARTICLE_SET_TAIL = b"</PubmedArticleSet>\n"


class RawCacheError(ValueError):
    """A record could not be cached or found; the message names the PMID(s)."""


@dataclass(frozen=True, slots=True)
class CachedRecord:
    """One record of a ``put_batch``: where it is stored and how it compares with the cache.

    ``status``: ``new`` (first time this PMID is seen), ``revised`` (differs from the latest held
    revision and is now the latest), ``unchanged`` (identical to a held revision), ``older``
    (differs, but an equal or newer version/DateRevised is already held; stored, not latest).
    """

    pmid: str
    version: int
    date_revised: str  # YYYY-MM-DD, or "undated" (book records may lack DateRevised)
    status: RecordStatus
    path: Path
    sha256: str


@dataclass(frozen=True, slots=True, order=True)
class _Key:
    version: int
    date_revised: str
    revision: int

    def file_name(self) -> str:
        suffix = f".r{self.revision}" if self.revision > 1 else ""
        return f"v{self.version}-{self.date_revised}{suffix}.xml.gz"


def _parse_name(name: str) -> _Key | None:
    match = _FILE_NAME.match(name)
    if match is None:
        return None
    return _Key(int(match["version"]), match["revised"], int(match["rev"] or 1))


def _date_revised(record: etree._Element) -> str:
    node = record.find("MedlineCitation/DateRevised")
    if node is None:
        node = record.find("BookDocument/DateRevised")
    if node is None:
        return UNDATED
    parts = [(node.findtext(tag) or "").strip() for tag in ("Year", "Month", "Day")]
    if not all(part.isdigit() for part in parts):
        return UNDATED
    year, month, day = (int(part) for part in parts)
    return f"{year:04d}-{month:02d}-{day:02d}"


def _version(record: etree._Element) -> int:
    node = record.find("MedlineCitation/PMID")
    if node is None:
        node = record.find("BookDocument/PMID")
    raw = node.get("Version", "1") if node is not None else "1"
    return int(raw) if raw.isdigit() else 1


def write_gzip_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` gzipped to ``path`` atomically (temp file + rename), so a killed run never
    leaves half a record; ``mtime=0`` keeps equal data byte-identical on disk."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".gz")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(gzip.compress(data, mtime=0))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RawCache:
    """A directory of raw records. Safe for threads of one process (one lock per cache)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()

    def _dir(self, pmid: str) -> Path:
        if not pmid.isdigit():
            raise RawCacheError(f"PMID {pmid!r} is not a number")
        return self.root / pmid.zfill(2)[:2] / pmid

    def _keys(self, pmid: str) -> list[_Key]:
        folder = self._dir(pmid)
        if not folder.is_dir():
            return []
        return sorted(k for p in folder.iterdir() if (k := _parse_name(p.name)) is not None)

    def _read(self, pmid: str, key: _Key) -> bytes:
        return gzip.decompress((self._dir(pmid) / key.file_name()).read_bytes())

    def _write(self, path: Path, data: bytes) -> None:
        write_gzip_atomically(path, data)

    def _put_record(self, pmid: str, version: int, revised: str, data: bytes) -> CachedRecord:
        digest = hashlib.sha256(data).hexdigest()
        keys = self._keys(pmid)
        for key in keys:
            if self._read(pmid, key) == data:
                path = self._dir(pmid) / key.file_name()
                return CachedRecord(pmid, version, revised, "unchanged", path, digest)
        same = [k.revision for k in keys if (k.version, k.date_revised) == (version, revised)]
        new_key = _Key(version, revised, max(same, default=0) + 1)
        status: RecordStatus
        if not keys:
            status = "new"
        elif new_key > keys[-1]:
            status = "revised"
        else:
            status = "older"
        path = self._dir(pmid) / new_key.file_name()
        self._write(path, data)
        return CachedRecord(pmid, version, revised, status, path, digest)

    def put_batch(self, xml: bytes) -> list[CachedRecord]:
        """Store every record of a ``PubmedArticleSet`` (streamed with the safe lxml options).

        Raises ``RawCacheError`` naming the record for a record without a PMID, and
        ``MalformedXMLError``/``UnsafeXMLError`` (from ``safexml``) for bad XML; records before
        the problem are already stored (each write is atomic).
        """
        results: list[CachedRecord] = []
        with self._lock:
            for position, record in enumerate(iter_records(xml, what="raw cache batch"), 1):
                pmid = record_pmid(record)
                if pmid is None:
                    raise RawCacheError(f"record {position} ({record.tag}) has no PMID")
                data = etree.tostring(record, encoding="UTF-8", with_tail=False)
                results.append(
                    self._put_record(pmid, _version(record), _date_revised(record), data)
                )
        return results

    def history(self, pmid: str) -> list[Path]:
        """All stored revisions of ``pmid``, oldest first."""
        return [self._dir(pmid) / key.file_name() for key in self._keys(pmid)]

    def latest(self, pmid: str) -> bytes | None:
        """The latest revision's record XML (UTF-8, one element), or None if never cached."""
        keys = self._keys(pmid)
        return self._read(pmid, keys[-1]) if keys else None

    def pmids(self) -> list[str]:
        """Every cached PMID, in numeric order."""
        if not self.root.is_dir():
            return []
        found = [
            folder.name
            for shard in self.root.iterdir()
            if shard.is_dir()
            for folder in shard.iterdir()
            if folder.is_dir() and folder.name.isdigit()
        ]
        return sorted(found, key=int)

    def __contains__(self, pmid: object) -> bool:
        return isinstance(pmid, str) and bool(self._keys(pmid))

    def iter_latest(self) -> Iterator[bytes]:
        """The latest revision of every cached record, in PMID order."""
        for pmid in self.pmids():
            record = self.latest(pmid)
            if record is not None:
                yield record

    def as_article_set(self, pmids: Iterable[str] | None = None) -> bytes:
        """A ``PubmedArticleSet`` of the latest revisions (all records if ``pmids`` is None), for
        reparsing without the network. Raises ``RawCacheError`` naming every missing PMID."""
        wanted = self.pmids() if pmids is None else list(dict.fromkeys(pmids))
        records: list[bytes] = []
        missing: list[str] = []
        for pmid in wanted:
            record = self.latest(pmid)
            if record is None:
                missing.append(pmid)
            else:
                records.append(record)
        if missing:
            raise RawCacheError(
                f"{len(missing)} PMID(s) not in the raw cache at {self.root}: {', '.join(missing)}"
            )
        return _ARTICLE_SET_HEAD + b"\n".join(records) + b"\n" + _ARTICLE_SET_TAIL
