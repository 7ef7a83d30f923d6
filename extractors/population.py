"""How often a record names its population and intervention concepts (ITB, HSP): mentions in the
title and abstract, minus those that say who was left out or only set the background. The counts
are evidence for the study flags that ``extractors.study`` decides."""

from __future__ import annotations

import re

from extractors.concept_patterns import concept_pattern_spans
from extractors.nlp import Pipeline
from extractors.outcomes import Match
from extractors.scan import lower_same_length
from extractors.scope import Scope

# Rule study.concept_context: mentions that say who was left out ("patients already on intrathecal
# baclofen were excluded") do not count towards the ITB/HSP flags, and background mentions count
# only when the rest of the abstract also names the concept ("Background: ITB is effective ...").
EXCLUSION_SENTENCE = re.compile(
    r"\b(?:were|was|been|are|is)\s+excluded\b|\bexclusion\s+criteri|\bexcluding\b", re.I
)


def population_mentions(matches: list[Match], kind: str, ctx: Scope, lowered: str) -> int:
    mentions = [m for m in matches if m.entry.kind == kind]
    if not mentions:
        return 0
    kept = mentions
    if "exclu" in lowered:
        kept = []
        for m in mentions:
            s_start, s_end = ctx.sentence_bounds(m.start)
            if not EXCLUSION_SENTENCE.search(ctx.text, s_start, s_end):
                kept.append(m)
    if not any(ctx.section_labels):
        return len(kept)
    outside_background = [m for m in kept if not ctx.in_background(m.start)]
    return len(kept) if outside_background else 0


def with_patterns(
    pipeline: Pipeline, matches: list[Match], text: str, lowered: str, kind: str
) -> list[Match]:
    """``matches`` plus concept-pattern hits of ``kind`` that overlap no lexicon match of it
    ("SPG15" is not in the lexicon; "SPG4" is, and counts once). Rule ids from
    lexicons/concept_patterns.yaml."""
    extra = []
    taken = [(m.start, m.end) for m in matches if m.entry.kind == kind]
    for start, end, rule_id in concept_pattern_spans(text, lowered, kind):
        if not any(s < end and start < e for s, e in taken):
            entry = pipeline.entries[f"{kind}.term"][1]
            extra.append(Match(entry, "concept_patterns.yaml", start, end, rule_id))
    return [*matches, *extra] if extra else matches


def title_counts(pipeline: Pipeline, title: str) -> tuple[int, int]:
    if not title:
        return 0, 0
    lowered = lower_same_length(title)
    counts = []
    for gated, kind in ((pipeline.title_itb, "itb"), (pipeline.title_hsp, "hsp")):
        spans = (
            [m.span() for m in gated.pattern.finditer(title)]
            if gated.may_match(title, lowered)
            else []
        )
        extra = [
            hit
            for hit in concept_pattern_spans(title, lowered, kind)
            if not any(s < hit[1] and hit[0] < e for s, e in spans)
        ]
        counts.append(len(spans) + len(extra))
    return counts[0], counts[1]
