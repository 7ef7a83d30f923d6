"""Safe XML parsing for everything that comes off the wire from E-utilities.

PubMed never sends an internal DTD subset or a named entity reference (only the five predefined
ones and numeric character references, which the parser resolves itself). Anything else is either
a broken proxy or an attack (XXE reads local files, "billion laughs" expands a few hundred bytes
into gigabytes), so it is *refused*, not expanded: the parser options below never resolve
entities, never load a DTD and never touch the network, and ``refuse_entities`` turns any entity
declaration or leftover entity reference into an ``UnsafeXMLError``.

:func:`stream_records` is the one streaming reader of record sets: the raw cache
(:func:`iter_records`) and the parse stage (``itb_evidence.pubmed.parse.iter_parse``) both read
through it, so the parser options, the entity refusal and the memory discipline live here once.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import Any, Protocol, cast

from lxml import etree

# One place for the options every parse of remote XML uses (also passed to iterparse).
SAFE_PARSE_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "dtd_validation": False,
}

# The two top-level record elements of a PubMed efetch ``PubmedArticleSet``.
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")


class XMLProblem(ValueError):
    """Base class: the bytes are not XML we are willing to use."""


class MalformedXMLError(XMLProblem):
    """Not well-formed (a truncated or garbled response): worth retrying."""


class UnsafeXMLError(XMLProblem):
    """Declares or references entities (XXE / entity expansion): refused, never retried."""


class EntityDeclarationError(UnsafeXMLError):
    """The document declares entities of its own; ``names`` lists them, in declaration order."""

    def __init__(self, what: str, names: list[str]) -> None:
        super().__init__(
            f"{what}: refused, the response declares XML entities ({', '.join(names[:5])}); "
            "PubMed never does, so this is an XXE or entity-expansion payload"
        )
        self.names = names


# ``<!ENTITY`` can only stand in a DTD (text would escape it as ``&lt;!ENTITY``). libxml2 refuses a
# billion-laughs document itself ("amplification factor exceeded") before we could see the DTD,
# so declarations are caught by this scan first, and entity-related parse errors count as unsafe.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY\s+(?:%\s+)?([^\s>]+)")
_ENTITY_PARSE_ERROR = re.compile(r"entit|amplification", re.IGNORECASE)


def refuse_entity_declarations(xml: bytes, *, what: str) -> None:
    """Raise ``UnsafeXMLError`` if the raw bytes declare any entity."""
    names = [m.decode("utf-8", "replace") for m in _ENTITY_DECLARATION.findall(xml)]
    if names:
        raise EntityDeclarationError(what, names)


def _syntax_problem(exc: etree.XMLSyntaxError, *, what: str) -> XMLProblem:
    if _ENTITY_PARSE_ERROR.search(str(exc)):
        return UnsafeXMLError(f"{what}: refused, entity trouble while parsing ({exc})")
    return MalformedXMLError(f"{what}: malformed XML ({exc})")


def safe_parser() -> etree.XMLParser:
    """A fresh parser per call: lxml parsers are not safe to share between threads."""
    return etree.XMLParser(**SAFE_PARSE_OPTIONS)


def parse_safely(xml: bytes, *, what: str) -> etree._Element:
    """Parse a whole document, refusing entities; ``what`` names the document in errors."""
    if not xml.strip():
        raise MalformedXMLError(f"{what}: empty response body")
    refuse_entity_declarations(xml, what=what)
    try:
        root = etree.fromstring(xml, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_problem(exc, what=what) from None
    refuse_entities(root, what=what)
    return root


def refuse_declared_entities(element: etree._Element, *, what: str) -> None:
    """Raise ``EntityDeclarationError`` if the document of ``element`` declares any entity."""
    dtd = element.getroottree().docinfo.internalDTD
    if dtd is not None:
        names = [str(decl.name) for decl in cast(Any, dtd).iterentities()]  # not in lxml-stubs
        if names:
            raise EntityDeclarationError(what, names)


def refuse_entities(element: etree._Element, *, what: str) -> None:
    """Raise ``UnsafeXMLError`` if the document declares entities or ``element`` references one."""
    refuse_declared_entities(element, what=what)
    for entity in element.iter(etree.Entity):
        raise UnsafeXMLError(
            f"{what}: refused, the response references an undeclared entity {entity.text}; "
            "PubMed never does, so this is an XXE or entity-expansion payload"
        )


def record_pmid(record: etree._Element) -> str | None:
    """The record's own PMID (not a cited one from ``CommentsCorrections``/``ReferenceList``)."""
    node = record.find("MedlineCitation/PMID")
    if node is None:
        node = record.find("BookDocument/PMID")
    text = (node.text or "").strip() if node is not None else ""
    return text or None


class Readable(Protocol):
    """A binary stream, as far as the reader needs one."""

    def read(self, size: int = ..., /) -> bytes: ...


class _RecordEvents(Protocol):
    """lxml's iterparse as used here (lxml-stubs 0.5 lacks the tag tuple and ``root``)."""

    root: etree._Element | None

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]: ...


Source = str | Readable  # a file path (lxml opens and reads it: the fastest way) or a stream


def stream_records(
    source: Source,
    *,
    what: str,
    refuse_references: bool = False,
    reopen: Callable[[], Source] | None = None,
) -> Iterator[etree._Element]:
    """Stream the ``PubmedArticle``/``PubmedBookArticle`` elements of a document, each once ended.

    The parser never expands an entity, loads a DTD or touches the network
    (:data:`SAFE_PARSE_OPTIONS`); a document declaring entities raises
    :class:`EntityDeclarationError` before its first record is yielded. With
    ``refuse_references`` any entity reference in a record (or, at the first record, anywhere in
    the document read so far) raises :class:`UnsafeXMLError`; without it, references are left in
    the tree for the caller to deal with.

    Memory stays flat: once the consumer asks for the next record, the previous one is cleared
    and removed with every sibling before it, so each yielded element is valid only until then.
    Malformed XML raises ``etree.XMLSyntaxError`` (for the caller to word) after exactly the
    records that ended before the break; errors reading ``source`` propagate as they are.

    ``reopen`` (a way to read the same document again from its start) allows the faster of the
    two ways to find records, by their start tags: lxml then calls back into Python (taking the
    GIL) at each element's start only, not also at its end, which saves 5-10% of a parse. A
    record is known to have ended when a record outside it starts, or when the document ends.
    Should the document break, the tree cannot tell whether the last record's end tag came
    before the break, so the document is read again by end tags, handing out the rest exactly as
    that reading does (records already handed out are skipped). Without ``reopen`` records are
    found by their end tags in one pass. Both ways give the same records in the same order (end
    tag order: a nested record before the one holding it).
    """
    if reopen is None:
        yield from _records_by_end_tags(source, what, refuse_references)
    else:
        yield from _records_by_start_tags(source, reopen, what, refuse_references)


def _iterparse(source: Source, event: str) -> _RecordEvents:
    # lxml-stubs 0.5 types iterparse loosely (no tag tuple, no root); these options are the point.
    iterparse: Any = etree.iterparse
    events: _RecordEvents = iterparse(
        source, events=(event,), tag=RECORD_TAGS, **SAFE_PARSE_OPTIONS
    )
    return events


def _check(record: etree._Element, first: bool, what: str, refuse_references: bool) -> None:
    """The entity checks before a record is handed out."""
    if first:
        # the internal subset is complete before the first element, so one look suffices
        refuse_declared_entities(record, what=what)
        if refuse_references:
            refuse_entities(record.getroottree().getroot(), what=what)
    if refuse_references:
        refuse_entities(record, what=what)


def _check_empty(events: _RecordEvents, what: str, refuse_references: bool) -> None:
    """The entity checks for a document that held no record."""
    root = events.root
    if root is not None:
        if refuse_references:
            refuse_entities(root, what=what)
        else:
            refuse_declared_entities(root, what=what)


def _records_by_end_tags(
    source: Source, what: str, refuse_references: bool, skip: int = 0
) -> Iterator[etree._Element]:
    """Records in the order their end tags come; the first ``skip`` are released unseen."""
    events = _iterparse(source, "end")
    handed = skip  # the skipped records were checked when first handed out
    for _event, record in events:
        if skip:
            skip -= 1
        else:
            _check(record, not handed, what, refuse_references)
            handed += 1
            yield record
        _release(record)
    if not handed:
        _check_empty(events, what, refuse_references)


def _records_by_start_tags(
    source: Source, reopen: Callable[[], Source], what: str, refuse_references: bool
) -> Iterator[etree._Element]:
    """The same records in the same order as :func:`_records_by_end_tags`, found faster."""
    events = _iterparse(source, "start")
    started = iter(events)
    open_records: list[etree._Element] = []  # started, not known to have ended; innermost last
    handed = 0
    while True:
        try:
            _event, record = next(started)
        except StopIteration:
            break
        except Exception as exc:  # malformed XML, or reading the source failed
            # Which open record ended before the break, the tree cannot tell: read again by end
            # tags, skipping what was handed out. The tree read so far is of no use to that.
            del open_records, started, events
            yield from _reread_by_end_tags(exc, reopen, what, refuse_references, handed)
            return
        # a record that does not hold the one just started has ended (innermost first)
        while open_records and not _holds(open_records[-1], record):
            ended = open_records.pop()
            _check(ended, not handed, what, refuse_references)
            handed += 1
            yield ended
            _release(ended)
        open_records.append(record)
    while open_records:  # the document ended, and so did every record in it
        ended = open_records.pop()
        _check(ended, not handed, what, refuse_references)
        handed += 1
        yield ended
        _release(ended)
    if not handed:
        _check_empty(events, what, refuse_references)


def _reread_by_end_tags(
    broken: Exception,
    reopen: Callable[[], Source],
    what: str,
    refuse_references: bool,
    skip: int,
) -> Iterator[etree._Element]:
    """The records after the first ``skip`` that ended before the break, then the break again."""
    try:
        again = reopen()
    except Exception:
        raise broken from None  # cannot read it again: the first error is the one to report
    try:
        yield from _records_by_end_tags(again, what, refuse_references, skip)
    finally:
        close = getattr(again, "close", None)
        if close is not None:
            close()


def _holds(outer: etree._Element, element: etree._Element) -> bool:
    """Whether ``outer`` is an ancestor of ``element`` (a record nested in a record)."""
    node = element.getparent()
    while node is not None:
        if node is outer:
            return True
        node = node.getparent()
    return False


def _release(record: etree._Element) -> None:
    """Drop a handled record and every sibling before it, so the tree never grows."""
    record.clear(keep_tail=True)  # type: ignore[call-arg]  # lxml-stubs 0.5 lacks keep_tail
    parent = record.getparent()
    if parent is not None:
        while record.getprevious() is not None:
            del parent[0]


def iter_records(xml: bytes, *, what: str) -> Iterator[etree._Element]:
    """Stream the records of a ``PubmedArticleSet``, refusing entities, clearing as it goes.

    Each yielded element is valid only until the next one is requested.
    """
    refuse_entity_declarations(xml, what=what)
    try:
        yield from stream_records(io.BytesIO(xml), what=what, refuse_references=True)
    except etree.XMLSyntaxError as exc:
        raise _syntax_problem(exc, what=what) from None
