"""One small ``parse_<field>(record)`` function per PubmedRecord field (pubmed_parser's shape).

Each takes the record element (``PubmedArticle`` or ``PubmedBookArticle``) and returns typed
values; :func:`itb_evidence.pubmed.parse.parse_article` composes them. Books keep the same
fields in other
places (``BookDocument`` for ``MedlineCitation``/``Article``, ``PubmedBookData`` for
``PubmedData``); :class:`RecordParts` finds those containers once per record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
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
_FIRST_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")


class RecordFieldError(ValueError):
    """A field the record cannot do without (PMID) is missing or malformed."""


class RecordParts(NamedTuple):
    """Where a record keeps its fields: article and book records nest them differently.

    Built once per record by :func:`parse_article` and passed to every ``parse_<field>``, so the
    containers are looked up once rather than once per field (it is the hot path of a 10k-record
    parse). Each ``parse_<field>`` also accepts the bare element.
    """

    citation: etree._Element | None  # MedlineCitation | BookDocument
    article: etree._Element | None  # Article | BookDocument
    pubmed_data: etree._Element | None  # PubmedData | PubmedBookData
    is_book: bool
    tag: str

    @classmethod
    def of(cls, record: etree._Element) -> RecordParts:
        tag = str(record.tag)
        if tag == BOOK_TAG:
            document = _first_child(record, "BookDocument")
            return cls(document, document, _first_child(record, "PubmedBookData"), True, tag)
        citation = _first_child(record, "MedlineCitation")
        article = _first_child(citation, "Article")
        return cls(citation, article, _first_child(record, "PubmedData"), False, tag)


RecordLike = etree._Element | RecordParts


def _containers(record: RecordLike) -> RecordParts:
    return record if isinstance(record, RecordParts) else RecordParts.of(record)


def _first_child(parent: etree._Element | None, tag: str) -> etree._Element | None:
    if parent is None:
        return None
    return next(parent.iterchildren(tag), None)


# Lookups walk child by child with iterchildren (C-level) instead of ElementPath's find, which
# costs several times more per call; these paths are plain "A/B/C" steps.


def _find(parent: etree._Element | None, path: str) -> etree._Element | None:
    node = parent
    for step in path.split("/"):
        if node is None:
            return None
        node = next(node.iterchildren(step), None)
    return node


def _children(parent: etree._Element | None, path: str) -> Iterator[etree._Element]:
    head, _, last = path.rpartition("/")
    holder = _find(parent, head) if head else parent
    if holder is None:
        return iter(())
    return holder.iterchildren(last)


def _to_int(text: str | None) -> int | None:
    if text is None:
        return None
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
    element = _first_child(parts.citation, "PMID")
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
    title = clean_text(_find(parts.article, "ArticleTitle"))
    if not title and parts.is_book:
        title = clean_text(_find(parts.article, "Book/BookTitle"))
    return title


def parse_abstract(record: RecordLike) -> tuple[str, tuple[AbstractSection, ...]]:
    """Joined abstract (``"Label: text"`` lines) and its sections with body offsets into it."""
    texts = _children(_containers(record).article, "Abstract/AbstractText")
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
    extra: dict[str, str] = {}
    candidates = {
        "vernacular_title": _find(parts.article, "VernacularTitle"),
        "copyright": _find(parts.article, "Abstract/CopyrightInformation"),
        "pub_season": _find(parts.article, "Journal/JournalIssue/PubDate/Season"),
        "book_title": _find(parts.article, "Book/BookTitle") if parts.is_book else None,
        "publisher": _find(parts.article, "Book/Publisher/PublisherName")
        if parts.is_book
        else None,
    }
    for key, element in candidates.items():
        text = optional_text(element)
        if text:
            extra[key] = text
    created = parse_date_iso(_find(parts.citation, "DateCreated"))
    if created:
        extra["date_created"] = created
    other = [clean_text(a) for a in _children(parts.citation, "OtherAbstract")]
    other = [text for text in other if text]
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
    lists = [
        author_list
        for author_list in _children(parts.article, "AuthorList")
        if author_list.get("Type", "authors") == "authors"
    ]
    if not lists and parts.is_book:  # a whole book: its authors are the book's
        lists = [
            author_list
            for author_list in _children(parts.article, "Book/AuthorList")
            if author_list.get("Type", "authors") == "authors"
        ]
    authors = [parse_author(a) for author_list in lists for a in author_list.iterfind("Author")]
    legacy = optional_text(_find(parts.article, "Affiliation"))
    if legacy and authors and not authors[0].affiliations:
        first = authors[0]
        authors[0] = Author(
            first.last_name, first.fore_name, first.initials, first.collective_name, (legacy,)
        )
    return tuple(authors)


def parse_author(author: etree._Element) -> Author:
    """One ``Author``: a person (names, initials) or a ``CollectiveName``, with affiliations."""
    names: dict[str, str | None] = {}
    affiliations: list[str] = []
    for child in author:
        tag = child.tag
        if tag == "AffiliationInfo":
            affiliations.extend(
                text for a in child.iterchildren("Affiliation") if (text := clean_text(a))
            )
        elif isinstance(tag, str) and tag not in names:
            names[tag] = optional_text(child)
    return Author(
        last_name=names.get("LastName"),
        fore_name=names.get("ForeName"),
        initials=names.get("Initials"),
        collective_name=names.get("CollectiveName"),
        affiliations=tuple(affiliations),
    )


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
    if parts.is_book:
        return JournalInfo(None, None, None, None, parse_pages(parts.article))
    journal = _find(parts.article, "Journal")
    return JournalInfo(
        title=optional_text(_find(journal, "Title")),
        iso_abbreviation=optional_text(_find(journal, "ISOAbbreviation")),
        volume=optional_text(_find(journal, "JournalIssue/Volume")),
        issue=optional_text(_find(journal, "JournalIssue/Issue")),
        pages=parse_pages(parts.article),
    )


def parse_pages(article: etree._Element | None) -> str | None:
    pages = optional_text(_find(article, "Pagination/MedlinePgn"))
    if pages:
        return pages
    start = optional_text(_find(article, "Pagination/StartPage"))
    end = optional_text(_find(article, "Pagination/EndPage"))
    if start and end:
        return f"{start}-{end}"
    return start


def parse_date(element: etree._Element | None) -> PubDate | None:
    """A PubMed date element: Year/Month/Day, or free-text ``MedlineDate`` ("1998 Dec-1999 Jan")."""
    if element is None:
        return None
    fields = {str(child.tag): child.text for child in element}
    medline_date = fields.get("MedlineDate")
    if medline_date is not None and medline_date.strip():
        medline_date = " ".join(medline_date.split())
        match = _FIRST_YEAR.search(medline_date)
        return PubDate(int(match.group(1)) if match else None, medline_date=medline_date)
    year = _to_int(fields.get("Year"))
    month = _month(fields.get("Month"))
    day = _to_int(fields.get("Day")) if month else None
    if year is None and month is None:
        return None
    return PubDate(year, month, day)


def parse_date_iso(element: etree._Element | None) -> str | None:
    date = parse_date(element)
    return date.iso() if date is not None else None


def parse_pub_date(record: RecordLike) -> PubDate | None:
    """The issue's date (print), or for a book the book's ``PubDate``."""
    parts = _containers(record)
    path = "Book/PubDate" if parts.is_book else "Journal/JournalIssue/PubDate"
    return parse_date(_find(parts.article, path))


def parse_epub_date(record: RecordLike) -> PubDate | None:
    """``ArticleDate DateType="Electronic"`` (the first ArticleDate if none says so)."""
    dates = list(_children(_containers(record).article, "ArticleDate"))
    electronic = [d for d in dates if d.get("DateType", "Electronic") == "Electronic"]
    chosen = electronic or dates
    return parse_date(chosen[0]) if chosen else None


def parse_history(record: RecordLike) -> tuple[tuple[str, str], ...]:
    """PubMed history as ``(PubStatus, ISO date)`` pairs, in document order."""
    out: list[tuple[str, str]] = []
    for date in _children(_containers(record).pubmed_data, "History/PubMedPubDate"):
        iso = parse_date_iso(date)
        status = date.get("PubStatus")
        if status and iso:
            out.append((status, iso))
    return tuple(out)


def parse_date_revised(record: RecordLike) -> str | None:
    return parse_date_iso(_find(_containers(record).citation, "DateRevised"))


# ---- identifiers and indexing ---------------------------------------------------------------


def _article_ids(record: RecordLike, id_type: str) -> Iterator[str]:
    parts = _containers(record)
    # Direct children only: ReferenceList/Reference/ArticleIdList holds the cited works' ids.
    holders = [parts.pubmed_data] + ([parts.citation] if parts.is_book else [])
    for holder in holders:
        for element in _children(holder, "ArticleIdList/ArticleId"):
            if element.get("IdType") == id_type and (text := clean_text(element)):
                yield text


def parse_doi(record: RecordLike) -> str | None:
    """``ArticleId IdType="doi"``, falling back to ``ELocationID EIdType="doi"``."""
    for doi in _article_ids(record, "doi"):
        return doi
    for element in _children(_containers(record).article, "ELocationID"):
        if element.get("EIdType") == "doi" and (text := clean_text(element)):
            return text
    return None


def parse_pmcid(record: RecordLike) -> str | None:
    return next(_article_ids(record, "pmc"), None)


def parse_publication_types(record: RecordLike) -> tuple[str, ...]:
    parts = _containers(record)
    path = "PublicationType" if parts.is_book else "PublicationTypeList/PublicationType"
    return tuple(t for e in _children(parts.article, path) if (t := clean_text(e)))


def parse_mesh(record: RecordLike) -> tuple[MeshHeading, ...]:
    """MeSH descriptors with their qualifiers and ``MajorTopicYN`` flags."""
    headings: list[MeshHeading] = []
    for heading in _children(_containers(record).citation, "MeshHeadingList/MeshHeading"):
        descriptor: etree._Element | None = None
        qualifiers: list[MeshQualifier] = []
        for child in heading:
            if child.tag == "DescriptorName":
                descriptor = child
            elif child.tag == "QualifierName":
                major = child.get("MajorTopicYN") == "Y"
                qualifiers.append(MeshQualifier(clean_text(child), child.get("UI"), major))
        if descriptor is None:
            continue
        headings.append(
            MeshHeading(
                clean_text(descriptor),
                descriptor.get("UI"),
                descriptor.get("MajorTopicYN") == "Y",
                tuple(qualifiers),
            )
        )
    return tuple(headings)


def parse_keywords(record: RecordLike) -> tuple[str, ...]:
    citation = _containers(record).citation
    return tuple(k for e in _children(citation, "KeywordList/Keyword") if (k := clean_text(e)))


def parse_languages(record: RecordLike) -> tuple[str, ...]:
    return tuple(
        t for e in _children(_containers(record).article, "Language") if (t := clean_text(e))
    )


def parse_comments_corrections(record: RecordLike) -> tuple[CommentCorrection, ...]:
    """MEDLINE ``CommentsCorrections`` links (errata, retractions, comments...)."""
    path = "CommentsCorrectionsList/CommentsCorrections"
    return tuple(
        CommentCorrection(
            ref_type=link.get("RefType", ""),
            pmid=optional_text(link.find("PMID")),
            ref_source=optional_text(link.find("RefSource")),
        )
        for link in _children(_containers(record).citation, path)
    )
