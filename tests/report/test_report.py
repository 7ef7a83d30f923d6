"""The HTML review report, parsed back with lxml: spans, text fidelity, tables, flags, plots."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml.html import HtmlElement

from itb_evidence.report.model import load_report_model
from itb_evidence.report.plots import nice_ticks, spread_apart
from itb_evidence.report.render import checked_svg, render_report, write_report
from itb_evidence.report.spans import HighlightSpan, highlight
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import ABSTRACT
from tests.support.report_fixtures import (
    EXCLUDED_PMID,
    PLAIN_PMID,
    RETRACTED_PMID,
    TRICKY,
    TRICKY_PMID,
    build_store,
    nodes,
    parse_html,
)

WHEN = datetime(2024, 1, 2, 3, 4, tzinfo=UTC)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EvidenceStore]:
    """Shared read-only by the tests of this module (a test that edits builds its own)."""
    s = build_store(tmp_path_factory.mktemp("report") / "e.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="module")
def doc(store: EvidenceStore) -> HtmlElement:
    html = render_report(store, changes=["new study <PMID 400> & more"], generated_at=WHEN)
    return parse_html(html)


def _abstract(doc: HtmlElement, pmid: str) -> HtmlElement:
    (div,) = nodes(doc, f'//div[@class="abstract"][@data-pmid="{pmid}"]')
    return div


def _mentions_by_id(div: HtmlElement) -> dict[str, list[HtmlElement]]:
    parts: dict[str, list[HtmlElement]] = defaultdict(list)
    for el in nodes(div, ".//mark[@data-mention]"):
        parts[el.get("data-mention")].append(el)
    return {k: sorted(v, key=lambda e: int(e.get("data-part"))) for k, v in parts.items()}


@pytest.mark.parametrize("pmid", [PLAIN_PMID, RETRACTED_PMID, TRICKY_PMID])
def test_every_mention_is_highlighted_with_exact_text_and_data_attributes(
    store: EvidenceStore, doc: HtmlElement, pmid: str
) -> None:
    expected = sorted(
        (kind, rule, label, value or "", text)
        for kind, rule, label, value, text in store.con.execute(
            "SELECT kind, rule_id, label, value, source_text FROM mentions WHERE pmid = ?", [pmid]
        ).fetchall()
    )
    shown = []
    for parts in _mentions_by_id(_abstract(doc, pmid)).values():
        first = parts[0]
        assert all(p.get("data-kind") == first.get("data-kind") for p in parts)
        text = "".join(p.text_content() for p in parts)
        shown.append(
            (
                first.get("data-kind"),
                first.get("data-rule"),
                first.get("data-label"),
                first.get("data-value"),
                text,
            )
        )
        assert first.get("data-rule") in first.get("title")
    assert sorted(shown) == expected
    assert len(expected) == {PLAIN_PMID: 7, RETRACTED_PMID: 7, TRICKY_PMID: 8}[pmid]


def test_highlighted_abstract_reads_exactly_like_the_record(doc: HtmlElement) -> None:
    assert _abstract(doc, TRICKY_PMID).text_content() == TRICKY
    assert _abstract(doc, PLAIN_PMID).text_content() == ABSTRACT
    # "<improved>" is text, not an element; "&" survived as one character
    (article,) = nodes(doc, f'//article[@data-pmid="{TRICKY_PMID}"]')
    assert nodes(doc, "//improved") == [] and nodes(article, ".//b") == []
    (title,) = nodes(article, './/div[@data-field="title"]')
    assert title.text_content() == "A <b> & c"


def test_nested_span_is_a_child_and_crossing_spans_are_split_not_reordered(
    doc: HtmlElement,
) -> None:
    by_id = _mentions_by_id(_abstract(doc, TRICKY_PMID))
    by_text = {"".join(p.text_content() for p in parts): parts for parts in by_id.values()}
    (p_mark,) = by_text["p < 0.001"]
    assert p_mark.getparent().get("data-kind") == "result"
    assert p_mark.getparent().text_content() == "MAS 3 -> 1, p < 0.001"
    dose_parts = by_text["Dose 50-100 μg/day in 5"]
    n_parts = by_text["5 patients"]
    assert [p.text_content() for p in dose_parts] == ["Dose 50-100 μg/day in 5"]
    assert [p.text_content() for p in n_parts] == ["5", " patients"]
    assert n_parts[0].getparent() is dose_parts[0]  # the crossing part nests inside the dose
    assert [p.get("data-part") for p in n_parts] == ["0", "1"]


def test_tooltip_shows_parsed_values_and_rule(doc: HtmlElement) -> None:
    div = _abstract(doc, PLAIN_PMID)
    (result,) = nodes(div, './/mark[@data-kind="result"]')
    assert result.get("title") == (
        "result: Modified Ashworth Scale: median 3 (IQR 3–3.25) → median 1 (IQR 1–1.25), "
        "p = 0.046 · rule result.from_to"
    )
    (p_gait,) = nodes(div, './/mark[@data-kind="p_value"][@data-value="Gait speed"]')
    assert p_gait.get("title") == "p-value: p = 0.41 · outcome: Gait speed · rule pvalue.eq"


def test_evidence_table_rows_sort_headers_and_excluded_table(doc: HtmlElement) -> None:
    (table,) = nodes(doc, '//table[@id="evidence-table"]')
    assert "sortable" in table.get("class")
    keys = [th.get("data-key") for th in nodes(table, "./thead/tr/th")]
    assert keys == ["study", "pmid", "year", "design", "n", "dose", "outcomes", "flags"]
    rows = nodes(table, "./tbody/tr")
    # reviewer order: year, then PMID
    assert [r.get("data-pmid") for r in rows] == [TRICKY_PMID, PLAIN_PMID, RETRACTED_PMID]
    years = [nodes(r, "./td")[2].get("data-sort") for r in rows]
    assert years == ["2018", "2020", "2022"]
    doses = [nodes(r, "./td")[5].get("data-sort") for r in rows]
    assert doses == ["", "188.0", "188.0"]  # range-only dose has no central value to sort on
    (excluded,) = nodes(doc, '//details[@id="excluded"]//table/tbody/tr')
    assert excluded.get("data-pmid") == EXCLUDED_PMID
    assert "population is not HSP <adults & children>" in excluded.text_content()
    assert doc.get_element_by_id("count-included").text == "3"
    assert doc.get_element_by_id("count-excluded").text == "1"


def test_retraction_is_a_visible_badge_in_the_table_and_the_study(doc: HtmlElement) -> None:
    (row,) = nodes(doc, f'//table[@id="evidence-table"]/tbody/tr[@data-pmid="{RETRACTED_PMID}"]')
    assert row.get("class") == "flag-retracted"
    assert [b.text for b in nodes(row, './/span[contains(@class, "badge-retracted")]')] == [
        "RETRACTED"
    ]
    (article,) = nodes(doc, f'//article[@data-pmid="{RETRACTED_PMID}"]')
    assert "retracted" in article.get("class").split()
    assert nodes(article, './/span[contains(@class, "badge-retracted")]')
    (plain,) = nodes(doc, f'//article[@data-pmid="{PLAIN_PMID}"]')
    assert nodes(plain, './/span[contains(@class, "badge-retracted")]') == []


def test_low_confidence_extractions_are_listed_and_outlined(doc: HtmlElement) -> None:
    (article,) = nodes(doc, f'//article[@data-pmid="{TRICKY_PMID}"]')
    codes = sorted(li.get("data-flag") for li in nodes(article, './/ul[@class="low-list"]/li'))
    assert codes == ["outcome_no_result", "p_unlinked", "result_unlinked", "test_inconsistent"]
    div = _abstract(doc, TRICKY_PMID)
    (p_mark,) = nodes(div, './/mark[@data-kind="p_value"][@data-label="p = 0.4"]')
    assert "low-confidence" in p_mark.get("class").split()
    assert p_mark.get("data-low") == "p_unlinked"
    (gait,) = nodes(div, './/mark[@data-kind="result"][@data-rule="result.from_to"]')
    assert gait.get("data-low").split() == ["result_unlinked", "test_inconsistent"]
    (pain,) = nodes(div, './/mark[@data-kind="outcome_measure"][@data-label="Pain"]')
    assert pain.get("data-low") == "outcome_no_result"
    assert nodes(doc, f'//article[@data-pmid="{PLAIN_PMID}"]//ul[@class="low-list"]') == []
    assert doc.get_element_by_id("count-low").text == "4"


def test_revised_record_text_is_not_highlighted_at_a_stale_span(tmp_path: Path) -> None:
    with build_store(tmp_path / "e.duckdb") as store:
        store.con.execute(
            "UPDATE records SET abstract = 'Methods: ' || abstract WHERE pmid = ?", [PLAIN_PMID]
        )
        doc = parse_html(render_report(store, generated_at=WHEN))
    div = _abstract(doc, PLAIN_PMID)
    assert div.text_content() == "Methods: " + ABSTRACT
    assert nodes(div, ".//mark") == []
    (article,) = nodes(doc, f'//article[@data-pmid="{PLAIN_PMID}"]')
    assert len(nodes(article, './/ul[@class="unplaced"]/li')) == 7
    flags = [li.get("data-flag") for li in nodes(article, './/ul[@class="low-list"]/li')]
    assert flags == ["span_mismatch"] * 7


def test_plots_show_one_dose_row_per_daily_dose_and_one_panel_per_outcome(
    doc: HtmlElement,
) -> None:
    (dose_svg,) = nodes(
        doc, '//section[@id="plots"]//*[local-name()="svg"][contains(@class, "dose")]'
    )
    rows = nodes(dose_svg, './/*[local-name()="g"]')
    assert len(rows) == 3
    assert len(nodes(dose_svg, './/*[local-name()="circle"]')) == 2  # the range-only dose: bar only
    assert len(nodes(dose_svg, './/*[local-name()="g"][contains(@class, "retracted")]')) == 1
    panels = nodes(doc, '//div[@id="outcome-panels"]/*[local-name()="svg"]')
    titles = sorted(nodes(p, './*[local-name()="title"]')[0].text for p in panels)
    assert titles == ["(unlinked result): pre to post", "Modified Ashworth Scale: pre to post"]
    mas = next(p for p in panels if nodes(p, './*[local-name()="title"]')[0].text.startswith("Mod"))
    assert len(nodes(mas, './/*[local-name()="g"][contains(@class, "slope")]')) == 3


def test_changes_and_prisma_are_shown_escaped_and_checked(store: EvidenceStore) -> None:
    prisma = '<svg viewBox="0 0 10 10"><rect width="5" height="5"/><text>n = 4</text></svg>'
    html = render_report(store, prisma_svg=prisma, changes=["a <b> & c"], generated_at=WHEN)
    doc = parse_html(html)
    assert [li.text for li in nodes(doc, '//ul[@class="changes"]/li')] == ["a <b> & c"]
    (svg,) = nodes(doc, '//section[@id="prisma"]//*[local-name()="svg"]')
    assert nodes(svg, './/*[local-name()="text"]')[0].text == "n = 4"
    with pytest.raises(ValueError, match="active content"):
        checked_svg('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    with pytest.raises(ValueError, match="active content"):
        checked_svg('<svg xmlns="http://www.w3.org/2000/svg"><rect onclick="x()"/></svg>')
    with pytest.raises(ValueError, match="must be an <svg>"):
        checked_svg("<div/>")
    no_extras = parse_html(render_report(store, generated_at=WHEN))
    assert nodes(no_extras, '//section[@id="prisma"]') == []
    assert nodes(no_extras, '//section[@id="changes"]') == []


def test_report_is_self_contained_and_deterministic(store: EvidenceStore, tmp_path: Path) -> None:
    out = write_report(store, tmp_path / "sub" / "report.html", generated_at=WHEN)
    html = out.read_text(encoding="utf-8")
    assert html == render_report(store, generated_at=WHEN)
    doc = parse_html(html)
    assert nodes(doc, "//link | //script[@src] | //img | //iframe") == []
    assert [el for el in nodes(doc, "//*[@src]")] == []


# --- the highlighting algorithm on its own ---------------------------------------------------
def test_highlight_rejects_empty_and_out_of_range_spans() -> None:
    with pytest.raises(ValueError, match="span a"):
        highlight("abc", [HighlightSpan("a", 2, 2, "dose")])
    with pytest.raises(ValueError, match="outside a text of 3"):
        highlight("abc", [HighlightSpan("a", 1, 4, "dose")])


def test_identical_spans_nest_in_kind_order() -> None:
    spans = [HighlightSpan("p", 0, 3, "p_value"), HighlightSpan("r", 0, 3, "result")]
    html = highlight("a<b", spans, kind_order=["result", "p_value"])
    assert html.startswith('<mark class="hl hl-result" data-mention="r"')
    assert "a&lt;b</mark></mark>" in html


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(alphabet="ab<>&\"' μ\n", min_size=1, max_size=30),
    raw=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 30)), max_size=6),
)
def test_highlight_never_changes_text_and_keeps_each_span_whole(
    text: str, raw: list[tuple[int, int]]
) -> None:
    spans = []
    for i, (a, length) in enumerate(raw):
        start = a % len(text)
        end = min(start + length, len(text))
        spans.append(HighlightSpan(f"s{i}", start, end, "dose", attrs={"value": text[start:end]}))
    div = lxml.html.fragment_fromstring(f"<div>{highlight(text, spans)}</div>")
    assert div.text_content() == text
    parts = _mentions_by_id(div)
    for s in spans:
        assert "".join(p.text_content() for p in parts[s.mention_id]) == text[s.start : s.end]
        assert parts[s.mention_id][0].get("data-value") == text[s.start : s.end]


def test_mg_per_day_doses_are_plotted_in_ug_per_day_and_bolus_doses_are_not(
    tmp_path: Path,
) -> None:
    with build_store(tmp_path / "e.duckdb") as store:
        store.con.execute(
            "UPDATE studies SET itb_dose_unit = 'mg/day', itb_dose_value = 0.188, "
            "itb_dose_sd = 0.06, itb_dose_range_lo = 0.145, itb_dose_range_hi = 0.23 "
            "WHERE pmid = ?",
            [PLAIN_PMID],
        )
        store.con.execute("UPDATE studies SET itb_dose_unit = 'ug' WHERE pmid = ?", [TRICKY_PMID])
        model = load_report_model(store)
    dose = {s.pmid: s.dose_ug_day for s in model.included}
    assert dose[PLAIN_PMID] == pytest.approx(188.0)
    assert dose[RETRACTED_PMID] == pytest.approx(188.0)
    assert dose[TRICKY_PMID] is None
    assert model.dose_not_plotted == [
        "Doe J et al. 2018: “Dose 50-100 μg/day in 5” (not a daily dose)"
    ]
    svg = lxml.html.fragment_fromstring(str(model.dose_svg))
    circles = nodes(svg, './/*[local-name()="circle"]')
    assert len(circles) == 2 and circles[0].get("cx") == circles[1].get("cx")


@pytest.mark.parametrize(
    ("lo", "hi", "count", "expected"),
    [
        (0.0, 230.0, 4, [0, 100, 200, 300]),
        (0.3, 0.7, 5, [0.3, 0.4, 0.5, 0.6, 0.7]),  # 0.3 / 0.1 = 2.999... must not start at 0.2
        (-1.0, 4.0, 5, [-2, 0, 2, 4]),
    ],
)
def test_nice_ticks_cover_the_range_in_round_steps(
    lo: float, hi: float, count: int, expected: list[float]
) -> None:
    assert nice_ticks(lo, hi, count) == pytest.approx(expected)


def test_slope_labels_are_spread_apart_but_stay_near_their_lines() -> None:
    placed = spread_apart([100.0, 100.0, 101.0, 160.0], gap=12.0)
    ordered = sorted(placed)
    assert all(b - a >= 12.0 - 1e-9 for a, b in itertools.pairwise(ordered))
    assert placed[:3] == pytest.approx([100 + 1 / 3 - 12, 100 + 1 / 3, 100 + 1 / 3 + 12])
    assert placed[3] == 160.0  # far from the crowd: stays at its line
