"""Pool effect sizes: random effects (REML, DerSimonian-Laird) or fixed effect, with PyMARE.

Why PyMARE: statsmodels' ``combine_effects`` has no REML and does not truncate the
DerSimonian-Laird τ² at zero (it returns a negative τ² for homogeneous studies), whereas PyMARE's
``VarianceBasedLikelihoodEstimator(method="REML")``, ``DerSimonianLaird`` and
``WeightedLeastSquares`` estimate τ² and the pooled mean the way metafor's ``rma`` does, and
apply the Hartung-Knapp(-Sidik-Jonkman) adjustment (``test="knha"`` in metafor) on request.
The REML search is run to a tolerance far below what is printed, so τ² matches metafor's
Fisher scoring to 1e-6 relative (tests/meta/test_against_metafor.py).

What is computed here from PyMARE's τ² and standard error, as metafor defines it:

- I² = 100·τ² / (τ² + s²), s² = (k − 1)·Σw / ((Σw)² − Σw²), w = 1/vᵢ (the "typical" sampling
  variance of Higgins & Thompson 2002); for the fixed-effect model, I² = max(0, (Q − df)/Q);
- the prediction interval μ̂ ± c·√(SE² + τ²), c the normal quantile, or t with k − 1 df under
  Hartung-Knapp (metafor's ``predict.rma``); none for a fixed-effect model;
- Cochran's Q, df = k − 1 and its χ² p-value come from PyMARE.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pymare import Dataset
from pymare.estimators import (
    DerSimonianLaird,
    VarianceBasedLikelihoodEstimator,
    WeightedLeastSquares,
)
from scipy.stats import norm
from scipy.stats import t as student_t

Method = Literal["REML", "DL", "FE"]
METHODS: tuple[Method, ...] = ("REML", "DL", "FE")
LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Pooled:
    """One pooled estimate with its heterogeneity statistics (metafor's names in comments)."""

    method: Method
    hartung_knapp: bool
    k: int
    estimate: float  # b
    se: float  # se
    ci_lo: float  # ci.lb
    ci_hi: float  # ci.ub
    statistic: float  # zval, or tval under Hartung-Knapp
    p: float  # pval
    tau2: float  # tau2 (0 for the fixed-effect model)
    i2: float  # I2, percent
    q: float  # QE
    q_df: int  # k - 1
    q_p: float  # QEp
    pi_lo: float | None  # pi.lb (None for a fixed-effect model)
    pi_hi: float | None  # pi.ub

    @property
    def test(self) -> str:
        return "t (Hartung-Knapp)" if self.hartung_knapp else "z"


def _estimator(method: Method, hartung_knapp: bool) -> Any:
    correction = "knapp-hartung" if hartung_knapp else "wald"
    if method == "REML":
        return VarianceBasedLikelihoodEstimator(
            method="REML", small_sample_correction=correction, xtol=1e-13, ftol=0.0, maxiter=500
        )
    if method == "DL":
        return DerSimonianLaird(small_sample_correction=correction)
    if method == "FE":
        return WeightedLeastSquares(tau2=0.0, small_sample_correction=correction)
    raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def i_squared(vi: Sequence[float], tau2: float) -> float:
    """metafor's I² for a random-effects model (module docstring)."""
    w = np.asarray(vi, dtype=float) ** -1
    typical = (len(w) - 1) * w.sum() / (w.sum() ** 2 - (w**2).sum())
    return float(100.0 * tau2 / (tau2 + typical))


def pool(
    yi: Sequence[float],
    vi: Sequence[float],
    *,
    method: Method = "REML",
    hartung_knapp: bool = False,
) -> Pooled:
    """Pool k ≥ 2 effects ``yi`` with sampling variances ``vi``."""
    y = np.asarray(yi, dtype=float)
    v = np.asarray(vi, dtype=float)
    k = len(y)
    if k < 2 or len(v) != k:
        raise ValueError(f"pooling needs at least 2 effects with one variance each, got {k}")
    if not (np.isfinite(y).all() and np.isfinite(v).all() and (v > 0).all()):
        raise ValueError("every effect must be finite with a positive, finite variance")
    estimator = _estimator(method, hartung_knapp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        estimator.fit_dataset(Dataset(y=y, v=v))
        result = estimator.summary()
        fe = result.get_fe_stats(alpha=1 - LEVEL)
        het = result.get_heterogeneity_stats()
    tau2 = 0.0 if method == "FE" else float(np.ravel(result.tau2)[0])
    estimate, se = float(np.ravel(fe["est"])[0]), float(np.ravel(fe["se"])[0])
    q, q_df = float(np.ravel(het["Q"])[0]), k - 1
    if method == "FE":
        i2 = max(0.0, 100.0 * (q - q_df) / q) if q > 0 else 0.0
        pi_lo = pi_hi = None
    else:
        i2 = i_squared(v.tolist(), tau2)
        crit = (
            float(student_t.ppf(0.5 + LEVEL / 2, k - 1))
            if hartung_knapp
            else float(norm.ppf(0.5 + LEVEL / 2))
        )
        half = crit * math.sqrt(se**2 + tau2)
        pi_lo, pi_hi = estimate - half, estimate + half
    return Pooled(
        method=method,
        hartung_knapp=hartung_knapp,
        k=k,
        estimate=estimate,
        se=se,
        ci_lo=float(np.ravel(fe["ci_l"])[0]),
        ci_hi=float(np.ravel(fe["ci_u"])[0]),
        statistic=estimate / se if se > 0 else math.nan,
        p=float(np.ravel(fe["p"])[0]),
        tau2=tau2,
        i2=i2,
        q=q,
        q_df=q_df,
        q_p=float(np.ravel(het["p(Q)"])[0]),
        pi_lo=pi_lo,
        pi_hi=pi_hi,
    )


def leave_one_out(
    yi: Sequence[float],
    vi: Sequence[float],
    *,
    method: Method = "REML",
    hartung_knapp: bool = False,
) -> list[Pooled]:
    """The pooled estimate without each study in turn (needs k ≥ 3)."""
    k = len(yi)
    if k < 3:
        raise ValueError(f"leave-one-out needs at least 3 effects, got {k}")
    return [
        pool(
            [y for j, y in enumerate(yi) if j != i],
            [v for j, v in enumerate(vi) if j != i],
            method=method,
            hartung_knapp=hartung_knapp,
        )
        for i in range(k)
    ]
