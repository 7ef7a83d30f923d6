"""Hypothesis properties: on any text the extractor never raises and every span is exact."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import extract_study
from extractors.spans import all_provenances
from extractors.types import StudyExtraction

# Fragments of clinical abstracts, including the traps the rules must survive.
FRAGMENTS = [
    "The modified Ashworth Scale (MAS) improved from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046)",
    "188 ± 60 (range 145-230) μg per day",
    "57–187 µg/day",
    "P < or = .0005",
    "p less than .0001",
    "(< 0.0001)",
    "p = 1.2 × 10−4",
    "t(23) = 2.5",
    "F(1, 20) = 4.35",
    "χ2(2) = 6.1",
    "Of the 140 patients assessed, 7 met the criteria",
    "Twenty-five patients",
    "n = 8",
    "(TBI).Design: Case series.",
    "3.3+/-1.2",
    "rectus femoris (P=0.04) and gastrocnemius spasticity",
    "13 ± 6 (range 9-16) years",
    "intrathecal baclofen (ITB)",
    "hereditary spastic paraplegia (HSP)",
    "from",
    "to",
    "(",
    ")",
    "[IQR]",
    "; ",
    ". ",
    "\n",
    "Results: ",
    "remained 14 (IQR 13.5-14 pre, IQR 14-14 post; p = 0.18)",
    "10 mg t.i.d. (B10 mg)",
    "NS",
    "μ",
    "µ",
    "–",
    "\u2010",
    # extractors-0.6.0 rules: finding subjects, pair forms, subgroup sums, dose kinds
    "Nocturnal awakenings decreased",
    "the number of spasms per day recorded in diaries (p = 0.008)",
    "a reduction in soleus H-reflex amplitude",
    "was 0.31 ± 0.08 mL/kg/m, and after one year it was",
    "Mean scores at baseline vs one year were: Barry\u2014Albright Dystonia Scale, 14·2 vs 10·1",
    "3 [2–4] before and 1 [1–2] after",
    "respectively (p = 0,01 and p = 0,03)",
    "2,8 ± 0,6 to 1,4 ± 0,5",
    "Values are median [IQR].",
    "(9 with HSP and 11 with MS)",
    "Eight studies, 143 patients in total",
    "per 100,000",
    "a total of 300 U",
    "a 75 µg dose of intrathecal baclofen",
    "hereditary in 12, acquired in 18",
    "knee flexion in swing increased",
]


def _assert_spans(text: str, se: StudyExtraction) -> None:
    for prov in all_provenances(se):
        assert 0 <= prov.start <= prov.end <= len(text)
        assert text[prov.start : prov.end] == prov.text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400), st.text(max_size=60))
def test_arbitrary_text_never_raises_and_spans_are_exact(abstract: str, title: str) -> None:
    _assert_spans(abstract, extract_study("h", title, abstract))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), max_size=25).map(" ".join)
)
def test_clinical_fragment_text_never_raises_and_spans_are_exact(abstract: str) -> None:
    _assert_spans(abstract, extract_study("h", "Intrathecal baclofen", abstract))
