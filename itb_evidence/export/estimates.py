"""Sample mean and SD from a reported median with range and/or IQR, for metafor-ready exports.

Small ITB series often report "median 3 (IQR 2-4)" or "median 2 (range 1-4)" instead of mean ± SD,
and a meta-analysis needs the latter. The estimators below are the ones ``metafor::conv.fivenum``
(``method = c("luo2016", "wan2014")``) and the R ``meta`` package use, so an exported value can be
reproduced in R. Every estimate says which formula produced it; reported values pass through.

Notation: n sample size, a minimum, q₁ first quartile, m median, q₃ third quartile, b maximum,
Φ⁻¹ the standard normal quantile function (``statistics.NormalDist().inv_cdf``). Scenarios follow
Wan et al.: C1 = {a, m, b, n}, C2 = {a, q₁, m, q₃, b, n}, C3 = {q₁, m, q₃, n}.

Standard deviation, Wan X, Wang W, Liu J, Tong T. BMC Med Res Methodol 2014;14:135
(doi:10.1186/1471-2288-14-135):
- C1: S ≈ (b − a) / ξ(n),                    ξ(n) = 2·Φ⁻¹((n − 0.375) / (n + 0.25))
- C3: S ≈ (q₃ − q₁) / η(n),                  η(n) = 2·Φ⁻¹((0.75·n − 0.125) / (n + 0.25))
- C2: S ≈ ½·[(b − a) / ξ(n) + (q₃ − q₁) / η(n)]   (``five_number_sd="wan2014"``)
With ``wan_constants="table"``, ξ(n) for n ≤ 50 and η(n) for n ≤ 201 come from Wan's Tables 1-2
instead (η looked up at Q = ⌈(n − 1)/4⌉, as R ``meta`` does); see ``wan2014_tables``.

Standard deviation from all five numbers (C2), the default of both ``metafor::conv.fivenum`` and
R ``meta::mean_sd_iqr_range``: Shi J, Luo D, Weng H, et al. Res Synth Methods 2020;11:641-654
(doi:10.1002/jrsm.1429), equation (10):
- C2: S ≈ w·(b − a) / ξ(n) + (1 − w)·(q₃ − q₁) / η(n),   w = 1 / (1 + 0.07·n^0.6)
with the closed-form ξ and η for every n (as both R packages do, tables or not).

Skewness (``skewness_test``), Shi J, Luo D, Wan X, et al. Stat Methods Med Res 2023;32(7):1338-1360
(doi:10.1177/09622802231172043), with the critical values ``metafor::conv.fivenum`` uses:
- C1: T = |a + b − 2m| / (b − a),   skewed when T ≥ 1/ln(n + 9) + 2.5/(n + 1)
- C3: T = |q₁ + q₃ − 2m| / (q₃ − q₁), skewed when T ≥ 2.65/√n − 6/n²
- C2: T = max(2.65·ln(0.6n)/√n · T_C1, T_C3), skewed when T ≥ 3/√n − 40/n³
A skewed summary makes every normal-theory conversion above doubtful: metafor then returns no
estimate; here the estimate is still computed and the test travels with it, so a caller can say
why a row is left out instead of dropping it silently.

Mean, Luo D, Wan X, Liu J, Tong T. Stat Methods Med Res 2018;27(6):1785-1805
(doi:10.1177/0962280216669183):
- C1: X̄ ≈ w·(a + b)/2 + (1 − w)·m,           w = 4 / (4 + n^0.75)
- C3: X̄ ≈ (0.7 + 0.39/n)·(q₁ + q₃)/2 + (0.3 − 0.39/n)·m
- C2: X̄ ≈ w₁·(a + b)/2 + w₂·(q₁ + q₃)/2 + (1 − w₁ − w₂)·m,
      w₁ = 2.2 / (2.2 + n^0.75), w₂ = 0.7 − 0.72 / n^0.55

Cross-checked against: metafor ``R/conv.fivenum.r`` (closed forms, all n), R ``meta``
``R/mean-sd-internal.R`` (Luo weights; Wan tables for small n) and the worked examples printed
in the ``metaBLUE`` manual (``Wan.std``/``Luo.mean`` with a=1, m=4, b=10, n=30).

All three estimators assume roughly normal data; they are no cure for skewed outcomes, which is
why each exported value carries its method and an ``estimated`` flag for the reviewer.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

from itb_evidence.export.wan2014_tables import ETA_TABLE, ETA_TABLE_MAX_N, XI_TABLE, XI_TABLE_MAX_N

WanConstants = Literal["formula", "table"]
FiveNumberSD = Literal["shi2020", "wan2014"]

_STANDARD_NORMAL = NormalDist()

REPORTED = "reported"


@dataclass(frozen=True, slots=True)
class MeanSDEstimate:
    """A mean and SD with where each came from.

    ``mean_method``: ``"reported"`` | ``"luo2018_c1"`` | ``"luo2018_c2"`` | ``"luo2018_c3"``.
    ``sd_method``: ``"reported"`` | ``"wan2014_c1"`` | ``"wan2014_c2"`` | ``"wan2014_c3"`` (with a
    ``"_table"`` suffix when a tabulated ξ/η was used) | ``"shi2020_c2"``. ``xi``/``eta`` are
    the divisors actually used (``None`` when not needed), so a reviewer can redo the arithmetic
    by hand.
    """

    mean: float
    sd: float
    mean_method: str
    sd_method: str
    xi: float | None = None
    eta: float | None = None
    mean_estimated: bool = field(init=False)
    sd_estimated: bool = field(init=False)
    estimated: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean_estimated", self.mean_method != REPORTED)
        object.__setattr__(self, "sd_estimated", self.sd_method != REPORTED)
        object.__setattr__(self, "estimated", self.mean_estimated or self.sd_estimated)


def _check_n(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise ValueError(f"sample size n must be an integer, got {n!r}")
    if n < 2:
        raise ValueError(f"sample size n must be at least 2 to estimate or use an SD, got {n}")


def wan_xi(n: int, *, constants: WanConstants = "formula") -> float:
    """ξ(n), the expected range of n standard normals (divisor of the range in Wan C1/C2)."""
    _check_n(n)
    if constants == "table" and n <= XI_TABLE_MAX_N:
        return XI_TABLE[n - 1]
    return 2.0 * _STANDARD_NORMAL.inv_cdf((n - 0.375) / (n + 0.25))


def wan_eta(n: int, *, constants: WanConstants = "formula") -> float:
    """η(n), the expected IQR of n standard normals (divisor of the IQR in Wan C3/C2)."""
    _check_n(n)
    if constants == "table" and n <= ETA_TABLE_MAX_N:
        return ETA_TABLE[math.ceil((n - 1) / 4) - 1]
    return 2.0 * _STANDARD_NORMAL.inv_cdf((0.75 * n - 0.125) / (n + 0.25))


def luo_mean_c1(*, n: int, minimum: float, median: float, maximum: float) -> float:
    weight = 4.0 / (4.0 + math.pow(n, 0.75))
    return weight * (minimum + maximum) / 2.0 + (1.0 - weight) * median


def luo_mean_c3(*, n: int, q1: float, median: float, q3: float) -> float:
    return (0.7 + 0.39 / n) * (q1 + q3) / 2.0 + (0.3 - 0.39 / n) * median


def luo_mean_c2(
    *, n: int, minimum: float, q1: float, median: float, q3: float, maximum: float
) -> float:
    w_range = 2.2 / (2.2 + math.pow(n, 0.75))
    w_iqr = 0.7 - 0.72 / math.pow(n, 0.55)
    return (
        w_range * (minimum + maximum) / 2.0
        + w_iqr * (q1 + q3) / 2.0
        + (1.0 - w_range - w_iqr) * median
    )


def shi_sd_c2(*, n: int, minimum: float, q1: float, q3: float, maximum: float) -> float:
    """Shi et al. 2020, eq. (10): the range and IQR estimates weighted by w = 1/(1 + 0.07·n^0.6)."""
    weight = 1.0 / (1.0 + 0.07 * math.pow(n, 0.6))
    return weight * (maximum - minimum) / wan_xi(n) + (1.0 - weight) * (q3 - q1) / wan_eta(n)


@dataclass(frozen=True, slots=True)
class SkewnessTest:
    """Shi et al. 2023's test of a median-based summary for skewness (see the module docstring).

    ``skewed`` is True when ``statistic >= critical``; the text says so with the numbers.
    """

    scenario: str  # "c1" | "c2" | "c3"
    statistic: float
    critical: float
    skewed: bool

    @property
    def text(self) -> str:
        verdict = "skewed" if self.skewed else "not skewed"
        sign = ">=" if self.skewed else "<"
        return (
            f"{verdict} (Shi 2023 {self.scenario.upper()}: T = {self.statistic:.3g} {sign} "
            f"critical {self.critical:.3g})"
        )


def skewness_test(
    *,
    n: int,
    median: float,
    q1: float | None = None,
    q3: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> SkewnessTest | None:
    """Shi 2023's skewness test for the summary given, or None when there is no range/IQR.

    A zero-width range or IQR (all values equal) has no defined statistic: it is reported as
    not skewed with T = 0, since a constant sample is symmetric.
    """
    _check_n(n)

    def ratio(lo: float, hi: float) -> float:
        return abs(lo + hi - 2.0 * median) / (hi - lo) if hi > lo else 0.0

    if minimum is not None and maximum is not None and q1 is not None and q3 is not None:
        stat = max(2.65 * math.log(0.6 * n) / math.sqrt(n) * ratio(minimum, maximum), ratio(q1, q3))
        crit, scenario = 3.0 / math.sqrt(n) - 40.0 / n**3, "c2"
    elif minimum is not None and maximum is not None:
        stat = ratio(minimum, maximum)
        crit, scenario = 1.0 / math.log(n + 9) + 2.5 / (n + 1), "c1"
    elif q1 is not None and q3 is not None:
        stat = ratio(q1, q3)
        crit, scenario = 2.65 / math.sqrt(n) - 6.0 / n**2, "c3"
    else:
        return None
    return SkewnessTest(scenario, stat, crit, stat >= crit)


def _check_inputs(values: dict[str, float | None]) -> None:
    for name, value in values.items():
        if value is not None and not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value!r}")
    for low, high in (("minimum", "maximum"), ("q1", "q3")):
        if (values[low] is None) != (values[high] is None):
            given, missing = (low, high) if values[low] is not None else (high, low)
            raise ValueError(f"{given} was given without {missing}; they are used as a pair")
    ordered = [(k, values[k]) for k in ("minimum", "q1", "median", "q3", "maximum")]
    present = [(k, v) for k, v in ordered if v is not None]
    for (name_a, a), (name_b, b) in itertools.pairwise(present):
        if a > b:
            raise ValueError(
                f"{name_a} ({a}) is greater than {name_b} ({b}); expected "
                "minimum <= q1 <= median <= q3 <= maximum"
            )
    sd, mean = values["sd"], values["mean"]
    if sd is not None and sd < 0:
        raise ValueError(f"reported sd must not be negative, got {sd}")
    lo, hi = values["minimum"], values["maximum"]
    if mean is not None and lo is not None and hi is not None and not lo <= mean <= hi:
        raise ValueError(f"reported mean {mean} lies outside the reported range [{lo}, {hi}]")


def estimate_mean_sd(
    *,
    n: int,
    median: float | None = None,
    q1: float | None = None,
    q3: float | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
    mean: float | None = None,
    sd: float | None = None,
    wan_constants: WanConstants = "formula",
    five_number_sd: FiveNumberSD = "shi2020",
) -> MeanSDEstimate:
    """Mean and SD for one group, estimating whichever was not reported.

    The scenario is picked from what is present: range and IQR → C2, range only → C1, IQR only →
    C3. With all five numbers the SD is Shi 2020's (the default of metafor and R ``meta``), or
    Wan 2014's average of the two with ``five_number_sd="wan2014"``. A reported mean or SD
    always wins over an estimate. The SD estimators need no median (a
    "mean 12, range 4-20" study gets a Wan C1 SD); the mean estimators do.

    Raises ValueError naming the problem when n < 2, a pair (minimum/maximum, q1/q3) is half
    given, the order minimum ≤ q1 ≤ median ≤ q3 ≤ maximum is broken, a reported mean lies outside
    the range, or there is nothing to estimate from.
    """
    _check_n(n)
    if wan_constants not in ("formula", "table"):
        raise ValueError(f"wan_constants must be 'formula' or 'table', got {wan_constants!r}")
    if five_number_sd not in ("shi2020", "wan2014"):
        raise ValueError(f"five_number_sd must be 'shi2020' or 'wan2014', got {five_number_sd!r}")
    _check_inputs(
        {
            "median": median,
            "q1": q1,
            "q3": q3,
            "minimum": minimum,
            "maximum": maximum,
            "mean": mean,
            "sd": sd,
        }
    )
    has_range = minimum is not None and maximum is not None
    has_iqr = q1 is not None and q3 is not None
    scenario = "c2" if has_range and has_iqr else "c1" if has_range else "c3" if has_iqr else ""
    if not scenario and (mean is None or sd is None):
        missing = " and ".join(k for k, v in (("mean", mean), ("SD", sd)) if v is None)
        raise ValueError(
            f"{missing} not reported and neither a range (minimum, maximum) nor an IQR "
            "(q1, q3) given to estimate from"
        )

    xi = eta = None
    if sd is not None:
        sd_value, sd_method = sd, REPORTED
    elif (
        five_number_sd == "shi2020"
        and minimum is not None
        and maximum is not None
        and q1 is not None
        and q3 is not None
    ):
        xi, eta = wan_xi(n), wan_eta(n)
        sd_value = shi_sd_c2(n=n, minimum=minimum, q1=q1, q3=q3, maximum=maximum)
        sd_method = "shi2020_c2"
    else:
        parts: list[float] = []
        table = False
        if minimum is not None and maximum is not None:
            xi = wan_xi(n, constants=wan_constants)
            parts.append((maximum - minimum) / xi)
            table = wan_constants == "table" and n <= XI_TABLE_MAX_N
        if q1 is not None and q3 is not None:
            eta = wan_eta(n, constants=wan_constants)
            parts.append((q3 - q1) / eta)
            table = table or (wan_constants == "table" and n <= ETA_TABLE_MAX_N)
        sd_value = sum(parts) / len(parts)
        sd_method = f"wan2014_{scenario}" + ("_table" if table else "")

    if mean is not None:
        mean_value, mean_method = mean, REPORTED
    elif median is None:
        raise ValueError("mean not reported and no median given to estimate it from")
    elif minimum is not None and maximum is not None and q1 is not None and q3 is not None:
        mean_value = luo_mean_c2(n=n, minimum=minimum, q1=q1, median=median, q3=q3, maximum=maximum)
        mean_method = "luo2018_c2"
    elif minimum is not None and maximum is not None:
        mean_value = luo_mean_c1(n=n, minimum=minimum, median=median, maximum=maximum)
        mean_method = "luo2018_c1"
    elif q1 is not None and q3 is not None:
        mean_value = luo_mean_c3(n=n, q1=q1, median=median, q3=q3)
        mean_method = "luo2018_c3"
    else:  # unreachable: the scenario check above already raised
        raise ValueError("mean not reported and no range or IQR given to estimate it from")
    return MeanSDEstimate(mean_value, sd_value, mean_method, sd_method, xi=xi, eta=eta)
