"""The store's ``fulltexts`` table: parsed PMC full texts kept for re-extraction.

One row per PMCID: the article's JATS as received and its parse as JSON
(``FullText.to_json``), so extraction can run again without fetching again, and parsing again
without fetching too (``jats_xml``). Rows are validated against ``schema.FULLTEXTS`` and loaded
from a DataFrame (never row by row); writing a PMCID replaces its row. The table is created on
first write, so stores made before full text existed keep working unchanged, and reading a store
without it gives nothing rather than an error.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from itb_evidence.fulltext.document import FullText
from itb_evidence.store import schema
from itb_evidence.store.store import EvidenceStore

log = logging.getLogger(__name__)
TABLE = "fulltexts"


@dataclass(frozen=True, slots=True)
class StoredFullText:
    """A document and the JATS it was parsed from, as one store row holds them."""

    document: FullText
    jats_xml: bytes


def ensure_table(store: EvidenceStore) -> None:
    store.con.execute(schema.ddl(TABLE))


def _row(item: StoredFullText, run_id: int | None) -> dict[str, object]:
    doc = item.document
    return {
        "pmcid": doc.pmcid,
        "pmid": doc.pmid,
        "availability": doc.availability,
        "reason": doc.reason,
        "license": doc.license,
        "sha256": hashlib.sha256(item.jats_xml).hexdigest(),
        "jats_xml": item.jats_xml.decode("utf-8"),
        "document_json": doc.to_json(),
        "document_format": doc.format,
        "n_paragraphs": len(doc.paragraphs),
        "n_tables": len(doc.tables),
        "run_id": run_id,
    }


def write_fulltexts(
    store: EvidenceStore, items: Sequence[StoredFullText], *, run_id: int | None = None
) -> list[schema.RowError]:
    """Validate and store (replace per PMCID) in one transaction; the rows rejected (a bad row
    is logged and left out, never sinking the others)."""
    ensure_table(store)
    good: list[dict[str, object]] = []
    rejected: list[schema.RowError] = []
    for item in items:
        row = _row(item, run_id)
        errors = schema.validate_row(TABLE, row)
        if row["pmcid"] is None:  # the schema's message names a PMID: this row has a better one
            errors = [
                schema.RowError(TABLE, item.document.pmid, "pmcid", "is required but missing")
            ]
        for err in errors:
            log.error("rejected %s", err)
        rejected.extend(errors)
        if not errors:
            good.append(row)
    if not good:
        return rejected
    columns = [c.name for c in schema.FULLTEXTS]
    df = pd.DataFrame(good, columns=columns)
    with store.transaction():
        store.con.execute(
            f"DELETE FROM {TABLE} WHERE list_contains(?, pmcid)", [df["pmcid"].tolist()]
        )
        store.con.register("_fulltexts", df)
        cols = ", ".join(columns)
        store.con.execute(f"INSERT INTO {TABLE} ({cols}) SELECT {cols} FROM _fulltexts")
        store.con.unregister("_fulltexts")
    return rejected


def _select(store: EvidenceStore, sql: str, params: list[object]) -> list[tuple[object, ...]]:
    try:
        return store.con.execute(sql, params).fetchall()
    except duckdb.CatalogException:
        return []  # a store from before full text: nothing stored


def load_fulltexts(
    store: EvidenceStore, pmcids: Iterable[str] | None = None
) -> list[StoredFullText]:
    """Stored full texts (all, or these PMCIDs), in PMCID order."""
    rows = _select(store, f"SELECT pmcid, document_json, jats_xml FROM {TABLE} ORDER BY pmcid", [])
    wanted = None if pmcids is None else set(pmcids)
    return [
        StoredFullText(FullText.from_json(str(doc)), str(xml).encode("utf-8"))
        for pmcid, doc, xml in rows
        if wanted is None or pmcid in wanted
    ]


def included_pmcids(store: EvidenceStore) -> list[str]:
    """PMCIDs of the included studies: the ones whose full text is sought."""
    rows = _select(
        store,
        "SELECT DISTINCT pmcid FROM studies WHERE included AND pmcid IS NOT NULL ORDER BY pmcid",
        [],
    )
    return [str(r[0]) for r in rows]
