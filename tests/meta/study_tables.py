"""Composed study tables for the metafor cross-check: every conversion path, small and large n.

Each table is a few pre→post studies of one outcome, written the way abstracts report them:
mean ± SD, mean ± SE, mean (95% CI), median (IQR), median (range), all five numbers, or a mean
with only a range; n from 5 to 400 so that n ≤ 50 (Wan's ξ table), 51-201 (η table) and > 201
occur; some studies give a paired t or an exact p from which ri is recovered. Values come from a
seeded generator, so the tables are the same on every run and need no data file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from itb_evidence.meta.conversions import GroupSummary

PATHS = ("mean_sd", "mean_se", "mean_ci", "median_iqr", "median_range", "five", "mean_range")
SIZES = (5, 7, 12, 23, 48, 77, 150, 201, 260, 400)


@dataclass(frozen=True, slots=True)
class ComposedStudy:
    n: int
    pre: GroupSummary
    post: GroupSummary
    t: float | None = None
    signed_p: float | None = None


def _summary(rng: random.Random, path: str, n: int, centre: float, sd: float) -> GroupSummary:
    mean = round(centre + rng.uniform(-0.2, 0.2) * sd, 2)
    if path == "mean_sd":
        return GroupSummary(n=n, mean=mean, sd=round(sd, 2))
    if path == "mean_se":
        return GroupSummary(n=n, mean=mean, se=round(sd / n**0.5, 3))
    if path == "mean_ci":
        half = round(1.96 * sd / n**0.5, 2)
        return GroupSummary(n=n, mean=mean, ci_lo=mean - half, ci_hi=mean + half)
    median = round(centre, 1)
    q1 = round(median - rng.uniform(0.4, 0.9) * sd, 1)
    q3 = round(median + rng.uniform(0.4, 0.9) * sd, 1)
    lo = round(q1 - rng.uniform(0.5, 1.6) * sd, 1)
    hi = round(q3 + rng.uniform(0.5, 1.6) * sd, 1)
    if path == "median_iqr":
        return GroupSummary(n=n, median=median, q1=q1, q3=q3)
    if path == "median_range":
        return GroupSummary(n=n, median=median, minimum=lo, maximum=hi)
    if path == "five":
        return GroupSummary(n=n, median=median, q1=q1, q3=q3, minimum=lo, maximum=hi)
    return GroupSummary(n=n, mean=mean, minimum=lo - sd, maximum=hi + sd)  # mean_range


def composed_tables(count: int = 24, seed: int = 20240615) -> list[list[ComposedStudy]]:
    """``count`` tables; table i leads with path i mod 7 and mixes in the others."""
    rng = random.Random(seed)
    tables = []
    for i in range(count):
        k = 2 + i % 5  # 2..6 studies
        studies = []
        for j in range(k):
            path = PATHS[(i + j * (i % 3 + 1)) % len(PATHS)]
            n = SIZES[(i * 3 + j * 7) % len(SIZES)]
            pre_centre, sd = rng.uniform(10, 40), rng.uniform(2, 8)
            change = rng.uniform(-1.5, 0.3) * sd * (1.0 if i % 4 else 0.2)
            pre = _summary(rng, path, n, pre_centre, sd)
            post = _summary(rng, path, n, pre_centre + change, sd * rng.uniform(0.7, 1.3))
            t = p = None
            if path == "mean_sd" and j % 2 == 0:
                t = round(rng.uniform(1.5, 6.0), 2)
            elif path == "mean_sd":
                p = round(rng.uniform(0.001, 0.2), 3) * (-1 if change < 0 else 1)
            studies.append(ComposedStudy(n, pre, post, t, p))
        tables.append(studies)
    return tables
