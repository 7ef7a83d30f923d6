"""A unit for outcome values (issue 12, finding 9): each pre -> post result carries the unit its
values are written in, as an id of ``extractors.results.UNITS``, into the extract contract's
results (key ``unit``) and the outcomes table (column ``unit``)."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.contract import to_contract
from extractors.results import UNITS, find_pairs, unit_id
from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store import schema

UNIT_CASES = [
    # a 10-metre walk as a speed and as a time: told apart
    ("Walking speed improved from 0.45 m/s to 0.61 m/s (p = 0.01).", "m/s"),
    ("Walking speed improved from 0.45 to 0.61 m/s (p = 0.01).", "m/s"),
    ("The 10-metre walk time fell from 35.2 to 28.1 seconds (p = 0.02).", "s"),
    ("The 10-metre walk time fell from 35.2 s to 28.1 s (p = 0.02).", "s"),
    ("The Barthel index rose from 40% to 60% (p = 0.04).", "%"),
    ("Pain NRS improved from 7 to 4 points.", "points"),
    ("Knee flexion rose from 41.2° ± 9.5° to 52° (p = 0.03).", "deg"),
    ("Peak knee flexion increased from 38.5 to 44.1 degrees.", "deg"),
    ("The refill interval lengthened from 63 to 118 days.", "days"),
    # a rate not in the list is its own id, as written
    ("Oxygen cost of walking fell from 0.31 ± 0.08 mL/kg/m to 0.26 ± 0.07 mL/kg/m.", "mL/kg/m"),
    ("Heart rate fell from 92 beats/min to 80 beats/min.", "beats/min"),
    # none written, or two different ones: no unit
    ("MAS fell from 3 to 1 (p = 0.001).", None),
    ("Walking speed increased from 35 s to 0.5 m/s (p = 0.03).", None),
    ("The MAS was 3 (IQR 2-4) before and 1 (IQR 0-2) after implantation.", None),
]


@pytest.mark.parametrize(("sentence", "unit"), UNIT_CASES)
def test_result_carries_the_unit_of_its_values(sentence: str, unit: str | None) -> None:
    se = extract_study("t", "", sentence)
    (result,) = se.results
    assert result.unit == unit
    (contract,) = to_contract(se)["results"]
    assert contract["unit"] == unit


def test_listed_pairs_each_carry_their_own_unit() -> None:
    se = extract_study(
        "t",
        "",
        "Gait speed and step length increased from 0.71 m/s and 0.42 m to 0.86 m/s and 0.49 m, "
        "respectively. Mean scores at baseline vs one year were: 6-minute walk distance, 212 m "
        "vs 250 m (P=0.003); MAS, 2.8 vs 1.9 (P<0.001).",
    )
    assert [(r.outcome, r.unit) for r in se.results] == [
        ("Gait speed", "m/s"),
        ("Step length", "m"),
        ("6-Minute Walk Test", "m"),
        ("Modified Ashworth Scale", None),
    ]


def test_offsets_shift_keeps_the_unit() -> None:
    sentence = "Walking speed improved from 0.45 to 0.61 m/s."
    assert [h.unit for h in find_pairs(sentence, 40)] == ["m/s"]


@pytest.mark.parametrize(
    ("written", "unit"),
    [("seconds", "s"), ("sec", "s"), ("mm Hg", "mmHg"), ("cm H2O", "cmH2O"), ("°", "deg")],
)
def test_unit_ids(written: str, unit: str) -> None:
    assert unit_id(written) == unit


def test_unit_ids_are_unique_forms() -> None:
    forms = [form for group in UNITS.values() for form in group]
    assert len(forms) == len(set(forms))


def test_outcomes_table_has_a_valid_unit_column() -> None:
    column = next(c for c in schema.OUTCOMES if c.name == "unit")
    assert (column.sql_type, column.nullable) == ("VARCHAR", True)
    assert all(f" {unit} " in f" {column.description} " for unit in UNITS)
    abstract = "Walking speed improved from 0.45 to 0.61 m/s (p = 0.01). MAS fell (p = 0.02)."
    record = PubmedRecord("1", 1, "Intrathecal baclofen in HSP", abstract, ())
    se = extract_study("1", record.title, abstract)
    rows = link_record(record, se, ScreenDecision("1", True, "test", {}))
    by_kind = {(r["row_kind"], r["outcome"]): r["unit"] for r in rows.outcomes}
    assert by_kind[("result", "Gait speed")] == "m/s"
    assert all(unit is None for (kind, _), unit in by_kind.items() if kind != "result")
    assert all(schema.validate_row("outcomes", row) == [] for row in rows.outcomes)
    assert "unit" in schema.ddl("outcomes")
