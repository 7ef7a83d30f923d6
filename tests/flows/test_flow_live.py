"""End to end: the live-mode refresh flow through the real Bio.Entrez code, against the loopback
fake E-utilities server (tests/fake_eutils.py), under Prefect's test harness."""

from __future__ import annotations

import os
import random
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
# The seed and three near misses of the bundled snapshot (HSP without ITB, ITB outside HSP, oral
# baclofen): the flow keeps the seed only.
REAL = ["31507512", "35132160", "31050023", "338390"]
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
    assert failure.startswith("efetch batch 1/3 (5 PMIDs: ")
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


def _efetch_count(fake: FakeEutils) -> int:
    return sum(1 for r in fake.requests if r.path.endswith("efetch.fcgi"))


# kill -9 at 10 random points (seeded, so a failure replays): after the fake server has answered
# N efetch requests (N in 1..10 of 12, one PMID each), plus up to 0.3 s more, so the child is
# fetching, parsing, extracting, storing (perhaps mid-transaction) or between batches
KILL_SEED = 12
KILL_POINTS = [
    (random.Random(KILL_SEED + i).randint(1, 10), random.Random(-KILL_SEED - i).uniform(0, 0.3))
    for i in range(10)
]


def _live_processes_of_session(sid: int) -> list[int]:
    """The pids still alive (zombies are dead) in session ``sid`` (Linux ``/proc``)."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getsid(int(entry)) != sid:
                continue
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        if stat.rsplit(")", 1)[1].split()[0] != "Z":
            alive.append(int(entry))
    return alive


def _kill_only(proc: subprocess.Popen[bytes]) -> list[int]:
    """SIGKILL the child itself (not its process group, which would hide orphans); what is still
    alive in its session afterwards, then the session is cleaned up either way."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    deadline = time.monotonic() + 10  # the kernel delivers PDEATHSIG at the child's exit
    left = _live_processes_of_session(proc.pid)
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = _live_processes_of_session(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)  # never leave them running after the test
    return left


def _wait_for_efetches(
    fake: FakeEutils, proc: subprocess.Popen[bytes], before: int, n: int
) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if _efetch_count(fake) - before >= n or proc.poll() is not None:
            return
        time.sleep(0.02)


def _refresh_killed_after(
    fake: FakeEutils, db: Path, cache: Path, home: Path, efetches: int, delay_s: float
) -> None:
    """A refresh in a child process (its own session), killed with SIGKILL ``delay_s`` after
    the fake server has answered ``efetches`` of its efetch requests."""
    script = (
        "from pathlib import Path; from flows.refresh import refresh_flow; "
        f"refresh_flow(query={TERM!r}, db=Path({str(db)!r}), out_dir=None, batch_size=1, "
        f"cache_dir=Path({str(cache)!r}))"
    )
    from prefect.settings import PREFECT_API_URL

    # the test session's Prefect server: a child starting its own would spend ~25 s on it
    env = dict(os.environ, PREFECT_HOME=str(home), PREFECT_API_URL=str(PREFECT_API_URL.value()))
    before = _efetch_count(fake)
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_efetches(fake, proc, before, efetches)
        time.sleep(delay_s)
    finally:
        finished = proc.poll() is not None
        left = [] if finished else _kill_only(proc)
        if finished:
            proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the child ended before it was killed"
    assert left == [], f"processes left running after kill -9: {left}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killed_refresh_resumes_without_duplicates_or_losses(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    """kill -9 at 10 random points, then a rerun: the tables of an undisturbed refresh, every
    killed run closed as interrupted by the next start (its pid and host recorded), none left
    running, no process of the killed ones left behind."""
    _serve_term(fake_eutils)
    killed_db, clean_db = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    kept = []
    for efetches, delay_s in KILL_POINTS:
        _refresh_killed_after(
            fake_eutils, killed_db, tmp_path / "raw1", tmp_path / "prefect_child", efetches, delay_s
        )
        with EvidenceStore(killed_db, read_only=True) as store:
            runs = store.table("runs")
            kept.append(len(store.table("records")))
        # the latest run is left running by its dead process; the earlier ones were closed
        assert runs["status"].tolist() == ["interrupted"] * (len(runs) - 1) + ["running"]
        assert runs["host"].notna().all() and runs["pid"].notna().all()
    assert kept[-1] < 12

    resumed = refresh_flow(
        query=TERM, db=killed_db, out_dir=None, batch_size=1, cache_dir=tmp_path / "raw1"
    )
    assert resumed.window.endswith("(mdat; first run: full search)")
    assert (resumed.found, resumed.records_read, resumed.failed) == (12, 12, 0)
    assert resumed.new + resumed.unchanged == 12 and resumed.unchanged >= kept[-1]
    with EvidenceStore(killed_db, read_only=True) as store:
        runs = store.table("runs")
    assert runs["status"].tolist() == ["interrupted"] * len(KILL_POINTS) + ["completed"]
    assert runs["finished_at"].notna().all()

    refresh_flow(query=TERM, db=clean_db, out_dir=None, batch_size=1, cache_dir=tmp_path / "raw2")
    after_kill, clean = _tables(killed_db), _tables(clean_db)
    for name in clean:
        pd.testing.assert_frame_equal(after_kill[name], clean[name], check_dtype=False)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG, /proc")
def test_killed_refresh_command_leaves_no_prefect_server_behind(
    fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    """``itb-evidence refresh`` with no Prefect server configured, killed with SIGKILL while it
    fetches: Prefect's temporary API server (a child process) dies with it, and the next refresh
    closes the killed run as interrupted and completes. Before: the server lived on, orphaned."""
    _serve_term(fake_eutils)
    db = tmp_path / "cli.duckdb"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect_cli"), ITB_EVIDENCE_DB=str(db))
    command = [
        sys.executable,
        "-c",
        "import sys; from itb_evidence.cli import app; sys.argv[0] = 'itb-evidence'; app()",
        "refresh",
        "--query",
        TERM,
        "--batch-size",
        "1",
        "--out-dir",
        str(tmp_path / "out"),
    ]
    before = _efetch_count(fake_eutils)
    proc = subprocess.Popen(
        command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        _wait_for_efetches(fake_eutils, proc, before, 3)
        assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
        assert len(_live_processes_of_session(proc.pid)) >= 2  # the command and its server
    finally:
        left = _kill_only(proc) if proc.poll() is None else []
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert left == [], f"processes left running after kill -9: {left}"

    rerun = subprocess.run(command, env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode()[-2000:]
    with EvidenceStore(db, read_only=True) as store:
        runs = store.table("runs")
        assert len(store.table("records")) == 12
    assert runs["status"].tolist() == ["interrupted", "completed"]


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
