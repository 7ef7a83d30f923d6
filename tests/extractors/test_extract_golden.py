"""Golden tests over ../shared/gold/dev.jsonl (read in place) and tests/gold/composed.jsonl.

Values and spans: every extracted mention's offsets reproduce its text, the headline record
(PMID 31507512) is checked field by field, and the aggregate dev-set scores meet the targets.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from extractors import EXTRACTOR_VERSION, extract_study
from extractors.spans import all_provenances, sentence_of
from extractors.types import Provenance, StudyExtraction
from itb_evidence.evaluate import EvaluationReport, evaluate
from tests.conftest import REPO_ROOT, shared_path

COMPOSED = REPO_ROOT / "tests" / "gold" / "composed.jsonl"


def _records(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@cache
def _dev_report() -> EvaluationReport:
    return evaluate(shared_path("gold", "dev.jsonl"))


def _provenances(se: StudyExtraction) -> list[Provenance]:
    return all_provenances(se)


def _check_spans(record: dict[str, Any]) -> StudyExtraction:
    abstract = record["abstract"]
    se = extract_study(record["id"], record.get("title") or "", abstract)
    for prov in _provenances(se):
        assert abstract[prov.start : prov.end] == prov.text, (record["id"], prov)
        assert prov.text in sentence_of(se, prov) or prov.start == prov.end
        assert prov.rule_id
    assert se.extractor_version == EXTRACTOR_VERSION
    return se


@pytest.mark.shared
def test_dev_spans_are_exact_substrings() -> None:
    records = _records(shared_path("gold", "dev.jsonl"))
    assert len(records) == 19
    mentions = sum(len(_provenances(_check_spans(r))) for r in records)
    assert mentions > 100  # the dev set is rich in mentions; a silent extractor must fail here


@pytest.mark.skipif(not COMPOSED.exists(), reason="tests/gold/composed.jsonl not written yet")
def test_composed_spans_are_exact_substrings() -> None:
    for record in _records(COMPOSED):
        _check_spans(record)


@pytest.mark.shared
def test_pucks_faes_2019_headline_record() -> None:
    record = next(r for r in _records(shared_path("gold", "dev.jsonl")) if r["pmid"] == "31507512")
    se = _check_spans(record)
    assert se.is_itb_study and se.is_hsp_population
    assert se.design == "retrospective cohort"
    assert se.sample_size is not None and se.sample_size.n == 7
    assert se.sample_size.prov.text == "seven patients"
    assert [(p.comparator, p.value, p.outcome) for p in se.p_values] == [
        ("=", 0.046, "Modified Ashworth Scale"),
        ("=", 0.046, "Reflex Scale"),
        ("=", 0.083, "Modified Rankin Scale"),
        ("=", 0.18, "Rivermead Mobility Index"),
    ]
    assert [p.prov.section for p in se.p_values] == ["Results"] * 4
    (dose,) = se.doses
    assert dose.prov.text == "188 ± 60 (range 145-230) μg per day"
    assert (dose.value, dose.sd, dose.range, dose.unit) == (188, 60, (145, 230), "ug/day")
    assert (dose.drug, dose.route, dose.kind) == ("baclofen", "intrathecal", "daily")
    expected = [
        ("Modified Ashworth Scale", (3, 3, 3.25), (1, 1, 1.25), 0.046),
        ("Reflex Scale", (5, 4.75, 5), (3, 2.75, 3), 0.046),
        ("Modified Rankin Scale", (2, 2, 2), (1, 1, 1.5), 0.083),
        ("Rivermead Mobility Index", (14, 13.5, 14), (14, 14, 14), 0.18),
    ]
    assert len(se.results) == 4
    for result, (outcome, pre, post, p) in zip(se.results, expected, strict=True):
        assert result.outcome == outcome
        for stat, (value, lo, hi) in ((result.pre, pre), (result.post, post)):
            assert stat.stat == "median"
            assert stat.value == value
            assert stat.spread is not None and stat.spread.type == "iqr"
            assert (stat.spread.lo, stat.spread.hi) == (lo, hi)
        assert result.p is not None and result.p.value == p


# Dev-set floors, re-measured on the re-annotated ../shared/gold/dev.jsonl (the annotation guide
# ../shared/gold/CONVENTIONS.md; 25 edits there) with extractors-0.7.0: outcomes 0.800 (was 0.977
# against the old gold), link precision 0.842, every other metric 1.000. A floor a little under
# each score keeps one slip from failing the build; the gold is never bent back to the extractor.
DEV_FLOORS = {
    "p_values": 0.97,
    "doses": 0.95,
    "outcomes": 0.86,  # 0.874 with the outcome vocabulary 1.0 and its gate
    "sample_size": 0.95,
    "links": 0.95,
    "itb_flag": 0.95,
    "hsp_flag": 0.95,
    "design": 0.95,
    "results": 0.95,
    "result_spreads": 0.95,
    "result_p": 0.95,
    "link_precision": 0.87,  # 0.842 (vocabulary 1.0); 0.889 (P4 shared p-values left unlinked)
    "dose_drug": 0.95,
    "dose_route": 0.95,
    "dose_kind": 0.95,
}


@pytest.mark.shared
@pytest.mark.parametrize("metric", sorted(DEV_FLOORS))
def test_dev_scores_meet_floors(metric: str) -> None:
    score = _dev_report().scores()[metric]
    assert score >= DEV_FLOORS[metric], f"{metric}: {score:.3f} < floor {DEV_FLOORS[metric]}"


@pytest.mark.shared
def test_dev_results_and_links_are_counted() -> None:
    report = _dev_report()
    # Seven gold pre -> post results in the dev set, all matched. Two p-values are linked where
    # the re-annotated gold links none (P5-P6 of the guide; P4's shared p-value is left unlinked
    # since links2): a known gap, held from growing.
    assert report.results.tp + report.results.fn == 7
    assert report.spurious_links <= 2
    assert report.dose_drug.total == report.doses.tp == 15


# ../shared/gold/itb_hsp.jsonl: five more real ITB-in-HSP abstracts (dev side, read in place),
# measured with extractors-0.7.0 against their re-annotated gold: p-values 1.000, doses 0.750,
# outcomes 0.529, sample size 0.600, design 0.600, links 0.500. Floors guard against regression.
ITB_HSP_FLOORS = {
    "p_values": 0.95,
    "doses": 0.70,
    "outcomes": 0.50,
    "sample_size": 0.60,
    "design": 0.60,
    "links": 0.50,
}


@cache
def _itb_hsp_report() -> EvaluationReport:
    return evaluate(shared_path("gold", "itb_hsp.jsonl"))


@pytest.mark.shared
@pytest.mark.parametrize("metric", sorted(ITB_HSP_FLOORS))
def test_itb_hsp_scores_hold_their_floors(metric: str) -> None:
    score = _itb_hsp_report().scores()[metric]
    assert score >= ITB_HSP_FLOORS[metric], f"{metric}: {score:.3f} < {ITB_HSP_FLOORS[metric]}"
