"""The scope model: one field's sentences, clause boundaries and sections, computed once and asked
by every extractor ("which sentence holds offset i", "where does the clause holding i start",
"is there a clause boundary between a and b").

Why one model: the linkers and the result rules each used to cut sentences and clauses their own
way (a search back for ". ", a split on ";", a regex per rule), so two rules could disagree on
what one clause was, and each cut cost a scan. Here sentences come from one splitter, and clause
boundaries are typed marks (``Boundary``) found once per sentence, on demand; a question names
the kinds of boundary it stops at (a pair's subject never crosses "; " or ", while", but a
p-value's following clause also ends at ", and"), never a regex of its own.

A provenance points to its sentence (one shared ``SentenceRef`` per sentence) rather than copying
its text: memory stays linear in the field's length however long a sentence runs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from enum import Enum

from spacy.tokens import Doc

from extractors.types import Field, Provenance, SentenceRef

# An inline section label: "Results:", "Methods and results:", "Background/Objective:", at the
# start of the text, of a line, or right after a sentence end (even glued: "(TBI).Design:").
INLINE_SECTION_LABEL = re.compile(
    r"(?:\A|(?<=\n)|(?<=[.!?]\s)|(?<=[a-z)\]]\.))"
    r"(?P<label>[A-Z][A-Za-z]+(?:(?:\s+and\s+|\s*/\s*|\s+)[A-Za-z]+){0,3})\s*\Z"
)


# Sentence ends: [.!?] then whitespace then a capital, digit or bracket; a section label glued to
# the previous sentence ("(TBI).Design:"); or a line break. A regex rather than spaCy's
# sentencizer: same rule, but the sentencizer plus iterating ``doc.sents`` cost a third of the
# tokeniser's time in the benchmark, and this splitter also handles the glued labels.
SENTENCE_BREAK = re.compile(
    r"[.!?](?:(?P<space>\s+)(?=[A-Z0-9(\[\"\u201c])|(?<=[a-z0-9)\]]\.)(?=[A-Z][a-z]+(?:\s[a-z]+)?:))"
    r"|\n\s*"
)
# Words whose final period is not a sentence end.
NON_FINAL_ABBREVIATIONS = frozenset(
    {"e.g.", "i.e.", "vs.", "al.", "approx.", "dr.", "fig.", "no.", "ca.", "cf.", "resp."}
)

# A lower-case dotted abbreviation ("t.i.d.", "b.i.d.", "p.o.") before a bracket ends no
# sentence: "10 mg t.i.d. (= 0.0214, Wald test)" is one sentence with its p-value ("40 mg p.o.
# Tracings were ..." still ends one).
DOTTED_ABBREVIATION = re.compile(r"(?:[a-z]\.){2,}")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets; whitespace between sentences belongs to neither."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in SENTENCE_BREAK.finditer(text):
        is_newline = text[m.start()] == "\n"
        end = m.start() if is_newline else m.start() + 1  # the period belongs to its sentence
        if not is_newline:
            word_start = text.rfind(" ", 0, m.start()) + 1
            word = text[word_start:end]
            if word.lower() in NON_FINAL_ABBREVIATIONS or (
                DOTTED_ABBREVIATION.fullmatch(word) and text[m.end() : m.end() + 1] in ("(", "[")
            ):
                continue
        while end > start and text[end - 1] in " \t\r":
            end -= 1
        if end > start:
            bounds.append((start, end))
        start = m.end()
    if start < len(text) or not bounds:
        bounds.append((start, len(text)))
    return bounds


class Boundary(Enum):
    """Kinds of clause boundary inside a sentence. A mark's span is the punctuation and the
    conjunction; the clause after it starts at the mark's end."""

    SEMICOLON = "semicolon"  # "; "
    CONTRAST = "contrast"  # ", while", ", whereas", ", but"
    NUMBERED_ITEM = "numbered_item"  # "... 2) FIM scores improved" ("(A2) rose" is a label)
    COORDINATION = "coordination"  # ", and"
    BRACKET_COORDINATION = "bracket_coordination"  # "(...; p = 0.002) and had less ..."


BOUNDARY_PATTERNS: dict[Boundary, re.Pattern[str]] = {
    Boundary.SEMICOLON: re.compile(r";\s"),
    Boundary.CONTRAST: re.compile(r",\s+(?:while|whereas|but)\b"),
    Boundary.NUMBERED_ITEM: re.compile(r"(?<![(\w.\u00b7])\d\)\s"),  # not "0.6) "
    Boundary.COORDINATION: re.compile(r",\s+and\b"),
    Boundary.BRACKET_COORDINATION: re.compile(r"[)\]]\s+(?:and|but|while|whereas)\b"),
}
# The boundaries a clause never spans: its subject is never across "; " or ", while".
CLAUSE = frozenset({Boundary.SEMICOLON, Boundary.CONTRAST, Boundary.NUMBERED_ITEM})
# A finding's own clause ahead of it also ends at ", and" ("fell from 3 to 1, and the dose ...").
CLAUSE_AHEAD = frozenset(
    {
        Boundary.SEMICOLON,
        Boundary.CONTRAST,
        Boundary.COORDINATION,
        Boundary.BRACKET_COORDINATION,
    }
)
# A sentence part: a count's group statement ("8 (24%) of the 33 patients ...") never crosses "; ".
SENTENCE_PART = frozenset({Boundary.SEMICOLON})
# A timepoint stops applying at the next clause ("; ", ", while", ", but") ...
TIMEPOINT_CLAUSE = frozenset({Boundary.SEMICOLON, Boundary.CONTRAST})
# ... and a pair's own timepoint after it also at ", and".
TIMEPOINT_CLAUSE_AHEAD = frozenset({Boundary.SEMICOLON, Boundary.CONTRAST, Boundary.COORDINATION})


@dataclass(frozen=True, slots=True)
class Mark:
    kind: Boundary
    start: int
    end: int


# Section labels whose text is the disease's or the field's context, not this study's findings.
BACKGROUND_SECTIONS = frozenset(
    {"background", "introduction", "context", "rationale", "background and purpose"}
)


@dataclass(slots=True)
class Scope:
    """One field prepared for extraction: text, spaCy doc, sentence and section bounds, clause
    marks per sentence (found on first use), and a factory for provenance records so every
    mention is built the same way."""

    field: Field
    text: str
    doc: Doc
    sent_starts: list[int]
    sent_ends: list[int]
    section_starts: list[int]
    section_labels: list[str | None]
    _sentences: dict[int, SentenceRef] = dataclass_field(default_factory=dict)
    _marks: dict[int, list[Mark]] = dataclass_field(default_factory=dict)

    # Sentences ---------------------------------------------------------------------------
    def sentence_index(self, offset: int) -> int:
        return max(0, bisect_right(self.sent_starts, offset) - 1)

    def sentence_bounds(self, offset: int) -> tuple[int, int]:
        index = self.sentence_index(offset)
        if not self.sent_starts:
            return 0, len(self.text)
        return self.sent_starts[index], self.sent_ends[index]

    def sentence_start(self, offset: int) -> int:
        return self.sentence_bounds(offset)[0]

    def sentence_end(self, offset: int) -> int:
        return self.sentence_bounds(offset)[1]

    def sentences_with(self, lowered: str, literals: Sequence[str]) -> list[int]:
        """Indices of the sentences holding any of ``literals`` in ``lowered`` (the lower-cased
        text; C-speed ``str.find``, each sentence looked up once)."""
        found: set[int] = set()
        if not self.sent_starts:
            return []
        for literal in literals:
            index = lowered.find(literal)
            while index >= 0:
                sentence = self.sentence_index(index)
                found.add(sentence)
                index = lowered.find(literal, max(index + 1, self.sent_ends[sentence]))
        return sorted(found)

    # Clauses -----------------------------------------------------------------------------
    def marks(self, sentence: int) -> list[Mark]:
        """The clause marks of sentence ``sentence``, in text order (found once)."""
        found = self._marks.get(sentence)
        if found is None:
            if self.sent_starts:
                s_start, s_end = self.sent_starts[sentence], self.sent_ends[sentence]
            else:
                s_start, s_end = 0, len(self.text)
            found = sorted(
                (
                    Mark(kind, m.start(), m.end())
                    for kind, pattern in BOUNDARY_PATTERNS.items()
                    for m in pattern.finditer(self.text, s_start, s_end)
                ),
                key=lambda mark: (mark.start, mark.end),
            )
            self._marks[sentence] = found
        return found

    def clause_start(self, position: int, kinds: frozenset[Boundary] = CLAUSE) -> int:
        """Where the clause holding ``position`` starts: the end of the last mark of ``kinds``
        that ends at or before ``position`` in its sentence, else the sentence start."""
        return self.clause_start_from(self.sentence_start(position), position, kinds)

    def clause_start_from(
        self, begin: int, position: int, kinds: frozenset[Boundary] = CLAUSE
    ) -> int:
        """``clause_start`` with the search starting at ``begin`` (not before it)."""
        sentence = self.sentence_index(position)
        return max(
            (
                m.end
                for m in self.marks(sentence)
                if m.kind in kinds and begin <= m.start and m.end <= position
            ),
            default=begin,
        )

    def clause_end(
        self, position: int, limit: int | None = None, kinds: frozenset[Boundary] = CLAUSE_AHEAD
    ) -> int:
        """Where the clause holding ``position`` ends: the start of the first mark of ``kinds``
        at or after ``position`` that ends by ``limit`` (default: the sentence end), else
        ``limit``."""
        s_end = self.sentence_end(position)
        stop = s_end if limit is None else limit
        sentence = self.sentence_index(position)
        return next(
            (
                m.start
                for m in self.marks(sentence)
                if m.kind in kinds and position <= m.start and m.end <= stop
            ),
            stop,
        )

    def boundary_between(self, start: int, end: int, kinds: frozenset[Boundary] = CLAUSE) -> bool:
        """Whether a mark of ``kinds`` lies wholly between ``start`` and ``end`` (same sentence
        as ``start``), or a sentence ends between them."""
        sentence = self.sentence_index(start)
        if self.sent_starts and end > self.sent_ends[sentence]:
            return True
        return any(
            m.kind in kinds and start <= m.start and m.end <= end for m in self.marks(sentence)
        )

    def sentence_part(self, position: int) -> tuple[int, int]:
        """The part of the sentence holding ``position`` from the last "; " before it (else the
        sentence start) to the sentence end."""
        return self.clause_start(position, SENTENCE_PART), self.sentence_end(position)

    # Sections and provenance ---------------------------------------------------------------
    def section_at(self, offset: int) -> str | None:
        index = bisect_right(self.section_starts, offset) - 1
        return self.section_labels[index] if index >= 0 else None

    def in_background(self, offset: int) -> bool:
        """Whether ``offset`` sits in a background/introduction section (context, not findings)."""
        return (self.section_at(offset) or "").lower() in BACKGROUND_SECTIONS

    def sentence_ref(self, offset: int) -> SentenceRef:
        """The sentence holding ``offset``, one shared object per sentence."""
        index = self.sentence_index(offset)
        ref = self._sentences.get(index)
        if ref is None:
            s_start, s_end = self.sentence_bounds(offset)
            ref = self._sentences[index] = SentenceRef(index, s_start, s_end)
        return ref

    def prov(self, start: int, end: int, rule_id: str) -> Provenance:
        return Provenance(
            field=self.field,
            start=start,
            end=end,
            text=self.text[start:end],
            sentence=self.sentence_ref(start),
            section=self.section_at(start),
            rule_id=rule_id,
        )


OPENING_BRACKET = re.compile(r"\s*[(\[]")
BRACKET_REACH = 200  # characters a bracket group is followed for before giving up


def bracket_end(text: str, start: int) -> int:
    """Offset of the bracket closing the group opened at or right after ``start`` (nesting
    counted, within ``BRACKET_REACH`` characters), else -1."""
    opened = OPENING_BRACKET.match(text, start)
    if not opened:
        return -1
    depth = 0
    for index in range(opened.end() - 1, min(len(text), opened.end() + BRACKET_REACH)):
        if text[index] in "([":
            depth += 1
        elif text[index] in ")]":
            depth -= 1
            if depth == 0:
                return index
    return -1


def build_scope(
    field: Field, text: str, doc: Doc, sections: Sequence[tuple[str | None, int, int]] = ()
) -> Scope:
    """Sentence bounds from ``split_sentences``; sections from the record, else inline labels."""
    bounds = split_sentences(text)
    starts = [start for start, _ in bounds]
    ends = [end for _, end in bounds]
    if sections:
        ordered = sorted(sections, key=lambda s: s[1])
        sec_starts = [start for _, start, _ in ordered]
        sec_labels = [label for label, _, _ in ordered]
    else:
        # Found colon-first (a literal search), then the label is matched just before it.
        found = []
        colon = text.find(":")
        while colon >= 0:
            if text[colon + 1 : colon + 2].isspace():
                m = INLINE_SECTION_LABEL.search(text, max(0, colon - 45), colon)
                if m:
                    found.append(m)
            colon = text.find(":", colon + 1)
        sec_starts = [m.start() for m in found]
        sec_labels = [m.group("label") for m in found]
    return Scope(field, text, doc, starts, ends, sec_starts, sec_labels)
