"""link -> store -> export on hand-built extractions (independent of the extractor rules)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from extractors.types import FollowUp, Provenance
from itb_evidence.export.tables import export
from itb_evidence.rows import EvidenceRows, link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store import schema
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import ABSTRACT, make_extraction, make_record

INCLUDED = ScreenDecision("100", True, "ITB study in an HSP population", {})


def test_link_builds_study_and_outcome_rows_with_provenance() -> None:
    rows = link_record(make_record(), make_extraction(), INCLUDED)
    (study,) = rows.studies
    assert study["sample_size"] == 7
    assert study["itb_dose_summary"] == "188 ± 60 (range 145-230) ug/day"
    assert (study["itb_dose_range_lo"], study["itb_dose_range_hi"]) == (145, 230)
    assert study["citation"].startswith("Doe J, Roe R. Intrathecal baclofen in HSP")
    by_outcome = {r["outcome"]: r for r in rows.outcomes}
    assert sorted(by_outcome) == ["Gait speed", "Modified Ashworth Scale"]
    mas = by_outcome["Modified Ashworth Scale"]
    assert (mas["pre_value"], mas["pre_spread_lo"], mas["pre_spread_hi"]) == (3, 3, 3.25)
    assert (mas["post_value"], mas["post_spread_hi"], mas["p_value"]) == (1, 1.25, 0.046)
    assert mas["direction"] == "decrease" and mas["row_kind"] == "result"
    assert ABSTRACT[mas["span_start"] : mas["span_end"]] == mas["source_text"]
    gait = by_outcome["Gait speed"]
    assert (gait["row_kind"], gait["p_value"], gait["pre_value"]) == ("p_value", 0.41, None)
    assert all(not schema.validate_row("outcomes", r) for r in rows.outcomes)
    assert {m["kind"] for m in rows.mentions} == {
        "outcome_measure",
        "dose",
        "p_value",
        "result",
        "sample_size",
    }


def test_link_fills_follow_up_summary_timepoint_and_follow_up_mention() -> None:
    base = make_extraction()
    text = "We studied seven patients"
    start = ABSTRACT.index(text)
    follow_prov = Provenance(
        "abstract", start, start + len(text), text, "a sentence", "Methods", "follow_up.stated"
    )
    cases = [
        (FollowUp(5.2, 2.1, None, "years", follow_prov), "5.2 ± 2.1 years"),
        (FollowUp(36, None, (12, 60), "months", follow_prov), "36 (range 12-60) months"),
        (FollowUp(None, None, (2, 41), "months", follow_prov), "range 2-41 months"),
    ]
    for follow_up, summary in cases:
        extraction = replace(
            base,
            follow_up=follow_up,
            results=tuple(replace(r, timepoint="steady state") for r in base.results),
        )
        rows = link_record(make_record(), extraction, INCLUDED)
        assert rows.studies[0]["follow_up"] == summary
        mas = next(r for r in rows.outcomes if r["outcome"] == "Modified Ashworth Scale")
        assert mas["timepoint"] == "steady state"
        assert [r["timepoint"] for r in rows.outcomes if r["row_kind"] != "result"] == [None]
        (mention,) = [m for m in rows.mentions if m["kind"] == "follow_up"]
        assert (mention["label"], mention["value"], mention["rule_id"]) == (
            summary,
            summary,
            "follow_up.stated",
        )
        assert (mention["span_start"], mention["source_text"]) == (start, text)
        assert not schema.validate_row("studies", rows.studies[0])
        assert all(not schema.validate_row("mentions", m) for m in rows.mentions)
    plain = link_record(make_record(), base, INCLUDED)
    assert plain.studies[0]["follow_up"] is None
    assert all(r["timepoint"] is None for r in plain.outcomes)


def test_excluded_study_keeps_its_reason_but_no_outcomes() -> None:
    decision = ScreenDecision("100", False, "not an intrathecal baclofen study", {})
    rows = link_record(make_record(), make_extraction(itb=False), decision)
    assert rows.studies[0]["included"] is False
    assert rows.studies[0]["inclusion_reason"] == "not an intrathecal baclofen study"
    assert rows.outcomes == [] and rows.mentions == []


def test_validation_names_pmid_column_and_problem() -> None:
    rows = link_record(make_record(), make_extraction(), INCLUDED)
    bad = dict(rows.outcomes[0], p_value=1.7, span_end=0)
    problems = [str(e) for e in schema.validate_row("outcomes", bad)]
    assert "outcomes row for PMID 100: column 'p_value' = 1.7 fails check in [0, 1]" in problems
    assert any("span_end" in p and "before span_start" in p for p in problems)
    missing = dict(rows.studies[0], design=None)
    assert [str(e) for e in schema.validate_row("studies", missing)] == [
        "studies row for PMID 100: column 'design' is required but missing"
    ]


def test_store_rejects_bad_rows_writes_good_ones_and_rewrites_without_duplicates(
    tmp_path: Path,
) -> None:
    db = tmp_path / "e.duckdb"
    rows = link_record(make_record(), make_extraction(), INCLUDED)
    rows.outcomes.append(dict(rows.outcomes[0], p_value=2.0))
    with EvidenceStore(db) as store:
        report = store.write_evidence(rows)
        assert [e.column for e in report.rejected] == ["p_value"]
        assert report.written == {"studies": 1, "outcomes": 2, "mentions": 7}
        store.write_evidence(link_record(make_record(), make_extraction(), INCLUDED))
        outcomes = store.table("outcomes")
        assert len(outcomes) == 2
        assert sorted(outcomes["p_value"].tolist()) == [0.046, 0.41]


def test_classify_records_new_revised_unchanged(tmp_path: Path) -> None:
    with EvidenceStore(tmp_path / "e.duckdb") as store:
        rec = make_record()
        assert [c.status for c in store.classify_records([rec])] == ["new"]
        store.upsert_records([rec], run_id=1)
        assert [c.status for c in store.classify_records([rec])] == ["unchanged"]
        revised = make_record()
        object.__setattr__(revised, "date_revised", "2024-05-06")
        assert [c.status for c in store.classify_records([revised])] == ["revised"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "json"])
def test_export_round_trip_equals_store(tmp_path: Path, fmt: str) -> None:
    db = tmp_path / "e.duckdb"
    rows = EvidenceRows()
    rows.extend(link_record(make_record("100"), make_extraction("100"), INCLUDED))
    rows.extend(
        link_record(
            make_record("200", retracted=True),
            make_extraction("200", hsp=False),
            ScreenDecision("200", False, "population is not hereditary spastic paraplegia", {}),
        )
    )
    with EvidenceStore(db) as store:
        store.write_evidence(rows)
        stored = store.table("studies").sort_values("pmid").reset_index(drop=True)
        out = tmp_path / f"evidence.{fmt}"
        files = export(store, fmt=fmt, out=out)
    if fmt == "csv":
        back = pd.read_csv(files[0].path, dtype={"pmid": str})
        outcomes_back = pd.read_csv(files[1].path, dtype={"pmid": str})
        assert files[1].path.name == "evidence_outcomes.csv"
        assert outcomes_back["outcome"].tolist() == ["Modified Ashworth Scale", "Gait speed"]
    elif fmt == "xlsx":
        sheets = pd.read_excel(out, sheet_name=None, dtype={"pmid": str})
        assert list(sheets) == ["README", "studies", "outcomes"]
        back = sheets["studies"]
    elif fmt == "parquet":
        back = pd.read_parquet(out / "studies.parquet")
    else:
        back = pd.DataFrame(json.loads(out.read_text())["studies"])
    assert back["pmid"].astype(str).tolist() == ["100", "200"]
    assert back["retracted"].astype(bool).tolist() == [False, True]
    assert back["included"].astype(bool).tolist() == [True, False]
    assert back["itb_dose_summary"].tolist() == stored["itb_dose_summary"].tolist()
    assert back["sample_size"].tolist() == stored["sample_size"].tolist()
    assert back["inclusion_reason"].tolist() == stored["inclusion_reason"].tolist()
