"""Study-level flags and design, each with the evidence that set it.

ITB study: the intervention studied is intrathecal baclofen, i.e. it is named in the title, or
repeatedly in the abstract (one passing mention, "in selected cases intrathecal baclofen", is
background), or the MeSH/keywords say so. HSP population likewise. Design: publication types,
then title cues, then abstract cues (design.yaml), then fallbacks from the sample size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import get_args

import yaml

from extractors.lexicon import DesignCue, LexiconError, _read_text, load_design_cues
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
SENTENCE_SCOPES = ("no_sample_opinion", "abstract_sentence", "two_groups", "no_sample")
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


def decide_design(
    title: str,
    abstract: str,
    publication_types: Sequence[str],
    sample_size: int | None,
    is_itb: bool,
) -> tuple[Design, list[str]]:
    """First cue wins, in scope order: publication types, title, abstract; then fallbacks."""
    cues = load_design_cues()
    scopes = (
        ("publication_types", list(publication_types)),
        ("title", [title]),
        ("abstract", [abstract]),
    )
    for scope, texts in scopes:
        lowered = [text.lower() for text in texts]
        for cue in cues[scope]:
            for text, low in zip(texts, lowered, strict=True):
                m = cue.search(text, low)
                design = _DESIGN_BY_NAME.get(cue.design)
                if m and design is not None:
                    return design, [f"{cue.id}: {scope} {m.group(0)!r}"]
    lowered_abstract = abstract.lower()
    scopes_in_order = [
        *(["no_sample_opinion"] if sample_size is None else []),
        "abstract_sentence",
        *(["two_groups"] if _enrols_two_groups(abstract, lowered_abstract) else []),
    ]
    for scope in scopes_in_order:
        found = _sentence_cue_design(scope, abstract, lowered_abstract)
        if found:
            return found
    if sample_size is None:
        found = _no_sample_design(abstract, lowered_abstract, is_itb)
        if found:
            return found
    if sample_size == 1:
        return "case report", ["design.fallback.single_patient"]
    if sample_size and (is_itb or TREATED_CUE.search(abstract)):
        return "case series", ["design.fallback.treated_patients_no_design_cue"]
    return "other", ["design.fallback.no_cue"]
