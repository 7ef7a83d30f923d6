"""Validates ``tests/gold/audit2.jsonl``, the second precision audit's original gold cases.

The cases reproduce failures found by running the extractors over real abstracts, the results
paragraphs of the shared full texts and composed ITB/HSP probes (concentrations with the drug
named between mass and volume, per-day exponents, fullwidth comparators, adjusted-p labels,
space-separated thousands, SPG genotypes outside the lexicon, ...), plus regression guards for
phenomena that work today. A malformed case silently corrupts every score computed from it, so
each case is checked with the same per-case checks as ``composed.jsonl`` and ``audit.jsonl``
(``tests/gold/checks.py``, run in ``tests/gold/test_gold_case_checks.py`` with the later gold
files; its p-value check also knows the lower-case ``n.s.`` form of the NS convention, which this
file uses). This module keeps the whole-file checks. No extractor runs here: scoring thresholds
belong with the extractors.
"""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tests.gold import checks
from tests.gold.checks import AUDIT2_GOLD, AUDIT_GOLD, COMPOSED_GOLD

CASE_COUNT_RANGE = (30, 50)

CASES = checks.cases(AUDIT2_GOLD.name)
CASE_IDS = [str(case["id"]) for case in CASES]
# The cases of the two files written before this one (composed.jsonl and audit.jsonl).
EARLIER_CASES = [*checks.cases(COMPOSED_GOLD.name), *checks.cases(AUDIT_GOLD.name)]


def test_case_count_is_in_the_agreed_range() -> None:
    low, high = CASE_COUNT_RANGE
    assert low <= len(CASES) <= high


def test_case_ids_are_numbered_in_order() -> None:
    """Ids are ``b001-...``, ``b002-...``: the audit log and the report refer to them by number."""
    numbers = [case_id.split("-", 1)[0] for case_id in CASE_IDS]
    assert numbers == [f"b{i:03d}" for i in range(1, len(numbers) + 1)]


def test_case_ids_are_unique_across_all_gold_files() -> None:
    every_id = [str(c["id"]) for c in EARLIER_CASES] + CASE_IDS
    assert checks.duplicates(every_id) == []


def test_abstracts_are_not_repeated_from_other_gold_files() -> None:
    others = {c["abstract"] for c in EARLIER_CASES}
    assert [c["id"] for c in CASES if c["abstract"] in others] == []
    assert len({c["abstract"] for c in CASES}) == len(CASES)


def test_every_outcome_name_is_spelled_one_way_across_gold_files() -> None:
    """A canonical name spelled two ways would split one measure in two when scored."""
    names = {n for c in [*EARLIER_CASES, *CASES] for n in c["gold"]["outcome_measures"]}
    assert checks.spelled_two_ways(names) == []


def test_file_keeps_must_not_extract_cases() -> None:
    """Precision is the audit's point: keep cases whose gold has no dose, no p-value and no
    sample size at all, and cases where a dose-like or count-like number must yield nothing."""
    empty = [
        c["id"]
        for c in CASES
        if not c["gold"]["doses"] and not c["gold"]["p_values"] and c["gold"]["sample_size"] is None
    ]
    assert len(empty) >= 2, empty


@pytest.mark.shared
def test_no_case_copies_a_shared_dev_abstract() -> None:
    """The cases are composed, never copied: no 60-character window of a dev abstract appears."""
    dev = shared_path("gold", "dev.jsonl")
    windows = checks.windows([record["abstract"] for record in checks.load(dev)])
    copied = [c["id"] for c in CASES if any(w in c["abstract"] for w in windows)]
    assert copied == []
