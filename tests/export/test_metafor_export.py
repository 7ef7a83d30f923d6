"""The metafor export carries ni, ri and pi, and escalc runs on it as it is."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from itb_evidence.curate import curated_tables
from itb_evidence.export.tables import export
from itb_evidence.meta.analysis import analyse
from itb_evidence.meta.studies import study_rows
from tests.meta.fixtures import mas_store


@pytest.fixture
def exported(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    with mas_store(tmp_path / "m.duckdb") as store:
        (f,) = export(store, fmt="metafor", out=tmp_path / "m.csv")
        tables = curated_tables(store)
    ours = {
        e.row.pmid: e
        for m in analyse(study_rows(tables["studies"], tables["outcomes"]), measure="SMCR")
        for e in m.effects
    }
    effects = {pmid: e.effect for pmid, e in ours.items() if e.effect is not None}
    frame = pd.DataFrame(  # undo the "lower is better" turn: escalc gives post - pre
        {
            "pmid": list(effects),
            "yi": [-e.yi for e in effects.values()],
            "vi": [e.vi for e in effects.values()],
        }
    )
    return f.path, frame


def test_ni_ri_pi_columns(exported: tuple[Path, pd.DataFrame]) -> None:
    path, _ = exported
    df = pd.read_csv(path, dtype={"pmid": str})
    rows = {str(r["pmid"]): r for r in df.to_dict("records")}
    assert list(df["ni"]) == [10, 24, 15] and (df["ni"] == df["n"]).all()
    assert rows["501"]["ri"] == 0.5 and rows["501"]["ri_source"] == "assumed"
    assert rows["502"]["ri_source"] == "paired t" and 0 < rows["502"]["ri"] < 1
    assert pd.isna(rows["501"]["pi"])  # p < 0.05 is no exact p of a paired t
    assert rows["502"]["pi"] < 0  # post - pre is negative: the p carries that sign
    assert df["meta_note"].isna().all()
    assert set(df["pre_sd_method"]) == {"reported"}


@pytest.mark.metafor
def test_escalc_runs_on_the_export_as_it_is(exported: tuple[Path, pd.DataFrame]) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript is not installed (Debian: apt-get install r-cran-metafor)")
    path, ours = exported
    code = (
        "suppressPackageStartupMessages(library(metafor)); "
        f"dat <- read.csv('{path}', colClasses = c(pmid = 'character')); "
        "es <- escalc(measure = 'SMCR', m1i = post_mean, m2i = pre_mean, sd1i = pre_sd, "
        "ni = ni, ri = ri, data = dat); "
        "write.csv(es[, c('pmid', 'yi', 'vi')], stdout(), row.names = FALSE)"
    )
    run = subprocess.run([rscript, "-e", code], capture_output=True, text=True, timeout=120)
    if run.returncode != 0 and "metafor" in run.stderr and "no package" in run.stderr:
        pytest.skip("R package metafor is not installed (Debian: apt-get install r-cran-metafor)")
    assert run.returncode == 0, run.stderr
    theirs = pd.read_csv(io.StringIO(run.stdout), dtype={"pmid": str})
    merged = theirs.merge(ours, on="pmid", suffixes=("_r", "_py"))
    assert len(merged) == 3
    for col in ("yi", "vi"):
        for r_value, py_value in zip(merged[f"{col}_r"], merged[f"{col}_py"], strict=True):
            assert r_value == pytest.approx(py_value, rel=1e-6)
