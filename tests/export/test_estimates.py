"""Wan 2014 / Luo 2018 mean and SD estimates: published formulas, worked numbers, edge cases.

Reference values are recomputed here from the formulas as printed in the papers (written out
again, not imported), plus hard numbers from outside this code base: the ``metaBLUE`` manual's
worked example and Wan 2014 Tables 1-2, which are re-derived by integrating normal order
statistics so that neither the tables nor the formulas are trusted blindly.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from itb_evidence.export.estimates import (
    MeanSDEstimate,
    estimate_mean_sd,
    skewness_test,
    wan_eta,
    wan_xi,
)
from itb_evidence.export.wan2014_tables import ETA_TABLE, XI_TABLE

PHI_INV = NormalDist().inv_cdf


# --- formulas exactly as printed (Wan 2014 eqs for S; Luo 2018 for the mean) -------------------
def ref_sd_c1(a: float, b: float, n: int) -> float:
    return (b - a) / (2 * PHI_INV((n - 0.375) / (n + 0.25)))


def ref_sd_c3(q1: float, q3: float, n: int) -> float:
    return (q3 - q1) / (2 * PHI_INV((0.75 * n - 0.125) / (n + 0.25)))


def ref_sd_c2(a: float, q1: float, q3: float, b: float, n: int) -> float:
    return 0.5 * (ref_sd_c1(a, b, n) + ref_sd_c3(q1, q3, n))


def ref_mean_c1(a: float, m: float, b: float, n: int) -> float:
    return (
        4 / (4 + math.pow(n, 0.75)) * (a + b) / 2 + math.pow(n, 0.75) / (4 + math.pow(n, 0.75)) * m
    )


def ref_mean_c3(q1: float, m: float, q3: float, n: int) -> float:
    return (0.7 + 0.39 / n) * (q1 + q3) / 2 + (0.3 - 0.39 / n) * m


def ref_mean_c2(a: float, q1: float, m: float, q3: float, b: float, n: int) -> float:
    w1 = 2.2 / (2.2 + math.pow(n, 0.75))
    w2 = 0.7 - 0.72 / math.pow(n, 0.55)
    return w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (0.3 + 0.72 / math.pow(n, 0.55) - w1) * m


# --- expected normal order statistics by Simpson integration (independent of Wan's tables) -----
_GRID_STEP = 0.005
_GRID = [-8.5 + i * _GRID_STEP for i in range(3401)]  # odd count for Simpson's rule
_LOG_CDF = [math.log(0.5 * math.erfc(-x / math.sqrt(2))) for x in _GRID]  # erfc keeps the tails
_LOG_SF = [math.log(0.5 * math.erfc(x / math.sqrt(2))) for x in _GRID]
_LOG_PDF = [-0.5 * x * x - 0.5 * math.log(2 * math.pi) for x in _GRID]


def expected_order_statistic(r: int, n: int) -> float:
    """E(Z₍ᵣ₎) of n standard normals: ∫ x·n!/((r-1)!(n-r)!)·Φ^(r-1)·(1-Φ)^(n-r)·φ dx."""
    log_coef = math.lgamma(n + 1) - math.lgamma(r) - math.lgamma(n - r + 1)
    total = 0.0
    last = len(_GRID) - 1
    for i, x in enumerate(_GRID):
        weight = 1 if i in (0, last) else 4 if i % 2 else 2
        density = math.exp(log_coef + (r - 1) * _LOG_CDF[i] + (n - r) * _LOG_SF[i] + _LOG_PDF[i])
        total += weight * x * density
    return total * _GRID_STEP / 3


# Tolerance 6e-4, not 5e-4: three published entries sit just past rounding (ξ(12) = 3.259 vs exact
# 3.25846, η(49) = 1.311 vs 1.31047, η(97) = 1.330 vs 1.32949); a wrong digit still fails.
@pytest.mark.parametrize("n", range(2, 51))
def test_wan_table1_is_expected_normal_range(n: int) -> None:
    assert XI_TABLE[n - 1] == pytest.approx(2 * expected_order_statistic(n, n), abs=6e-4)


@pytest.mark.parametrize("q", range(1, 51))
def test_wan_table2_is_expected_normal_iqr(q: int) -> None:
    n = 4 * q + 1
    assert ETA_TABLE[q - 1] == pytest.approx(2 * expected_order_statistic(3 * q + 1, n), abs=6e-4)


# --- hard numbers ------------------------------------------------------------------------------
def test_metablue_manual_worked_example_c1() -> None:
    # metaBLUE manual: Wan.std(c(1, 4, 10), n = 30, "S1") -> 2.205578;
    # Luo.mean(c(1, 4, 10), n = 30, "S1") -> 4.356748.
    est = estimate_mean_sd(n=30, minimum=1, median=4, maximum=10)
    assert est.sd == pytest.approx(2.205578, abs=5e-7)
    assert est.mean == pytest.approx(4.356748, abs=5e-7)
    assert (est.mean_method, est.sd_method) == ("luo2018_c1", "wan2014_c1")


@pytest.mark.parametrize(
    ("n", "xi", "eta"),
    [
        # closed forms, evaluated with NormalDist; Wan's exact Table values are 2.326/0.990 (n=5),
        # 3.078 (n=10), 4.498 (n=50): the closed form is within 1.5% for n >= 5.
        (5, 2.35952, 0.99440),
        (10, 3.09327, 1.16279),
        (50, 4.48666, 1.31009),
        (100, 4.99718, 1.32942),
    ],
)
def test_closed_form_divisors(n: int, xi: float, eta: float) -> None:
    assert wan_xi(n) == pytest.approx(xi, abs=5e-6)
    assert wan_eta(n) == pytest.approx(eta, abs=5e-6)


def test_eta_tends_to_normal_iqr_and_closed_form_tracks_tables() -> None:
    assert wan_eta(10**7) == pytest.approx(2 * PHI_INV(0.75), abs=1e-6)  # 1.34898
    for n in range(5, 51):
        assert wan_xi(n) == pytest.approx(XI_TABLE[n - 1], rel=0.015)
    for q in range(1, 51):
        assert wan_eta(4 * q + 1) == pytest.approx(ETA_TABLE[q - 1], rel=0.005)


def test_table_constants_follow_r_meta_lookup() -> None:
    assert wan_xi(10, constants="table") == 3.078
    assert wan_xi(51, constants="table") == wan_xi(51)  # beyond Table 1: closed form
    assert wan_eta(9, constants="table") == 1.144  # n = 4*2 + 1
    assert wan_eta(10, constants="table") == 1.206  # Q = ceil(9/4) = 3, as R meta does
    assert wan_eta(202, constants="table") == wan_eta(202)
    est = estimate_mean_sd(n=10, q1=2, median=3, q3=5, wan_constants="table")
    assert est.sd == pytest.approx(3 / 1.206)
    assert (est.sd_method, est.eta, est.xi) == ("wan2014_c3_table", 1.206, None)
    beyond = estimate_mean_sd(n=60, minimum=1, median=3, maximum=9, wan_constants="table")
    assert beyond.sd_method == "wan2014_c1"  # n > 50: Table 1 not used


# --- scenario selection against the printed formulas ---------------------------------------------
CASES = [(8, 1.0, 2.0, 3.0, 5.0, 11.0), (13, 10.5, 14.0, 15.0, 19.0, 31.0), (120, -4, -1, 0, 2, 9)]


@pytest.mark.parametrize(("n", "a", "q1", "m", "q3", "b"), CASES)
def test_c1_matches_formulas(n: int, a: float, q1: float, m: float, q3: float, b: float) -> None:
    est = estimate_mean_sd(n=n, minimum=a, median=m, maximum=b)
    assert est.mean == pytest.approx(ref_mean_c1(a, m, b, n), rel=1e-12)
    assert est.sd == pytest.approx(ref_sd_c1(a, b, n), rel=1e-12)
    assert (est.mean_method, est.sd_method, est.eta) == ("luo2018_c1", "wan2014_c1", None)


@pytest.mark.parametrize(("n", "a", "q1", "m", "q3", "b"), CASES)
def test_c3_matches_formulas(n: int, a: float, q1: float, m: float, q3: float, b: float) -> None:
    est = estimate_mean_sd(n=n, q1=q1, median=m, q3=q3)
    assert est.mean == pytest.approx(ref_mean_c3(q1, m, q3, n), rel=1e-12)
    assert est.sd == pytest.approx(ref_sd_c3(q1, q3, n), rel=1e-12)
    assert (est.mean_method, est.sd_method, est.xi) == ("luo2018_c3", "wan2014_c3", None)


@pytest.mark.parametrize(("n", "a", "q1", "m", "q3", "b"), CASES)
def test_c2_matches_formulas(n: int, a: float, q1: float, m: float, q3: float, b: float) -> None:
    est = estimate_mean_sd(
        n=n, minimum=a, q1=q1, median=m, q3=q3, maximum=b, five_number_sd="wan2014"
    )
    assert est.mean == pytest.approx(ref_mean_c2(a, q1, m, q3, b, n), rel=1e-12)
    assert est.sd == pytest.approx(ref_sd_c2(a, q1, q3, b, n), rel=1e-12)
    assert (est.mean_method, est.sd_method) == ("luo2018_c2", "wan2014_c2")
    assert est.xi == pytest.approx(wan_xi(n)) and est.eta == pytest.approx(wan_eta(n))


def test_c2_worked_numbers() -> None:
    # n = 20, (a, q1, m, q3, b) = (2, 4, 5, 7, 12): by hand from the printed formulas
    # 20^0.75 = 9.4574, 20^0.55 = 5.1948
    # w1 = 2.2/(2.2 + 9.4574) = 0.18872, w2 = 0.7 - 0.72/5.1965 = 0.56140, 1 - w1 - w2 = 0.24988
    # mean = 0.18872*7 + 0.56140*5.5 + 0.24988*5 = 5.6581
    # xi(20) = 2*Phi^-1(19.625/20.25) = 3.7365, eta(20) = 2*Phi^-1(14.875/20.25) = 1.2534
    # sd = (10/3.7365 + 3/1.2534)/2 = 2.5349
    est = estimate_mean_sd(
        n=20, minimum=2, q1=4, median=5, q3=7, maximum=12, five_number_sd="wan2014"
    )
    assert est.mean == pytest.approx(5.6581, abs=1e-4)
    assert est.sd == pytest.approx(2.5349, abs=1e-4)


@pytest.mark.parametrize("scenario", ["c1", "c2", "c3"])
def test_symmetric_data_give_the_median_and_estimates_are_affine(scenario: str) -> None:
    stats = {"minimum": 0.0, "q1": 3.0, "median": 5.0, "q3": 7.0, "maximum": 10.0}
    keep = {"c1": ("minimum", "median", "maximum"), "c3": ("q1", "median", "q3")}
    chosen = {k: v for k, v in stats.items() if k in keep.get(scenario, stats)}

    def estimate(values: dict[str, float]) -> MeanSDEstimate:
        return estimate_mean_sd(
            n=17,
            minimum=values.get("minimum"),
            q1=values.get("q1"),
            median=values["median"],
            q3=values.get("q3"),
            maximum=values.get("maximum"),
        )

    base = estimate(chosen)
    assert base.mean == pytest.approx(5.0)  # weights of every estimator sum to one
    shifted = estimate({k: 100 + 2.5 * v for k, v in chosen.items()})
    assert shifted.mean_method == f"luo2018_{scenario}"
    assert shifted.mean == pytest.approx(100 + 2.5 * base.mean)
    assert shifted.sd == pytest.approx(2.5 * base.sd)


# --- reported values and partial reporting --------------------------------------------------------
def test_reported_values_pass_through() -> None:
    est = estimate_mean_sd(n=12, mean=4.2, sd=1.1, median=4.0, minimum=1, maximum=9)
    assert est == MeanSDEstimate(4.2, 1.1, "reported", "reported")
    assert (est.estimated, est.mean_estimated, est.sd_estimated) == (False, False, False)


def test_mean_with_range_gets_only_sd_estimated() -> None:
    est = estimate_mean_sd(n=9, mean=12.0, minimum=4, maximum=20)  # no median needed for the SD
    assert (est.mean, est.mean_method, est.mean_estimated) == (12.0, "reported", False)
    assert est.sd == pytest.approx(ref_sd_c1(4, 20, 9))
    assert (est.sd_method, est.sd_estimated, est.estimated) == ("wan2014_c1", True, True)


def test_sd_reported_mean_estimated_from_iqr() -> None:
    est = estimate_mean_sd(n=9, sd=2.0, q1=2, median=3, q3=6)
    assert est.mean == pytest.approx(ref_mean_c3(2, 3, 6, 9))
    assert (est.mean_method, est.sd_method, est.sd) == ("luo2018_c3", "reported", 2.0)


def test_zero_spread_is_allowed_and_gives_zero_sd() -> None:
    est = estimate_mean_sd(n=6, q1=0, median=0, q3=0)
    assert (est.mean, est.sd) == (0.0, 0.0)


# --- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 1, "median": 3, "q1": 2, "q3": 4}, "at least 2"),
        ({"n": 0, "mean": 1.0, "sd": 1.0}, "at least 2"),
        ({"n": True, "median": 3, "q1": 2, "q3": 4}, "integer"),
        ({"n": 10, "median": 3, "q1": 5, "q3": 4}, "q1 (5) is greater than median (3)"),
        ({"n": 10, "median": 4.5, "q1": 5, "q3": 4}, "q1 (5) is greater than median"),
        ({"n": 10, "q1": 5, "q3": 4, "mean": 3.0}, "q1 (5) is greater than q3 (4)"),
        ({"n": 10, "median": 3, "minimum": 4, "maximum": 9}, "minimum (4) is greater"),
        ({"n": 10, "median": 3, "minimum": 1}, "minimum was given without maximum"),
        ({"n": 10, "median": 3, "q3": 5}, "q3 was given without q1"),
        ({"n": 10, "median": 3}, "mean and SD not reported"),
        ({"n": 10, "mean": 3.0}, "SD not reported"),
        ({"n": 10, "sd": 1.0, "q1": 1, "q3": 4}, "no median"),
        ({"n": 10, "median": float("nan"), "q1": 1, "q3": 4}, "median must be a finite"),
        ({"n": 10, "mean": 1.0, "sd": -0.5}, "must not be negative"),
        ({"n": 10, "mean": 12.0, "minimum": 1, "maximum": 9}, "outside the reported range"),
        ({"n": 10, "q1": 1, "q3": 4, "median": 2, "wan_constants": "exact"}, "wan_constants"),
    ],
)
def test_impossible_inputs_raise_clear_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        estimate_mean_sd(**kwargs)  # type: ignore[arg-type]


# --- Shi 2020 five-number SD and Shi 2023 skewness test -------------------------------------------
def ref_sd_shi_meta_form(a: float, q1: float, q3: float, b: float, n: int) -> float:
    """R ``meta``'s algebraic form of Shi 2020 eq. (11): θ₁ and θ₂ instead of weights."""
    theta1 = (2 + 0.14 * math.pow(n, 0.6)) * PHI_INV((n - 0.375) / (n + 0.25))
    theta2 = (2 + 2 / (0.07 * math.pow(n, 0.6))) * PHI_INV((0.75 * n - 0.125) / (n + 0.25))
    return (b - a) / theta1 + (q3 - q1) / theta2


@pytest.mark.parametrize(("n", "a", "q1", "m", "q3", "b"), CASES)
def test_c2_default_is_shi2020_as_metafor_and_meta(
    n: int, a: float, q1: float, m: float, q3: float, b: float
) -> None:
    est = estimate_mean_sd(n=n, minimum=a, q1=q1, median=m, q3=q3, maximum=b)
    assert est.sd == pytest.approx(ref_sd_shi_meta_form(a, q1, q3, b, n), rel=1e-12)
    assert est.mean == pytest.approx(ref_mean_c2(a, q1, m, q3, b, n), rel=1e-12)
    assert (est.mean_method, est.sd_method) == ("luo2018_c2", "shi2020_c2")
    # the tables never apply to Shi's weights (neither R package uses them there)
    tabled = estimate_mean_sd(
        n=n, minimum=a, q1=q1, median=m, q3=q3, maximum=b, wan_constants="table"
    )
    assert tabled.sd == est.sd and tabled.sd_method == "shi2020_c2"


def test_shi_weight_moves_from_range_to_iqr_as_n_grows() -> None:
    small = estimate_mean_sd(n=5, minimum=0, q1=4, median=5, q3=6, maximum=10)
    large = estimate_mean_sd(n=5000, minimum=0, q1=4, median=5, q3=6, maximum=10)
    range_only = estimate_mean_sd(n=5, minimum=0, median=5, maximum=10).sd
    iqr_only = estimate_mean_sd(n=5000, q1=4, median=5, q3=6).sd
    assert abs(small.sd - range_only) < abs(small.sd - iqr_only)  # w(5) = 0.84
    assert abs(large.sd - iqr_only) < 0.05 * iqr_only  # w(5000) = 0.06


def test_skewness_test_worked_numbers() -> None:
    # PMID 31507512, modified Ashworth pre: median 3 (IQR 3-3.25), n = 7
    # T = |3 + 3.25 - 6| / 0.25 = 1; critical = 2.65/sqrt(7) - 6/49 = 1.001606 - 0.122449 = 0.879157
    t = skewness_test(n=7, q1=3, median=3, q3=3.25)
    assert t is not None and t.scenario == "c3" and t.skewed
    assert t.statistic == pytest.approx(1.0) and t.critical == pytest.approx(0.879157, abs=1e-6)
    assert t.text == "skewed (Shi 2023 C3: T = 1 >= critical 0.879)"
    # symmetric range: T = 0 < 1/ln(19) + 2.5/11
    c1 = skewness_test(n=10, minimum=0, median=5, maximum=10)
    assert c1 is not None and not c1.skewed
    assert c1.critical == pytest.approx(1 / math.log(19) + 2.5 / 11)
    # five numbers: the range part is scaled by 2.65 ln(0.6 n)/sqrt(n)
    c2 = skewness_test(n=30, minimum=0, q1=4, median=5, q3=6, maximum=20)
    assert c2 is not None and c2.scenario == "c2"
    assert c2.statistic == pytest.approx(2.65 * math.log(18) / math.sqrt(30) * 0.5)
    assert c2.critical == pytest.approx(3 / math.sqrt(30) - 40 / 30**3)
    assert skewness_test(n=10, median=5) is None
    flat = skewness_test(n=10, q1=2, median=2, q3=2)
    assert flat is not None and flat.statistic == 0 and not flat.skewed
