"""The per-case schema checks, once for every gold file that borrows them.

``tests/test_gold_composed_file.py`` defines the checks (keys and types, doses, results, test
statistics) and ``tests/test_gold_audit2_file.py`` the p-value check that knows every NS form; the
held-out and third-audit files are checked here with both, case by case, so a malformed case is
named in the failure. No extractor runs here.
"""

from __future__ import annotations

from typing import Any

import pytest

import tests.test_gold_audit2_file as audit2_checks
import tests.test_gold_audit3_file as audit3_file
import tests.test_gold_composed_file as gold_checks
import tests.test_gold_heldout_file as heldout_file

CASES = [*heldout_file.CASES, *audit3_file.CASES]
CASE_IDS = [str(case["id"]) for case in CASES]


def test_both_files_are_checked() -> None:
    assert len(CASES) == len(heldout_file.CASES) + len(audit3_file.CASES) > 70
    assert {case_id[0] for case_id in CASE_IDS} == {"h", "d"}


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
