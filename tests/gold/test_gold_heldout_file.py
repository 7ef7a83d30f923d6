"""Validates ``tests/gold/heldout.jsonl``, the held-out gold cases nobody has tuned on.

The extractors were revised against ``composed.jsonl``, ``audit.jsonl`` and ``audit2.jsonl``, so
their scores there no longer measure generalisation. The held-out cases are original abstracts
(ITB in HSP, MS, SCI, CP, stroke and brain injury, oral baclofen, botulinum toxin, reviews, case
reports) composed and annotated before any extractor was run on them; the project reports its
honest numbers from them. Tuning rules on these cases would spend them: when a miss here is
fixed, add a new case to an audit file instead and keep this file as written.

A malformed case silently corrupts every score computed from it. The per-case schema checks and
the whole-file checks (count, ids, no copied text, one spelling per outcome name) run for it in
``tests/gold/test_gold_case_checks.py``, with the other later gold files, from the support module
``tests/gold/checks.py``; this module keeps what is particular to this file. No extractor runs
here.
"""

from __future__ import annotations

from tests.gold.checks import cases

CASES = cases("heldout.jsonl")
CASE_IDS = [str(case["id"]) for case in CASES]


def test_file_mixes_populations_and_designs() -> None:
    """A held-out set that is all ITB-in-HSP would overstate the study-level flags' accuracy."""
    golds = [c["gold"] for c in CASES]
    assert sum(not g["is_itb_study"] for g in golds) >= 3
    assert sum(not g["is_hsp_population"] for g in golds) >= 10
    assert sum(g["is_itb_study"] and g["is_hsp_population"] for g in golds) >= 10
    assert len({g["design"] for g in golds}) >= 6
