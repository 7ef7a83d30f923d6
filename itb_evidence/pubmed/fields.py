"""One small ``parse_<field>(record)`` function per PubmedRecord field (pubmed_parser's shape).

Each takes the record element (``PubmedArticle`` or ``PubmedBookArticle``) and returns typed
values; :func:`itb_evidence.pubmed.parse.parse_article` composes them. Books keep the same
fields in other places (``BookDocument`` for ``MedlineCitation``/``Article``, ``PubmedBookData``
for ``PubmedData``); :class:`RecordParts` finds those containers once per record.

Speed (this is the hot path of a 10k-record parse, see ``benchmarks/parse_pubmed.py``): an lxml
``find`` or ``iterchildren(tag)`` call costs several times more than reading children from a list,
so :class:`RecordParts` indexes the containers' children by tag once (one pass each) and the field
functions look them up in those dicts; deeper levels are read as ``parent[:]`` (the cheapest way
lxml hands out children) comparing ``child.tag``. A bare tag such as ``"PMID"`` matches exactly
what ``iterchildren("PMID")`` does: elements of that name in no namespace.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

from lxml import etree

from itb_evidence.pubmed.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    MeshQualifier,
    PubDate,
)
from itb_evidence.pubmed.xml_text import clean_text, optional_text

BOOK_TAG = "PubmedBookArticle"
ARTICLE_TAG = "PubmedArticle"

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_TWO_DIGITS = tuple(f"{number:02d}" for number in range(100))
_FIRST_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")

# The same MeSH terms recur in record after record ("Humans", "drug therapy"): their immutable
# objects are shared rather than built again (a frozen dataclass costs more to build than to look
# up). Bounded, so memory stays flat however many records stream through.
_SHARED_MESH_TERMS = 4096
_mesh_qualifier = functools.lru_cache(maxsize=_SHARED_MESH_TERMS)(MeshQualifier)
_mesh_heading = functools.lru_cache(maxsize=_SHARED_MESH_TERMS)(MeshHeading)  # no qualifiers

# Children of one element grouped by tag, in document order (comments and processing
# instructions land under their factory-function "tags" and are never looked up).
ChildIndex = dict[str, list[etree._Element]]
_NO_CHILDREN: list[etree._Element] = []


class RecordFieldError(ValueError):
    """A field the record cannot do without (PMID) is missing or malformed."""


class RecordParts(NamedTuple):
    """Where a record keeps its fields: article and book records nest them differently.

    Built once per record by :func:`parse_article` and passed to every ``parse_<field>``, so the
    containers are found, and their children indexed by tag, once rather than once per field.
    Each ``parse_<field>`` also accepts the bare element.
    """

    citation: etree._Element | None  # MedlineCitation | BookDocument
    article: etree._Element | None  # Article | BookDocument
    pubmed_data: etree._Element | None  # PubmedData | PubmedBookData
    is_book: bool
    tag: str
    citation_children: ChildIndex
    article_children: ChildIndex
    data_children: ChildIndex
    journal_children: ChildIndex  # Article/Journal
    issue_children: ChildIndex  # Article/Journal/JournalIssue
    article_ids: ChildIndex  # ArticleIdList/ArticleId by IdType (read once for DOI and PMC id)

    @classmethod
    def of(cls, record: etree._Element) -> RecordParts:
        tag = str(record.tag)
        top = index_children(record)
        is_book = tag == BOOK_TAG
        if is_book:
            citation = article = _first(top, "BookDocument")
            data = _first(top, "PubmedBookData")
            citation_children = article_children = index_children(citation)
        else:
            citation = _first(top, "MedlineCitation")
            citation_children = index_children(citation)
            article = _first(citation_children, "Article")
            article_children = index_children(article)
            data = _first(top, "PubmedData")
        journal_children = index_children(_first(article_children, "Journal"))
        data_children = index_children(data)
        return cls(
            citation,
            article,
            data,
            is_book,
            tag,
            citation_children,
            article_children,
            data_children,
            journal_children,
            index_children(_first(journal_children, "JournalIssue")),
            _index_article_ids(data_children, citation_children if is_book else None),
        )


RecordLike = etree._Element | RecordParts


def _containers(record: RecordLike) -> RecordParts:
    return record if isinstance(record, RecordParts) else RecordParts.of(record)


def index_children(parent: etree._Element | None) -> ChildIndex:
    """``parent``'s children by tag, each list in document order (one pass over the children)."""
    index: ChildIndex = {}
    if parent is not None:
        for child in parent[:]:  # type: ignore[index]  # lxml-stubs lacks slicing (faster than iter)
            index.setdefault(child.tag, []).append(child)
    return index


def _index_article_ids(data: ChildIndex, book: ChildIndex | None) -> ChildIndex:
    """The record's own ``ArticleId`` elements by ``IdType``, in document order (``PubmedData``'s
    list, then for a book ``BookDocument``'s). Direct children only:
    ``ReferenceList/Reference/ArticleIdList`` holds the cited works' ids."""
    index: ChildIndex = {}
    for holder in (data, book):
        if holder is None:
            continue
        for element in _children_of_first(holder, "ArticleIdList", "ArticleId"):
            id_type = element.get("IdType")
            if id_type is not None:
                index.setdefault(id_type, []).append(element)
    return index


def _first(index: ChildIndex, tag: str) -> etree._Element | None:
    same = index.get(tag)
    return same[0] if same else None


def _first_child(parent: etree._Element | None, tag: str) -> etree._Element | None:
    if parent is not None:
        for child in parent[:]:  # type: ignore[index]
            if child.tag == tag:
                return child
    return None


def _find(parent: etree._Element | None, path: str) -> etree._Element | None:
    """``parent.find(path)`` for a plain ``"A/B/C"`` path (first match at each step)."""
    node = parent
    for step in path.split("/"):
        node = _first_child(node, step)
    return node


def _children_of_first(index: ChildIndex, holder: str, tag: str) -> list[etree._Element]:
    """The ``tag`` children of the first ``holder`` child (``index`` is its parent's)."""
    same = index.get(holder)
    if not same:
        return _NO_CHILDREN
    children = []
    for child in same[0][:]:  # type: ignore[index]  # a loop: a comprehension is a call more
        if child.tag == tag:
            children.append(child)
    return children


def _to_int(text: str | None) -> int | None:
    if text is None:
        return None
    if text.isdigit() and text.isascii():  # the usual case, nothing to strip
        return int(text)
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _month(text: str | None) -> int | None:
    """PubMed months come as "08", "8", "Aug" or "August"."""
    if text is None:
        return None
    number = _to_int(text)
    if number is not None:
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(text.strip().lower())


# ---- identity -------------------------------------------------------------------------------


def parse_pmid(record: RecordLike) -> tuple[str, int]:
    """PMID and its ``Version`` attribute (1 when absent). A record without a PMID is unusable."""
    parts = _containers(record)
    element = _first(parts.citation_children, "PMID")
    pmid = clean_text(element)
    if element is None or not pmid:
        raise RecordFieldError(f"{parts.tag} has no PMID")
    if not pmid.isascii() or not pmid.isdigit():
        raise RecordFieldError(f"PMID {pmid!r} is not a number")
    version_text = element.get("Version", "1")
    version = _to_int(version_text)
    if version is None:
        raise RecordFieldError(f"PMID {pmid}: Version {version_text!r} is not a number")
    return pmid, version


# ---- title and abstract ---------------------------------------------------------------------


def parse_title(record: RecordLike) -> str:
    """``ArticleTitle``; for books a chapter's ``ArticleTitle`` or else the ``BookTitle``."""
    parts = _containers(record)
    title = clean_text(_first(parts.article_children, "ArticleTitle"))
    if not title and parts.is_book:
        title = clean_text(_first_child(_first(parts.article_children, "Book"), "BookTitle"))
    return title


def parse_abstract(record: RecordLike) -> tuple[str, tuple[AbstractSection, ...]]:
    """Joined abstract (``"Label: text"`` lines) and its sections with body offsets into it."""
    texts = _children_of_first(_containers(record).article_children, "Abstract", "AbstractText")
    if not texts:
        return "", ()
    return join_sections(
        (optional_text_attr(t, "Label"), optional_text_attr(t, "NlmCategory"), clean_text(t))
        for t in texts
    )


def optional_text_attr(element: etree._Element, name: str) -> str | None:
    value = element.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def join_sections(
    sections: Iterable[tuple[str | None, str | None, str]],
) -> tuple[str, tuple[AbstractSection, ...]]:
    """Join ``(label, nlm_category, text)`` into one string, recording where each body lands.

    A labelled section is written ``"Label: text"``; an unlabelled one is its text alone; lines are
    joined by ``"\\n"``. ``abstract[s.start:s.end] == s.text`` holds for every section.
    """
    lines: list[str] = []
    out: list[AbstractSection] = []
    position = 0
    for label, category, text in sections:
        if label is None and not text:
            continue  # an empty unlabelled AbstractText carries nothing
        if position:
            position += 1  # the "\n" separator
        prefix = f"{label}: " if label is not None else ""
        line = prefix + text if text else (f"{label}:" if label is not None else "")
        start = position + len(prefix) if text else position + len(line)
        out.append(AbstractSection(label, category, text, start, start + len(text)))
        lines.append(line)
        position += len(line)
    return "\n".join(lines), tuple(out)


def parse_extra(record: RecordLike) -> dict[str, str]:
    """Fields a reviewer may want but the typed record has no slot for."""
    parts = _containers(record)
    article = parts.article_children
    extra: dict[str, str] = {}
    book = _first(article, "Book") if parts.is_book else None
    candidates = (
        ("vernacular_title", _first(article, "VernacularTitle")),
        ("copyright", _first_child(_first(article, "Abstract"), "CopyrightInformation")),
        ("pub_season", _first_child(_first(parts.issue_children, "PubDate"), "Season")),
        ("book_title", _first_child(book, "BookTitle") if parts.is_book else None),
        ("publisher", _find(book, "Publisher/PublisherName") if parts.is_book else None),
    )
    for key, element in candidates:
        if element is not None and (text := clean_text(element)):
            extra[key] = text
    created = parse_date_iso(_first(parts.citation_children, "DateCreated"))
    if created:
        extra["date_created"] = created
    other = [
        text
        for element in parts.citation_children.get("OtherAbstract", _NO_CHILDREN)
        if (text := clean_text(element))
    ]
    if other:
        extra["other_abstract"] = "\n".join(other)
    return extra


# ---- people ---------------------------------------------------------------------------------


def parse_authors(record: RecordLike) -> tuple[Author, ...]:
    """Authors in order with their affiliations; book editors are not authors and are skipped.

    Legacy records (before 2014) carry one ``Article/Affiliation``, which NLM defines as the first
    author's: it is attached to the first author when that author has none of their own.
    """
    parts = _containers(record)
    article = parts.article_children
    lists = [
        author_list
        for author_list in article.get("AuthorList", _NO_CHILDREN)
        if author_list.get("Type", "authors") == "authors"
    ]
    if not lists and parts.is_book:  # a whole book: its authors are the book's
        lists = [
            author_list
            for author_list in _children_of_first(article, "Book", "AuthorList")
            if author_list.get("Type", "authors") == "authors"
        ]
    authors = [
        parse_author(author)
        for author_list in lists
        for author in author_list[:]  # type: ignore[index]
        if author.tag == "Author"
    ]
    legacy = optional_text(_first(article, "Affiliation"))
    if legacy and authors and not authors[0].affiliations:
        first = authors[0]
        authors[0] = Author(
            first.last_name, first.fore_name, first.initials, first.collective_name, (legacy,)
        )
    return tuple(authors)


def parse_author(author: etree._Element) -> Author:
    """One ``Author``: a person (names, initials) or a ``CollectiveName``, with affiliations.

    The first element of each name tag counts, even when it is empty. The first element of every
    other tag (``Identifier``, ``Suffix``...) is flattened too, though its text is not kept, so an
    entity reference in it fails the record (a childless element cannot hold one).
    """
    # Locals and flags rather than a dict of names: six authors a record make this a hot loop.
    last_name = fore_name = initials = collective_name = None
    seen_last = seen_fore = seen_initials = seen_collective = False
    affiliations: list[str] = []
    other_tags: set[object] | None = None
    for child in author[:]:  # type: ignore[index]
        tag = child.tag
        if tag == "LastName":
            if not seen_last:
                last_name, seen_last = clean_text(child) or None, True
        elif tag == "ForeName":
            if not seen_fore:
                fore_name, seen_fore = clean_text(child) or None, True
        elif tag == "Initials":
            if not seen_initials:
                initials, seen_initials = clean_text(child) or None, True
        elif tag == "AffiliationInfo":
            for affiliation in child[:]:  # type: ignore[index]
                if affiliation.tag == "Affiliation" and (text := clean_text(affiliation)):
                    affiliations.append(text)
        elif tag == "CollectiveName":
            if not seen_collective:
                collective_name, seen_collective = clean_text(child) or None, True
        else:
            if other_tags is None:
                other_tags = set()
            if tag not in other_tags:
                other_tags.add(tag)
                if len(child):
                    clean_text(child)
    # positional arguments: measurably cheaper for a frozen dataclass
    return Author(last_name, fore_name, initials, collective_name, tuple(affiliations))


# ---- where and when -------------------------------------------------------------------------


class JournalInfo(NamedTuple):
    title: str | None
    iso_abbreviation: str | None
    volume: str | None
    issue: str | None
    pages: str | None


def parse_journal(record: RecordLike) -> JournalInfo:
    """Journal title/abbreviation, volume, issue and ``MedlinePgn`` (else StartPage-EndPage)."""
    parts = _containers(record)
    pagination = _first(parts.article_children, "Pagination")
    if parts.is_book:
        return JournalInfo(None, None, None, None, _pages(pagination))
    journal, issue = parts.journal_children, parts.issue_children
    return JournalInfo(
        title=optional_text(_first(journal, "Title")),
        iso_abbreviation=optional_text(_first(journal, "ISOAbbreviation")),
        volume=optional_text(_first(issue, "Volume")),
        issue=optional_text(_first(issue, "Issue")),
        pages=_pages(pagination),
    )


def parse_pages(article: etree._Element | None) -> str | None:
    return _pages(_first_child(article, "Pagination"))


def _pages(pagination: etree._Element | None) -> str | None:
    if pagination is None:
        return None
    pages = optional_text(_first_child(pagination, "MedlinePgn"))
    if pages:
        return pages
    start = optional_text(_first_child(pagination, "StartPage"))
    end = optional_text(_first_child(pagination, "EndPage"))
    if start and end:
        return f"{start}-{end}"
    return start


_DateFields = tuple[int | None, int | None, int | None, str | None]
_DateTexts = tuple[str | None, str | None, str | None, str | None]


def _date_texts(element: etree._Element) -> _DateTexts:
    """The raw (Year, Month, Day, MedlineDate) texts of a date element; a repeated tag's last."""
    year = month = day = medline_date = None
    for child in element[:]:  # type: ignore[index]
        tag = child.tag
        if tag == "Year":
            year = child.text
        elif tag == "Month":
            month = child.text
        elif tag == "Day":
            day = child.text
        elif tag == "MedlineDate":
            medline_date = child.text
    return year, month, day, medline_date


def _date_fields(texts: _DateTexts) -> _DateFields | None:
    """(year, month, day, MedlineDate) of a date's texts, or None when they give no date."""
    year_text, month_text, day_text, medline_date = texts
    if medline_date is not None and medline_date.strip():
        medline_date = " ".join(medline_date.split())
        match = _FIRST_YEAR.search(medline_date)
        return (int(match.group(1)) if match else None, None, None, medline_date)
    year = _to_int(year_text)
    month = _month(month_text)
    day = _to_int(day_text) if month else None
    if year is None and month is None:
        return None
    return (year, month, day, None)


def parse_date(element: etree._Element | None) -> PubDate | None:
    """A PubMed date element: Year/Month/Day, or free-text ``MedlineDate`` ("1998 Dec-1999 Jan")."""
    fields = None if element is None else _date_fields(_date_texts(element))
    return None if fields is None else PubDate(*fields)


def parse_date_iso(element: etree._Element | None) -> str | None:
    """``parse_date(element).iso()``, without building the PubDate."""
    if element is None:
        return None
    texts = _date_texts(element)
    year_text, month_text, day_text, medline_date = texts
    # Fast path, the shape of nearly every PubMed date (a record's history has several): a
    # 4-digit year, a month 1-12 and a day 1-99 in ASCII digits. Same text as the general path
    # below, without its number formatting (which costs more than the rest of the date).
    if medline_date is None and year_text and month_text and day_text and len(year_text) == 4:
        digits = year_text + month_text + day_text
        if digits.isascii() and digits.isdigit():
            month_number, day_number = int(month_text), int(day_text)
            if 1 <= month_number <= 12 and 1 <= day_number <= 99:
                return f"{year_text}-{_TWO_DIGITS[month_number]}-{_TWO_DIGITS[day_number]}"
    fields = _date_fields(texts)
    if fields is None:
        return None
    year, month, day, _ = fields
    if year is None:
        return None
    # printf-style: twice as fast as the equivalent f-string format specs, same text
    if not month:
        return "%04d" % year  # noqa: UP031
    if not day:
        return "%04d-%02d" % (year, month)  # noqa: UP031
    return "%04d-%02d-%02d" % (year, month, day)  # noqa: UP031


def parse_pub_date(record: RecordLike) -> PubDate | None:
    """The issue's date (print), or for a book the book's ``PubDate``."""
    parts = _containers(record)
    if parts.is_book:
        return parse_date(_first_child(_first(parts.article_children, "Book"), "PubDate"))
    return parse_date(_first(parts.issue_children, "PubDate"))


def parse_epub_date(record: RecordLike) -> PubDate | None:
    """``ArticleDate DateType="Electronic"`` (the first ArticleDate if none says so)."""
    dates = _containers(record).article_children.get("ArticleDate", _NO_CHILDREN)
    for date in dates:
        if date.get("DateType", "Electronic") == "Electronic":
            return parse_date(date)
    return parse_date(dates[0]) if dates else None


def parse_history(record: RecordLike) -> tuple[tuple[str, str], ...]:
    """PubMed history as ``(PubStatus, ISO date)`` pairs, in document order."""
    out: list[tuple[str, str]] = []
    data = _containers(record).data_children
    for date in _children_of_first(data, "History", "PubMedPubDate"):
        iso = parse_date_iso(date)
        status = date.get("PubStatus")
        if status and iso:
            out.append((status, iso))
    return tuple(out)


def parse_date_revised(record: RecordLike) -> str | None:
    return parse_date_iso(_first(_containers(record).citation_children, "DateRevised"))


# ---- identifiers and indexing ---------------------------------------------------------------


def _article_id(parts: RecordParts, id_type: str) -> str | None:
    """The first non-empty ``ArticleId`` of ``id_type``."""
    for element in parts.article_ids.get(id_type, _NO_CHILDREN):
        if text := clean_text(element):
            return text
    return None


def parse_doi(record: RecordLike) -> str | None:
    """``ArticleId IdType="doi"``, falling back to ``ELocationID EIdType="doi"``."""
    parts = _containers(record)
    doi = _article_id(parts, "doi")
    if doi is not None:
        return doi
    for element in parts.article_children.get("ELocationID", _NO_CHILDREN):
        if element.get("EIdType") == "doi" and (text := clean_text(element)):
            return text
    return None


def parse_pmcid(record: RecordLike) -> str | None:
    return _article_id(_containers(record), "pmc")


def parse_publication_types(record: RecordLike) -> tuple[str, ...]:
    parts = _containers(record)
    if parts.is_book:
        types = parts.article_children.get("PublicationType", _NO_CHILDREN)
    else:
        types = _children_of_first(parts.article_children, "PublicationTypeList", "PublicationType")
    return tuple(t for e in types if (t := clean_text(e)))


def parse_mesh(record: RecordLike) -> tuple[MeshHeading, ...]:
    """MeSH descriptors with their qualifiers and ``MajorTopicYN`` flags."""
    headings: list[MeshHeading] = []
    citation = _containers(record).citation_children
    for heading in _children_of_first(citation, "MeshHeadingList", "MeshHeading"):
        descriptor: etree._Element | None = None
        qualifiers: list[MeshQualifier] = []
        for child in heading[:]:  # type: ignore[index]
            tag = child.tag
            if tag == "DescriptorName":
                descriptor = child
            elif tag == "QualifierName":
                major = child.get("MajorTopicYN") == "Y"
                qualifiers.append(_mesh_qualifier(clean_text(child), child.get("UI"), major))
        if descriptor is None:
            continue
        name = clean_text(descriptor)
        ui = descriptor.get("UI")
        major = descriptor.get("MajorTopicYN") == "Y"
        if qualifiers:
            headings.append(MeshHeading(name, ui, major, tuple(qualifiers)))
        else:
            headings.append(_mesh_heading(name, ui, major))
    return tuple(headings)


def parse_keywords(record: RecordLike) -> tuple[str, ...]:
    citation = _containers(record).citation_children
    keywords = _children_of_first(citation, "KeywordList", "Keyword")
    return tuple(k for e in keywords if (k := clean_text(e)))


def parse_languages(record: RecordLike) -> tuple[str, ...]:
    languages = _containers(record).article_children.get("Language", _NO_CHILDREN)
    return tuple(t for e in languages if (t := clean_text(e)))


def parse_comments_corrections(record: RecordLike) -> tuple[CommentCorrection, ...]:
    """MEDLINE ``CommentsCorrections`` links (errata, retractions, comments...)."""
    citation = _containers(record).citation_children
    return tuple(
        CommentCorrection(
            ref_type=link.get("RefType", ""),
            pmid=optional_text(_first_child(link, "PMID")),
            ref_source=optional_text(_first_child(link, "RefSource")),
        )
        for link in _children_of_first(citation, "CommentsCorrectionsList", "CommentsCorrections")
    )
