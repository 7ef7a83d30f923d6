"""The full-text stage against the loopback fake E-utilities server: statuses per included study,
held articles not fetched again, a PMC batch that fails for good never raising, and the merge's
comparison rules."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from itb_evidence.fulltext.stage import NO_PMCID_REASON, retrieve_live
from itb_evidence.merge import (
    MERGE_COLUMNS,
    merge_outcomes,
    p_agree,
    same_number,
    timepoints_fit,
)
from itb_evidence.store.fulltext_evidence import (
    STATUS,
    VALUES,
    held_documents,
    read_table,
    store_fulltext_run,
)
from itb_evidence.store.store import EvidenceStore
from tests.support.fake_eutils import FakeEutils, Fault

DATA = Path(__file__).parent / "data"
SOUGHT = [("90000001", "PMC9000001"), ("90000002", "PMC9000002"), ("3", None), ("4", "9999999")]


def _serve(fake: FakeEutils) -> None:
    for name in ("composed_itb.nxml", "composed_no_body.nxml"):
        fake.add_pmc_article((DATA / name).read_bytes())


def _efetches(fake: FakeEutils) -> int:
    return sum(1 for r in fake.requests if r.path == "/efetch.fcgi")


def test_live_statuses_store_and_incremental(fake_eutils: FakeEutils, tmp_path: Path) -> None:
    _serve(fake_eutils)
    run = retrieve_live(SOUGHT, cache_root=tmp_path / "raw")
    assert [(s.pmid, s.status) for s in run.studies] == [
        ("90000001", "open_access"),
        ("90000002", "no_body"),
        ("3", "no_pmcid"),
        ("4", "missing"),
    ]
    lines = run.summary_lines()
    assert lines[0] == "full text: 1 open access, 1 no body, 1 missing, 1 no pmcid"
    assert f"  PMID 3: no pmcid: {NO_PMCID_REASON}" in lines
    assert any(line.startswith("  PMID 90000002 (PMC9000002): no body: ") for line in lines)
    with EvidenceStore(tmp_path / "s.duckdb") as store:
        n = store_fulltext_run(store, run, run_id=1)
        values = read_table(store, VALUES)
        status = read_table(store, STATUS).set_index("pmid")
        held = held_documents(store)
    assert n == len(values) > 0 and set(values["pmid"]) == {"90000001"}
    assert status.loc["90000001", "n_values"] == n and not status.loc["4", "usable"]
    table_hit = values[(values["table_id"] == "T1") & (values["role"] == "p_value")].iloc[0]
    assert (table_hit["table_row"], table_hit["table_col"], table_hit["cell_text"]) == (
        2,
        5,
        "0.005*",
    )
    asked = _efetches(fake_eutils)
    again = retrieve_live(SOUGHT[:1], cache_root=None, held=held)
    assert again.studies[0].status == "held" and again.studies[0].usable
    assert _efetches(fake_eutils) == asked  # held: not fetched again


def test_a_failed_pmc_batch_is_a_status_not_an_exception(
    fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    _serve(fake_eutils)
    fake_eutils.inject(Fault("status", status=503, path="/efetch.fcgi"), times=50)
    run = retrieve_live(SOUGHT[:2], cache_root=tmp_path / "raw")
    assert [s.status for s in run.studies] == ["failed", "failed"]
    assert all("503" in (s.reason or "") for s in run.studies)


def test_comparison_rules() -> None:
    assert same_number(3.2, 3.25) and not same_number(3.0, 4.0) and same_number(0.046, 0.046)
    assert p_agree(("<", 0.05), ("=", 0.03)) and not p_agree(("=", 0.18), ("=", 0.21))
    assert not p_agree(("=", 0.01), (">", None))  # "NS" against a significant p
    assert timepoints_fit("12 months", "Post-implantation (12 months)")
    assert not timepoints_fit("6 months", "12 months") and timepoints_fit(None, "1 year")


def _ft(role: str, value: float, timepoint: str | None = None) -> dict[str, object]:
    return {
        "pmid": "1",
        "group_key": "table:T1:r1",
        "source": "table",
        "role": role,
        "outcome": "Gait speed",
        "timepoint": timepoint,
        "subject": None,
        "stat": "mean",
        "value": value,
        "spread_type": "sd",
        "spread_lo": None,
        "spread_hi": None,
        "sd": 0.1,
        "p_comparator": None,
        "p_value": None,
        "table_id": "T1",
        "table_label": "Table 1",
        "table_row": 1,
        "table_col": 1 if role == "pre" else 2,
        "cell_text": f"{value} ± 0.1",
        "row_header": "Gait speed",
        "column_header": role,
    }


def test_sd_where_the_abstract_had_none_is_filled_and_sourced() -> None:
    outcomes = pd.DataFrame(
        [
            {
                "pmid": "1",
                "outcome": "Gait speed",
                "timepoint": None,
                "row_kind": "result",
                **{f"{s}_{k}": None for s in ("pre", "post") for k in ("spread_type", "sd")},
                **{f"{s}_{k}": None for s in ("pre", "post") for k in ("spread_lo", "spread_hi")},
                "pre_stat": "mean",
                "pre_value": 0.4,
                "post_stat": "mean",
                "post_value": 0.5,
                "p_comparator": None,
                "p_value": None,
                "p_text": None,
                "direction": "increase",
            }
        ]
    )
    values = pd.DataFrame([_ft("pre", 0.41), _ft("post", 0.52, "1 year")])
    (row,) = merge_outcomes(outcomes, values).to_dict("records")
    assert (row["pre_value"], row["pre_sd"], row["pre_source"], row["pre_spread_source"]) == (
        0.4,
        0.1,
        "abstract = full text",
        "full text",
    )
    assert (row["timepoint"], row["timepoint_source"]) == ("1 year", "full text")
    assert not row["sources_disagree"]


def test_readme_documents_the_merge_columns() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    for column in MERGE_COLUMNS:
        assert f"| `{column.name}` | {column.sql_type} |" in readme, column.name
