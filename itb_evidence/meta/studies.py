"""The study rows of each outcome, read from the curated tables (corrections applied).

One row per included study × outcome: a pre→post result whose both sides convert to a mean and
SD (``conversions``) for the study's n. Every other result row of an included study is kept too,
with the reason it is not pooled, so a reviewer sees what was left out and why:

- a curator rejected it (``rejected``), or the study is retracted;
- no n, no outcome name, or a side that does not convert (percentages, a bare value, ...);
- a skewed median summary (Shi 2023; see ``export.estimates``);
- a second row of the same study and outcome (another timepoint): one row per study is pooled,
  the first in the abstract, so that no patient counts twice.

Which way is better for each outcome is data (``outcome_directions.yaml``): the effect is
post − pre, turned round where lower is better so that a positive effect is an improvement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from itb_evidence.export.estimates import WanConstants
from itb_evidence.meta.conversions import Conversion, GroupSummary, MeanSD, to_mean_sd
from itb_evidence.meta.effects import paired_t

HIGHER, LOWER = "higher", "lower"


@cache
def outcome_directions() -> dict[str, str]:
    """Canonical outcome name -> "lower" | "higher" (which way is better)."""
    text = resources.files("itb_evidence.meta").joinpath("outcome_directions.yaml").read_text()
    data = yaml.safe_load(text) or {}
    bad = {k: v for k, v in data.items() if v not in (HIGHER, LOWER)}
    if bad:
        raise ValueError(f"outcome_directions.yaml: values must be higher or lower, got {bad}")
    return {str(k): str(v) for k, v in data.items()}


def orientation(outcome: str) -> tuple[int, str]:
    """(sign applied to post − pre, how to read the effect) for ``outcome``."""
    better = outcome_directions().get(outcome)
    if better == LOWER:
        return -1, "positive = improvement (lower is better; effect is pre − post)"
    if better == HIGHER:
        return 1, "positive = improvement (higher is better; effect is post − pre)"
    return 1, "post − pre (direction not harmonised: not in outcome_directions.yaml)"


@dataclass(frozen=True, slots=True)
class StudyRow:
    """One result row of an included study, converted; ``reason`` says why it is not pooled."""

    study: str
    pmid: str
    outcome: str
    timepoint: str | None
    n: int | None
    pre: MeanSD | None
    post: MeanSD | None
    t: float | None  # a paired t(n - 1) the paper reports
    signed_p: float | None  # exact p of that paired test, signed as post - pre
    p_text: str
    source_text: str
    source_field: str
    span_start: int | None
    span_end: int | None
    reason: str = ""

    @property
    def estimated(self) -> bool:
        return any(side is not None and side.estimated for side in (self.pre, self.post))

    @property
    def methods(self) -> str:
        if self.pre is None or self.post is None:
            return ""
        return f"pre: {self.pre.method}; post: {self.post.method}"


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _summary(row: pd.Series, side: str, n: int) -> GroupSummary | str:
    stat, value = row[f"{side}_stat"], _num(row[f"{side}_value"])
    spread = row[f"{side}_spread_type"]
    lo, hi, sd = (_num(row[f"{side}_{k}"]) for k in ("spread_lo", "spread_hi", "sd"))
    if value is None:
        return f"{side}: no value"
    if stat == "mean":
        return GroupSummary(
            n=n,
            mean=value,
            sd=sd if spread == "sd" else None,
            se=sd if spread == "se" else None,
            ci_lo=lo if spread == "ci95" else None,
            ci_hi=hi if spread == "ci95" else None,
            q1=lo if spread == "iqr" else None,
            q3=hi if spread == "iqr" else None,
            minimum=lo if spread == "range" else None,
            maximum=hi if spread == "range" else None,
        )
    if stat == "median" and spread in ("iqr", "range"):
        quartiles = spread == "iqr"
        return GroupSummary(
            n=n,
            median=value,
            q1=lo if quartiles else None,
            q3=hi if quartiles else None,
            minimum=None if quartiles else lo,
            maximum=None if quartiles else hi,
        )
    return (
        f"{side}: {stat or 'value'} {value:g}"
        + (f" ({spread})" if spread else "")
        + (" is not a mean or a median with IQR/range")
    )


def _convert(row: pd.Series, side: str, n: int, wan: WanConstants) -> Conversion:
    summary = _summary(row, side, n)
    if isinstance(summary, str):
        return Conversion(None, summary)
    converted = to_mean_sd(summary, wan_constants=wan)
    return converted if converted.value else Conversion(None, f"{side}: {converted.reason}")


def study_label(citation: str, year: Any, pmid: str) -> str:
    """'Pucks-Faes E 2019' from the Vancouver citation (first author, year)."""
    first = str(citation or "").split(",")[0].split(".")[0].strip()
    year_text = "" if _num(year) is None else f" {int(float(year))}"
    return f"{first}{year_text}" if first else f"PMID {pmid}"


def study_rows(
    studies: pd.DataFrame, outcomes: pd.DataFrame, *, wan_constants: WanConstants = "formula"
) -> list[StudyRow]:
    """Every pre→post result row of an included study, converted or with its reason."""
    included = studies[studies["included"].astype(bool)].set_index("pmid")
    ordered = outcomes.assign(
        _start=outcomes["span_start"].fillna(-1) if "span_start" in outcomes else -1
    ).sort_values(["pmid", "_start"], kind="stable")
    rows: list[StudyRow] = []
    seen: set[tuple[str, str]] = set()
    for _, row in ordered.iterrows():
        if row["row_kind"] != "result" or row["pmid"] not in included.index:
            continue
        if _text(row["outcome"]) is None:
            continue  # an unlinked result has no outcome to be pooled under
        study = included.loc[row["pmid"]]
        n_value = _num(study["sample_size"])
        n = None if n_value is None else int(n_value)
        reasons: list[str] = []
        if bool(row.get("rejected", False)):
            reasons.append("rejected by a curator")
        if bool(study.get("retracted", False)):
            reasons.append("study retracted")
        pre = post = None
        if n is None:
            reasons.append("no sample size")
        else:
            pre_c, post_c = (_convert(row, side, n, wan_constants) for side in ("pre", "post"))
            pre, post = pre_c.value, post_c.value
            reasons += [c.reason for c in (pre_c, post_c) if c.reason]
            for name, side in (("pre", pre), ("post", post)):
                if side is not None and side.skew is not None and side.skew.skewed:
                    reasons.append(f"{name} {side.skew.text}")
        key = (str(row["pmid"]), str(row["outcome"]))
        if not reasons and key in seen:
            reasons.append("another row of this study for this outcome is pooled (one per study)")
        t = paired_t(_text(row.get("test_statistic")), n) if n is not None else None
        p = _num(row.get("p_value"))
        signed_p = None
        if t is not None and p is not None and row.get("p_comparator") == "=" and pre and post:
            signed_p = math.copysign(p, post.mean - pre.mean) if p > 0 else None
        rows.append(
            StudyRow(
                study=study_label(study["citation"], study.get("year"), str(row["pmid"])),
                pmid=str(row["pmid"]),
                outcome=str(row["outcome"]),
                timepoint=_text(row.get("timepoint")),
                n=n,
                pre=pre,
                post=post,
                t=t,
                signed_p=signed_p,
                p_text=_text(row.get("p_text")) or "",
                source_text=_text(row.get("source_text")) or "",
                source_field=_text(row.get("source_field")) or "abstract",
                span_start=None if _num(row.get("span_start")) is None else int(row["span_start"]),
                span_end=None if _num(row.get("span_end")) is None else int(row["span_end"]),
                reason="; ".join(reasons),
            )
        )
        if not reasons:
            seen.add(key)
    return rows
