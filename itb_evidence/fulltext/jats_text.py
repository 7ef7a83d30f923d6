"""Text of JATS elements as a reader sees it.

Inline markup (``<italic>``, ``<sup>``, ``<xref>``, ``<named-content>``) keeps its text; floats
(tables, figures) inside a paragraph are left out of its text and parsed on their own; a
``<break/>`` is a space; MathML gives its ``alttext`` when it has one. Whitespace runs collapse to
one space, so offsets into the text are offsets into what the store keeps.
"""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

MATHML_NS: Final = "http://www.w3.org/1998/Math/MathML"
# Elements that float away from the running text and are parsed on their own.
FLOAT_TAGS: Final = frozenset(
    {"table-wrap", "fig", "table-wrap-group", "fig-group", "supplementary-material"}
)
_WHITESPACE: Final = re.compile(r"\s+")


def local_name(element: etree._Element) -> str:
    """The tag without its namespace (``mml:math`` -> ``math``); "" for comments and PIs."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def normalise_space(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def element_text(element: etree._Element, *, skip: frozenset[str] = FLOAT_TAGS) -> str:
    """The element's reading text, floats (``skip``) left out, whitespace normalised."""
    parts: list[str] = []
    _collect(element, parts, skip, top=True)
    return normalise_space("".join(parts))


def _collect(element: etree._Element, parts: list[str], skip: frozenset[str], top: bool) -> None:
    name = local_name(element)
    if not top and name in skip:
        return
    if not isinstance(element.tag, str):  # comment or processing instruction: no text of its own
        return
    if name == "break":
        parts.append(" ")
        return
    if name == "math" and element.tag.startswith(f"{{{MATHML_NS}}}"):
        alt = element.get("alttext")
        parts.append(alt if alt else "".join(str(t) for t in element.itertext()))
        return
    if element.text:
        parts.append(element.text)
    for child in element:
        _collect(child, parts, skip, top=False)
        if child.tail:
            parts.append(child.tail)
    if name in ("p", "title", "label", "td", "th", "list-item"):
        parts.append(" ")  # block ends separate words ("Table 1" + "Caption")
