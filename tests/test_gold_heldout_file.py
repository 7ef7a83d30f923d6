"""Validates ``tests/gold/heldout.jsonl``, the held-out gold cases nobody has tuned on.

The extractors were revised against ``composed.jsonl``, ``audit.jsonl`` and ``audit2.jsonl``, so
their scores there no longer measure generalisation. The held-out cases are original abstracts
(ITB in HSP, MS, SCI, CP, stroke and brain injury, oral baclofen, botulinum toxin, reviews, case
reports) composed and annotated before any extractor was run on them; the project reports its
honest numbers from them. Tuning rules on these cases would spend them: when a miss here is
fixed, add a new case to an audit file instead and keep this file as written.

A malformed case silently corrupts every score computed from it, so each case is checked with
the per-case checks of ``tests/test_gold_composed_file.py`` and the p-value check of
``tests/test_gold_audit2_file.py`` (this file also uses more than one NS form), run for it in
``tests/test_gold_case_checks.py``; this module checks the file as a whole. No extractor runs
here.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import tests.test_gold_audit2_file as audit2_checks
import tests.test_gold_composed_file as gold_checks
from tests.conftest import shared_path

HELDOUT_GOLD = gold_checks.GOLD_DIR / "heldout.jsonl"
CASE_COUNT_RANGE = (30, 50)
# A shared abstract and a gold text sharing this many characters means copying, not composing.
COPY_WINDOW = 60


def _load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


CASES = _load(HELDOUT_GOLD)
CASE_IDS = [str(case["id"]) for case in CASES]
# Every case of the tuned-on gold files: the held-out file must not overlap them.
TUNED_CASES = [*gold_checks.CASES, *audit2_checks.CASES]


def test_case_count_is_in_the_agreed_range() -> None:
    low, high = CASE_COUNT_RANGE
    assert low <= len(CASES) <= high


def test_case_ids_are_numbered_in_order() -> None:
    """Ids are ``h001-...``, ``h002-...``: reports refer to held-out cases by number."""
    numbers = [case_id.split("-", 1)[0] for case_id in CASE_IDS]
    assert numbers == [f"h{i:03d}" for i in range(1, len(numbers) + 1)]


def test_case_ids_are_unique_across_all_gold_files() -> None:
    every_id = [str(c["id"]) for c in TUNED_CASES] + CASE_IDS
    assert [case_id for case_id, n in Counter(every_id).items() if n > 1] == []


def test_abstracts_are_not_repeated_from_tuned_gold_files() -> None:
    tuned = {c["abstract"] for c in TUNED_CASES}
    assert [c["id"] for c in CASES if c["abstract"] in tuned] == []
    assert len({c["abstract"] for c in CASES}) == len(CASES)


def test_no_abstract_shares_a_long_window_with_tuned_gold_files() -> None:
    """Held out means new text: no 60-character window of a tuned-on abstract is reused."""
    windows = {
        abstract[i : i + COPY_WINDOW]
        for abstract in (c["abstract"] for c in TUNED_CASES)
        for i in range(0, max(len(abstract) - COPY_WINDOW, 0) + 1, 10)
    }
    assert [c["id"] for c in CASES if any(w in c["abstract"] for w in windows)] == []


def test_every_outcome_name_is_spelled_one_way_across_gold_files() -> None:
    """A canonical name spelled two ways would split one measure in two when scored."""
    names = {n for c in [*TUNED_CASES, *CASES] for n in c["gold"]["outcome_measures"]}
    folded = Counter(" ".join(name.casefold().split()) for name in names)
    assert [name for name, n in folded.items() if n > 1] == []


def test_file_mixes_populations_and_designs() -> None:
    """A held-out set that is all ITB-in-HSP would overstate the study-level flags' accuracy."""
    golds = [c["gold"] for c in CASES]
    assert sum(not g["is_itb_study"] for g in golds) >= 3
    assert sum(not g["is_hsp_population"] for g in golds) >= 10
    assert sum(g["is_itb_study"] and g["is_hsp_population"] for g in golds) >= 10
    assert len({g["design"] for g in golds}) >= 6


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
