"""Validates ``tests/gold/audit2.jsonl``, the second precision audit's original gold cases.

The cases reproduce failures found by running the extractors over real abstracts, the results
paragraphs of the shared full texts and composed ITB/HSP probes (concentrations with the drug
named between mass and volume, per-day exponents, fullwidth comparators, adjusted-p labels,
space-separated thousands, SPG genotypes outside the lexicon, ...), plus regression guards for
phenomena that work today. A malformed case silently corrupts every score computed from it, so
each case is checked with the same per-case checks as ``composed.jsonl`` and ``audit.jsonl``
(run in ``tests/test_gold_case_checks.py`` with the later gold files); only the p-value check is
defined here (``check_p_values``), because this file also uses the lower-case ``n.s.`` form of
the NS convention. No extractor runs here: scoring thresholds belong with the extractors.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import tests.gold.test_gold_composed_file as gold_checks
from tests.conftest import shared_path

AUDIT2_GOLD = gold_checks.GOLD_DIR / "audit2.jsonl"
CASE_COUNT_RANGE = (30, 50)
# "NS", "n.s." or "not significant" in the p slot: annotated as '=' with a null value.
NS_FORMS = ("NS", "n.s.", "not significant")
# A shared abstract and a gold text sharing this many characters means copying, not composing.
COPY_WINDOW = 60


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


CASES = _load(AUDIT2_GOLD)
CASE_IDS = [str(case["id"]) for case in CASES]


def test_case_count_is_in_the_agreed_range() -> None:
    low, high = CASE_COUNT_RANGE
    assert low <= len(CASES) <= high


def test_case_ids_are_numbered_in_order() -> None:
    """Ids are ``b001-...``, ``b002-...``: the audit log and the report refer to them by number."""
    numbers = [case_id.split("-", 1)[0] for case_id in CASE_IDS]
    assert numbers == [f"b{i:03d}" for i in range(1, len(numbers) + 1)]


def test_case_ids_are_unique_across_all_gold_files() -> None:
    every_id = [str(c["id"]) for c in gold_checks.CASES] + CASE_IDS
    assert [case_id for case_id, n in Counter(every_id).items() if n > 1] == []


def test_abstracts_are_not_repeated_from_other_gold_files() -> None:
    others = {c["abstract"] for c in gold_checks.CASES}
    assert [c["id"] for c in CASES if c["abstract"] in others] == []
    assert len({c["abstract"] for c in CASES}) == len(CASES)


def test_every_outcome_name_is_spelled_one_way_across_gold_files() -> None:
    """A canonical name spelled two ways would split one measure in two when scored."""
    names = {n for c in [*gold_checks.CASES, *CASES] for n in c["gold"]["outcome_measures"]}
    folded = Counter(" ".join(name.casefold().split()) for name in names)
    assert [name for name, n in folded.items() if n > 1] == []


def check_p_values(case: dict[str, Any]) -> None:
    """The composed file's p-value check, also knowing every NS form ("NS", "n.s.", "not
    significant"); run for this file and the later ones in ``tests/test_gold_case_checks.py``."""
    abstract = case["abstract"]
    outcomes = set(case["gold"]["outcome_measures"])
    for p_value in case["gold"]["p_values"]:
        where = f"{case['id']} p-value {p_value.get('text')!r}"
        assert set(p_value) == gold_checks.P_VALUE_KEYS, where
        assert abstract.count(p_value["text"]) == 1, f"{where}: not exactly once in the abstract"
        assert p_value["comparator"] in gold_checks.COMPARATORS, where
        value = p_value["value"]
        if value is None:
            assert any(form in p_value["text"] for form in NS_FORMS), where
            assert p_value["comparator"] == "=", where
        else:
            assert gold_checks._is_number(value) and 0.0 <= value <= 1.0, where
        assert p_value["outcome"] is None or p_value["outcome"] in outcomes, where


def test_file_keeps_must_not_extract_cases() -> None:
    """Precision is the audit's point: keep cases whose gold has no dose, no p-value and no
    sample size at all, and cases where a dose-like or count-like number must yield nothing."""
    empty = [
        c["id"]
        for c in CASES
        if not c["gold"]["doses"] and not c["gold"]["p_values"] and c["gold"]["sample_size"] is None
    ]
    assert len(empty) >= 2, empty


def test_no_case_copies_a_shared_dev_abstract() -> None:
    """The cases are composed, never copied: no 60-character window of a dev abstract appears."""
    dev = shared_path("gold", "dev.jsonl")
    windows = {
        abstract[i : i + COPY_WINDOW]
        for abstract in (record["abstract"] for record in _load(dev))
        for i in range(0, max(len(abstract) - COPY_WINDOW, 0) + 1, 10)
    }
    copied = [c["id"] for c in CASES if any(w in c["abstract"] for w in windows)]
    assert copied == []
