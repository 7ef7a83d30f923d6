"""Validates ``tests/gold/audit4.jsonl``, the fourth audit's original gold cases.

The cases are original abstracts annotated by hand before any extractor ran on them. They
exercise between-group comparisons whose p-values test a group difference with no pre/post pair
(HSP vs healthy controls, HSP vs MS, ambulant vs non-ambulant, responders vs non-responders), the
daily dose as the compared or tested measure, pre/post pairs in other written forms (mean (SD)
with a test statistic, arrows, "decreased by X, from A to B", bracketed medians declared once
with "respectively"), sample sizes made of groups or pooled counts and the numbers that must not
become one (controls, referred, visits, planned numbers, ages), measures outside the lexicon
recorded after boluses or in gait laboratories, and dose kinds (screening and trial injections,
experimental boluses, oral doses and category cut-offs in reviews and methods).

A malformed case silently corrupts every score computed from it. The per-case schema checks and
the whole-file checks (count, ids, no copied text, one spelling per outcome name) run for it in
``tests/gold/test_gold_case_checks.py``, with the other later gold files, from the support module
``tests/gold/checks.py``; this module keeps what is particular to this file. No extractor runs
here.
"""

from __future__ import annotations

from tests.gold.checks import LEXICON, cases, load

CASES = cases("audit4.jsonl")
CASE_IDS = [str(case["id"]) for case in CASES]


def test_phenomena_are_covered_several_times() -> None:
    """The audit exists to exercise each phenomenon more than once; keep it so."""
    golds = [c["gold"] for c in CASES]
    doses = [d for g in golds for d in g["doses"]]
    p_values = [p for g in golds for p in g["p_values"]]
    results = [r for g in golds for r in g["results"]]
    abstracts = [c["abstract"] for c in CASES]
    lexicon = {record["canonical"] for record in load(LEXICON)}
    counts = {
        "between-group comparisons (notes)": sum(
            any(word in g["note"].lower() for word in (" vs ", "between-group", "group diff"))
            for g in golds
        ),
        "p-values testing the daily dose": sum(p["outcome"] == "Daily dose" for p in p_values),
        "cases testing the daily dose": sum(
            any(p["outcome"] == "Daily dose" for p in g["p_values"]) for g in golds
        ),
        "p-values linked to unlexiconed measures": sum(
            p["outcome"] is not None and p["outcome"] not in lexicon for p in p_values
        ),
        "arrow pairs in abstracts": sum("\u2192" in a for a in abstracts),
        "median results with an IQR": sum(
            r["pre"]["stat"] == "median" and r["pre"]["spread"]["type"] == "iqr" for r in results
        ),
        "mean results with an SD": sum(r["pre"]["spread"]["type"] == "sd" for r in results),
        "test statistics": sum(len(g.get("test_statistics", [])) for g in golds),
        "sums of groups or pooled counts (notes)": sum(
            "sum" in g["note"] or "pooled" in g["note"].lower() for g in golds
        ),
        "controls or referred not counted (notes)": sum(
            "controls" in g["note"] or "volunteers" in g["note"] or "referred" in g["note"].lower()
            for g in golds
        ),
        "test doses": sum(d["kind"] == "test" for d in doses),
        "bolus doses": sum(d["kind"] == "bolus" for d in doses),
        "oral doses": sum(d["route"] == "oral" for d in doses),
        "range-only doses": sum(d["value"] is None for d in doses),
        "null sample sizes": sum(g["sample_size"] is None for g in golds),
        "non-ITB cases": sum(not g["is_itb_study"] for g in golds),
        "HSP cases": sum(g["is_hsp_population"] for g in golds),
    }
    assert {name: n for name, n in counts.items() if n < 3} == {}
    assert {"rct", "case report", "systematic review/meta-analysis"} <= {g["design"] for g in golds}
