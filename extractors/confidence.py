"""Calibrated confidence: a tier (``high``/``medium``/``low``) on every extracted value and link.

Why: a reviewer checks every number, and a sure value and a guess looked alike. Each value gets a
set of *evidence* flags read from the extraction itself (a lexicon hit or free text, how far a link
reaches, whether its scope holds competing candidates, whether two independent rules agree, an
explicit unit or marker, the typed ``LinkReason`` a link was made for ...); the table
``lexicons/confidence.yaml`` maps evidence (and a link's reason) to a tier, per kind of value,
first matching row wins, else ``low``. The table is data, calibrated on the real
dev split only (``itb-evidence evaluate`` prints precision and coverage per tier), so recalibrating
never touches code. Nothing here branches on rule ids: evidence is derived from typed fields, the
mention's sentence reference and the field's text.

``assign_confidence`` is pure (an extraction in, a new one out) and runs once at the end of
``extract_study``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import TypeVar, get_args

import yaml

from extractors.lexicon import LexiconEntry, LexiconError, _read_text, load_design_cues
from extractors.nlp import get_pipeline
from extractors.scan import lower_same_length
from extractors.study import load_sentence_cues, search_sentences
from extractors.types import (
    Confidence,
    DoseMention,
    LinkReason,
    OutcomeMention,
    Provenance,
    PValue,
    ResultPair,
    SentenceRef,
    StudyExtraction,
)

TIERS: tuple[Confidence, ...] = get_args(Confidence)


class ValueKind(StrEnum):
    """The kinds of value (and link) a tier is assigned to: the top-level keys of the table."""

    OUTCOME = "outcome"
    P_VALUE = "p_value"
    P_LINK = "p_link"
    DOSE = "dose"
    DOSE_LINK = "dose_link"
    RESULT = "result"
    RESULT_LINK = "result_link"
    SAMPLE_SIZE = "sample_size"
    DESIGN = "design"


class Evidence(StrEnum):
    """Explicit evidence a tier can rest on (names used in ``lexicons/confidence.yaml``)."""

    # outcome measures
    IN_LEXICON = "in_lexicon"  # a lexicon instrument, not a free-text phrase
    NAMED_TWICE = "named_twice"  # the abstract names the measure more than once
    REPORTED = "reported"  # a p-value or a pre -> post result is linked to it
    INSTRUMENT = "instrument"  # its lexicon entry is a named instrument (it has a short form)
    EVENT = "event"  # its entry is negatable, an event ("complications"), often only background
    FREE_TEXT = "free_text"  # its entry is a free-text measure ("Pain"), gated by outcome_gate
    CLASSIFICATION = "classification"  # its entry also grades who took part ("GMFCS level")
    # p-values (extractors.pvalues.PValueKind)
    P_LABELLED = "p_labelled"  # "p = 0.03": the text writes "p" before the comparator
    P_NUMBER = "p_number"  # a number, not "NS" alone
    P_THRESHOLD = "p_threshold"  # "p < 0.05 was considered significant": a setting
    # links (p-value -> outcome, result -> outcome, dose -> drug)
    SAME_SENTENCE = "same_sentence"  # the linked mention is in the value's sentence
    SOLE_CANDIDATE = "sole_candidate"  # no other candidate in that sentence
    NEAR = "near"  # the linked mention is within NEAR_CHARS of the value
    TARGET_IN_LEXICON = "target_in_lexicon"  # the linked outcome is a lexicon instrument
    # doses (extractors.doses.DoseForm and the written unit)
    DOSE_VALUE = "dose_value"  # a central value (not only a range)
    DRUG_NAMED = "drug_named"  # a drug is attached
    ROUTE_KNOWN = "route_known"
    DAILY_UNIT = "daily_unit"  # the unit is a daily rate (ug/day, mg/day): no per-day reading
    DOSE_RESTATED = "dose_restated"  # an earlier dose has the same value and unit: a repeat
    DOSE_BOUND = "dose_bound"  # "doses greater than 7.5 mg": a worded bound, maybe no dose given
    # results (extractors.results.PairForm)
    RESULT_P = "result_p"  # the pair carries its p-value
    RESULT_UNIT = "result_unit"  # the pair states a unit
    RESULT_TIMEPOINT = "result_timepoint"  # the post value's time point is known
    # sample size
    PEOPLE_NOUN = "people_noun"  # the span counts people ("12 patients", "n = 12 children")
    SAMPLE_REPEATED = "sample_repeated"  # the same number is written elsewhere in the abstract
    CASE_REPORT = "case_report"  # one patient of a case report
    # design
    DESIGN_STATED = "design_stated"  # a design cue states it (not a fallback guess)
    DESIGN_AGREES = "design_agrees"  # two independent sources (publication type, title,
    # abstract) state it
    PUBLICATION_TYPE = "publication_type"  # PubMed's publication type states it


# A linked mention this close (characters between its end and the value's start) is "near".
NEAR_CHARS = 60
P_MARKER = re.compile(r"[(\[]?\s*p\b", re.I)
# A worded bound right before a dose ("doses greater than 7.5 mg", "up to 40 mg"); doses.py keeps
# these (the amount given is often written so), the tier does not trust them.
WORDED_BOUND = re.compile(
    r"\b(?:(?:more|greater|less|fewer|higher|lower)\s+than|at\s+(?:least|most)|up\s+to|above|"
    r"below|over|under|exceeding)\s*$",
    re.I,
)
BOUND_WINDOW = 24
PEOPLE = re.compile(
    r"\b(?:patients?|participants?|subjects?|children|adults?|individuals?|persons?|people|"
    r"volunteers?|cases?|women|men|boys|girls|infants?|adolescents?|users?|recipients?)\b",
    re.I,
)


@dataclass(frozen=True, slots=True)
class TierRule:
    """One row of the table: ``tier`` when all of ``needs`` and none of ``excludes`` is present
    and, for a link, its ``LinkReason`` is one of ``reasons`` (None: any reason or none)."""

    tier: Confidence
    needs: frozenset[Evidence]
    excludes: frozenset[Evidence] = frozenset()
    reasons: frozenset[LinkReason] | None = None

    def holds(self, evidence: frozenset[Evidence], reason: LinkReason | None = None) -> bool:
        return (
            self.needs <= evidence
            and not (self.excludes & evidence)
            and (self.reasons is None or reason in self.reasons)
        )


ROW_KEYS = {"tier", "all", "none", "reason"}
REASONS = {r.value: r for r in LinkReason}


@cache
def load_table() -> dict[ValueKind, tuple[TierRule, ...]]:
    """``lexicons/confidence.yaml``: per kind, rows ``{tier, all: [evidence, ...], none: [...],
    reason: [link reason, ...]}`` tried in order. A malformed row (unknown kind, key, tier,
    evidence or reason) fails loudly."""
    raw = yaml.safe_load(_read_text("confidence.yaml")) or {}
    table: dict[ValueKind, tuple[TierRule, ...]] = {}
    for key, rows in raw.items():
        if key not in set(ValueKind):
            raise LexiconError(f"confidence.yaml: unknown value kind {key!r}")
        rules = []
        for number, row in enumerate(rows, start=1):
            where = f"confidence.yaml {key}[{number}]"
            if not isinstance(row, dict) or not {"tier", "all"} <= set(row) <= ROW_KEYS:
                raise LexiconError(
                    f"{where}: needs 'tier' and 'all' (and optionally 'none', 'reason')"
                )
            if row["tier"] not in TIERS:
                raise LexiconError(f"{where}: unknown tier {row['tier']!r}")
            listed = [*row["all"], *row.get("none", [])]
            unknown = [e for e in listed if e not in set(Evidence)]
            if unknown:
                raise LexiconError(f"{where}: unknown evidence {', '.join(map(str, unknown))}")
            reasons = row.get("reason")
            strange = [r for r in reasons or () if r not in REASONS]
            if strange:
                raise LexiconError(f"{where}: unknown link reason {', '.join(map(str, strange))}")
            rules.append(
                TierRule(
                    row["tier"],
                    frozenset(Evidence(e) for e in row["all"]),
                    frozenset(Evidence(e) for e in row.get("none", [])),
                    None if reasons is None else frozenset(REASONS[r] for r in reasons),
                )
            )
        table[ValueKind(key)] = tuple(rules)
    missing = [k.value for k in ValueKind if k not in table]
    if missing:
        raise LexiconError(f"confidence.yaml: no rows for {', '.join(missing)}")
    return table


def tier(
    kind: ValueKind, evidence: Iterable[Evidence], reason: LinkReason | None = None
) -> Confidence:
    """The tier of the first row of ``kind`` that holds for ``evidence`` (and a link's
    ``reason``), else ``low``."""
    have = frozenset(evidence)
    for rule in load_table()[kind]:
        if rule.holds(have, reason):
            return rule.tier
    return "low"


def _sentence_index(prov: Provenance) -> int | None:
    return prov.sentence.index if isinstance(prov.sentence, SentenceRef) else None


def _link_evidence(
    value: Provenance, target: str | None, candidates: Sequence[tuple[str, Provenance]]
) -> set[Evidence]:
    """Evidence for a link from ``value`` to the candidate named ``target``: where its nearest
    mention sits, and whether the sentence offers another candidate."""
    if target is None:
        return set()
    sentence = _sentence_index(value)
    same = [
        (name, p)
        for name, p in candidates
        if p.field == value.field and sentence is not None and _sentence_index(p) == sentence
    ]
    evidence: set[Evidence] = set()
    mine = [p for name, p in same if name == target]
    if mine:
        evidence.add(Evidence.SAME_SENTENCE)
        gap = min(
            value.start - p.end if p.end <= value.start else p.start - value.end for p in mine
        )
        if 0 <= gap <= NEAR_CHARS:
            evidence.add(Evidence.NEAR)
        if all(name == target for name, _ in same):
            evidence.add(Evidence.SOLE_CANDIDATE)
    return evidence


def outcome_evidence(se: StudyExtraction) -> dict[str, set[Evidence]]:
    """Evidence per outcome name (a measure is judged once per abstract, over its mentions)."""
    counts: dict[str, int] = {}
    for o in se.outcome_measures:
        counts[o.name] = counts.get(o.name, 0) + 1
    reported = {p.outcome for p in se.p_values} | {r.outcome for r in se.results}
    out: dict[str, set[Evidence]] = {}
    for o in se.outcome_measures:
        ev = out.get(o.name)
        if ev is not None:
            continue
        ev = out[o.name] = set()
        entry = _outcome_entry(o.name)
        if o.in_lexicon:
            ev.add(Evidence.IN_LEXICON)
        if entry is not None:
            if entry.abbreviations:
                ev.add(Evidence.INSTRUMENT)
            if entry.negatable:
                ev.add(Evidence.EVENT)
            if entry.free_text:
                ev.add(Evidence.FREE_TEXT)
            if entry.classification:
                ev.add(Evidence.CLASSIFICATION)
        elif not o.in_lexicon:
            ev.add(Evidence.FREE_TEXT)
        if counts[o.name] > 1:
            ev.add(Evidence.NAMED_TWICE)
        if o.name in reported:
            ev.add(Evidence.REPORTED)
    return out


@cache
def _outcome_entry(name: str) -> LexiconEntry | None:
    found = get_pipeline().by_phrase.get(name.lower())
    return found[1] if found is not None and found[0] == "outcomes.jsonl" else None


def p_value_evidence(p: PValue) -> set[Evidence]:
    ev: set[Evidence] = set()
    if P_MARKER.match(p.prov.text):
        ev.add(Evidence.P_LABELLED)
    if p.value is not None:
        ev.add(Evidence.P_NUMBER)
    return ev


def dose_evidence(d: DoseMention, text: str = "", restated: bool = False) -> set[Evidence]:
    """``text`` is the dose's field (for a bound written before it); ``restated``: an earlier
    dose of the abstract has the same value, range and unit."""
    ev: set[Evidence] = set()
    if restated:
        ev.add(Evidence.DOSE_RESTATED)
    if text and WORDED_BOUND.search(text[max(0, d.prov.start - BOUND_WINDOW) : d.prov.start]):
        ev.add(Evidence.DOSE_BOUND)
    if d.value is not None:
        ev.add(Evidence.DOSE_VALUE)
    if d.drug is not None:
        ev.add(Evidence.DRUG_NAMED)
    if d.route is not None:
        ev.add(Evidence.ROUTE_KNOWN)
    if d.unit.endswith("/day"):
        ev.add(Evidence.DAILY_UNIT)
    return ev


def result_evidence(r: ResultPair) -> set[Evidence]:
    ev: set[Evidence] = set()
    if r.p is not None:
        ev.add(Evidence.RESULT_P)
    if r.unit is not None:
        ev.add(Evidence.RESULT_UNIT)
    if r.timepoint is not None:
        ev.add(Evidence.RESULT_TIMEPOINT)
    return ev


def sample_evidence(se: StudyExtraction) -> set[Evidence]:
    sample = se.sample_size
    if sample is None:
        return set()
    ev: set[Evidence] = set()
    if sample.prov.start == sample.prov.end and sample.n == 1 and se.design == "case report":
        ev.add(Evidence.CASE_REPORT)
    if PEOPLE.search(sample.prov.text):
        ev.add(Evidence.PEOPLE_NOUN)
    if _written_elsewhere(se.field_text(sample.prov.field), str(sample.n), sample.prov):
        ev.add(Evidence.SAMPLE_REPEATED)
    return ev


def _written_elsewhere(text: str, number: str, prov: Provenance) -> bool:
    """``number`` as a whole number outside ``prov``'s span (a ``str.find`` scan: a regex per
    record would miss the ``re`` cache)."""
    start = text.find(number)
    while start != -1:
        end = start + len(number)
        before = text[start - 1] if start else ""
        after = text[end : end + 2]
        whole = not (before.isdigit() or before in ".,") and not (
            after[:1].isdigit() or (after[:1] in ".," and after[1:2].isdigit())
        )
        if whole and not (start < prov.end and prov.start < end):
            return True
        start = text.find(number, start + 1)
    return False


def design_sources(
    design: str, title: str, abstract: str, publication_types: Sequence[str]
) -> list[str]:
    """The independent sources that state ``design``, each read on its own with the design cues
    of ``design.yaml``: ``publication_types``, ``title``, ``abstract`` (phrase and sentence
    cues). Only the cues of ``design`` are tried (the extractor has chosen it already)."""
    sources: list[str] = []
    cues = load_design_cues()
    lowered = lower_same_length(abstract)
    for scope, lowered_texts in (
        ("publication_types", [(text, text.lower()) for text in publication_types]),
        ("title", [(title, title.lower())]),
        ("abstract", [(abstract, lowered)]),
    ):
        if any(
            cue.search(text, low)
            for cue in cues[scope]
            if cue.design == design
            for text, low in lowered_texts
        ):
            sources.append(scope)
    if "abstract" not in sources and any(
        cue.design == design and search_sentences(cue, abstract, lowered)
        for scope_cues in load_sentence_cues().values()
        for cue in scope_cues
    ):
        sources.append("abstract")
    return sources


def design_evidence(se: StudyExtraction, publication_types: Sequence[str]) -> set[Evidence]:
    sources = design_sources(se.design, se.title, se.abstract, publication_types)
    ev: set[Evidence] = set()
    if sources:
        ev.add(Evidence.DESIGN_STATED)
    if len(sources) >= 2:
        ev.add(Evidence.DESIGN_AGREES)
    if "publication_types" in sources:
        ev.add(Evidence.PUBLICATION_TYPE)
    return ev


@dataclass(frozen=True, slots=True)
class ExtractionEvidence:
    """The evidence of every value of one extraction, in the extraction's order (a link's is
    None where nothing is linked). ``assign_confidence`` maps it to tiers; calibration reads it."""

    outcomes: dict[str, set[Evidence]]
    p_values: list[set[Evidence]]
    p_links: list[set[Evidence] | None]
    doses: list[set[Evidence]]
    dose_links: list[set[Evidence] | None]
    results: list[set[Evidence]]
    result_links: list[set[Evidence] | None]
    sample_size: set[Evidence] | None
    design: set[Evidence]


def extraction_evidence(
    se: StudyExtraction, publication_types: Sequence[str] = ()
) -> ExtractionEvidence:
    """Every value's evidence (see ``Evidence``)."""
    outcome_mentions = [(o.name, o.prov) for o in se.outcome_measures]
    lexicon_names = {o.name for o in se.outcome_measures if o.in_lexicon}
    return ExtractionEvidence(
        outcomes=outcome_evidence(se),
        p_values=[p_value_evidence(p) for p in se.p_values],
        p_links=[
            _outcome_link_evidence(p.prov, p.outcome, outcome_mentions, lexicon_names)
            for p in se.p_values
        ],
        doses=_dose_evidence(se),
        dose_links=[set() if d.drug is not None else None for d in se.doses],
        results=[result_evidence(r) for r in se.results],
        result_links=[
            _outcome_link_evidence(r.prov, r.outcome, outcome_mentions, lexicon_names)
            for r in se.results
        ],
        sample_size=sample_evidence(se) if se.sample_size is not None else None,
        design=design_evidence(se, publication_types),
    )


def assign_confidence(
    se: StudyExtraction, *, publication_types: Sequence[str] = ()
) -> StudyExtraction:
    """``se`` with a tier on every value and link (see the module docstring)."""
    ev = extraction_evidence(se, publication_types)
    outcomes = tuple(
        _with_tiers(o, confidence=tier(ValueKind.OUTCOME, ev.outcomes[o.name]))
        for o in se.outcome_measures
    )
    p_values = tuple(
        _with_tiers(
            p,
            confidence=tier(ValueKind.P_VALUE, value),
            link_confidence=_link_tier(ValueKind.P_LINK, link, p.link_reason),
        )
        for p, value, link in zip(se.p_values, ev.p_values, ev.p_links, strict=True)
    )
    by_start = {p.prov.start: p for p in p_values}
    results = tuple(
        _with_tiers(
            r,
            p=by_start.get(r.p.prov.start, r.p) if r.p is not None else None,
            confidence=tier(ValueKind.RESULT, value),
            link_confidence=_link_tier(ValueKind.RESULT_LINK, link, r.link_reason),
        )
        for r, value, link in zip(se.results, ev.results, ev.result_links, strict=True)
    )
    doses = tuple(
        _with_tiers(
            d,
            confidence=tier(ValueKind.DOSE, value),
            link_confidence=_link_tier(ValueKind.DOSE_LINK, link, d.link_reason),
        )
        for d, value, link in zip(se.doses, ev.doses, ev.dose_links, strict=True)
    )
    return replace(
        se,
        outcome_measures=outcomes,
        p_values=p_values,
        results=results,
        doses=doses,
        sample_size_confidence=(
            tier(ValueKind.SAMPLE_SIZE, ev.sample_size) if ev.sample_size is not None else None
        ),
        design_confidence=tier(ValueKind.DESIGN, ev.design),
    )


Tiered = TypeVar("Tiered", OutcomeMention, DoseMention, PValue, ResultPair)


def _with_tiers(value: Tiered, **tiers: object) -> Tiered:
    """A copy of ``value`` with its tier fields set. Slot by slot: ``dataclasses.replace`` (which
    re-runs ``__init__``) and ``copy.copy`` (which reads the fields through the copy protocol)
    each cost a few per cent of extraction here (benchmarks/extract_throughput.py)."""
    cls = type(value)
    copied = object.__new__(cls)
    for name in cls.__slots__:
        object.__setattr__(copied, name, tiers[name] if name in tiers else getattr(value, name))
    return copied


def _dose_evidence(se: StudyExtraction) -> list[set[Evidence]]:
    seen: set[tuple[float | None, tuple[float, float] | None, str]] = set()
    out = []
    for d in se.doses:
        key = (d.value, d.range, d.unit)
        out.append(dose_evidence(d, se.field_text(d.prov.field), key in seen))
        seen.add(key)
    return out


def _outcome_link_evidence(
    value: Provenance,
    target: str | None,
    candidates: Sequence[tuple[str, Provenance]],
    lexicon_names: Collection[str],
) -> set[Evidence] | None:
    """A link's evidence (None when nothing is linked): where the outcome sits, and whether it
    is a lexicon instrument. Why it was chosen travels beside it as its ``LinkReason``."""
    if target is None:
        return None
    evidence = _link_evidence(value, target, candidates)
    if target in lexicon_names:
        evidence.add(Evidence.TARGET_IN_LEXICON)
    return evidence


def _link_tier(
    kind: ValueKind, evidence: set[Evidence] | None, reason: LinkReason | None
) -> Confidence | None:
    return None if evidence is None else tier(kind, evidence, reason)
