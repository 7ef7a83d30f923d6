"""Stores for the meta-analysis tests: the bundled snapshot, and k hand-built pre→post studies."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scipy.stats import t as student_t

from extractors.types import PValue, ResultPair, SampleSize, Spread, Statistic, TestStatistic
from itb_evidence.process import process_records
from itb_evidence.pubmed.parse import parse_records
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.conftest import DATA_DIR
from tests.support.factories import make_extraction, make_record, prov

SNAPSHOT = DATA_DIR / "snapshot" / "pubmed_snapshot.xml"
SEED_PMID = "31507512"
MAS = "Modified Ashworth Scale"

# (pmid, n, pre mean, pre SD, post mean, post SD, t statistic or None)
MAS_STUDIES = [
    ("501", 10, 3.1, 0.6, 1.9, 0.7, None),
    ("502", 24, 2.8, 0.9, 1.2, 0.8, 10.0),
    ("503", 15, 3.4, 0.5, 2.6, 0.9, None),
]


def snapshot_store(path: Path) -> EvidenceStore:
    """The bundled snapshot through extract, screen and rows (no Prefect), in a new store."""
    records = parse_records(SNAPSHOT)
    batch = process_records(records)
    store = EvidenceStore(path)
    store.upsert_records(records, run_id=1)
    store.write_evidence(batch.rows)
    return store


def mas_result(
    n: int, pre: tuple[float, float], post: tuple[float, float], t: float | None
) -> ResultPair:
    where = prov("from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046)", "result.from_to")
    test = TestStatistic("t", t, (n - 1,)) if t is not None else None
    p_value = PValue("<", 0.05, MAS, prov("p = 0.046", "pvalue.eq"))
    if t is not None:  # the exact two-sided p of that paired t, as the paper would print it
        exact = float(f"{2 * float(student_t.sf(abs(t), n - 1)):.2g}")
        p_value = PValue("=", exact, MAS, prov("p = 0.046", "pvalue.eq"))
    return ResultPair(
        MAS,
        Statistic("mean", pre[0], Spread("sd", sd=pre[1])),
        Statistic("mean", post[0], Spread("sd", sd=post[1])),
        p_value,
        where,
        test=test,
    )


def mas_store(
    path: Path,
    studies: list[tuple[str, int, float, float, float, float, float | None]] = MAS_STUDIES,
) -> EvidenceStore:
    """One included study per entry, each with one modified Ashworth pre→post (mean ± SD) row."""
    store = EvidenceStore(path)
    for pmid, n, m_pre, sd_pre, m_post, sd_post, t in studies:
        record = make_record(pmid)
        extraction = replace(
            make_extraction(pmid),
            sample_size=SampleSize(n, prov("seven patients", "n.words")),
            results=(mas_result(n, (m_pre, sd_pre), (m_post, sd_post), t),),
        )
        store.upsert_records([record], run_id=1)
        store.write_evidence(
            link_record(record, extraction, ScreenDecision(pmid, True, "ITB in HSP", {}))
        )
    return store
