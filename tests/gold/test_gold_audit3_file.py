"""Validates ``tests/gold/audit3.jsonl``, the third audit's original gold cases.

The cases are original abstracts annotated by hand before any extractor ran on them. They
exercise outcome measures outside the lexicon that carry their own p-values (often right after a
lexicon measure, where a "nearest earlier outcome" link is wrong), p-values that test the dose
itself, sample sizes made of subgroups or pooled counts and the counts that must not become one
(prevalence denominators, botulinum units, devices, limbs, screened, completers, controls),
pre/post pairs not written "from X to Y" ("respectively", "X before and Y after", table-like
lists, decimal commas), dash and decimal-point variants, dose kinds, the HSP flag in mixed
cohorts and design cues (chart reviews, audits, crossover trials, single-patient reports).

A malformed case silently corrupts every score computed from it. The per-case schema checks and
the whole-file checks (count, ids, no copied text, one spelling per outcome name) run for it in
``tests/gold/test_gold_case_checks.py``, with the other later gold files, from the support module
``tests/gold/checks.py``; this module keeps what is particular to this file. No extractor runs
here.
"""

from __future__ import annotations

from tests.gold.checks import LEXICON, cases, load

CASES = cases("audit3.jsonl")
CASE_IDS = [str(case["id"]) for case in CASES]


def test_phenomena_are_covered_several_times() -> None:
    """The audit exists to exercise each phenomenon more than once; keep it so."""
    golds = [c["gold"] for c in CASES]
    doses = [d for g in golds for d in g["doses"]]
    p_values = [p for g in golds for p in g["p_values"]]
    abstracts = [c["abstract"] for c in CASES]
    lexicon = {record["canonical"] for record in load(LEXICON)}
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
