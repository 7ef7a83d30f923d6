"""The store's full-text evidence: ``fulltext_values`` (every value with its paragraph span or
table cell) and ``fulltext_status`` (each included study's full text, or why there is none).

Both tables are side tables created on first write (stores from before keep working, and reading
a store without them gives nothing); the evidence tables ``studies``/``outcomes``/``mentions`` are
never touched here: the merge with the abstract's values happens when exporting and reporting
(``itb_evidence.merge``), so curator corrections always apply first. Values are re-extracted
from the parsed documents the ``fulltexts`` table keeps (:func:`reextract`), without fetching.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import pandas as pd

from itb_evidence.fulltext.document import FullText
from itb_evidence.fulltext.stage import FullTextRun
from itb_evidence.fulltext.values import fulltext_value_rows
from itb_evidence.store import schema
from itb_evidence.store.fulltexts import StoredFullText, load_fulltexts, write_fulltexts
from itb_evidence.store.store import EvidenceStore

log = logging.getLogger(__name__)
VALUES, STATUS = "fulltext_values", "fulltext_status"


def ensure_tables(store: EvidenceStore) -> None:
    store.con.execute(schema.ddl(VALUES))
    store.con.execute(schema.ddl(STATUS))


def _frame(table: str, rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    columns = [c.name for c in schema.columns_of(table)]
    return pd.DataFrame(list(rows), columns=columns)


def _replace(
    store: EvidenceStore, table: str, pmids: list[str], rows: list[dict[str, object]]
) -> None:
    """Delete these PMIDs' rows and insert ``rows`` (validated first: a bad row is logged and
    left out), in the caller's transaction."""
    good = []
    for row in rows:
        errors = schema.validate_row(table, row)
        for err in errors:
            log.error("rejected %s", err)
        if not errors:
            good.append(row)
    store.con.execute(f"DELETE FROM {table} WHERE list_contains(?, pmid)", [pmids])
    if good:
        df = _frame(table, good)
        store.con.register("_ft_rows", df)
        cols = ", ".join(df.columns)
        store.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _ft_rows")
        store.con.unregister("_ft_rows")


def value_rows(pmid: str, document: FullText, run_id: int | None) -> list[dict[str, object]]:
    return [{**row, "run_id": run_id} for row in fulltext_value_rows(pmid, document)]


def store_fulltext_run(store: EvidenceStore, run: FullTextRun, *, run_id: int | None) -> int:
    """Documents received (``fulltexts``), their values and every study's status; the number of
    values written. Replaces per PMID, so a rerun adds nothing twice."""
    ensure_tables(store)
    received = [
        StoredFullText(s.document, s.xml)
        for s in run.studies
        if s.document is not None and s.xml is not None and s.document.pmcid
    ]
    if received:
        write_fulltexts(store, received, run_id=run_id)
    values: list[dict[str, object]] = []
    statuses: list[dict[str, object]] = []
    for s in run.studies:
        rows = value_rows(s.pmid, s.document, run_id) if s.usable and s.document else []
        values.extend(rows)
        statuses.append(
            {
                "pmid": s.pmid,
                "pmcid": s.pmcid,
                "status": s.status,
                "usable": s.usable,
                "reason": s.reason,
                "n_values": len(rows),
                "run_id": run_id,
            }
        )
    pmids = [s.pmid for s in run.studies]
    with store.transaction():
        _replace(store, VALUES, pmids, values)
        _replace(store, STATUS, pmids, statuses)
    return len(values)


def held_documents(store: EvidenceStore) -> dict[str, FullText]:
    """Stored documents with a body, by PMCID: what a live run does not fetch again."""
    return {
        item.document.pmcid: item.document
        for item in load_fulltexts(store)
        if item.document.pmcid and item.document.has_body
    }


def reextract(store: EvidenceStore, *, run_id: int | None = None) -> tuple[int, int]:
    """Values of every stored, usable full text extracted again with the current extractors,
    from the store alone (no fetching): (articles, values)."""
    ensure_tables(store)
    status = read_table(store, STATUS)
    pmid_of: dict[str, str] = {}
    if not status.empty:
        for pmid, pmcid in zip(status["pmid"], status["pmcid"], strict=True):
            if isinstance(pmcid, str):
                pmid_of[pmcid] = str(pmid)
    articles, values, pmids, statuses = 0, [], [], []
    for item in load_fulltexts(store):
        doc = item.document
        pmid = pmid_of.get(doc.pmcid or "") or doc.pmid
        if pmid is None or not doc.has_body:
            continue
        rows = value_rows(pmid, doc, run_id)
        articles += 1
        values.extend(rows)
        pmids.append(pmid)
        statuses.append((len(rows), pmid))
    with store.transaction():
        _replace(store, VALUES, pmids, values)
        for n, pmid in statuses:
            store.con.execute(f"UPDATE {STATUS} SET n_values = ? WHERE pmid = ?", [n, pmid])
    return articles, len(values)


def read_table(store: EvidenceStore, table: str) -> pd.DataFrame:
    """A full-text side table as a DataFrame (empty, with its columns, when the store has none)."""
    try:
        return store.con.execute(f"SELECT * FROM {table}").df()
    except duckdb.CatalogException:
        return _frame(table, [])


def included_studies(store: EvidenceStore) -> list[tuple[str, str | None]]:
    """(PMID, PMCID or None) of every included study, in PMID order: whose full text is sought."""
    rows = store.con.execute(
        "SELECT pmid, any_value(pmcid) FROM studies WHERE included GROUP BY pmid ORDER BY pmid"
    ).fetchall()
    return [(str(p), None if c is None else str(c)) for p, c in rows]
