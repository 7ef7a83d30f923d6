"""Per outcome: study effects, the pooled estimate and its sensitivity analyses.

The main analysis pools every usable study row of an outcome (``studies``) with the chosen
measure, τ² estimator and ri. An outcome with fewer than two such studies is not pooled, and
says so. Sensitivity analyses, each a separate pooled estimate:

- fixed effect (common effect, inverse variance);
- Hartung-Knapp adjustment of the main model (unless the main model already uses it);
- without estimated values (only studies whose means and SDs were reported, or derived exactly
  from an SE or CI): estimated SDs carry extra error that their variances do not show;
- ri = 0.3 and 0.7 instead of the assumed 0.5 (rows whose ri came from the paper keep it);
- leave-one-out, with three studies or more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from itb_evidence.meta.effects import (
    DEFAULT_RI,
    SENSITIVITY_RI,
    Correlation,
    Effect,
    Measure,
    effect_size,
    resolve_ri,
)
from itb_evidence.meta.pooling import Method, Pooled, leave_one_out, pool
from itb_evidence.meta.studies import StudyRow, orientation

MIN_STUDIES = 2


@dataclass(frozen=True, slots=True)
class StudyEffect:
    """One study row's effect (orientation applied), or why it has none or is not pooled."""

    row: StudyRow
    ri: Correlation | None
    effect: Effect | None
    reason: str

    @property
    def pooled(self) -> bool:
        return self.effect is not None and not self.reason


@dataclass(frozen=True, slots=True)
class Sensitivity:
    label: str
    pooled: Pooled | None
    note: str = ""


@dataclass(slots=True)
class OutcomeMeta:
    outcome: str
    measure: Measure
    method: Method
    hartung_knapp: bool
    ri: float
    orientation: str
    effects: list[StudyEffect]
    main: Pooled | None
    note: str
    sensitivity: list[Sensitivity] = field(default_factory=list)

    @property
    def pooled_effects(self) -> list[StudyEffect]:
        return [e for e in self.effects if e.pooled]


def study_effect(row: StudyRow, measure: Measure, ri: float, sign: int) -> StudyEffect:
    if row.reason or row.pre is None or row.post is None or row.n is None:
        return StudyEffect(row, None, None, row.reason or "not converted")
    pre, post = row.pre, row.post
    corr = resolve_ri(
        n=row.n,
        pre_mean=pre.mean,
        pre_sd=pre.sd,
        post_mean=post.mean,
        post_sd=post.sd,
        t=row.t,
        signed_p=row.signed_p,
        assumed=ri,
    )
    try:
        raw = effect_size(
            measure,
            pre_mean=pre.mean,
            pre_sd=pre.sd,
            post_mean=post.mean,
            post_sd=post.sd,
            n=row.n,
            ri=corr.ri,
        )
    except ValueError as exc:
        return StudyEffect(row, corr, None, f"{measure} undefined: {exc}")
    return StudyEffect(row, corr, Effect(sign * raw.yi, raw.vi), "")


def _pool(effects: Sequence[StudyEffect], method: Method, hk: bool) -> Pooled | None:
    usable = [e.effect for e in effects if e.pooled and e.effect is not None]
    if len(usable) < MIN_STUDIES:
        return None
    return pool([e.yi for e in usable], [e.vi for e in usable], method=method, hartung_knapp=hk)


def _few(k: int) -> str:
    return f"{k} stud{'y' if k == 1 else 'ies'} with usable numbers: not pooled (needs 2)"


def analyse_outcome(
    outcome: str,
    rows: Sequence[StudyRow],
    *,
    measure: Measure = "SMCR",
    method: Method = "REML",
    hartung_knapp: bool = False,
    ri: float = DEFAULT_RI,
) -> OutcomeMeta:
    sign, reading = orientation(outcome)
    effects = [study_effect(r, measure, ri, sign) for r in rows]
    pooled = [e for e in effects if e.pooled]
    main = _pool(effects, method, hartung_knapp)
    result = OutcomeMeta(
        outcome=outcome,
        measure=measure,
        method=method,
        hartung_knapp=hartung_knapp,
        ri=ri,
        orientation=reading,
        effects=effects,
        main=main,
        note=f"{len(pooled)} studies pooled" if main else _few(len(pooled)),
    )
    if main is None:
        return result
    sens = result.sensitivity
    sens.append(Sensitivity("fixed effect", _pool(effects, "FE", hartung_knapp)))
    if not hartung_knapp:
        sens.append(Sensitivity("Hartung-Knapp", _pool(effects, method, True)))
    reported = [e for e in pooled if not e.row.estimated]
    sens.append(
        Sensitivity(
            "without estimated values",
            _pool(reported, method, hartung_knapp),
            "" if len(reported) >= MIN_STUDIES else _few(len(reported)),
        )
    )
    for other in SENSITIVITY_RI:
        again = [study_effect(e.row, measure, other, sign) for e in pooled]
        sens.append(Sensitivity(f"ri = {other:g}", _pool(again, method, hartung_knapp)))
    if len(pooled) >= 3:
        effs = [e.effect for e in pooled if e.effect is not None]
        loo = leave_one_out(
            [e.yi for e in effs], [e.vi for e in effs], method=method, hartung_knapp=hartung_knapp
        )
        for left_out, p in zip(pooled, loo, strict=True):
            sens.append(Sensitivity(f"without {left_out.row.study} (PMID {left_out.row.pmid})", p))
    else:
        sens.append(Sensitivity("leave-one-out", None, "needs 3 studies or more"))
    return result


def analyse(
    rows: Sequence[StudyRow],
    *,
    outcome: str | None = None,
    measure: Measure = "SMCR",
    method: Method = "REML",
    hartung_knapp: bool = False,
    ri: float = DEFAULT_RI,
) -> list[OutcomeMeta]:
    """One ``OutcomeMeta`` per outcome (or only ``outcome``), most studies first."""
    by_outcome: dict[str, list[StudyRow]] = defaultdict(list)
    for r in rows:
        if outcome is None or r.outcome.casefold() == outcome.casefold():
            by_outcome[r.outcome].append(r)
    results = [
        analyse_outcome(
            name, rs, measure=measure, method=method, hartung_knapp=hartung_knapp, ri=ri
        )
        for name, rs in by_outcome.items()
    ]
    results.sort(key=lambda m: (-len(m.pooled_effects), m.outcome))
    return results


POOLED_COLUMNS = [
    "outcome",
    "analysis",
    "measure",
    "method",
    "test",
    "k",
    "estimate",
    "se",
    "ci_lo",
    "ci_hi",
    "p",
    "pi_lo",
    "pi_hi",
    "tau2",
    "i2",
    "q",
    "q_df",
    "q_p",
    "orientation",
    "note",
]


def _pooled_row(m: OutcomeMeta, label: str, p: Pooled | None, note: str) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(POOLED_COLUMNS)
    row.update(outcome=m.outcome, analysis=label, measure=m.measure, orientation=m.orientation)
    row["note"] = note
    if p is not None:
        row.update(
            method=p.method,
            test=p.test,
            k=p.k,
            estimate=p.estimate,
            se=p.se,
            ci_lo=p.ci_lo,
            ci_hi=p.ci_hi,
            p=p.p,
            pi_lo=p.pi_lo,
            pi_hi=p.pi_hi,
            tau2=p.tau2,
            i2=p.i2,
            q=p.q,
            q_df=p.q_df,
            q_p=p.q_p,
        )
    else:
        row.update(method=m.method, k=len(m.pooled_effects))
    return row


def pooled_table(results: Sequence[OutcomeMeta]) -> pd.DataFrame:
    """Main and sensitivity estimates, one row each (outcomes with < 2 studies: a note)."""
    rows = []
    for m in results:
        main_label = f"main (ri = {m.ri:g})"
        rows.append(_pooled_row(m, main_label, m.main, m.note))
        rows += [_pooled_row(m, s.label, s.pooled, s.note) for s in m.sensitivity]
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)


EFFECT_COLUMNS = [
    "outcome",
    "study",
    "pmid",
    "timepoint",
    "n",
    "pre_mean",
    "pre_sd",
    "post_mean",
    "post_sd",
    "methods",
    "estimated",
    "ri",
    "ri_source",
    "measure",
    "yi",
    "vi",
    "pooled",
    "reason",
    "source_text",
]


def effects_table(results: Sequence[OutcomeMeta]) -> pd.DataFrame:
    """Every study row of every outcome, with its effect or why it has none."""
    rows = []
    for m in results:
        for e in m.effects:
            r = e.row
            rows.append(
                {
                    "outcome": m.outcome,
                    "study": r.study,
                    "pmid": r.pmid,
                    "timepoint": r.timepoint,
                    "n": r.n,
                    "pre_mean": r.pre.mean if r.pre else None,
                    "pre_sd": r.pre.sd if r.pre else None,
                    "post_mean": r.post.mean if r.post else None,
                    "post_sd": r.post.sd if r.post else None,
                    "methods": r.methods,
                    "estimated": r.estimated,
                    "ri": e.ri.ri if e.ri else None,
                    "ri_source": (e.ri.source + (f" ({e.ri.note})" if e.ri.note else ""))
                    if e.ri
                    else None,
                    "measure": m.measure,
                    "yi": e.effect.yi if e.effect else None,
                    "vi": e.effect.vi if e.effect else None,
                    "pooled": e.pooled,
                    "reason": e.reason,
                    "source_text": r.source_text,
                }
            )
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def _interval(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else f"[{lo:.3g}, {hi:.3g}]"


def describe(label: str, p: Pooled | None, note: str = "") -> str:
    """One readable line: estimate, CI, PI, τ², I², Q."""
    if p is None:
        return f"{label}: {note or 'not pooled'}"
    pi = f", PI {_interval(p.pi_lo, p.pi_hi)}" if p.pi_lo is not None else ""
    return (
        f"{label}: k = {p.k}, {p.estimate:.3g} {_interval(p.ci_lo, p.ci_hi)} "
        f"({p.method}, {p.test}, p = {p.p:.3g}){pi}, τ² = {p.tau2:.3g}, I² = {p.i2:.0f}%, "
        f"Q = {p.q:.3g} (df {p.q_df}, p = {p.q_p:.3g})"
    )


def format_results(results: Sequence[OutcomeMeta]) -> str:
    """The readable summary ``itb-evidence meta`` prints and the demo writes."""
    lines: list[str] = []
    for m in results:
        lines.append(f"{m.outcome} ({m.measure}; {m.orientation})")
        lines.append("  " + describe(f"main (ri = {m.ri:g})", m.main, m.note))
        lines += ["    " + describe(s.label, s.pooled, s.note) for s in m.sensitivity]
        for e in m.effects:
            r = e.row
            if e.pooled and e.effect is not None and e.ri is not None:
                est = " (estimated mean/SD)" if r.estimated else ""
                lines.append(
                    f"  study {r.study} (PMID {r.pmid}): yi = {e.effect.yi:.3g}, "
                    f"vi = {e.effect.vi:.3g}, ri = {e.ri.ri:.3g} ({e.ri.source}){est}"
                )
            else:
                lines.append(f"  not pooled: {r.study} (PMID {r.pmid}): {e.reason}")
    return "\n".join(lines)
