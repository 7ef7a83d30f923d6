"""Corpus-scale extraction: one PubMed baseline/update file -> partitioned Parquet, in flat memory.

A baseline file (``pubmed26n0001.xml.gz``: gzip, tens of thousands of records) is streamed through
parse -> extract -> screen -> link, ``chunk_size`` records at a time; each chunk's rows become one
Parquet part per table and are dropped before the next chunk is read, so memory does not grow with
the file or the corpus (``benchmarks/corpus_scale.py`` measures it). The output is the dataset of
:mod:`itb_evidence.corpus.partitions`, one ``source=<file stem>`` partition per file, replaced
as a whole
when the file is processed again.

Failure policy: a record that cannot be parsed, extracted or validated becomes a row of the
``failures`` table (PMID, stage, message) and the file goes on; a broken file (truncated gzip,
malformed XML) keeps the parts of the records read before the break and reports the error in
:attr:`FileResult.error` and in ``failures`` (stage ``file``).

Plain functions, no Prefect: ``flows/corpus.py`` runs :func:`process_file` as one task per file on a
process pool or Dask. The spaCy pipeline is built once per process (``extractors`` caches it), so a
worker pays for it on its first file only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from itb_evidence.corpus.partitions import (
    EVIDENCE_TABLES,
    PartitionWriter,
    Row,
    source_name,
    to_arrow,
)
from itb_evidence.process import RecordFailure, process_record
from itb_evidence.pubmed.parse import ParseFailure, PubmedXMLError, iter_parse
from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.store import schema

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "CorpusSummary",
    "FileResult",
    "check_unique_sources",
    "process_file",
    "summarize",
]

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 2000


@dataclass(frozen=True, slots=True)
class FileResult:
    """What one file gave: counts of what was written, and the file-level error if any."""

    path: str
    source: str
    records: int  # record elements read, parsed or not
    included: int  # studies rows with included = true
    rows: dict[str, int]  # rows written per evidence table
    failures: int  # rows written to the failures table
    parts: int  # chunks written
    seconds: float
    error: str | None = None  # the file broke (truncated, malformed); earlier parts are kept

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        rows = ", ".join(f"{n} {table}" for table, n in self.rows.items())
        text = (
            f"{self.source}: {self.records} records, {self.included} included, {rows}, "
            f"{self.failures} failures, {self.seconds:.1f} s"
        )
        return f"FAILED {text}: {self.error}" if self.error else text


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    """Totals over the files of one corpus run."""

    files: tuple[FileResult, ...]
    seconds: float

    @property
    def records(self) -> int:
        return sum(f.records for f in self.files)

    @property
    def included(self) -> int:
        return sum(f.included for f in self.files)

    @property
    def failures(self) -> int:
        return sum(f.failures for f in self.files)

    @property
    def broken_files(self) -> tuple[FileResult, ...]:
        return tuple(f for f in self.files if f.error)

    def lines(self) -> list[str]:
        rate = self.records / self.seconds if self.seconds > 0 else 0.0
        total = (
            f"{len(self.files)} file(s): {self.records} records, {self.included} included, "
            f"{self.failures} failures, {self.seconds:.1f} s ({rate:.0f} records/s)"
        )
        return [*(f.line() for f in self.files), total]


def summarize(files: Iterable[FileResult], seconds: float) -> CorpusSummary:
    return CorpusSummary(tuple(files), seconds)


def check_unique_sources(paths: Sequence[Path]) -> None:
    """Refuse two files that would write the same partition (same stem in two folders)."""
    seen: dict[str, Path] = {}
    for path in paths:
        source = source_name(path)
        if source in seen and seen[source] != path:
            raise ValueError(
                f"{seen[source]} and {path} would both write partition source={source}: "
                "rename one or run them into different output folders"
            )
        seen[source] = path


@dataclass(slots=True)
class _Chunk:
    """The rows of up to ``chunk_size`` records: the only thing held in memory."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {t: [] for t in EVIDENCE_TABLES})
    failures: list[Row] = field(default_factory=list)
    records: int = 0

    def fail(self, pmid: str | None, stage: str, message: str, raw: bytes | None = None) -> None:
        raw_xml = raw.decode("utf-8", errors="replace") if raw is not None else None
        self.failures.append({"pmid": pmid, "stage": stage, "message": message, "raw_xml": raw_xml})


@dataclass(slots=True)
class _Tally:
    records: int = 0
    included: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVIDENCE_TABLES, 0))
    failures: int = 0
    parts: int = 0


def process_file(
    path: Path,
    out_dir: Path,
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    on_chunk: Callable[[int], None] | None = None,
) -> FileResult:
    """Extract one PubMed XML file (gzip or plain) into ``out_dir``'s partitioned dataset.

    ``on_chunk`` is called after each chunk is written with the number of records read so far
    (progress reporting; the benchmark samples peak memory with it). Rerunning a file replaces its
    partition. Raises only for a missing file or a bad ``chunk_size``.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    if not path.is_file():
        raise FileNotFoundError(f"{path} is not a file: give a PubMed XML (.xml or .xml.gz) file")
    started = time.perf_counter()
    source = source_name(path)
    tally = _Tally()
    error: str | None = None
    with PartitionWriter(out_dir, source) as writer:
        chunk = _Chunk()
        try:
            for item in iter_parse(path):
                _add(chunk, item)
                if chunk.records >= chunk_size:
                    _flush(chunk, writer, tally, on_chunk)
                    chunk = _Chunk()
        except PubmedXMLError as exc:
            error = str(exc)
            logger.error("%s: kept the records before the break: %s", path, error)
            chunk.fail(None, "file", error)
        _flush(chunk, writer, tally, on_chunk)
        writer.commit()
    return FileResult(
        path=str(path),
        source=source,
        records=tally.records,
        included=tally.included,
        rows=tally.rows,
        failures=tally.failures,
        parts=tally.parts,
        seconds=time.perf_counter() - started,
        error=error,
    )


def _add(chunk: _Chunk, item: PubmedRecord | ParseFailure) -> None:
    chunk.records += 1
    if isinstance(item, ParseFailure):
        chunk.fail(item.pmid, "parse", f"PMID {item.pmid or '?'}: {item.message}", item.raw)
        return
    outcome = process_record(item)
    if isinstance(outcome, RecordFailure):
        chunk.fail(item.pmid, outcome.stage, f"PMID {item.pmid}: {outcome.message}")
        return
    rows = outcome.rows
    for table, table_rows in (
        ("studies", rows.studies),
        ("outcomes", rows.outcomes),
        ("mentions", rows.mentions),
    ):
        for row in table_rows:
            errors = schema.validate_row(table, row)
            if errors:  # same rule as the store: a bad value is reported, never written
                chunk.fail(item.pmid, "validate", "; ".join(str(e) for e in errors))
            else:
                chunk.rows[table].append(row)


def _flush(
    chunk: _Chunk,
    writer: PartitionWriter,
    tally: _Tally,
    on_chunk: Callable[[int], None] | None,
) -> None:
    if chunk.records == 0 and not chunk.failures:
        return
    for table in EVIDENCE_TABLES:
        data = _arrow_or_fail(table, chunk)
        writer.write(table, data)
        tally.rows[table] += data.num_rows
        if table == "studies":
            tally.included += sum(1 for v in data.column("included").to_pylist() if v)
    writer.write("failures", to_arrow("failures", chunk.failures))
    tally.failures += len(chunk.failures)
    tally.records += chunk.records
    tally.parts += 1
    if on_chunk is not None:
        on_chunk(tally.records)


def _arrow_or_fail(table: str, chunk: _Chunk) -> pa.Table:
    """The chunk's rows of ``table``; a row Arrow cannot type is a failure, not a lost chunk."""
    rows = chunk.rows[table]
    try:
        return to_arrow(table, rows)
    except pa.ArrowException:
        pass
    good: list[Row] = []
    for row in rows:
        try:
            to_arrow(table, [row])
        except pa.ArrowException as exc:
            chunk.fail(_pmid(row), "validate", f"{table} row for PMID {_pmid(row)}: {exc}")
        else:
            good.append(row)
    return to_arrow(table, good)


def _pmid(row: Row) -> str | None:
    value: Any = row.get("pmid")
    return None if value is None else str(value)
