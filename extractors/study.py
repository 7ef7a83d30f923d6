"""Study-level flags and design, each with the evidence that set it.

ITB study: the intervention studied is intrathecal baclofen, i.e. it is named in the title, or
repeatedly in the abstract (one passing mention, "in selected cases intrathecal baclofen", is
background), or the MeSH/keywords say so. HSP population likewise. Design: publication types,
then title cues, then abstract cues (design.yaml), then fallbacks from the sample size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import get_args

from extractors.lexicon import load_design_cues
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
    if sample_size == 1:
        return "case report", ["design.fallback.single_patient"]
    if sample_size and (is_itb or TREATED_CUE.search(abstract)):
        return "case series", ["design.fallback.treated_patients_no_design_cue"]
    return "other", ["design.fallback.no_cue"]
