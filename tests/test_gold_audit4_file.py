"""Validates ``tests/gold/audit4.jsonl``, the fourth audit's original gold cases.

The cases are original abstracts annotated by hand before any extractor ran on them. They
exercise between-group comparisons whose p-values test a group difference with no pre/post pair
(HSP vs healthy controls, HSP vs MS, ambulant vs non-ambulant, responders vs non-responders), the
daily dose as the compared or tested measure, pre/post pairs in other written forms (mean (SD)
with a test statistic, arrows, "decreased by X, from A to B", bracketed medians declared once
with "respectively"), sample sizes made of groups or pooled counts and the numbers that must not
become one (controls, referred, visits, planned numbers, ages), measures outside the lexicon
recorded after boluses or in gait laboratories, and dose kinds (screening and trial injections,
experimental boluses, oral doses and category cut-offs in reviews and methods).

A malformed case silently corrupts every score computed from it, so each case is checked here
with the per-case checks of ``tests/test_gold_composed_file.py`` and the p-value check of
``tests/test_gold_audit2_file.py`` (imported, not copied). The file must stay new text: no
60-character window is shared with any other gold file or with the shared dev set. No extractor
runs here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import tests.test_gold_audit2_file as audit2_checks
import tests.test_gold_composed_file as gold_checks
from tests.conftest import shared_path

AUDIT4_GOLD = gold_checks.GOLD_DIR / "audit4.jsonl"
CASE_COUNT_RANGE = (28, 45)
# A gold text sharing this many characters with another abstract means copying, not composing.
COPY_WINDOW = 60
WINDOW_STEP = 10
LEXICON = gold_checks.GOLD_DIR.parent.parent / "extractors" / "lexicons" / "outcomes.jsonl"


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


CASES = _load(AUDIT4_GOLD)
CASE_IDS = [str(case["id"]) for case in CASES]
# Every case of every other gold file (composed, audit, audit2, audit3, heldout, heldout2, ...).
OTHER_FILES = sorted(p for p in gold_checks.GOLD_DIR.glob("*.jsonl") if p != AUDIT4_GOLD)
OTHER_CASES = [case for path in OTHER_FILES for case in _load(path)]


def _windows(abstracts: list[str]) -> set[str]:
    return {
        abstract[i : i + COPY_WINDOW]
        for abstract in abstracts
        for i in range(0, max(len(abstract) - COPY_WINDOW, 0) + 1, WINDOW_STEP)
    }


def test_the_other_gold_files_are_loaded() -> None:
    names = {path.name for path in OTHER_FILES}
    assert {"composed.jsonl", "audit.jsonl", "audit2.jsonl", "audit3.jsonl"} <= names
    assert len(OTHER_CASES) > 200


def test_case_count_is_in_the_agreed_range() -> None:
    low, high = CASE_COUNT_RANGE
    assert low <= len(CASES) <= high


def test_case_ids_are_numbered_in_order() -> None:
    """Ids are ``e001-...``, ``e002-...``: the audit log and the report refer to them by number."""
    numbers = [case_id.split("-", 1)[0] for case_id in CASE_IDS]
    assert numbers == [f"e{i:03d}" for i in range(1, len(numbers) + 1)]


def test_case_ids_are_unique_across_all_gold_files() -> None:
    every_id = [str(c["id"]) for c in OTHER_CASES] + CASE_IDS
    assert [case_id for case_id, n in Counter(every_id).items() if n > 1] == []


def test_abstracts_are_not_repeated_from_other_gold_files() -> None:
    others = {c["abstract"] for c in OTHER_CASES}
    assert [c["id"] for c in CASES if c["abstract"] in others] == []
    assert len({c["abstract"] for c in CASES}) == len(CASES)


def test_no_abstract_shares_a_long_window_with_other_gold_files() -> None:
    """New text: no 60-character window of an abstract in any other gold file."""
    windows = _windows([c["abstract"] for c in OTHER_CASES])
    assert [c["id"] for c in CASES if any(w in c["abstract"] for w in windows)] == []


def test_no_abstract_shares_a_long_window_with_another_audit4_case() -> None:
    for case in CASES:
        others = [c["abstract"] for c in CASES if c["id"] != case["id"]]
        shared = [w for w in _windows([case["abstract"]]) if any(w in o for o in others)]
        assert shared == [], f"{case['id']} repeats {shared[0]!r}"


def test_no_case_copies_a_shared_dev_abstract() -> None:
    """The cases are composed, never copied: no 60-character window of a dev abstract appears."""
    dev = shared_path("gold", "dev.jsonl")
    windows = _windows([record["abstract"] for record in _load(dev)])
    assert [c["id"] for c in CASES if any(w in c["abstract"] for w in windows)] == []


def test_every_outcome_name_is_spelled_one_way_across_gold_files() -> None:
    """A canonical name spelled two ways would split one measure in two when scored."""
    names = {n for c in [*OTHER_CASES, *CASES] for n in c["gold"]["outcome_measures"]}
    folded = Counter(" ".join(name.casefold().split()) for name in names)
    assert [name for name, n in folded.items() if n > 1] == []


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_every_case_explains_its_hard_call(case: dict[str, Any]) -> None:
    assert len(case["gold"]["note"].split()) >= 12, "the note must say what the hard call is"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_record_keys_and_types(case: dict[str, Any]) -> None:
    gold_checks.test_record_keys_and_types(case)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_doses(case: dict[str, Any]) -> None:
    gold_checks.test_doses(case)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_p_values(case: dict[str, Any]) -> None:
    audit2_checks.test_p_values(case)


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_results(case: dict[str, Any]) -> None:
    gold_checks.test_results(case)


@pytest.mark.parametrize(
    "case", [c for c in CASES if "test_statistics" in c["gold"]], ids=lambda c: str(c["id"])
)
def test_test_statistics(case: dict[str, Any]) -> None:
    gold_checks.test_test_statistics(case)


def test_file_keeps_must_not_extract_cases() -> None:
    """Precision matters as much as recall: keep cases whose gold has no dose, no p-value and
    no sample size at all, and cases where a dose-like, count-like or p-like span yields
    nothing for that field."""
    golds = {str(c["id"]): c["gold"] for c in CASES}
    empty = [
        case_id
        for case_id, g in golds.items()
        if not g["doses"] and not g["p_values"] and g["sample_size"] is None
    ]
    assert len(empty) >= 2, empty
    traps = [case_id for case_id, g in golds.items() if "must-not-extract" in g["note"].lower()]
    assert len(traps) >= 6, traps


def test_phenomena_are_covered_several_times() -> None:
    """The audit exists to exercise each phenomenon more than once; keep it so."""
    golds = [c["gold"] for c in CASES]
    doses = [d for g in golds for d in g["doses"]]
    p_values = [p for g in golds for p in g["p_values"]]
    results = [r for g in golds for r in g["results"]]
    abstracts = [c["abstract"] for c in CASES]
    lexicon = {record["canonical"] for record in _load(LEXICON)}
    counts = {
        "between-group comparisons (notes)": sum(
            any(word in g["note"].lower() for word in (" vs ", "between-group", "group diff"))
            for g in golds
        ),
        "p-values testing the daily dose": sum(p["outcome"] == "Daily dose" for p in p_values),
        "cases testing the daily dose": sum(
            any(p["outcome"] == "Daily dose" for p in g["p_values"]) for g in golds
        ),
        "p-values linked to unlexiconed measures": sum(
            p["outcome"] is not None and p["outcome"] not in lexicon for p in p_values
        ),
        "arrow pairs in abstracts": sum("\u2192" in a for a in abstracts),
        "median results with an IQR": sum(
            r["pre"]["stat"] == "median" and r["pre"]["spread"]["type"] == "iqr" for r in results
        ),
        "mean results with an SD": sum(r["pre"]["spread"]["type"] == "sd" for r in results),
        "test statistics": sum(len(g.get("test_statistics", [])) for g in golds),
        "sums of groups or pooled counts (notes)": sum(
            "sum" in g["note"] or "pooled" in g["note"].lower() for g in golds
        ),
        "controls or referred not counted (notes)": sum(
            "controls" in g["note"] or "volunteers" in g["note"] or "referred" in g["note"].lower()
            for g in golds
        ),
        "test doses": sum(d["kind"] == "test" for d in doses),
        "bolus doses": sum(d["kind"] == "bolus" for d in doses),
        "oral doses": sum(d["route"] == "oral" for d in doses),
        "range-only doses": sum(d["value"] is None for d in doses),
        "null sample sizes": sum(g["sample_size"] is None for g in golds),
        "non-ITB cases": sum(not g["is_itb_study"] for g in golds),
        "HSP cases": sum(g["is_hsp_population"] for g in golds),
    }
    assert {name: n for name, n in counts.items() if n < 3} == {}
    assert {"rct", "case report", "systematic review/meta-analysis"} <= {g["design"] for g in golds}
