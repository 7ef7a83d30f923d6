"""The real-text gold (``tests/gold/real/``): loaders, split rule, schema check (support, no tests).

``dev.jsonl`` and ``test.jsonl`` hold real published abstracts, annotated twice (``passes/A.jsonl``,
``passes/B.jsonl``) and adjudicated. The split is fixed by :data:`SEED`: a record's split depends
only on its id, so adding records never moves an old one between splits.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from tests.gold.checks import COMPARATORS, DESIGNS, DOSE_KINDS, load

REAL_DIR = Path(__file__).resolve().parent / "real"
DEV, TEST = REAL_DIR / "dev.jsonl", REAL_DIR / "test.jsonl"
PASS_A, PASS_B = REAL_DIR / "passes" / "A.jsonl", REAL_DIR / "passes" / "B.jsonl"
AGREEMENT = REAL_DIR / "AGREEMENT.md"

SEED = "itb-evidence-real-gold-2026-12-06"
DEV_SHARE = 0.6

CATEGORIES = {"itb", "hsp", "drug", "therapy", "misc"}
TOP_KEYS = {
    "id", "pmid", "doi", "source_url", "title", "journal", "year", "category", "split",
    "abstract", "gold", "adjudication",
}  # fmt: skip
OPTIONAL_TOP_KEYS = {"metadata_check"}
GOLD_KEYS = {
    "is_itb_study", "is_hsp_population", "design", "sample_size", "outcome_measures", "doses",
    "p_values", "results", "note",
}  # fmt: skip
UNITS = {"ug", "mg", "ug/day", "mg/day", "U"}  # U: toxin units (guide DO2)
STATS = {"mean", "median", "value", "percent"}
SPREADS = {"iqr", "sd", "range", "ci95", "se"}


def split_of(record_id: str) -> str:
    """``dev`` or ``test``: a hash of the seed and the id, below :data:`DEV_SHARE` is dev."""
    digest = hashlib.sha256(f"{SEED}:{record_id}".encode()).hexdigest()
    return "dev" if int(digest, 16) / 2**256 < DEV_SHARE else "test"


@cache
def _records(path: Path) -> tuple[dict[str, Any], ...]:
    return tuple(load(path))


def records(path: Path) -> list[dict[str, Any]]:
    return list(_records(path))


def all_records() -> list[dict[str, Any]]:
    return records(DEV) + records(TEST)


def problems(record: dict[str, Any]) -> list[str]:
    """Everything wrong with one real-gold record (empty when it is well formed)."""
    out: list[str] = []
    where = str(record.get("id"))
    if not TOP_KEYS <= set(record) <= TOP_KEYS | OPTIONAL_TOP_KEYS:
        out.append(f"{where}: keys {sorted(set(record) ^ TOP_KEYS)}")
        return out
    abstract, gold = record["abstract"], record["gold"]
    if record["category"] not in CATEGORIES:
        out.append(f"{where}: category {record['category']!r}")
    if set(gold) != GOLD_KEYS:
        out.append(f"{where}: gold keys {sorted(set(gold) ^ GOLD_KEYS)}")
        return out
    if gold["design"] not in DESIGNS:
        out.append(f"{where}: design {gold['design']!r}")
    n = gold["sample_size"]
    if n is not None and (type(n) is not int or n < 1):
        out.append(f"{where}: sample size {n!r}")
    names = gold["outcome_measures"]
    if len(set(names)) != len(names):
        out.append(f"{where}: an outcome listed twice")
    for dose in gold["doses"]:
        if dose["text"] not in abstract:
            out.append(f"{where}: dose text {dose['text']!r} not in the abstract")
        if dose["unit"] not in UNITS or dose["kind"] not in DOSE_KINDS:
            out.append(f"{where}: dose unit/kind {dose['unit']!r}/{dose['kind']!r}")
        if dose["value"] is None and not dose["range"]:
            out.append(f"{where}: dose {dose['text']!r} has neither value nor range")
    for p in gold["p_values"]:
        if p["text"] not in abstract:
            out.append(f"{where}: p-value text {p['text']!r} not in the abstract")
        if p["comparator"] not in COMPARATORS:
            out.append(f"{where}: comparator {p['comparator']!r}")
        if p["outcome"] is not None and p["outcome"] not in names:
            out.append(f"{where}: p-value linked to unlisted {p['outcome']!r}")
    for result in gold["results"]:
        if result["outcome"] not in names:
            out.append(f"{where}: result for unlisted {result['outcome']!r}")
        for side in ("pre", "post"):
            stat = result[side]
            if stat["text"] not in abstract:
                out.append(f"{where}: {side} text {stat['text']!r} not in the abstract")
            if stat["stat"] not in STATS:
                out.append(f"{where}: {side} stat {stat['stat']!r}")
            spread = stat["spread"]
            if spread is not None and spread["type"] not in SPREADS:
                out.append(f"{where}: {side} spread {spread!r}")
    return out
