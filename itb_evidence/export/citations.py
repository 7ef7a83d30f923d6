"""RIS and BibTeX exports of PubMed records, for reviewers' reference managers.

Choices, so that an import never surprises a reviewer:

- Titles lose one trailing full stop (MEDLINE ends every ArticleTitle with one; citation styles
  add their own punctuation). Everything else is kept as PubMed gives it.
- RIS authors are "Last, Initials" (``AU  - Pucks-Faes, E``); BibTeX authors use the fore name
  when PubMed has one ("Pucks-Faes, Elke") and dotted initials otherwise ("Pucks-Faes, E."), so
  styles can abbreviate but never have to guess. Collective authors are brace-protected.
- RIS keywords (``KW``) are the author keywords followed by the MeSH descriptors, without repeats.
- Pages: MEDLINE abbreviates end pages ("123-9"); both exports expand them ("123" to "129"), and
  leave a page field as given when it is not a plain range (never a guessed page).
- BibTeX keeps Unicode as UTF-8 (biber/biblatex read it natively; classic BibTeX with LaTeX's
  default UTF-8 input does too) and escapes only LaTeX's special characters
  ``\\ { } & % $ # _ ~ ^``. DOI and URL are verbatim fields in biblatex and are not escaped.
  Title words with capitals after their first letter (HSP, SPG4, mRNA) are brace-protected so a
  style's sentence casing cannot lower them.
- BibTeX keys: first author's last name + year + first title word (skipping a/an/the), folded to
  lowercase ASCII, e.g. ``pucksfaes2019intrathecal``. Colliding keys are told apart by PMID order:
  the lowest PMID keeps the bare key, the next ones get ``b``, ``c``, ... Because PMIDs grow with
  time, a study added by a later refresh takes a new suffix and existing keys stay put.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable

from itb_evidence.pubmed.records import Author, PubmedRecord

log = logging.getLogger(__name__)

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"

# One page range: optional letter prefix (S12, e123, R5), digits, dash, optional prefix, digits.
_PAGE_RANGE = re.compile(r"^([A-Za-z]*)(\d+)\s*[-\u2013]\s*([A-Za-z]*)(\d+)$")
# MEDLINE separates several ranges with "," or ";" ("12-5, 18"; "112-9; discussion 120").
_RANGE_SEPARATOR = re.compile(r"[,;]")

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_LATEX_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))

# Letters NFKD does not decompose into ASCII.
_ASCII_EXTRA = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l",
     "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "þ": "th", "ı": "i"}
)  # fmt: skip
_KEY_SKIP_WORDS = frozenset({"a", "an", "the"})


def split_medline_pages(pages: str) -> tuple[str, str | None]:
    """(start, end) of a MEDLINE page string, end page expanded: "123-9" -> ("123", "129").

    A single page or eLocator gives (page, None). Only the first of several ranges is used. A
    string that is not a plain range is returned whole as the start page, with no end page.
    """
    first = _RANGE_SEPARATOR.split(pages, maxsplit=1)[0].strip()
    match = _PAGE_RANGE.match(first)
    if match is None:
        return first, None
    start_prefix, start, end_prefix, end = match.groups()
    if end_prefix and start_prefix and end_prefix != start_prefix:
        return first, None
    if len(end) < len(start):
        end = start[: len(start) - len(end)] + end
    if int(end) < int(start):
        return first, None
    return f"{start_prefix}{start}", f"{end_prefix or start_prefix}{end}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _title(record: PubmedRecord) -> str:
    title = _one_line(record.title)
    return title[:-1] if title.endswith(".") and not title.endswith("..") else title


def _ris_author(author: Author) -> str:
    if author.collective_name:
        return _one_line(author.collective_name)
    return ", ".join(p for p in (author.last_name, author.initials or author.fore_name) if p)


def _ris_keywords(record: PubmedRecord) -> list[str]:
    seen: dict[str, None] = {}
    for word in (*record.keywords, *(m.descriptor for m in record.mesh)):
        seen.setdefault(_one_line(word), None)
    return [w for w in seen if w]


def _flag_note(record: PubmedRecord) -> str | None:
    flags = [
        f"{c.ref_type}: PMID {c.pmid}" if c.pmid else f"{c.ref_type}: {c.ref_source or ''}".strip()
        for c in record.comments_corrections
        if c.ref_type in ("RetractionIn", "ErratumIn", "ExpressionOfConcernIn")
    ]
    if not flags:
        return None
    prefix = "RETRACTED. " if record.is_retracted else ""
    return prefix + "; ".join(flags)


def _unique_by_pmid(records: Iterable[PubmedRecord]) -> list[PubmedRecord]:
    unique: dict[str, PubmedRecord] = {}
    for record in records:
        if record.pmid in unique:
            log.warning("PMID %s given twice to a citation export; kept the first", record.pmid)
            continue
        unique[record.pmid] = record
    return list(unique.values())


def to_ris(records: Iterable[PubmedRecord], *, line_ending: str = "\n") -> str:
    """RIS (``TY  - JOUR`` ... ``ER  - ``) for each record, records separated by a blank line."""
    blocks = []
    for record in _unique_by_pmid(records):
        fields: list[tuple[str, str | None]] = [
            ("TY", "BOOK" if record.kind == "book" else "JOUR"),
            ("TI", _title(record)),
            *(("AU", _ris_author(a)) for a in record.authors),
            ("PY", str(record.year) if record.year else None),
            ("JO", record.journal or record.journal_abbrev),
            ("T2", record.journal),
            ("J2", record.journal_abbrev),
            ("VL", record.volume),
            ("IS", record.issue),
        ]
        if record.pages:
            start, end = split_medline_pages(record.pages)
            fields += [("SP", start), ("EP", end)]
        fields += [
            ("DO", record.doi),
            ("AN", record.pmid),
            ("UR", PUBMED_URL.format(pmid=record.pmid)),
            ("AB", record.abstract),
            *(("KW", k) for k in _ris_keywords(record)),
            *(("LA", lang) for lang in record.languages),
            ("N1", _flag_note(record)),
        ]
        lines = [f"{tag}  - {_one_line(value)}" for tag, value in fields if value]
        lines.append("ER  - ")
        blocks.append(line_ending.join(lines) + line_ending)
    return line_ending.join(blocks)


def ascii_fold(text: str) -> str:
    """Text reduced to ASCII: accents dropped (Müller -> Muller), ß -> ss, ø -> o."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
    return decomposed.encode("ascii", "ignore").decode("ascii")


def _key_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", ascii_fold(text).lower())


def _base_key(record: PubmedRecord) -> str:
    who = "anon"
    if record.authors:
        first = record.authors[0]
        name = first.last_name or (first.collective_name or "").split(" ")[0] or ""
        who = _key_part(name) or "anon"
    year = str(record.year) if record.year else "nd"
    words = (_key_part(w) for w in ascii_fold(record.title).split())
    word = next((w for w in words if w and w not in _KEY_SKIP_WORDS), "")
    return f"{who}{year}{word}"


def _suffix(index: int) -> str:
    """1 -> a, 2 -> b, ..., 26 -> z, 27 -> aa (bijective base 26)."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def bibtex_keys(records: Iterable[PubmedRecord]) -> dict[str, str]:
    """PMID -> unique BibTeX key (see the module docstring for the rule)."""
    unique = _unique_by_pmid(records)
    by_base: dict[str, list[PubmedRecord]] = {}
    for record in unique:
        by_base.setdefault(_base_key(record), []).append(record)
    taken = set(by_base)
    keys: dict[str, str] = {}
    for base, group in by_base.items():
        group.sort(key=lambda r: (len(r.pmid), r.pmid))
        keys[group[0].pmid] = base
        index = 2
        for record in group[1:]:
            while f"{base}{_suffix(index)}" in taken:
                index += 1
            keys[record.pmid] = f"{base}{_suffix(index)}"
            taken.add(keys[record.pmid])
            index += 1
    return keys


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters; Unicode letters and symbols are kept as they are."""
    return _LATEX_SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], text)


def _protect_case(escaped: str) -> str:
    """Brace words with a capital after their first letter; letters and digits only, so an
    escape such as ``\\{`` or ``\\_`` is never split by a brace."""
    return re.sub(
        r"[^\W_]+",
        lambda m: (
            "{" + m.group(0) + "}" if any(c.isupper() for c in m.group(0)[1:]) else m.group(0)
        ),
        escaped,
    )


def _bibtex_author(author: Author) -> str:
    if author.collective_name:
        return "{" + latex_escape(_one_line(author.collective_name)) + "}"
    given = author.fore_name or " ".join(f"{c}." for c in (author.initials or "") if c.isalpha())
    return latex_escape(", ".join(p for p in (author.last_name, given) if p))


def _verbatim(text: str) -> str:
    return _one_line(text).replace("{", "%7B").replace("}", "%7D")


def to_bibtex(records: Iterable[PubmedRecord]) -> str:
    """One ``@article`` (``@book`` for book records) per record, keyed by ``bibtex_keys``."""
    unique = _unique_by_pmid(records)
    keys = bibtex_keys(unique)
    entries = []
    for record in unique:
        pages = None
        if record.pages:
            start, end = split_medline_pages(record.pages)
            pages = f"{start}--{end}" if end else start
        keywords = ", ".join(_ris_keywords(record))
        fields: list[tuple[str, str | None]] = [
            ("author", " and ".join(_bibtex_author(a) for a in record.authors)),
            ("title", _protect_case(latex_escape(_title(record)))),
            ("journal", latex_escape(record.journal or record.journal_abbrev or "")),
            ("shortjournal", latex_escape(record.journal_abbrev or "")),
            ("year", str(record.year) if record.year else None),
            ("volume", latex_escape(record.volume or "")),
            ("number", latex_escape(record.issue or "")),
            ("pages", latex_escape(pages or "")),
            ("doi", _verbatim(record.doi or "")),
            ("pmid", record.pmid),
            ("pmcid", record.pmcid),
            ("url", _verbatim(PUBMED_URL.format(pmid=record.pmid))),
            ("keywords", latex_escape(keywords)),
            ("abstract", latex_escape(_one_line(record.abstract))),
            ("note", latex_escape(_flag_note(record) or "")),
        ]
        body = "".join(f"  {name} = {{{value}}},\n" for name, value in fields if value)
        kind = "book" if record.kind == "book" else "article"
        entries.append(f"@{kind}{{{keys[record.pmid]},\n{body}}}\n")
    return "\n".join(entries)
