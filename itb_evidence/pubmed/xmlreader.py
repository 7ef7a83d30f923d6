"""Safe XML parsing for everything that comes off the wire from E-utilities.

PubMed never sends an internal DTD subset or a named entity reference (only the five predefined
ones and numeric character references, which the parser resolves itself). Anything else is either
a broken proxy or an attack (XXE reads local files, "billion laughs" expands a few hundred bytes
into gigabytes), so it is *refused*, not expanded: the parser options below never resolve
entities, never load a DTD and never touch the network, and ``refuse_entities`` turns any entity
declaration or leftover entity reference into an ``UnsafeXMLError``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any, cast

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


# ``<!ENTITY`` can only stand in a DTD (text would escape it as ``&lt;!ENTITY``). libxml2 refuses a
# billion-laughs document itself ("amplification factor exceeded") before we could see the DTD,
# so declarations are caught by this scan first, and entity-related parse errors count as unsafe.
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY\s+(?:%\s+)?([^\s>]+)")
_ENTITY_PARSE_ERROR = re.compile(r"entit|amplification", re.IGNORECASE)


def refuse_entity_declarations(xml: bytes, *, what: str) -> None:
    """Raise ``UnsafeXMLError`` if the raw bytes declare any entity."""
    names = [m.decode("utf-8", "replace") for m in _ENTITY_DECLARATION.findall(xml)]
    if names:
        raise UnsafeXMLError(
            f"{what}: refused, the response declares XML entities ({', '.join(names[:5])}); "
            "PubMed never does, so this is an XXE or entity-expansion payload"
        )


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


def refuse_entities(element: etree._Element, *, what: str) -> None:
    """Raise ``UnsafeXMLError`` if the document declares entities or ``element`` references one."""
    dtd = element.getroottree().docinfo.internalDTD
    if dtd is not None:
        names = [str(decl.name) for decl in cast(Any, dtd).iterentities()]  # not in lxml-stubs
        if names:
            raise UnsafeXMLError(
                f"{what}: refused, the response declares XML entities ({', '.join(names[:5])}); "
                "PubMed never does, so this is an XXE or entity-expansion payload"
            )
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


def iter_records(xml: bytes, *, what: str) -> Iterator[etree._Element]:
    """Stream the records of a ``PubmedArticleSet``, refusing entities, clearing as it goes.

    Each yielded element is valid only until the next one is requested.
    """
    refuse_entity_declarations(xml, what=what)
    events = etree.iterparse(
        io.BytesIO(xml),
        events=("start", "end"),
        tag=("PubmedArticleSet", *RECORD_TAGS),
        **SAFE_PARSE_OPTIONS,
    )
    try:
        for event, element in events:
            if event == "start":
                if element.tag == "PubmedArticleSet":
                    refuse_entities(element, what=what)
                continue
            if element.tag == "PubmedArticleSet":
                continue
            refuse_entities(element, what=what)
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            while parent is not None and element.getprevious() is not None:
                del parent[0]
    except etree.XMLSyntaxError as exc:
        raise _syntax_problem(exc, what=what) from None
