"""Review-format exports: metafor CSV (with Wan/Luo estimates marked), RIS, BibTeX, PRISMA."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import NormalDist

import pandas as pd
import pytest

from itb_evidence.export.tables import export
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    s = EvidenceStore(tmp_path / "e.duckdb")
    kept, dropped = make_record("100"), make_record("200")
    s.upsert_records([kept, dropped], run_id=1)
    s.write_evidence(
        link_record(
            kept,
            make_extraction("100"),
            ScreenDecision("100", True, "ITB study in an HSP population", {}),
        )
    )
    s.write_evidence(
        link_record(
            dropped,
            make_extraction("200", itb=False),
            ScreenDecision("200", False, "not an intrathecal baclofen study", {}),
        )
    )
    return s


def test_metafor_rows_estimate_mean_sd_from_median_iqr(
    store: EvidenceStore, tmp_path: Path
) -> None:
    (f,) = export(store, fmt="metafor", out=tmp_path / "m.csv")
    df = pd.read_csv(f.path, dtype={"pmid": str})
    assert len(df) == 1  # the Gait speed row has no pre/post; the excluded study is left out
    row = df.iloc[0]
    n = 7
    eta = 2 * NormalDist().inv_cdf((0.75 * n - 0.125) / (n + 0.25))

    def luo(q1: float, m: float, q3: float) -> float:
        return (0.7 + 0.39 / n) * (q1 + q3) / 2 + (0.3 - 0.39 / n) * m

    assert (row["study"], row["outcome"], row["n"]) == ("Doe J 2020", "Modified Ashworth Scale", 7)
    assert row["pre_mean"] == pytest.approx(luo(3, 3, 3.25))
    assert row["pre_sd"] == pytest.approx(0.25 / eta)
    assert row["post_mean"] == pytest.approx(luo(1, 1, 1.25))
    assert (row["pre_mean_method"], row["pre_sd_method"]) == ("luo2018_c3", "wan2014_c3")
    assert bool(row["pre_estimated"]) and bool(row["post_estimated"])
    assert row["p_value"] == 0.046
    store.close()


def test_ris_and_bibtex_hold_only_included_studies(store: EvidenceStore, tmp_path: Path) -> None:
    (ris,) = export(store, fmt="ris", out=tmp_path / "i.ris")
    text = ris.path.read_text(encoding="utf-8")
    assert ris.rows == 1 and text.count("TY  - JOUR") == 1
    assert "AN  - 100" in text and "AN  - 200" not in text
    assert "AU  - Doe, J" in text
    (bib,) = export(store, fmt="bibtex", out=tmp_path / "i.bib")
    assert bib.path.read_text(encoding="utf-8").count("@article{") == 1
    store.close()


def test_prisma_counts_with_reasons(store: EvidenceStore, tmp_path: Path) -> None:
    (f,) = export(store, fmt="prisma", out=tmp_path / "p.json")
    doc = json.loads(f.path.read_text(encoding="utf-8"))
    assert doc["records_identified_from_databases"] == 2
    assert f.rows == 1
    assert doc["records_excluded_reasons"] == {"not an intrathecal baclofen study": 1}
    assert doc["studies_included_in_review"] == 1
    store.close()


def test_unknown_format_is_refused(store: EvidenceStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format 'docx'; choose one of csv"):
        export(store, fmt="docx", out=tmp_path / "x")
    store.close()
