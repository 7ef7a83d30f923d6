"""Flatten PubMed inline markup (``<i>``, ``<sup>``, ``<sub>``, MathML) into the text reviewers see.

Extraction spans index this text, so it must keep every character as written (±, μ vs µ, ≤, –, −,
×): no Unicode normalisation. Only runs of ASCII whitespace (XML pretty-printing, line breaks) are
collapsed to one space; non-breaking and thin spaces are characters a publisher chose and stay.
"""

from __future__ import annotations

import re

from lxml import etree

_ASCII_WHITESPACE_RUN = re.compile(r"[ \t\n\r]+")
_WHITESPACE_CHARS = " \t\n\r"
# A sub/superscript attaches to the character before it ("β<sub>2</sub>"): whitespace holding a
# line break right before one is pretty-printing, not a space the author typed ("β\n <sub>2</sub>").
_ATTACHED_SCRIPTS = frozenset({"sub", "sup"})
# lxml marks an unexpanded entity reference node by this tag (a factory function, like Comment's).
_ENTITY_TAG: object = etree.Entity


class UnresolvedEntityError(ValueError):
    """An entity reference survived parsing: expansion is disabled, so its text is unknown."""


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _collect(node: etree._Element, parts: list[str]) -> None:
    if text := node.text:
        parts.append(text)
    for child in node:
        tag = child.tag
        if isinstance(tag, str):
            if parts and (tag in _ATTACHED_SCRIPTS or _local_name(tag) in _ATTACHED_SCRIPTS):
                before = parts[-1]
                stripped = before.rstrip(_WHITESPACE_CHARS)
                if "\n" in before[len(stripped) :]:
                    parts[-1] = stripped
            _collect(child, parts)
        elif tag is _ENTITY_TAG:
            raise UnresolvedEntityError(f"unresolved entity reference {child!r}")
        # comments and processing instructions contribute no text, only their tail
        if tail := child.tail:
            parts.append(tail)


def clean_text(element: etree._Element | None) -> str:
    """The element's text with all descendants' text inlined (itertext order), whitespace collapsed.

    ``None`` (an absent element) gives ``""`` so callers can treat optional fields uniformly.
    """
    if element is None:
        return ""
    if len(element):
        parts: list[str] = []
        _collect(element, parts)
        raw = "".join(parts)
    else:
        text = element.text
        if text is None:
            return ""
        raw = text
    # Hot path (tens of calls per record): text with no line break, tab or double space is
    # already collapsed, so only its ends need trimming; four substring scans cost far less
    # than splitting it into words or running the regex.
    if "\n" in raw or "  " in raw or "\t" in raw or "\r" in raw:
        if raw.isascii():
            # Same result as the regex for text XML can hold (it forbids the other ASCII
            # controls that str.split treats as whitespace), and several times faster.
            return " ".join(raw.split())
        return _ASCII_WHITESPACE_RUN.sub(" ", raw).strip(" ")
    return raw.strip(" ")


def optional_text(element: etree._Element | None) -> str | None:
    """Like :func:`clean_text` but ``None`` when the element is absent or empty."""
    return clean_text(element) or None
