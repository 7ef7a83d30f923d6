"""Validates ``tests/gold/audit3.jsonl``, the third audit's original gold cases.

The cases are original abstracts annotated by hand before any extractor ran on them. They
exercise outcome measures outside the lexicon that carry their own p-values (often right after a
lexicon measure, where a "nearest earlier outcome" link is wrong), p-values that test the dose
itself, sample sizes made of subgroups or pooled counts and the counts that must not become one
(prevalence denominators, botulinum units, devices, limbs, screened, completers, controls),
pre/post pairs not written "from X to Y" ("respectively", "X before and Y after", table-like
lists, decimal commas), dash and decimal-point variants, dose kinds, the HSP flag in mixed
cohorts and design cues (chart reviews, audits, crossover trials, single-patient reports).

A malformed case silently corrupts every score computed from it, so each case is checked with
the per-case checks of ``tests/test_gold_composed_file.py`` and the p-value check of
``tests/test_gold_audit2_file.py`` (more than one NS form), run for it in
``tests/test_gold_case_checks.py``. The file must stay
new text: no 60-character window is shared with any other gold file or with the shared dev set.
No extractor runs here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import tests.test_gold_audit2_file as audit2_checks
import tests.test_gold_composed_file as gold_checks
import tests.test_gold_heldout_file as heldout_checks
from tests.conftest import shared_path

AUDIT3_GOLD = gold_checks.GOLD_DIR / "audit3.jsonl"
CASE_COUNT_RANGE = (35, 50)
# A gold text sharing this many characters with another abstract means copying, not composing.
COPY_WINDOW = 60
WINDOW_STEP = 10


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


CASES = _load(AUDIT3_GOLD)
CASE_IDS = [str(case["id"]) for case in CASES]
# Every case of the other gold files (composed, audit, audit2, heldout).
OTHER_CASES = [*gold_checks.CASES, *audit2_checks.CASES, *heldout_checks.CASES]


def _windows(abstracts: list[str]) -> set[str]:
    return {
        abstract[i : i + COPY_WINDOW]
        for abstract in abstracts
        for i in range(0, max(len(abstract) - COPY_WINDOW, 0) + 1, WINDOW_STEP)
    }


def test_case_count_is_in_the_agreed_range() -> None:
    low, high = CASE_COUNT_RANGE
    assert low <= len(CASES) <= high


def test_case_ids_are_numbered_in_order() -> None:
    """Ids are ``d001-...``, ``d002-...``: the audit log and the report refer to them by number."""
    numbers = [case_id.split("-", 1)[0] for case_id in CASE_IDS]
    assert numbers == [f"d{i:03d}" for i in range(1, len(numbers) + 1)]


def test_case_ids_are_unique_across_all_gold_files() -> None:
    every_id = [str(c["id"]) for c in OTHER_CASES] + CASE_IDS
    assert [case_id for case_id, n in Counter(every_id).items() if n > 1] == []


def test_abstracts_are_not_repeated_from_other_gold_files() -> None:
    others = {c["abstract"] for c in OTHER_CASES}
    assert [c["id"] for c in CASES if c["abstract"] in others] == []
    assert len({c["abstract"] for c in CASES}) == len(CASES)


def test_no_abstract_shares_a_long_window_with_other_gold_files() -> None:
    """New text: no 60-character window of a composed, audit, audit2 or heldout abstract."""
    windows = _windows([c["abstract"] for c in OTHER_CASES])
    assert [c["id"] for c in CASES if any(w in c["abstract"] for w in windows)] == []


def test_no_abstract_shares_a_long_window_with_another_audit3_case() -> None:
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
    abstracts = [c["abstract"] for c in CASES]
    lexicon_path = gold_checks.GOLD_DIR.parent.parent / "extractors" / "lexicons" / "outcomes.jsonl"
    lexicon = {record["canonical"] for record in _load(lexicon_path)}
    counts = {
        "p-values linked to unlexiconed measures": sum(
            p["outcome"] is not None and p["outcome"] not in lexicon for p in p_values
        ),
        "p-values testing the daily dose": sum(p["outcome"] == "Daily dose" for p in p_values),
        "sums of subgroups or pooled counts (notes)": sum(
            "sum" in g["note"] or "pooled" in g["note"].lower() for g in golds
        ),
        "mixed cohorts that include HSP (notes)": sum(
            g["is_hsp_population"] and "include" in g["note"] for g in golds
        ),
        "decimal-comma p-values": sum("0," in p["text"] for p in p_values),
        "middle-dot p-values": sum("\u00b7" in p["text"] for p in p_values),
        "en or em dash or U+2010 in abstracts": sum(
            any(ch in a for ch in "\u2010\u2013\u2014") for a in abstracts
        ),
        "test doses": sum(d["kind"] == "test" for d in doses),
        "bolus doses": sum(d["kind"] == "bolus" for d in doses),
        "range-only doses": sum(d["value"] is None for d in doses),
        "per-24-hour doses": sum("24 h" in d["text"] for d in doses),
        "oral doses": sum(d["route"] == "oral" for d in doses),
        "median results": sum(r["pre"]["stat"] == "median" for g in golds for r in g["results"]),
        "randomised trials": sum(g["design"] == "rct" for g in golds),
        "retrospective cohorts": sum(g["design"] == "retrospective cohort" for g in golds),
        "non-ITB cases": sum(not g["is_itb_study"] for g in golds),
        "null sample sizes": sum(g["sample_size"] is None for g in golds),
    }
    assert {name: n for name, n in counts.items() if n < 3} == {}
    assert any(g["design"] == "case report" for g in golds)
