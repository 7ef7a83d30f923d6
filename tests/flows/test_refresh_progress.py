"""A refresh says what it is doing as it goes (issue 12, finding 9: "a refresh prints nothing until
it ends"): on a terminal, a line after the search and one per batch stored or not fetched; off a
terminal, nothing on stderr (the lines go to the ``itb_evidence.progress`` logger, quiet by
default). The terminal is a real pseudo-terminal, read back from its master side."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows.refresh import refresh_flow
from tests.support.fake_eutils import FakeEutils, Fault
from tests.test_progress import Terminal

pytestmark = pytest.mark.flow

TERM = "itb hsp progress test"
PMIDS = [str(90000300 + i) for i in range(5)]


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    t = Terminal()
    yield t
    t.close()


def _refresh(tmp_path: Path) -> None:
    refresh_flow(
        query=TERM, db=tmp_path / "p.duckdb", out_dir=None, batch_size=2, cache_dir=tmp_path / "r"
    )


def _ours(text: str) -> list[str]:
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text).replace("\r", "")  # rich's dim style
    return [
        line.strip() for line in plain.splitlines() if line.startswith(("search found", "batch "))
    ]


def test_a_refresh_on_a_terminal_prints_a_line_per_step(
    prefect_harness: None,
    fake_eutils: FakeEutils,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    terminal: Terminal,
) -> None:
    fake_eutils.add_synthetic(TERM, [(p, datetime.now(UTC).date()) for p in PMIDS])
    fake_eutils.inject(Fault("status", status=503, path="/efetch.fcgi"), times=4)  # batch 1
    monkeypatch.setattr(sys, "stderr", terminal.stream)
    _refresh(tmp_path)
    assert _ours(terminal.read()) == [
        "search found 5 records; fetching 5 PMIDs in 3 batches",
        "batch 1/3 not fetched: 2 PMIDs, asked for again next refresh",
        "batch 2/3 stored: 2 records, 0 failures",
        "batch 3/3 stored: 1 record, 0 failures",
    ]


def test_a_refresh_off_a_terminal_adds_nothing_to_stderr(
    prefect_harness: None, fake_eutils: FakeEutils, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_eutils.add_synthetic(TERM, [(p, datetime.now(UTC).date()) for p in PMIDS])
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    _refresh(tmp_path)
    assert _ours(piped.getvalue()) == []
