"""What the review report shows, read from the store: one typed view per study, plus plot data.

Rows are read as plain Python values (NULL -> None, never pandas' NaN) and turned into views
(``report_views``, which also defines low confidence), highlighted abstracts (``report_spans``)
and SVG (``report_plots``).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pandas as pd
from markupsafe import Markup

from itb_evidence.curate import curated_tables
from itb_evidence.export.failures import FailedRecord, unresolved_failures
from itb_evidence.meta.analysis import OutcomeMeta, analyse, describe
from itb_evidence.meta.studies import study_rows
from itb_evidence.report.plots import (
    DosePoint,
    ForestRow,
    ForestSummary,
    SlopeEnd,
    SlopeLine,
    dose_dot_plot,
    forest_plot,
    slope_panel,
)
from itb_evidence.report.spans import HighlightSpan, highlight
from itb_evidence.report.views import (
    DAILY_UNITS_TO_UG,
    MENTION_KINDS,
    ROW_KIND_MENTION,
    STUDY_LEVEL_KINDS,
    Flag,
    MentionView,
    OutcomeView,
    Row,
    mention_view,
    num,
    outcome_view,
    publication_flags,
    short_label,
    stat_text,
)
from itb_evidence.store.store import EvidenceStore


@dataclass(slots=True)
class StudyView:
    pmid: str
    citation: str
    short_label: str
    title: str
    year: int | None
    design: str
    sample_size: int | None
    dose_summary: str
    dose_ug_day: float | None
    included: bool
    reason: str
    publication_flags: list[Flag]
    low_flags: list[Flag] = field(default_factory=list)
    outcomes: list[OutcomeView] = field(default_factory=list)
    mentions: list[MentionView] = field(default_factory=list)
    title_html: Markup = field(default_factory=Markup)
    abstract_html: Markup = field(default_factory=Markup)
    has_record: bool = False
    unplaced: list[MentionView] = field(default_factory=list)
    slope_svg: Markup = field(default_factory=Markup)
    kind_counts: dict[str, int] = field(default_factory=dict)
    curation: str = ""  # curator corrections applied to this study, "" when none
    needs_review: bool = False  # a correction's anchored text changed in a revised record


@dataclass(frozen=True, slots=True)
class ForestView:
    """One outcome of the meta-analysis section: a forest plot, or why there is none."""

    outcome: str
    svg: Markup  # empty when fewer than two studies could be pooled
    summary: str  # the pooled estimate, or the sentence saying why it was not pooled
    sensitivity: list[str]
    not_pooled: list[str]  # "study (PMID): reason" for every row left out


@dataclass(slots=True)
class ReportModel:
    included: list[StudyView]
    excluded: list[StudyView]
    run: Row | None
    dose_svg: Markup
    dose_not_plotted: list[str]
    outcome_panels: list[Markup]
    failed: list[FailedRecord] = field(default_factory=list)  # not retrieved or not processed
    forests: list[ForestView] = field(default_factory=list)  # one per outcome with results

    @property
    def low_flag_count(self) -> int:
        return sum(len(s.low_flags) for s in self.included)


def _rows(store: EvidenceStore, sql: str) -> list[Row]:
    """Rows as dicts of plain Python values (NULL -> None), without pandas' NaN."""
    cur = store.con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _frame_rows(df: pd.DataFrame) -> list[Row]:
    """DataFrame rows as dicts of plain Python values (NaN/NA -> None, numpy scalars unboxed)."""
    rows: list[Row] = []
    for record in df.astype(object).where(df.notna(), None).to_dict("records"):
        rows.append({str(k): (v.item() if hasattr(v, "item") else v) for k, v in record.items()})
    return rows


def _slope_end(row: Row, side: str) -> SlopeEnd:
    value = float(row[f"{side}_value"])
    spread, lo, hi, sd = (
        row[f"{side}_{k}"] for k in ("spread_type", "spread_lo", "spread_hi", "sd")
    )
    if lo is not None and hi is not None:
        return SlopeEnd(value, float(lo), float(hi))
    if spread in ("sd", "se") and sd is not None:
        return SlopeEnd(value, value - float(sd), value + float(sd))
    return SlopeEnd(value, None, None)


def _highlight_field(text: str, mentions: list[MentionView]) -> Markup:
    spans = [
        HighlightSpan(
            mention_id=m.mention_id,
            start=m.start or 0,
            end=m.end or 0,
            kind=m.kind,
            tooltip=m.tooltip,
            attrs={
                "rule": m.rule_id,
                "label": m.label,
                "value": m.value,
                "low": " ".join(f.code for f in m.flags),
            },
            css_class="low-confidence" if m.flags else "",
        )
        for m in mentions
    ]
    return highlight(text, spans, kind_order=MENTION_KINDS)


def _design_flag(s: Row) -> Flag | None:
    """The design rated ``low`` (e.g. guessed from the sample size alone, no cue stating it)."""
    if s.get("design_confidence") != "low":
        return None
    return Flag("low_tier", f"design “{s['design']}”: low confidence", "low")


def _study_view(s: Row, record: Row | None, outcomes: list[Row], mentions: list[Row]) -> StudyView:
    unit = s["itb_dose_unit"]
    factor = DAILY_UNITS_TO_UG.get(unit or "")
    view = StudyView(
        pmid=s["pmid"],
        citation=s["citation"],
        short_label=short_label(s["citation"], s["year"], s["pmid"]),
        title=s["title"],
        year=s["year"],
        design=s["design"],
        sample_size=s["sample_size"],
        dose_summary=s["itb_dose_summary"] or "",
        dose_ug_day=(
            s["itb_dose_value"] * factor if factor and s["itb_dose_value"] is not None else None
        ),
        included=bool(s["included"]),
        reason=s["inclusion_reason"],
        publication_flags=publication_flags(s),
        has_record=record is not None,
        curation="; ".join(
            note
            for note in [s.get("curation") or ""] + [o.get("curation") or "" for o in outcomes]
            if note
        ),
        needs_review=bool(s.get("needs_review"))
        or any(bool(o.get("needs_review")) for o in outcomes),
    )
    texts: dict[str, str | None] = {
        "title": record["title"] if record else None,
        "abstract": record["abstract"] if record else None,
    }
    view.outcomes = [outcome_view(o) for o in outcomes]
    view.mentions = [mention_view(m, i, texts) for i, m in enumerate(mentions)]
    by_span = {(m.source_field, m.start, m.end, m.kind): m for m in view.mentions}
    for o_row, o_view in zip(outcomes, view.outcomes, strict=True):
        key = (
            o_row["source_field"] or "abstract",
            o_row["span_start"],
            o_row["span_end"],
            ROW_KIND_MENTION.get(o_row["row_kind"], ""),
        )
        mention = by_span.get(key)
        if mention is None:
            continue
        mention.flags.extend(f for f in o_view.flags if f not in mention.flags)
        if mention.kind == "result" and o_view.pre and o_view.post:
            p = f", {o_view.p}" if o_view.p else ""
            test = f", {o_view.test}" if o_view.test else ""
            mention.tooltip = (
                f"result: {o_view.outcome or 'no outcome'}: {o_view.pre} → {o_view.post}{p}{test}"
                f" · rule {mention.rule_id or '?'}"
            )
    view.low_flags = (
        [f for o in view.outcomes for f in o.flags]
        + [
            f
            for m in view.mentions
            for f in m.flags
            if f.code in ("p_unlinked", "span_mismatch")
            or (m.kind in STUDY_LEVEL_KINDS and f.code in ("low_tier", "low_link"))
        ]
        + ([design_flag] if (design_flag := _design_flag(s)) else [])
    )
    placed = [m for m in view.mentions if not any(f.code == "span_mismatch" for f in m.flags)]
    view.unplaced = [m for m in view.mentions if m not in placed]
    for fld in ("title", "abstract"):
        text = texts[fld]
        if text is not None:
            html = _highlight_field(text, [m for m in placed if m.source_field == fld])
            setattr(view, f"{fld}_html", html)
    view.kind_counts = dict(Counter(m.kind for m in view.mentions))
    retracted = bool(s["retracted"])
    lines = _slope_lines(outcomes, view.short_label, retracted=retracted)
    panels = [slope_panel(name, ls) for name, ls in lines.items()]
    view.slope_svg = Markup("".join(panels))
    return view


def _slope_lines(
    outcomes: list[Row], label: str, *, retracted: bool = False
) -> dict[str, list[SlopeLine]]:
    lines: dict[str, list[SlopeLine]] = defaultdict(list)
    for o in outcomes:
        if o["row_kind"] != "result" or o["pre_value"] is None or o["post_value"] is None:
            continue
        name = o["outcome"] or "(unlinked result)"
        p = f", p {o['p_comparator']} {num(o['p_value'])}" if o["p_value"] is not None else ""
        note = " (RETRACTED)" if retracted else ""
        tooltip = (
            f"{label}, PMID {o['pmid']}{note}: {name}: {stat_text(o, 'pre')} → "
            f"{stat_text(o, 'post')}{p}"
        )
        lines[name].append(
            SlopeLine(
                label,
                _slope_end(o, "pre"),
                _slope_end(o, "post"),
                o["direction"],
                tooltip,
                retracted,
            )
        )
    return lines


def _dose_points(studies: list[StudyView], rows: dict[str, Row]) -> tuple[str, list[str]]:
    points, skipped = [], []
    for st in studies:
        s = rows[st.pmid]
        factor = DAILY_UNITS_TO_UG.get(s["itb_dose_unit"] or "")
        if factor is None:
            if s["itb_dose_text"]:
                skipped.append(f"{st.short_label}: “{s['itb_dose_text']}” (not a daily dose)")
            continue

        def ug(v: float | None, f: float = factor) -> float | None:
            return None if v is None else v * f

        value, lo, hi = (
            ug(s["itb_dose_value"]),
            ug(s["itb_dose_range_lo"]),
            ug(s["itb_dose_range_hi"]),
        )
        if value is None and (lo is None or hi is None):
            continue
        points.append(
            DosePoint(
                st.short_label,
                value,
                ug(s["itb_dose_sd"]),
                lo,
                hi,
                f"{st.short_label} (PMID {st.pmid}{', RETRACTED' if s['retracted'] else ''}): "
                f"{s['itb_dose_text'] or st.dose_summary}",
                bool(s["retracted"]),
            )
        )
    points.sort(key=lambda p: p.value if p.value is not None else ((p.lo or 0) + (p.hi or 0)) / 2)
    return dose_dot_plot(points), skipped


def _forest_view(m: OutcomeMeta) -> ForestView:
    """The forest plot of one outcome (main model), with source spans in each row's tooltip."""
    not_pooled = [
        f"{e.row.study} (PMID {e.row.pmid}): {e.reason}" for e in m.effects if not e.pooled
    ]
    summary = describe(f"{m.measure}, {m.orientation}", m.main, m.note)
    if m.main is None:
        return ForestView(m.outcome, Markup(), summary, [], not_pooled)
    pooled = [e for e in m.pooled_effects if e.effect is not None and e.ri is not None]
    weights = [1.0 / (e.effect.vi + m.main.tau2) for e in pooled if e.effect is not None]
    total = sum(weights)
    rows = []
    for e, w in zip(pooled, weights, strict=True):
        assert e.effect is not None and e.ri is not None
        half = 1.959963984540054 * e.effect.vi**0.5
        r = e.row
        estimated = " · mean/SD estimated: " + r.methods if r.estimated else ""
        rows.append(
            ForestRow(
                label=f"{r.study} (PMID {r.pmid})",
                yi=e.effect.yi,
                lo=e.effect.yi - half,
                hi=e.effect.yi + half,
                weight=w / total,
                tooltip=(
                    f"{r.study}, PMID {r.pmid}: {m.measure} {e.effect.yi:.3g} "
                    f"[{e.effect.yi - half:.3g}, {e.effect.yi + half:.3g}], n = {r.n}, "
                    f"ri = {e.ri.ri:.3g} ({e.ri.source}){estimated} · “{r.source_text}”"
                ),
                href=f"#study-{r.pmid}",
                estimated=r.estimated,
            )
        )
    p = m.main
    svg = forest_plot(
        m.outcome,
        rows,
        ForestSummary(
            f"{p.method} (k = {p.k})",
            p.estimate,
            p.ci_lo,
            p.ci_hi,
            p.pi_lo,
            p.pi_hi,
            describe("pooled", p),
        ),
        axis_label=f"{m.measure} ({m.orientation})",
    )
    sens = [describe(s.label, s.pooled, s.note) for s in m.sensitivity]
    return ForestView(m.outcome, Markup(svg), summary, sens, not_pooled)


def forest_views(studies: pd.DataFrame, outcomes: pd.DataFrame) -> list[ForestView]:
    """The meta-analysis section: every outcome with a pre→post result of an included study."""
    return [_forest_view(m) for m in analyse(study_rows(studies, outcomes))]


def load_report_model(store: EvidenceStore) -> ReportModel:
    """Everything the template needs, in reviewer order (year, then PMID)."""
    tables = curated_tables(store)  # curator corrections win over machine values here too
    studies = sorted(
        _frame_rows(tables["studies"]),
        key=lambda r: (r["year"] is None, r["year"] or 0, r["pmid"]),
    )
    records = {r["pmid"]: r for r in _rows(store, "SELECT pmid, title, abstract FROM records")}
    outcomes: dict[str, list[Row]] = defaultdict(list)
    all_outcome_rows = _frame_rows(tables["outcomes"])
    outcome_rows = [o for o in all_outcome_rows if not o.get("rejected")]
    outcome_rows.sort(
        key=lambda r: (r["pmid"], r["span_start"] is None, r["span_start"] or 0, r["outcome"] or "")
    )
    for o in outcome_rows:
        outcomes[o["pmid"]].append(o)
    mentions: dict[str, list[Row]] = defaultdict(list)
    for m in _rows(store, "SELECT * FROM mentions ORDER BY pmid, span_start, span_end, kind"):
        mentions[m["pmid"]].append(m)
    views = [
        _study_view(s, records.get(s["pmid"]), outcomes[s["pmid"]], mentions[s["pmid"]])
        for s in studies
    ]
    for view in views:  # outcome corrections (rejected rows too) belong to their study's notes
        rows = [o for o in all_outcome_rows if o["pmid"] == view.pmid and o.get("curation")]
        view.curation = "; ".join([n for n in [view.curation] if n] + [o["curation"] for o in rows])
        view.needs_review = view.needs_review or any(o.get("needs_review") for o in rows)
    included = [v for v in views if v.included]
    by_pmid = {s["pmid"]: s for s in studies}
    dose_svg, skipped = _dose_points(included, by_pmid)
    overview: dict[str, list[SlopeLine]] = defaultdict(list)
    for st in included:
        retracted = bool(by_pmid[st.pmid]["retracted"])
        for name, ls in _slope_lines(
            outcomes[st.pmid], st.short_label, retracted=retracted
        ).items():
            overview[name].extend(ls)
    panels = [
        Markup(slope_panel(name, ls))
        for name, ls in sorted(overview.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    runs = _rows(store, "SELECT * FROM runs ORDER BY run_id DESC LIMIT 1")
    run = runs[0] if runs else None
    if run is not None:
        run = {
            k: (json.loads(v) if k.endswith("_pmids") and isinstance(v, str) else v)
            for k, v in run.items()
        }
    return ReportModel(
        included=included,
        excluded=[v for v in views if not v.included],
        run=run,
        dose_svg=Markup(dose_svg),
        dose_not_plotted=skipped,
        outcome_panels=panels,
        failed=unresolved_failures(store),
        forests=forest_views(tables["studies"], tables["outcomes"]),
    )
