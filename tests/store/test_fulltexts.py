"""The store keeps parsed full texts: a round trip gives back the same document and JATS, a
second write of a PMCID replaces its row, bad rows are rejected by name, and a store from before
full text reads as holding none."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from itb_evidence.fulltext.jats import parse_jats
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store import schema
from itb_evidence.store.fulltexts import (
    StoredFullText,
    included_pmcids,
    load_fulltexts,
    write_fulltexts,
)
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record

DATA = Path(__file__).parent.parent / "fulltext" / "data"


def _stored(name: str) -> StoredFullText:
    xml = (DATA / name).read_bytes()
    [document] = parse_jats(xml, what=name)
    return StoredFullText(document, xml)


def test_round_trip_and_replace_per_pmcid(tmp_path: Path) -> None:
    opened, closed = _stored("composed_itb.nxml"), _stored("composed_no_body.nxml")
    with EvidenceStore(tmp_path / "e.duckdb") as store:
        assert write_fulltexts(store, [opened, closed], run_id=1) == []
        assert write_fulltexts(store, [opened], run_id=2) == []  # replaces, adds nothing
        rows = store.con.execute(
            "SELECT pmcid, availability, n_paragraphs, n_tables, run_id FROM fulltexts "
            "ORDER BY pmcid"
        ).fetchall()
    assert rows == [("PMC9000001", "open_access", 7, 3, 2), ("PMC9000002", "no_body", 1, 0, 1)]
    with EvidenceStore(tmp_path / "e.duckdb", read_only=True) as store:
        loaded = load_fulltexts(store)
        assert [s.document for s in loaded] == [opened.document, closed.document]
        assert loaded[0].jats_xml == opened.jats_xml
        assert load_fulltexts(store, ["PMC9000002"])[0].document.reason == closed.document.reason
        # re-extraction without fetching: the tables come back whole
        assert loaded[0].document.tables[0].grid().equals(opened.document.tables[0].grid())


def test_rows_are_validated_and_a_document_without_pmcid_is_refused(tmp_path: Path) -> None:
    errors = schema.validate_row("fulltexts", {"pmcid": "PMC1", "n_tables": -1})
    assert "fulltexts row for PMID None: column 'n_tables' = -1 fails check >= 0" in [
        str(e) for e in errors
    ]
    assert any(e.column == "jats_xml" and "required" in e.problem for e in errors)
    item = _stored("composed_itb.nxml")
    orphan = StoredFullText(dataclasses.replace(item.document, pmcid=None), item.jats_xml)
    with EvidenceStore(tmp_path / "e.duckdb") as store:
        [rejected] = write_fulltexts(store, [orphan, item])
        assert str(rejected) == (
            "fulltexts row for PMID 90000001: column 'pmcid' is required but missing"
        )
        assert [s.document.pmcid for s in load_fulltexts(store)] == ["PMC9000001"]


def test_a_store_without_the_table_holds_no_full_text(tmp_path: Path) -> None:
    with EvidenceStore(tmp_path / "e.duckdb") as store:
        assert load_fulltexts(store) == []
        store.write_evidence(
            link_record(
                make_record("100"), make_extraction("100"), ScreenDecision("100", True, "ok", {})
            )
        )
        store.con.execute("UPDATE studies SET pmcid = 'PMC123' WHERE pmid = '100'")
        assert included_pmcids(store) == ["PMC123"]


def test_the_fulltexts_table_is_not_an_evidence_table() -> None:
    assert "fulltexts" not in schema.TABLES  # the corpus stage and exports leave it out
    assert schema.ddl("fulltexts").startswith("CREATE TABLE IF NOT EXISTS fulltexts (")
