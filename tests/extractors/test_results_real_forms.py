"""Pre -> post pairs in the forms real abstracts write them (issue 13), each a typed PairForm
applied by small code: time points written before bracketed values, a pair alone in a bracket
after its label, "Before and after X, A were a and b" lists, one baseline with several listed
follow-ups, "from 120 degrees of flexion to 69 degrees"; and the look-alikes that are no result
(scale bounds, a value's own range, a control arm, a longer list, follow-ups without their time
points). The sentences paraphrase the phenomena named on the real dev split; none is copied from
the frozen test split."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.results import find_pairs
from extractors.types import LinkReason, Spread, StudyExtraction


def sd(value: float) -> Spread:
    return Spread(type="sd", sd=value)


BASELINE_SPAN = (
    "baseline score was 3.9 +/- 0.4 and this improved to 2.1 +/- 0.5, 2.3 +/- 0.5 and 2.7 +/- 0.6"
)
# (sentence, [(form, pre, pre spread, post, post spread, unit, own time point, span text)])
FORM_ROWS: list[tuple[str, list[tuple[object, ...]]]] = [
    (
        "Tone fell (z = -2.4, p = 0.02) from pre-intervention (7.9±3.8) to one hour "
        "post-application (5.3±4.1).",
        [
            (
                "result.times_then_values",
                7.9,
                sd(3.8),
                5.3,
                sd(4.1),
                None,
                None,
                "from pre-intervention (7.9±3.8) to one hour post-application (5.3±4.1)",
            )
        ],
    ),
    (
        "Function rose from pre- (9.9±16.6) to post-intervention (21.7±20.7).",
        [
            (
                "result.times_then_values",
                9.9,
                sd(16.6),
                21.7,
                sd(20.7),
                None,
                None,
                "from pre- (9.9±16.6) to post-intervention (21.7±20.7)",
            )
        ],
    ),
    (
        "Rotation improved in the treated group (21.4° (15.6) to 33.1° (13.0)).",
        [("result.bracketed", 21.4, None, 33.1, None, "deg", None, "21.4° (15.6) to 33.1° (13.0)")],
    ),
    (
        "The score decreased in upper (3.4 ± 1.2 to 1.5 ± 0.7) and lower limbs (3.6 ± 0.8 to "
        "2.1 ± 0.9).",
        [
            ("result.bracketed", 3.4, sd(1.2), 1.5, sd(0.7), None, None, "3.4 ± 1.2 to 1.5 ± 0.7"),
            ("result.bracketed", 3.6, sd(0.8), 2.1, sd(0.9), None, None, "3.6 ± 0.8 to 2.1 ± 0.9"),
        ],
    ),
    (
        "Before and after the bolus, tone scores were 2.8 +/- 0.9 and 1.2 +/- 0.4, and spasm "
        "scores were 3.6 +/- 0.5 and 1.1 +/- 0.6.",
        [
            (
                "result.header_and_list",
                2.8,
                sd(0.9),
                1.2,
                sd(0.4),
                None,
                None,
                "2.8 +/- 0.9 and 1.2 +/- 0.4",
            ),
            (
                "result.header_and_list",
                3.6,
                sd(0.5),
                1.1,
                sd(0.6),
                None,
                None,
                "3.6 +/- 0.5 and 1.1 +/- 0.6",
            ),
        ],
    ),
    (
        "The mean baseline score was 3.9 +/- 0.4 and this improved to 2.1 +/- 0.5, 2.3 +/- 0.5 "
        "and 2.7 +/- 0.6 at four weeks, three months and six months respectively.",
        [
            (
                "result.baseline_then_posts",
                3.9,
                sd(0.4),
                post,
                sd(spread),
                None,
                time,
                BASELINE_SPAN,
            )
            for post, spread, time in (
                (2.1, 0.5, "four weeks"),
                (2.3, 0.5, "three months"),
                (2.7, 0.6, "six months"),
            )
        ],
    ),
    (
        "The resting angle decreased from 115 degrees of flexion to 70 degrees.",
        [
            (
                "result.from_to",
                115.0,
                None,
                70.0,
                None,
                "deg",
                None,
                "from 115 degrees of flexion to 70 degrees",
            )
        ],
    ),
    (
        "The contact area rose (from 41.3 to 79.2 cm2).",
        [("result.from_to", 41.3, None, 79.2, None, "cm2", None, "from 41.3 to 79.2 cm2")],
    ),
    (
        "The score was 3.2 ± 0.6 at baseline, 1.8 ± 0.8 at 3 months, 1.6 ± 0.7 at 12 months.",
        [
            (
                "result.follow_up_series",
                3.2,
                sd(0.6),
                1.8,
                sd(0.8),
                None,
                None,
                "3.2 ± 0.6 at baseline, 1.8 ± 0.8 at 3 months",
            ),
            (
                "result.follow_up_series",
                3.2,
                sd(0.6),
                1.6,
                sd(0.7),
                None,
                None,
                "1.6 ± 0.7 at 12 months",
            ),
        ],
    ),
    (
        "The score fell from 3.2 at baseline to 1.8 at 3 months and 1.6 at 12 months.",
        [
            ("result.from_to", 3.2, None, 1.8, None, None, None, "from 3.2 at baseline to 1.8"),
            ("result.follow_up_series", 3.2, None, 1.6, None, None, None, "1.6 at 12 months"),
        ],
    ),
]


def _rows(sentence: str) -> list[tuple[object, ...]]:
    return [
        (
            h.rule_id,
            h.pre.value,
            h.pre.spread,
            h.post.value,
            h.post.spread,
            h.unit,
            h.timepoint,
            sentence[h.start : h.end],
        )
        for h in find_pairs(sentence, 0)
    ]


@pytest.mark.parametrize(("sentence", "expected"), FORM_ROWS)
def test_real_pair_forms(sentence: str, expected: list[tuple[object, ...]]) -> None:
    assert _rows(sentence) == expected


NO_PAIR_ROWS = [
    # The bounds of a scale, and a median's own range, are no pair.
    "Pain decreased on the rating scale (0 to 10).",
    "Relief was higher (3.0 (0 to 6.7) v 0 (0 to 2.3), P = 0.035).",
    # A bracketed "A to B" with no change written before it.
    "Ages were recorded for the cohort (21.4 (3.1) to 33.1 (4.0)).",
    # The course of a control arm (R2 of the guide).
    "Rotation improved in the control group (10.3° (19.5) to 23.7° (20.7)).",
    "In the placebo group the score fell from 3.1 to 2.9.",
    # Two values of a longer list after a before/after header.
    "Before and after the bolus, the scores were 3.1, 2.8 and 1.2.",
    # Several follow-ups with fewer time points than values: which is which is not written.
    "The baseline score was 3.9 and this improved to 2.1, 2.3 and 2.7 at six months.",
    # A later value without its own time point.
    "The score fell from 3.2 to 1.8 and 1.6 at 12 months overall.",
    # Counts of people, and doses, after a header.
    "Before and after the bolus, 12 and 8 patients had clonus.",
    "Before and after the bolus, doses were 50 and 100 µg.",
]


@pytest.mark.parametrize("sentence", NO_PAIR_ROWS)
def test_real_look_alikes_are_no_pair(sentence: str) -> None:
    rows = _rows(sentence)
    if sentence.startswith("The score fell from 3.2 to 1.8"):
        # The first pair stands; no series follows a post value without its time point.
        assert [r[0] for r in rows] == ["result.from_to"]
    else:
        assert rows == []


def test_compared_with_control_group_keeps_the_treated_pair() -> None:
    sentence = "Compared with the control group, the score fell from 3.1 to 1.2."
    assert [(h.pre.value, h.post.value) for h in find_pairs(sentence, 0)] == [(3.1, 1.2)]


def run(abstract: str) -> StudyExtraction:
    return extract_study("t", "", abstract)


def test_site_words_between_bracketed_pairs_keep_the_measure() -> None:
    se = run(
        "Twelve children received intrathecal baclofen. Compared to the pre-operative state, "
        "there was a decrease of the Modified Ashworth Scale in upper (3.2 ± 1.4 to 1.3 ± 0.6) "
        "and lower extremities (3.5 ± 0.9 to 2.0 ± 1.0)."
    )
    assert [(r.outcome, r.pre.value, r.post.value, r.link_reason) for r in se.results] == [
        ("Modified Ashworth Scale", 3.2, 1.3, LinkReason.SAME_CLAUSE),
        ("Modified Ashworth Scale", 3.5, 2.0, LinkReason.SAME_CLAUSE),
    ]


def test_two_coordinated_measures_leave_one_pair_unlinked() -> None:
    se = run(
        "Twenty adults received intrathecal baclofen. The Modified Ashworth Scale and the Penn "
        "Spasm Frequency Scale fell from 3.0 to 1.0 (p < 0.001)."
    )
    assert se.results == ()


def test_p_value_of_a_coordinated_measure_is_not_the_pairs() -> None:
    se = run(
        "Twenty adults received intrathecal baclofen. The Barthel Index rose from pre- (40±10) "
        "to post-intervention (55±12) and grip strength (z = -2.0, p = 0.043)."
    )
    (result,) = se.results
    assert result.outcome == "Barthel Index"
    assert result.p is None


def test_baseline_then_posts_links_the_measure_named_before_its_pre_value() -> None:
    se = run(
        "Thirty adults received alcohol neurolysis. The mean baseline Modified Ashworth Scale "
        "score was 4.0 +/- 0.5 and this improved to 2.0 +/- 0.6 and 2.6 +/- 0.6 at four weeks and "
        "six months respectively."
    )
    assert [(r.outcome, r.post.value, r.timepoint) for r in se.results] == [
        ("Modified Ashworth Scale", 2.0, "four weeks"),
        ("Modified Ashworth Scale", 2.6, "six months"),
    ]


# Values in two sentences: one marked as before treatment, one (at most three sentences later)
# as after it, of the same measure in the same unit.
ACROSS_ROWS = [
    (
        "Twelve patients with spasticity were studied. The initial Ashworth scale was 4.6. They "
        "were submitted to pump implantation for intrathecal baclofen. Results: The final Ashworth "
        "scale was 2.2.",
        [("Ashworth Scale", 4.6, 2.2, None, "result.across_sentences", "named_with_each_value")],
    ),
    (
        "Ten adults received intrathecal baclofen. The mean baseline Barthel Index was 40 ± 6. At "
        "one year the mean follow-up Barthel Index was 55 ± 8.",
        [("Barthel Index", 40.0, 55.0, None, "result.across_sentences", "named_with_each_value")],
    ),
]
# No pair: a value that compares arms ("in the pregabalin group"), two marked pre values of
# one measure, values in different units, a dose, or a post value too many sentences later.
ACROSS_LOOK_ALIKES = [
    "The mean baseline pain score was 6.54 in the pregabalin group. The final pain score was 4.6.",
    "The initial Barthel Index was 40. The baseline Barthel Index was 42. The final Barthel Index "
    "was 55.",
    "The initial 10-metre walk test was 0.4 m/s. The final 10-metre walk test was 19.5 s.",
    "The initial bolus was 50 µg. The final bolus was 100 µg.",
    "The initial Barthel Index was 40. Pumps were implanted. Doses were titrated. Two patients "
    "had infections. One pump failed. The final Barthel Index was 55.",
    "The final Barthel Index was 55. The initial Barthel Index was 40.",
]


@pytest.mark.parametrize(("abstract", "expected"), ACROSS_ROWS)
def test_pair_across_sentences(abstract: str, expected: list[tuple[object, ...]]) -> None:
    se = extract_study("t", "", abstract)
    assert [
        (
            r.outcome,
            r.pre.value,
            r.post.value,
            r.p,
            r.prov.rule_id,
            r.link_reason.value if r.link_reason else None,
        )
        for r in se.results
    ] == expected
    for r in se.results:
        assert abstract[r.prov.start : r.prov.end] == r.prov.text


@pytest.mark.parametrize("abstract", ACROSS_LOOK_ALIKES)
def test_no_pair_across_sentences(abstract: str) -> None:
    se = extract_study("t", "", "Adults received intrathecal baclofen. " + abstract)
    assert se.results == ()
