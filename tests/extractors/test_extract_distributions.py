"""Standard-library distributions checked against printed table values."""

from __future__ import annotations

import pytest

from extractors.distributions import (
    p_from_chi2,
    p_from_f,
    p_from_t,
    p_from_z,
    regularized_beta,
    regularized_gamma_upper,
)
from extractors.results import p_consistent, recompute_p


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (p_from_z(1.959964), 0.05),
        (p_from_z(2.575829), 0.01),
        (p_from_z(-3.290527), 0.001),
        (p_from_t(2.228139, 10), 0.05),  # two-tailed t table, df = 10
        (p_from_t(12.706205, 1), 0.05),
        (p_from_t(2.763262, 28), 0.01),
        (p_from_f(4.351244, 1, 20), 0.05),  # F table, alpha = 0.05
        (p_from_f(3.492828, 2, 20), 0.05),
        (p_from_f(2.533555, 5, 30), 0.05),
        (p_from_chi2(3.841459, 1), 0.05),  # chi-square table
        (p_from_chi2(9.487729, 4), 0.05),
        (p_from_chi2(23.209251, 10), 0.01),
    ],
)
def test_table_values(p: float, expected: float) -> None:
    assert p == pytest.approx(expected, rel=1e-5)


def test_special_functions_edges() -> None:
    assert regularized_beta(0.0, 2, 3) == 0.0 and regularized_beta(1.0, 2, 3) == 1.0
    assert regularized_beta(0.5, 2, 2) == pytest.approx(0.5)
    assert regularized_gamma_upper(1.0, 2.0) == pytest.approx(0.1353352832366127)  # e^-2
    assert p_from_t(0.0, 5) == pytest.approx(1.0)


def test_recompute_and_consistency() -> None:
    assert recompute_p("t", 2.5, ()) is None  # t without df cannot be checked
    p = recompute_p("chi2", 3.841459, (1.0,))
    assert p is not None and p_consistent(p, "=", 0.05, 2)
    assert not p_consistent(p, "<", 0.01, 2)
    assert p_consistent(p, ">", 0.01, 2)
