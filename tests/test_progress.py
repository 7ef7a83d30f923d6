"""Progress on long work (issue 12, finding 9): a rich bar on a terminal, nothing otherwise.

The terminal is a real pseudo-terminal (``os.openpty``), read back from its master side; the
work under the bar is the real extract contract over a JSONL file.
"""

from __future__ import annotations

import io
import json
import logging
import os
import select
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import pytest

from extractors.contract import run_contract
from itb_evidence.progress import (
    PROGRESS_LOGGER,
    current_stderr,
    remaining_lines,
    say,
    shows_progress,
    track,
)


class Terminal:
    """A pseudo-terminal: ``stream`` is its (tty) writing end, ``read()`` what was shown."""

    def __init__(self) -> None:
        self._master, slave = os.openpty()
        self.stream: TextIO = os.fdopen(slave, "w", encoding="utf-8", buffering=1)
        self._seen = b""

    def read(self) -> str:
        self.stream.flush()
        while select.select([self._master], [], [], 0.2)[0]:
            chunk = os.read(self._master, 1 << 16)
            if not chunk:
                break
            self._seen += chunk
        return self._seen.decode("utf-8", errors="replace")

    def close(self) -> None:
        self.stream.close()
        os.close(self._master)


@pytest.fixture
def terminal() -> Iterator[Terminal]:
    t = Terminal()
    yield t
    t.close()


JSONL = [
    {"id": "a", "title": "ITB in HSP", "abstract": "Seven patients received intrathecal baclofen."},
    {"id": "b", "title": "t", "abstract": "The modified Ashworth Scale improved (p = 0.01)."},
    {"id": "c", "title": "t", "abstract": "Gait speed was unchanged."},
]


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    lines = [json.dumps(r) for r in JSONL]
    lines.insert(2, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _extract(path: Path, *, wrap: bool, err: TextIO) -> tuple[str, tuple[int, int]]:
    out = io.StringIO()
    with path.open(encoding="utf-8") as src:
        lines = track(src, "extract", lines_of=src, output=out) if wrap else src
        counts = run_contract(lines, out, err)
    return out.getvalue(), counts


def test_a_terminal_gets_a_bar_and_the_output_is_unchanged(
    jsonl: Path, terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, plain_counts = _extract(jsonl, wrap=False, err=io.StringIO())
    monkeypatch.setattr(sys, "stderr", terminal.stream)
    tracked, tracked_counts = _extract(jsonl, wrap=True, err=current_stderr())
    assert (tracked, tracked_counts) == (plain, plain_counts) == (plain, (3, 1))
    shown = terminal.read()
    assert "extract" in shown and "4/4" in shown and "records" in shown  # 4 lines in the file
    # the bad line's message is printed above the bar, on a line of its own (after rich's
    # carriage return and erase-line), never glued to the bar's text
    lines = shown.replace("\r\n", "\n").split("\n")
    (error_line,) = [line for line in lines if "not valid JSON" in line]
    assert error_line.split("\r")[-1].removeprefix("\x1b[2K").startswith("extract: line 3: ")


def test_nothing_is_drawn_when_stderr_is_not_a_terminal(
    jsonl: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = (tmp_path / "stderr.txt").open("w", encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", log)
    assert not shows_progress()
    _, counts = _extract(jsonl, wrap=True, err=current_stderr())
    log.close()
    assert counts == (3, 1)
    # only the error line of the bad input line: no bar, no control codes
    (only,) = (tmp_path / "stderr.txt").read_text(encoding="utf-8").splitlines()
    assert only.startswith("extract: line 3") and "\x1b" not in only


def test_quiet_streams_pass_the_items_through_untouched() -> None:
    items = [object(), object()]
    quiet = io.StringIO()
    assert list(track(items, "x", stream=quiet)) == items
    assert quiet.getvalue() == ""


def test_no_bar_when_the_output_itself_goes_to_the_terminal(terminal: Terminal) -> None:
    assert shows_progress(terminal.stream)
    assert not shows_progress(terminal.stream, output=terminal.stream)
    assert list(track(range(3), "x", stream=terminal.stream, output=terminal.stream)) == [0, 1, 2]
    assert terminal.read() == ""


def test_a_bar_without_a_total_counts_up(terminal: Terminal) -> None:
    items = (i for i in range(7))  # a generator: no length
    assert list(track(items, "extract-corpus", unit="files", stream=terminal.stream)) == list(
        range(7)
    )
    shown = terminal.read()
    assert "extract-corpus" in shown and "7/7" in shown and "files" in shown


def test_stopping_early_closes_the_bar(terminal: Terminal) -> None:
    for i in track(range(100), "x", stream=terminal.stream):
        if i == 3:
            break
    shown = terminal.read()
    assert shown.endswith("\x1b[?25h")  # the cursor is shown again: the live display stopped


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", 0), (b"a\n", 1), (b"a\nb", 2), (b"a\nb\n", 2), (b"\n\n\n", 3), (b"x" * 3_000_000, 1)],
)
def test_remaining_lines_of_a_file(tmp_path: Path, data: bytes, expected: int) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    with path.open("rb") as binary, path.open(encoding="utf-8") as text:
        assert remaining_lines(binary) == remaining_lines(text) == expected
        assert binary.tell() == 0  # counted without moving the file


def test_remaining_lines_of_a_pipe_is_unknown() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as pipe, os.fdopen(write_end, "wb") as writer:
        writer.write(b"a\nb\n")
        writer.flush()
        assert remaining_lines(pipe) is None
        assert remaining_lines(io.BytesIO(b"a\n")) is None  # no descriptor


# --- a line per step (``say``): a refresh's search and batches ----------------------------------
def test_say_prints_the_line_on_a_terminal(terminal: Terminal) -> None:
    say("batch 1/3 stored: 100 records, 0 failures", stream=terminal.stream)
    assert "batch 1/3 stored: 100 records, 0 failures" in terminal.read()


def test_say_off_a_terminal_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    piped = io.StringIO()
    with caplog.at_level(logging.INFO, logger=PROGRESS_LOGGER):
        say("search found 3 records", stream=piped)
    assert piped.getvalue() == ""
    assert [(r.name, r.levelno, r.getMessage()) for r in caplog.records] == [
        (PROGRESS_LOGGER, logging.INFO, "search found 3 records")
    ]


def test_say_never_fails_the_work_over_a_closed_terminal(terminal: Terminal) -> None:
    stream = terminal.stream
    stream.close()
    say("batch 2/3 stored: 1 record, 0 failures", stream=stream)  # closed: not a terminal now
