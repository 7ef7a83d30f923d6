"""Measures outside the lexicon named by the finding reported on them (rules outcome.finding_*).

Each row: a sentence composed for the phenomenon, the unlexiconed outcome names expected (with
their rule and exact span), and where the p-value must link. Must-not-match rows hold the traps:
people, the treatment, generic words, enumerations and measures named by an instrument.
"""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.finding_subjects import find_finding_subjects, load_rules
from extractors.lexicon import LexiconError
from extractors.types import StudyExtraction


def run(text: str) -> StudyExtraction:
    se = extract_study("t", "", text)
    for mention in se.outcome_measures:
        assert text[mention.prov.start : mention.prov.end] == mention.prov.text
    return se


def unlexiconed(se: StudyExtraction) -> list[tuple[str, str, str]]:
    return [
        (o.name, o.prov.rule_id, o.prov.text)
        for o in se.outcome_measures
        if o.prov.rule_id.startswith("outcome.finding")
    ]


ROWS: list[tuple[str, list[tuple[str, str, str]], dict[str, str | None]]] = [
    (
        "Sleep latency decreased from 42 ± 20 to 25 ± 14 min (p = 0.003), while MAS fell from 3 "
        "to 2 (p = 0.01).",
        [("Sleep latency", "outcome.finding_subject", "Sleep latency")],
        {"p = 0.003": "Sleep latency", "p = 0.01": "Modified Ashworth Scale"},
    ),
    (
        "The Ashworth score fell (p < 0.001); the soleus T-reflex amplitude was halved from 1.2 to "
        "0.6 mV (p = 0.02).",
        [("Soleus T-reflex amplitude", "outcome.finding_subject", "soleus T-reflex amplitude")],
        {"p < 0.001": "Ashworth Scale", "p = 0.02": "Soleus T-reflex amplitude"},
    ),
    (
        "Gait speed was unchanged, but perceived exertion improved (p = 0.04).",
        [("Perceived exertion", "outcome.finding_subject", "perceived exertion")],
        {"p = 0.04": "Perceived exertion"},
    ),
    (
        "After 12 months, there was a significant reduction in nocturnal voiding (p = 0.01).",
        [("Nocturnal voiding", "outcome.finding_object", "nocturnal voiding")],
        {"p = 0.01": "Nocturnal voiding"},
    ),
    (
        "Compared with placebo, baclofen reduced the Ashworth score (p = 0.002) and the number of "
        "cramps per night reported in diaries (p = 0.03).",
        [("Cramps per night", "outcome.finding_before_p", "cramps per night")],
        {"p = 0.002": "Ashworth Scale", "p = 0.03": "Cramps per night"},
    ),
    (
        "Before surgery the mechanical cost of walking was 0.40 ± 0.1 J/kg/m, and at one year it "
        "was 0.33 ± 0.1 J/kg/m (p = 0.02).",
        [("Mechanical cost of walking", "outcome.finding_value", "mechanical cost of walking")],
        {"p = 0.02": "Mechanical cost of walking"},
    ),
    (
        "Values at baseline vs six months were: Modified Ashworth Scale, 3.0 vs 2.0 (p = 0.01); "
        "carer strain on a structured interview, 7.1 vs 5.2 (p = 0.03).",
        [("Carer strain", "outcome.finding_listed", "carer strain")],
        {"p = 0.01": "Modified Ashworth Scale", "p = 0.03": "Carer strain"},
    ),
    (
        "Hip flexion angle at terminal stance increased from 12 to 18 degrees (p = 0.04).",
        [("Hip flexion angle", "outcome.finding_subject", "Hip flexion angle")],
        {"p = 0.04": "Hip flexion angle"},
    ),
    (
        "Nightly awakenings fell (p = 0.01), and self-reported tiredness did not change (p = 0.6).",
        [
            ("Nightly awakenings", "outcome.finding_subject", "Nightly awakenings"),
            ("Tiredness", "outcome.finding_subject", "tiredness"),
        ],
        {"p = 0.01": "Nightly awakenings", "p = 0.6": "Tiredness"},
    ),
    (
        "N200 latency was 250 ± 20 ms before and 248 ± 22 ms after (p = 0.7).",
        [("N200 latency", "outcome.finding_value", "N200 latency")],
        {"p = 0.7": "N200 latency"},
    ),
]

ROWS += [
    (
        "Gains were seen for hamstring spasticity (p = 0.01), but not for grip endurance "
        "(p = 0.4).",
        [("Grip endurance", "outcome.finding_object", "grip endurance")],
        {"p = 0.01": "Hamstring spasticity", "p = 0.4": "Grip endurance"},
    ),
    (
        "Peak knee extension in stance increased from 160 to 170 degrees (p = 0.02).",
        [("Knee extension angle", "outcome.finding_subject", "knee extension")],
        {"p = 0.02": "Knee extension angle"},
    ),
]

ROWS += [
    (
        "The Ashworth score improved (p < 0.01), and walking was faster (p = 0.02).",
        [("Walking", "outcome.finding_subject", "walking")],
        {"p < 0.01": "Ashworth Scale", "p = 0.02": "Walking"},
    ),
    (
        "MAS fell (p = 0.01) but no significant change was seen in head control (p = 0.3).",
        [("Head control", "outcome.finding_object", "head control")],
        {"p = 0.01": "Modified Ashworth Scale", "p = 0.3": "Head control"},
    ),
    (
        "The Ashworth score fell (p = 0.01). Cramps were less frequent at night (p = 0.03).",
        [("Cramps", "outcome.finding_subject", "Cramps")],
        {"p = 0.01": "Ashworth Scale", "p = 0.03": "Cramps"},
    ),
]

ROWS += [
    (
        "Gait speed increased from 0.6 to 0.7 m/s (p = 0.01) and peak stance-phase hip "
        "extension from 5 to 9 degrees (p = 0.03).",
        [("Hip extension angle", "outcome.finding_elliptic", "hip extension")],
        {"p = 0.01": "Gait speed", "p = 0.03": "Hip extension angle"},
    ),
    (
        "Responders walked faster at baseline (1.1 vs 0.8 m/s; p = 0.002) and had less "
        "swing-phase knee flexion (p = 0.04).",
        [("Knee flexion angle", "outcome.finding_object", "knee flexion")],
        {"p = 0.002": None, "p = 0.04": "Knee flexion angle"},
    ),
    (
        "Peak hip power (H3) rose from 0.8 to 1.1 W/kg (p = 0.02).",
        [("Hip power", "outcome.finding_subject", "hip power")],
        {"p = 0.02": "Hip power"},
    ),
    (
        "Cramp counts were lower after baclofen than after saline (p = 0.008).",
        [("Cramp count", "outcome.finding_subject", "Cramp counts")],
        {"p = 0.008": "Cramp count"},
    ),
]

ROWS += [
    (
        "Results: From baseline to one year — Barthel Index 45 ± 19 → 53 ± 21 (p=0·02); cramps "
        "per night 6·2 ± 3·0 → 2·1 ± 1·4 (p=0·003).",
        [("Cramps per night", "outcome.finding_arrow", "cramps per night")],
        {"p=0·02": "Barthel Index", "p=0·003": "Cramps per night"},
    ),
    (
        "Peak knee power absorption (K3) rose from 0.9 ± 0.3 to 1.2 ± 0.4 W/kg (p = 0.004).",
        [("Knee power absorption", "outcome.finding_subject", "knee power absorption")],
        {"p = 0.004": "Knee power absorption"},
    ),
]

MUST_NOT_MATCH = [
    "Scores fell from 3 to 1 (p < 0.001).",
    "Mean values rose (p = 0.2).",
    "Patients with HSP improved (p = 0.01).",
    "Reductions in the Modified Ashworth Scale did not differ between arms (P = 0.62).",
    "The Ashworth score did not change after the switch (p = 0.38).",
    "Pain on the visual analogue scale fell from 80 to 30 mm.",
    "Quality-of-life domains of mobility, self-care, social roles, and household chores improved "
    "(p < 0.05).",
    "The Ashworth score improved significantly from 3 to 1 (p = 0.01).",
    "Sleep latency decreased over the first weeks.",  # no p-value, no pair: narrative
    "Baclofen doses increased from 200 to 300 µg/day (p = 0.01).",
    "Ease of care improved on the CPCHILD questionnaire (p = 0.02).",
    "Values were: carer strain on the Caregiver Strain Index, 7.1 vs 5.2 (p = 0.03).",
    "Physicians were 4.5 times more likely to refer (p = 0.01).",
    "The odds ratio for one mutation and raised ferritin was 17.2 (95% CI 3-90; p = 0.001).",
    "Responders had a shorter disease duration than the others (p = 0.02).",
    "Scores ranged from 2 to 4 (p = 0.2).",
    "The co-contraction index of the knee flexors and extensors fell (p = 0.004).",
    "Compared with usual care, stretching improved the 6-Minute Walk Test by 30 m (p = 0.01).",
]


@pytest.mark.parametrize(("text", "names", "links"), ROWS)
def test_unlexiconed_measure_and_its_p_value(
    text: str, names: list[tuple[str, str, str]], links: dict[str, str | None]
) -> None:
    se = run(text)
    assert unlexiconed(se) == names
    assert {p.prov.text: p.outcome for p in se.p_values} == links


@pytest.mark.parametrize("text", MUST_NOT_MATCH)
def test_no_unlexiconed_measure(text: str) -> None:
    assert unlexiconed(run(text)) == []


@pytest.mark.parametrize(
    ("text", "links"),
    [
        (  # "respectively" before the p-values
            "Gait speed and cadence rose from 0.5 and 80 to 0.6 and 90, respectively (p = 0.01 "
            "and p = 0.03).",
            {"p = 0.01": "Gait speed", "p = 0.03": "Cadence"},
        ),
        (  # one bracket, as many p-values as measures named before it
            "The Ashworth score was 3.0 and gait speed 0.45 m/s before; after six months they "
            "were 1.6 and 0.61 m/s (p < 0.001 and p = 0.01).",
            {"p < 0.001": "Ashworth Scale", "p = 0.01": "Gait speed"},
        ),
        (  # one measure, two p-values: both stay with it
            "The Ashworth score fell (p < 0.001 and p = 0.002 at 6 and 12 months).",
            {"p < 0.001": "Ashworth Scale", "p = 0.002": "Ashworth Scale"},
        ),
    ],
)
def test_grouped_p_values_link_in_order(text: str, links: dict[str, str]) -> None:
    assert {p.prov.text: p.outcome for p in run(text).p_values} == links


def test_a_named_part_of_an_instrument_reports_on_the_instrument() -> None:
    se = run(
        "Children were assessed with the Standing dimension of the Gross Motor Function Measure. "
        "No difference was found in standing after treatment (p = 0.2)."
    )
    assert unlexiconed(se) == []
    assert [p.outcome for p in se.p_values] == ["Gross Motor Function Measure"]


def test_spans_point_at_the_name() -> None:
    text = "Results: Nocturnal cramps decreased from 4 to 1 per night (p = 0.002)."
    hits = find_finding_subjects(text, [], lambda offset: 9)
    assert [(h.name, text[h.start : h.end], h.rule_id) for h in hits] == [
        ("Nocturnal cramps", "Nocturnal cramps", "outcome.finding_subject")
    ]


def test_covered_spans_are_left_to_the_lexicon() -> None:
    text = "Nocturnal cramps decreased from 4 to 1 per night (p = 0.002)."
    assert find_finding_subjects(text, [(0, 16)], lambda offset: 0) == []


def test_rule_file_words_are_strings() -> None:
    """YAML reads on/no/yes as booleans: the loader would then never stop a name at "on"."""
    rules = load_rules()
    assert "reductions" in rules.generic and "patients" in rules.refused
    assert [rule.id for rule in rules.rules] == [
        "outcome.finding_subject",
        "outcome.finding_value",
        "outcome.finding_elliptic",
        "outcome.finding_arrow",
        "outcome.finding_object",
        "outcome.finding_before_p",
        "outcome.finding_listed",
    ]
    assert issubclass(LexiconError, Exception)
