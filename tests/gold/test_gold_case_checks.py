"""Checks shared by the later gold files (audit3, audit4, heldout, heldout2), once for all four.

Per case (audit2 too): the schema checks of ``tests/gold/checks.py`` that also run for
``composed.jsonl`` and ``audit.jsonl`` (keys and types, doses, results, test statistics) and its
p-value check with every NS form ("NS", "n.s.", "not significant"). Per file: the agreed case count,
ids numbered in order with the file's prefix, ids unique and abstracts new across every gold
file, no 60-character window shared with another gold file, another case of the same file or the
shared dev set (copying, not composing), and one spelling per outcome name. A malformed case
silently corrupts every score computed from it, so failures name the case. The audits (audit3,
audit4) also keep their must-not-extract cases and a note on every hard call. The file-specific
checks (phenomena covered, the held-out mix) stay in each file's own module. No extractor runs
here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import shared_path
from tests.gold import checks
from tests.gold.checks import AUDIT2_GOLD, load, windows


@dataclass(frozen=True)
class GoldFile:
    name: str
    prefix: str  # ids are f"{prefix}001-...", numbered in order
    count_range: tuple[int, int]


CHECKED = (
    GoldFile("heldout.jsonl", "h", (30, 50)),
    GoldFile("audit3.jsonl", "d", (35, 50)),
    GoldFile("audit4.jsonl", "e", (28, 45)),
    GoldFile("heldout2.jsonl", "g", (25, 40)),
)

CASES_BY_FILE = {gold.name: checks.cases(gold.name) for gold in CHECKED}
ALL_FILES = checks.all_gold_files()
CASES = [case for gold in CHECKED for case in CASES_BY_FILE[gold.name]]
CASE_IDS = [str(case["id"]) for case in CASES]
# The per-case schema checks also cover audit2, whose whole-file checks are its own.
PER_CASE = [*checks.cases(AUDIT2_GOLD.name), *CASES]
PER_CASE_IDS = [str(case["id"]) for case in PER_CASE]


def _others(name: str) -> list[dict[str, Any]]:
    return [case for path in ALL_FILES if path.name != name for case in load(path)]


def test_every_checked_file_and_every_gold_file_is_loaded() -> None:
    assert {gold.name for gold in CHECKED} <= {path.name for path in ALL_FILES}
    assert len(CASES) == sum(len(cases) for cases in CASES_BY_FILE.values()) > 130
    assert len(ALL_FILES) >= 7


@pytest.mark.parametrize("gold", CHECKED, ids=lambda g: g.name)
def test_case_count_is_in_the_agreed_range(gold: GoldFile) -> None:
    low, high = gold.count_range
    assert low <= len(CASES_BY_FILE[gold.name]) <= high


@pytest.mark.parametrize("gold", CHECKED, ids=lambda g: g.name)
def test_case_ids_are_numbered_in_order(gold: GoldFile) -> None:
    """Ids are ``<prefix>001-...``, ``<prefix>002-...``: reports refer to cases by number."""
    numbers = [str(case["id"]).split("-", 1)[0] for case in CASES_BY_FILE[gold.name]]
    assert numbers == [f"{gold.prefix}{i:03d}" for i in range(1, len(numbers) + 1)]


def test_case_ids_are_unique_across_all_gold_files() -> None:
    every_id = [str(case["id"]) for path in ALL_FILES for case in load(path)]
    assert checks.duplicates(every_id) == []


@pytest.mark.parametrize("gold", CHECKED, ids=lambda g: g.name)
def test_abstracts_are_new(gold: GoldFile) -> None:
    cases = CASES_BY_FILE[gold.name]
    others = {case["abstract"] for case in _others(gold.name)}
    assert [case["id"] for case in cases if case["abstract"] in others] == []
    assert len({case["abstract"] for case in cases}) == len(cases)


@pytest.mark.parametrize("gold", CHECKED, ids=lambda g: g.name)
def test_no_abstract_shares_a_long_window_with_another_gold_file(gold: GoldFile) -> None:
    shared = windows([case["abstract"] for case in _others(gold.name)])
    cases = CASES_BY_FILE[gold.name]
    assert [case["id"] for case in cases if any(w in case["abstract"] for w in shared)] == []


@pytest.mark.parametrize("gold", CHECKED, ids=lambda g: g.name)
def test_no_abstract_shares_a_long_window_with_another_case_of_its_file(gold: GoldFile) -> None:
    cases = CASES_BY_FILE[gold.name]
    for case in cases:
        others = [c["abstract"] for c in cases if c["id"] != case["id"]]
        repeated = [w for w in windows([case["abstract"]]) if any(w in o for o in others)]
        assert repeated == [], f"{case['id']} repeats {repeated[0]!r}"


@pytest.mark.shared
@pytest.mark.parametrize("gold", CHECKED, ids=lambda g: g.name)
def test_no_case_copies_a_shared_dev_abstract(gold: GoldFile) -> None:
    dev = windows([record["abstract"] for record in load(shared_path("gold", "dev.jsonl"))])
    cases = CASES_BY_FILE[gold.name]
    assert [case["id"] for case in cases if any(w in case["abstract"] for w in dev)] == []


def test_every_outcome_name_is_spelled_one_way_across_gold_files() -> None:
    """A canonical name spelled two ways would split one measure in two when scored."""
    names = {n for path in ALL_FILES for c in load(path) for n in c["gold"]["outcome_measures"]}
    assert checks.spelled_two_ways(names) == []


AUDITS = ("audit3.jsonl", "audit4.jsonl")
AUDIT_CASES = [case for name in AUDITS for case in CASES_BY_FILE[name]]


@pytest.mark.parametrize("case", AUDIT_CASES, ids=lambda c: str(c["id"]))
def test_every_audit_case_explains_its_hard_call(case: dict[str, Any]) -> None:
    assert len(case["gold"]["note"].split()) >= 12, "the note must say what the hard call is"


@pytest.mark.parametrize("name", AUDITS)
def test_audit_files_keep_must_not_extract_cases(name: str) -> None:
    """Precision matters as much as recall: keep cases whose gold has no dose, no p-value and
    no sample size at all, and cases where a dose-like, count-like or p-like span yields
    nothing for that field."""
    golds = {str(c["id"]): c["gold"] for c in CASES_BY_FILE[name]}
    empty = [
        case_id
        for case_id, g in golds.items()
        if not g["doses"] and not g["p_values"] and g["sample_size"] is None
    ]
    assert len(empty) >= 2, empty
    traps = [case_id for case_id, g in golds.items() if "must-not-extract" in g["note"].lower()]
    assert len(traps) >= 6, traps


@pytest.mark.parametrize("case", PER_CASE, ids=PER_CASE_IDS)
def test_record_keys_and_types(case: dict[str, Any]) -> None:
    checks.check_record_keys_and_types(case)


@pytest.mark.parametrize("case", PER_CASE, ids=PER_CASE_IDS)
def test_doses(case: dict[str, Any]) -> None:
    checks.check_doses(case)


@pytest.mark.parametrize("case", PER_CASE, ids=PER_CASE_IDS)
def test_p_values(case: dict[str, Any]) -> None:
    checks.check_p_values(case, checks.NS_FORMS)


@pytest.mark.parametrize("case", PER_CASE, ids=PER_CASE_IDS)
def test_results(case: dict[str, Any]) -> None:
    checks.check_results(case)


@pytest.mark.parametrize(
    "case", [c for c in PER_CASE if checks.has_test_statistics(c)], ids=checks.case_id
)
def test_test_statistics(case: dict[str, Any]) -> None:
    checks.check_test_statistics(case)
