"""``extract_study``: one title + abstract in, one typed ``StudyExtraction`` out.

The engine only orchestrates. The spaCy pipeline (tokenizer, phrase matchers) runs once per
field; the scope model (``extractors.scope``: sentences, clauses, sections) is built once and
asked by every step; regex extractors run on the raw text (so "p<0.001", which the blank
tokenizer keeps as one token, is still found) and their hits are located in sentences by offset.
Linking (p-value -> outcome, pair -> outcome and p-value, dose -> drug) is ``extractors.link``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc

from extractors.abbreviations import find_abbreviations
from extractors.confidence import assign_confidence
from extractors.doses import find_doses, may_have_dose
from extractors.follow_up import choose_follow_up, find_follow_ups
from extractors.link import (
    dose_drug_route,
    link_p_values,
    link_pair,
    pair_test,
    statistic_p_value,
    title_drugs,
)
from extractors.nlp import Pipeline, get_pipeline
from extractors.outcomes import Match, OutcomeHit, find_outcomes
from extractors.population import population_mentions, title_counts, with_patterns
from extractors.pvalues import PValueHit, find_p_values
from extractors.references import lexicon_matches
from extractors.results import (
    NO_CONVENTIONS,
    PAIR_CUES,
    across_sentence_pairs,
    declared_conventions,
    find_pairs,
    find_test_statistics,
    next_pair_start,
    p_consistent,
    pair_timepoints,
)
from extractors.samples import (
    choose_sample,
    find_sample_candidates,
    find_single_case,
    without_parts,
)
from extractors.scan import lower_same_length
from extractors.scope import Scope, build_scope
from extractors.study import decide_design_detail, decide_hsp, decide_itb
from extractors.types import (
    DoseMention,
    FollowUp,
    LinkReason,
    OutcomeMention,
    PValue,
    ResultPair,
    SampleSize,
    StudyExtraction,
    TestStatistic,
)

EXTRACTOR_VERSION = "extractors-1.0.0"
# The longest title or abstract extracted, in characters. A field over it is refused whole (the
# record fails with ``FieldTooLong``, naming the field, its length and this limit), never cut: an
# extraction of the first part would look complete while missing what the rest says, and nothing
# that long is an abstract (a pasted full text, a corrupt record). The longest abstract of the
# 165 real PubMed records in ../shared is 2,723 characters, of the gold files 2,295. The limit is
# well under spaCy's max_length (1,000,000) and bounds one record's time as well as its memory:
# some rules read a whole sentence per mention, so a run-on "sentence" costs time in its length
# squared (a few seconds at 100,000 characters, benchmarks/extract_memory.py).
MAX_FIELD_CHARS = 100_000
BACLOFEN_WORD = re.compile(r"\bbaclofen\b", re.I)
DECIMALS = re.compile(r"[.\u00b7,](\d+)")


def _decimals(text: str) -> int:
    m = DECIMALS.search(text)
    return len(m.group(1)) if m else 0


class FieldTooLong(ValueError):
    """A title or abstract over the extraction limit: the record is refused, not cut."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(
            f"{field} is {length:,} characters, over the limit of {limit:,}"
            " (extractors.engine.MAX_FIELD_CHARS): not extracted"
        )
        self.field = field
        self.length = length
        self.limit = limit


def _lexicon_and_outcomes(
    pipeline: Pipeline, doc: Doc, ctx: Scope, lowered: str, *, measures_taken: bool = False
) -> tuple[list[Match], list[OutcomeHit]]:
    """The field's lexicon matches (abbreviations it defines resolved) and its outcome mentions:
    the steps ``extract_study`` and ``measures_named`` share."""
    text = ctx.text
    abbreviations = (
        find_abbreviations(text, ctx.sentence_start) if "(" in text or "[" in text else []
    )
    matches = lexicon_matches(pipeline, doc, text, abbreviations, ctx.sentence_start)
    hits = find_outcomes(
        text,
        doc,
        matches,
        abbreviations,
        pipeline.by_phrase,
        ctx.sentence_start,
        lowered,
        measures_taken=measures_taken,
        sentence_end=ctx.sentence_end,
    )
    return matches, hits


def measures_named(text: str) -> tuple[OutcomeMention, ...]:
    """The outcome measures named by a short text known to report measures taken (a results
    table's row or column header): the vocabulary, abbreviations and naming rules of
    ``extract_study``, without the gate that asks an abstract whether a generic measure was
    taken."""
    pipeline = get_pipeline()
    doc = pipeline.nlp.make_doc(text)
    ctx = build_scope("abstract", text, doc, ())
    _, hits = _lexicon_and_outcomes(
        pipeline, doc, ctx, lower_same_length(text), measures_taken=True
    )
    return tuple(
        OutcomeMention(h.name, ctx.prov(h.start, h.end, h.rule_id), h.in_lexicon) for h in hits
    )


def extract_study(
    id: str,
    title: str,
    abstract: str,
    *,
    sections: Sequence[tuple[str | None, int, int]] = (),
    mesh_terms: Sequence[str] = (),
    publication_types: Sequence[str] = (),
    keywords: Sequence[str] = (),
    max_field_chars: int = MAX_FIELD_CHARS,
) -> StudyExtraction:
    """Extract every mention from one record; offsets index into ``abstract``.

    Raises ``FieldTooLong`` for a title or abstract over ``max_field_chars`` characters (benchmarks
    lift the limit, up to spaCy's max_length, to measure the extractors alone)."""
    for name, text in (("title", title), ("abstract", abstract)):
        if len(text) > max_field_chars:
            raise FieldTooLong(name, len(text), max_field_chars)
    pipeline = get_pipeline()
    doc = pipeline.nlp.make_doc(abstract)
    ctx = build_scope("abstract", abstract, doc, sections)
    lowered = lower_same_length(abstract)
    matches, outcome_hits = _lexicon_and_outcomes(pipeline, doc, ctx, lowered)
    if sections or ctx.section_labels:
        # Events named in the background ("Pump infection is the most feared complication") are
        # context, not this study's outcomes. Only events: a background section often also states
        # the aim, with the instruments the study used.
        outcome_hits = [h for h in outcome_hits if not (h.event and ctx.in_background(h.start))]
    outcome_mentions = tuple(
        OutcomeMention(h.name, ctx.prov(h.start, h.end, h.rule_id), h.in_lexicon)
        for h in outcome_hits
    )

    p_hits: list[PValueHit] = find_p_values(abstract) if _may_have_p(abstract) else []
    p_values = [
        PValue(
            h.comparator,
            h.value,
            outcome,
            ctx.prov(h.start, h.end, h.rule_id),
            h.reported_ns,
            reason,
        )
        for h, (outcome, reason) in zip(
            p_hits, link_p_values(p_hits, outcome_hits, ctx), strict=True
        )
    ]

    drugs = [m for m in matches if m.lexicon == "drugs.jsonl"]
    doses = []
    dose_hits = (
        find_doses(abstract, ctx.sentence_start, lowered, ctx.sentence_end)
        if may_have_dose(abstract)
        else []
    )
    from_title = title_drugs(pipeline, title) if dose_hits and not drugs else []
    for d in dose_hits:
        drug, route, drug_reason = dose_drug_route(d, drugs, ctx, from_title)
        doses.append(
            DoseMention(
                d.value,
                d.sd,
                d.range,
                d.unit,
                drug,
                route,
                d.kind,
                ctx.prov(d.start, d.end, d.rule_id),
                drug_reason,
            )
        )

    tests = []
    for t in find_test_statistics(abstract) if "=" in abstract else []:
        following = statistic_p_value(t.end, p_values)
        consistent = None
        if following is not None and following.value is not None and t.p_recomputed is not None:
            consistent = p_consistent(
                t.p_recomputed,
                following.comparator,
                following.value,
                _decimals(following.prov.text),
            )
        tests.append(
            TestStatistic(
                t.kind,
                t.value,
                t.df,
                t.p_recomputed,
                consistent,
                ctx.prov(t.start, t.end, "test_statistic"),
            )
        )

    results = []
    # Only sentences holding a pair cue are searched (one C-speed scan finds them all).
    pair_sentences = ctx.sentences_with(lowered, PAIR_CUES)
    conventions = declared_conventions(abstract) if pair_sentences else NO_CONVENTIONS
    for s_index in pair_sentences:
        s_start, s_end = ctx.sent_starts[s_index], ctx.sent_ends[s_index]
        pairs = sorted(
            find_pairs(abstract[s_start:s_end], s_start, conventions),
            key=lambda h: (h.start, h.group[0]),
        )
        timepoints = pair_timepoints(pairs, s_start, s_end, ctx, lowered)
        for index, pair in enumerate(pairs):
            limit = next_pair_start(pairs, index, s_end)
            (outcome, reason), (p, p_reason) = link_pair(
                pairs, index, limit, outcome_hits, p_values, ctx
            )
            if outcome is None:
                continue  # a change in an unnamed measure is not a result a reviewer can use
            results.append(
                ResultPair(
                    outcome,
                    pair.pre,
                    pair.post,
                    p,
                    ctx.prov(pair.start, pair.end, pair.rule_id),
                    pair_test(pair, tests),
                    timepoints[index],
                    pair.unit,
                    reason,
                    p_reason,
                )
            )

    # Pairs whose values stand in two sentences, for measures no one-sentence pair reports.
    taken = {r.outcome for r in results}
    spans = [(o.start, o.end, o.name) for o in outcome_hits]
    for hit, outcome in across_sentence_pairs(abstract, spans, ctx.sent_starts, conventions):
        if outcome not in taken:
            prov = ctx.prov(hit.start, hit.end, hit.rule_id)
            reason = LinkReason.NAMED_WITH_EACH_VALUE
            results.append(
                ResultPair(outcome, hit.pre, hit.post, None, prov, None, None, hit.unit, reason)
            )

    title_itb, title_hsp = title_counts(pipeline, title)
    itb_hits, hsp_hits = (
        population_mentions(
            with_patterns(pipeline, matches, abstract, lowered, kind), kind, ctx, lowered
        )
        for kind in ("itb", "hsp")
    )
    is_itb, itb_evidence = decide_itb(
        title_itb,
        itb_hits,
        mesh_terms,
        keywords,
        title_names_baclofen=bool(BACLOFEN_WORD.search(title)),
    )
    is_hsp, hsp_evidence = decide_hsp(title_hsp, hsp_hits, mesh_terms, keywords)
    persons = [(m.start, m.end) for m in matches if m.entry.kind == "person"]
    candidates = find_sample_candidates(abstract, persons, lowered, ctx.sentence_part)
    single = None if candidates else find_single_case(abstract, lowered)
    provisional = max((h.n for h in candidates), default=1 if single else None)
    decision = decide_design_detail(
        title,
        abstract,
        publication_types,
        provisional,
        is_itb,
        mesh_terms=mesh_terms,
        reports_p_values=bool(p_values),
        lowered_abstract=lowered,
    )
    design, design_evidence = decision.design, decision.evidence
    # Parts of an unstated whole ("8 children (24%)") show that people were studied (the design
    # cue above) but are not the sample.
    sample_hit = choose_sample(
        without_parts(abstract, candidates, ctx.sentence_part), single, design, ctx
    )
    sample = (
        SampleSize(
            sample_hit.n,
            ctx.prov(sample_hit.start, sample_hit.end, sample_hit.rule_id),
            len({h.n for h in candidates} - {sample_hit.n}),
        )
        if sample_hit
        else None
    )
    follow_up_hit = choose_follow_up(find_follow_ups(abstract, lowered))
    follow_up = (
        FollowUp(
            follow_up_hit.value,
            follow_up_hit.sd,
            follow_up_hit.range,
            follow_up_hit.unit,
            ctx.prov(follow_up_hit.start, follow_up_hit.end, follow_up_hit.rule_id),
        )
        if follow_up_hit
        else None
    )
    if sample is None and design == "case report":
        sample = SampleSize(1, ctx.prov(0, 0, "sample.case_report_design"))
    evidence = {
        "is_itb_study": itb_evidence,
        "is_hsp_population": hsp_evidence,
        "design": design_evidence,
        "sample_size": [f"{sample.prov.rule_id}: {sample.prov.text!r}"] if sample else [],
    }
    extraction = StudyExtraction(
        id=id,
        is_itb_study=is_itb,
        is_hsp_population=is_hsp,
        design=design,
        sample_size=sample,
        outcome_measures=outcome_mentions,
        doses=tuple(doses),
        p_values=tuple(p_values),
        results=tuple(results),
        test_statistics=tuple(tests),
        evidence=evidence,
        extractor_version=EXTRACTOR_VERSION,
        follow_up=follow_up,
        title=title,
        abstract=abstract,
        design_source=decision.source.value,
        design_index_agrees=decision.index_agrees,
    )
    return assign_confidence(extraction, publication_types=publication_types)


ANY_DIGIT = re.compile(r"\d")


def _may_have_p(text: str) -> bool:
    """Cheap pre-check: every p-value form contains a digit or "NS"/"significant" in parentheses."""
    return bool(ANY_DIGIT.search(text)) or "NS" in text or "n.s." in text or "significant)" in text
