"""Pattern rules for study-flag concepts (lexicons/concept_patterns.yaml).

Why patterns beside the phrase lexicon: HSP subtypes are numbered loci ("SPG15", "SPG-4",
"spastic paraplegia type 5") and a closed synonym list always lags the genetics; each pattern hit
counts towards the concept's flag exactly like a lexicon mention, with its rule id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import yaml

from extractors.lexicon import LexiconError, _read_text
from extractors.scan import DOTLESS_I, LONG_S, GatedPattern

CONCEPT_PATTERNS_FILE = "concept_patterns.yaml"
RULE_KEYS = frozenset({"id", "kind", "pattern", "triggers", "weight", "window"})


@dataclass(frozen=True, slots=True)
class ConceptPattern:
    id: str
    kind: str  # the concept kind it counts for: hsp | itb
    gated: GatedPattern
    # Mentions one hit counts as: 2 for a phrase that itself says who was studied ("spastic
    # paraparesis (hereditary in 12, ...)"), where the flag otherwise needs two mentions.
    weight: int = 1
    # When set, the pattern is searched only within this many characters of each trigger
    # occurrence instead of over the whole text: HSP abstracts are full of a rule's triggers
    # ("with hereditary"), and a whole-text scan by a pattern that cannot start with a literal
    # cost more than the rest of the flag rules (measured).
    window: int | None = None


@cache
def load_concept_patterns() -> tuple[ConceptPattern, ...]:
    """The compiled rules; a malformed entry fails loudly, naming the file and entry."""
    rules: list[ConceptPattern] = []
    for number, raw in enumerate(yaml.safe_load(_read_text(CONCEPT_PATTERNS_FILE)), start=1):
        where = f"{CONCEPT_PATTERNS_FILE}[{number}]"
        if not {"id", "kind", "pattern", "triggers"} <= set(raw) <= RULE_KEYS:
            raise LexiconError(f"{where}: needs id, kind, pattern, triggers (optional weight)")
        weight = raw.get("weight", 1)
        if not isinstance(weight, int) or weight < 1:
            raise LexiconError(f"{where} ({raw['id']}): weight must be a positive integer")
        try:
            pattern = re.compile(str(raw["pattern"]))
        except re.error as exc:
            raise LexiconError(f"{where} ({raw['id']}): bad pattern: {exc}") from exc
        window = raw.get("window")
        if window is not None and (not isinstance(window, int) or window < 1):
            raise LexiconError(f"{where} ({raw['id']}): window must be a positive integer")
        triggers = tuple(str(t).lower() for t in raw["triggers"])
        rules.append(
            ConceptPattern(
                str(raw["id"]), str(raw["kind"]), GatedPattern(pattern, triggers), weight, window
            )
        )
    return tuple(rules)


def concept_pattern_spans(text: str, lowered: str, kind: str) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of every pattern hit for ``kind`` in ``text``; a hit of a rule with
    weight w is listed w times (callers count mentions). A pattern with a group named ``span``
    reports that group's offsets: "HSP (n = 6)" is matched whole but counted at "(n = 6)", so it
    does not overlap the lexicon term it follows."""
    spans: list[tuple[int, int, str]] = []
    for rule in load_concept_patterns():
        if rule.kind != kind or not rule.gated.may_match(text, lowered):
            continue
        pattern = rule.gated.pattern
        group = "span" if "span" in pattern.groupindex else 0
        found = {
            m.span(group)
            for lo, hi in _search_ranges(rule, text, lowered)
            for m in pattern.finditer(text, lo, hi)
        }
        spans += [(start, end, rule.id) for start, end in sorted(found) for _ in range(rule.weight)]
    return spans


def _search_ranges(rule: ConceptPattern, text: str, lowered: str) -> list[tuple[int, int]]:
    """The whole text, or the merged windows around each trigger occurrence."""
    if rule.window is None:
        return [(0, len(text))]
    starts = sorted(
        index for trigger in rule.gated.lowered_literals for index in _occurrences(lowered, trigger)
    )
    if not starts or DOTLESS_I in text or LONG_S in text:
        return [(0, len(text))]
    ranges: list[tuple[int, int]] = []
    for index in starts:
        lo, hi = max(0, index - rule.window), min(len(text), index + rule.window)
        if ranges and lo <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], hi)
        else:
            ranges.append((lo, hi))
    return ranges


def _occurrences(haystack: str, needle: str) -> list[int]:
    found, index = [], haystack.find(needle)
    while index >= 0:
        found.append(index)
        index = haystack.find(needle, index + 1)
    return found
