"""Tail probabilities of z, t, F and chi-square with the standard library only.

scipy is not a dependency; these are the textbook continued-fraction forms of the regularised
incomplete beta and gamma functions (Numerical Recipes ch. 6), accurate to ~1e-10 here, which is
far tighter than the 2-4 significant digits abstracts report.
"""

from __future__ import annotations

import math

_EPS = 3e-14
_TINY = 1e-300
_MAX_ITER = 500


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, _MAX_ITER + 1):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def regularized_gamma_upper(a: float, x: float) -> float:
    """Q(a, x) = 1 - P(a, x), the regularised upper incomplete gamma function."""
    if x <= 0.0:
        return 1.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:  # series for P
        term = total = 1.0 / a
        ap = a
        for _ in range(_MAX_ITER):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * _EPS:
                break
        return 1.0 - total * math.exp(log_front)
    b = x + 1.0 - a  # continued fraction for Q (modified Lentz)
    c, d = 1.0 / _TINY, 1.0 / b
    h = d
    for i in range(1, _MAX_ITER + 1):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = b + an / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(log_front) * h


def p_from_z(z: float) -> float:
    """Two-tailed p of a standard normal statistic."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def p_from_t(t: float, df: float) -> float:
    """Two-tailed p of Student's t with ``df`` degrees of freedom."""
    return regularized_beta(df / (df + t * t), df / 2.0, 0.5)


def p_from_f(f: float, df1: float, df2: float) -> float:
    """Upper-tail p of F(df1, df2)."""
    if f <= 0.0:
        return 1.0
    return regularized_beta(df2 / (df2 + df1 * f), df2 / 2.0, df1 / 2.0)


def p_from_chi2(x: float, df: float) -> float:
    """Upper-tail p of chi-square with ``df`` degrees of freedom."""
    return regularized_gamma_upper(df / 2.0, x / 2.0)
