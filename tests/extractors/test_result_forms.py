"""Pre -> post result pairs in the forms abstracts write them: decimal commas and mid-dots,
"respectively" lists, "at baseline vs at 12 months", square-bracket spreads, table-like "A vs B"
lists, before/after clauses, the post value first; and the look-alikes that are no pair (ranges,
doses, durations, "improved by X from a baseline of Y")."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.results import (
    NO_CONVENTIONS,
    Conventions,
    declared_conventions,
    find_pairs,
)
from extractors.spans import all_provenances
from extractors.types import Spread, StudyExtraction

SD = Conventions(single="sd")
IQR = Conventions(interval="iqr")


def sd(value: float) -> Spread:
    return Spread(type="sd", sd=value)


def iqr(lo: float, hi: float) -> Spread:
    return Spread(type="iqr", lo=lo, hi=hi)


# (sentence, conventions, [(rule id, stat, pre, pre spread, post, post spread, span text)])
PAIR_ROWS: list[tuple[str, Conventions, list[tuple[object, ...]]]] = [
    (
        "The score decreased from 2,8 ± 0,6 to 1,4 ± 0,5 (p < 0,001).",
        NO_CONVENTIONS,
        [
            (
                "result.from_to",
                "mean",
                2.8,
                sd(0.6),
                1.4,
                sd(0.5),
                "from 2,8 ± 0,6 to 1,4 ± 0,5 (p < 0,001)",
            )
        ],
    ),
    (
        "Volume rose from 1,150 to 980 mL.",
        NO_CONVENTIONS,
        [("result.from_to", "value", 1150.0, None, 980.0, None, "from 1,150 to 980 mL")],
    ),
    (
        "Peak dorsiflexion increased from −2.1 ± 4.0 to 3.5 ± 3.8 degrees.",
        NO_CONVENTIONS,
        [
            (
                "result.from_to",
                "mean",
                -2.1,
                sd(4.0),
                3.5,
                sd(3.8),
                "from −2.1 ± 4.0 to 3.5 ± 3.8 degrees",
            )
        ],
    ),
    (
        "Knee flexion rose from 41.2° ± 9.5° to 47.8° ± 8.6°.",
        NO_CONVENTIONS,
        [
            (
                "result.from_to",
                "mean",
                41.2,
                sd(9.5),
                47.8,
                sd(8.6),
                "from 41.2° ± 9.5° to 47.8° ± 8.6°",
            )
        ],
    ),
    (
        "The score fell from 3 [2–3] to 1 [1–2] (p < 0.001).",
        IQR,
        [("result.from_to", "median", 3.0, iqr(2, 3), 1.0, iqr(1, 2), "from 3 [2–3] to 1 [1–2]")],
    ),
    (
        "Capacity increased from 240 [190–310] mL to 330 [280–400] mL (p = 0.04).",
        IQR,
        [
            (
                "result.from_to",
                "median",
                240.0,
                iqr(190, 310),
                330.0,
                iqr(280, 400),
                "from 240 [190–310] mL to 330 [280–400] mL",
            )
        ],
    ),
    (
        "The rate increased from 20% [12] to 40% [15].",
        IQR,
        [("result.from_to", "percent", 20.0, None, 40.0, None, "from 20% [12] to 40% [15]")],
    ),
    (
        "The refill interval lengthened from 63 to 118 days.",
        NO_CONVENTIONS,
        [("result.from_to", "value", 63.0, None, 118.0, None, "from 63 to 118")],
    ),
    (
        "Distance rose from a baseline of 212 m to 250 m.",
        NO_CONVENTIONS,
        [
            (
                "result.from_to",
                "value",
                212.0,
                None,
                250.0,
                None,
                "from a baseline of 212 m to 250 m",
            )
        ],
    ),
    (
        "The score was 41.3 (12.4) at baseline vs 43.0 (12.9) at 12 months (p = 0.21).",
        SD,
        [
            (
                "result.before_after",
                "mean",
                41.3,
                sd(12.4),
                43.0,
                sd(12.9),
                "41.3 (12.4) at baseline vs 43.0 (12.9) at 12 months",
            )
        ],
    ),
    (
        "The score was 41.3 (12.4) at baseline vs 43.0 (12.9) at 12 months (p = 0.21).",
        NO_CONVENTIONS,
        [
            (
                "result.before_after",
                "value",
                41.3,
                None,
                43.0,
                None,
                "41.3 (12.4) at baseline vs 43.0 (12.9) at 12 months",
            )
        ],
    ),
    (
        "The score was 2.9 ± 0.9 before implantation versus 0.8 ± 0.7 at 10 years.",
        NO_CONVENTIONS,
        [
            (
                "result.before_after",
                "mean",
                2.9,
                sd(0.9),
                0.8,
                sd(0.7),
                "2.9 ± 0.9 before implantation versus 0.8 ± 0.7 at 10 years",
            )
        ],
    ),
    (
        "The frequency score was 3 [2–4] before and 1 [1–2] after six months (p = 0.008).",
        IQR,
        [
            (
                "result.before_after",
                "median",
                3.0,
                iqr(2, 4),
                1.0,
                iqr(1, 2),
                "3 [2–4] before and 1 [1–2] after",
            )
        ],
    ),
    (
        "Latency was 352 ± 41 ms before and 349 ± 38 ms after implantation.",
        NO_CONVENTIONS,
        [
            (
                "result.before_after",
                "mean",
                352.0,
                sd(41),
                349.0,
                sd(38),
                "352 ± 41 ms before and 349 ± 38 ms after",
            )
        ],
    ),
    (
        "His walking distance was 150 m before implantation and 600 m one year later.",
        NO_CONVENTIONS,
        [
            (
                "result.before_after",
                "value",
                150.0,
                None,
                600.0,
                None,
                "150 m before implantation and 600 m one year later",
            )
        ],
    ),
    (
        "The score at 12 months was 1.5 ± 0.7, compared with 3.0 ± 0.6 before implantation.",
        NO_CONVENTIONS,
        [
            (
                "result.compared_with_pre",
                "mean",
                3.0,
                sd(0.6),
                1.5,
                sd(0.7),
                "1.5 ± 0.7, compared with 3.0 ± 0.6 before",
            )
        ],
    ),
    (
        "Mean scores at baseline vs one year were: dystonia, 14·2 vs 10·1 (P=0·003); "
        "tone, 2·8 vs 1·9 (P<0·001).",
        NO_CONVENTIONS,
        [
            ("result.vs_list", "mean", 14.2, None, 10.1, None, "14·2 vs 10·1 (P=0·003)"),
            ("result.vs_list", "mean", 2.8, None, 1.9, None, "2·8 vs 1·9 (P<0·001)"),
        ],
    ),
    (
        "Before and after treatment, tone was 3.1 ± 0.4 vs. 2.2 ± 0.5.",
        NO_CONVENTIONS,
        [("result.vs_list", "mean", 3.1, sd(0.4), 2.2, sd(0.5), "3.1 ± 0.4 vs. 2.2 ± 0.5")],
    ),
    (
        "Before implantation the oxygen cost of walking was 0.31 ± 0.08 mL/kg/m, and after one "
        "year it was 0.26 ± 0.07 mL/kg/m (p = 0.01).",
        NO_CONVENTIONS,
        [
            (
                "result.before_after_clauses",
                "mean",
                0.31,
                sd(0.08),
                0.26,
                sd(0.07),
                "Before implantation the oxygen cost of walking was 0.31 ± 0.08 mL/kg/m, and after "
                "one year it was 0.26 ± 0.07 mL/kg/m (p = 0.01)",
            )
        ],
    ),
]

RESPECTIVE_ROWS: list[tuple[str, list[tuple[float, float]], tuple[int, ...]]] = [
    (
        "Speed and length increased from 0,71 and 0,42 to 0,86 and 0,49, respectively (p = 0,01).",
        [(0.71, 0.86), (0.42, 0.49)],
        (0, 1),
    ),
    (
        "The three scores fell from 3, 2 and 4 to 1, 1 and 2, respectively.",
        [(3.0, 1.0), (2.0, 1.0), (4.0, 2.0)],
        (0, 1, 2),
    ),
    (
        "The scores fell from 3.0 ± 0.5 and 2.0 ± 0.4 to 1.0 ± 0.3 and 1.5 ± 0.2 "
        "(p = 0.01 and 0.02, respectively).",
        [(3.0, 1.0), (2.0, 1.5)],
        (0, 1),
    ),
]

NO_PAIR_ROWS = [
    "Follow-up ranged from 2 to 4 years.",
    "Scores ranged from 2 to 4.",
    "Values varied from 110 to 390 across centres.",
    "The dose was increased from 100 to 200 µg/day.",
    "Doses rose from 100 and 150 to 200 and 300 µg/day, respectively.",
    "Patients were treated from 6 to 12 months after injury.",
    "The 6-minute walk distance improved by 38 m from a baseline of 212 m (p = 0.02).",
    "The score improved by 6.5 points from a baseline of 42.0 (p = 0.006).",
    "The registry ran from 1998 to 2003.",
    "At baseline and 12 months, 12 vs 8 patients had clonus.",
    "Before implantation the patients were 45 ± 12 years old, and after one year they were 46.",
    "Scores were 3.0 in the treated group vs 2.0 in controls.",
    "The score was 3.0 vs 2.0 in the two groups (p = 0.04).",
    "Speed and length increased from 0.71 and 0.42 to 0.86 and 0.49.",
    "The score was 1.5 ± 0.7, compared with 3.0 ± 0.6 in controls.",
    "Tone was 3.0 at baseline and 2.0 in the control group.",
    "Before implantation, tone scores were 3.0 and 2.5, and after one year they were 1.5 and 1.0.",
    "Before implantation the dose was 50 µg, and after one year it was 300 µg.",
]


def _pair_rows(sentence: str, conventions: Conventions) -> list[tuple[object, ...]]:
    return [
        (
            h.rule_id,
            h.pre.stat,
            h.pre.value,
            h.pre.spread,
            h.post.value,
            h.post.spread,
            sentence[h.start : h.end],
        )
        for h in sorted(find_pairs(sentence, 0, conventions), key=lambda h: h.start)
    ]


@pytest.mark.parametrize(("sentence", "conventions", "expected"), PAIR_ROWS)
def test_pair_forms(
    sentence: str, conventions: Conventions, expected: list[tuple[object, ...]]
) -> None:
    assert _pair_rows(sentence, conventions) == expected


@pytest.mark.parametrize(("sentence", "values", "indices"), RESPECTIVE_ROWS)
def test_respectively_lists_pair_in_order(
    sentence: str, values: list[tuple[float, float]], indices: tuple[int, ...]
) -> None:
    hits = find_pairs(sentence, 0)
    assert [(h.pre.value, h.post.value) for h in hits] == values
    assert [h.group for h in hits] == [(i, len(values)) for i in indices]
    assert all(h.respective and h.rule_id == "result.respectively" for h in hits)


@pytest.mark.parametrize("sentence", NO_PAIR_ROWS)
def test_look_alikes_are_no_pair(sentence: str) -> None:
    assert find_pairs(sentence, 0, SD) == []


def test_offsets_shift_into_the_field() -> None:
    sentence = "Scores fell from 3, 2 and 4 to 1, 1 and 2, respectively."
    (first, *_), shifted = find_pairs(sentence, 0), find_pairs(sentence, 100)[0]
    assert (shifted.start, shifted.end, shifted.post_start, shifted.link_at) == (
        first.start + 100,
        first.end + 100,
        first.post_start + 100,
        first.link_at + 100,
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Values are median [interquartile range].", Conventions("iqr", None)),
        ("Data are mean (SD) or median (IQR).", Conventions("iqr", "sd")),
        ("mean (standard error)", Conventions(None, "se")),
        ("median (range) here and median (IQR) there", Conventions(None, None)),
        ("No declaration at all.", NO_CONVENTIONS),
    ],
)
def test_declared_conventions(text: str, expected: Conventions) -> None:
    assert declared_conventions(text) == expected


def run(abstract: str) -> StudyExtraction:
    se = extract_study("t", "", abstract)
    for prov in all_provenances(se):
        assert abstract[prov.start : prov.end] == prov.text
    return se


def _results(se: StudyExtraction) -> list[tuple[object, ...]]:
    return [
        (r.outcome, r.pre.stat, r.pre.value, r.post.value, r.p.value if r.p else None)
        for r in se.results
    ]


STUDY_ROWS = [
    (
        "Twenty adults received intrathecal baclofen. The median Modified Ashworth Scale and Penn "
        "Spasm Frequency Scale scores fell from 3.5 and 2.0 to 1.5 and 1.0, respectively "
        "(p = 0.004 and p = 0.03).",
        [
            ("Modified Ashworth Scale", "median", 3.5, 1.5, 0.004),
            ("Penn Spasm Frequency Scale", "median", 2.0, 1.0, 0.03),
        ],
    ),
    (
        "Twenty adults received intrathecal baclofen. The Modified Ashworth Scale and Penn Spasm "
        "Frequency Scale scores fell from 3.5 and 2.0 to 1.5 and 1.0, respectively (both "
        "p < 0.001).",
        [
            ("Modified Ashworth Scale", "value", 3.5, 1.5, 0.001),
            ("Penn Spasm Frequency Scale", "value", 2.0, 1.0, 0.001),
        ],
    ),
    (
        "Twelve adults received intrathecal baclofen. Before treatment, the mean Modified Ashworth "
        "Scale score was 3.2 and the Penn Spasm Frequency Scale score 2.5; after six months they "
        "were 1.4 and 0.9 (p < 0.001 and p = 0.02).",
        [
            ("Modified Ashworth Scale", "mean", 3.2, 1.4, 0.001),
            ("Penn Spasm Frequency Scale", "mean", 2.5, 0.9, 0.02),
        ],
    ),
    (
        "Ten children received intrathecal baclofen. Mean values at baseline vs 12 months were: "
        "Modified Ashworth Scale, 3·1 vs 2·0 (P=0·002); Barthel Index, 40 vs 55 (P=0·04).",
        [
            ("Modified Ashworth Scale", "mean", 3.1, 2.0, 0.002),
            ("Barthel Index", "mean", 40.0, 55.0, 0.04),
        ],
    ),
    (
        "Ten adults received intrathecal baclofen; values are mean (SD). The Barthel Index was "
        "45.0 (10.2) at baseline and 52.5 (9.8) at follow-up (p = 0.03).",
        [("Barthel Index", "mean", 45.0, 52.5, 0.03)],
    ),
]


@pytest.mark.parametrize(("abstract", "expected"), STUDY_ROWS)
def test_pairs_link_outcomes_and_p_values(
    abstract: str, expected: list[tuple[object, ...]]
) -> None:
    assert _results(run(abstract)) == expected


def test_clause_pair_takes_the_time_point_between_its_values() -> None:
    se = run(
        "Twenty adults received intrathecal baclofen. Before implantation, the Modified Ashworth "
        "Scale score was 3.0, and at 12 months it was 1.5 (p < 0.001)."
    )
    assert [(r.prov.rule_id, r.timepoint) for r in se.results] == [
        ("result.before_after_clauses", "12 months")
    ]


def test_respectively_needs_one_named_measure_per_pair() -> None:
    se = run(
        "Twenty adults received intrathecal baclofen. The Modified Ashworth Scale scores fell from "
        "3.0 and 2.5 to 1.5 and 1.0, respectively (p = 0.01 and p = 0.02)."
    )
    assert se.results == ()


def test_declared_sd_gives_a_bare_parenthesis_its_spread() -> None:
    se = run(
        "Ten adults received intrathecal baclofen; values are mean (SD). The Barthel Index was "
        "45.0 (10.2) at baseline and 52.5 (9.8) at follow-up (p = 0.03)."
    )
    (result,) = se.results
    assert (result.pre.spread, result.post.spread) == (sd(10.2), sd(9.8))
    assert result.prov.rule_id == "result.before_after"


def test_improved_by_from_a_baseline_is_no_result() -> None:
    se = run(
        "Twenty adults received intrathecal baclofen. The Barthel Index improved by 6.5 points "
        "from a baseline of 42.0 (p = 0.006)."
    )
    assert se.results == ()


# Arrows between the values, "before and after" with a rate unit, and units after the post value
# only: (sentence, [(rule id, pre, pre spread, post, post spread, span text)]).
ARROW_ROWS: list[tuple[str, list[tuple[object, ...]]]] = [
    (
        "From baseline to 12 months: pain NRS 7 → 4 (p = 0.001), MAS 3→1 (p < 0.001).",
        [
            ("result.arrow", 7.0, None, 4.0, None, "7 → 4 (p = 0.001)"),
            ("result.arrow", 3.0, None, 1.0, None, "3→1 (p < 0.001)"),
        ],
    ),
    (
        "From baseline to one year — Ashworth score 3·4 ± 0·6 → 1·9 ± 0·7 (p<0·001); Barthel "
        "Index 45 ± 19 -> 53 ± 21.",
        [
            ("result.arrow", 3.4, sd(0.6), 1.9, sd(0.7), "3·4 ± 0·6 → 1·9 ± 0·7 (p<0·001)"),
            ("result.arrow", 45.0, sd(19.0), 53.0, sd(21.0), "45 ± 19 -> 53 ± 21"),
        ],
    ),
    ("Her Penn score went from 3 → 1.", [("result.arrow", 3.0, None, 1.0, None, "3 → 1")]),
    (
        "The index was 0.71 (0.19) beats/m before and 0.58 (0.16) beats/m after implantation.",
        [
            (
                "result.before_after",
                0.71,
                sd(0.19),
                0.58,
                sd(0.16),
                "0.71 (0.19) beats/m before and 0.58 (0.16) beats/m after",
            )
        ],
    ),
    (
        "Cadence was 88 steps/min before and 97 steps/min after the bolus.",
        [
            (
                "result.before_after",
                88.0,
                None,
                97.0,
                None,
                "88 steps/min before and 97 steps/min after",
            )
        ],
    ),
    (
        "Ankle power rose from 1.12 ± 0.38 to 1.41 ± 0.42 W/kg.",
        [
            (
                "result.from_to",
                1.12,
                sd(0.38),
                1.41,
                sd(0.42),
                "from 1.12 ± 0.38 to 1.41 ± 0.42 W/kg",
            )
        ],
    ),
    (
        "Scores fell from 3 to 1 and/or stayed low.",
        [("result.from_to", 3.0, None, 1.0, None, "from 3 to 1")],
    ),
    (
        "Pain decreased by 2 points, from 6 to 4 (P = 0.007).",
        [("result.from_to", 6.0, None, 4.0, None, "from 6 to 4 (P = 0.007)")],
    ),
    (
        "The index improved from 12 to 8 points (P = 0.03).",
        [("result.from_to", 12.0, None, 8.0, None, "from 12 to 8 points (P = 0.03)")],
    ),
]

ARROW_NO_PAIR_ROWS = [
    "MAS 3 → 2 → 1 over two years.",
    "The dose rose 100 → 200 µg/day.",
    "The dose rose from 100 µg/day → 200.",
    "Follow-up was extended 6 → 12 months.",
    "Enrolment 2010 → 2015.",
    "Ages 24->61 years.",
    "The pain score decreased by 2 points (p = 0.01).",
    "Hmax/Mmax was 0.71 ± 0.12 vs 0.48 ± 0.15 in responders and non-responders (p = 0.002).",
    "Before the bolus, the Hmax/Mmax ratio was 0.71 ± 0.12 in responders vs 0.48 ± 0.15 in "
    "non-responders.",
    "The dose was 2 mg/kg before and 3 mg/kg after.",
    "Botulinum toxin was 200 U/kg before and 300 U/kg after.",
    "The infusion ran 8 h/day before and 12 h/day after.",
    "Daily doses at one year ranged from 60 to 350 µg.",
]


@pytest.mark.parametrize(("sentence", "expected"), ARROW_ROWS)
def test_arrow_and_unit_forms(sentence: str, expected: list[tuple[object, ...]]) -> None:
    assert [row[:1] + row[2:] for row in _pair_rows(sentence, SD)] == expected


@pytest.mark.parametrize("sentence", ARROW_NO_PAIR_ROWS)
def test_arrow_look_alikes_are_no_pair(sentence: str) -> None:
    assert find_pairs(sentence, 0, SD) == []


ARROW_STUDY_ROWS = [
    (
        # A list after a header: each item names its own measure.
        "Twenty adults received intrathecal baclofen. From baseline to 12 months: pain NRS 7 → 4 "
        "(p = 0.001), MAS 3→1 (p < 0.001).",
        [
            ("Pain Numeric Rating Scale", 7.0, 4.0, 0.001),
            ("Modified Ashworth Scale", 3.0, 1.0, 0.001),
        ],
    ),
    (
        # Two limbs of one instrument with "respectively": one outcome, two entries.
        "Twenty adults received intrathecal baclofen; values are mean (SD). The lower- and "
        "upper-limb Modified Ashworth Scale sums decreased from 9.8 (2.4) and 7.1 (2.9) to 5.2 "
        "(2.0) and 5.9 (3.1), respectively (P < 0.001 and P = 0.08).",
        [("Modified Ashworth Scale", 9.8, 5.2, 0.001), ("Modified Ashworth Scale", 7.1, 5.9, 0.08)],
    ),
    (
        # No p-value written: the pair stands with p null; the scale is named after the pair.
        "A woman received intrathecal baclofen. Nine months later her pain had improved from 7 to "
        "4 points on a numeric rating scale and her Penn Spasm Frequency Scale score from 3 → 1.",
        [
            ("Pain Numeric Rating Scale", 7.0, 4.0, None),
            ("Penn Spasm Frequency Scale", 3.0, 1.0, None),
        ],
    ),
    (
        # The p-value in the bracket after the time point ("after implantation (... p = ...)").
        "Twelve adults received intrathecal baclofen; data are mean (SD). The Barthel Index was "
        "45 (10) before and 52 (9) after implantation (paired t(11) = 2.9, p = 0.014).",
        [("Barthel Index", 45.0, 52.0, 0.014)],
    ),
    (
        # A pair of one measure at two time points keeps the measure.
        "Twenty adults received intrathecal baclofen. The Barthel Index increased from 40 to 50 "
        "at six months and from 40 to 55 at one year.",
        [("Barthel Index", 40.0, 50.0, None), ("Barthel Index", 40.0, 55.0, None)],
    ),
]


@pytest.mark.parametrize(("abstract", "expected"), ARROW_STUDY_ROWS)
def test_arrow_lists_limbs_and_own_names(abstract: str, expected: list[tuple[object, ...]]) -> None:
    se = run(abstract)
    assert [
        (r.outcome, r.pre.value, r.post.value, r.p.value if r.p else None) for r in se.results
    ] == expected


def test_named_measure_does_not_inherit_another_pairs_measure() -> None:
    """A pair that names its own measure never takes the earlier pair's one, nor the one its
    p-value was linked to (whether the helper for unlexiconed names finds its own is not this
    test's concern)."""
    for abstract in (
        "Twenty adults received intrathecal baclofen. The Barthel Index increased from 40 to 55 "
        "(p = 0.006) and the peak swing-phase hip foo from 38.5 to 44.1 (p = 0.02).",
        "Twelve adults received intrathecal baclofen. The Barthel Index rose from 40 to 55 "
        "(p = 0.01). The foo-bar index of the knee flexors fell from 38.5 to 44.1 (p = 0.004).",
        "Twenty adults received intrathecal baclofen. From baseline to 12 months: Barthel Index "
        "40 → 55 (p = 0.001); spasm-free nights per week 38.5 → 44.1 (p = 0.02).",
    ):
        results = [(r.outcome, r.pre.value) for r in run(abstract).results]
        assert results[0] == ("Barthel Index", 40.0)
        assert ("Barthel Index", 38.5) not in results


def test_generic_subject_takes_the_measure_its_p_value_reports() -> None:
    se = run(
        "We treated 18 patients with intrathecal baclofen and recorded the Penn Spasm Frequency "
        "Scale before and one year after implantation. Results: Scores fell from 3 (IQR 3–4) to "
        "1 (IQR 0–2) (p < 0.001)."
    )
    assert [(r.outcome, r.pre.value, r.post.value) for r in se.results] == [
        ("Penn Spasm Frequency Scale", 3.0, 1.0)
    ]


# A p-value written in the bracket right before the pair's "from", after its word of change.
P_BEFORE_FROM_ROWS = [
    (
        "In the intrathecal baclofen group, the Modified Ashworth Scale decreased significantly "
        "(z=-2.37, p=0.018) from pre-intervention (7.89±3.79) to one hour post-application "
        "(5.33±4.06).",
        [("Modified Ashworth Scale", 7.89, 5.33, 0.018, "p_before_from")],
    ),
    (
        "Twenty adults received intrathecal baclofen. The Barthel Index rose (t = 3.1, p = 0.004) "
        "from 40 to 55.",
        [("Barthel Index", 40.0, 55.0, 0.004, "p_before_from")],
    ),
    # A p-value after the pair is still the pair's own.
    (
        "Twenty adults received intrathecal baclofen. The Barthel Index rose (n = 20) from 40 to "
        "55 (p = 0.004).",
        [("Barthel Index", 40.0, 55.0, 0.004, "p_adjacent")],
    ),
    # Two p-values in the bracket: nothing says which is the pair's.
    (
        "Twenty adults received intrathecal baclofen. The Barthel Index rose (p = 0.004 and "
        "p = 0.03) from 40 to 55.",
        [("Barthel Index", 40.0, 55.0, None, None)],
    ),
    # No word of change before the bracket: the bracket reports on the measure, not the change.
    (
        "Twenty adults received intrathecal baclofen. In the Barthel Index (p = 0.004) from 40 to "
        "55 patients were assessed.",
        [("Barthel Index", 40.0, 55.0, None, None)],
    ),
    # The earlier pair's p-value is not the next pair's.
    (
        "Twenty adults received intrathecal baclofen. The Barthel Index rose from 40 to 55 "
        "(p = 0.004) from 30 to 35.",
        [
            ("Barthel Index", 40.0, 55.0, 0.004, "p_adjacent"),
            ("Barthel Index", 30.0, 35.0, None, None),
        ],
    ),
]


@pytest.mark.parametrize(("abstract", "expected"), P_BEFORE_FROM_ROWS)
def test_p_value_written_before_from(abstract: str, expected: list[tuple[object, ...]]) -> None:
    got = [
        (
            r.outcome,
            r.pre.value,
            r.post.value,
            r.p.value if r.p else None,
            r.p_link_reason.value if r.p_link_reason else None,
        )
        for r in run(abstract).results
    ]
    assert got == expected


# "These improvements were statistically significant (p < 0.05)." in a later sentence: the p of
# each pair before it that has none (R6), unless a p-value stands between them.
CHANGES_SIGNIFICANT_ROWS = [
    (
        "Thirty adults received intrathecal baclofen. The Modified Ashworth Scale score fell from "
        "4.0 ± 0.5 to 2.0 ± 0.6. The gains in walking speed were 0.2 m/s. These improvements were "
        "statistically significant (p < 0.05).",
        [("Modified Ashworth Scale", 4.0, 2.0, 0.05, "p_changes_significant")],
    ),
    # "differences" may compare groups: no p.
    (
        "Thirty adults received intrathecal baclofen. The Modified Ashworth Scale score fell from "
        "4.0 ± 0.5 to 2.0 ± 0.6. These differences were statistically significant (p < 0.05).",
        [("Modified Ashworth Scale", 4.0, 2.0, None, None)],
    ),
    # A p-value between the pair and the sentence: that sentence's changes are other ones.
    (
        "Thirty adults received intrathecal baclofen. The Modified Ashworth Scale score fell from "
        "4.0 ± 0.5 to 2.0 ± 0.6. Walking speed rose by 0.2 m/s (p = 0.3). These improvements were "
        "statistically significant (p < 0.05).",
        [("Modified Ashworth Scale", 4.0, 2.0, None, None)],
    ),
    # Too many sentences later.
    (
        "Thirty adults received intrathecal baclofen. The Modified Ashworth Scale score fell from "
        "4.0 ± 0.5 to 2.0 ± 0.6. Two pumps failed. One patient had meningitis. These improvements "
        "were statistically significant (p < 0.05).",
        [("Modified Ashworth Scale", 4.0, 2.0, None, None)],
    ),
]


@pytest.mark.parametrize(("abstract", "expected"), CHANGES_SIGNIFICANT_ROWS)
def test_p_value_of_changes_said_significant_later(
    abstract: str, expected: list[tuple[object, ...]]
) -> None:
    got = [
        (
            r.outcome,
            r.pre.value,
            r.post.value,
            r.p.value if r.p else None,
            r.p_link_reason.value if r.p_link_reason else None,
        )
        for r in run(abstract).results
    ]
    assert got == expected
