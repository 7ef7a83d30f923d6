"""Pooled estimates as files: what ``make demo`` and a refresh leave beside the report.

``meta_pooled.csv`` (one row per outcome and analysis: main model and sensitivity runs, with a
note where an outcome has fewer than two usable studies), ``meta_studies.csv`` (every study row
of every outcome: its effect and variance, or why it was not pooled) and ``meta_summary.txt``
(the same, readable; what ``itb-evidence meta`` prints). Curated tables: corrections applied,
rejected rows not pooled.
"""

from __future__ import annotations

from pathlib import Path

from itb_evidence.curate import curated_tables
from itb_evidence.meta.analysis import analyse, effects_table, format_results, pooled_table
from itb_evidence.meta.studies import study_rows
from itb_evidence.store.store import EvidenceStore


def write_meta(store: EvidenceStore, out_dir: Path) -> list[Path]:
    """Write the three files into ``out_dir`` (created if missing); returns their paths."""
    tables = curated_tables(store)
    results = analyse(study_rows(tables["studies"], tables["outcomes"]))
    out_dir.mkdir(parents=True, exist_ok=True)
    pooled, studies, summary = (
        out_dir / "meta_pooled.csv",
        out_dir / "meta_studies.csv",
        out_dir / "meta_summary.txt",
    )
    pooled_table(results).to_csv(pooled, index=False)
    effects_table(results).to_csv(studies, index=False)
    text = format_results(results) or "No pre→post result of an included study: nothing to pool."
    summary.write_text(text + "\n", encoding="utf-8")
    return [pooled, studies, summary]
