"""End to end: the live-mode refresh flow through the real Bio.Entrez code, against the loopback
fake E-utilities server (tests/fake_eutils.py), under Prefect's test harness."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from flows.refresh import refresh_flow
from itb_evidence.pubmed.rawcache import RawCache
from itb_evidence.store.store import EvidenceStore
from tests.support.fake_eutils import FakeEutils, Fault

pytestmark = pytest.mark.flow

TERM = "itb hsp refresh test"
REAL = ["31507512", "99000001", "99000002", "99000003"]
SYNTHETIC = [str(90000010 + i) for i in range(8)]


def _serve_term(fake: FakeEutils) -> None:
    today = datetime.now(UTC).date()
    fake.add_synthetic(TERM, [(p, today) for p in REAL + SYNTHETIC])


def _tables(db: Path) -> dict[str, pd.DataFrame]:
    with EvidenceStore(db, read_only=True) as store:
        return {
            t: store.table(t).drop(columns=["first_seen_run", "last_seen_run"], errors="ignore")
            for t in ("studies", "outcomes", "mentions", "records")
        }


def test_live_refresh_end_to_end(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    _serve_term(fake_eutils)
    db = tmp_path / "live.duckdb"
    summary = refresh_flow(
        query=TERM, db=db, out_dir=tmp_path / "out", batch_size=5, cache_dir=tmp_path / "raw"
    )
    assert (summary.found, summary.fetched, summary.records_read) == (12, 12, 12)
    assert (summary.new, summary.failed, summary.studies_kept) == (12, 0, 1)
    with EvidenceStore(db, read_only=True) as store:
        studies = store.table("studies").set_index("pmid")
        outcomes = store.table("outcomes")
        runs = store.table("runs")
    assert studies.loc["31507512", "sample_size"] == 7
    seed = outcomes[(outcomes["pmid"] == "31507512") & (outcomes["row_kind"] == "result")]
    assert dict(zip(seed["outcome"], seed["p_value"], strict=True)) == {
        "Modified Ashworth Scale": 0.046,
        "Reflex Scale": 0.046,
        "Modified Rankin Scale": 0.083,
        "Rivermead Mobility Index": 0.18,
    }
    (run,) = runs.itertuples()
    assert (run.status, run.mode, run.query, run.found, run.new) == (
        "completed",
        "live",
        TERM,
        12,
        12,
    )
    assert sorted(RawCache(tmp_path / "raw").pmids()) == sorted(REAL + SYNTHETIC)
    efetches = [r for r in fake_eutils.requests if r.path.endswith("efetch.fcgi")]
    assert len(efetches) == 3  # 12 PMIDs in batches of 5
    for request in fake_eutils.requests:
        assert request.params.get("tool") == "itb-evidence"
        assert request.params.get("email") == "itb-tests@example.org"


def test_failed_batch_is_reported_and_retried_next_refresh(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    _serve_term(fake_eutils)
    db = tmp_path / "live.duckdb"
    fake_eutils.inject(Fault("status", status=503, path="/efetch.fcgi"), times=4)
    first = refresh_flow(query=TERM, db=db, out_dir=None, batch_size=5, cache_dir=tmp_path / "raw")
    failed_batch = sorted(REAL + SYNTHETIC, key=int, reverse=True)[
        :5
    ]  # the fake lists newest first
    assert (first.failed, first.fetched, first.records_read) == (5, 7, 7)
    assert sorted(first.failed_pmids) == sorted(failed_batch)
    (failure,) = first.failures
    assert failure.startswith("efetch batch 1 (5 PMIDs: ")
    assert all(pmid in failure for pmid in failed_batch) and "failed after 4 tries" in failure
    with EvidenceStore(db, read_only=True) as store:
        assert store.pending_failed_pmids() == sorted(failed_batch)
    second = refresh_flow(query=TERM, db=db, out_dir=None, batch_size=5, cache_dir=tmp_path / "raw")
    assert (second.failed, second.new) == (0, 5)
    with EvidenceStore(db, read_only=True) as store:
        assert store.pending_failed_pmids() == []
        assert len(store.table("records")) == 12
        studies = store.table("studies")
    assert studies["pmid"].is_unique and len(studies) == 12


def test_killed_refresh_resumes_without_duplicates_or_losses(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    _serve_term(fake_eutils)
    killed_db, clean_db = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    script = (
        "from pathlib import Path; from flows.refresh import refresh_flow; "
        f"refresh_flow(query={TERM!r}, db=Path({str(killed_db)!r}), out_dir=None, batch_size=1, "
        f"cache_dir=Path({str(tmp_path / 'raw1')!r}))"
    )
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect_child"))
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            efetches = [r for r in fake_eutils.requests if r.path.endswith("efetch.fcgi")]
            if len(efetches) >= 4 or proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the child finished before it could be killed"
    with EvidenceStore(killed_db, read_only=True) as store:
        interrupted = store.table("runs")
        kept = len(store.table("records"))
    assert interrupted["status"].tolist() == ["running"]
    assert 1 <= kept < 12

    resumed = refresh_flow(
        query=TERM, db=killed_db, out_dir=None, batch_size=1, cache_dir=tmp_path / "raw1"
    )
    assert resumed.window.endswith("(mdat; first run: full search)")
    assert (resumed.found, resumed.records_read, resumed.new, resumed.unchanged) == (
        12,
        12,
        12 - kept,
        kept,
    )
    refresh_flow(query=TERM, db=clean_db, out_dir=None, batch_size=1, cache_dir=tmp_path / "raw2")
    after_kill, clean = _tables(killed_db), _tables(clean_db)
    for name in clean:
        pd.testing.assert_frame_equal(after_kill[name], clean[name], check_dtype=False)


def test_refresh_command_reports_a_failed_search_clearly(
    prefect_harness: None,
    fake_eutils: FakeEutils,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """4 tries in the E-utilities policy x 2 task runs (Prefect's one late retry), all 503."""
    from typer.testing import CliRunner

    from itb_evidence.cli import app

    monkeypatch.setenv("ITB_TASK_RETRY_DELAY_S", "0")
    fake_eutils.inject(Fault("status", status=503, path="/esearch.fcgi"), times=8)
    db = tmp_path / "failed.duckdb"
    query = "itb search that fails"  # its own query: the search task caches results by inputs
    result = CliRunner().invoke(
        app, ["refresh", "--query", query, "--db", str(db), "--out-dir", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "refresh failed, nothing fetched" in result.output
    assert "failed after 4 tries: HTTP 503" in result.output
    with EvidenceStore(db, read_only=True) as store:
        runs = store.table("runs")
        failures = store.table("failures")
    assert runs["status"].tolist() == ["failed"]
    assert failures["stage"].tolist() == ["search"]


def test_refresh_command_needs_an_email(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from itb_evidence.cli import app

    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    result = CliRunner().invoke(app, ["refresh", "--db", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2
    assert "Set NCBI_EMAIL=you@example.org" in result.output
    assert not (tmp_path / "x.duckdb").exists()
