"""Abstract and full-text values side by side: one evidence row per study, outcome (and, where the
full text gives several, timepoint).

Why here and not in the store: the merge runs over the *curated* outcome rows whenever the tables
are exported or reported, so curator corrections always win and are never undone by a later
full-text run. The rules, in order:

- A full-text result is the pre value, post value(s) and p-value read together (one table row, or
  one sentence of a Results/Methods paragraph), for one outcome; per-patient rows are values, not
  results, and stay in ``fulltext_values`` only. A table row with several post timepoints gives one
  result per timepoint; its p-value is kept only when the row has a single post value (which
  comparison it tests is otherwise unknown).
- An abstract row is matched with the full-text result of its outcome whose timepoint fits (same
  number and unit, or either unstated); with several candidates, the only one whose values agree
  with the abstract's, else none (full-text results then get rows of their own). Never a guess.
- Matched slots (pre, pre spread, post, post spread, p, timepoint): an empty abstract slot is filled
  from the full text (source ``full text``); a slot both give is kept from the abstract and compared
  (``abstract = full text`` when they agree to the reported precision; ``sources_disagree`` with the
  reason when not: never overwritten); a slot a curator set is the curator's (``curator``), neither
  filled nor compared.
- The full-text values are also kept as they were read (``ft_*``), with their provenance.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from itb_evidence.curate import active_corrections, curated_tables
from itb_evidence.store.fulltext_evidence import VALUES, read_table
from itb_evidence.store.schema import Column
from itb_evidence.store.store import EvidenceStore

Row = dict[str, Any]
SLOTS = ("pre", "post")
_SPREAD = ("spread_type", "spread_lo", "spread_hi", "sd")
FULL_TEXT_ROW_KIND = "full_text"
NOT_COMPARED = "not compared: "  # a note that is not a disagreement

SOURCE_VALUES = "abstract | full text | abstract = full text | curator"
MERGE_COLUMNS: list[Column] = [
    Column("timepoint_source", "VARCHAR", True, f"where the timepoint came from: {SOURCE_VALUES}"),
    Column("pre_source", "VARCHAR", True, f"where the pre value came from: {SOURCE_VALUES}"),
    Column(
        "pre_spread_source", "VARCHAR", True, f"where the pre spread/SD came from: {SOURCE_VALUES}"
    ),
    Column("post_source", "VARCHAR", True, f"where the post value came from: {SOURCE_VALUES}"),
    Column(
        "post_spread_source",
        "VARCHAR",
        True,
        f"where the post spread/SD came from: {SOURCE_VALUES}",
    ),
    Column("p_source", "VARCHAR", True, f"where the p-value came from: {SOURCE_VALUES}"),
    Column(
        "sources_disagree",
        "BOOLEAN",
        False,
        "abstract and full text give different values for the row (kept from the abstract; review)",
    ),
    Column("disagreement", "VARCHAR", True, "what differs, e.g. 'post: abstract 1, full text 2'"),
    Column("ft_timepoint", "VARCHAR", True, "full text: timepoint of the post value as written"),
    *[
        Column(f"ft_{side}_{name}", sql, True, f"full text: {side} {what}")
        for side in SLOTS
        for name, sql, what in (
            ("stat", "VARCHAR", "statistic"),
            ("value", "DOUBLE", "value"),
            ("spread_type", "VARCHAR", "spread type (unspecified: a bracket nothing declares)"),
            ("spread_lo", "DOUBLE", "spread low end"),
            ("spread_hi", "DOUBLE", "spread high end"),
            ("sd", "DOUBLE", "SD (or SE)"),
        )
    ],
    Column("ft_p_comparator", "VARCHAR", True, "full text: p comparator (> with no value: NS)"),
    Column("ft_p_value", "DOUBLE", True, "full text: p-value"),
    Column(
        "ft_provenance",
        "VARCHAR",
        True,
        "full text: where each value was read, e.g. 'post: Table 1, row 2, column 4"
        " (MAS / Post (12 months)): “1 (1–1.25)”'",
    ),
    Column(
        "ft_locators",
        "VARCHAR",
        True,
        "full text: machine-readable addresses, 'table:ID:ROW:COL' or 'paragraph:INDEX:START:END'",
    ),
]
MERGE_COLUMN_NAMES = [c.name for c in MERGE_COLUMNS]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _decimals(x: float) -> int:
    text = f"{x:.10g}"
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def same_number(a: float, b: float) -> bool:
    """Equal to the precision the less precise of the two was reported with (3.2 and 3.25 agree
    at one decimal; 3 and 4 do not)."""
    places = min(_decimals(a), _decimals(b))
    return abs(a - b) <= 0.5 * 10.0**-places + 1e-9


def _p_interval(comparator: Any, value: Any) -> tuple[float, float]:
    if _missing(value):  # "NS" as printed
        return (0.05, 1.0)
    v = float(value)
    if comparator in ("<", "<="):
        return (0.0, v)
    if comparator in (">", ">="):
        return (v, 1.0)
    slack = 0.5 * 10.0 ** -_decimals(v)
    return (v - slack, v + slack)


def p_agree(a: tuple[Any, Any], b: tuple[Any, Any]) -> bool:
    """Two reported p-values are consistent when the intervals they state overlap."""
    lo1, hi1 = _p_interval(*a)
    lo2, hi2 = _p_interval(*b)
    return lo1 <= hi2 + 1e-12 and lo2 <= hi1 + 1e-12


_TIME = re.compile(r"(\d+(?:\.\d+)?)\s*(year|yr|month|mo|week|wk|day|d\b|h\b|hour)", re.I)
_UNIT = {"yr": "year", "mo": "month", "wk": "week", "d": "day", "h": "hour"}


def _time_key(text: Any) -> tuple[float, str] | None:
    if _missing(text):
        return None
    m = _TIME.search(str(text))
    if m is None:
        return None
    unit = m.group(2).lower()
    return float(m.group(1)), _UNIT.get(unit, unit)


def timepoints_fit(a: Any, b: Any) -> bool:
    """Unstated on either side, or the same number and unit ("12 months", "Post (12 months)");
    two stated timepoints without a number must read the same."""
    if _missing(a) or _missing(b):
        return True
    ka, kb = _time_key(a), _time_key(b)
    if ka is None or kb is None:
        return str(a).strip().casefold() == str(b).strip().casefold()
    return ka == kb


@dataclass(slots=True)
class FullTextResult:
    """Pre, post and p read together from the full text, for one outcome and timepoint."""

    outcome: str
    timepoint: str | None
    pre: Row | None = None
    post: Row | None = None
    p: Row | None = None
    order: tuple[int, int] = (0, 0)
    notes: list[str] = field(default_factory=list)

    def values(self) -> Iterable[tuple[str, Row]]:
        for name in ("pre", "post", "p"):
            row = getattr(self, name)
            if row is not None:
                yield name, row


def full_text_results(values: pd.DataFrame) -> dict[str, list[FullTextResult]]:
    """Per PMID, the full-text results (tables first, then paragraphs, in reading order)."""
    out: dict[str, list[FullTextResult]] = defaultdict(list)
    if values.empty:
        return out
    rows: list[Row] = [
        {str(k): v for k, v in r.items()}
        for r in values.astype(object).where(values.notna(), None).to_dict("records")
    ]
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for r in rows:
        if r["outcome"] is None or r["subject"] is not None or r["group_key"] is None:
            continue
        if r["role"] in ("pre", "post", "p_value"):
            groups[(str(r["pmid"]), str(r["group_key"]), str(r["outcome"]))].append(r)
    for (pmid, _key, outcome), members in groups.items():
        pre = next((m for m in members if m["role"] == "pre"), None)
        posts = [m for m in members if m["role"] == "post"]
        p = next((m for m in members if m["role"] == "p_value"), None)
        first = members[0]
        order = (0 if first["source"] == "table" else 1, len(out[pmid]))
        if not posts:
            if p is not None:
                out[pmid].append(FullTextResult(outcome, None, pre, None, p, order))
            continue
        for post in posts:
            result = FullTextResult(
                outcome, post["timepoint"], pre, post, p if len(posts) == 1 else None, order
            )
            if p is not None and len(posts) > 1:
                result.notes.append(f"{NOT_COMPARED}p-value of a row with several timepoints")
            out[pmid].append(result)
    for results in out.values():
        results.sort(key=lambda r: r.order)
    return out


def _where(row: Row) -> str:
    if row["source"] == "table":
        name = row["table_label"] or row["table_id"]
        headers = " / ".join(h for h in (row["row_header"], row["column_header"]) if h)
        return (
            f"{name}, row {row['table_row']}, column {row['table_col']}"
            + (f" ({headers})" if headers else "")
            + f": “{row['cell_text']}”"
        )
    section = row["section"] or "body"
    return (
        f"{section}, paragraph {row['paragraph_index']}, characters "
        f"{row['span_start']}-{row['span_end']}: “{row['source_text']}”"
    )


def _locator(row: Row) -> str:
    if row["source"] == "table":
        return f"table:{row['table_id']}:{row['table_row']}:{row['table_col']}"
    return f"paragraph:{row['paragraph_index']}:{row['span_start']}:{row['span_end']}"


def _ft_columns(result: FullTextResult | None) -> Row:
    cols: Row = dict.fromkeys(MERGE_COLUMN_NAMES)
    cols["sources_disagree"] = False
    if result is None:
        return cols
    cols["ft_timepoint"] = result.timepoint
    for side in SLOTS:
        row = getattr(result, side)
        if row is None:
            continue
        cols[f"ft_{side}_stat"] = row["stat"]
        cols[f"ft_{side}_value"] = row["value"]
        for name in _SPREAD:
            cols[f"ft_{side}_{name}"] = row[name]
    if result.p is not None:
        cols["ft_p_comparator"] = result.p["p_comparator"]
        cols["ft_p_value"] = result.p["p_value"]
    seen: list[str] = []
    parts: list[str] = []
    for name, row in result.values():
        parts.append(f"{name}: {_where(row)}")
        if _locator(row) not in seen:
            seen.append(_locator(row))
    cols["ft_provenance"] = " | ".join(parts) or None
    cols["ft_locators"] = "; ".join(seen) or None
    return cols


def _has_spread(row: Row, side: str) -> bool:
    return any(not _missing(row.get(f"{side}_{n}")) for n in ("spread_lo", "spread_hi", "sd"))


def _spreads_agree(row: Row, side: str, ft: Row) -> bool:
    for name in ("spread_lo", "spread_hi", "sd"):
        a, b = row.get(f"{side}_{name}"), ft[name]
        if _missing(a) != _missing(b):
            return False
        if a is not None and not _missing(a) and not same_number(float(a), float(b)):
            return False
    return True


def _stats_differ(a: Any, b: Any) -> bool:
    known = {"median", "mean"}
    return a in known and b in known and a != b


def _merge_side(row: Row, side: str, ft: Row | None, curated: set[str], notes: list[str]) -> None:
    value_source, spread_source = f"{side}_source", f"{side}_spread_source"
    has_value = not _missing(row.get(f"{side}_value"))
    row[value_source] = "abstract" if has_value else None
    row[spread_source] = "abstract" if _has_spread(row, side) else None
    if f"{side}_value" in curated:
        row[value_source] = "curator"
    if any(f"{side}_{n}" in curated for n in _SPREAD):
        row[spread_source] = "curator"
    if ft is None or _missing(ft["value"]):
        return
    if row[value_source] == "curator":
        return
    if not has_value:
        row[f"{side}_stat"] = ft["stat"]
        row[f"{side}_value"] = ft["value"]
        row[value_source] = "full text"
    elif _stats_differ(row.get(f"{side}_stat"), ft["stat"]):
        notes.append(
            f"{NOT_COMPARED}{side}: abstract gives a {row[f'{side}_stat']},"
            f" full text a {ft['stat']}"
        )
        return
    elif same_number(float(row[f"{side}_value"]), float(ft["value"])):
        row[value_source] = "abstract = full text"
    else:
        notes.append(f"{side}: abstract {row[f'{side}_value']:g}, full text {ft['value']:g}")
        return
    if row[spread_source] == "curator":
        return
    ft_has_spread = any(not _missing(ft[n]) for n in ("spread_lo", "spread_hi", "sd"))
    if not ft_has_spread:
        return
    if row[spread_source] is None:
        for name in _SPREAD:
            row[f"{side}_{name}"] = ft[name]
        row[spread_source] = "full text"
    elif _spreads_agree(row, side, ft):
        row[spread_source] = "abstract = full text"
    else:
        notes.append(
            f"{side} spread: abstract and full text differ"
            f" (“{ft.get('cell_text') or ft.get('source_text')}”)"
        )


def _merge_p(row: Row, ft: Row | None, curated: set[str], notes: list[str]) -> None:
    has_p = not _missing(row.get("p_value")) or not _missing(row.get("p_comparator"))
    row["p_source"] = "abstract" if has_p else None
    if "p_value" in curated or "p_comparator" in curated:
        row["p_source"] = "curator"
        return
    if ft is None or (_missing(ft["p_value"]) and _missing(ft["p_comparator"])):
        return
    text = ft.get("cell_text") or ft.get("source_text")
    if not has_p:
        row["p_comparator"] = ft["p_comparator"]
        row["p_value"] = ft["p_value"]
        row["p_text"] = text
        row["p_source"] = "full text"
    elif p_agree(
        (row.get("p_comparator"), row.get("p_value")), (ft["p_comparator"], ft["p_value"])
    ):
        row["p_source"] = "abstract = full text"
    else:
        notes.append(f"p: abstract “{row.get('p_text') or row.get('p_value')}”, full text “{text}”")


def _merge_row(row: Row, result: FullTextResult | None, curated: set[str]) -> Row:
    merged = {**row, **_ft_columns(result)}
    notes: list[str] = []
    merged["timepoint_source"] = "abstract" if not _missing(row.get("timepoint")) else None
    if "timepoint" in curated:
        merged["timepoint_source"] = "curator"
    elif result is not None and result.timepoint and merged["timepoint_source"] is None:
        merged["timepoint"] = result.timepoint
        merged["timepoint_source"] = "full text"
    for side in SLOTS:
        _merge_side(merged, side, getattr(result, side) if result else None, curated, notes)
    _merge_p(merged, result.p if result else None, curated, notes)
    if result is not None:
        notes.extend(result.notes)
    disagreements = [n for n in notes if not n.startswith(NOT_COMPARED)]
    merged["sources_disagree"] = bool(disagreements)
    merged["disagreement"] = "; ".join(notes) or None
    pre, post = merged.get("pre_value"), merged.get("post_value")
    if _missing(merged.get("direction")) and pre is not None and post is not None:
        merged["direction"] = (
            "decrease" if post < pre else "increase" if post > pre else "no change"
        )
    return merged


def _agrees(row: Row, result: FullTextResult) -> bool:
    """Every value both give agrees (and at least one is compared)."""
    compared = 0
    for side in SLOTS:
        ft = getattr(result, side)
        a = row.get(f"{side}_value")
        if ft is None or a is None or _missing(a) or _missing(ft["value"]):
            continue
        compared += 1
        if not same_number(float(a), float(ft["value"])):
            return False
    if result.p is not None and not _missing(row.get("p_value")):
        compared += 1
        if not p_agree(
            (row.get("p_comparator"), row.get("p_value")),
            (result.p["p_comparator"], result.p["p_value"]),
        ):
            return False
    return compared > 0


def _match(row: Row, candidates: list[FullTextResult]) -> FullTextResult | None:
    fitting = [c for c in candidates if timepoints_fit(row.get("timepoint"), c.timepoint)]
    if len(fitting) == 1:
        return fitting[0]
    agreeing = [c for c in fitting if _agrees(row, c)]
    return agreeing[0] if len(agreeing) == 1 else None


def _full_text_row(pmid: str, result: FullTextResult, columns: list[str]) -> Row:
    row: Row = dict.fromkeys(columns)
    row.update(pmid=pmid, outcome=result.outcome, row_kind=FULL_TEXT_ROW_KIND)
    if "curation" in row:
        row.update(curation="", needs_review=False, rejected=False)
    return _merge_row(row, result, set())


def merge_outcomes(
    outcomes: pd.DataFrame,
    values: pd.DataFrame,
    *,
    curated_fields: set[tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """The curated ``outcomes`` with the full-text values merged in (columns ``MERGE_COLUMNS``
    appended) and a row per full-text result no abstract row took."""
    curated_fields = curated_fields or set()
    columns = list(outcomes.columns)
    results = full_text_results(values)
    rows: list[Row] = [
        {str(k): v for k, v in r.items()}
        for r in outcomes.astype(object).where(outcomes.notna(), None).to_dict("records")
    ]
    out: list[Row] = []
    used: set[int] = set()
    for row in rows:
        pmid, outcome = str(row["pmid"]), row.get("outcome")
        candidates = [
            r
            for r in results.get(pmid, [])
            if outcome is not None and r.outcome == outcome and id(r) not in used
        ]
        match = _match(row, candidates) if candidates else None
        if match is not None:
            used.add(id(match))
        curated = {f for p, o, f in curated_fields if p == pmid and o == outcome}
        out.append(_merge_row(row, match, curated))
    for pmid, found in results.items():
        kept: dict[tuple[str, Any], Row] = {}
        for result in found:
            if id(result) in used:
                continue
            key = (result.outcome, _time_key(result.timepoint) or result.timepoint)
            if key in kept:
                first = kept[key]
                if not _agrees(first, result):
                    where = _ft_columns(result)["ft_provenance"]
                    note = f"full text gives this outcome twice: {where}"
                    first["sources_disagree"] = True
                    first["disagreement"] = "; ".join(n for n in (first["disagreement"], note) if n)
                continue
            kept[key] = _full_text_row(pmid, result, columns)
            out.append(kept[key])
    merged = pd.DataFrame(out, columns=[*columns, *MERGE_COLUMN_NAMES])
    merged["sources_disagree"] = merged["sources_disagree"].fillna(False).astype(bool)
    return merged.sort_values(["pmid"], kind="stable").reset_index(drop=True)


def curated_fields(corrections: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(PMID, outcome, field) of every active ``set`` correction on an outcome row."""
    if corrections.empty:
        return set()
    sets = corrections[(corrections["target"] == "outcome") & (corrections["action"] == "set")]
    return {
        (str(p), str(o), str(f))
        for p, o, f in zip(sets["pmid"], sets["outcome"], sets["field"], strict=True)
        if isinstance(f, str)
    }


def merged_tables(store: EvidenceStore) -> dict[str, pd.DataFrame]:
    """``curate.curated_tables`` with the outcomes merged with the stored full-text values."""
    tables = curated_tables(store)
    tables["outcomes"] = merge_outcomes(
        tables["outcomes"],
        read_table(store, VALUES),
        curated_fields=curated_fields(active_corrections(store)),
    )
    return tables
