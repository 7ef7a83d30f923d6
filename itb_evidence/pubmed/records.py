"""Typed PubMed records: what the parse stage hands to everything downstream.

Lists stay typed (tuples of small frozen dataclasses) rather than ``;``-joined strings, so later
stages never re-split text. The abstract is kept both as labelled sections and as one joined string
(``"Label: text\\n..."``), and each section knows its offsets in that string, so an extraction span
in the joined abstract can always be traced back to its section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class AbstractSection:
    """One ``AbstractText``; ``start``/``end`` index the section body in the joined abstract."""

    label: str | None
    nlm_category: str | None
    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Author:
    last_name: str | None
    fore_name: str | None
    initials: str | None
    collective_name: str | None = None
    affiliations: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        """Vancouver style ("Pucks-Faes E"), as PubMed shows authors."""
        if self.collective_name:
            return self.collective_name
        return " ".join(p for p in (self.last_name, self.initials) if p)


@dataclass(frozen=True, slots=True)
class MeshQualifier:
    name: str
    ui: str | None
    major_topic: bool


@dataclass(frozen=True, slots=True)
class MeshHeading:
    descriptor: str
    ui: str | None
    major_topic: bool
    qualifiers: tuple[MeshQualifier, ...] = ()


@dataclass(frozen=True, slots=True)
class CommentCorrection:
    """A MEDLINE ``CommentsCorrections`` link (``RetractionIn``, ``ErratumIn``, ...)."""

    ref_type: str
    pmid: str | None
    ref_source: str | None


@dataclass(frozen=True, slots=True)
class PubDate:
    """A PubMed date as given: year is almost always there, month/day often not."""

    year: int | None
    month: int | None = None
    day: int | None = None
    medline_date: str | None = None

    def iso(self) -> str | None:
        if self.year is None:
            return None
        parts = [f"{self.year:04d}"]
        if self.month:
            parts.append(f"{self.month:02d}")
            if self.day:
                parts.append(f"{self.day:02d}")
        return "-".join(parts)


FLAG_REF_TYPES = frozenset(
    {"RetractionIn", "ErratumIn", "ExpressionOfConcernIn", "CommentIn", "RetractionOf"}
)


@dataclass(frozen=True, slots=True)
class PubmedRecord:
    pmid: str
    version: int
    title: str
    abstract: str
    sections: tuple[AbstractSection, ...]
    authors: tuple[Author, ...] = ()
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pub_date: PubDate | None = None
    epub_date: PubDate | None = None
    history: tuple[tuple[str, str], ...] = ()  # (PubStatus, ISO date)
    date_revised: str | None = None  # ISO date
    doi: str | None = None
    pmcid: str | None = None
    publication_types: tuple[str, ...] = ()
    mesh: tuple[MeshHeading, ...] = ()
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    comments_corrections: tuple[CommentCorrection, ...] = ()
    kind: str = "article"  # "article" (PubmedArticle) or "book" (PubmedBookArticle)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def year(self) -> int | None:
        for date in (self.pub_date, self.epub_date):
            if date is not None and date.year is not None:
                return date.year
        return None

    @property
    def is_retracted(self) -> bool:
        return any(c.ref_type == "RetractionIn" for c in self.comments_corrections)

    @property
    def has_erratum(self) -> bool:
        return any(c.ref_type == "ErratumIn" for c in self.comments_corrections)

    @property
    def has_expression_of_concern(self) -> bool:
        return any(c.ref_type == "ExpressionOfConcernIn" for c in self.comments_corrections)

    @property
    def citation(self) -> str:
        """Short Vancouver-style citation a reviewer recognises."""
        names = [a.display for a in self.authors]
        who = ", ".join(names[:3]) + (", et al" if len(names) > 3 else "")
        where = self.journal_abbrev or self.journal or ""
        vol = f";{self.volume}" if self.volume else ""
        iss = f"({self.issue})" if self.issue else ""
        pages = f":{self.pages}" if self.pages else ""
        year = self.year or ""
        return f"{who}. {self.title} {where}. {year}{vol}{iss}{pages}.".strip()

    def section_at(self, offset: int) -> AbstractSection | None:
        """The abstract section holding ``offset`` (a character index in ``abstract``)."""
        for section in self.sections:
            if section.start <= offset <= section.end:
                return section
        return None


def record_to_dict(record: PubmedRecord) -> dict[str, object]:
    """Plain JSON-able dict (the store keeps it so exports can rebuild citations offline)."""
    from dataclasses import asdict

    return asdict(record)


def record_from_dict(data: dict[str, object]) -> PubmedRecord:
    """Inverse of ``record_to_dict``."""
    d: dict[str, Any] = dict(data)

    def date_of(value: Any) -> PubDate | None:
        return None if value is None else PubDate(**value)

    return PubmedRecord(
        **{
            **d,
            "sections": tuple(AbstractSection(**s) for s in d.get("sections", ())),
            "authors": tuple(
                Author(**{**a, "affiliations": tuple(a.get("affiliations", ()))})
                for a in d.get("authors", ())
            ),
            "pub_date": date_of(d.get("pub_date")),
            "epub_date": date_of(d.get("epub_date")),
            "history": tuple(tuple(h) for h in d.get("history", ())),
            "publication_types": tuple(d.get("publication_types", ())),
            "mesh": tuple(
                MeshHeading(
                    m["descriptor"],
                    m["ui"],
                    m["major_topic"],
                    tuple(MeshQualifier(**q) for q in m.get("qualifiers", ())),
                )
                for m in d.get("mesh", ())
            ),
            "keywords": tuple(d.get("keywords", ())),
            "languages": tuple(d.get("languages", ())),
            "comments_corrections": tuple(
                CommentCorrection(**c) for c in d.get("comments_corrections", ())
            ),
            "extra": dict(d.get("extra", {})),
        }
    )
