"""Stream PubMed efetch XML into typed :class:`~itb_evidence.pubmed.records.PubmedRecord` objects.

Why lxml ``iterparse`` and not ``Bio.Entrez.read``: Entrez.read holds the whole document (hundreds
of MB for 10k records), validates against DTDs it may refuse or try to download, and is ~10x slower
(see ``benchmarks/parse_pubmed.py``). Here each record is parsed, handed on, and cleared, so memory
stays flat whatever the file size.

Safety: the document is read by :func:`itb_evidence.pubmed.xmlreader.stream_records`, the one safe
streaming reader (entity resolution, DTD loading and network access off). A document that declares
its own entities (billion laughs, XXE) is refused outright: PubMed never sends one.

Speed: the bytes pass through :class:`~itb_evidence.pubmed.reflist_filter.WithoutReferenceLists`
first, which drops the cited references (``ReferenceList``, most of a record's elements, never
read here) so libxml2 never builds them; it passes a document through unchanged wherever a byte
scan could be fooled (comments, CDATA, an internal DTD subset), so safety is that of the reader.

Failure policy: a record that cannot be parsed becomes a :class:`ParseFailure` carrying its raw XML
(all but its references, which the raw cache keeps; the batch goes on); a broken document
(truncated, malformed) raises :class:`PubmedXMLError` after the records before the break have been
yielded.
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from lxml import etree

from itb_evidence.pubmed.fields import (
    ARTICLE_TAG,
    BOOK_TAG,
    RecordParts,
    parse_abstract,
    parse_authors,
    parse_comments_corrections,
    parse_date_revised,
    parse_doi,
    parse_epub_date,
    parse_extra,
    parse_history,
    parse_journal,
    parse_keywords,
    parse_languages,
    parse_mesh,
    parse_pmcid,
    parse_pmid,
    parse_pub_date,
    parse_publication_types,
    parse_title,
)
from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.pubmed.reflist_filter import WithoutReferenceLists
from itb_evidence.pubmed.xmlreader import EntityDeclarationError, Readable, stream_records

__all__ = [
    "ParseFailure",
    "PubmedParseError",
    "PubmedRecordError",
    "PubmedXMLError",
    "iter_parse",
    "parse_article",
    "parse_records",
]

logger = logging.getLogger(__name__)

Source = str | os.PathLike[str] | bytes | IO[bytes]

RECORD_TAGS = (ARTICLE_TAG, BOOK_TAG)
_GZIP_MAGIC = b"\x1f\x8b"


class PubmedParseError(ValueError):
    """Base of the parse stage's errors."""


class PubmedXMLError(PubmedParseError):
    """The document itself is unusable (truncated, malformed, declares entities)."""


class PubmedRecordError(PubmedParseError):
    """One or more records could not be parsed (raised by :func:`parse_records`)."""


@dataclass(frozen=True, slots=True)
class ParseFailure:
    """A record that could not be parsed, with its raw XML so no data is lost.

    ``raw`` is the record as parsed: without its ``ReferenceList`` (the cited works, which the
    parser never reads and so never builds); the raw cache keeps the bytes as received."""

    pmid: str | None
    message: str
    raw: bytes


def parse_article(element: etree._Element) -> PubmedRecord:
    """One ``PubmedArticle`` or ``PubmedBookArticle`` element as a typed record.

    Raises ``ValueError`` (with the PMID when known) when the record lacks what every record must
    have; :func:`iter_parse` turns that into a :class:`ParseFailure`.
    """
    if element.tag not in RECORD_TAGS:
        raise PubmedRecordError(f"expected one of {RECORD_TAGS}, got {element.tag!r}")
    parts = RecordParts.of(element)
    pmid, version = parse_pmid(parts)
    abstract, sections = parse_abstract(parts)
    journal = parse_journal(parts)
    return PubmedRecord(
        pmid=pmid,
        version=version,
        title=parse_title(parts),
        abstract=abstract,
        sections=sections,
        authors=parse_authors(parts),
        journal=journal.title,
        journal_abbrev=journal.iso_abbreviation,
        volume=journal.volume,
        issue=journal.issue,
        pages=journal.pages,
        pub_date=parse_pub_date(parts),
        epub_date=parse_epub_date(parts),
        history=parse_history(parts),
        date_revised=parse_date_revised(parts),
        doi=parse_doi(parts),
        pmcid=parse_pmcid(parts),
        publication_types=parse_publication_types(parts),
        mesh=parse_mesh(parts),
        keywords=parse_keywords(parts),
        languages=parse_languages(parts),
        comments_corrections=parse_comments_corrections(parts),
        kind="book" if parts.is_book else "article",
        extra=parse_extra(parts),
    )


def iter_parse(source: Source) -> Iterator[PubmedRecord | ParseFailure]:
    """Stream records (or :class:`ParseFailure` for a bad one) from an efetch XML document.

    ``source`` is a path (``.xml`` or gzip-compressed), the document's bytes, or a binary stream;
    gzip is recognised by its magic bytes. Memory stays flat: each record element is cleared, with
    its already-handled siblings, as soon as it has been parsed.
    """
    name = _source_name(source)
    stream, close, reopen = _open(source)
    try:
        try:
            for element in stream_records(stream, what=name, reopen=reopen):
                yield _parse_or_fail(element, name)
        except EntityDeclarationError as exc:
            shown = ", ".join(exc.names[:5])
            raise PubmedXMLError(
                f"{name}: the document declares its own entities ({shown}); PubMed XML never "
                "does, and expanding them could read local files or exhaust memory, "
                "so it is refused"
            ) from None
        except etree.XMLSyntaxError as exc:
            raise PubmedXMLError(f"{name}: malformed or truncated PubMed XML: {exc}") from exc
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            raise PubmedXMLError(f"{name}: corrupt or truncated gzip stream: {exc}") from exc
    finally:
        close()


def parse_records(source: Source) -> list[PubmedRecord]:
    """All records of a document; raises :class:`PubmedRecordError` if any record failed."""
    records: list[PubmedRecord] = []
    failures: list[ParseFailure] = []
    for item in iter_parse(source):
        if isinstance(item, ParseFailure):
            failures.append(item)
        else:
            records.append(item)
    if failures:
        listed = "; ".join(f"PMID {f.pmid or '?'}: {f.message}" for f in failures[:5])
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        raise PubmedRecordError(
            f"{_source_name(source)}: {len(failures)} record(s) could not be parsed: {listed}{more}"
        )
    return records


# ---- internals ------------------------------------------------------------------------------


def _parse_or_fail(element: etree._Element, name: str) -> PubmedRecord | ParseFailure:
    try:
        return parse_article(element)
    except Exception as exc:  # one bad record never sinks the stream: keep it, raw, as a failure
        pmid = element.findtext("MedlineCitation/PMID") or element.findtext("BookDocument/PMID")
        pmid = pmid.strip() if pmid else None
        message = f"{type(exc).__name__}: {exc}"
        logger.warning("%s: PMID %s could not be parsed: %s", name, pmid or "?", message)
        return ParseFailure(pmid=pmid, message=message, raw=etree.tostring(element))


class _Prefixed:
    """A stream whose first bytes were read to sniff the format, put back in front."""

    def __init__(self, prefix: bytes, rest: Readable) -> None:
        self._prefix = prefix
        self._rest = rest

    def read(self, size: int = -1, /) -> bytes:
        if not self._prefix:
            return self._rest.read(size)
        if size is None or size < 0:
            data, self._prefix = self._prefix + self._rest.read(), b""
            return data
        data, self._prefix = self._prefix[:size], self._prefix[size:]
        if len(data) < size:
            data += self._rest.read(size - len(data))
        return data

    def seek(self, offset: int, /) -> int:
        """gzip only seeks to rewind, which a one-pass parse never does."""
        raise io.UnsupportedOperation("a sniffed input stream cannot seek")


def _noop() -> None:
    return None


def _open(
    source: Source,
) -> tuple[Readable, Callable[[], None], Callable[[], Readable] | None]:
    """What to hand to the reader, how to close it afterwards, and how to read the document again
    from its start (the reader's faster way needs that; a caller's stream cannot be rewound).

    Every way in reads through :class:`WithoutReferenceLists`: the cited references are never
    read, so libxml2 is spared building (and freeing) most of each record's tree."""
    stream, close, reopen = _open_raw(source)
    if reopen is None:
        return WithoutReferenceLists(stream), close, None
    again = reopen

    def reopened() -> Readable:
        return WithoutReferenceLists(again())

    return WithoutReferenceLists(stream), close, reopened


def _open_raw(
    source: Source,
) -> tuple[Readable, Callable[[], None], Callable[[], Readable] | None]:
    """The document's bytes as a stream (gzip undone), its closer, and how to reopen it."""
    if isinstance(source, bytes):
        data = source
        if data.startswith(_GZIP_MAGIC):

            def unzipped() -> Readable:
                return gzip.GzipFile(fileobj=io.BytesIO(data))

            return unzipped(), _noop, unzipped

        def whole() -> Readable:
            return io.BytesIO(data)

        return whole(), _noop, whole
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        with open(path, "rb") as probe:
            magic = probe.read(2)

        def opened() -> gzip.GzipFile | io.BufferedReader:
            if magic == _GZIP_MAGIC:
                return gzip.GzipFile(path, "rb")
            return open(path, "rb")  # closed by iter_parse's finally, or by the reader (reopen)

        handle = opened()
        return handle, handle.close, opened
    magic = source.read(2)
    if magic == _GZIP_MAGIC:
        unzipped_stream = gzip.GzipFile(fileobj=_Prefixed(magic, source), mode="rb")
        return unzipped_stream, unzipped_stream.close, None
    return _Prefixed(magic, source), _noop, None


def _source_name(source: Source) -> str:
    if isinstance(source, bytes):
        return f"<{len(source)} bytes>"
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))
