"""Dose forms met in real abstracts (issue 13): toxin units, rates written after the drug or
shared by coordinated doses, elided and suspended units, converter spellings of the mu, route
cues for single injections, and the typed form every hit carries for confidence."""

from __future__ import annotations

import pytest

from extractors.doses import DoseForm, find_doses, may_have_dose

Row = tuple[str, float | None, tuple[float, float] | None, str, str]

FORMS: list[tuple[str, list[Row]]] = [
    (
        "Injections of either botulinum toxin A (Botox, 2 x 50 units) or placebo were applied.",
        [("50 units", 50.0, None, "U", "other")],
    ),
    (
        "the optimum dose is medium-dose (approximately 300U Botox\u00ae or 1000 U Dysport\u00ae).",
        [("300U", 300.0, None, "U", "other"), ("1000 U", 1000.0, None, "U", "other")],
    ),
    (
        "The first group received a total of 300UI BTX-A, and the second 100 UI BTX-A.",
        [("300UI", 300.0, None, "U", "other"), ("100 UI", 100.0, None, "U", "other")],
    ),
    (
        "patients received BoNT-A 1,000\u20131,500 Ipsen units or placebo.",
        [("1,000\u20131,500 Ipsen units", None, (1000.0, 1500.0), "U", "other")],
    ),
    (
        "Injection of 190 to 320 BTA U into several calf muscles.",
        [("190 to 320 BTA U", None, (190.0, 320.0), "U", "other")],
    ),
    (
        "to a maximum of 24 mg tizanidine or 30 mg diazepam per day at the end of 2 weeks.",
        [
            ("24 mg", 24.0, None, "mg/day", "daily"),
            ("30 mg diazepam per day", 30.0, None, "mg/day", "daily"),
        ],
    ),
    (
        "titration (2 mg to a maximum of 36 mg/d; weeks 2 to 4)",
        [("2 mg", 2.0, None, "mg/day", "daily"), ("36 mg/d", 36.0, None, "mg/day", "daily")],
    ),
    (
        "(dose range 300-900 mg tolperisone daily).",
        [("300-900 mg tolperisone daily", None, (300.0, 900.0), "mg/day", "daily")],
    ),
    (
        "Each spray delivered 2.7 mg of THC and 2.5 of CBD, and patients could self-titrate.",
        [("2.7 mg", 2.7, None, "mg", "other"), ("2.5", 2.5, None, "mg", "other")],
    ),
    (
        "single doses of baclofen: 3 or 5 mg given intravenously and 5 or 10 mg taken orally",
        [
            ("3", 3.0, None, "mg", "bolus"),
            ("5 mg", 5.0, None, "mg", "bolus"),
            ("5", 5.0, None, "mg", "other"),
            ("10 mg", 10.0, None, "mg", "other"),
        ],
    ),
    (
        "Three- and 5-mg intravenous doses were well tolerated.",
        [("Three", 3.0, None, "mg", "bolus"), ("5-mg", 5.0, None, "mg", "bolus")],
    ),
    (
        "Since a 25 mug intrathecal baclofen injection helped her, a pump was implanted.",
        [("25 mug", 25.0, None, "ug", "test")],
    ),
    (
        "ziconotide was raised from 2.4 (ig/day to 14.4 |ig/day over months",
        [
            ("2.4 (ig/day", 2.4, None, "ug/day", "daily"),
            ("14.4 |ig/day", 14.4, None, "ug/day", "daily"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_real_dose_forms(text: str, expected: list[Row]) -> None:
    assert may_have_dose(text)
    got = [(text[h.start : h.end], h.value, h.range, h.unit, h.kind) for h in find_doses(text)]
    assert got == expected


NOT_DOSES = [
    # Units of a scale, in an abstract about a toxin: a change, not an amount given.
    "After botulinum toxin, the Ashworth score improved by 1.5 units at 4 weeks.",
    # Units without a unit-dosed drug anywhere: an intensive care unit, motor units.
    "Twelve patients were admitted to 3 units; 40 units of blood were transfused.",
    # Weight-based toxin doses are outside the contract's units (X-DO1).
    "Children received botulinum toxin 6 U/kg into the calf.",
    # A typed bound is a cut-off, not an amount given.
    "62% of the patients were treated with a daily dose >/=600 mg tolperisone.",
]


@pytest.mark.parametrize("text", NOT_DOSES)
def test_not_doses(text: str) -> None:
    assert find_doses(text) == []


def test_twice_daily_stays_per_administration() -> None:
    (hit,) = find_doses("tizanidine 10 mg twice daily")
    assert (hit.unit, hit.kind, hit.form) == ("mg", "other", DoseForm.PER_ADMINISTRATION)


def test_hits_carry_their_form_and_unit_evidence() -> None:
    text = "boluses of 25, 50 and 75 \u03bcg; later 300 \u03bcg/day; 1,000 U of Dysport"
    got = [
        (text[h.start : h.end], h.form, h.unit_written, h.rate_written) for h in find_doses(text)
    ]
    assert got == [
        ("25", DoseForm.LIST_ITEM, False, False),
        ("50", DoseForm.LIST_ITEM, False, False),
        ("75 \u03bcg", DoseForm.VALUE, True, False),
        ("300 \u03bcg/day", DoseForm.VALUE, True, True),
        ("1,000 U", DoseForm.TOXIN_UNITS, True, False),
    ]
