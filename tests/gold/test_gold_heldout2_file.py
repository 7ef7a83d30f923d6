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

A malformed case silently corrupts every score computed from it. The per-case schema checks and
the whole-file checks (count, ids, no copied text, one spelling per outcome name) run for it in
``tests/gold/test_gold_case_checks.py``, with the other later gold files, from the support module
``tests/gold/checks.py``; this module keeps what is particular to this file. No extractor runs
here.
"""

from __future__ import annotations

from tests.gold.checks import cases

CASES = cases("heldout2.jsonl")
CASE_IDS = [str(case["id"]) for case in CASES]


def test_file_mixes_populations_and_designs() -> None:
    """A held-out set that is all ITB-in-HSP would overstate the study-level flags' accuracy."""
    golds = [c["gold"] for c in CASES]
    assert sum(not g["is_itb_study"] for g in golds) >= 5
    assert sum(not g["is_hsp_population"] for g in golds) >= 6
    assert sum(g["is_itb_study"] and g["is_hsp_population"] for g in golds) >= 12
    assert sum(g["is_itb_study"] and not g["is_hsp_population"] for g in golds) >= 6
    assert len({g["design"] for g in golds}) >= 7
