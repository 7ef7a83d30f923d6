"""PRISMA 2020 flow counts from screening decisions, and the flow diagram as a self-contained SVG.

The pipeline screens PubMed records once (title/abstract rules plus curator decisions, each
exclusion with a reason), so the flow is the PRISMA 2020 "new reviews, databases only" diagram
with its eligibility stage folded into screening: records identified → duplicates removed →
records sought for retrieval → records not retrieved or not processed (with reasons) → records
screened → records excluded (with reasons) → studies included. Retrieval comes before screening
here, unlike the PRISMA template, because a record is screened on its fetched title and abstract.

Counts are derived, never typed in: duplicates are repeated PMIDs in the decision list, records not
retrieved are the store's unresolved failures, and the numbers must add up (identified −
duplicates − not retrieved = screened = included + excluded) or construction fails, because a
PRISMA diagram that does not add up is worse than none.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field

NO_REASON = "Reason not recorded"
SVG_NS = "http://www.w3.org/2000/svg"


@dataclass(frozen=True, slots=True)
class PrismaCounts:
    identified: int
    duplicates_removed: int
    screened: int
    excluded_by_reason: dict[str, int]
    included: int
    not_retrieved_by_reason: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counts = {
            "identified": self.identified,
            "duplicates_removed": self.duplicates_removed,
            "screened": self.screened,
            "included": self.included,
            **{f"excluded[{reason!r}]": n for reason, n in self.excluded_by_reason.items()},
            **{
                f"not_retrieved[{reason!r}]": n
                for reason, n in self.not_retrieved_by_reason.items()
            },
        }
        for name, value in counts.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"PRISMA count {name} must be a non-negative integer: {value!r}")
        if self.identified - self.duplicates_removed - self.not_retrieved != self.screened:
            raise ValueError(
                f"PRISMA counts do not add up: identified {self.identified} - duplicates "
                f"{self.duplicates_removed} - not retrieved {self.not_retrieved} != screened "
                f"{self.screened}"
            )
        if self.included + self.excluded != self.screened:
            raise ValueError(
                f"PRISMA counts do not add up: included {self.included} + excluded "
                f"{self.excluded} != screened {self.screened}"
            )

    @property
    def excluded(self) -> int:
        return sum(self.excluded_by_reason.values())

    @property
    def not_retrieved(self) -> int:
        """Records identified but not retrieved or not processed (never screened)."""
        return sum(self.not_retrieved_by_reason.values())

    @property
    def sought(self) -> int:
        """Records sought for retrieval: identified minus duplicates."""
        return self.identified - self.duplicates_removed

    def reasons_by_count(self) -> list[tuple[str, int]]:
        """Exclusion reasons, most frequent first, ties by name (stable for diffs and reports)."""
        return _by_count(self.excluded_by_reason)

    def not_retrieved_reasons_by_count(self) -> list[tuple[str, int]]:
        """Why records were not retrieved or not processed, most frequent first, ties by name."""
        return _by_count(self.not_retrieved_by_reason)

    def to_json(self) -> dict[str, object]:
        """The counts under PRISMA 2020 box names (snake_case), ready for ``json.dumps``."""
        return {
            "prisma_version": "PRISMA 2020",
            "records_identified_from_databases": self.identified,
            "duplicate_records_removed": self.duplicates_removed,
            "records_sought_for_retrieval": self.sought,
            "records_not_retrieved": self.not_retrieved,
            "records_not_retrieved_reasons": dict(self.not_retrieved_reasons_by_count()),
            "records_screened": self.screened,
            "records_excluded": self.excluded,
            "records_excluded_reasons": dict(self.reasons_by_count()),
            "studies_included_in_review": self.included,
        }


def _by_count(reasons: dict[str, int]) -> list[tuple[str, int]]:
    return sorted(reasons.items(), key=lambda item: (-item[1], item[0]))


def prisma_counts(
    decisions: Iterable[tuple[str, bool, str]],
    *,
    identified: int,
    not_retrieved: Iterable[tuple[str, str]] = (),
) -> PrismaCounts:
    """Counts from one ``(pmid, included, reason)`` row per screened record, and one
    ``(pmid, reason)`` row per record identified but not retrieved or not processed.

    A PMID seen again among the decisions is a duplicate; its repeats must carry the same decision
    (and, when excluded, the same reason), otherwise the record is ambiguous and a ValueError
    names it. A PMID not retrieved is listed once and has no decision (a screened record was
    retrieved). ``identified`` (from the search log) must equal the number of rows of both: a
    record without a decision or a failure has not been accounted for, and a PRISMA count would
    silently miss it.
    """
    first_decision: dict[str, tuple[bool, str]] = {}
    rows = duplicates = 0
    for row_number, (raw_pmid, included, raw_reason) in enumerate(decisions, start=1):
        rows += 1
        pmid = str(raw_pmid).strip()
        if not pmid:
            raise ValueError(f"decision row {row_number} has an empty PMID")
        reason = "" if included else (raw_reason.strip() or NO_REASON)
        decision = (bool(included), reason)
        if pmid in first_decision:
            duplicates += 1
            if first_decision[pmid] != decision:
                raise ValueError(
                    f"PMID {pmid} has conflicting screening decisions {first_decision[pmid]} "
                    f"and {decision}; resolve it before counting"
                )
            continue
        first_decision[pmid] = decision
    lost: dict[str, int] = {}
    lost_pmids: set[str] = set()
    for raw_pmid, raw_reason in not_retrieved:
        pmid = str(raw_pmid).strip()
        if not pmid:
            raise ValueError("a record not retrieved has an empty PMID")
        if pmid in lost_pmids or pmid in first_decision:
            raise ValueError(
                f"PMID {pmid} is counted twice: listed again as not retrieved, or screened too"
            )
        lost_pmids.add(pmid)
        reason = raw_reason.strip() or NO_REASON
        lost[reason] = lost.get(reason, 0) + 1
    if identified != rows + len(lost_pmids):
        raise ValueError(
            f"identified ({identified}) must equal the number of decision rows ({rows}), "
            f"repeated PMIDs included, plus the records not retrieved ({len(lost_pmids)}); "
            "records without a decision have not been screened"
        )
    excluded: dict[str, int] = {}
    for included, reason in first_decision.values():
        if not included:
            excluded[reason] = excluded.get(reason, 0) + 1
    included_count = sum(1 for included, _ in first_decision.values() if included)
    return PrismaCounts(identified, duplicates, len(first_decision), excluded, included_count, lost)


# --- SVG ---------------------------------------------------------------------------------------
_FONT_SIZE = 13
_LINE_HEIGHT = 17
_PADDING = 10
_WRAP = 44  # characters per line inside a box
_LEFT_X, _LEFT_W = 60, 300
_RIGHT_X, _RIGHT_W = 420, 330
_ROW_GAP = 36
_MIN_ROW_HEIGHT = 100  # room for the rotated phase label ("Identification")
_WIDTH = _RIGHT_X + _RIGHT_W + 10


@dataclass(frozen=True, slots=True)
class _Box:
    box_id: str
    count: int
    lines: tuple[tuple[int, str], ...]  # (indent in px, text)

    @property
    def height(self) -> int:
        return 2 * _PADDING + _LINE_HEIGHT * len(self.lines)


def _wrapped(*paragraphs: str) -> tuple[tuple[int, str], ...]:
    return tuple((0, line) for p in paragraphs for line in textwrap.wrap(p, _WRAP) or [""])


def _counted(label: str, count: int, *, width: int = _WRAP) -> list[str]:
    """``label (n = k)`` wrapped to ``width``, never splitting the ``(n = k)``."""
    tally = f"(n = {count})"
    lines = textwrap.wrap(label, width) or [""]
    if len(lines[-1]) + 1 + len(tally) <= width:
        lines[-1] = f"{lines[-1]} {tally}".strip()
    else:
        lines.append(tally)
    return lines


def _counted_box(box_id: str, count: int, *head: str, label: str) -> _Box:
    return _Box(box_id, count, _wrapped(*head) + tuple((0, x) for x in _counted(label, count)))


def _reason_lines(reason: str, count: int) -> tuple[tuple[int, str], ...]:
    """A bulleted reason with a hanging indent."""
    lines = _counted(reason, count, width=_WRAP - 4)
    return ((12, f"\u2022 {lines[0]}"), *((24, line) for line in lines[1:]))


def _svg(tag: str, parent: ET.Element | None = None, **attrs: str) -> ET.Element:
    attributes = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
    if parent is None:
        return ET.Element(tag, attributes)
    return ET.SubElement(parent, tag, attributes)


def _draw_box(parent: ET.Element, box: _Box, x: int, y: int, width: int, height: int) -> None:
    group = _svg("g", parent, id=box.box_id, class_="prisma-box", data_count=str(box.count))
    _svg("rect", group, x=str(x), y=str(y), width=str(width), height=str(height),
         fill="#ffffff", stroke="#333333", stroke_width="1.2", rx="3")  # fmt: skip
    for i, (indent, line) in enumerate(box.lines):
        text = _svg("text", group, x=str(x + _PADDING + indent),
                    y=str(y + _PADDING + _LINE_HEIGHT * (i + 1) - 4))  # fmt: skip
        text.text = line


def _draw_phase(parent: ET.Element, label: str, y: int, height: int) -> None:
    group = _svg("g", parent, class_="prisma-phase")
    _svg("rect", group, x="10", y=str(y), width="30", height=str(height), fill="#cfe2f3",
         stroke="#333333", stroke_width="1", rx="3")  # fmt: skip
    cx, cy = 25, y + height // 2
    text = _svg("text", group, x=str(cx), y=str(cy), text_anchor="middle",
                dominant_baseline="central", font_weight="bold",
                transform=f"rotate(-90 {cx} {cy})")  # fmt: skip
    text.text = label


def _arrow(parent: ET.Element, x1: int, y1: int, x2: int, y2: int) -> None:
    _svg("line", parent, x1=str(x1), y1=str(y1), x2=str(x2), y2=str(y2), stroke="#333333",
         stroke_width="1.2", marker_end="url(#prisma-arrow)")  # fmt: skip


def _with_reasons(box: _Box, reasons: list[tuple[str, int]]) -> _Box:
    if not reasons:
        return box
    lines = box.lines + _wrapped("Reasons:")
    for reason, n in reasons:
        lines += _reason_lines(reason, n)
    return _Box(box.box_id, box.count, lines)


def render_prisma_svg(counts: PrismaCounts, *, source: str = "PubMed") -> str:
    """A PRISMA 2020 flow diagram as one ``<svg>`` element (no XML declaration, no external
    fonts, images or CSS), so it can be written to a ``.svg`` file or inlined in the HTML report.
    Each box is a ``<g>`` with a stable id (``prisma-identified``, ``prisma-duplicates``,
    ``prisma-sought``, ``prisma-not-retrieved``, ``prisma-screened``, ``prisma-excluded``,
    ``prisma-included``) and a ``data-count``. The retrieval row is always drawn, with n = 0 when
    nothing was lost, so a reader sees that nothing was."""
    excluded = _with_reasons(
        _counted_box("prisma-excluded", counts.excluded, label="Records excluded"),
        counts.reasons_by_count(),
    )
    not_retrieved = _with_reasons(
        _counted_box(
            "prisma-not-retrieved",
            counts.not_retrieved,
            label="Records not retrieved or not processed",
        ),
        counts.not_retrieved_reasons_by_count(),
    )
    rows: list[tuple[str, _Box, _Box | None]] = [
        (
            "Identification",
            _counted_box("prisma-identified", counts.identified,
                         label=f"Records identified from {source}"),
            _counted_box("prisma-duplicates", counts.duplicates_removed,
                         "Records removed before screening:", label="Duplicate records removed"),
        ),
        (
            "Screening",
            _counted_box("prisma-sought", counts.sought, label="Records sought for retrieval"),
            not_retrieved,
        ),
        (
            "Screening",
            _counted_box("prisma-screened", counts.screened, label="Records screened"),
            excluded,
        ),
        (
            "Included",
            _counted_box("prisma-included", counts.included, label="Studies included in review"),
            None,
        ),
    ]  # fmt: skip
    heights = [max(left.height, right.height if right else 0) for _, left, right in rows]
    # a phase spans its consecutive rows and needs room for its rotated label
    phases: list[tuple[str, list[int]]] = []
    for i, (phase, _, _) in enumerate(rows):
        if phases and phases[-1][0] == phase:
            phases[-1][1].append(i)
        else:
            phases.append((phase, [i]))
    for _, members in phases:
        span = sum(heights[i] for i in members) + _ROW_GAP * (len(members) - 1)
        if span < _MIN_ROW_HEIGHT:
            heights[members[-1]] += _MIN_ROW_HEIGHT - span
    total_height = 20 + sum(heights) + _ROW_GAP * (len(rows) - 1) + 10

    root = _svg("svg", None, xmlns=SVG_NS, width=str(_WIDTH), height=str(total_height),
                viewBox=f"0 0 {_WIDTH} {total_height}", role="img",
                font_family="Helvetica, Arial, sans-serif", font_size=str(_FONT_SIZE))  # fmt: skip
    _svg("title", root).text = "PRISMA 2020 flow diagram"
    marker = _svg("marker", _svg("defs", root), id="prisma-arrow", viewBox="0 0 10 10", refX="9",
                  refY="5", markerWidth="8", markerHeight="8", orient="auto")  # fmt: skip
    _svg("path", marker, d="M 0 0 L 10 5 L 0 10 z", fill="#333333")

    tops: list[int] = []
    y = 20
    for height in heights:
        tops.append(y)
        y += height + _ROW_GAP
    for phase, members in phases:
        top, last = tops[members[0]], members[-1]
        _draw_phase(root, phase, top, tops[last] + heights[last] - top)
    previous_bottom: int | None = None
    for (_, left, right), height, y in zip(rows, heights, tops, strict=True):
        _draw_box(root, left, _LEFT_X, y, _LEFT_W, height)
        centre_x = _LEFT_X + _LEFT_W // 2
        if previous_bottom is not None:
            _arrow(root, centre_x, previous_bottom, centre_x, y)
        if right is not None:
            _draw_box(root, right, _RIGHT_X, y, _RIGHT_W, height)
            arrow_y = y + height // 2
            _arrow(root, _LEFT_X + _LEFT_W, arrow_y, _RIGHT_X, arrow_y)
        previous_bottom = y + height
    return ET.tostring(root, encoding="unicode")
