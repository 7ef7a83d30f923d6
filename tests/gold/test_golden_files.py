"""Scores the extractors on the project's own gold files (``tests/gold/*.jsonl``).

- ``composed.jsonl``: cases written independently of the extractor rules to exercise every
  phenomenon of issue 4 (every written form of a p-value, dose units and traps, screened vs
  studied counts, outcome synonyms, pre/post results, hard negatives). Thresholds sit below the
  dev-set targets on purpose: the cases are adversarial and a few carry documented judgement calls
  (see each case's ``gold.note``).
- ``audit.jsonl``: original texts that reproduce failure phenomena found by running the extractors
  over real abstracts (concentrations and hourly rates read as doses, number lists read as ranges,
  thousands separators and decimal commas, significance thresholds read as p-values, years or
  devices read as sample sizes, eligibility terms read as outcomes, links across clauses). Many
  are must-not-extract cases. Its thresholds are floors just under the scores the extractor meets:
  regression guards, not targets. Raise them as it improves;
  the dev-set targets (``itb_evidence.evaluate.TARGETS``) are the goal.
- ``audit2.jsonl``, ``audit3.jsonl``, ``audit4.jsonl``: later audits, each written before the
  extractor ran on it and tuned on for the next version (audit3 reproduces, in new wording, the
  failure kinds the held-out file showed in extractors-0.5.0; audit4 adds new ones).
- ``heldout.jsonl``, ``heldout2.jsonl``: never tuned on; their floors are regression guards only.

Falling below a threshold means a real regression; the failure prints the per-record misses.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from itb_evidence.evaluate import EvaluationReport, evaluate, format_report

GOLD_DIR = Path(__file__).resolve().parent

# Headline score per metric (keys of EvaluationReport.scores()): F1 for p-values, doses, outcome
# measures and pre -> post results; accuracy for the rest (sample size, links, link precision,
# flags, design, result spreads and p over matched results, dose drug/route/kind over matched
# doses). Floors sit just under the scores measured on the version each comment names.
THRESHOLDS: dict[str, dict[str, float]] = {
    # extractors-0.2.0: p 1.000, doses 1.000, outcomes 0.970, n 0.988, links 0.973, itb 1.000,
    # hsp 0.988, design 0.975; results 0.909, link precision 0.982, spreads 1.000, result p
    # 0.933, dose drug 0.889, route 0.870, kind 0.981.
    # extractors-0.3.0: outcomes 0.978, links 0.982, results 1.000, result p 1.000, dose drug
    # 1.000, route 0.981; the rest unchanged. extractors-0.6.0: outcomes 0.982, links 0.991,
    # n, flags, design and dose attributes 1.000.
    "composed.jsonl": {
        "p_values": 0.99,
        "doses": 0.99,
        # 0.978 with the outcome vocabulary 1.0: c065 "four patients regained independent
        # transfers" is now listed, as the guide's own O3 example lists it (the case's gold,
        # written in our phrasing, does not); c045 lists a correlate (O5) its gold leaves out.
        "outcomes": 0.97,
        "sample_size": 0.99,
        # 0.973 (109/112) with scope + vocabulary 1.0: c028's p-value after "Those who
        # discontinued" is left unlinked (two measures named before it, nothing decides: a wrong
        # link is worse than none); c045's correlation p goes to the measure nearest before it.
        "links": 0.97,
        "itb_flag": 0.99,
        "hsp_flag": 0.99,
        "design": 0.99,
        "link_precision": 0.98,
        "results": 0.99,
        "result_spreads": 0.99,
        "result_p": 0.99,
        "dose_drug": 0.99,
        "dose_route": 0.99,
        "dose_kind": 0.99,
    },
    # extractors-0.1.0: p 0.840, doses 0.455, outcomes 0.820, n 0.727, links 0.619 (written then);
    # extractors-0.2.0: p 1.000, doses 1.000, outcomes 0.854, n 0.864, links 0.857, flags 0.977,
    # results 0.667, link precision 0.947, result p 0.857, dose attributes 1.000;
    # extractors-0.3.0: outcomes 0.989, n 1.000, links 0.976, flags 1.000, design 0.977,
    # results 1.000, link precision 1.000, result p 1.000.
    "audit.jsonl": {
        "p_values": 0.99,
        "doses": 0.99,
        "outcomes": 0.98,
        "sample_size": 0.99,
        "links": 0.97,
        "itb_flag": 0.99,
        "hsp_flag": 0.99,
        "design": 0.97,
        "link_precision": 0.99,
        "results": 0.99,
        "result_spreads": 0.99,
        "result_p": 0.99,
        "dose_drug": 0.99,
        "dose_route": 0.99,
        "dose_kind": 0.99,
    },
    # held out while extractors-0.3.0 was written; floors at what it met then; raised to just
    # under extractors-0.6.0 (outcomes 0.967, links 0.960, n 1.000, results 1.000).
    "audit2.jsonl": {
        "p_values": 0.99,
        "doses": 0.99,
        "outcomes": 0.96,
        "results": 0.99,
        "sample_size": 0.99,
        "links": 0.95,
        "link_precision": 0.97,
        "itb_flag": 0.97,
        "hsp_flag": 0.99,
        "design": 0.99,
        "result_spreads": 0.92,
        "dose_kind": 0.99,
    },
    # Written for extractors-0.6.0 from the held-out failure kinds (measures outside the lexicon
    # carrying p-values, subgroup and pooled sample sizes, pair forms, dashes, dose kinds, mixed
    # cohorts) in new wording, annotated before the extractor ran on them, then tuned on: at
    # 0.5.0 it scored outcomes 0.789, results 0.373, n 0.825, links 0.658, design 0.875,
    # dose kind 0.867. Floors just under 0.6.0 (outcomes 0.945, results 0.952, links 0.937).
    "audit3.jsonl": {
        "p_values": 0.99,
        "doses": 0.96,  # 0.968: d008/d009 botulinum units are doses (guide DO2, real gold)
        "outcomes": 0.95,  # vocabulary 1.0: 0.957
        # 0.9398 with vocabulary 1.0: d003 writes "step length" and its gold says Stride length
        # (the old lexicon's synonym); the real dev gold keeps Step length a measure of its own.
        "results": 0.93,
        "sample_size": 0.99,
        "links": 0.94,  # vocabulary 1.0: 0.949
        "link_precision": 0.94,  # 0.937 in 0.7.0 (Hmax/Mmax without "Soleus"); 0.949 in 1.0
        "itb_flag": 0.99,
        "hsp_flag": 0.99,
        "design": 0.99,
        "result_spreads": 0.99,
        "result_p": 0.99,
        "dose_drug": 0.99,
        "dose_route": 0.99,
        "dose_kind": 0.99,
    },
    # Written for extractors-0.7.0 from new failure kinds (between-group p-values, the dose as the
    # compared measure, arrows and other pair forms, subgroup and pooled counts, screening
    # boluses, design cues), annotated before the extractor ran on them, then tuned on: at 0.6.0
    # it scored outcomes 0.810, results 0.412, n 0.781, links 0.710, design 0.781. Floors just
    # under 0.7.0 (outcomes 0.908, results 0.889, links 0.887, the rest 1.000).
    "audit4.jsonl": {
        "p_values": 0.99,
        "doses": 0.99,
        "outcomes": 0.92,  # vocabulary 1.0: 0.932
        "results": 0.88,
        "sample_size": 0.99,
        "links": 0.88,
        "link_precision": 0.91,
        "itb_flag": 0.99,
        "hsp_flag": 0.99,
        "design": 0.99,
        "dose_kind": 0.99,
    },
    # HELD OUT: annotated before the extractor ever ran on it and never tuned on. Floors at what
    # extractors-0.5.0 met (p 1.000, doses 0.975, outcomes 0.902, n 0.838, links 0.796), raised
    # to just under 0.7.0 (outcomes 0.961, n 0.919, links 0.907, results 0.941), whose rules came
    # from audit3/audit4, written from the failure kinds this file showed at 0.5.0; fix what it
    # reveals through new audit cases, not by editing rules against these texts.
    "heldout.jsonl": {
        "p_values": 0.99,
        "doses": 0.97,  # 0.976: h008 botulinum units are doses (guide DO2, real gold)
        "outcomes": 0.95,
        "sample_size": 0.91,
        "links": 0.90,
        "results": 0.93,
        "link_precision": 0.95,
    },
    # HELD OUT, second set: written blind (no extractor code, output or other gold texts seen)
    # while 0.6.0 was current, and never tuned on; only its aggregate scores were ever read.
    # 0.5.0: outcomes 0.811, results 0.636, n 0.800, links 0.731; 0.6.0 (95ffcf3): 0.818,
    # 0.679, 0.867, 0.782; 0.7.0: 0.800, 0.679, 0.900, 0.769. Floors are regression guards only.
    # scope branch: links 0.744 (29/39): a p-value whose sentence names no outcome no longer
    # takes the last of several measures named earlier (AMBIGUOUS; right 5 times in 31 on the
    # real dev split).
    "heldout2.jsonl": {
        "p_values": 0.97,
        "doses": 0.96,  # 0.962: g020 botulinum units are doses (guide DO2, real gold)
        "outcomes": 0.79,
        "sample_size": 0.89,
        "links": 0.74,
        "results": 0.67,
    },
}


def _gold(name: str) -> list[dict[str, Any]]:
    lines = (GOLD_DIR / name).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def _report(name: str) -> EvaluationReport:
    return evaluate(GOLD_DIR / name, verbose=True)


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_every_case_is_scored(name: str) -> None:
    report = _report(name)
    expected_ids = [record["id"] for record in _gold(name)]
    assert report.records == len(expected_ids)
    assert [record.id for record in report.per_record] == expected_ids


@pytest.mark.parametrize("name", sorted(THRESHOLDS))
def test_every_gold_item_is_counted(name: str) -> None:
    """tp + fn must equal the number of gold items, or the scorer skipped some."""
    report = _report(name)
    gold = [record["gold"] for record in _gold(name)]
    assert report.p_values.tp + report.p_values.fn == sum(len(g["p_values"]) for g in gold)
    assert report.doses.tp + report.doses.fn == sum(len(g["doses"]) for g in gold)
    assert report.outcomes.tp + report.outcomes.fn == sum(len(g["outcome_measures"]) for g in gold)
    assert report.links.total == sum(
        1 for g in gold for p in g["p_values"] if p["outcome"] is not None
    )
    assert report.results.tp + report.results.fn == sum(len(g.get("results", [])) for g in gold)
    # Attribute accuracies are over matched items only.
    assert report.result_spreads.total == report.result_p.total == report.results.tp
    assert report.dose_drug.total == report.dose_kind.total == report.doses.tp


@pytest.mark.parametrize(
    ("name", "metric", "threshold"),
    [(name, metric, t) for name, per in sorted(THRESHOLDS.items()) for metric, t in per.items()],
)
def test_score_meets_threshold(name: str, metric: str, threshold: float) -> None:
    report = _report(name)
    score = report.scores()[metric]
    assert score >= threshold, (
        f"{metric} = {score:.3f} < {threshold:.2f} on {name}\n" + format_report(report, True)
    )
