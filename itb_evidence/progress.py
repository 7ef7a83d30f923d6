"""Progress on long work: a rich bar (or a line per step) on a terminal, nothing otherwise.

Wrap the iterable a command works through::

    for line in track(src, "extract", lines_of=src, output=dst):  # the lines of a file or stdin
        ...
    for n, line in track(numbered(src), "extract", lines_of=src, output=dst):  # one per line
        ...
    for result in track(results, "extract-corpus", total=len(paths), unit="files"):
        ...

The bar is drawn on ``stream`` (stderr by default) only when that stream is a terminal and the
command's ``output`` (if given) is not one: with stderr redirected to a file or a pipe, or under
a scheduler, nothing extra is written and the items pass through untouched (the same objects, in
the same order). When the output itself goes to the terminal, that output is the progress.

While the bar is live, rich redirects ``sys.stderr`` so lines written to it print above the bar;
code that was handed a stream before the bar started should write to :func:`current_stderr`
instead of the ``sys.stderr`` object it captured, or its lines would run through the bar.

Work made of a few long steps rather than many items (a refresh: the search, then each efetch
batch parsed, extracted and stored) says a line per step with :func:`say`: printed on stderr as it
happens when stderr is a terminal, else logged at INFO on the ``itb_evidence.progress`` logger,
which is silent by default (the CLI logs warnings only): a piped or scheduled refresh prints only
its summary, and a scheduler or Prefect worker that wants the steps turns that logger up.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sized
from typing import IO, Any, TextIO, TypeVar, cast

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")

PROGRESS_LOGGER = "itb_evidence.progress"

_COUNT_CHUNK = 1 << 20


def is_terminal(stream: IO[Any] | None) -> bool:
    """Whether ``stream`` is an open interactive terminal (closed or odd streams are not)."""
    if stream is None:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def shows_progress(stream: IO[Any] | None = None, output: IO[Any] | None = None) -> bool:
    """Whether :func:`track` would draw a bar for this ``stream`` and ``output``."""
    stream = sys.stderr if stream is None else stream
    return is_terminal(stream) and not (output is not None and is_terminal(output))


def track(
    items: Iterable[T],
    label: str,
    *,
    total: int | None = None,
    lines_of: IO[Any] | None = None,
    unit: str = "records",
    stream: IO[str] | None = None,
    output: IO[Any] | None = None,
) -> Iterator[T]:
    """``items``, with a progress bar named ``label`` while they are consumed (see the module).

    The total is ``total``, else the lines left in the file ``lines_of`` (for items made one per
    line of it; see :func:`remaining_lines`), else ``len(items)`` when it has one; without a
    total the bar counts up. Nothing is counted when no bar is drawn.
    """
    stream = sys.stderr if stream is None else stream
    if not shows_progress(stream, output):
        return iter(items)
    if total is None and lines_of is not None:
        total = remaining_lines(lines_of)
    if total is None and isinstance(items, Sized):
        total = len(items)
    return _bar(items, label, total=total, unit=unit, stream=stream)


def remaining_lines(file: IO[Any]) -> int | None:
    """Lines between the file's OS position and its end (a last line without a newline counts),
    or None for a pipe, a terminal or anything without a descriptor. Reads with ``pread``, so
    the file's position and its Python buffer are untouched."""
    try:
        fd = file.fileno()
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not hasattr(os, "pread"):
            return None
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        count, last = 0, b""
        while chunk := os.pread(fd, _COUNT_CHUNK, offset):
            count += chunk.count(b"\n")
            offset += len(chunk)
            last = chunk[-1:]
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        return None
    return count + (1 if last not in (b"", b"\n") else 0)


def _bar(
    items: Iterable[T], label: str, *, total: int | None, unit: str, stream: IO[str]
) -> Iterator[T]:
    console = Console(file=stream, stderr=stream is sys.stderr, soft_wrap=True)
    progress = Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit, markup=False),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        redirect_stdout=False,
        redirect_stderr=stream is sys.stderr,
    )
    with progress:
        task = progress.add_task(label, total=total)
        for item in items:
            yield item
            progress.advance(task)
        if total is None:  # close the count-up bar as a full one
            done = next(t.completed for t in progress.tasks if t.id == task)
            progress.update(task, total=done)


class _CurrentStderr(io.TextIOBase):
    """Writes to whatever ``sys.stderr`` is at the time of each write."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return is_terminal(sys.stderr)


def current_stderr() -> TextIO:
    """A stream for error lines that prints above a live progress bar (``sys.stderr`` resolved
    at each write), and straight to stderr when there is no bar."""
    return cast(TextIO, _CurrentStderr())


def say(line: str, *, stream: IO[str] | None = None) -> None:
    """One progress line of long work (see the module): on ``stream`` (stderr by default) when it
    is a terminal, else logged at INFO on :data:`PROGRESS_LOGGER`. Never raises over a closed or
    broken stream: progress is never worth failing the work for."""
    stream = sys.stderr if stream is None else stream
    if not is_terminal(stream):
        logging.getLogger(PROGRESS_LOGGER).info("%s", line)
        return
    with contextlib.suppress(OSError, ValueError):
        Console(file=stream, soft_wrap=True).print(line, style="dim", markup=False, highlight=False)
