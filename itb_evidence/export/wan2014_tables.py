"""Tabulated constants of Wan et al. 2014 (doi:10.1186/1471-2288-14-135).

Why a table at all: Wan's closed forms for ξ(n) and η(n) are Blom-type approximations of expected
normal order statistics; for small samples the paper also tabulates the exact values, and the R
package ``meta`` (``mean_sd_*`` helpers) uses these tables, whereas ``metafor::conv.fivenum`` and
``metaBLUE`` use the closed forms for every n. ITB studies in HSP are small (n of 5 to 30), where
the two differ by up to a few percent, so both are offered and the default follows metafor.

- ``XI_TABLE[n - 1]`` = ξ(n) = 2·E(Z₍ₙ₎), the expected range of n standard normals, n = 1..50
  (Wan 2014, Table 1; identical to Tippett's d₂ constants).
- ``ETA_TABLE[Q - 1]`` = η(n) = 2·E(Z₍₃Q₊₁₎) for n = 4Q + 1, Q = 1..50, i.e. n = 5..201
  (Wan 2014, Table 2, as shipped in R ``meta``'s internal settings ``Wan2014.Table2``).

Both tables are re-derived by numerical integration in ``tests/test_estimates.py``, so a typo here
fails a test rather than a meta-analysis.
"""

from __future__ import annotations

XI_TABLE: tuple[float, ...] = (
    0.000, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,
    3.173, 3.259, 3.336, 3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735,
    3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027, 4.057, 4.086,
    4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322,
    4.341, 4.361, 4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498,
)  # fmt: skip

ETA_TABLE: tuple[float, ...] = (
    0.990, 1.144, 1.206, 1.239, 1.260, 1.274, 1.284, 1.292, 1.298, 1.303,
    1.307, 1.311, 1.313, 1.316, 1.318, 1.320, 1.322, 1.323, 1.324, 1.326,
    1.327, 1.328, 1.329, 1.330, 1.330, 1.331, 1.332, 1.332, 1.333, 1.333,
    1.334, 1.334, 1.335, 1.335, 1.336, 1.336, 1.336, 1.337, 1.337, 1.337,
    1.338, 1.338, 1.338, 1.338, 1.339, 1.339, 1.339, 1.339, 1.339, 1.340,
)  # fmt: skip

XI_TABLE_MAX_N = len(XI_TABLE)  # 50
ETA_TABLE_MAX_N = 4 * len(ETA_TABLE) + 1  # 201
