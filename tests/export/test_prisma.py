"""PRISMA 2020 counts from screening decisions, their JSON, and the SVG diagram read back as XML."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from itb_evidence.export.prisma import NO_REASON, PrismaCounts, prisma_counts, render_prisma_svg

SVG = "{http://www.w3.org/2000/svg}"

DECISIONS = [
    ("31507512", True, ""),
    ("100", False, "not HSP"),
    ("101", False, "not HSP"),
    ("100", False, "not HSP"),  # duplicate of an excluded record
    ("102", False, "no ITB & <5 patients"),
    ("31507512", True, "ignored for included records"),  # duplicate of an included record
    ("103", True, ""),
    ("104", False, "  "),  # blank reason
    ("105", False, "not HSP"),
]


def test_counts_from_decisions() -> None:
    counts = prisma_counts(DECISIONS, identified=9)
    assert (counts.identified, counts.duplicates_removed, counts.screened) == (9, 2, 7)
    assert counts.excluded_by_reason == {"not HSP": 3, "no ITB & <5 patients": 1, NO_REASON: 1}
    assert (counts.excluded, counts.included) == (5, 2)
    assert counts.reasons_by_count() == [
        ("not HSP", 3),
        ("Reason not recorded", 1),
        ("no ITB & <5 patients", 1),
    ]


def test_to_json_uses_prisma_2020_names_and_serialises() -> None:
    payload = prisma_counts(DECISIONS, identified=9).to_json()
    assert json.loads(json.dumps(payload)) == {
        "prisma_version": "PRISMA 2020",
        "records_identified_from_databases": 9,
        "duplicate_records_removed": 2,
        "records_sought_for_retrieval": 7,
        "records_not_retrieved": 0,
        "records_not_retrieved_reasons": {},
        "records_screened": 7,
        "records_excluded": 5,
        "records_excluded_reasons": {
            "not HSP": 3,
            "Reason not recorded": 1,
            "no ITB & <5 patients": 1,
        },
        "studies_included_in_review": 2,
    }


def test_empty_decisions() -> None:
    counts = prisma_counts([], identified=0)
    assert (counts.screened, counts.excluded, counts.included) == (0, 0, 0)


@pytest.mark.parametrize(
    ("decisions", "identified", "message"),
    [
        ([("1", True, ""), ("1", False, "not HSP")], 2, "PMID 1 has conflicting"),
        ([("1", False, "not HSP"), ("1", False, "no ITB")], 2, "PMID 1 has conflicting"),
        ([("1", True, ""), ("2", True, "")], 3, r"identified \(3\) must equal .* rows \(2\)"),
        ([("1", True, ""), ("2", True, "")], 1, r"identified \(1\) must equal"),
        ([("1", True, ""), (" ", True, "")], 2, "row 2 has an empty PMID"),
    ],
)
def test_inconsistent_decisions_raise(
    decisions: list[tuple[str, bool, str]], identified: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        prisma_counts(decisions, identified=identified)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ((10, 2, 7, {"x": 3}, 4), "identified 10 - duplicates 2 - not retrieved 0 != screened 7"),
        ((9, 2, 7, {"x": 3}, 5), r"included 5 \+ excluded 3 != screened 7"),
        ((9, -1, 10, {}, 10), "duplicates_removed must be a non-negative"),
        ((9, 2, 7, {"x": -1}, 8), "excluded\\['x'\\] must be a non-negative"),
    ],
)
def test_counts_that_do_not_add_up_are_rejected(
    fields: tuple[int, int, int, dict[str, int], int], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PrismaCounts(*fields)


def _box_texts(svg: str) -> dict[str, list[str]]:
    root = etree.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return {
        str(group.get("id")): [t.text or "" for t in group.iter(f"{SVG}text")]
        for group in root.iter(f"{SVG}g")
        if group.get("class") == "prisma-box"
    }


def test_svg_boxes_carry_the_counts() -> None:
    counts = prisma_counts(DECISIONS, identified=9)
    svg = render_prisma_svg(counts)
    assert _box_texts(svg) == {
        "prisma-identified": ["Records identified from PubMed (n = 9)"],
        "prisma-duplicates": [
            "Records removed before screening:",
            "Duplicate records removed (n = 2)",
        ],
        "prisma-sought": ["Records sought for retrieval (n = 7)"],
        "prisma-not-retrieved": ["Records not retrieved or not processed", "(n = 0)"],
        "prisma-screened": ["Records screened (n = 7)"],
        "prisma-excluded": [
            "Records excluded (n = 5)",
            "Reasons:",
            "\u2022 not HSP (n = 3)",
            "\u2022 Reason not recorded (n = 1)",
            "\u2022 no ITB & <5 patients (n = 1)",
        ],
        "prisma-included": ["Studies included in review (n = 2)"],
    }
    root = etree.fromstring(svg.encode("utf-8"))
    counts_attr = {g.get("id"): g.get("data-count") for g in root.iter(f"{SVG}g") if g.get("id")}
    assert counts_attr == {
        "prisma-identified": "9",
        "prisma-duplicates": "2",
        "prisma-sought": "7",
        "prisma-not-retrieved": "0",
        "prisma-screened": "7",
        "prisma-excluded": "5",
        "prisma-included": "2",
    }
    # Self-contained: six arrows drawn with an inline marker, nothing fetched from outside.
    assert len(root.findall(f".//{SVG}line")) == 6
    assert root.find(f".//{SVG}marker").get("id") == "prisma-arrow"  # type: ignore[union-attr]
    assert "href" not in svg and "<image" not in svg and "@import" not in svg
    phases = [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "prisma-phase"
              for t in g.iter(f"{SVG}text")]  # fmt: skip
    assert phases == ["Identification", "Screening", "Included"]


def test_svg_wraps_long_reasons_without_splitting_the_count() -> None:
    reason = "conference abstract without extractable outcome data for the spastic paraplegia group"
    counts = prisma_counts([("1", False, reason), ("2", True, "")], identified=2)
    lines = _box_texts(render_prisma_svg(counts, source="PubMed (MEDLINE)"))["prisma-excluded"]
    assert lines[:2] == ["Records excluded (n = 1)", "Reasons:"]
    reason_lines = lines[2:]
    assert len(reason_lines) > 1 and all(len(line) <= 44 for line in reason_lines)
    assert " ".join(reason_lines) == f"\u2022 {reason} (n = 1)"
    assert any(line.endswith("(n = 1)") for line in reason_lines)
    ident = _box_texts(render_prisma_svg(counts, source="PubMed (MEDLINE)"))["prisma-identified"]
    assert ident == ["Records identified from PubMed (MEDLINE)", "(n = 2)"]


def test_svg_without_exclusions_has_no_reasons_heading() -> None:
    counts = prisma_counts([("1", True, "")], identified=1)
    assert _box_texts(render_prisma_svg(counts))["prisma-excluded"] == ["Records excluded (n = 0)"]


# --- records not retrieved or not processed (issue 12, finding 6) ------------------------------
NOT_RETRIEVED = [
    ("900", "Not retrieved: fetch failed"),
    ("901", "Not retrieved: fetch failed"),
    ("902", "Not retrieved: PMID missing from PubMed's efetch reply"),
]


def test_records_not_retrieved_are_counted_with_reasons() -> None:
    counts = prisma_counts(DECISIONS, identified=12, not_retrieved=NOT_RETRIEVED)
    assert (counts.identified, counts.duplicates_removed, counts.sought) == (12, 2, 10)
    assert (counts.not_retrieved, counts.screened, counts.included) == (3, 7, 2)
    assert counts.not_retrieved_reasons_by_count() == [
        ("Not retrieved: fetch failed", 2),
        ("Not retrieved: PMID missing from PubMed's efetch reply", 1),
    ]
    payload = json.loads(json.dumps(counts.to_json()))
    assert payload["records_identified_from_databases"] == 12
    assert payload["records_sought_for_retrieval"] == 10
    assert payload["records_not_retrieved"] == 3
    assert payload["records_not_retrieved_reasons"] == {
        "Not retrieved: fetch failed": 2,
        "Not retrieved: PMID missing from PubMed's efetch reply": 1,
    }
    assert payload["records_screened"] == 7


def test_svg_shows_the_records_not_retrieved_with_their_reasons() -> None:
    counts = prisma_counts(DECISIONS, identified=12, not_retrieved=NOT_RETRIEVED)
    svg = render_prisma_svg(counts)
    boxes = _box_texts(svg)
    assert boxes["prisma-identified"] == ["Records identified from PubMed (n = 12)"]
    assert boxes["prisma-sought"] == ["Records sought for retrieval (n = 10)"]
    lines = boxes["prisma-not-retrieved"]
    assert lines[:3] == ["Records not retrieved or not processed", "(n = 3)", "Reasons:"]
    assert " ".join(lines[3:]) == (
        "\u2022 Not retrieved: fetch failed (n = 2) \u2022 Not retrieved: PMID missing from "
        "PubMed's efetch reply (n = 1)"
    )
    root = etree.fromstring(svg.encode("utf-8"))
    counts_attr = {g.get("id"): g.get("data-count") for g in root.iter(f"{SVG}g") if g.get("id")}
    assert counts_attr["prisma-not-retrieved"] == "3"
    assert counts_attr["prisma-screened"] == "7"
    phases = [t.text for g in root.iter(f"{SVG}g") if g.get("class") == "prisma-phase"
              for t in g.iter(f"{SVG}text")]  # fmt: skip
    assert phases == ["Identification", "Screening", "Included"]


@pytest.mark.parametrize(
    ("not_retrieved", "identified", "message"),
    [
        ([("100", "fetch failed")], 10, "PMID 100 is counted twice"),  # 100 was screened
        ([("900", "x"), ("900", "x")], 11, "PMID 900 is counted twice"),
        ([("900", "x")], 9, r"identified \(9\) must equal .* not retrieved \(1\)"),
        ([(" ", "x")], 10, "not retrieved has an empty PMID"),
    ],
)
def test_records_not_retrieved_must_add_up(
    not_retrieved: list[tuple[str, str]], identified: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        prisma_counts(DECISIONS, identified=identified, not_retrieved=not_retrieved)


def test_counts_with_a_lost_record_that_do_not_add_up_are_rejected() -> None:
    with pytest.raises(ValueError, match="identified 9 - duplicates 2 - not retrieved 1"):
        PrismaCounts(9, 2, 7, {"x": 5}, 2, {"fetch failed": 1})
