"""Validates the hand-composed gold files ``tests/gold/composed.jsonl`` and ``audit.jsonl``.

The composed cases are the project's own evaluation material (original texts written for the
repository, unlike ``../shared/gold/dev.jsonl``, which is read in place); the audit cases are
original texts reproducing the precision failures found by auditing the extractors on real
abstracts (concentrations read as doses, years and device counts read as sample sizes, ...).
A malformed gold case silently corrupts every score computed from it, so each file's schema and
its internal consistency (every annotated ``text`` really is in the abstract, every link points
at a listed outcome) are checked here, case by case, without running any extractor.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

GOLD_DIR = Path(__file__).resolve().parent
COMPOSED_GOLD = GOLD_DIR / "composed.jsonl"
AUDIT_GOLD = GOLD_DIR / "audit.jsonl"
GOLD_FILES = (COMPOSED_GOLD, AUDIT_GOLD)

MIN_CASES = {COMPOSED_GOLD.name: 60, AUDIT_GOLD.name: 30}
TOP_KEYS = {"id", "pmid", "doi", "source_url", "title", "journal", "year", "abstract", "gold"}
GOLD_KEYS = {
    "is_itb_study",
    "is_hsp_population",
    "design",
    "sample_size",
    "outcome_measures",
    "doses",
    "p_values",
    "results",
    "note",
}
OPTIONAL_GOLD_KEYS = {"test_statistics"}
DOSE_KEYS = {"text", "drug", "route", "value", "sd", "range", "unit", "kind"}
P_VALUE_KEYS = {"text", "comparator", "value", "outcome"}
RESULT_KEYS = {"outcome", "pre", "post", "p"}
STATISTIC_KEYS = {"text", "stat", "value", "spread"}
SPREAD_KEYS = {"type", "lo", "hi", "sd"}
TEST_STATISTIC_KEYS = {"text", "kind", "value", "df", "p_reported", "p_comparator", "consistent"}

DESIGNS = {
    "rct",
    "prospective cohort",
    "retrospective cohort",
    "case series",
    "case report",
    "review",
    "systematic review/meta-analysis",
    "other",
}
COMPARATORS = {"=", "<", "<=", ">", ">="}
DOSE_UNITS = {"ug", "mg", "ug/day", "mg/day"}
DOSE_KINDS = {"daily", "bolus", "test", "other"}
STATS = {"median", "mean", "value"}
SPREAD_TYPES = {None, "iqr", "sd", "range", "ci95"}
TEST_KINDS = {"t", "F", "chi2", "z", "U", "W", "r"}


def _load_cases(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


CASES_BY_FILE = {path.name: _load_cases(path) for path in GOLD_FILES}
COMPOSED_CASES = CASES_BY_FILE[COMPOSED_GOLD.name]
# Every case of every gold file, each test id prefixed with its file ("audit.jsonl:a001-...").
CASES = [case for cases in CASES_BY_FILE.values() for case in cases]
CASE_IDS = [f"{name}:{case['id']}" for name, cases in CASES_BY_FILE.items() for case in cases]


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _assert_optional_number(value: object, where: str) -> None:
    assert value is None or _is_number(value), f"{where}: {value!r} is not a number or null"


@pytest.mark.parametrize("name", sorted(CASES_BY_FILE))
def test_file_has_enough_cases(name: str) -> None:
    assert len(CASES_BY_FILE[name]) >= MIN_CASES[name]


def test_case_ids_are_unique_across_gold_files() -> None:
    duplicates = [case_id for case_id, n in Counter(str(c["id"]) for c in CASES).items() if n > 1]
    assert duplicates == []


def test_audit_case_ids_are_numbered_in_order() -> None:
    """Audit ids are ``a001-...``, ``a002-...``: the report and the log refer to them by number."""
    numbers = [str(case["id"]).split("-", 1)[0] for case in CASES_BY_FILE[AUDIT_GOLD.name]]
    assert numbers == [f"a{i:03d}" for i in range(1, len(numbers) + 1)]


def test_every_outcome_name_is_spelled_one_way() -> None:
    """A canonical name spelled two ways (case or spacing) would split one measure in two,
    within a file or between the two files (they are scored with the same lexicon)."""
    names = {name for case in CASES for name in case["gold"]["outcome_measures"]}
    folded = Counter(" ".join(name.casefold().split()) for name in names)
    assert [name for name, n in folded.items() if n > 1] == []


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_record_keys_and_types(case: dict[str, Any]) -> None:
    assert set(case) == TOP_KEYS
    assert isinstance(case["id"], str) and case["id"]
    assert case["pmid"] is None and case["doi"] is None and case["source_url"] is None
    assert case["journal"] == "composed"
    assert isinstance(case["title"], str) and case["title"]
    assert isinstance(case["year"], int) and 1950 <= case["year"] <= 2030
    assert isinstance(case["abstract"], str) and case["abstract"].strip()
    gold = case["gold"]
    assert GOLD_KEYS <= set(gold) <= GOLD_KEYS | OPTIONAL_GOLD_KEYS
    assert isinstance(gold["is_itb_study"], bool)
    assert isinstance(gold["is_hsp_population"], bool)
    assert gold["design"] in DESIGNS
    size = gold["sample_size"]
    assert size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)
    assert isinstance(gold["note"], str) and gold["note"].strip()
    outcomes = gold["outcome_measures"]
    assert isinstance(outcomes, list) and all(isinstance(o, str) and o for o in outcomes)
    assert len(set(outcomes)) == len(outcomes), "an outcome is listed twice"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_doses(case: dict[str, Any]) -> None:
    abstract = case["abstract"]
    for dose in case["gold"]["doses"]:
        where = f"{case['id']} dose {dose.get('text')!r}"
        assert set(dose) == DOSE_KEYS, where
        assert abstract.count(dose["text"]) == 1, f"{where}: not exactly once in the abstract"
        assert dose["unit"] in DOSE_UNITS, where
        assert dose["kind"] in DOSE_KINDS, where
        assert isinstance(dose["drug"], str) and dose["drug"], where
        assert isinstance(dose["route"], str) and dose["route"], where
        _assert_optional_number(dose["value"], where)
        _assert_optional_number(dose["sd"], where)
        dose_range = dose["range"]
        if dose_range is not None:
            assert isinstance(dose_range, list) and len(dose_range) == 2, where
            assert all(_is_number(bound) for bound in dose_range), where
            assert dose_range[0] <= dose_range[1], where
        has_value_or_range = dose["value"] is not None or dose_range is not None
        assert has_value_or_range, f"{where}: no value and no range"
        if dose["value"] is None:
            assert dose["sd"] is None, f"{where}: an SD without a value"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_p_values(case: dict[str, Any]) -> None:
    abstract = case["abstract"]
    outcomes = set(case["gold"]["outcome_measures"])
    for p_value in case["gold"]["p_values"]:
        where = f"{case['id']} p-value {p_value.get('text')!r}"
        assert set(p_value) == P_VALUE_KEYS, where
        assert abstract.count(p_value["text"]) == 1, f"{where}: not exactly once in the abstract"
        assert p_value["comparator"] in COMPARATORS, where
        value = p_value["value"]
        if value is None:
            # "NS"/"not significant" reported without a number: annotated as '=' with no value.
            assert "NS" in p_value["text"] or "not significant" in p_value["text"], where
            assert p_value["comparator"] == "=", where
        else:
            assert _is_number(value) and 0.0 <= value <= 1.0, where
        assert p_value["outcome"] is None or p_value["outcome"] in outcomes, where


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_results(case: dict[str, Any]) -> None:
    gold = case["gold"]
    abstract = case["abstract"]
    for result in gold["results"]:
        where = f"{case['id']} result {result.get('outcome')!r}"
        assert set(result) == RESULT_KEYS, where
        assert result["outcome"] in gold["outcome_measures"], where
        for side in ("pre", "post"):
            statistic = result[side]
            assert set(statistic) == STATISTIC_KEYS, f"{where} {side}"
            assert statistic["text"] in abstract, f"{where} {side}: text not in abstract"
            assert statistic["stat"] in STATS, f"{where} {side}"
            _assert_optional_number(statistic["value"], f"{where} {side}")
            spread = statistic["spread"]
            assert set(spread) == SPREAD_KEYS, f"{where} {side}"
            assert spread["type"] in SPREAD_TYPES, f"{where} {side}"
            for key in ("lo", "hi", "sd"):
                _assert_optional_number(spread[key], f"{where} {side} {key}")
            if spread["type"] in {"iqr", "range", "ci95"}:
                assert spread["lo"] is not None and spread["hi"] is not None, f"{where} {side}"
                assert spread["lo"] <= spread["hi"], f"{where} {side}"
            if spread["type"] == "sd":
                assert spread["sd"] is not None and spread["sd"] >= 0, f"{where} {side}"
        linked = [p["value"] for p in gold["p_values"] if p["outcome"] == result["outcome"]]
        if result["p"] is not None:
            assert result["p"] in linked, f"{where}: result p {result['p']} not among {linked}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if "test_statistics" in c["gold"]], ids=lambda c: str(c["id"])
)
def test_test_statistics(case: dict[str, Any]) -> None:
    for statistic in case["gold"]["test_statistics"]:
        where = f"{case['id']} statistic {statistic.get('text')!r}"
        assert set(statistic) == TEST_STATISTIC_KEYS, where
        assert case["abstract"].count(statistic["text"]) == 1, where
        assert statistic["kind"] in TEST_KINDS, where
        assert _is_number(statistic["value"]), where
        assert all(_is_number(df) and df > 0 for df in statistic["df"]), where
        assert statistic["p_comparator"] in COMPARATORS, where
        reported = statistic["p_reported"]
        assert _is_number(reported) and 0.0 <= reported <= 1.0, where
        assert statistic["consistent"] in (True, False, None), where


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
