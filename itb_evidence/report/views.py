"""Per-row views of the report and the report's definition of low confidence.

Low confidence, defined simply so a reviewer can predict it (each flag names the text it is about,
and the span in the abstract gets a dashed red outline):

- ``p_unlinked``: a p-value the extractor could not tie to an outcome;
- ``p_without_number``: a p-value reported without a number ("NS");
- ``result_unlinked``: a pre->post result with no outcome name;
- ``outcome_no_result``: an outcome that is only named (no pre->post result, no p-value);
- ``test_inconsistent``: a test statistic whose recomputed p disagrees with the reported p;
- ``low_tier``: a value the extractor itself rates ``low`` (its ``confidence``, from explicit
  evidence: ``extractors.confidence``), e.g. a free-text measure named once, a bare number as sample
  size, a design guessed from the sample size alone;
- ``low_link``: a link (p-value or result -> outcome, dose -> drug) rated ``low`` (its
  ``link_confidence``), e.g. an outcome named in another sentence;
- ``span_mismatch``: a mention whose stored text is no longer at its span in the stored record
  (the record was revised after extraction, or the provenance is wrong): it cannot be highlighted
  and is listed instead, never placed at a guessed position.

Publication flags (retraction, erratum, expression of concern) come from PubMed links on the
studies row and are shown as badges, apart from extraction confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MENTION_KINDS = (  # outer first
    "result",
    "dose",
    "outcome_measure",
    "p_value",
    "sample_size",
    "follow_up",
)
KIND_LABELS = {
    "outcome_measure": "outcome measure",
    "dose": "dose",
    "p_value": "p-value",
    "result": "pre→post result",
    "sample_size": "sample size",
    "follow_up": "follow-up",
}
# Mention kinds with no outcomes row: their tier flags come from the mention itself.
STUDY_LEVEL_KINDS = ("dose", "sample_size")
ROW_KIND_MENTION = {"result": "result", "p_value": "p_value", "measured": "outcome_measure"}
DAILY_UNITS_TO_UG = {"ug/day": 1.0, "mg/day": 1000.0}

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    message: str
    level: str  # "publication" (retraction/erratum/concern) | "low" (low-confidence extraction)


@dataclass(slots=True)
class OutcomeView:
    outcome: str
    row_kind: str
    pre: str
    post: str
    p: str
    test: str
    direction: str
    source_text: str
    flags: list[Flag] = field(default_factory=list)


@dataclass(slots=True)
class MentionView:
    mention_id: str
    kind: str
    label: str
    value: str
    rule_id: str
    source_field: str
    start: int | None
    end: int | None
    source_text: str
    tooltip: str
    flags: list[Flag] = field(default_factory=list)


def num(v: float | None) -> str:
    return "" if v is None else f"{v:g}"


def stat_text(row: Row, side: str) -> str:
    """'median 3 (IQR 3-3.25)' from an outcomes row's pre_*/post_* columns."""
    value = row[f"{side}_value"]
    if value is None:
        return ""
    stat = row[f"{side}_stat"] or ""
    text = f"{stat} {num(value)}".strip()
    spread, lo, hi, sd = (
        row[f"{side}_{k}"] for k in ("spread_type", "spread_lo", "spread_hi", "sd")
    )
    if spread and lo is not None and hi is not None:
        text += f" ({spread.upper()} {num(lo)}–{num(hi)})"
    elif spread and sd is not None:
        text += f" ({spread.upper()} {num(sd)})"
    return text


def short_label(citation: str, year: int | None, pmid: str) -> str:
    """'Doe J et al. 2020' from the Vancouver citation ('Doe J, Roe R. Title...')."""
    authors = citation.split(". ", 1)[0].strip() if ". " in citation else ""
    if not authors:
        return f"PMID {pmid}"
    first = authors.split(", ")[0]
    more = " et al." if ", " in authors else ""
    return f"{first}{more} {year}" if year else f"{first}{more}"


def publication_flags(s: Row) -> list[Flag]:
    flags = []
    if s["retracted"]:
        flags.append(
            Flag("retracted", "Retracted (PubMed links a retraction notice)", "publication")
        )
    if s["expression_of_concern"]:
        flags.append(Flag("concern", "Expression of concern linked in PubMed", "publication"))
    if s["erratum"]:
        flags.append(Flag("erratum", "Erratum published (PubMed ErratumIn)", "publication"))
    return flags


def tier_flags(row: Row, what: str) -> list[Flag]:
    """``low_tier``/``low_link`` for a row (outcomes or mentions) whose tiers are ``low``; a row
    without tiers (written before they existed) gets none: unknown is not shown as low."""
    flags = []
    if row.get("confidence") == "low":
        flags.append(Flag("low_tier", f"{what}: low confidence", "low"))
    if row.get("link_confidence") == "low":
        flags.append(Flag("low_link", f"{what}: link of low confidence", "low"))
    return flags


def mention_tooltip(m: Row) -> str:
    kind, label, value = m["kind"], m["label"] or "", m["value"]
    if kind == "p_value" and label.endswith(" None"):  # reported as "NS", without a number
        label = label[: -len(" None")] + " (no number)"
    if kind == "p_value":
        text = f"p-value: {label} · outcome: {value or 'not linked'}"
    elif kind == "result":
        text = f"result: {label or 'no outcome'}: {value or ''}"
    elif kind == "sample_size":
        text = f"sample size: n = {value}"
    else:
        text = f"{KIND_LABELS.get(kind, kind)}: {label}"
    tiers = f" · confidence {m['confidence']}" if m.get("confidence") else ""
    if m.get("link_confidence"):
        tiers += f", link {m['link_confidence']}"
    return f"{text} · rule {m['rule_id'] or '?'}{tiers}"


def outcome_view(o: Row) -> OutcomeView:
    p = ""
    if o["p_comparator"] is not None or o["p_text"] is not None:
        p = (
            f"p {o['p_comparator'] or ''} {num(o['p_value'])}".strip()
            if o["p_value"] is not None
            else (o["p_text"] or "")
        )
    view = OutcomeView(
        outcome=o["outcome"] or "",
        row_kind=o["row_kind"],
        pre=stat_text(o, "pre"),
        post=stat_text(o, "post"),
        p=p,
        test=o["test_statistic"] or "",
        direction=o["direction"] or "",
        source_text=o["source_text"] or "",
    )
    where = f"“{o['source_text']}”" if o["source_text"] else "(no span)"
    if o["row_kind"] == "result" and not o["outcome"]:
        view.flags.append(
            Flag("result_unlinked", f"pre→post result with no outcome: {where}", "low")
        )
    if o["row_kind"] == "measured":
        view.flags.append(
            Flag("outcome_no_result", f"{o['outcome']}: named, but no result or p-value", "low")
        )
    if o["test_consistent"] is False:
        view.flags.append(
            Flag(
                "test_inconsistent",
                f"{o['outcome'] or 'unlinked result'}: {o['test_statistic']} does not give the "
                f"reported {view.p or 'p'}",
                "low",
            )
        )
    if o["p_text"] is not None and o["p_value"] is None:
        view.flags.append(Flag("p_without_number", f"p-value without a number: {where}", "low"))
    view.flags.extend(tier_flags(o, f"{o['outcome'] or 'unlinked'} ({o['row_kind']}) {where}"))
    return view


def mention_view(m: Row, index: int, texts: dict[str, str | None]) -> MentionView:
    view = MentionView(
        mention_id=f"m{m['pmid']}-{index}",
        kind=m["kind"],
        label=m["label"] or "",
        value=m["value"] or "",
        rule_id=m["rule_id"] or "",
        source_field=m["source_field"] or "abstract",
        start=m["span_start"],
        end=m["span_end"],
        source_text=m["source_text"] or "",
        tooltip=mention_tooltip(m),
    )
    if view.kind == "p_value" and not view.value:
        view.flags.append(
            Flag("p_unlinked", f"p-value not linked to an outcome: “{view.source_text}”", "low")
        )
    if view.kind in STUDY_LEVEL_KINDS:  # the other kinds get theirs from their outcomes row
        view.flags.extend(
            tier_flags(m, f"{KIND_LABELS.get(view.kind, view.kind)} “{view.source_text}”")
        )
    text = texts.get(view.source_field)
    s, e = view.start, view.end
    placed = (
        text is not None
        and s is not None
        and e is not None
        and 0 <= s < e <= len(text)
        and text[s:e] == view.source_text
    )
    if not placed:
        view.flags.append(
            Flag(
                "span_mismatch",
                f"{KIND_LABELS.get(view.kind, view.kind)} “{view.source_text}” is not at "
                f"{view.source_field} [{s}, {e}) of the stored record",
                "low",
            )
        )
    return view
