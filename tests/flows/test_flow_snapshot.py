"""End to end: the Prefect snapshot flow (the demo) on the bundled snapshot, values asserted.

Runs under Prefect's test harness (one temporary API server for the module, NOTES.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from flows.refresh import snapshot_flow
from itb_evidence.runs import RefreshSummary
from itb_evidence.store.store import EvidenceStore

pytestmark = pytest.mark.flow

SEED = "31507512"
HSP_NOT_ITB = "35132160"  # SPG31 in Japan: a clinical and genetic study, no ITB
ITB_NOT_HSP = "31050023"  # the IDYS trial: ITB in dyskinetic cerebral palsy
ORAL_BACLOFEN = "338390"  # oral baclofen in children with cerebral palsy
INTRATHECAL_MORPHINE = "15273835"  # intrathecal, but morphine
EXPECTED_RESULTS = {
    # outcome: (pre median, pre IQR, post median, post IQR, p)
    "Modified Ashworth Scale": (3, (3, 3.25), 1, (1, 1.25), 0.046),
    "Reflex Scale": (5, (4.75, 5), 3, (2.75, 3), 0.046),
    "Modified Rankin Scale": (2, (2, 2), 1, (1, 1.5), 0.083),
    "Rivermead Mobility Index": (14, (13.5, 14), 14, (14, 14), 0.18),
}


@pytest.fixture(scope="module")
def demo_run(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RefreshSummary, Path, Path]]:
    tmp = tmp_path_factory.mktemp("demo")
    db, out = tmp / "evidence.duckdb", tmp / "out"
    summary = snapshot_flow(db=db, out_dir=out)
    yield summary, db, out


def test_summary_counts(demo_run: tuple[RefreshSummary, Path, Path]) -> None:
    summary, _, _ = demo_run
    counts = (summary.records_read, summary.new, summary.studies_kept, summary.failed)
    assert counts == (31, 31, 1, 0)
    assert summary.rows_rejected == 0
    assert summary.changes == [
        "new study: PMID 31507512 (Intrathecal Baclofen in Hereditary Spastic Paraparesis.)"
    ]
    assert sorted(Path(p).name for p in summary.exports) == [
        "evidence.csv",
        "evidence.xlsx",
        "evidence_outcomes.csv",
        "meta_pooled.csv",
        "meta_studies.csv",
        "meta_summary.txt",
        "report.html",
    ]


def test_seed_study_row(demo_run: tuple[RefreshSummary, Path, Path]) -> None:
    _, db, _ = demo_run
    with EvidenceStore(db, read_only=True) as store:
        studies = store.table("studies").set_index("pmid")
    seed = studies.loc[SEED]
    assert bool(seed["included"]) is True
    assert seed["sample_size"] == 7
    assert seed["design"] == "retrospective cohort"
    assert (seed["itb_dose_value"], seed["itb_dose_sd"]) == (188, 60)
    assert (seed["itb_dose_range_lo"], seed["itb_dose_range_hi"]) == (145, 230)
    assert seed["itb_dose_unit"] == "ug/day"
    assert seed["itb_dose_summary"] == "188 ± 60 (range 145-230) ug/day"
    assert seed["year"] == 2019 and seed["doi"] == "10.3389/fneur.2019.00901"
    excluded = studies.drop(index=SEED)
    assert len(excluded) == 30 and not excluded["included"].any()
    # Real near misses of the dev split (data/README.md): each is screened out with its reason.
    assert excluded.loc[HSP_NOT_ITB, "inclusion_reason"] == "not an intrathecal baclofen study"
    assert bool(excluded.loc[HSP_NOT_ITB, "is_hsp_population"]) is True
    assert excluded.loc[ITB_NOT_HSP, "inclusion_reason"] == (
        "population is not hereditary spastic paraplegia"
    )
    assert bool(excluded.loc[ITB_NOT_HSP, "is_itb_study"]) is True
    assert not excluded.loc[ORAL_BACLOFEN, "is_hsp_population"]
    assert not excluded.loc[ORAL_BACLOFEN, "is_itb_study"]
    assert not excluded.loc[INTRATHECAL_MORPHINE, "is_itb_study"]


def test_seed_outcome_rows_values_and_spans(demo_run: tuple[RefreshSummary, Path, Path]) -> None:
    _, db, _ = demo_run
    with EvidenceStore(db, read_only=True) as store:
        outcomes = store.table("outcomes")
        abstract = store.con.execute(
            "SELECT abstract FROM records WHERE pmid = ?", [SEED]
        ).fetchone()
    assert abstract is not None
    text = str(abstract[0])
    results = outcomes[(outcomes["pmid"] == SEED) & (outcomes["row_kind"] == "result")]
    got = {}
    for row in results.to_dict("records"):
        got[row["outcome"]] = (
            row["pre_value"],
            (row["pre_spread_lo"], row["pre_spread_hi"]),
            row["post_value"],
            (row["post_spread_lo"], row["post_spread_hi"]),
            row["p_value"],
        )
        assert text[int(row["span_start"]) : int(row["span_end"])] == row["source_text"]
        assert row["section"] == "Results" and row["rule_id"]
        assert row["pre_stat"] == "median" and row["pre_spread_type"] == "iqr"
    assert got == EXPECTED_RESULTS
    # "... as did the Reflex Scale from 5 ... to 3 (...) at steady state dosage of ITB."
    timepoints = {
        row["outcome"]: row["timepoint"] if isinstance(row["timepoint"], str) else None
        for row in results.to_dict("records")
    }
    assert timepoints == {
        "Modified Ashworth Scale": "steady state",
        "Reflex Scale": "steady state",
        "Modified Rankin Scale": None,
        "Rivermead Mobility Index": None,
    }


def test_exports_hold_the_seed_values(demo_run: tuple[RefreshSummary, Path, Path]) -> None:
    _, _, out = demo_run
    studies = pd.read_csv(out / "evidence.csv", dtype={"pmid": str})
    outcomes = pd.read_csv(out / "evidence_outcomes.csv", dtype={"pmid": str})
    assert studies.set_index("pmid").loc[SEED, "sample_size"] == 7
    seed_p = outcomes[outcomes["pmid"] == SEED].set_index("outcome")["p_value"].to_dict()
    assert {k: seed_p[k] for k in EXPECTED_RESULTS} == {
        k: v[4] for k, v in EXPECTED_RESULTS.items()
    }
    sheets = pd.read_excel(out / "evidence.xlsx", sheet_name=None)
    assert list(sheets) == ["README", "studies", "outcomes"]
    assert len(sheets["studies"]) == 31


def test_rerun_adds_nothing_twice(
    prefect_harness: None, demo_run: tuple[RefreshSummary, Path, Path]
) -> None:
    _, db, _ = demo_run
    with EvidenceStore(db, read_only=True) as store:
        before = {t: len(store.table(t)) for t in ("studies", "outcomes", "mentions", "records")}
    again = snapshot_flow(db=db, out_dir=None)
    assert (again.new, again.unchanged) == (0, 31)
    assert again.changes == []
    with EvidenceStore(db, read_only=True) as store:
        after = {t: len(store.table(t)) for t in ("studies", "outcomes", "mentions", "records")}
        runs = store.table("runs")
    assert after == before
    assert runs["status"].tolist() == ["completed", "completed"]
