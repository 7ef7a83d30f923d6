"""The speed-ups that run a regex only near its trigger literals must find exactly what a scan
of the whole text finds (property tests against the plain regex), and the audit-driven rules
(decimal commas, shared-unit lists, concentrations, p for trend, ...) give the expected values."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors import extract_study
from extractors.doses import UNIT_LITERALS, _unit_windows, find_doses
from extractors.nlp import get_pipeline
from extractors.numbers import parse_decimal
from extractors.pvalues import find_p_values
from extractors.results import (
    PRE_POST,
    TEST_STATISTIC,
    _pre_post_matches,
    find_test_statistics,
    statistic_matches,
)
from extractors.samples import SINGLE_CASE, find_single_case
from extractors.scan import lower_same_length

# Alphabets that make the trigger characters frequent, so random texts hit the edge cases.
STAT_TEXT = st.text(alphabet="tFzUWχ2 =()0123456789.,·−-ab\n", max_size=160)
UNIT_TEXT = st.text(alphabet="μµMuUgGmcrCiol (|0123456789.-dK\u0131", max_size=120)
WORDS_TEXT = st.text(alphabet="aone patientcsmbyirlfAOP 12-\u017f\u0131", max_size=120)
FROM_TEXT = st.text(alphabet="from to 0123456789.±%()IQR-", max_size=120)

RELAXED = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@RELAXED
@given(STAT_TEXT)
def test_windowed_test_statistics_equal_a_whole_text_scan(text: str) -> None:
    windowed = [(m.span(), m.groupdict()) for m in statistic_matches(text)]
    assert windowed == [(m.span(), m.groupdict()) for m in TEST_STATISTIC.finditer(text)]


def test_test_statistic_far_from_equals_is_still_found() -> None:
    text = "t(12)" + " " * 80 + "= 2.5, p = 0.03"
    assert [(h.kind, h.value, h.df) for h in find_test_statistics(text)] == [("t", 2.5, (12.0,))]


# ASCII case folding, as the literal scan does: Python's re.I also folds the dotless "ı" to "i".
_UNIT_ANYWHERE = re.compile(r"[\u03bc\u00b5]g|ug|mcg|mg|micro|milligram|[(|]ig", re.I | re.A)


def _regex_unit_windows(text: str) -> list[tuple[int, int]]:
    """The original definition: a case-insensitive scan, then windows merged in order."""
    windows: list[tuple[int, int]] = []
    for m in _UNIT_ANYWHERE.finditer(text):
        if not any(ch.isdigit() for ch in text[max(0, m.start() - 12) : m.start()]):
            continue
        start, end = max(0, m.start() - 70), min(len(text), m.end() + 40)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


@RELAXED
@given(UNIT_TEXT)
def test_literal_unit_windows_equal_the_regex_windows(text: str) -> None:
    assert _unit_windows(text, lower_same_length(text)) == _regex_unit_windows(text)


def test_unit_literals_cover_the_unit_regex() -> None:
    assert {lit.lower() for lit in UNIT_LITERALS} >= {"\u03bcg", "\u00b5g", "ug", "mcg", "mg"}


@RELAXED
@given(WORDS_TEXT)
def test_gated_single_case_equals_the_plain_search(text: str) -> None:
    hit = find_single_case(text)
    m = SINGLE_CASE.search(text)
    assert ((hit.start, hit.end) if hit else None) == (m.span() if m else None)


@RELAXED
@given(FROM_TEXT)
def test_literal_anchored_pre_post_equals_finditer(text: str) -> None:
    assert [m.span() for m in _pre_post_matches(text)] == [
        m.span() for m in PRE_POST.finditer(text)
    ]


@pytest.mark.parametrize(
    "title",
    ["Intrathecal baclofen in HSP", "ITB for spasticity", "A baclofen pump", "Gait in MS", ""],
)
def test_gated_title_concepts_count_like_the_regex(title: str) -> None:
    pipeline = get_pipeline()
    lowered = lower_same_length(title)
    assert pipeline.title_itb.count(title, lowered) == len(
        pipeline.title_itb.pattern.findall(title)
    )
    assert pipeline.title_hsp.count(title, lowered) == len(
        pipeline.title_hsp.pattern.findall(title)
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1,150", 1150.0), ("12,500", 12500.0), ("0,35", 0.35), ("2,5", 2.5), ("0,001", 0.001)],
)
def test_decimal_comma_and_thousands_separator(raw: str, value: float) -> None:
    assert parse_decimal(raw) == value


P_ROWS = [
    ("improved (P = 0,03), whereas", [("P = 0,03", "=", 0.03)]),
    ("fell (p < 0,001).", [("p < 0,001", "<", 0.001)]),
    ("increased with dose (P for trend = 0.004).", [("P for trend = 0.004", "=", 0.004)]),
    ("rose (p-trend < 0.01).", [("p-trend < 0.01", "<", 0.01)]),
    ("threshold (P = 0.05/3 = 0.017). MAS improved (P = 0.004)", [("P = 0.004", "=", 0.004)]),
]


@pytest.mark.parametrize(("text", "expected"), P_ROWS)
def test_p_value_forms(text: str, expected: list[tuple[str, str, float]]) -> None:
    hits = find_p_values(text)
    assert [(text[h.start : h.end], h.comparator, h.value) for h in hits] == expected


DOSE_ROWS = [
    (
        "boluses of 25, 50 and 75 μg on consecutive days",
        [
            ("25", 25.0, None, "ug", "bolus"),
            ("50", 50.0, None, "ug", "bolus"),
            ("75 μg", 75.0, None, "ug", "bolus"),
        ],
    ),
    (
        "daily doses were 180, 310 and 425 μg/day, respectively",
        [
            ("180", 180.0, None, "ug/day", "daily"),
            ("310", 310.0, None, "ug/day", "daily"),
            ("425 μg/day", 425.0, None, "ug/day", "daily"),
        ],
    ),
    (
        "was 1,150 μg/day (range 850–2,400)",
        [("1,150 μg/day (range 850–2,400)", 1150.0, (850.0, 2400.0), "ug/day", "daily")],
    ),
    ("a mean daily dose of 0,35 mg/day.", [("0,35 mg/day", 0.35, None, "mg/day", "daily")]),
    (
        "between 50 and 100 µg daily",
        [("between 50 and 100 µg daily", None, (50.0, 100.0), "ug/day", "daily")],
    ),
    # not amounts given: concentrations, rates, steps, changes per year, zero controls
    ("filled at a concentration of 2000 μg/mL and", []),
    ("MIC90 values of 0.5 mg/L and 4 mg/L", []),
    ("the infusion rate was 12.5 μg/h.", []),
    ("increased in steps of 25 μg/day every 48 hours", []),
    ("rose by a mean of 40 μg/day per year", []),
    ("treatments of 0, 10, 50 and 100 μg/cm2 induced", []),
]


@pytest.mark.parametrize(("text", "expected"), DOSE_ROWS)
def test_dose_forms(text: str, expected: list[tuple[object, ...]]) -> None:
    hits = find_doses(text)
    got = [(text[h.start : h.end], h.value, h.range, h.unit, h.kind) for h in hits]
    assert got == expected


def test_year_range_end_is_not_a_count() -> None:
    se = extract_study(
        "t",
        "",
        "Methods: Records of 38 patients treated with intrathecal baclofen during the period "
        "2011-2020 were analysed.\nResults: The Penn Spasm Frequency Scale improved (p = 0.002).",
    )
    assert se.sample_size is not None and se.sample_size.n == 38


def test_background_count_is_not_the_sample() -> None:
    abstract = (
        "Background: About 130,000 people in the United Kingdom live with multiple sclerosis.\n"
        "Methods: We treated 18 patients with intrathecal baclofen.\n"
        "Results: Scores fell from 3 (IQR 3-4) to 1 (IQR 0-2) (p < 0.001)."
    )
    se = extract_study("t", "", abstract)
    assert se.sample_size is not None
    assert se.sample_size.n == 18
    assert abstract[se.sample_size.prov.start : se.sample_size.prov.end] == "18 patients"


def test_respectively_values_share_the_label_and_link_in_order() -> None:
    abstract = (
        "Seventeen patients with multiple sclerosis received intrathecal baclofen. At six months "
        "the Ashworth Scale and the Penn Spasm Frequency Scale had improved "
        "(p = 0.03 and 0.004, respectively)."
    )
    se = extract_study("t", "", abstract)
    got = [(p.prov.text, p.value, p.outcome, p.prov.rule_id) for p in se.p_values]
    assert got == [
        ("p = 0.03", 0.03, "Ashworth Scale", "pvalue.labelled"),
        ("0.004", 0.004, "Penn Spasm Frequency Scale", "pvalue.respectively"),
    ]


def test_power_of_ten_without_mantissa() -> None:
    hits = find_p_values("fell one year later (p < 10−3), and")
    assert [(h.comparator, h.value) for h in hits] == [("<", 0.001)]


@pytest.mark.parametrize(
    ("abstract", "n"),
    [
        (
            "Methods: We prospectively audited 17 patients with implanted baclofen pumps.\n"
            "Results: A total of 214 refills were performed.",
            17,
        ),
        (
            "We included 50 consecutive patients with intrathecal baclofen pumps. Two hundred "
            "and ten refills were analysed.",
            50,
        ),
        ("Results: A total of 14 studies were included, most of them case series.", None),
    ],
)
def test_counts_of_things_are_not_the_sample(abstract: str, n: int | None) -> None:
    se = extract_study("t", "", abstract)
    assert (se.sample_size.n if se.sample_size else None) == n


@pytest.mark.parametrize(
    ("abstract", "design"),
    [
        ("In a randomised crossover study, ten patients received boluses of 25 and 50 μg.", "rct"),
        ("Ten patients completed the measures in a randomized order on two days.", "other"),
    ],
)
def test_in_a_randomised_study_is_an_rct(abstract: str, design: str) -> None:
    assert extract_study("t", "", abstract).design == design


def test_eligibility_and_background_events_are_not_outcomes() -> None:
    abstract = (
        "Background: Pump infection is the most feared complication of intrathecal baclofen.\n"
        "Methods: Patients were eligible if their Ashworth score was at least 3. Twenty patients "
        "were implanted.\nResults: Penn Spasm Frequency Scale scores fell from 3.1 ± 0.8 to "
        "1.0 ± 0.7 (p < 0.001)."
    )
    se = extract_study("t", "", abstract)
    got = [(o.name, o.prov.text) for o in se.outcome_measures]
    assert got == [("Penn Spasm Frequency Scale", "Penn Spasm Frequency Scale scores")]
