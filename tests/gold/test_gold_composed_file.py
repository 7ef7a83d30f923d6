"""Validates the hand-composed gold files ``tests/gold/composed.jsonl`` and ``audit.jsonl``.

The composed cases are the project's own evaluation material (original texts written for the
repository, unlike ``../shared/gold/dev.jsonl``, which is read in place); the audit cases are
original texts reproducing the precision failures found by auditing the extractors on real
abstracts (concentrations read as doses, years and device counts read as sample sizes, ...).
A malformed gold case silently corrupts every score computed from it, so each file's schema and
its internal consistency (every annotated ``text`` really is in the abstract, every link points
at a listed outcome) are checked here, case by case, without running any extractor; the per-case
checks themselves live in ``tests/gold/checks.py``, shared with the later gold files' tests.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.gold import checks
from tests.gold.checks import AUDIT_GOLD, COMPOSED_GOLD, DESIGNS, NS_FORMS_FIRST

GOLD_FILES = (COMPOSED_GOLD, AUDIT_GOLD)
MIN_CASES = {COMPOSED_GOLD.name: 60, AUDIT_GOLD.name: 30}

CASES_BY_FILE = {path.name: checks.cases(path.name) for path in GOLD_FILES}
COMPOSED_CASES = CASES_BY_FILE[COMPOSED_GOLD.name]
# Every case of every gold file, each test id prefixed with its file ("audit.jsonl:a001-...").
CASES = [case for cases in CASES_BY_FILE.values() for case in cases]
CASE_IDS = [f"{name}:{case['id']}" for name, cases in CASES_BY_FILE.items() for case in cases]


@pytest.mark.parametrize("name", sorted(CASES_BY_FILE))
def test_file_has_enough_cases(name: str) -> None:
    assert len(CASES_BY_FILE[name]) >= MIN_CASES[name]


def test_case_ids_are_unique_across_gold_files() -> None:
    assert checks.duplicates([str(c["id"]) for c in CASES]) == []


def test_audit_case_ids_are_numbered_in_order() -> None:
    """Audit ids are ``a001-...``, ``a002-...``: the report and the log refer to them by number."""
    numbers = [str(case["id"]).split("-", 1)[0] for case in CASES_BY_FILE[AUDIT_GOLD.name]]
    assert numbers == [f"a{i:03d}" for i in range(1, len(numbers) + 1)]


def test_every_outcome_name_is_spelled_one_way() -> None:
    """A canonical name spelled two ways (case or spacing) would split one measure in two,
    within a file or between the two files (they are scored with the same lexicon)."""
    names = {name for case in CASES for name in case["gold"]["outcome_measures"]}
    assert checks.spelled_two_ways(names) == []


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_record_keys_and_types(case: dict[str, Any]) -> None:
    checks.check_record_keys_and_types(case)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_doses(case: dict[str, Any]) -> None:
    checks.check_doses(case)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_p_values(case: dict[str, Any]) -> None:
    checks.check_p_values(case, NS_FORMS_FIRST)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_results(case: dict[str, Any]) -> None:
    checks.check_results(case)


@pytest.mark.parametrize(
    "case", [c for c in CASES if checks.has_test_statistics(c)], ids=checks.case_id
)
def test_test_statistics(case: dict[str, Any]) -> None:
    checks.check_test_statistics(case)


def test_phenomena_are_covered_several_times() -> None:
    """composed.jsonl exists to exercise each phenomenon of issue 4 more than once; keep it so."""
    doses = [d for c in COMPOSED_CASES for d in c["gold"]["doses"]]
    p_values = [p for c in COMPOSED_CASES for p in c["gold"]["p_values"]]
    abstracts = [c["abstract"] for c in COMPOSED_CASES]
    counts = {
        "range-only doses": sum(d["value"] is None for d in doses),
        "test doses": sum(d["kind"] == "test" for d in doses),
        "bolus doses": sum(d["kind"] == "bolus" for d in doses),
        "oral doses": sum(d["route"] == "oral" for d in doses),
        "micro sign U+00B5": sum("\u00b5" in d["text"] for d in doses),
        "Greek mu U+03BC": sum("\u03bc" in d["text"] for d in doses),
        "mcg or micrograms": sum("mcg" in d["text"] or "microgram" in d["text"] for d in doses),
        "NS p-values": sum(p["value"] is None for p in p_values),
        "unlinked p-values": sum(p["outcome"] is None for p in p_values),
        "scientific-notation p-values": sum(
            "10\u2212" in p["text"] or "e-" in p["text"] or "10^" in p["text"] for p in p_values
        ),
        "'+/-'": sum("+/-" in a for a in abstracts),
        "non-ITB cases": sum(not c["gold"]["is_itb_study"] for c in COMPOSED_CASES),
        "non-HSP ITB cases": sum(
            c["gold"]["is_itb_study"] and not c["gold"]["is_hsp_population"] for c in COMPOSED_CASES
        ),
        "null sample sizes": sum(c["gold"]["sample_size"] is None for c in COMPOSED_CASES),
    }
    assert {name: n for name, n in counts.items() if n < 2} == {}
    assert {c["gold"]["design"] for c in COMPOSED_CASES} == DESIGNS


def test_audit_file_keeps_must_not_extract_cases() -> None:
    """Precision is the audit's point: it must keep cases whose gold finds no dose, no p-value
    and no sample size at all, and cases where a number-bearing span must yield nothing."""
    audit = CASES_BY_FILE[AUDIT_GOLD.name]
    empty = [
        c["id"]
        for c in audit
        if not c["gold"]["doses"] and not c["gold"]["p_values"] and c["gold"]["sample_size"] is None
    ]
    assert len(empty) >= 2, empty
