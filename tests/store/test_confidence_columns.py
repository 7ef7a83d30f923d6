"""Confidence tiers through link -> store -> export -> report, on hand-built extractions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from extractors.types import StudyExtraction
from itb_evidence.export.tables import export
from itb_evidence.report.model import load_report_model
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store import schema
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record

INCLUDED = ScreenDecision("100", True, "ITB study in an HSP population", {})
TIER_COLUMNS = {
    "studies": ("design_confidence", "sample_size_confidence", "itb_dose_confidence"),
    "outcomes": ("confidence", "link_confidence"),
    "mentions": ("confidence", "link_confidence"),
}


def _tiered() -> StudyExtraction:
    """The factory extraction with tiers: MAS sure, gait speed's p-value linked with a low link,
    the dose medium, the design low."""
    se = make_extraction()
    p_mas, p_gait = se.p_values
    p_mas = replace(p_mas, confidence="high", link_confidence="high")
    p_gait = replace(p_gait, confidence="high", link_confidence="low")
    (result,) = se.results
    return replace(
        se,
        outcome_measures=tuple(replace(o, confidence="high") for o in se.outcome_measures),
        p_values=(p_mas, p_gait),
        results=(replace(result, p=p_mas, confidence="high", link_confidence="high"),),
        doses=tuple(replace(d, confidence="medium", link_confidence="high") for d in se.doses),
        sample_size_confidence="high",
        design_confidence="low",
    )


def test_rows_carry_every_tier_and_validate() -> None:
    rows = link_record(make_record(), _tiered(), INCLUDED)
    (study,) = rows.studies
    assert (study["design_confidence"], study["sample_size_confidence"]) == ("low", "high")
    assert study["itb_dose_confidence"] == "medium"
    by_kind = {r["row_kind"]: r for r in rows.outcomes}
    assert (by_kind["result"]["confidence"], by_kind["result"]["link_confidence"]) == (
        "high",
        "high",
    )
    assert by_kind["p_value"]["link_confidence"] == "low"
    mentions = {(m["kind"], m["label"]): m for m in rows.mentions}
    assert mentions[("dose", "188 ± 60 (range 145-230) ug/day")]["confidence"] == "medium"
    assert mentions[("sample_size", "n")]["confidence"] == "high"
    for table, rs in (("studies", rows.studies), ("outcomes", rows.outcomes)):
        assert all(not schema.validate_row(table, r) for r in rs)


def test_a_value_that_is_not_a_tier_is_refused() -> None:
    (study,) = link_record(make_record(), _tiered(), INCLUDED).studies
    (error,) = schema.validate_row("studies", {**study, "design_confidence": "sure"})
    assert error.column == "design_confidence" and "high | medium | low" in error.problem


def test_an_existing_store_gains_the_tier_columns_and_exports_them(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with EvidenceStore(db) as store:  # a store written before tiers existed
        for table, columns in TIER_COLUMNS.items():
            for column in columns:
                store.con.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    with EvidenceStore(db) as store:
        for table, columns in TIER_COLUMNS.items():
            have = {r[0] for r in store.con.execute(f"DESCRIBE {table}").fetchall()}
            assert set(columns) <= have
        store.upsert_records([make_record()], run_id=1)
        report = store.write_evidence(link_record(make_record(), _tiered(), INCLUDED))
        assert not report.rejected
        (csv_studies, csv_outcomes) = export(store, fmt="csv", out=tmp_path / "e.csv")
        studies = pd.read_csv(csv_studies.path)
        assert studies.loc[0, "design_confidence"] == "low"
        outcomes = pd.read_csv(csv_outcomes.path)
        assert set(outcomes["link_confidence"].dropna()) == {"high", "low"}
        (metafor,) = export(store, fmt="metafor", out=tmp_path / "m.csv")
        row = pd.read_csv(metafor.path).iloc[0]
        assert (row["confidence"], row["link_confidence"], row["n_confidence"]) == (
            "high",
            "high",
            "high",
        )


def test_report_flags_low_tiers_and_not_unassessed_values(tmp_path: Path) -> None:
    with EvidenceStore(tmp_path / "t.duckdb") as store:
        store.upsert_records([make_record()], run_id=1)
        store.write_evidence(link_record(make_record(), _tiered(), INCLUDED))
        (view,) = load_report_model(store).included
    codes = sorted(f.code for f in view.low_flags)
    # gait speed's low link, the low design; nothing else is rated low
    assert codes.count("low_link") == 1 and codes.count("low_tier") == 1
    assert any("design" in f.message for f in view.low_flags if f.code == "low_tier")
    (dose,) = [m for m in view.mentions if m.kind == "dose"]
    assert "confidence medium, link high" in dose.tooltip
    with EvidenceStore(tmp_path / "u.duckdb") as store:  # hand-built, never assessed
        store.upsert_records([make_record()], run_id=1)
        store.write_evidence(link_record(make_record(), make_extraction(), INCLUDED))
        (plain,) = load_report_model(store).included
    assert not {"low_tier", "low_link"} & {f.code for f in plain.low_flags}
