"""What a refresh keeps and says, against the loopback fake E-utilities server: the search cache
answers only for the same endpoint, store, query and window (never a failure); PMIDs efetch left
out become failures; an empty window is not a failure; Prefect persists only the search cache,
which expires; ``serve`` refuses without NCBI_EMAIL."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from flows.refresh import refresh_flow
from flows.retrieval import (
    SEARCH_CACHE_FOLDER,
    prune_search_cache,
    search_cache_dir,
    search_cache_key,
)
from itb_evidence.cli import app
from itb_evidence.pubmed.search import SearchError
from itb_evidence.runs import RefreshSummary, Window
from itb_evidence.store.store import EvidenceStore
from tests.conftest import REPO_ROOT, SHARED_DIR
from tests.support.fake_eutils import FakeEutils, Fault, default_record_sources

TERM = "itb hsp bookkeeping test"
PMIDS = ["31507512"] + [str(90000200 + i) for i in range(5)]
SINCE, UNTIL = date(2000, 1, 1), datetime.now(UTC).date()


def _serve(fake: FakeEutils) -> None:
    fake.add_synthetic(TERM, [(p, UNTIL) for p in PMIDS])


def _esearches(fake: FakeEutils) -> int:
    return sum(1 for r in fake.requests if r.path == "/esearch.fcgi")


def _refresh(db: Path, tmp_path: Path, *, out_dir: Path | None = None) -> RefreshSummary:
    return refresh_flow(
        query=TERM,
        since=SINCE,
        until=UNTIL,
        db=db,
        out_dir=out_dir,
        batch_size=2,
        cache_dir=tmp_path / "raw",
    )


# --- the search cache -------------------------------------------------------------------------
def test_the_search_cache_key_is_every_input_that_changes_the_answer() -> None:
    window = Window(SINCE, UNTIL, reason="--since given")
    base: dict[str, Any] = {
        "query": "q",
        "window": window,
        "endpoint": "http://a/",
        "store_id": "s1",
    }
    key = search_cache_key(None, base)
    assert key.startswith(f"{SEARCH_CACHE_FOLDER}/")
    changed: list[dict[str, Any]] = [
        {"query": "q2"},
        {"endpoint": "http://b/"},
        {"store_id": "s2"},
        {"store_id": None},
        {"window": Window(SINCE + timedelta(days=1), UNTIL)},
        {"window": Window(SINCE, None)},
        {"window": Window(SINCE, UNTIL, datetype="edat")},
    ]
    keys = {search_cache_key(None, {**base, **change}) for change in changed}
    assert len(keys) == len(changed) and key not in keys
    # why the window was chosen changes nothing PubMed answers
    assert search_cache_key(None, {**base, "window": Window(SINCE, UNTIL, reason="x")}) == key


def test_a_new_store_or_another_endpoint_sends_a_fresh_search(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the cache was keyed on query and window only, for an hour: a new store's first
    refresh sent no esearch, and a dead endpoint "found" what another one had."""
    _serve(fake_eutils)
    first = tmp_path / "a.duckdb"
    assert _refresh(first, tmp_path).found == 6
    assert _esearches(fake_eutils) == 1
    assert _refresh(first, tmp_path).found == 6  # same store, endpoint, query, window: cached
    assert _esearches(fake_eutils) == 1

    assert _refresh(tmp_path / "b.duckdb", tmp_path).found == 6  # another store
    assert _esearches(fake_eutils) == 2
    first.unlink()  # a new store at the same path is another store too
    assert _refresh(first, tmp_path).found == 6
    assert _esearches(fake_eutils) == 3

    with FakeEutils(default_record_sources(REPO_ROOT, SHARED_DIR)) as other:
        other.add_synthetic(TERM, [(p, UNTIL) for p in PMIDS[:2]])
        monkeypatch.setenv("ITB_EUTILS_BASE_URL", other.base_url)
        assert _refresh(first, tmp_path).found == 2  # its own answer, not the cached one
        assert _esearches(other) == 1
    assert _esearches(fake_eutils) == 3

    monkeypatch.setenv("ITB_EUTILS_BASE_URL", "http://127.0.0.1:9/entrez/eutils/")  # dead
    monkeypatch.setenv("ITB_TASK_RETRY_DELAY_S", "0")
    with pytest.raises(SearchError, match="connection failed"):
        _refresh(first, tmp_path)
    with EvidenceStore(first, read_only=True) as store:
        assert store.table("runs")["status"].tolist()[-1] == "failed"


def test_a_failed_search_is_never_cached(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _serve(fake_eutils)
    monkeypatch.setenv("ITB_TASK_RETRY_DELAY_S", "0")
    fake_eutils.inject(Fault("status", status=503, path="/esearch.fcgi"), times=8)
    db = tmp_path / "s.duckdb"
    with pytest.raises(SearchError):
        _refresh(db, tmp_path)
    assert _esearches(fake_eutils) == 8  # 4 tries, twice (Prefect's one late retry)
    assert _refresh(db, tmp_path).found == 6
    assert _esearches(fake_eutils) == 9


def test_expired_search_answers_are_deleted(tmp_path: Path) -> None:
    now = datetime.now(UTC)

    def answer(name: str, expiration: datetime | None) -> Path:
        path = tmp_path / name
        meta = {"expiration": expiration.isoformat() if expiration else None}
        path.write_text(json.dumps({"metadata": meta, "result": "x"}), encoding="utf-8")
        return path

    live = answer("live", now + timedelta(minutes=5))
    expired = answer("expired", now - timedelta(seconds=1))
    forever = answer("no-expiry", None)
    garbage_old, garbage_new = tmp_path / "old", tmp_path / "new"
    garbage_old.write_text("not json", encoding="utf-8")
    garbage_new.write_text("not json", encoding="utf-8")
    hours_ago = time.time() - 7200
    os.utime(garbage_old, (hours_ago, hours_ago))
    assert sorted(prune_search_cache(tmp_path)) == sorted([expired, forever, garbage_old])
    assert sorted(tmp_path.iterdir()) == sorted([live, garbage_new])
    assert prune_search_cache(tmp_path / "absent") == []


def test_prefect_keeps_only_the_search_answer_on_disk(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    """Before: the refresh flow persisted every task's result (parsed batches, raw XML, the
    summary) with no expiry, forever, in Prefect's storage."""
    _serve(fake_eutils)
    storage = search_cache_dir().parent

    def files() -> set[Path]:
        return {p for p in storage.rglob("*") if p.is_file()} if storage.exists() else set()

    before = files()
    _refresh(tmp_path / "s.duckdb", tmp_path, out_dir=tmp_path / "out")
    added = files() - before
    assert len(added) == 1
    (answer,) = added
    assert answer.parent == search_cache_dir()
    expiry = json.loads(answer.read_text(encoding="utf-8"))["metadata"]["expiration"]
    assert datetime.fromisoformat(expiry) <= datetime.now(UTC) + timedelta(hours=1)


# --- failures and notes ----------------------------------------------------------------------
def test_pmids_left_out_of_efetch_are_failures_and_are_asked_for_again(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: ``FetchedBatch.missing`` was computed and dropped: no failures row, no count."""
    _serve(fake_eutils)
    gone = PMIDS[3]
    record_xml = fake_eutils.record_xml
    monkeypatch.setattr(
        fake_eutils, "record_xml", lambda pmid: None if pmid == gone else record_xml(pmid)
    )
    db = tmp_path / "s.duckdb"
    first = _refresh(db, tmp_path)
    assert (first.found, first.fetched, first.records_read, first.failed) == (6, 5, 5, 1)
    assert first.failed_pmids == [gone]
    (failure,) = first.failures
    assert "missing from PubMed's reply" in failure and gone in failure
    assert f"FAILED: {failure}" in first.lines()
    with EvidenceStore(db, read_only=True) as store:
        failures = store.table("failures")
        (run,) = store.table("runs").itertuples()
    assert failures[["stage", "pmid", "resolved"]].values.tolist() == [["fetch", gone, False]]
    assert gone in failures["message"].iloc[0] and "missing" in failures["message"].iloc[0]
    assert (run.failed, run.fetched, json.loads(str(run.failed_pmids))) == (1, 5, [gone])

    monkeypatch.setattr(fake_eutils, "record_xml", record_xml)  # PubMed has it again
    second = _refresh(db, tmp_path)
    assert (second.failed, second.new) == (0, 1)
    with EvidenceStore(db, read_only=True) as store:
        assert store.pending_failed_pmids() == []


def test_an_empty_window_is_said_plainly_not_as_a_failure(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path
) -> None:
    """Before: a quiet week printed "FAILED: PubMed warning: ..." in red."""
    _serve(fake_eutils)
    db = tmp_path / "s.duckdb"
    result = CliRunner().invoke(
        app,
        [
            "refresh",
            "--query",
            TERM,
            "--since",
            "1990-01-01",
            "--until",
            "1990-01-02",
            "--db",
            str(db),
            "--out-dir",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "FAILED" not in result.output
    assert "PubMed found no records in this window" in result.output.splitlines()
    with EvidenceStore(db, read_only=True) as store:
        (run,) = store.table("runs").itertuples()
    assert (run.status, run.found, run.failed) == ("completed", 0, 0)


def test_serve_refuses_without_an_email(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("NCBI_EMAIL", raising=False)
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2
    (line,) = result.output.splitlines()
    assert line.startswith("serve: NCBI requires a contact email")
    assert line.endswith("Set NCBI_EMAIL=you@example.org.")
