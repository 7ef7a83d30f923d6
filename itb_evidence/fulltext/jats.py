"""JATS (PubMed Central full text) into :class:`~itb_evidence.fulltext.document.FullText`.

Parsed with lxml through the same safe reader as PubMed XML (``pubmed.xmlreader.parse_safely``:
no network, no DTD loading, no entity expansion; a document declaring entities is refused). JATS
from PMC's ``efetch db=pmc`` comes as a ``<pmc-articleset>`` of ``<article>``s; a ``.nxml`` file
from the open-access package is one ``<article>``: :func:`parse_jats` takes either.

What is kept, in document order: sections (title, ``sec-type``, a kind from the type or the title,
nesting), paragraphs of running text (tables and figures inside a paragraph are taken out of its
text and kept as floats), figure and table captions, and tables (``jats_tables``). An article
whose JATS has no ``<body>`` (PMC gives only the front matter where the publisher does not allow
the full text to be downloaded) is returned with ``availability="no_body"`` and the reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Final, Literal

from lxml import etree

from itb_evidence.fulltext.document import (
    Caption,
    FullText,
    Paragraph,
    Section,
    SectionKind,
    Table,
)
from itb_evidence.fulltext.jats_tables import parse_table_wrap
from itb_evidence.fulltext.jats_text import FLOAT_TAGS, element_text, local_name
from itb_evidence.pubmed.xmlreader import MalformedXMLError, parse_safely

XLINK_HREF: Final = "{http://www.w3.org/1999/xlink}href"

# ``sec-type`` values (JATS recommends these; publishers join them with "|") -> kind
SEC_TYPE_KINDS: Final[dict[str, SectionKind]] = {
    "intro": "introduction",
    "introduction": "introduction",
    "background": "introduction",
    "materials": "methods",
    "methods": "methods",
    "subjects": "methods",
    "patients": "methods",
    "results": "results",
    "findings": "results",
    "discussion": "discussion",
    "conclusions": "conclusions",
    "conclusion": "conclusions",
    "cases": "case",
    "case-report": "case",
    "supplementary-material": "supplementary",
    "display-objects": "other",
}
# Section titles -> kind, tried in order on the lower-cased title (first match wins).
TITLE_KINDS: Final[tuple[tuple[re.Pattern[str], SectionKind], ...]] = (
    (re.compile(r"^(?:\d[\d.]*\s*)?(?:introduction|background)\b"), "introduction"),
    (
        re.compile(
            r"^(?:\d[\d.]*\s*)?(?:(?:materials?|patients?|subjects?|participants?)"
            r"(?:\s+and\s+|\s*,\s*|\s*&\s*)methods?|methods?|methodology|study design"
            r"|statistical analys[ie]s|experimental procedures?)\b"
        ),
        "methods",
    ),
    (re.compile(r"^(?:\d[\d.]*\s*)?results?\b"), "results"),
    (re.compile(r"^(?:\d[\d.]*\s*)?discussions?\b"), "discussion"),
    (re.compile(r"^(?:\d[\d.]*\s*)?conclu(?:sions?|ding remarks)\b"), "conclusions"),
    (re.compile(r"^(?:\d[\d.]*\s*)?case (?:reports?|presentations?|descriptions?|histor)"), "case"),
    (re.compile(r"^(?:\d[\d.]*\s*)?supplementary"), "supplementary"),
)
NO_BODY_REASON: Final = "the JATS has no <body>: PMC holds no open-access full text for it"
# PMC's own wording in the comment it leaves where the publisher keeps the XML full text back.
_PUBLISHER_COMMENT: Final = re.compile(r"publisher.*not allow|not allow.*download", re.I | re.S)


def section_kind(sec_type: str | None, title: str | None) -> SectionKind | None:
    """The kind a ``sec-type`` or title names (``sec-type`` wins), or None."""
    if sec_type:
        for part in re.split(r"[|\s]+", sec_type.strip().lower()):
            kind = SEC_TYPE_KINDS.get(part)
            if kind is not None:
                return kind
    if title:
        lowered = " ".join(title.lower().split())
        for pattern, kind in TITLE_KINDS:
            if pattern.search(lowered):
                return kind
    return None


def normalise_pmcid(raw: str | None) -> str | None:
    """``"PMC6716054"`` from ``"6716054"``, ``"PMC6716054"`` or ``"pmc6716054"``; None if not
    a PMCID."""
    if raw is None:
        return None
    text = raw.strip()
    match = re.fullmatch(r"(?i:pmc)?(\d{1,12})", text)
    return f"PMC{match.group(1)}" if match else None


def parse_jats(xml: bytes, *, what: str) -> list[FullText]:
    """Every ``<article>`` of a document (an ``<article>`` or a ``<pmc-articleset>``).

    Raises ``MalformedXMLError``/``UnsafeXMLError`` (from the safe reader) for bad XML, and
    ``MalformedXMLError`` for a document of another kind.
    """
    root = parse_safely(xml, what=what)
    return [parse_article(article, what=what) for article in articles_of(root, what=what)]


def articles_of(root: etree._Element, *, what: str) -> list[etree._Element]:
    name = local_name(root)
    if name == "article":
        return [root]
    if name == "pmc-articleset":
        return [child for child in root if local_name(child) == "article"]
    raise MalformedXMLError(f"{what}: expected <article> or <pmc-articleset>, got <{name}>")


def parse_article(article: etree._Element, *, what: str = "article") -> FullText:
    """One ``<article>`` into a :class:`FullText` (``what`` names it in error messages)."""
    meta = _first(article, "front", "article-meta")
    pmcid = pmid = doi = None
    if meta is not None:
        for node in meta.findall("article-id"):
            id_type = node.get("pub-id-type")
            value = (node.text or "").strip()
            if id_type in ("pmc", "pmcid") and pmcid is None:
                pmcid = normalise_pmcid(value)
            elif id_type == "pmid" and pmid is None:
                pmid = value or None
            elif id_type == "doi" and doi is None:
                doi = value or None
    title_node = meta.find("title-group/article-title") if meta is not None else None
    title = element_text(title_node) if title_node is not None else ""

    builder = _Builder()
    if meta is not None:
        for abstract in meta.findall("abstract"):
            if abstract.get("abstract-type") in (None, "structured", "abstract"):
                builder.abstract(abstract)
                break
    body = article.find("body")
    has_body = body is not None and any(
        local_name(el) in ("p", "sec") for el in body.iter(tag=etree.Element)
    )
    if body is not None:
        builder.walk(body, None, level=0, in_abstract=False)
    floats = article.find("floats-group")
    if floats is not None:
        builder.walk(floats, None, level=0, in_abstract=False)
    builder.place_unplaced_floats()
    reason = None if has_body else _no_body_reason(article)
    return FullText(
        pmcid=pmcid,
        pmid=pmid,
        doi=doi,
        title=title,
        availability="open_access" if has_body else "no_body",
        reason=reason,
        license=_license(meta),
        open_access_flag=_has_open_access_flag(article),
        article_type=article.get("article-type"),
        sections=tuple(builder.sections),
        paragraphs=tuple(builder.paragraphs),
        captions=tuple(builder.captions),
        tables=tuple(builder.tables),
    )


def _first(element: etree._Element, *path: str) -> etree._Element | None:
    return element.find("/".join(path))


def _license(meta: etree._Element | None) -> str | None:
    if meta is None:
        return None
    license_node = meta.find("permissions/license")
    if license_node is None:
        return None
    href = license_node.get(XLINK_HREF)
    if href:
        return href
    for node in license_node.iter(tag=etree.Element):
        if local_name(node) == "license_ref" and (node.text or "").strip():
            return (node.text or "").strip()
    text = element_text(license_node)
    return text[:300] or None


def _has_open_access_flag(article: etree._Element) -> bool:
    for node in article.iter(tag=etree.ProcessingInstruction):
        if getattr(node, "target", None) == "properties" and "open_access" in (node.text or ""):
            return True
    return False


def _no_body_reason(article: etree._Element) -> str:
    for node in article.iter(tag=etree.Comment):
        text = " ".join((node.text or "").split())
        if _PUBLISHER_COMMENT.search(text):
            return f"no <body>; PMC says: {text}"
    return NO_BODY_REASON


class _Builder:
    """Collects sections, paragraphs and floats in document order."""

    def __init__(self) -> None:
        self.sections: list[Section] = []
        self.paragraphs: list[Paragraph] = []
        self.captions: list[Caption] = []
        self.tables: list[Table] = []
        self._float_ids: set[str] = set()
        self._unplaced: list[int] = []  # captions of floats outside any section (floats-group)
        self._cited_in: dict[str, int | None] = {}  # float id -> section of its first citation

    def abstract(self, abstract: etree._Element) -> None:
        index = self._section(None, "Abstract", "abstract", None, level=1, parent=None)
        self.walk(abstract, index, level=1, in_abstract=True)

    def _section(
        self,
        xml_id: str | None,
        title: str | None,
        kind: SectionKind,
        sec_type: str | None,
        *,
        level: int,
        parent: int | None,
    ) -> int:
        index = len(self.sections)
        self.sections.append(Section(index, title, kind, sec_type, level, parent, xml_id))
        return index

    def walk(
        self, element: etree._Element, section: int | None, *, level: int, in_abstract: bool
    ) -> None:
        for child in element.iterchildren(tag=etree.Element):
            name = local_name(child)
            if name == "sec":
                title_node = child.find("title")
                title = element_text(title_node) if title_node is not None else None
                sec_type = child.get("sec-type")
                if in_abstract:
                    kind: SectionKind = "abstract"
                else:
                    own = section_kind(sec_type, title)
                    inherited = self.sections[section].kind if section is not None else "other"
                    kind = own or inherited
                index = self._section(
                    child.get("id"), title, kind, sec_type, level=level + 1, parent=section
                )
                self.walk(child, index, level=level + 1, in_abstract=in_abstract)
            elif name == "p":
                self._paragraph(child, section)
            elif name in FLOAT_TAGS:
                self._float(child, section)
            elif name in ("title", "label", "ref-list", "fn-group", "ack", "back"):
                continue
            else:  # lists, boxed text, quotes, groups of floats: look inside
                self.walk(child, section, level=level, in_abstract=in_abstract)

    def _paragraph(self, p: etree._Element, section: int | None) -> None:
        text = element_text(p)
        if text:
            self.paragraphs.append(Paragraph(len(self.paragraphs), section, text))
        for xref in p.iter("xref"):
            rid = xref.get("rid")
            if rid and xref.get("ref-type") in ("table", "fig"):
                for one in rid.split():
                    self._cited_in.setdefault(one, section)
        for nested in _floats_inside(p):
            self._float(nested, section)

    def _float(self, element: etree._Element, section: int | None) -> None:
        name = local_name(element)
        if name in ("table-wrap-group", "fig-group"):
            for child in element.iterchildren(tag=etree.Element):
                if local_name(child) in FLOAT_TAGS:
                    self._float(child, section)
            return
        if name not in ("table-wrap", "fig"):
            return  # supplementary material, formulas kept as text elsewhere
        xml_id = element.get("id")
        key = xml_id or f"#{id(element)}"
        if key in self._float_ids:
            return
        self._float_ids.add(key)
        label_node = element.find("label")
        label = element_text(label_node) if label_node is not None else None
        caption_node = element.find("caption")
        caption = element_text(caption_node) if caption_node is not None else ""
        kind: Literal["figure", "table"] = "table" if name == "table-wrap" else "figure"
        if section is None:
            self._unplaced.append(len(self.captions))
        self.captions.append(Caption(kind, xml_id, label or None, caption, section))
        if kind == "table":
            self.tables.extend(
                parse_table_wrap(element, section=section, fallback_id=f"table{len(self.tables)}")
            )

    def place_unplaced_floats(self) -> None:
        """Floats kept apart from the text (``floats-group``) go to the section that cites them
        first, so a Results table is known as one."""
        for position in self._unplaced:
            caption = self.captions[position]
            section = self._cited_in.get(caption.xml_id or "")
            if section is None:
                continue
            self.captions[position] = Caption(
                caption.kind, caption.xml_id, caption.label, caption.text, section
            )
            self.tables = [
                _with_section(t, section) if t.xml_id == caption.xml_id else t for t in self.tables
            ]


def _with_section(table: Table, section: int) -> Table:
    return Table(
        xml_id=table.xml_id,
        label=table.label,
        caption=table.caption,
        n_rows=table.n_rows,
        n_cols=table.n_cols,
        header_rows=table.header_rows,
        cells=table.cells,
        footnotes=table.footnotes,
        section=section,
        part=table.part,
    )


def _floats_inside(p: etree._Element) -> Iterator[etree._Element]:
    """Floats nested in a paragraph, outermost only."""
    for node in p.iter(tag=etree.Element):
        if node is p or local_name(node) not in FLOAT_TAGS:
            continue
        parent = node.getparent()
        nested = False
        while parent is not None and parent is not p:
            if local_name(parent) in FLOAT_TAGS:
                nested = True
                break
            parent = parent.getparent()
        if not nested:
            yield node


def iter_table_texts(document: FullText) -> Iterable[tuple[Table, tuple[tuple[str, ...], ...]]]:
    """Each table with its grid of raw cell texts (what the table extractor takes)."""
    for table in document.tables:
        yield table, table.text_rows()
