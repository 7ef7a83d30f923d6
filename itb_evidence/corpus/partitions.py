"""A hive-partitioned Parquet dataset of the evidence tables, one partition per source file.

Layout: ``<out_dir>/<table>/source=<source>/part-<n>.parquet`` for the evidence tables of
``schema.TABLES`` plus ``failures``. DuckDB (``read_parquet('<out>/studies/**/*.parquet',
hive_partitioning = true)``), pyarrow/Dask (``pyarrow.dataset.dataset(..., partitioning="hive")``)
and Spark read it as it is.

Why an explicit Arrow schema from ``schema.py``: Parquet parts written chunk by chunk must have
identical types, even a part whose column is all null (inferred as ``null`` type otherwise), or
readers refuse to union them.

Why staging: a source's parts are written under ``<out_dir>/_staging/`` (outside every table's
folder, so no reader sees them) and swapped into place by :meth:`PartitionWriter.commit`, so
rerunning a file replaces its partition instead of mixing old and new parts, and a run killed
midway leaves the previous partition untouched.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from itb_evidence.store import schema
from itb_evidence.store.schema import Column

Row = dict[str, Any]

FAILURES = [
    Column("pmid", "VARCHAR", True, "PMID of the failed record, when it could be read"),
    Column("stage", "VARCHAR", False, "parse | extract | validate | file"),
    Column("message", "VARCHAR", False, "what went wrong, naming the record"),
    Column("raw_xml", "VARCHAR", True, "the record's XML when it could not be parsed"),
]

TABLE_COLUMNS: dict[str, list[Column]] = {**schema.TABLES, "failures": FAILURES}
EVIDENCE_TABLES: tuple[str, ...] = tuple(schema.TABLES)
STAGING_DIR = "_staging"

_ARROW_TYPES: dict[str, pa.DataType] = {
    "VARCHAR": pa.string(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
}
_UNSAFE_SOURCE_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of ``table``: columns in ``schema.py`` order, nullability included."""
    return pa.schema(
        [
            pa.field(c.name, _ARROW_TYPES[c.sql_type], nullable=c.nullable)
            for c in TABLE_COLUMNS[table]
        ]
    )


def source_name(path: Path) -> str:
    """The partition value of a file: ``pubmed26n0001.xml.gz`` -> ``pubmed26n0001``."""
    name = path.name
    for suffix in (".gz", ".xml"):
        name = name.removesuffix(suffix)
    return _UNSAFE_SOURCE_CHARS.sub("_", name) or "unnamed"


def partition_dir(out_dir: Path, table: str, source: str) -> Path:
    return out_dir / table / f"source={source}"


def to_arrow(table: str, rows: Sequence[Row]) -> pa.Table:
    """Rows as an Arrow table of ``table``'s schema; ``pa.ArrowException`` on a bad value."""
    return pa.Table.from_pylist(list(rows), schema=arrow_schema(table))


def read_table(out_dir: Path, table: str) -> pa.Table:
    """The whole table across partitions, with the ``source`` partition column appended."""
    root = out_dir / table
    if not root.is_dir():
        raise FileNotFoundError(f"{root} does not exist: no file has been extracted into {out_dir}")
    partitioning = ds.partitioning(pa.schema([pa.field("source", pa.string())]), flavor="hive")
    dataset = ds.dataset(root, format="parquet", partitioning=partitioning)
    return dataset.to_table()


class PartitionWriter:
    """Writes one source's parts to staging and swaps them in on :meth:`commit`.

    Use as a context manager: leaving the block without committing (an exception) removes the
    staged parts and keeps whatever partition was there before.
    """

    def __init__(self, out_dir: Path, source: str) -> None:
        self.out_dir = out_dir
        self.source = source
        self.staging = out_dir / STAGING_DIR / f"{source}-{uuid.uuid4().hex}"
        self.parts: dict[str, int] = dict.fromkeys(TABLE_COLUMNS, 0)
        self._committed = False

    def __enter__(self) -> PartitionWriter:
        self.staging.mkdir(parents=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._remove_empty_staging_root()

    def write(self, table: str, data: pa.Table) -> None:
        """Write one part of ``table`` (nothing when ``data`` is empty)."""
        if data.num_rows == 0:
            return
        self._write_part(table, data)

    def _write_part(self, table: str, data: pa.Table) -> None:
        folder = self.staging / table
        folder.mkdir(exist_ok=True)
        pq.write_table(data, folder / f"part-{self.parts[table]:05d}.parquet", compression="zstd")
        self.parts[table] += 1

    def commit(self) -> None:
        """Replace each table's partition of this source with the staged parts.

        A table with no rows at all still gets one empty part, so every table of the dataset is
        readable (with its schema) and a rerun that now finds nothing clears the old rows.
        """
        if self._committed:
            raise RuntimeError(f"source {self.source!r} was already committed")
        for table in TABLE_COLUMNS:
            if self.parts[table] == 0:
                self._write_part(table, arrow_schema(table).empty_table())
            final = partition_dir(self.out_dir, table, self.source)
            final.parent.mkdir(parents=True, exist_ok=True)
            old = self.staging / f"_replaced_{table}"
            if final.exists():
                final.rename(old)  # same filesystem: atomic, so readers never see both
            (self.staging / table).rename(final)
            shutil.rmtree(old, ignore_errors=True)
        self._committed = True

    def _remove_empty_staging_root(self) -> None:
        root = self.out_dir / STAGING_DIR
        with contextlib.suppress(OSError):  # only when empty: others may be staging their sources
            root.rmdir()
