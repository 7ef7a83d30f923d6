"""A refresh and its store's other users at the same time, in real processes (DuckDB's lock is
per process), against the loopback fake E-utilities server: curators and exports during a refresh
all succeed (or wait), the refresh stores what an undisturbed one does, and a second refresh
waits, then refuses in one line."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.refresh import refresh_flow
from itb_evidence.cli import app
from itb_evidence.runs import RefreshSummary
from itb_evidence.store.store import HOST, EvidenceStore, WriterLock
from tests.support.fake_eutils import FakeEutils

pytestmark = pytest.mark.flow

REPO = Path(__file__).resolve().parents[2]
TERM = "itb hsp concurrency test"
SEED = "31507512"
PMIDS = [SEED] + [str(90000100 + i) for i in range(11)]
# Runs command lines as separate processes that start at once: it imports the CLI (and what its
# commands import lazily: 4 s of CPU each, spaCy included) once, forks one child per command line
# (JSON list of argv lists on stdin), prints "ready" when all wait, starts them all on a line on
# stdin, and prints one JSON [exit code, stderr] per child. Each child has its own pid, so its own
# DuckDB lock, like any other curator's or exporter's process.
LAUNCHER = """
import json, multiprocessing, os, sys, tempfile
from itb_evidence.cli import app
import itb_evidence.curate, itb_evidence.export.tables

def child(argv, go, err_path):
    for stream, path in ((1, err_path + ".out"), (2, err_path)):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), stream)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    go.wait()
    sys.argv = ["itb-evidence", *argv]
    try:
        app()
    except SystemExit as done:
        code = done.code
        sys.exit(code if isinstance(code, int) else (0 if code is None else 1))

ctx = multiprocessing.get_context("fork")
commands = json.loads(sys.stdin.readline())
go = ctx.Event()
folder = tempfile.mkdtemp()
errs = [os.path.join(folder, f"{i}.err") for i in range(len(commands))]
children = [ctx.Process(target=child, args=(argv, go, err)) for argv, err in zip(commands, errs)]
for c in children:
    c.start()
print("ready", flush=True)
sys.stdin.readline()
go.set()
for c in children:
    c.join()
for c, err in zip(children, errs):
    print("RESULT", json.dumps([c.exitcode, open(err).read()]), flush=True)
"""


def _launcher() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", LAUNCHER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        cwd=REPO,
    )


def _tables(db: Path) -> dict[str, pd.DataFrame]:
    with EvidenceStore(db, read_only=True) as store:
        return {
            t: store.table(t).drop(columns=["first_seen_run", "last_seen_run"], errors="ignore")
            for t in ("studies", "outcomes", "mentions", "records", "failures", "record_events")
        }


def test_curators_and_exports_during_a_refresh_all_succeed(
    prefect_harness: None,
    fake_eutils: FakeEutils,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """20 ``curate set`` and 5 ``export`` processes while a refresh stores its batches.

    Before: the refresh died on the first DuckDB lock a curator held (a 300-line traceback, the
    run left ``running``), and curators died on each other's and the refresh's locks. Here the
    fake server holds the refresh's 4th efetch until the 25 helper processes are loaded, then
    lets it go as they all start at once: they run while the refresh stores its last 9 batches.
    """
    monkeypatch.setenv("ITB_EUTILS_TIMEOUT_S", "600")  # the held efetch must not time out
    today = datetime.now(UTC).date()
    fake_eutils.add_synthetic(TERM, [(p, today) for p in PMIDS])
    seed = tmp_path / "seed.duckdb"
    refresh_flow(query=TERM, db=seed, out_dir=None, batch_size=1, cache_dir=tmp_path / "raw")
    busy, calm = tmp_path / "busy.duckdb", tmp_path / "calm.duckdb"
    shutil.copyfile(seed, busy)
    shutil.copyfile(seed, calm)
    undisturbed = refresh_flow(
        query=TERM, db=calm, out_dir=None, batch_size=1, cache_dir=tmp_path / "raw"
    )
    assert undisturbed.records_read == 12

    reached, release = threading.Event(), threading.Event()
    served = itertools.count()
    record_xml = fake_eutils.record_xml

    def held_record_xml(pmid: str) -> bytes | None:
        if next(served) == 3:
            reached.set()
            release.wait(timeout=600)
        return record_xml(pmid)

    monkeypatch.setattr(fake_eutils, "record_xml", held_record_xml)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["summary"] = refresh_flow(
                query=TERM,
                db=busy,
                out_dir=tmp_path / "out",
                batch_size=1,
                cache_dir=tmp_path / "raw",
            )
        except BaseException as exc:
            outcome["error"] = exc

    commands = [
        ["curate", "set", SEED, "sample_size", str(10 + i), "--reason", f"concurrency test {i}",
         "--by", "tester", "--db", str(busy)]
        for i in range(20)
    ] + [
        ["export", "--format", "csv", "--out", str(tmp_path / f"x{i}" / "evidence.csv"), "--db",
         str(busy)]
        for i in range(5)
    ]  # fmt: skip
    launcher = _launcher()
    assert launcher.stdin is not None and launcher.stdout is not None
    launcher.stdin.write(json.dumps(commands) + "\n")
    launcher.stdin.flush()
    refresh = threading.Thread(target=run)
    refresh.start()
    try:
        assert launcher.stdout.readline() == "ready\n"
        assert reached.wait(timeout=300), "the refresh never reached its 4th efetch"
    finally:
        release.set()  # the refresh goes on, and 25 processes start using its store at once
        launcher.stdin.write("go\n")
        launcher.stdin.flush()
    out, _ = launcher.communicate(timeout=600)
    lines = [line.removeprefix("RESULT ") for line in out.splitlines() if line.startswith("RESULT")]
    results = [(argv, *json.loads(line)) for argv, line in zip(commands, lines, strict=True)]
    refresh.join(timeout=600)

    failed = [(argv, err) for argv, code, err in results if code != 0]
    assert failed == []
    assert "error" not in outcome, outcome.get("error")
    summary: RefreshSummary = outcome["summary"]
    assert (summary.records_read, summary.failed) == (12, 0)
    waited = sum("store busy, waiting for" in err for _argv, _code, err in results)
    print(f"{waited} of {len(results)} helper processes waited for the store")

    disturbed, clean = _tables(busy), _tables(calm)
    for name in clean:
        pd.testing.assert_frame_equal(disturbed[name], clean[name], check_dtype=False)
    with EvidenceStore(busy, read_only=True) as store:
        corrections = store.table("corrections")
        runs = store.table("runs")
    assert sorted(corrections["reason"]) == sorted(f"concurrency test {i}" for i in range(20))
    assert runs["status"].tolist() == ["completed", "completed"]
    for i in range(5):
        assert (tmp_path / f"x{i}" / "evidence.csv").read_text(encoding="utf-8").startswith("pmid")


def test_a_second_refresh_waits_then_refuses_in_one_line(
    fake_eutils: FakeEutils, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "s.duckdb"
    with EvidenceStore(db):
        pass
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\nfrom pathlib import Path\nfrom itb_evidence.store.store import WriterLock"
            f"\nlock = WriterLock(Path({str(db)!r}), wait_s=0); lock.acquire(); lock.note_run(4)"
            "\nprint('held', flush=True); sys.stdin.readline()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        cwd=REPO,
    )
    monkeypatch.setenv("ITB_REFRESH_WAIT_S", "0.3")
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        result = CliRunner().invoke(
            app, ["refresh", "--db", str(db), "--out-dir", str(tmp_path / "out")]
        )
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        holder.wait(timeout=60)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"refresh: store busy, waiting for run 4 (pid {holder.pid} on {HOST}) to finish with "
        f"{db} (up to 0.3 s)",
        f"refresh: store busy: {db} is in use by run 4 (pid {holder.pid} on {HOST}); gave up "
        "after waiting 0.3 s (ITB_REFRESH_WAIT_S sets the wait); try again when it has finished",
    ]
    assert fake_eutils.requests == []  # nothing asked of PubMed
    with EvidenceStore(db, read_only=True) as store:
        assert store.table("runs").empty  # and no run started
    assert WriterLock.holder_elsewhere(db) is None
