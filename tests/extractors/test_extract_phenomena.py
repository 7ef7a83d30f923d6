"""Table-driven tests per phenomenon: text -> expected, with must-not-match rows."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.abbreviations import find_abbreviations
from extractors.pvalues import find_p_values
from extractors.references import standalone_uses as _standalone_uses
from extractors.spans import all_provenances
from extractors.types import StudyExtraction


def run(abstract: str, title: str = "") -> StudyExtraction:
    se = extract_study("t", title, abstract)
    for prov in all_provenances(se):
        assert abstract[prov.start : prov.end] == prov.text
    return se


P_VALUE_ROWS = [
    ("improved (p = 0.046).", [("p = 0.046", "=", 0.046)]),
    ("fell (P<0.001).", [("P<0.001", "<", 0.001)]),
    ("fell (p < .05).", [("p < .05", "<", 0.05)]),
    ("fell (p ≤ 0.01).", [("p ≤ 0.01", "<=", 0.01)]),
    ("rose (p ≥ 0.2).", [("p ≥ 0.2", ">=", 0.2)]),
    ("differed, p less than .0001.", [("p less than .0001", "<", 0.0001)]),
    ("differed, P < or = .0005.", [("P < or = .0005", "<=", 0.0005)]),
    ("with a P-value of 0.03.", [("P-value of 0.03", "=", 0.03)]),
    ("fell (p = 1.2 × 10−4).", [("p = 1.2 × 10−4", "=", 1.2e-4)]),
    ("fell (p = 1.2e-4).", [("p = 1.2e-4", "=", 1.2e-4)]),
    ("fell (P = 2.3 x 10^-5).", [("P = 2.3 x 10^-5", "=", 2.3e-5)]),
    ("fell (P = 0·003).", [("P = 0·003", "=", 0.003)]),
    ("fell (p > .05).", [("p > .05", ">", 0.05)]),
    ("fell (P value 0.012).", [("P value 0.012", "=", 0.012)]),
    ("per day (< 0.0001) and", [("< 0.0001", "<", 0.0001)]),
    ("than 10 mg (= 0.0214, Wald test)", [("= 0.0214", "=", 0.0214)]),
    ("did not change (P = NS).", [("P = NS", "=", None)]),
    ("did not change (NS).", [("NS", "=", None)]),
    # A significance threshold is a written p-value (real-gold rule X-P1), linked to no outcome.
    ("P < 0.05 was considered statistically significant.", [("P < 0.05", "<", 0.05)]),
    ("The significance level was set at p < 0.05.", [("p < 0.05", "<", 0.05)]),
    # must not match
    ("There was no statistically significant difference.", []),
    ("Sp = 0.4 and ap = 0.3 are not p-values.", []),
    ("scores (< 5 points) were excluded", []),
]


@pytest.mark.parametrize(("text", "expected"), P_VALUE_ROWS)
def test_p_value_forms(text: str, expected: list[tuple[str, str, float | None]]) -> None:
    se = run(text)
    got = [(p.prov.text, p.comparator, p.value) for p in se.p_values]
    assert [(t, c) for t, c, _ in got] == [(t, c) for t, c, _ in expected]
    for (_, _, value), (_, _, want) in zip(got, expected, strict=True):
        assert value == (pytest.approx(want, rel=1e-9) if want is not None else None)


def test_a_significance_threshold_links_to_no_outcome() -> None:
    se = run(
        "Modified Ashworth Scale scores were compared with Wilcoxon tests, and p < 0.05 was "
        "considered significant. The Modified Ashworth Scale score fell (p = 0.002)."
    )
    assert [(p.prov.text, p.outcome) for p in se.p_values] == [
        ("p < 0.05", None),
        ("p = 0.002", "Modified Ashworth Scale"),
    ]


def test_two_identical_p_values_link_to_their_own_outcomes() -> None:
    text = (
        "The Ashworth Scale improved from 3 (IQR 3-4) to 2 (IQR 1-2; p = 0.02), as did the "
        "Penn Spasm Frequency Scale from 3 (IQR 2-3) to 1 (IQR 1-2; p = 0.02)."
    )
    se = run(text)
    assert [(p.value, p.outcome) for p in se.p_values] == [
        (0.02, "Ashworth Scale"),
        (0.02, "Penn Spasm Frequency Scale"),
    ]
    assert se.p_values[0].prov.start != se.p_values[1].prov.start


DOSE_ROWS = [
    (
        "a mean dose of 188 ± 60 (range 145-230) μg per day",
        [(188, 60, (145, 230), "ug/day", "daily")],
    ),
    ("a dose of 300.2 μg/day", [(300.2, None, None, "ug/day", "daily")]),
    ("a dose of 300 µg/day", [(300, None, None, "ug/day", "daily")]),  # micro sign U+00B5
    ("a dose of 300 ug per day", [(300, None, None, "ug/day", "daily")]),
    ("a dose of 300 mcg/d", [(300, None, None, "ug/day", "daily")]),
    ("a dose of 300 micrograms daily", [(300, None, None, "ug/day", "daily")]),
    ("doses from 57–187 µg/day", [(None, None, (57, 187), "ug/day", "daily")]),
    ("oral baclofen 30-300 mg/d", [(None, None, (30, 300), "mg/day", "daily")]),
    ("a mean dose of 250 +/- 80 µg/day", [(250, 80, None, "ug/day", "daily")]),
    ("baclofen 20 mg three times per day", [(20, None, None, "mg", "other")]),
    ("baclofen 10 mg t.i.d. (B10 mg)", [(10, None, None, "mg", "other")]),
    ("a 50 µg intrathecal test dose", [(50, None, None, "ug", "test")]),
    ("after a positive 50-μg test dose", [(50, None, None, "ug", "test")]),
    ("an intrathecal bolus of 25 mcg", [(25, None, None, "ug", "bolus")]),
    # must not match: durations, ages, years since diagnosis, counts, ratios, percentages
    ("implanted 13 ± 6 (range 9-16) years after diagnosis", []),
    ("mean age 26 years (18-52)", []),
    ("poststroke=6.4±9 years", []),
    ("a 1:2 ratio (mg tizanidine: mg baclofen)", []),
    ("dosage creep is about 15% per month", []),
    ("the B10 mg group improved", []),
]


@pytest.mark.parametrize(("text", "expected"), DOSE_ROWS)
def test_dose_forms(text: str, expected: list[tuple[object, ...]]) -> None:
    se = run("Patients received baclofen. " + text + ".")
    assert [(d.value, d.sd, d.range, d.unit, d.kind) for d in se.doses] == expected


@pytest.mark.parametrize(
    ("text", "drug", "route"),
    [
        ("Intrathecal baclofen was titrated to 400 µg/day.", "baclofen", "intrathecal"),
        ("Oral baclofen was given at 60 mg/day.", "baclofen", "oral"),
        ("The daily dose was 23 mg for tizanidine and 59 mg for baclofen.", "tizanidine", "oral"),
        ("Patients on baclofen pumps needed 350 mcg/day.", "baclofen", "intrathecal"),
    ],
)
def test_dose_drug_and_route(text: str, drug: str, route: str) -> None:
    dose = run(text).doses[0]
    assert (dose.drug, dose.route) == (drug, route)


SAMPLE_ROWS = [
    ("We evaluated seven patients with HSP retrospectively.", 7),
    ("Data for nine patients were available; those who responded (n=8) had a pump.", 9),
    ("Twenty three children with cerebral palsy were assessed.", 23),
    ("Fifty-two spastic tetraparetic children have been treated.", 52),
    ("Of the 140 patients assessed, 7 met the inclusion criteria.", 7),
    ("Out of 94 subjects consecutively screened, 42 were randomized into the study.", 42),
    (
        "Sixty patients with multiple sclerosis were screened, 36 were randomised, "
        "and 32 completed.",
        36,
    ),
    ("We compared 15 patients with HSP and 22 patients with multiple sclerosis.", 37),
    ("In 17 patients the scale improved; injections were continued in 11 of 19 patients.", 19),
    ("Studies were included if there were more than three subjects.", None),
    ("Overall, 78% of all cases improved.", None),
]


@pytest.mark.parametrize(("text", "n"), SAMPLE_ROWS)
def test_sample_size(text: str, n: int | None) -> None:
    se = run(text)
    assert (se.sample_size.n if se.sample_size else None) == n
    if se.sample_size is not None:
        assert text[se.sample_size.prov.start : se.sample_size.prov.end] == se.sample_size.prov.text


OUTCOME_ROWS = [
    ("The modified Ashworth Scale (MAS) fell; MAS scores stayed low.", {"Modified Ashworth Scale"}),
    # Guide N8: gait distance is Walking distance.
    ("Gait distance/velocity improved.", {"Walking distance", "Gait speed"}),
    (
        "improvements for rectus femoris (P=0.04) and gastrocnemius spasticity measures (P=0.03).",
        {"Rectus femoris spasticity", "Gastrocnemius spasticity"},
    ),
    ("the range of motion of the knee-angle was lower", {"Knee range of motion"}),
    (
        "Balance was rated on the Trunk Control Measurement Scale (TCMS).",
        {"Trunk Control Measurement Scale"},
    ),
    ("No severe side effects occurred and there were no complications.", set()),
    ("Quality was appraised with the PEDro scale and a modified Sackett scale.", set()),
    (
        "kinematic and electromyographic analysis of squatting",
        {"Kinematic analysis", "Electromyography"},
    ),
]


@pytest.mark.parametrize(("text", "names"), OUTCOME_ROWS)
def test_outcomes(text: str, names: set[str]) -> None:
    assert {o.name for o in run(text).outcome_measures} == names


def test_defined_abbreviation_overrides_the_lexicon_meaning() -> None:
    se = run(
        "Motor function was rated on the Motor Assessment Scale (MAS). MAS improved (p = 0.01)."
    )
    assert {o.name for o in se.outcome_measures} == {"Motor Assessment Scale"}
    assert se.p_values[0].outcome == "Motor Assessment Scale"


@pytest.mark.parametrize(
    ("text", "short", "uses"),
    [
        ("MAS fell; MAS rose", "MAS", [(0, 3), (10, 13)]),
        ("MASS and pre-MAS and MAS2 and x_MAS", "MAS", []),
        ("(MAS), MAS-based and MAS.", "MAS", [(1, 4), (7, 10), (21, 24)]),
        ("éMAS and MASé", "MAS", [(9, 12)]),  # a letter before blocks, a non-ASCII one after not
        ("AAA", "AA", []),
    ],
)
def test_defined_abbreviation_uses_are_standalone(
    text: str, short: str, uses: list[tuple[int, int]]
) -> None:
    assert _standalone_uses(text, short) == uses


def test_schwartz_hearst_pairs() -> None:
    text = (
        "intrathecal baclofen (ITB) in hereditary spastic paraparesis (HSP); "
        "interquartile range [IQR]"
    )
    pairs = [(a.short, a.long) for a in find_abbreviations(text)]
    assert pairs == [
        ("ITB", "intrathecal baclofen"),
        ("HSP", "hereditary spastic paraparesis"),
        ("IQR", "interquartile range"),
    ]
    assert find_abbreviations("scores (range 9-16) and (n=8)") == []


@pytest.mark.parametrize(
    ("text", "pre", "post", "stat", "spread"),
    [
        ("The MAS decreased from 3.3+/-1.2 to 1.4+/-0.7 (P<0.0001).", 3.3, 1.4, "mean", "sd"),
        (
            "The MAS improved from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046).",
            3,
            1,
            "median",
            "iqr",
        ),
        (
            "Mean Ashworth scores reduced from 3.1-4.5 at baseline to 1.0-2.0 (P < 0.005).",
            None,
            None,
            "mean",
            "range",
        ),
        (
            "The GMFM-66 rose from 45.2 (95% CI 41.0-49.4) to 48.9 (95% CI 44.6-53.2).",
            45.2,
            48.9,
            "value",
            "ci95",
        ),
    ],
)
def test_pre_post_pairs(
    text: str, pre: float | None, post: float | None, stat: str, spread: str
) -> None:
    (result,) = run(text).results
    assert (result.pre.value, result.post.value, result.pre.stat) == (pre, post, stat)
    assert result.pre.spread is not None and result.pre.spread.type == spread
    assert result.outcome is not None


@pytest.mark.parametrize(
    "text",
    [
        "between 1998 and 2003 and from 1998 to 2003",
        "doses rose from 57 µg/day to 187 µg/day",
        "from 2 to 5 years",
    ],
)
def test_not_pre_post_pairs(text: str) -> None:
    assert run(text).results == ()


def test_test_statistic_consistency_check() -> None:
    se = run("The MAS fell, t(23) = 2.50, p = 0.02; the Penn score fell, t(10) = 1.0, p < 0.001.")
    first, second = se.test_statistics
    assert first.kind == "t" and first.df == (23.0,)
    assert first.p_recomputed == pytest.approx(0.0199, abs=1e-3)
    assert first.consistent is True
    assert second.consistent is False


@pytest.mark.parametrize(
    ("title", "abstract", "itb", "hsp", "design"),
    [
        (
            "Intrathecal baclofen in hereditary spastic paraparesis",
            "We retrospectively reviewed seven patients.",
            True,
            True,
            "retrospective cohort",
        ),
        (
            "Botulinum toxin in HSP: report of 19 cases",
            "Symptomatic therapy includes intrathecal baclofen in selected cases.",
            False,
            True,
            "case series",
        ),
        (
            "Tizanidine versus baclofen: a double-blind trial",
            "40 patients were randomly allocated.",
            False,
            False,
            "rct",
        ),
        (
            "Intrathecal baclofen for spasticity: a meta-analysis",
            "We meta-analyzed the literature.",
            True,
            False,
            "systematic review/meta-analysis",
        ),
        (
            "Baclofen withdrawal",
            "A 42-year-old woman on intrathecal baclofen presented with fever.",
            True,
            False,
            "case report",
        ),
    ],
)
def test_study_flags_and_design(
    title: str, abstract: str, itb: bool, hsp: bool, design: str
) -> None:
    se = run(abstract, title)
    assert (se.is_itb_study, se.is_hsp_population, se.design) == (itb, hsp, design)
    assert se.evidence["design"]


def test_section_labels_from_record_and_inline() -> None:
    text = "Methods: We studied 8 patients. Results: The MAS fell (p = 0.01)."
    assert run(text).p_values[0].prov.section == "Results"
    se = extract_study("t", "", text, sections=[("METHODS", 0, 31), ("RESULTS", 32, len(text))])
    assert se.p_values[0].prov.section == "RESULTS"


def test_p_value_finder_is_pure_and_ordered() -> None:
    hits = find_p_values("(p = 0.02) then (P<0.001)")
    assert [(h.start, h.end) for h in hits] == [(1, 9), (17, 24)]


def test_record_indexing_feeds_flags_and_design_with_evidence() -> None:
    se = extract_study(
        "t",
        "Walking after treatment",
        "Twelve patients were followed.",
        mesh_terms=["Spastic Paraplegia, Hereditary", "Baclofen", "Injections, Spinal"],
        publication_types=["Journal Article", "Randomized Controlled Trial"],
    )
    assert (se.is_itb_study, se.is_hsp_population, se.design) == (True, True, "rct")
    assert any("mesh" in e for e in se.evidence["is_itb_study"])
    assert any("mesh" in e for e in se.evidence["is_hsp_population"])
    assert se.evidence["design"] == [
        "design.pt.rct: publication_types 'Randomized Controlled Trial'"
    ]


# extractors-0.3.0 rules: each row is text -> expected, with must-not-extract rows.
PAIR_ROWS_030 = [
    # result.from_to with a measurement unit on both values
    (
        "The Ashworth Scale score fell from 8.5 ± 3.1 s to 2.2 ± 1.9 s (p = 0.001).",
        [("Ashworth Scale", 8.5, 2.2, 0.001)],
    ),
    # "a median of"
    ("The Ashworth Scale score fell from a median of 7 to 4.", [("Ashworth Scale", 7, 4, None)]),
    # decimal commas
    (
        "The Ashworth Scale score fell from 3,4 to 1,6 (p < 0,001).",
        [("Ashworth Scale", 3.4, 1.6, 0.001)],
    ),
    # result.before_after
    (
        "The Ashworth Scale score was 3 (IQR 2-4) before and 1 (IQR 0-2) after implantation; "
        "P = 0.001.",
        [("Ashworth Scale", 3, 1, 0.001)],
    ),
    # p-value inside the bracket right after the pair
    (
        "The Ashworth Scale score fell from 3.3 ± 1.2 to 1.4 ± 0.7 (paired t-test, t(23) = 2.45, "
        "p = 0.022).",
        [("Ashworth Scale", 3.3, 1.4, 0.022)],
    ),
    # must not extract: a range of one measurement; a change in an unnamed measure
    ("Ashworth scores ranged from 2 to 4 before implantation.", []),
    ("Success rates increased from 70% at baseline to 90% at one year.", []),
]


@pytest.mark.parametrize(("text", "expected"), PAIR_ROWS_030)
def test_pre_post_pair_rules(
    text: str, expected: list[tuple[str, float, float, float | None]]
) -> None:
    se = run(text)
    got = [(r.outcome, r.pre.value, r.post.value, r.p.value if r.p else None) for r in se.results]
    assert got == expected


OUTCOME_ROWS_030 = [
    # outcome.named_instrument with a joining function word, not the article before it
    ("The Box and Block Test improved (p = 0.04).", ["Box and Block Test"]),
    (
        "Parent-reported Pediatric Quality of Life Inventory scores rose.",
        ["Pediatric Quality of Life Inventory"],
    ),
    # outcome.covariate_dropped
    (
        "Body mass index (BMI) was recorded. After adjustment for BMI, the reduction in the "
        "Modified Ashworth Scale remained significant (p = 0.01).",
        ["Modified Ashworth Scale"],
    ),
    # exclude.infectious_disease: a diagnosis, not an infection outcome
    ("Four patients with HIV infection received intrathecal baclofen.", []),
    # outcome.defined_measure_needs_finding: a lower-case procedure
    ("A dye injection test (DIT) confirmed catheter patency.", []),
    # outcome.dose_finding_*: the dose as a finding, and as a plain dose
    (
        "Mean daily doses at one, two and five years were 180, 310 and 425 μg/day, respectively.",
        ["Daily dose"],
    ),
    ("Women needed lower doses than men (p = 0.03).", ["Daily dose"]),
    ("The mean daily dose was 0.21 mg/day at 1 year and 0.36 mg/day at 5 years.", ["Daily dose"]),
    (
        "The mean daily dose at one year was 240 μg/day, and the Modified Ashworth Scale score "
        "fell (p < 0.001).",
        ["Modified Ashworth Scale"],
    ),
    ("Daily doses ranged from 95 to 410 μg/day.", []),
]


@pytest.mark.parametrize(("text", "expected"), OUTCOME_ROWS_030)
def test_outcome_rules(text: str, expected: list[str]) -> None:
    se = run(text)
    assert sorted({o.name for o in se.outcome_measures}) == sorted(expected)


def test_dose_comparison_links_its_p_value_to_daily_dose() -> None:
    se = run(
        "The Modified Ashworth Scale improved (p < 0.001). "
        "Women needed lower doses than men (p = 0.03)."
    )
    assert [p.outcome for p in se.p_values] == ["Modified Ashworth Scale", "Daily dose"]


SAMPLE_ROWS_030 = [
    # sample.control_group refused, sample.sum_of_elliptical_groups
    (
        "Fourteen patients with pure HSP, nine with complicated forms and 20 healthy volunteers "
        "underwent gait analysis.",
        23,
    ),
    # sample.sum_of_arms
    ("Patients were randomly allocated to 2 groups: ITB (n = 11) or physiotherapy (n = 12).", 23),
    ("We compared three groups: SCI (n = 14), MS (n = 17) and CP (n = 9).", 40),
    # sample.of_n_denominator
    ("Of 236 patients who had a pump in the registry, 41 had HSP and were analysed.", 41),
    # sample.part_refused: a share of an unstated whole, and a smaller count beside it
    ("Complications occurred in 8 children (24%), most often dislodgement (n = 5).", None),
    # things, not people
    ("A total of 212 clinical isolates were tested.", None),
    # a study of healthy volunteers only
    ("Nineteen healthy volunteers were included.", 19),
]


@pytest.mark.parametrize(("text", "expected"), SAMPLE_ROWS_030)
def test_sample_size_rules(text: str, expected: int | None) -> None:
    se = run(text)
    assert (se.sample_size.n if se.sample_size else None) == expected


def test_itb_and_hsp_named_only_in_exclusions_or_background_do_not_set_flags() -> None:
    se = run(
        "Background: Intrathecal baclofen is effective but needs a pump. Methods: Twenty patients "
        "received botulinum toxin; patients on intrathecal baclofen or with hereditary spastic "
        "paraplegia were excluded. Hereditary spastic paraplegia was ruled out by testing."
    )
    assert not se.is_itb_study
    assert not se.is_hsp_population


def test_dose_drug_comes_from_the_title_when_the_abstract_names_none() -> None:
    se = run("The daily dose rose from 160 µg/d to 340 µg/d.", title="Intrathecal baclofen dosing")
    assert [(d.drug, d.route) for d in se.doses] == [("baclofen", "intrathecal")] * 2
    both = run("The dose was 5 mg/day.", title="Baclofen or tizanidine for spasticity")
    assert [d.drug for d in both.doses] == [None]  # two drugs in the title: no guess
