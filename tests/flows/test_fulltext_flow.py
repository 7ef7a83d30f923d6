"""The demo's full-text path end to end: snapshot -> full-text stage -> store -> merged export ->
report. The bundled snapshot holds no JATS (the seed paper's is on no page we hold), so the real
demo says why; the full-text rows path runs on a COMPOSED JATS fixture that names the seed's PMID
(tests/fulltext/data/composed_seed_demo.nxml: invented numbers, not the paper's text)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from flows.refresh import refresh_flow, snapshot_flow
from itb_evidence.curate import Correction, add_correction
from itb_evidence.export.tables import export
from itb_evidence.merge import merged_tables
from itb_evidence.report.render import render_report
from itb_evidence.runs import RefreshSummary
from itb_evidence.settings import SNAPSHOT_PMC_DIR
from itb_evidence.store.fulltext_evidence import STATUS, VALUES, read_table, reextract
from itb_evidence.store.store import EvidenceStore
from tests.support.fake_eutils import FakeEutils

pytestmark = pytest.mark.flow

SEED = "31507512"
COMPOSED = Path(__file__).parents[1] / "fulltext" / "data" / "composed_seed_demo.nxml"
NOT_BUNDLED = (
    "no open-access full text bundled for PMID 31507512 (its JATS is not on any page we hold)"
)


@pytest.fixture(scope="module")
def composed_demo(
    prefect_harness: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RefreshSummary, Path, Path]]:
    tmp = tmp_path_factory.mktemp("ftdemo")
    pmc = tmp / "pmc"
    pmc.mkdir()
    shutil.copy(COMPOSED, pmc / COMPOSED.name)
    db, out = tmp / "evidence.duckdb", tmp / "out"
    yield snapshot_flow(db=db, out_dir=out, pmc_dir=pmc), db, out


def _seed_rows(out: Path) -> pd.DataFrame:
    df = pd.read_csv(out / "evidence_outcomes.csv", dtype={"pmid": str})
    return df[df["pmid"] == SEED].set_index("outcome")


def test_bundled_demo_says_why_the_seed_has_no_full_text(
    prefect_harness: None, tmp_path: Path
) -> None:
    summary = snapshot_flow(db=tmp_path / "d.duckdb", out_dir=tmp_path / "out")
    assert f"  PMID {SEED}: not bundled: {NOT_BUNDLED}" in summary.notes
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert NOT_BUNDLED in html
    outcomes = pd.read_csv(tmp_path / "out" / "evidence_outcomes.csv", dtype={"pmid": str})
    assert not outcomes["sources_disagree"].any() and outcomes["ft_provenance"].isna().all()
    assert (SNAPSHOT_PMC_DIR / "not_bundled.tsv").is_file()


def test_composed_full_text_is_merged_beside_the_abstract(
    composed_demo: tuple[RefreshSummary, Path, Path],
) -> None:
    summary, _, out = composed_demo
    assert summary.notes[0].startswith("full text: 1 open access; ")
    rows = _seed_rows(out)
    mas = rows.loc["Modified Ashworth Scale"]
    assert (mas["pre_source"], mas["post_source"], mas["p_source"]) == (
        "abstract = full text",
        "abstract = full text",
        "abstract = full text",
    )
    assert mas["ft_post_value"] == 1 and mas["ft_post_spread_hi"] == 1.25
    assert "Table 1, row 1, column 2" in mas["ft_provenance"]
    assert mas["ft_locators"] == "table:T1:1:1; table:T1:1:2; table:T1:1:3"
    # the abstract gives no timepoint for the Rankin scale: the table's column header fills it
    mrs = rows.loc["Modified Rankin Scale"]
    assert (mrs["timepoint"], mrs["timepoint_source"]) == ("Steady state", "full text")
    assert not mrs["sources_disagree"]
    # the composed table's p (0.21) disagrees with the abstract's (0.18): flagged, not overwritten
    rmi = rows.loc["Rivermead Mobility Index"]
    assert rmi["sources_disagree"] and rmi["p_value"] == 0.18 and rmi["ft_p_value"] == 0.21
    assert "p: abstract" in rmi["disagreement"]
    # a paragraph result: its span is the provenance
    reflex = rows.loc["Reflex Scale"]
    assert reflex["p_source"] == "abstract = full text"
    assert "Results, paragraph" in reflex["ft_provenance"]
    assert reflex["ft_locators"].startswith("paragraph:")
    # an outcome only the full text gives has a row of its own
    penn = rows.loc["Penn Spasm Frequency Scale"]
    assert penn["row_kind"] == "full_text" and penn["p_value"] == 0.02
    assert penn["pre_source"] == "full text" and pd.isna(penn["source_text"])


def test_report_shows_the_cells_and_spans_read(
    composed_demo: tuple[RefreshSummary, Path, Path],
) -> None:
    _, _, out = composed_demo
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-fulltext-status="open access"' in html
    assert '<td class="ft-hit">0.21</td>' in html
    assert '<mark class="ft-hit">from 5 to 3 (p = 0.046)</mark>' in html
    assert "sources disagree" in html


def test_curator_corrections_work_on_merged_rows(
    composed_demo: tuple[RefreshSummary, Path, Path], tmp_path: Path
) -> None:
    _, db, _ = composed_demo
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    with EvidenceStore(copy) as store:
        add_correction(
            store,
            Correction(
                SEED,
                "outcome",
                "set",
                "checked Table 1 against the PDF",
                "ana",
                outcome="Rivermead Mobility Index",
                field="p_value",
                value="0.21",
            ),
        )
        add_correction(
            store,
            Correction(
                SEED,
                "outcome",
                "reject",
                "not a primary outcome",
                "ben",
                outcome="Modified Rankin Scale",
            ),
        )
        add_correction(
            store,
            Correction(
                SEED,
                "outcome",
                "set",
                "from the full text's Table 1",
                "ana",
                outcome="Penn Spasm Frequency Scale",
                field="post_value",
                value="2",
                new_outcome=True,
            ),
        )
        rows = merged_tables(store)["outcomes"]
        html = render_report(store)
    rows = rows[rows["pmid"] == SEED].set_index("outcome")
    rmi = rows.loc["Rivermead Mobility Index"]
    assert (rmi["p_value"], rmi["p_source"], bool(rmi["sources_disagree"])) == (
        0.21,
        "curator",
        False,
    )
    assert "set p_value by ana" in rmi["curation"]
    assert bool(rows.loc["Modified Rankin Scale", "rejected"])
    # a curator row for an outcome only the full text had: the full text fills the rest
    penn = rows.loc["Penn Spasm Frequency Scale"]
    assert (penn["post_value"], penn["post_source"]) == (2, "curator")
    assert (penn["pre_value"], penn["pre_source"]) == (3, "full text")
    assert (
        "Modified Rankin Scale"
        not in html.split('class="outcomes fulltext-merged"')[1].split("</table>")[0]
    )


def test_reextract_from_the_store_and_switching_the_stage_off(
    composed_demo: tuple[RefreshSummary, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, db, _ = composed_demo
    copy = tmp_path / "copy.duckdb"
    shutil.copy(db, copy)
    with EvidenceStore(copy) as store:
        before = read_table(store, VALUES).drop(columns=["run_id"])
        store.con.execute(f"DELETE FROM {VALUES}")
        assert reextract(store) == (1, len(before))
        after = read_table(store, VALUES).drop(columns=["run_id"])
    pd.testing.assert_frame_equal(
        before.sort_values(["group_key", "role", "table_col"]).reset_index(drop=True),
        after.sort_values(["group_key", "role", "table_col"]).reset_index(drop=True),
    )
    monkeypatch.setenv("ITB_FULLTEXT", "0")
    off = tmp_path / "off.duckdb"
    summary = snapshot_flow(db=off, out_dir=None)
    assert "full text: skipped (ITB_FULLTEXT=0)" in summary.notes
    with EvidenceStore(off, read_only=True) as store:
        assert read_table(store, STATUS).empty
        assert len(export(store, fmt="json", out=tmp_path / "e.json")) == 1


def test_live_refresh_runs_the_full_text_stage(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    """Live mode wiring: the seed record the fake serves names no PMCID (as the bundled one), so
    the stage asks PMC for nothing and says why in the run summary; the run completes."""
    fake_eutils.add_synthetic("ft live", [(SEED, datetime.now(UTC).date())])
    summary = refresh_flow(
        query="ft live", db=tmp_path / "l.duckdb", out_dir=None, cache_dir=tmp_path / "raw"
    )
    assert summary.studies_kept == 1
    assert "full text: 1 no pmcid; 0 full-text values stored" in summary.notes
    assert not [r for r in fake_eutils.requests if r.params.get("db") == "pmc"]
    with EvidenceStore(tmp_path / "l.duckdb", read_only=True) as store:
        (status,) = read_table(store, STATUS).itertuples()
    assert (status.pmid, status.status, status.usable) == (SEED, "no_pmcid", False)
