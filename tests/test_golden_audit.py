"""Scores the extractors on ``tests/gold/audit.jsonl``, the precision-audit gold file.

The audit cases are original texts that reproduce failure phenomena found by running the
extractors over real abstracts (the shared PubMed/PMC records): concentrations (μg/mL, mg/L) and
hourly rates read as doses, number lists read as ranges, thousands separators and decimal commas
giving wrong values, significance thresholds read as p-values, years/devices/groups/background
counts read as sample sizes, eligibility and background terms read as outcomes, links to an
outcome of another clause. Many are must-not-extract cases: a wrong number is worse than none.

The thresholds are the scores the extractor MET when the file was written (extractors-0.1.0),
floored to two decimals: they guard against regressions, they are not targets. Raise them as
the extractor is fixed; the dev-set targets (``itb_evidence.evaluate.TARGETS``) are the goal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from itb_evidence.evaluate import EvaluationReport, evaluate, format_report

AUDIT_GOLD = Path(__file__).resolve().parent / "gold" / "audit.jsonl"

# Measured on extractors-0.1.0: p_values 0.840, doses 0.455, outcomes 0.820, sample_size 0.727,
# links 0.619, itb_flag 0.977, hsp_flag 0.977, design 0.955 (44 cases).
THRESHOLDS = {
    "p_values": 0.83,
    "doses": 0.45,
    "outcomes": 0.81,
    "sample_size": 0.72,
    "links": 0.61,
    "itb_flag": 0.97,
    "hsp_flag": 0.97,
    "design": 0.95,
}


def _gold_records() -> list[dict[str, Any]]:
    lines = AUDIT_GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    return evaluate(AUDIT_GOLD, verbose=True)


def test_every_audit_case_is_scored(report: EvaluationReport) -> None:
    expected_ids = [record["id"] for record in _gold_records()]
    assert report.records == len(expected_ids)
    assert [record.id for record in report.per_record] == expected_ids


def test_every_gold_item_is_counted(report: EvaluationReport) -> None:
    """tp + fn must equal the number of gold items, or the scorer skipped some."""
    gold = [record["gold"] for record in _gold_records()]
    assert report.p_values.tp + report.p_values.fn == sum(len(g["p_values"]) for g in gold)
    assert report.doses.tp + report.doses.fn == sum(len(g["doses"]) for g in gold)
    assert report.outcomes.tp + report.outcomes.fn == sum(len(g["outcome_measures"]) for g in gold)
    assert report.links.total == sum(
        1 for g in gold for p in g["p_values"] if p["outcome"] is not None
    )


@pytest.mark.parametrize(("metric", "threshold"), sorted(THRESHOLDS.items()))
def test_score_meets_threshold(report: EvaluationReport, metric: str, threshold: float) -> None:
    score = report.scores()[metric]
    assert score >= threshold, (
        f"{metric} = {score:.3f} < {threshold:.2f} on {AUDIT_GOLD.name}\n"
        + format_report(report, True)
    )
