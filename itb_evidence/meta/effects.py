"""Pre→post effect sizes exactly as ``metafor::escalc`` defines them, and the pre-post correlation.

Names and formulas follow escalc (metafor 3.8-4.x), with m1 = post, m2 = pre, sd1 = pre SD,
sd2 = post SD, so ``escalc(measure, m1i=post_mean, m2i=pre_mean, sd1i=pre_sd, sd2i=post_sd,
ni=ni, ri=ri)`` gives the same numbers (the metafor export carries those columns):

- ``MC``, raw mean change: y = m1 − m2, v = (sd1² + sd2² − 2·r·sd1·sd2) / n
- ``SMCC``, change-score standardised: y = c(n−1)·(m1 − m2) / sd_d,
  sd_d² = sd1² + sd2² − 2·r·sd1·sd2, v = 1/n + y² / (2n)
- ``SMCR``, raw-score (pre SD) standardised (Becker 1988): y = c(n−1)·(m1 − m2) / sd1,
  v = 2(1 − r)/n + y² / (2n)

with c(m) = Γ(m/2) / (√(m/2)·Γ((m−1)/2)), the small-sample correction (escalc's ``.cmicalc``).

The correlation r between pre and post is almost never reported. It is taken, in this order,
from a paired t statistic with n − 1 degrees of freedom (sd_d = |m1 − m2|·√n / |t|, then
r = (sd1² + sd2² − sd_d²) / (2·sd1·sd2)), from a signed p-value of such a test (t from the t
quantile, as metafor ≥ 4 does with ``pi``), or else assumed (``DEFAULT_RI`` = 0.5, with
``SENSITIVITY_RI`` = 0.3 and 0.7 re-run by the analysis). A computed r outside [−1, 1] (rounded
inputs) is not used; the assumed value is, and the row says so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from scipy.stats import t as student_t

Measure = Literal["MC", "SMCC", "SMCR"]
MEASURES: tuple[Measure, ...] = ("MC", "SMCC", "SMCR")
DEFAULT_RI = 0.5
SENSITIVITY_RI = (0.3, 0.7)

PAIRED_T = re.compile(r"^\s*t\s*\(\s*(?P<df>\d+)\s*\)\s*=\s*(?P<t>[-−]?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True, slots=True)
class Effect:
    yi: float
    vi: float


@dataclass(frozen=True, slots=True)
class Correlation:
    """The ri used and where it came from: "paired t", "signed p" or "assumed"."""

    ri: float
    source: str
    note: str = ""


def small_sample_correction(m: int) -> float:
    """c(m) of escalc (Hedges' correction with m degrees of freedom); m = n − 1 here."""
    if m <= 1:
        raise ValueError(f"the small-sample correction needs m > 1 degrees of freedom, got {m}")
    return math.exp(math.lgamma(m / 2) - math.log(math.sqrt(m / 2)) - math.lgamma((m - 1) / 2))


def effect_size(
    measure: Measure,
    *,
    pre_mean: float,
    pre_sd: float,
    post_mean: float,
    post_sd: float,
    n: int,
    ri: float,
) -> Effect:
    """``measure`` for one pre→post comparison (post − pre); ValueError when undefined."""
    if not -1.0 <= ri <= 1.0:
        raise ValueError(f"ri must lie in [-1, 1], got {ri}")
    if pre_sd < 0 or post_sd < 0:
        raise ValueError("an SD is negative")
    diff = post_mean - pre_mean
    var_diff = pre_sd**2 + post_sd**2 - 2.0 * ri * pre_sd * post_sd
    if measure == "MC":
        vi = var_diff / n
        if vi <= 0:
            raise ValueError("the change score has no variance (SDs of 0, or r = 1 with equal SDs)")
        return Effect(diff, vi)
    cm = small_sample_correction(n - 1)
    if measure == "SMCC":
        if var_diff <= 0:
            raise ValueError("the change score has no variance: SMCC is undefined")
        yi = cm * diff / math.sqrt(var_diff)
        return Effect(yi, 1.0 / n + yi**2 / (2.0 * n))
    if measure == "SMCR":
        if pre_sd == 0:
            raise ValueError("the pre SD is 0: SMCR is undefined")
        yi = cm * diff / pre_sd
        return Effect(yi, 2.0 * (1.0 - ri) / n + yi**2 / (2.0 * n))
    raise ValueError(f"unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")


def ri_from_t(
    t: float, *, n: int, pre_mean: float, pre_sd: float, post_mean: float, post_sd: float
) -> float:
    """Pre-post correlation implied by a paired t statistic (df = n − 1)."""
    if t == 0 or pre_sd <= 0 or post_sd <= 0:
        raise ValueError("ri cannot be recovered from t = 0 or an SD of 0")
    sd_diff_sq = (post_mean - pre_mean) ** 2 * n / t**2
    return (pre_sd**2 + post_sd**2 - sd_diff_sq) / (2.0 * pre_sd * post_sd)


def t_from_signed_p(p: float, n: int) -> float:
    """The paired t statistic (df = n − 1) whose two-sided p is |p|, with p's sign."""
    if not 0 < abs(p) <= 1:
        raise ValueError(f"a signed p-value must satisfy 0 < |p| <= 1, got {p}")
    return math.copysign(float(student_t.isf(abs(p) / 2.0, n - 1)), p)


def paired_t(test_statistic: str | None, n: int) -> float | None:
    """The t value of a reported "t(df) = x" when df = n − 1 (a paired test of n patients)."""
    match = PAIRED_T.match(test_statistic or "")
    if match is None or int(match["df"]) != n - 1:
        return None
    return float(match["t"].replace("−", "-"))


def resolve_ri(
    *,
    n: int,
    pre_mean: float,
    pre_sd: float,
    post_mean: float,
    post_sd: float,
    t: float | None = None,
    signed_p: float | None = None,
    assumed: float = DEFAULT_RI,
) -> Correlation:
    """The correlation to use, by the order of the module docstring."""
    for source, stat in (
        ("paired t", t),
        ("signed p", None if signed_p is None else t_from_signed_p(signed_p, n)),
    ):
        if stat is None:
            continue
        try:
            ri = ri_from_t(
                stat,
                n=n,
                pre_mean=pre_mean,
                pre_sd=pre_sd,
                post_mean=post_mean,
                post_sd=post_sd,
            )
        except ValueError as exc:
            return Correlation(assumed, "assumed", f"{source} not usable: {exc}")
        if -1.0 <= ri <= 1.0:
            return Correlation(ri, source)
        return Correlation(
            assumed, "assumed", f"{source} implies ri = {ri:.3g}, outside [-1, 1] (rounding)"
        )
    return Correlation(assumed, "assumed")
