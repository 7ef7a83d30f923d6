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
from extractors.scan import GatedPattern

CONCEPT_PATTERNS_FILE = "concept_patterns.yaml"


@dataclass(frozen=True, slots=True)
class ConceptPattern:
    id: str
    kind: str  # the concept kind it counts for: hsp | itb
    gated: GatedPattern


@cache
def load_concept_patterns() -> tuple[ConceptPattern, ...]:
    """The compiled rules; a malformed entry fails loudly, naming the file and entry."""
    rules: list[ConceptPattern] = []
    for number, raw in enumerate(yaml.safe_load(_read_text(CONCEPT_PATTERNS_FILE)), start=1):
        where = f"{CONCEPT_PATTERNS_FILE}[{number}]"
        if set(raw) != {"id", "kind", "pattern", "triggers"}:
            raise LexiconError(f"{where}: needs exactly id, kind, pattern, triggers")
        try:
            pattern = re.compile(str(raw["pattern"]))
        except re.error as exc:
            raise LexiconError(f"{where} ({raw['id']}): bad pattern: {exc}") from exc
        triggers = tuple(str(t).lower() for t in raw["triggers"])
        rules.append(
            ConceptPattern(str(raw["id"]), str(raw["kind"]), GatedPattern(pattern, triggers))
        )
    return tuple(rules)


def concept_pattern_spans(text: str, lowered: str, kind: str) -> list[tuple[int, int, str]]:
    """(start, end, rule id) of every pattern hit for ``kind`` in ``text``."""
    spans: list[tuple[int, int, str]] = []
    for rule in load_concept_patterns():
        if rule.kind == kind and rule.gated.may_match(text, lowered):
            spans += [(m.start(), m.end(), rule.id) for m in rule.gated.pattern.finditer(text)]
    return spans
