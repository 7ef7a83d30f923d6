"""Study-level flags and design, each with the evidence that set it.

ITB study: the intervention studied is intrathecal baclofen, i.e. it is named in the title, or
repeatedly in the abstract (one passing mention, "in selected cases intrathecal baclofen", is
background), or the MeSH/keywords say so. HSP population likewise.

Design, by explicit precedence (all cues are data in design.yaml):

1. publication types that name a design (Meta-Analysis, Systematic Review, Randomized
   Controlled Trial, Case Reports, Review, Editorial...): PubMed's indexers read the full text.
   "Case Reports" of more than one patient is a case series (X-D3);
2. the text: title cues, then a review's or protocol's own words (abstract_first), then the
   trial attributes of this study's sentences (randomised or double-blind -> rct, beating a
   weaker index such as "Clinical Trial"), then abstract cues and sentence cues;
3. MeSH check tags and weak publication types (Retrospective Studies, Prospective Studies,
   Random Allocation, Double-Blind Method, Cross-Sectional Studies, Clinical Trial): only when
   the text states no design;
4. fallbacks from the sample size and what the abstract reports.

``DesignDecision`` keeps where the design came from and whether the record's indexing agreed
with the text, the evidence a confidence tier needs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import NamedTuple, get_args

import yaml

from extractors.lexicon import DesignCue, LexiconError, _read_text, load_design_cues
from extractors.samples import CONTROLS_TREATED
from extractors.scan import lower_same_length
from extractors.types import Design

ITB_MESH = re.compile(
    r"^(?:injections,\s*spinal|infusion pumps,\s*implantable|infusions,\s*spinal)$", re.I
)
BACLOFEN_TERM = re.compile(r"\bbaclofen\b", re.I)
HSP_MESH = re.compile(r"^spastic paraplegia,\s*hereditary$|hereditary spastic paraplegia", re.I)
ITB_KEYWORD = re.compile(r"intrathecal baclofen|\bITB\b", re.I)
HSP_KEYWORD = re.compile(
    r"hereditary spastic parapleg|familial spastic parapleg|\bSPG\d+\b|\bSPAST\b", re.I
)
TREATED_CUE = re.compile(
    r"\b(?:treat(?:ed|ment)|therapy|implant(?:ed|ation)|received|before and after)\b", re.I
)

DESIGNS: tuple[Design, ...] = get_args(Design)  # one list: the Literal in types.py
# Scopes of design.yaml read here: sentence-wide cues, and fallbacks for abstracts without a
# sample size (lexicon.load_design_cues reads the three windowed scopes).
SENTENCE_SCOPES = (
    "no_sample_opinion",
    "abstract_sentence",
    "two_groups",
    "no_sample",
    "abstract_first",
    "index_weak",
    "healthy_comparison",
    "study_protocol",
)
# Two groups enrolled by diagnosis, the second with an elided noun: "Ten patients with hereditary
# spastic paraplegia and ten with primary progressive multiple sclerosis" (gate of the
# two_groups cues).
TWO_GROUP_ENROLMENT = re.compile(
    r"\b(?:\d+|[a-z]+(?:-[a-z]+)?)\s+(?:patients|adults|children|adolescents|people|subjects|"
    r"individuals|participants)\s+with\s+[^.;:]{3,80}?\s+and\s+(?:\d+|[a-z]+(?:-[a-z]+)?)"
    r"\s+(?:(?:patients|adults|children|adolescents|people|subjects|individuals|participants)"
    r"\s+)?with\b",
    re.I,
)
SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


_DESIGN_BY_NAME: dict[str, Design] = {name: name for name in DESIGNS}


def decide_itb(
    title_hits: int,
    abstract_hits: int,
    mesh_terms: Sequence[str],
    keywords: Sequence[str],
    *,
    title_names_baclofen: bool = False,
) -> tuple[bool, list[str]]:
    """ITB when the title names it, the abstract names it twice, or the title is about baclofen
    and the abstract says it is given intrathecally; MeSH/keywords also count."""
    evidence: list[str] = []
    if title_hits:
        evidence.append(f"title: {title_hits} intrathecal baclofen term(s)")
    if abstract_hits:
        evidence.append(f"abstract: {abstract_hits} intrathecal baclofen term(s)")
    mesh_itb = any(ITB_MESH.match(m.strip()) for m in mesh_terms) and any(
        BACLOFEN_TERM.search(m) for m in mesh_terms
    )
    if mesh_itb:
        evidence.append("mesh: Baclofen with a spinal/intrathecal delivery heading")
    keyword_itb = any(ITB_KEYWORD.search(k) for k in keywords)
    if keyword_itb:
        evidence.append("keywords: intrathecal baclofen")
    about_baclofen = title_names_baclofen and abstract_hits >= 1
    if about_baclofen:
        evidence.append("title names baclofen and the abstract gives it intrathecally")
    return bool(
        title_hits or abstract_hits >= 2 or mesh_itb or keyword_itb or about_baclofen
    ), evidence


def decide_hsp(
    title_hits: int, abstract_hits: int, mesh_terms: Sequence[str], keywords: Sequence[str]
) -> tuple[bool, list[str]]:
    evidence: list[str] = []
    if title_hits:
        evidence.append(f"title: {title_hits} HSP term(s)")
    if abstract_hits:
        evidence.append(f"abstract: {abstract_hits} HSP term(s)")
    mesh_hsp = any(HSP_MESH.search(m) for m in mesh_terms)
    if mesh_hsp:
        evidence.append("mesh: Spastic Paraplegia, Hereditary")
    keyword_hsp = any(HSP_KEYWORD.search(k) for k in keywords)
    if keyword_hsp:
        evidence.append("keywords: hereditary spastic paraplegia")
    return bool(title_hits or abstract_hits >= 2 or mesh_hsp or keyword_hsp), evidence


@cache
def load_sentence_cues() -> dict[str, tuple[DesignCue, ...]]:
    """The sentence-wide design cues per scope; a malformed entry fails loudly."""
    raw = yaml.safe_load(_read_text("design.yaml"))
    cues: dict[str, tuple[DesignCue, ...]] = {}
    for scope in SENTENCE_SCOPES:
        items = []
        for number, item in enumerate(raw.get(scope, []), start=1):
            if set(item) != {"id", "design", "pattern", "triggers"}:
                raise LexiconError(
                    f"design.yaml {scope}[{number}]: needs exactly id, design, pattern, triggers"
                )
            if item["design"] not in _DESIGN_BY_NAME:
                raise LexiconError(f"design.yaml {scope}[{number}]: unknown design")
            triggers = tuple(str(t).lower() for t in item["triggers"])
            pattern = re.compile(item["pattern"], re.I)
            items.append(DesignCue(item["id"], item["design"], pattern, triggers))
        cues[scope] = tuple(items)
    return cues


def _sentence_bounds(text: str, index: int) -> tuple[int, int]:
    """The sentence holding ``index``: from after the last ". " (or line break) to its end."""
    start = max(text.rfind(". ", 0, index), text.rfind("\n", 0, index)) + 1
    end = SENTENCE_END.search(text, index)
    return start, end.end() if end else len(text)


def search_sentences(cue: DesignCue, text: str, lowered: str) -> re.Match[str] | None:
    """``cue`` in any sentence holding one of its triggers (each sentence searched once)."""
    for trigger in cue.triggers:
        index = lowered.find(trigger)
        while index >= 0:
            start, end = _sentence_bounds(text, index)
            found = cue.pattern.search(text, start, end)
            if found:
                return found
            index = lowered.find(trigger, max(end, index + 1))
    return None


def _enrols_two_groups(abstract: str, lowered: str) -> bool:
    """Two diagnostic groups enrolled, checked only when a two_groups trigger occurs (the
    enrolment regex costs more than a literal look-up on every abstract)."""
    triggers = {t for cue in load_sentence_cues()["two_groups"] for t in cue.triggers}
    return any(t in lowered for t in triggers) and bool(TWO_GROUP_ENROLMENT.search(abstract))


def _sentence_cue_design(
    scope: str, abstract: str, lowered: str
) -> tuple[Design, list[str]] | None:
    """The design of the first cue of ``scope`` found in a sentence of the abstract."""
    for cue in load_sentence_cues()[scope]:
        m = search_sentences(cue, abstract, lowered)
        if m:
            return _DESIGN_BY_NAME[cue.design], [f"{cue.id}: abstract {m.group(0)!r}"]
    return None


def _no_sample_design(abstract: str, lowered: str, is_itb: bool) -> tuple[Design, list[str]] | None:
    """Design of an abstract that gives no sample size: people treated but never counted (an
    opinion piece was recognised earlier, scope no_sample_opinion); None when not said."""
    treated = is_itb or bool(TREATED_CUE.search(abstract))
    for cue in load_sentence_cues()["no_sample"]:
        design = _DESIGN_BY_NAME[cue.design]
        if design == "case series" and not treated:
            continue
        m = search_sentences(cue, abstract, lowered)
        if m:
            return design, [f"{cue.id}: abstract {m.group(0)!r}"]
    return None


class TrialAttribute(Enum):
    """What a sentence says about how this study's trial was run (design.yaml trial_attributes)."""

    NOT_RANDOMISED = "not_randomised"
    RANDOMISED = "randomised"
    DOUBLE_BLIND = "double_blind"
    SINGLE_BLIND = "single_blind"
    OPEN = "open"
    PLACEBO = "placebo"
    CONTROLLED = "controlled"

    # Members are singletons: hash by identity. ``Enum.__hash__`` is Python code (it hashes the
    # name), and the attribute search below asks "found yet?" per cue and trigger.
    __hash__ = object.__hash__


@dataclass(frozen=True, slots=True)
class AttributeCue:
    kind: TrialAttribute
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]


@cache
def load_trial_attributes() -> tuple[tuple[AttributeCue, ...], re.Pattern[str]]:
    """The trial-attribute cues and the other-work sentence test; a malformed entry fails."""
    raw = yaml.safe_load(_read_text("design.yaml"))
    cues = []
    for number, item in enumerate(raw.get("trial_attributes", []), start=1):
        if set(item) != {"kind", "pattern", "triggers"}:
            raise LexiconError(
                f"design.yaml trial_attributes[{number}]: needs exactly kind, pattern, triggers"
            )
        try:
            kind = TrialAttribute(item["kind"])
        except ValueError as exc:
            raise LexiconError(f"design.yaml trial_attributes[{number}]: unknown kind") from exc
        triggers = tuple(str(t).lower() for t in item["triggers"])
        cues.append(AttributeCue(kind, re.compile(item["pattern"], re.I), triggers))
    return tuple(cues), re.compile(raw["other_work"], re.I)


def find_trial_attributes(
    texts: Sequence[str], lowered_texts: Sequence[str] | None = None
) -> dict[TrialAttribute, str]:
    """Attributes stated in sentences about this study (not about other or future work), each
    with the text that stated it first (``lowered_texts``: the texts lower-cased, when the
    caller has them)."""
    cues, other_work = load_trial_attributes()
    found: dict[TrialAttribute, str] = {}
    if lowered_texts is None:
        lowered_texts = [text.lower() for text in texts]
    for text, lowered in zip(texts, lowered_texts, strict=True):
        for cue in cues:
            if cue.kind in found:
                continue
            for trigger in cue.triggers:
                index = lowered.find(trigger)
                while index >= 0 and cue.kind not in found:
                    start, end = _sentence_bounds(text, index)
                    m = cue.pattern.search(text, start, end)
                    if m and not other_work.search(text, start, end):
                        found[cue.kind] = m.group(0)
                    index = lowered.find(trigger, max(end, index + 1))
    return found


def design_from_trial_attributes(found: dict[TrialAttribute, str]) -> Design | None:
    """rct when randomised or double-blind (D2); a placebo or sham comparison that is single-blind,
    open or not randomised is other (X-D2); a non-randomised controlled comparison is a
    prospective cohort (X-D1); None when the attributes decide nothing."""
    kinds = set(found)
    if TrialAttribute.NOT_RANDOMISED not in kinds and kinds & {
        TrialAttribute.RANDOMISED,
        TrialAttribute.DOUBLE_BLIND,
    }:
        return "rct"
    if TrialAttribute.PLACEBO in kinds and kinds & {
        TrialAttribute.SINGLE_BLIND,
        TrialAttribute.OPEN,
        TrialAttribute.NOT_RANDOMISED,
    }:
        return "other"
    if kinds & {TrialAttribute.NOT_RANDOMISED, TrialAttribute.CONTROLLED}:
        return "prospective cohort"
    return None


class DesignSource(Enum):
    """Where a design came from, strongest first (the precedence in the module docstring)."""

    PUBLICATION_TYPE = "publication_type"
    TEXT = "text"
    INDEX_WEAK = "index_weak"
    FALLBACK = "fallback"


class DesignDecision(NamedTuple):
    design: Design
    evidence: list[str]
    source: DesignSource
    # Whether the record's publication types/MeSH named the same design as the text (None when
    # they name none): agreement is evidence for a confidence tier.
    index_agrees: bool | None


def _index_cue(
    scope_cues: Sequence[DesignCue], terms: Sequence[str], label: str
) -> tuple[Design, list[str]] | None:
    for cue in scope_cues:
        for term in terms:
            m = cue.pattern.search(term.strip())
            design = _DESIGN_BY_NAME.get(cue.design)
            if m and design is not None:
                return design, [f"{cue.id}: {label} {m.group(0)!r}"]
    return None


def _strong_index_design(
    publication_types: Sequence[str], sample_size: int | None
) -> tuple[Design, list[str]] | None:
    found = _index_cue(
        load_design_cues()["publication_types"], publication_types, "publication_types"
    )
    if found and found[0] == "case report" and sample_size is not None and sample_size > 1:
        return "case series", [*found[1], f"design.pt.case_reports_of_{sample_size}: X-D3"]
    return found


def _windowed_cue(
    scope: str, cues: Sequence[DesignCue], text: str, lowered: str
) -> tuple[Design, list[str]] | None:
    for cue in cues:
        m = cue.search(text, lowered)
        design = _DESIGN_BY_NAME.get(cue.design)
        if m and design is not None:
            return design, [f"{cue.id}: {scope} {m.group(0)!r}"]
    return None


def _explicit_text_design(
    title: str, abstract: str, lowered_abstract: str
) -> tuple[Design, list[str]] | None:
    """The design the title or abstract states, in the order of the module docstring."""
    cues = load_design_cues()
    lowered_title = title.lower()
    found = _windowed_cue("title", cues["title"], title, lowered_title)
    if found and found[0] == "case series":
        # A records study that calls its patients a series is a retrospective cohort (D1).
        records = _windowed_cue(
            "abstract",
            [c for c in cues["abstract"] if c.design == "retrospective cohort"],
            abstract,
            lowered_abstract,
        )
        return records or found
    if found:
        return found
    found = _windowed_cue(
        "abstract", load_sentence_cues()["abstract_first"], abstract, lowered_abstract
    )
    if found:
        return found
    attributes = find_trial_attributes((title, abstract), (lowered_title, lowered_abstract))
    design = design_from_trial_attributes(attributes)
    if design is not None:
        stated = ", ".join(f"{k.value} {v!r}" for k, v in attributes.items())
        return design, [f"design.trial_attributes: {stated}"]
    found = _abstract_cue(cues["abstract"], abstract, lowered_abstract) or _healthy_comparison(
        abstract
    )
    if found is None and TrialAttribute.PLACEBO in attributes:
        # A placebo or sham comparison with neither randomisation nor blinding written (X-D2:
        # "40 mg baclofen or placebo was given on separate days"); weaker than any stated design.
        return "other", [
            f"design.placebo_not_randomised_not_blind: {attributes[TrialAttribute.PLACEBO]!r}"
        ]
    return found


def _abstract_cue(
    cues: Sequence[DesignCue], abstract: str, lowered: str
) -> tuple[Design, list[str]] | None:
    """The first abstract cue found; a randomisation cue counts only in a sentence about this
    study's allocation (not "the order of assessment was randomized", not earlier trials: the
    other-work test of the trial attributes). ``lowered``: ``lower_same_length(abstract)``."""
    _, other_work = load_trial_attributes()
    for cue in cues:
        design = _DESIGN_BY_NAME.get(cue.design)
        if design is None:
            continue
        if design == "rct":
            m = _search_own_sentences(cue, abstract, lowered, other_work)
        else:
            m = cue.search(abstract, lowered)
        if m:
            return design, [f"{cue.id}: abstract {m.group(0)!r}"]
    return None


def _search_own_sentences(
    cue: DesignCue, text: str, lowered: str, other_work: re.Pattern[str]
) -> re.Match[str] | None:
    """``cue`` in a sentence holding one of its triggers that is not about other work."""
    for trigger in cue.triggers:
        index = lowered.find(trigger)
        while index >= 0:
            start, end = _sentence_bounds(text, index)
            found = cue.pattern.search(text, start, end)
            if found and not other_work.search(text, start, end):
                return found
            index = lowered.find(trigger, max(end, index + 1))
    return None


# Before a counted healthy group: "In 20 healthy volunteers ..." names the people studied.
STUDIED_IN_BEFORE = re.compile(r"\b(?:in|of|on|among|from)\s+\Z", re.I)


def _healthy_comparison(abstract: str) -> tuple[Design, list[str]] | None:
    """A counted healthy group set against the patients (scope healthy_comparison): not when the
    healthy people are the ones studied or receive the intervention themselves (X-SS1, X-D4)."""
    lowered = abstract.lower()
    if "healthy" not in lowered:
        return None
    for cue in load_sentence_cues()["healthy_comparison"]:
        for m in cue.pattern.finditer(abstract):
            if STUDIED_IN_BEFORE.search(abstract, max(0, m.start() - 8), m.start()):
                continue
            if CONTROLS_TREATED.match(abstract, m.end()):
                continue
            return _DESIGN_BY_NAME[cue.design], [f"{cue.id}: abstract {m.group(0)!r}"]
    return None


# Signs that an abstract reports work done (past passive "were exposed", first person "we
# propose"): an expository text has neither.
STUDY_ACTION = re.compile(r"\b(?:were|was)\s+[a-z]+ed\b|\bwe\b", re.I)
SENTENCE_BREAK = re.compile(r"[.!?](?:\s|$)")


def _expository(abstract: str) -> bool:
    """A text of four or more sentences that explains a subject without reporting a study done."""
    return len(SENTENCE_BREAK.findall(abstract)) >= 4 and not STUDY_ACTION.search(abstract)


def _fallback_design(
    abstract: str,
    lowered_abstract: str,
    sample_size: int | None,
    is_itb: bool,
    reports_p_values: bool,
) -> tuple[Design, list[str]]:
    scopes_in_order = [
        *(["no_sample_opinion"] if sample_size is None else []),
        "abstract_sentence",
        *(["two_groups"] if _enrols_two_groups(abstract, lowered_abstract) else []),
        # One patient assessed at fixed times is still a case report.
        *(["study_protocol"] if sample_size != 1 else []),
    ]
    for scope in scopes_in_order:
        found = _sentence_cue_design(scope, abstract, lowered_abstract)
        if found:
            return found
    if sample_size is None:
        found = _no_sample_design(abstract, lowered_abstract, is_itb)
        if found:
            return found
        if not reports_p_values and _expository(abstract):
            # Nobody counted, nothing tested: an abstract that explains a subject (D6).
            return "review", ["design.fallback.no_people_no_statistics"]
    if sample_size == 1:
        return "case report", ["design.fallback.single_patient"]
    if sample_size and (is_itb or TREATED_CUE.search(abstract)):
        return "case series", ["design.fallback.treated_patients_no_design_cue"]
    return "other", ["design.fallback.no_cue"]


def decide_design_detail(
    title: str,
    abstract: str,
    publication_types: Sequence[str],
    sample_size: int | None,
    is_itb: bool,
    *,
    mesh_terms: Sequence[str] = (),
    reports_p_values: bool = True,
    lowered_abstract: str | None = None,
) -> DesignDecision:
    """The design by the precedence of the module docstring, with its source and agreement
    (``lowered_abstract``: ``lower_same_length(abstract)`` when the caller has it, searched for
    the cues' literal triggers)."""
    if lowered_abstract is None:
        lowered_abstract = lower_same_length(abstract)
    strong = _strong_index_design(publication_types, sample_size)
    text = _explicit_text_design(title, abstract, lowered_abstract)
    weak = _index_cue(
        load_sentence_cues()["index_weak"], [*publication_types, *mesh_terms], "index"
    )
    if strong:
        agrees = None if text is None else text[0] == strong[0]
        return DesignDecision(strong[0], strong[1], DesignSource.PUBLICATION_TYPE, agrees)
    if text:
        agrees = None if weak is None else weak[0] == text[0]
        return DesignDecision(text[0], text[1], DesignSource.TEXT, agrees)
    if weak:
        return DesignDecision(weak[0], weak[1], DesignSource.INDEX_WEAK, None)
    design, evidence = _fallback_design(
        abstract, lowered_abstract, sample_size, is_itb, reports_p_values
    )
    return DesignDecision(design, evidence, DesignSource.FALLBACK, None)


def decide_design(
    title: str,
    abstract: str,
    publication_types: Sequence[str],
    sample_size: int | None,
    is_itb: bool,
    *,
    mesh_terms: Sequence[str] = (),
    reports_p_values: bool = True,
) -> tuple[Design, list[str]]:
    """The design and the evidence that set it (``decide_design_detail`` without the source)."""
    decision = decide_design_detail(
        title,
        abstract,
        publication_types,
        sample_size,
        is_itb,
        mesh_terms=mesh_terms,
        reports_p_values=reports_p_values,
    )
    return decision.design, decision.evidence
