"""One writer at a time on a store, measured against real processes (DuckDB's lock is per
process): a writer waits for the lock, saying once for whom, then refuses in one line; readers
take a snapshot and never hold the file; a run whose process is gone is closed as interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from itb_evidence.settings import SettingError, store_wait_s
from itb_evidence.store.store import (
    HOST,
    EvidenceStore,
    StoreBusyError,
    WriterLock,
    writer_lock_path,
)

REPO = Path(__file__).resolve().parents[2]

# A holder process: takes what argv[2] says ("store": the DuckDB file read-write, as any writer
# does; "writer": the writer lock noting run argv[3]; "run": the lock and a started run), prints
# "held", and keeps it until a line arrives on stdin (or it is killed).
HOLDER = """
import sys
from pathlib import Path
db, mode = Path(sys.argv[1]), sys.argv[2]
if mode == "store":
    import duckdb  # the bare DuckDB lock (importing the store module costs 2 s of spaCy)
    con = duckdb.connect(str(db))
else:
    from itb_evidence.store.store import EvidenceStore, WriterLock
    lock = WriterLock(db, wait_s=0)
    lock.acquire()
    if mode == "writer":
        lock.note_run(int(sys.argv[3]))
    else:
        with EvidenceStore(db, wait_s=0) as s:
            run_id = s.start_run(mode="live", query="q", window_start=None, window_end=None,
                                 extractor_version="test")
        lock.note_run(run_id)
print("held", flush=True)
sys.stdin.readline()
"""


@contextmanager
def holding(db: Path, mode: str, run_id: int = 7) -> Iterator[subprocess.Popen[str]]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(db), mode, str(run_id)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line == "held\n", proc.stderr.read() if proc.stderr else line
        yield proc
    finally:
        if proc.poll() is None:
            assert proc.stdin is not None
            proc.stdin.write("\n")
            proc.stdin.flush()
        proc.wait(timeout=60)


def _new_store(db: Path) -> None:
    with EvidenceStore(db):
        pass


def test_a_writer_waits_for_the_lock_and_says_once_for_whom(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _new_store(db)
    said: list[str] = []
    waiting = threading.Event()
    opened: list[EvidenceStore] = []

    def on_wait(line: str) -> None:
        said.append(line)
        waiting.set()

    with holding(db, "writer"), holding(db, "store") as proc:
        worker = threading.Thread(
            target=lambda: opened.append(EvidenceStore(db, wait_s=300, on_wait=on_wait))
        )
        worker.start()
        assert waiting.wait(timeout=120), "the writer never reported waiting"
        assert proc.stdin is not None
        proc.stdin.write("\n")  # the holder lets go: the waiting writer gets in
        proc.stdin.flush()
        worker.join(timeout=120)
    assert len(opened) == 1
    with opened[0] as store:
        assert store.store_id
    (line,) = said
    assert line == (
        f"store busy, waiting for another process (pid {proc.pid} on {HOST}) to finish with {db} "
        "(up to 300 s)"
    )


def test_a_writer_names_the_run_that_holds_the_store(tmp_path: Path) -> None:
    """The refresh process holds both: the lock note names its run."""
    db = tmp_path / "s.duckdb"
    _new_store(db)
    script_db = str(db)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    both = (
        "import sys\nfrom pathlib import Path\n"
        "from itb_evidence.store.store import EvidenceStore, WriterLock\n"
        f"lock = WriterLock(Path({script_db!r}), wait_s=0); lock.acquire(); lock.note_run(7)\n"
        f"store = EvidenceStore(Path({script_db!r}), wait_s=0)\n"
        "print('held', flush=True); sys.stdin.readline()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", both],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "held\n"
        with pytest.raises(StoreBusyError) as refused:
            EvidenceStore(db, wait_s=0.2)
    finally:
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        proc.wait(timeout=60)
    message = str(refused.value)
    assert "\n" not in message
    assert message == (
        f"store busy: {db} is in use by run 7 (pid {proc.pid} on {HOST}); gave up after waiting "
        "0.2 s (ITB_STORE_WAIT_S sets the wait); try again when it has finished"
    )


def test_readers_take_a_snapshot_and_never_hold_the_file(tmp_path: Path) -> None:
    """Before: a read-only connection held DuckDB's shared lock, and a refresh's next batch
    crashed on it. Now a reader copies the store and lets go: a writer process gets in at once
    while the reader is still open, and the reader keeps its consistent view."""
    db = tmp_path / "s.duckdb"
    with EvidenceStore(db) as store:
        run_id = store.start_run(
            mode="live", query="q", window_start=None, window_end=None, extractor_version="t"
        )
        store.finish_run(run_id, status="completed")
    with EvidenceStore(db, read_only=True) as reader:
        with holding(db, "store"):  # wait_s=0 in the holder: it would fail if the file were held
            pass
        assert reader.table("runs")["status"].tolist() == ["completed"]


def test_a_reader_waits_for_a_writer_then_reads(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    _new_store(db)
    said: list[str] = []
    waiting = threading.Event()
    tables: list[list[str]] = []

    def on_wait(line: str) -> None:
        said.append(line)
        waiting.set()

    def read() -> None:
        with EvidenceStore(db, read_only=True, wait_s=300, on_wait=on_wait) as store:
            tables.append(store.table("runs")["status"].tolist())

    with holding(db, "store") as proc:
        worker = threading.Thread(target=read)
        worker.start()
        assert waiting.wait(timeout=120)
        assert proc.stdin is not None
        proc.stdin.write("\n")
        proc.stdin.flush()
        worker.join(timeout=120)
    assert tables == [[]] and said[0].startswith("store busy, waiting for another process")


def test_one_refresh_at_a_time_the_second_refuses_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    said: list[str] = []
    with holding(db, "writer", run_id=12) as proc, pytest.raises(StoreBusyError) as refused:
        WriterLock(db, wait_s=0.3, on_wait=said.append).acquire()
    assert said == [
        f"store busy, waiting for run 12 (pid {proc.pid} on {HOST}) to finish with {db} "
        "(up to 0.3 s)"
    ]
    assert str(refused.value) == (
        f"store busy: {db} is in use by run 12 (pid {proc.pid} on {HOST}); gave up after waiting "
        "0.3 s (ITB_REFRESH_WAIT_S sets the wait); try again when it has finished"
    )
    with WriterLock(db, wait_s=0) as lock:  # the holder is gone: free again
        assert WriterLock.holder_elsewhere(db) is None
        with WriterLock(db, wait_s=0):  # re-entrant within the process (CLI, then the flow)
            lock.note_run(3)
        assert '"run_id": 3' in writer_lock_path(db).read_text(encoding="utf-8")
    assert writer_lock_path(db).read_text(encoding="utf-8") == ""


def test_a_killed_run_is_closed_as_interrupted_by_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with holding(db, "run") as proc:
        with EvidenceStore(db) as store:
            # the holder still runs and holds the writer lock: its run is left alone
            assert store.close_stale_runs() == []
            (row,) = store.table("runs").itertuples()
            assert (row.status, row.pid, row.host) == ("running", proc.pid, HOST)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    with EvidenceStore(db) as store:
        second = store.start_run(
            mode="live", query="q", window_start=None, window_end=None, extractor_version="t"
        )
        runs = store.table("runs")
    assert runs["status"].tolist() == ["interrupted", "running"]
    assert runs["finished_at"].notna().tolist() == [True, False]
    assert (second, runs["pid"].tolist()[1]) == (2, os.getpid())


def test_a_run_of_a_dead_pid_is_closed_even_while_another_refresh_runs(tmp_path: Path) -> None:
    """Another process holds the writer lock: only provably dead runs are closed."""
    db = tmp_path / "s.duckdb"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=60)
    with EvidenceStore(db) as store:
        store.start_run(
            mode="live", query="q", window_start=None, window_end=None, extractor_version="t"
        )
    with EvidenceStore(db) as store:  # pretend a process now gone started it
        store.con.execute("UPDATE runs SET pid = ?", [dead.pid])
    with holding(db, "writer"), EvidenceStore(db) as store:
        assert store.close_stale_runs() == [1]


def test_a_batch_is_one_transaction(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with EvidenceStore(db) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.record_failures(1, "fetch", ["1"], "first")
            with store.transaction():  # joins the outer one
                store.record_failures(1, "fetch", ["2"], "second")
            raise RuntimeError("killed midway")
        assert store.table("failures").empty
        with store.transaction():
            store.record_failures(1, "fetch", ["3"], "kept")
        assert store.table("failures")["pmid"].tolist() == ["3"]


def test_a_new_store_at_the_same_path_is_another_store(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with EvidenceStore(db) as store:
        first = store.store_id
    with EvidenceStore(db, read_only=True) as store:
        assert store.store_id == first
    db.unlink()
    with EvidenceStore(db) as store:
        assert store.store_id not in (None, first)


def test_wait_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ITB_STORE_WAIT_S", "soon")
    with pytest.raises(SettingError, match="ITB_STORE_WAIT_S must be a number of seconds"):
        store_wait_s()
    monkeypatch.setenv("ITB_STORE_WAIT_S", "inf")
    with pytest.raises(SettingError, match="finite"):
        store_wait_s()
    monkeypatch.setenv("ITB_STORE_WAIT_S", "2.5")
    assert store_wait_s() == 2.5
