"""Validates ``tests/gold/heldout2.jsonl``, the second held-out gold file: never tuned on.

The first held-out file (``heldout.jsonl``) was spent: the audit3 cases reproduce its failure
kinds and the extractors were revised against them. These 30 cases are new original abstracts,
written and annotated by hand before any extractor ran on them, in the mix a literature search on
intrathecal baclofen (ITB) in hereditary spastic paraplegia (HSP) returns: ITB in HSP and in mixed
spastic paraparesis (series, cohorts, a crossover bolus trial, case reports, long-term follow-up),
ITB in multiple sclerosis, spinal cord injury, cerebral palsy, stroke and brain injury, hard
negatives (HSP without ITB, oral baclofen, another intrathecal drug), reviews, a meta-analysis,
an editorial, a conference-style abstract, a letter and a very long results paragraph. Their
scores are the honest estimate of how the extractors generalise. Never tune rules on them: when
a miss here is fixed, reproduce it in new wording in an audit file and keep this file as written.

A malformed case silently corrupts every score computed from it, so each case is checked with
the per-case checks of ``tests/test_gold_composed_file.py`` and the p-value check of
``tests/test_gold_audit2_file.py`` (this file uses "NS", "n.s." and "not significant"), imported,
not copied; this module also checks the file as a whole against every other gold file. No
extractor runs here.
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

HELDOUT2_GOLD = gold_checks.GOLD_DIR / "heldout2.jsonl"
CASE_COUNT_RANGE = (25, 40)
# A gold text sharing this many characters with another abstract means copying, not composing.
COPY_WINDOW = 60
WINDOW_STEP = 10


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


CASES = _load(HELDOUT2_GOLD)
CASE_IDS = [str(case["id"]) for case in CASES]
# Every case of every other gold file in the repository (composed, audit*, heldout, ...).
OTHER_FILES = sorted(p for p in gold_checks.GOLD_DIR.glob("*.jsonl") if p != HELDOUT2_GOLD)
OTHER_CASES = [case for path in OTHER_FILES for case in _load(path)]


def _windows(abstracts: list[str]) -> set[str]:
    return {
        abstract[i : i + COPY_WINDOW]
        for abstract in abstracts
        for i in range(0, max(len(abstract) - COPY_WINDOW, 0) + 1, WINDOW_STEP)
    }


def _copied_from(abstracts: list[str]) -> list[str]:
    windows = _windows(abstracts)
    return [str(c["id"]) for c in CASES if any(w in c["abstract"] for w in windows)]


def test_the_other_gold_files_are_loaded() -> None:
    names = {path.name for path in OTHER_FILES}
    assert {"composed.jsonl", "audit.jsonl", "audit2.jsonl", "heldout.jsonl"} <= names


def test_case_count_is_in_the_agreed_range() -> None:
    low, high = CASE_COUNT_RANGE
    assert low <= len(CASES) <= high


def test_case_ids_are_numbered_in_order() -> None:
    """Ids are ``g001-...``, ``g002-...``: reports refer to these held-out cases by number."""
    numbers = [case_id.split("-", 1)[0] for case_id in CASE_IDS]
    assert numbers == [f"g{i:03d}" for i in range(1, len(numbers) + 1)]


def test_case_ids_are_unique_across_all_gold_files() -> None:
    every_id = [str(c["id"]) for c in OTHER_CASES] + CASE_IDS
    assert [case_id for case_id, n in Counter(every_id).items() if n > 1] == []


def test_abstracts_are_not_repeated_from_other_gold_files() -> None:
    others = {c["abstract"] for c in OTHER_CASES}
    assert [c["id"] for c in CASES if c["abstract"] in others] == []
    assert len({c["abstract"] for c in CASES}) == len(CASES)


def test_no_abstract_shares_a_long_window_with_other_gold_files() -> None:
    """Held out means new text: no 60-character window of another gold abstract is reused."""
    assert _copied_from([c["abstract"] for c in OTHER_CASES]) == []


def test_no_case_copies_a_shared_dev_abstract() -> None:
    """The cases are composed, never copied: no 60-character window of a dev abstract appears."""
    dev = shared_path("gold", "dev.jsonl")
    assert _copied_from([record["abstract"] for record in _load(dev)]) == []


def test_every_outcome_name_is_spelled_one_way_across_gold_files() -> None:
    """A canonical name spelled two ways would split one measure in two when scored."""
    names = {n for c in [*OTHER_CASES, *CASES] for n in c["gold"]["outcome_measures"]}
    folded = Counter(" ".join(name.casefold().split()) for name in names)
    assert [name for name, n in folded.items() if n > 1] == []


def test_file_mixes_populations_and_designs() -> None:
    """A held-out set that is all ITB-in-HSP would overstate the study-level flags' accuracy."""
    golds = [c["gold"] for c in CASES]
    assert sum(not g["is_itb_study"] for g in golds) >= 5
    assert sum(not g["is_hsp_population"] for g in golds) >= 6
    assert sum(g["is_itb_study"] and g["is_hsp_population"] for g in golds) >= 12
    assert sum(g["is_itb_study"] and not g["is_hsp_population"] for g in golds) >= 6
    assert len({g["design"] for g in golds}) >= 7


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
