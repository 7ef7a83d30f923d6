"""Rule gaps closed after audit 2: each phenomenon asserted on composed sentences."""

from __future__ import annotations

import pytest

from extractors.doses import find_doses
from extractors.numbers import parse_count
from extractors.pvalues import find_p_values


@pytest.mark.parametrize(
    ("text", "comparator", "value", "span"),
    [
        ("spasticity fell (p\uff1c0.01).", "<", 0.01, "p\uff1c0.01"),
        ("gait speed rose (P \uff1d 0.04).", "=", 0.04, "P \uff1d 0.04"),
        ("the p\u2212value < 0.002 for the MAS", "<", 0.002, "p\u2212value < 0.002"),
        ("the MAS improved (Padj = 0.02)", "=", 0.02, "Padj = 0.02"),
        ("the MAS improved (p adj. = 0.03)", "=", 0.03, "p adj. = 0.03"),
        ("the TUG did not (pcorrected = 0.52)", "=", 0.52, "pcorrected = 0.52"),
        ("the MAS (p (Mann-Whitney) = 0.006)", "=", 0.006, "p (Mann-Whitney) = 0.006"),
        ("walking speed increased (p 0.04)", "=", 0.04, "p 0.04"),
    ],
)
def test_p_value_forms(text: str, comparator: str, value: float, span: str) -> None:
    (hit,) = find_p_values(text)
    assert (hit.comparator, hit.value, text[hit.start : hit.end]) == (comparator, value, span)


def test_bare_p_outside_brackets_is_not_a_p_value() -> None:
    assert find_p_values("group p 0.04 was") == []


@pytest.mark.parametrize(
    "text",
    [
        "pumps were filled with 1500 μg of baclofen per mL",
        "a solution of 1000 μg baclofen/mL was used",
        "from 500 μg per millilitre",
        "the tissue contained 1.2 μg of drug per gram",
        "infusion was started at 3 μg/kg/day",
        "high dose was defined as ≥ 700 μg/day",
        "(>900 μg/day in 3 patients)",
    ],
)
def test_not_doses(text: str) -> None:
    assert find_doses(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the daily dose was 210 μg·day\u22121", [(210.0, None, "ug/day", "210 μg·day\u22121")]),
        ("a dose of 175 µg d-1 was kept", [(175.0, None, "ug/day", "175 µg d-1")]),
        ("the dose was 230 (SD 95) μg/day", [(230.0, 95.0, "ug/day", "230 (SD 95) μg/day")]),
        ("the mean (SD) dose was 300 (120) μg", [(300.0, 120.0, "ug", "300 (120) μg")]),
        (
            "the daily dose increased from 120 to 280 μg/day",
            [(120.0, None, "ug/day", "120"), (280.0, None, "ug/day", "280 μg/day")],
        ),
    ],
)
def test_dose_values(text: str, expected: list[tuple[float, float | None, str, str]]) -> None:
    got = [(h.value, h.sd, h.unit, text[h.start : h.end]) for h in find_doses(text)]
    assert got == expected


def test_bare_parenthesised_number_needs_sd_header() -> None:
    assert find_doses("the dose was 300 (12) μg") == []


def test_ranged_from_to_stays_a_range() -> None:
    (hit,) = find_doses("doses ranged from 80 to 410 μg/day")
    assert (hit.value, hit.range, hit.unit) == (None, (80.0, 410.0), "ug/day")


def test_test_dose_cue_a_few_words_after_the_unit() -> None:
    (hit,) = find_doses("they received a 50 μg intrathecal baclofen test dose")
    assert hit.kind == "test"


@pytest.mark.parametrize(("text", "n"), [("1 024", 1024), ("98\u00a0942", 98942), ("1,150", 1150)])
def test_space_grouped_counts(text: str, n: int) -> None:
    assert parse_count(text) == n
