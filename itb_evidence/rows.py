"""Link stage: turn one record + its extraction + its screening decision into evidence-table rows.

This is where mentions become the two tables reviewers open: one ``studies`` row per record and one
``outcomes`` row per outcome (a pre->post result when the abstract gives one, otherwise the
p-value or
just the fact the outcome was measured). Every value keeps its provenance (text, span, sentence,
section, rule id, extractor version); the ``mentions`` rows keep every raw mention for the report.
The ``sentence`` columns are materialised here from the provenance's sentence reference, bounded
(``extractors.spans.sentence_text``: whole up to 1,000 characters, else a window around the span).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extractors.spans import sentence_of
from extractors.types import (
    Confidence,
    DoseMention,
    FollowUp,
    OutcomeMention,
    Provenance,
    PValue,
    ResultPair,
    Statistic,
    StudyExtraction,
)
from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.screen import ScreenDecision

Row = dict[str, Any]


@dataclass(slots=True)
class EvidenceRows:
    studies: list[Row] = field(default_factory=list)
    outcomes: list[Row] = field(default_factory=list)
    mentions: list[Row] = field(default_factory=list)

    def extend(self, other: EvidenceRows) -> None:
        self.studies.extend(other.studies)
        self.outcomes.extend(other.outcomes)
        self.mentions.extend(other.mentions)


def _prov_columns(extraction: StudyExtraction, prov: Provenance | None, prefix: str = "") -> Row:
    if prov is None:
        return {
            f"{prefix}source_field": None,
            f"{prefix}source_text": None,
            f"{prefix}span_start": None,
            f"{prefix}span_end": None,
            f"{prefix}sentence": None,
            f"{prefix}section": None,
            f"{prefix}rule_id": None,
        }
    return {
        f"{prefix}source_field": prov.field,
        f"{prefix}source_text": prov.text,
        f"{prefix}span_start": prov.start,
        f"{prefix}span_end": prov.end,
        f"{prefix}sentence": sentence_of(extraction, prov),
        f"{prefix}section": prov.section,
        f"{prefix}rule_id": prov.rule_id,
    }


def _stat_columns(stat: Statistic | None, prefix: str) -> Row:
    spread = stat.spread if stat is not None else None
    return {
        f"{prefix}_stat": stat.stat if stat else None,
        f"{prefix}_value": stat.value if stat else None,
        f"{prefix}_spread_type": spread.type if spread else None,
        f"{prefix}_spread_lo": spread.lo if spread else None,
        f"{prefix}_spread_hi": spread.hi if spread else None,
        f"{prefix}_sd": spread.sd if spread else None,
    }


def _direction(pre: Statistic | None, post: Statistic | None) -> str | None:
    """Direction of change as written (lower is not always better: it depends on the scale)."""
    if pre is None or post is None or pre.value is None or post.value is None:
        return None
    if post.value < pre.value:
        return "decrease"
    if post.value > pre.value:
        return "increase"
    return "no change"


def _value_summary(
    value: float | None,
    sd: float | None,
    range_: tuple[float, float] | None,
    unit: str,
    *,
    range_only_prefix: str,
) -> str:
    """'188 ± 60 (range 145-230) ug/day'; a range alone reads '<prefix>145-230 ug/day'."""
    parts: list[str] = []
    if value is not None:
        parts.append(f"{value:g}" + (f" ± {sd:g}" if sd is not None else ""))
    if range_ is not None:
        lo, hi = range_
        parts.append(f"(range {lo:g}-{hi:g})" if parts else f"{range_only_prefix}{lo:g}-{hi:g}")
    parts.append(unit)
    return " ".join(parts)


def _dose_summary(dose: DoseMention | None) -> str | None:
    if dose is None:
        return None
    return _value_summary(dose.value, dose.sd, dose.range, dose.unit, range_only_prefix="")


def _follow_up_summary(follow_up: FollowUp | None) -> str | None:
    """ "5.2 ± 2.1 years", "36 (range 12-60) months", "range 2-41 months"."""
    if follow_up is None:
        return None
    if follow_up.value is None and follow_up.range is None:
        return follow_up.prov.text
    return _value_summary(
        follow_up.value, follow_up.sd, follow_up.range, follow_up.unit, range_only_prefix="range "
    )


def _main_itb_dose(doses: tuple[DoseMention, ...]) -> DoseMention | None:
    """The dose a reviewer means by 'the ITB dose': intrathecal, daily, with a value if any."""

    def rank(d: DoseMention) -> tuple[int, int, int]:
        return (
            int(d.route == "intrathecal"),
            int(d.kind == "daily"),
            int(d.value is not None),
        )

    # Toxin doses in biological units ("300 U") are never the ITB dose, whatever drug was linked.
    itb = [d for d in doses if d.route in ("intrathecal", None) and d.unit != "U"]
    return max(itb, key=rank) if itb else None


def _outcome_row(
    record: PubmedRecord,
    extraction: StudyExtraction,
    outcome: str | None,
    *,
    result: ResultPair | None = None,
    p_value: PValue | None = None,
    mention: OutcomeMention | None = None,
) -> Row:
    p = result.p if result is not None and result.p is not None else p_value
    test = result.test if result is not None else None
    valued = result or p_value or mention  # the value the row is about
    linked = result or p_value
    prov = result.prov if result else (p.prov if p else (mention.prov if mention else None))
    row: Row = {
        "pmid": record.pmid,
        "outcome": outcome,
        "timepoint": result.timepoint if result else None,
        **_stat_columns(result.pre if result else None, "pre"),
        **_stat_columns(result.post if result else None, "post"),
        "unit": result.unit if result else None,
        "direction": _direction(result.pre, result.post) if result else None,
        "p_comparator": p.comparator if p else None,
        "p_value": p.value if p else None,
        "p_text": p.prov.text if p else None,
        "test_statistic": _format_test(test),
        "test_consistent": test.consistent if test else None,
        "row_kind": "result" if result else ("p_value" if p_value else "measured"),
        "confidence": valued.confidence if valued else None,
        "link_confidence": linked.link_confidence if linked else None,
        **_prov_columns(extraction, prov),
        "extractor_version": extraction.extractor_version,
    }
    return row


def _format_test(test: Any) -> str | None:
    if test is None:
        return None
    df = ",".join(f"{d:g}" for d in test.df)
    return f"{test.kind}({df}) = {test.value:g}" if df else f"{test.kind} = {test.value:g}"


def _mention_rows(record: PubmedRecord, extraction: StudyExtraction) -> list[Row]:
    rows: list[Row] = []

    def add(
        kind: str,
        label: str,
        value: Any,
        prov: Provenance,
        confidence: Confidence | None,
        link_confidence: Confidence | None = None,
    ) -> None:
        rows.append(
            {
                "pmid": record.pmid,
                "kind": kind,
                "label": label,
                "value": None if value is None else str(value),
                "confidence": confidence,
                "link_confidence": link_confidence,
                **_prov_columns(extraction, prov),
                "extractor_version": extraction.extractor_version,
            }
        )

    for om in extraction.outcome_measures:
        add("outcome_measure", om.name, None, om.prov, om.confidence)
    for d in extraction.doses:
        add("dose", _dose_summary(d) or "", d.value, d.prov, d.confidence, d.link_confidence)
    for p in extraction.p_values:
        label = f"p {p.comparator} {p.value}"
        add("p_value", label, p.outcome, p.prov, p.confidence, p.link_confidence)
    for r in extraction.results:
        label = f"{r.pre.value} -> {r.post.value}"
        add("result", r.outcome or "", label, r.prov, r.confidence, r.link_confidence)
    if extraction.sample_size is not None:
        sample = extraction.sample_size
        add("sample_size", "n", sample.n, sample.prov, extraction.sample_size_confidence)
    if extraction.follow_up is not None:
        # Follow-up has no tier yet (not one of the values issue 13 calibrates): left empty.
        summary = _follow_up_summary(extraction.follow_up)
        add("follow_up", summary or "", summary, extraction.follow_up.prov, None)
    return rows


def link_record(
    record: PubmedRecord, extraction: StudyExtraction, decision: ScreenDecision
) -> EvidenceRows:
    """Evidence rows for one record (outcome rows only for included studies)."""
    dose = _main_itb_dose(extraction.doses)
    study: Row = {
        "pmid": record.pmid,
        "pmid_version": record.version,
        "citation": record.citation,
        "title": record.title,
        "journal": record.journal_abbrev or record.journal,
        "year": record.year,
        "doi": record.doi,
        "pmcid": record.pmcid,
        "publication_types": "; ".join(record.publication_types),
        "design": extraction.design,
        "design_confidence": extraction.design_confidence,
        "is_itb_study": extraction.is_itb_study,
        "is_hsp_population": extraction.is_hsp_population,
        "sample_size": extraction.sample_size.n if extraction.sample_size else None,
        "sample_size_confidence": extraction.sample_size_confidence,
        "itb_dose_summary": _dose_summary(dose),
        "itb_dose_value": dose.value if dose else None,
        "itb_dose_sd": dose.sd if dose else None,
        "itb_dose_range_lo": dose.range[0] if dose and dose.range else None,
        "itb_dose_range_hi": dose.range[1] if dose and dose.range else None,
        "itb_dose_unit": dose.unit if dose else None,
        "itb_dose_text": dose.prov.text if dose else None,
        "itb_dose_confidence": dose.confidence if dose else None,
        "follow_up": _follow_up_summary(extraction.follow_up),
        "retracted": record.is_retracted,
        "erratum": record.has_erratum,
        "expression_of_concern": record.has_expression_of_concern,
        "included": decision.included,
        "inclusion_reason": decision.reason,
        "date_revised": record.date_revised,
        "extractor_version": extraction.extractor_version,
    }
    rows = EvidenceRows(studies=[study])
    if not decision.included:
        return rows
    rows.mentions = _mention_rows(record, extraction)
    covered: set[str] = set()
    for result in extraction.results:
        rows.outcomes.append(_outcome_row(record, extraction, result.outcome, result=result))
        if result.outcome:
            covered.add(result.outcome)
        if result.p is not None:
            covered.add(f"p@{result.p.prov.start}")
    for p in extraction.p_values:
        if f"p@{p.prov.start}" in covered:
            continue
        rows.outcomes.append(_outcome_row(record, extraction, p.outcome, p_value=p))
        if p.outcome:
            covered.add(p.outcome)
    seen_names: set[str] = set()
    for om in extraction.outcome_measures:
        if om.name in covered or om.name in seen_names:
            continue
        seen_names.add(om.name)
        rows.outcomes.append(_outcome_row(record, extraction, om.name, mention=om))
    return rows
