"""One field (title or abstract) prepared for extraction: text, spaCy doc, sentence and section
bounds, and a factory for provenance records so every mention is built the same way.

A provenance points to its sentence (one shared ``SentenceRef`` per sentence) rather than copying
its text: memory stays linear in the field's length however long a sentence runs.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

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


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets; whitespace between sentences belongs to neither."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in SENTENCE_BREAK.finditer(text):
        is_newline = text[m.start()] == "\n"
        end = m.start() if is_newline else m.start() + 1  # the period belongs to its sentence
        if not is_newline:
            word_start = text.rfind(" ", 0, m.start()) + 1
            if text[word_start:end].lower() in NON_FINAL_ABBREVIATIONS:
                continue
        while end > start and text[end - 1] in " \t\r":
            end -= 1
        if end > start:
            bounds.append((start, end))
        start = m.end()
    if start < len(text) or not bounds:
        bounds.append((start, len(text)))
    return bounds


@dataclass(slots=True)
class FieldContext:
    field: Field
    text: str
    doc: Doc
    sent_starts: list[int]
    sent_ends: list[int]
    section_starts: list[int]
    section_labels: list[str | None]
    _sentences: dict[int, SentenceRef] = dataclass_field(default_factory=dict)

    def sentence_index(self, offset: int) -> int:
        return max(0, bisect_right(self.sent_starts, offset) - 1)

    def sentence_bounds(self, offset: int) -> tuple[int, int]:
        index = self.sentence_index(offset)
        if not self.sent_starts:
            return 0, len(self.text)
        return self.sent_starts[index], self.sent_ends[index]

    def section_at(self, offset: int) -> str | None:
        index = bisect_right(self.section_starts, offset) - 1
        return self.section_labels[index] if index >= 0 else None

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


def build_context(
    field: Field, text: str, doc: Doc, sections: Sequence[tuple[str | None, int, int]] = ()
) -> FieldContext:
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
    return FieldContext(field, text, doc, starts, ends, sec_starts, sec_labels)
