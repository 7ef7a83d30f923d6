"""Lexicons and cue lists are data files beside the code; this module loads and validates them.

Why a loader with validation: a typo in a data file (an unknown key, a missing id) would otherwise
silently disable a rule. Loading fails loudly, naming the file and line, as medspaCy's rule
classes do.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

LEXICON_PACKAGE = "extractors.lexicons"
_ENTRY_KEYS = {
    "id",
    "canonical",
    "synonyms",
    "abbreviations",
    "kind",
    "route",
    "route_by_unit",
    "negatable",
    "joint_qualified",
    "muscle_qualified",
    "needs_finding",
    "free_text",
    "classification",
    "note",
    "domain",
    "sources",
    "short_forms",
    "bare_forms",
    "rates",
}


class LexiconError(ValueError):
    """A lexicon data file is malformed; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One concept: canonical name, surface forms, and the rule id copied onto its mentions."""

    id: str
    canonical: str
    synonyms: tuple[str, ...] = ()
    abbreviations: tuple[str, ...] = ()  # matched case-sensitively
    kind: str = ""
    route: str | None = None
    route_by_unit: dict[str, str] = field(default_factory=dict)
    negatable: bool = False  # "no complications" is not a reported outcome
    joint_qualified: bool = False  # "range of motion of the knee" -> "Knee range of motion"
    muscle_qualified: bool = False  # "soleus H-reflex amplitude" keeps its muscle (guide N9)
    needs_finding: bool = False  # an outcome only where the sentence tests or compares it
    # A free-text measure ("Pain", "Quality of life", "Cobb angle"), not a named instrument: an
    # outcome only where a result or a Methods statement says it was measured (guide O3).
    free_text: bool = False
    # A grading that also describes who took part ("AIS grades A-D", a baseline EDSS): gated like
    # a free-text measure (guide O4: baseline descriptors and classifications are not outcomes).
    classification: bool = False
    domain: str = ""  # outcome vocabulary: spasticity, gait, pain, adverse events ...
    sources: tuple[str, ...] = ()  # catalogue pages checked for the name (README: provenance)
    # Short or generic forms ("Ashworth", "spasm score") that name this instrument only where the
    # abstract names it in full too (extractors/references.py resolves them).
    short_forms: tuple[str, ...] = ()
    # The construct's bare word ("spasticity", "pain", "strength") for a free-text measure: as
    # often the condition treated or the background as a measure, so it names the entry only
    # where its own clause reports a finding or a measurement on it and no instrument of the
    # same domain is reported (guide O3, O6; extractors/outcome_gate.py decides).
    bare_forms: tuple[str, ...] = ()
    # A construct's version of a generic rating scale: (generic scale entry id, construct entry
    # id), e.g. ("outcome.nrs", "outcome.pain") for "Pain Numeric Rating Scale". A generic scale
    # mention names this entry where the construct is written beside it (guide N6;
    # extractors/references.py resolves it).
    rates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DesignCue:
    id: str
    design: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]

    def search(self, text: str, lowered: str) -> re.Match[str] | None:
        """The cue in ``text`` (``lowered`` is its lower-case copy for the literal pre-check)."""
        # Search only in windows around each trigger: a whole-text scan of an alternation-heavy
        # pattern costs more than tokenising the abstract.
        for trigger in self.triggers:
            index = lowered.find(trigger)
            while index >= 0:
                found = self.pattern.search(text, max(0, index - 80), index + len(trigger) + 80)
                if found:
                    return found
                index = lowered.find(trigger, index + 1)
        return None


def _read_text(name: str) -> str:
    return resources.files(LEXICON_PACKAGE).joinpath(name).read_text(encoding="utf-8")


def _entry_from_dict(raw: dict[str, Any], where: str) -> LexiconEntry:
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        raise LexiconError(
            f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_ENTRY_KEYS)}"
        )
    if not isinstance(raw.get("id"), str) or not isinstance(raw.get("canonical"), str):
        raise LexiconError(f"{where}: 'id' and 'canonical' must be strings")
    return LexiconEntry(
        id=raw["id"],
        canonical=raw["canonical"],
        synonyms=tuple(raw.get("synonyms", ())),
        abbreviations=tuple(raw.get("abbreviations", ())),
        kind=str(raw.get("kind", "")),
        route=raw.get("route"),
        route_by_unit=dict(raw.get("route_by_unit", {})),
        negatable=bool(raw.get("negatable", False)),
        joint_qualified=bool(raw.get("joint_qualified", False)),
        muscle_qualified=bool(raw.get("muscle_qualified", False)),
        needs_finding=bool(raw.get("needs_finding", False)),
        free_text=bool(raw.get("free_text", False)),
        classification=bool(raw.get("classification", False)),
        domain=str(raw.get("domain", "")),
        sources=_strings(raw.get("sources", ()), "sources", where),
        short_forms=_strings(raw.get("short_forms", ()), "short_forms", where),
        bare_forms=_strings(raw.get("bare_forms", ()), "bare_forms", where),
        rates=_rates(raw.get("rates", ()), where),
    )


def _rates(value: Any, where: str) -> tuple[str, ...]:
    rates = _strings(value, "rates", where)
    if rates and len(rates) != 2:
        raise LexiconError(f"{where}: 'rates' must be [generic scale id, construct id]")
    return rates


def _strings(value: Any, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise LexiconError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


@cache
def load_entries(name: str) -> tuple[LexiconEntry, ...]:
    """Entries of one JSONL lexicon (``outcomes.jsonl``, ``drugs.jsonl``, ...), ids unique."""
    entries: list[LexiconEntry] = []
    seen: set[str] = set()
    for number, line in enumerate(_read_text(name).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{name} line {number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise LexiconError(f"{where}: not JSON ({exc})") from exc
        entry = _entry_from_dict(raw, where)
        if entry.id in seen:
            raise LexiconError(f"{where}: duplicate id {entry.id!r}")
        seen.add(entry.id)
        entries.append(entry)
    return tuple(entries)


@cache
def load_design_cues() -> dict[str, tuple[DesignCue, ...]]:
    """Design cues per scope (publication_types, title, abstract), in priority order."""
    raw = yaml.safe_load(_read_text("design.yaml"))
    cues: dict[str, tuple[DesignCue, ...]] = {}
    for scope in ("publication_types", "title", "abstract"):
        items = []
        for number, item in enumerate(raw.get(scope, []), start=1):
            if set(item) != {"id", "design", "pattern", "triggers"}:
                raise LexiconError(
                    f"design.yaml {scope}[{number}]: needs exactly id, design, pattern, triggers"
                )
            triggers = tuple(str(t).lower() for t in item["triggers"])
            items.append(
                DesignCue(item["id"], item["design"], re.compile(item["pattern"], re.I), triggers)
            )
        cues[scope] = tuple(items)
    return cues
