"""One side of a pre→post result as a mean and SD, with how each was obtained.

A meta-analysis of mean changes needs mean and SD per occasion; abstracts give them in five
shapes, each handled by one rule (the method names travel into every output):

- mean ± SD: reported as is;
- mean ± SE: SD = SE·√n (``se_to_sd``);
- mean (95% CI lo-hi): SD = √n·(hi − lo) / (2·t₀.₉₇₅,ₙ₋₁) (``ci95_to_sd``; the t quantile because
  a CI of a mean from n patients is a t interval; Cochrane Handbook 6.5.2.2);
- median (or a mean without SD) with IQR, range or both: Luo 2018 mean, Wan 2014 / Shi 2020 SD
  (``export.estimates``), with Shi 2023's skewness test attached: a skewed summary is not
  pooled, and says why.

Like ``metafor::conv.fivenum``, no estimate is made from a median summary of fewer than five
patients. Anything else (percentages, a bare value, a CI around a median) is not converted, and
the reason is returned instead of a number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import t as student_t

from itb_evidence.export.estimates import (
    REPORTED,
    SkewnessTest,
    WanConstants,
    estimate_mean_sd,
    skewness_test,
)

MIN_N_FOR_MEDIAN_CONVERSION = 5  # metafor::conv.fivenum leaves n < 5 out


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """What a paper reports for one group at one occasion (any subset of the fields)."""

    n: int
    mean: float | None = None
    sd: float | None = None
    se: float | None = None
    ci_lo: float | None = None
    ci_hi: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class MeanSD:
    """A mean and SD and where each came from; ``skew`` is set for median-based estimates."""

    mean: float
    sd: float
    mean_method: str
    sd_method: str
    skew: SkewnessTest | None = None

    @property
    def estimated(self) -> bool:
        """True unless both values were reported as they are (an SE or CI turned into an SD is
        a transformation, not an estimate: it is exact for a t-based interval)."""
        return self.mean_method != REPORTED or self.sd_method not in (
            REPORTED,
            "se_to_sd",
            "ci95_to_sd",
        )

    @property
    def method(self) -> str:
        return f"mean {self.mean_method}, SD {self.sd_method}"


@dataclass(frozen=True, slots=True)
class Conversion:
    """Either a mean/SD or the reason there is none."""

    value: MeanSD | None
    reason: str = ""


def sd_from_se(se: float, n: int) -> float:
    return se * math.sqrt(n)


def sd_from_ci95(lo: float, hi: float, n: int) -> float:
    """SD of a sample of n from the 95% t interval of its mean."""
    return math.sqrt(n) * (hi - lo) / (2.0 * float(student_t.ppf(0.975, n - 1)))


def to_mean_sd(g: GroupSummary, *, wan_constants: WanConstants = "formula") -> Conversion:
    """Mean and SD for ``g``, by the first rule of the module docstring that applies."""
    if g.n < 2:
        return Conversion(None, f"n = {g.n}: an SD needs at least 2 patients")
    if g.mean is not None:
        if g.sd is not None:
            return Conversion(MeanSD(g.mean, g.sd, REPORTED, REPORTED))
        if g.se is not None:
            return Conversion(MeanSD(g.mean, sd_from_se(g.se, g.n), REPORTED, "se_to_sd"))
        if g.ci_lo is not None and g.ci_hi is not None:
            if not g.ci_lo <= g.mean <= g.ci_hi:
                return Conversion(None, f"mean {g.mean:g} outside its CI {g.ci_lo:g}-{g.ci_hi:g}")
            sd = sd_from_ci95(g.ci_lo, g.ci_hi, g.n)
            return Conversion(MeanSD(g.mean, sd, REPORTED, "ci95_to_sd"))
    has_spread = (g.q1 is not None and g.q3 is not None) or (
        g.minimum is not None and g.maximum is not None
    )
    if (g.median is None and g.mean is None) or not has_spread:
        return Conversion(None, "no mean with SD/SE/CI and no median with IQR or range")
    if g.n < MIN_N_FOR_MEDIAN_CONVERSION:
        return Conversion(None, f"n = {g.n}: no SD is estimated from quantiles below n = 5")
    try:
        est = estimate_mean_sd(
            n=g.n,
            mean=g.mean,
            median=g.median,
            q1=g.q1,
            q3=g.q3,
            minimum=g.minimum,
            maximum=g.maximum,
            wan_constants=wan_constants,
        )
    except ValueError as exc:
        return Conversion(None, str(exc))
    skew = (
        None
        if g.median is None
        else skewness_test(
            n=g.n, median=g.median, q1=g.q1, q3=g.q3, minimum=g.minimum, maximum=g.maximum
        )
    )
    return Conversion(MeanSD(est.mean, est.sd, est.mean_method, est.sd_method, skew))
