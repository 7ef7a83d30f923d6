"""Immutable raw cache of PMC articles (JATS as received), so full texts re-parse offline.

One gzip file per revision, beside the PubMed cache (same root, its own folder)::

    root/pmc/54/PMC6716054/r1.xml.gz      # first content seen
    root/pmc/54/PMC6716054/r2.xml.gz      # a later fetch brought different content

The shard is the PMCID's last two digits (PMCIDs are dense, so the last digits spread evenly). A
file holds the ``<article>`` element as lxml serialises it (UTF-8, no declaration). Files are
never rewritten: identical content is ``unchanged``, different content the next revision;
"latest" is the highest revision. Writes are atomic (temp file + rename).
"""

from __future__ import annotations

import gzip
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from itb_evidence.pubmed.rawcache import write_gzip_atomically

PmcCacheStatus = Literal["new", "revised", "unchanged"]
_REVISION = re.compile(r"^r(\d+)\.xml\.gz$")
_PMCID = re.compile(r"^PMC\d{1,12}$")


class PmcCacheError(ValueError):
    """A PMCID that cannot be cached (the message names it)."""


@dataclass(frozen=True, slots=True)
class CachedArticle:
    pmcid: str
    revision: int
    status: PmcCacheStatus
    path: Path


class PmcRawCache:
    """A directory of raw PMC articles; safe for the threads of one process."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root) / "pmc"
        self._lock = threading.Lock()

    def _dir(self, pmcid: str) -> Path:
        if not _PMCID.match(pmcid):
            raise PmcCacheError(f"{pmcid!r} is not a PMCID (PMC followed by digits)")
        return self.root / pmcid[-2:].rjust(2, "0") / pmcid

    def _revisions(self, pmcid: str) -> list[int]:
        folder = self._dir(pmcid)
        if not folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in folder.iterdir() if (m := _REVISION.match(p.name)))

    def _path(self, pmcid: str, revision: int) -> Path:
        return self._dir(pmcid) / f"r{revision}.xml.gz"

    def put(self, pmcid: str, article_xml: bytes) -> CachedArticle:
        """Store one article's XML unless the latest revision already holds exactly it."""
        with self._lock:
            revisions = self._revisions(pmcid)
            if revisions:
                latest = revisions[-1]
                if gzip.decompress(self._path(pmcid, latest).read_bytes()) == article_xml:
                    return CachedArticle(pmcid, latest, "unchanged", self._path(pmcid, latest))
            revision = (revisions[-1] + 1) if revisions else 1
            path = self._path(pmcid, revision)
            write_gzip_atomically(path, article_xml)
            return CachedArticle(pmcid, revision, "revised" if revisions else "new", path)

    def latest(self, pmcid: str) -> bytes | None:
        revisions = self._revisions(pmcid)
        if not revisions:
            return None
        return gzip.decompress(self._path(pmcid, revisions[-1]).read_bytes())

    def __contains__(self, pmcid: object) -> bool:
        return isinstance(pmcid, str) and bool(_PMCID.match(pmcid)) and bool(self._revisions(pmcid))

    def pmcids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        found = [
            folder.name
            for shard in self.root.iterdir()
            if shard.is_dir()
            for folder in shard.iterdir()
            if _PMCID.match(folder.name)
        ]
        return sorted(found, key=lambda p: int(p[3:]))
