"""Every effect size, variance, τ², I², Q, pooled estimate and prediction interval, checked
against R's metafor on the same inputs, to 1e-6 relative.

Inputs: 24 composed study tables (``study_tables``: every conversion path, n from 5 to 400, ri
from a paired t or a signed p where given) and the bundled snapshot's included study. R converts
each side itself (``metafor_reference.R``: ``conv.fivenum`` where the installed metafor has it,
else the published formulas in R), then runs ``escalc`` (MC, SMCC, SMCR) and ``rma`` (REML, DL,
FE; z and Knapp-Hartung tests) with ``predict``. Skipped with a reason where Rscript or metafor
is missing (``.ci/run`` installs Debian's r-cran-metafor).
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from itb_evidence.curate import curated_tables
from itb_evidence.meta.conversions import GroupSummary, MeanSD, to_mean_sd
from itb_evidence.meta.effects import DEFAULT_RI, MEASURES, effect_size, resolve_ri
from itb_evidence.meta.pooling import METHODS, pool
from itb_evidence.meta.studies import study_rows
from tests.meta.fixtures import SEED_PMID, snapshot_store
from tests.meta.study_tables import ComposedStudy, composed_tables

pytestmark = pytest.mark.metafor

SCRIPT = Path(__file__).with_name("metafor_reference.R")
REL = 1e-6
# Absolute floors only where a relative comparison is ill-posed: τ² at its bound of 0 (metafor's
# Fisher scoring stops at ~1e-11 there, PyMARE at 0), I² in percent points at that bound, and an
# interval bound near 0, compared relative to the interval's width instead.
ABS = {"tau2": 1e-9, "i2": 1e-6}
FIELDS = ["n", "mean", "sd", "se", "ci_lo", "ci_hi", "median", "q1", "q3", "minimum", "maximum"]
R_NAMES = {"minimum": "min", "maximum": "max"}
Key = tuple[str, str, str, str]


def _metafor_missing() -> str | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return "Rscript is not installed (Debian: apt-get install r-cran-metafor)"
    probe = subprocess.run(
        [rscript, "-e", "library(metafor)"], capture_output=True, text=True, timeout=120
    )
    if probe.returncode != 0:
        return "R package metafor is not installed (Debian: apt-get install r-cran-metafor)"
    return None


def _snapshot_tables(tmp: Path) -> list[tuple[str, list[ComposedStudy]]]:
    """The snapshot's result rows as one-study tables (effects only: one study pools nothing)."""
    with snapshot_store(tmp / "snapshot.duckdb") as store:
        tables = curated_tables(store)
    out = []
    for row in study_rows(tables["studies"], tables["outcomes"]):
        assert row.pmid == SEED_PMID and row.n is not None
        raw = tables["outcomes"][
            (tables["outcomes"]["pmid"] == row.pmid)
            & (tables["outcomes"]["outcome"] == row.outcome)
        ].iloc[0]

        def side(name: str, n: int = row.n, raw: pd.Series = raw) -> GroupSummary:
            return GroupSummary(
                n=n,
                median=float(raw[f"{name}_value"]),
                q1=float(raw[f"{name}_spread_lo"]),
                q3=float(raw[f"{name}_spread_hi"]),
            )

        out.append((f"snapshot {row.outcome}", [ComposedStudy(row.n, side("pre"), side("post"))]))
    return out


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, list[ComposedStudy]]]:
    composed = [(f"composed {i:02d}", t) for i, t in enumerate(composed_tables())]
    return composed + _snapshot_tables(tmp_path_factory.mktemp("snapshot"))


@pytest.fixture(scope="module")
def reference(
    tables: list[tuple[str, list[ComposedStudy]]], tmp_path_factory: pytest.TempPathFactory
) -> dict[Key, list[float]]:
    missing = _metafor_missing()
    if missing:
        pytest.skip(missing)
    tmp = tmp_path_factory.mktemp("metafor")
    src, dst = tmp / "in.csv", tmp / "out.csv"
    with src.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(
            ["tbl", "study", "side"]
            + [R_NAMES.get(f, f) for f in FIELDS]
            + ["t", "p", "ri_assumed"]
        )
        for name, studies in tables:
            for j, s in enumerate(studies):
                for side, g in (("pre", s.pre), ("post", s.post)):
                    values = [getattr(g, f) for f in FIELDS]
                    w.writerow(
                        [name, j, side]
                        + ["NA" if v is None else repr(v) for v in values]
                        + ["NA" if s.t is None else s.t, "NA" if s.signed_p is None else s.signed_p]
                        + [DEFAULT_RI]
                    )
    subprocess.run(
        ["Rscript", str(SCRIPT), str(src), str(dst)], check=True, capture_output=True, timeout=600
    )
    ref: dict[Key, list[float]] = defaultdict(list)
    with dst.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            value = (
                float(r["value"]) if r["value"] not in ("NA", "NaN", "Inf", "-Inf") else math.nan
            )
            ref[(r["tbl"], r["what"], r["measure"], r["model"])].append(value)
    return ref


def _close(key: Key, index: int, ours: float, ref: dict[Key, list[float]]) -> bool:
    theirs = ref[key][index]
    if math.isnan(theirs) or math.isinf(theirs):
        return False
    tbl, what, measure, model = key
    floor = ABS.get(what, 0.0)
    if what.endswith(("_lo", "_hi")):
        stem = what[:-3]
        width = ref[(tbl, f"{stem}_hi", measure, model)][index]
        width -= ref[(tbl, f"{stem}_lo", measure, model)][index]
        floor = REL * abs(width)
    if what in ("p", "q_p") and 0 < ours < 1e-12 and 0 < theirs < 1e-12:
        # a far tail multiplies the statistic's error by about z²: compare log p there
        return math.isclose(math.log(ours), math.log(theirs), rel_tol=REL)
    return math.isclose(ours, theirs, rel_tol=REL, abs_tol=floor)


def _sides(s: ComposedStudy) -> tuple[MeanSD, MeanSD]:
    pre, post = to_mean_sd(s.pre).value, to_mean_sd(s.post).value
    assert pre is not None and post is not None
    return pre, post


def _our_numbers(name: str, studies: list[ComposedStudy]) -> Iterator[tuple[Key, int, float]]:
    sides = [_sides(s) for s in studies]
    ris = [
        resolve_ri(
            n=s.n,
            pre_mean=pre.mean,
            pre_sd=pre.sd,
            post_mean=post.mean,
            post_sd=post.sd,
            t=s.t,
            signed_p=s.signed_p,
        ).ri
        for s, (pre, post) in zip(studies, sides, strict=True)
    ]
    for i, (pre, post) in enumerate(sides):
        for what, v in (
            ("pre_mean", pre.mean),
            ("pre_sd", pre.sd),
            ("post_mean", post.mean),
            ("post_sd", post.sd),
            ("ri", ris[i]),
        ):
            yield (name, what, "-", "-"), i, v
    for measure in MEASURES:
        effects = []
        for i, (s, (pre, post)) in enumerate(zip(studies, sides, strict=True)):
            try:
                e = effect_size(
                    measure,
                    pre_mean=pre.mean,
                    pre_sd=pre.sd,
                    post_mean=post.mean,
                    post_sd=post.sd,
                    n=s.n,
                    ri=ris[i],
                )
            except ValueError:
                continue  # undefined here; R gives NA/Inf, checked in the test below
            effects.append(e)
            yield (name, "yi", measure, "-"), i, e.yi
            yield (name, "vi", measure, "-"), i, e.vi
        if len(studies) < 2 or len(effects) < len(studies):
            continue
        for model in METHODS:
            for hk in (False, True):
                p = pool(
                    [e.yi for e in effects],
                    [e.vi for e in effects],
                    method=model,
                    hartung_knapp=hk,
                )
                label = f"{model} {'knha' if hk else 'z'}"
                for what in ("estimate", "se", "ci_lo", "ci_hi", "p", "tau2", "i2", "q", "q_p"):
                    yield (name, what, measure, label), 0, getattr(p, what)
                if p.pi_lo is not None and p.pi_hi is not None:
                    yield (name, "pi_lo", measure, label), 0, p.pi_lo
                    yield (name, "pi_hi", measure, label), 0, p.pi_hi


def test_at_least_20_composed_tables_cover_every_conversion_path(
    tables: list[tuple[str, list[ComposedStudy]]],
) -> None:
    composed = [t for name, t in tables if name.startswith("composed")]
    methods = {side.sd_method for t in composed for s in t for side in _sides(s)}
    sizes = {s.n for t in composed for s in t}
    assert len(composed) >= 20
    assert {
        "reported",
        "se_to_sd",
        "ci95_to_sd",
        "wan2014_c1",
        "wan2014_c3",
        "shi2020_c2",
    } <= methods
    assert min(sizes) <= 50 and any(50 < n <= 201 for n in sizes) and max(sizes) > 201
    sources = set()
    for t in composed:
        for s in t:
            pre, post = _sides(s)
            sources.add(
                resolve_ri(
                    n=s.n,
                    pre_mean=pre.mean,
                    pre_sd=pre.sd,
                    post_mean=post.mean,
                    post_sd=post.sd,
                    t=s.t,
                    signed_p=s.signed_p,
                ).source
            )
    assert {"paired t", "signed p", "assumed"} <= sources


def test_everything_matches_metafor(
    tables: list[tuple[str, list[ComposedStudy]]], reference: dict[Key, list[float]]
) -> None:
    checked, wrong = 0, []
    for name, studies in tables:
        for key, index, ours in _our_numbers(name, studies):
            theirs = reference.get(key)
            assert theirs is not None and index < len(theirs), f"R gave no {key}"
            checked += 1
            if not _close(key, index, ours, reference):
                wrong.append(f"{key}[{index}]: ours {ours!r}, metafor {theirs[index]!r}")
    assert wrong == [], f"{len(wrong)} of {checked} differ:\n" + "\n".join(wrong[:20])
    pooled = {k[3] for k in reference if k[3] != "-"}
    assert pooled == {f"{m} {t}" for m in ("REML", "DL", "FE") for t in ("z", "knha")}
    assert checked > 3000


def test_undefined_effects_are_undefined_in_metafor_too(
    tables: list[tuple[str, list[ComposedStudy]]], reference: dict[Key, list[float]]
) -> None:
    """The snapshot's modified Rankin row has a pre IQR of 2-2 (SD 0): SMCR cannot be computed."""
    undefined = 0
    for name, studies in tables:
        for i, s in enumerate(studies):
            pre, post = _sides(s)
            for measure in MEASURES:
                try:
                    effect_size(
                        measure,
                        pre_mean=pre.mean,
                        pre_sd=pre.sd,
                        post_mean=post.mean,
                        post_sd=post.sd,
                        n=s.n,
                        ri=DEFAULT_RI,
                    )
                except ValueError:
                    undefined += 1
                    value = reference[(name, "yi", measure, "-")][i]
                    assert math.isnan(value) or math.isinf(value), (name, measure)
    assert undefined >= 1


def test_conversions_were_checked_against_conv_fivenum_when_available(
    reference: dict[Key, list[float]],
) -> None:
    (flag,) = reference[("-", "conversions", "-", "-")]
    if flag != 1:
        pytest.skip(
            "the installed metafor has no conv.fivenum (Debian's r-cran-metafor is 3.8-1; it came "
            "in 4.0): median conversions were checked against the published formulas in R instead"
        )
    assert flag == 1
