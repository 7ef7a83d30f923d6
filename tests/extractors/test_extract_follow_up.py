"""Follow-up duration per study and timepoint per pre -> post result (lexicons/follow_up.yaml)."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.contract import to_contract
from extractors.follow_up import choose_follow_up, find_follow_ups, load_rules

FOLLOW_UP_CASES = [
    # (sentence, follow-up text, value, sd, range, unit, rule id)
    (
        "Fourteen patients were followed for 12 months after implantation.",
        "followed for 12 months",
        12.0,
        None,
        None,
        "months",
        "follow_up.followed_for",
    ),
    (
        "After a mean follow-up of 5.2 ± 2.1 years, no pump failed.",
        "mean follow-up of 5.2 ± 2.1 years",
        5.2,
        2.1,
        None,
        "years",
        "follow_up.stated",
    ),
    (
        "The median follow-up 36 (range 12-60) months was complete in all.",
        "median follow-up 36 (range 12-60) months",
        36.0,
        None,
        (12.0, 60.0),
        "months",
        "follow_up.stated",
    ),
    (
        "At last follow-up (mean 4 years), eight patients were walking.",
        "follow-up (mean 4 years)",
        4.0,
        None,
        None,
        "years",
        "follow_up.bracketed",
    ),
    (
        "Spasticity and walking were assessed over a 2-year period.",
        "over a 2-year period",
        2.0,
        None,
        None,
        "years",
        "follow_up.over_period",
    ),
    (
        "We followed 13 patients with HSP for two years after ITB pump implantation.",
        "followed 13 patients with HSP for two years",
        2.0,
        None,
        None,
        "years",
        "follow_up.followed_for",
    ),
    (
        "Patients were followed up for 3.5 +/- 1.2 yrs.",
        "followed up for 3.5 +/- 1.2 yrs",
        3.5,
        1.2,
        None,
        "years",
        "follow_up.followed_for",
    ),
    (
        "Of 30 patients enrolled, 25 completed the 12-month follow-up.",
        "12-month follow-up",
        12.0,
        None,
        None,
        "months",
        "follow_up.compound",
    ),
    (
        "Ashworth scores fell to 1.0-2.0 at follow-up (range 2–41 months).",
        "follow-up (range 2–41 months)",
        None,
        None,
        (2.0, 41.0),
        "months",
        "follow_up.bracketed",
    ),
    (
        "The mean follow-up was 24 months (range, 6-48).",
        "mean follow-up was 24 months (range, 6-48)",
        24.0,
        None,
        (6.0, 48.0),
        "months",
        "follow_up.stated",
    ),
    (
        "Outcomes were recorded after 18 weeks of follow-up.",
        "18 weeks of follow-up",
        18.0,
        None,
        None,
        "weeks",
        "follow_up.of_follow_up",
    ),
]

NOT_FOLLOW_UP = [
    "Assessments were repeated annually until last follow-up: modified Ashworth Scale, mRS.",
    "The ITB device was implanted 13 ± 6 (range 9-16) years after diagnosis.",
    "Mean age was 45 ± 12 years and disease duration 13 years.",
    "They were followed for 10 years since diagnosis.",
    "We followed 12 children for 6 years of age or older.",
    "Over 1 830 person-years of follow-up, 96 patients fell.",
    "No pump failed at more than 2 years of follow-up.",
    "Patients implanted over a 10-year period were reviewed retrospectively.",
    "38 patients were followed for at least one year.",
    "Spasticity improved for 2-3 years, followed by a stable phase for 4-5 years.",
    "The 6-minute walk test and a 10-metre walk test took 6 minutes.",
    "Symptoms began 20 years before implantation; the trial lasted 3 days.",
]


@pytest.mark.parametrize(
    ("sentence", "text", "value", "sd", "bounds", "unit", "rule"), FOLLOW_UP_CASES
)
def test_follow_up_found_with_value_unit_span_and_rule(
    sentence: str,
    text: str,
    value: float | None,
    sd: float | None,
    bounds: tuple[float, float] | None,
    unit: str,
    rule: str,
) -> None:
    follow_up = extract_study("t", "", sentence).follow_up
    assert follow_up is not None
    assert (follow_up.value, follow_up.sd, follow_up.range, follow_up.unit) == (
        value,
        sd,
        bounds,
        unit,
    )
    assert follow_up.prov.text == text == sentence[follow_up.prov.start : follow_up.prov.end]
    assert follow_up.prov.rule_id == rule


@pytest.mark.parametrize("sentence", NOT_FOLLOW_UP)
def test_ages_disease_duration_and_test_durations_are_not_follow_up(sentence: str) -> None:
    assert extract_study("t", "", sentence).follow_up is None


def test_highest_priority_rule_then_longest_duration_wins() -> None:
    text = (
        "Patients were seen at the 6-month follow-up and at the 24-month follow-up. "
        "The mean follow-up was 30 months."
    )
    hits = find_follow_ups(text, text.lower())
    assert [h.rule_id for h in hits] == [
        "follow_up.stated",
        "follow_up.compound",
        "follow_up.compound",
    ]
    chosen = choose_follow_up(hits)
    assert chosen is not None and (chosen.value, chosen.unit) == (30.0, "months")
    compound_only = choose_follow_up([h for h in hits if h.rule_id == "follow_up.compound"])
    assert compound_only is not None and compound_only.value == 24.0


def test_contract_carries_follow_up_and_timepoint() -> None:
    abstract = (
        "Methods: Nine patients were followed for a mean of 6.2 years. "
        "Results: The Modified Ashworth Scale fell from 3.1 ± 0.6 to 1.6 ± 0.8 at 6 months "
        "(p < 0.001)."
    )
    out = to_contract(extract_study("t", "", abstract))
    follow_up = out["follow_up"]
    assert follow_up["text"] == "followed for a mean of 6.2 years"
    assert abstract[follow_up["start"] : follow_up["end"]] == follow_up["text"]
    assert (follow_up["value"], follow_up["sd"], follow_up["range"], follow_up["unit"]) == (
        6.2,
        None,
        None,
        "years",
    )
    assert follow_up["rule_id"] == "follow_up.followed_for"
    assert [r["timepoint"] for r in out["results"]] == ["6 months"]
    assert to_contract(extract_study("t", "", "No follow-up here."))["follow_up"] is None


TIMEPOINT_CASES = [
    # (sentence, timepoint of each result in order)
    (
        "The Modified Ashworth Scale fell from 3 (IQR 3–4) to 2 (IQR 1–2) at six months.",
        ["six months"],
    ),
    ("The Modified Ashworth Scale fell from 3.0 ± 0.8 to 1.6 ± 0.7 after 12 weeks.", ["12 weeks"]),
    ("At 1 year, the Ashworth Scale score had fallen from 4.1 ± 0.6 to 1.9 ± 0.9.", ["1 year"]),
    (
        "The MAS improved from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046), as did the Reflex "
        "Scale from 5 (IQR 4.75-5) to 3 (IQR 2.75-3; p = 0.046) at steady state dosage of ITB.",
        ["steady state", "steady state"],
    ),
    (
        "Ashworth scores fell from 3.2 ± 0.8 to 1.5 ± 0.7 post-implantation at last follow-up.",
        ["last follow-up"],
    ),
    (
        "The Modified Ashworth Scale fell from 3.0 ± 0.8 to 1.6 ± 0.7 one year after pump "
        "implantation.",
        ["one year"],
    ),
    (
        "At the 1-year follow-up his Modified Ashworth Scale score had fallen from 4 to 2.",
        ["1 year"],
    ),
    # The dose's timepoint in the next clause is not the result's.
    (
        "The Penn Spasm Frequency Scale score fell from a median of 3 to 1, and the daily dose "
        "at one year ranged from 80 to 240 μg/day.",
        [None],
    ),
    ("The Modified Ashworth Scale fell from 3.1 ± 0.6 to 1.6 ± 0.8 (p < 0.001).", [None]),
    # An age is not a timepoint.
    ("The Modified Ashworth Scale fell from 3 to 2 at 6 years of age.", [None]),
]


@pytest.mark.parametrize(("sentence", "expected"), TIMEPOINT_CASES)
def test_result_timepoint(sentence: str, expected: list[str | None]) -> None:
    results = extract_study("t", "", sentence).results
    assert [r.timepoint for r in results] == expected


def test_rules_load_with_unique_ids() -> None:
    rules = load_rules()
    ids = [r.id for r in (*rules.follow_up, *rules.timepoint)]
    assert len(ids) == len(set(ids)) and all(
        i.startswith(("follow_up.", "timepoint.")) for i in ids
    )
    assert rules.unit_words["yrs"] == "years" and rules.unit_words["wk"] == "weeks"
