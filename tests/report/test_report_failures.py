"""Failures visible (issue 12, finding 6): the report lists the records not retrieved or not
processed (the store's unresolved ``failures`` rows), counts them in its summary, and the PRISMA
diagram built from the store shows them with reasons."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from lxml.html import HtmlElement

from itb_evidence.export.failures import NOT_RETRIEVED_FETCH, NOT_RETRIEVED_MISSING
from itb_evidence.export.prisma import render_prisma_svg
from itb_evidence.export.tables import prisma_from_store
from itb_evidence.report.model import load_report_model
from itb_evidence.report.render import render_report
from itb_evidence.store.store import EvidenceStore
from tests.support.report_fixtures import PLAIN_PMID, build_store, nodes, parse_html

WHEN = datetime(2024, 1, 2, 3, 4, tzinfo=UTC)
HOSTILE = "ValueError: <script>alert('x')</script> & <b>bold</b>"
LONG = "HTTPError 503: " + "busy " * 120


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EvidenceStore]:
    s = build_store(tmp_path / "e.duckdb")
    run = s.start_run(
        mode="refresh", query="q", window_start=None, window_end=None, extractor_version="t"
    )
    s.record_failures(run, "fetch", ["910", "911"], LONG)  # a failed efetch batch
    s.record_failures(run, "fetch", ["912"], "PMID missing from efetch reply")
    s.record_failures(run, "extract", ["913"], HOSTILE)
    s.record_failures(run, "extract", [PLAIN_PMID], "RuntimeError: revised record failed")
    s.record_failures(run, "search", [], "esearch failed")  # run-level: no PMID, not listed
    s.record_failures(run, "fetch", ["914"], "timeout")
    s.resolve_failures(["914"])  # stored by a later attempt: no longer a failure
    yield s
    s.close()


def _rows(doc: HtmlElement) -> dict[str, HtmlElement]:
    return {str(tr.get("data-pmid")): tr for tr in nodes(doc, '//table[@id="failures-table"]//tr')
            if tr.get("data-pmid")}  # fmt: skip


def test_report_lists_records_not_retrieved_with_stage_and_message(store: EvidenceStore) -> None:
    doc = parse_html(render_report(store, generated_at=WHEN))
    (section,) = nodes(doc, '//section[@id="failures"]')
    (heading,) = nodes(section, ".//h2")
    assert heading.text_content() == "Records not retrieved or not processed (5)"
    rows = _rows(doc)
    assert sorted(rows) == ["100", "910", "911", "912", "913"]
    cells = {
        pmid: [td.text_content().strip() for td in tr.findall("td")] for pmid, tr in rows.items()
    }
    assert cells["912"][:3] == ["912", "fetch", NOT_RETRIEVED_MISSING]
    assert cells["910"][:3] == ["910", "fetch", NOT_RETRIEVED_FETCH]
    assert cells["913"][:4] == ["913", "extract", "Not processed: extraction failed", HOSTILE]
    # the earlier version of PMID 100 is still in the table, and the row says so
    assert "earlier version kept" in cells["100"][2]
    assert "earlier version kept" not in cells["913"][2]
    # a long message is cut on screen and kept whole in the tooltip
    (message,) = [td for td in rows["910"].findall("td") if td.get("class") == "message"]
    assert message.text_content().endswith("…") and len(message.text_content()) <= 301
    assert message.get("title") == LONG


def test_failure_messages_are_escaped(store: EvidenceStore) -> None:
    html = render_report(store, generated_at=WHEN)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    doc = parse_html(html)
    assert nodes(doc, '//section[@id="failures"]//script') == []
    assert nodes(doc, '//section[@id="failures"]//td/b') == []


def test_summary_counts_the_failures(store: EvidenceStore) -> None:
    doc = parse_html(render_report(store, generated_at=WHEN))
    (count,) = nodes(doc, '//b[@id="count-failed"]')
    assert count.text == "5"
    (span,) = nodes(doc, '//div[@class="counts"]/span[.//b[@id="count-failed"]]')
    assert span.text_content().strip() == "5 not retrieved or not processed"
    assert span.get("class") == "warn"
    assert nodes(doc, '//nav/a[@href="#failures"]')


def test_a_store_without_failures_says_so(tmp_path: Path) -> None:
    with build_store(tmp_path / "clean.duckdb") as s:
        assert load_report_model(s).failed == []
        doc = parse_html(render_report(s, generated_at=WHEN))
    (count,) = nodes(doc, '//b[@id="count-failed"]')
    assert count.text == "0"
    (section,) = nodes(doc, '//section[@id="failures"]')
    assert "None: every record the runs identified was retrieved" in section.text_content()
    assert nodes(doc, '//table[@id="failures-table"]') == []


def test_a_record_failing_again_is_listed_once_with_its_latest_failure(
    store: EvidenceStore,
) -> None:
    run = store.start_run(
        mode="refresh", query="q", window_start=None, window_end=None, extractor_version="t"
    )
    store.record_failures(run, "fetch", ["912"], "PMID missing from efetch reply, again")
    (f912,) = [f for f in load_report_model(store).failed if f.pmid == "912"]
    assert (f912.run_id, f912.runs, f912.message) == (
        run,
        2,
        "PMID missing from efetch reply, again",
    )


def test_prisma_from_the_store_shows_the_records_not_retrieved(store: EvidenceStore) -> None:
    counts = prisma_from_store(store)
    # 4 records screened (3 included, 1 excluded) + 4 never screened; PMID 100 failed again
    # but its earlier version was screened, so it is counted once, as screened
    assert (counts.identified, counts.screened, counts.not_retrieved) == (8, 4, 4)
    assert counts.not_retrieved_by_reason == {
        NOT_RETRIEVED_FETCH: 2,
        NOT_RETRIEVED_MISSING: 1,
        "Not processed: extraction failed": 1,
    }
    doc = parse_html(render_report(store, prisma_svg=render_prisma_svg(counts), generated_at=WHEN))
    (box,) = nodes(doc, '//section[@id="prisma"]//*[@id="prisma-not-retrieved"]')
    assert box.get("data-count") == "4"
    text = " ".join(t.text or "" for t in box.iter("{*}text", "text"))
    assert "Records not retrieved or not processed" in text
    assert f"{NOT_RETRIEVED_FETCH} (n = 2)" in text


def test_svg_of_the_store_is_well_formed(store: EvidenceStore) -> None:
    root = etree.fromstring(render_prisma_svg(prisma_from_store(store)).encode("utf-8"))
    ids = [g.get("id") for g in root.iter("{http://www.w3.org/2000/svg}g") if g.get("id")]
    assert "prisma-not-retrieved" in ids and "prisma-sought" in ids
