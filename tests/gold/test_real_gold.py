"""The real-text gold is what the README leads with, so it is held to its promises here: enough
real abstracts of the right kinds, two passes and an adjudication for each, a split that follows the
seed and that no composed or audit case copies from, an agreement report that matches the passes,
and no reserved abstract anywhere (checked against ../shared/gold/reserved.py).

Only aggregate scores of the test split are ever printed (its floors are in
``tests/extractors/test_extract_real.py``); nothing here prints a test-split record's text.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from itb_evidence.agreement import agreement, read_passes, table
from tests.conftest import REPO_ROOT, shared_path
from tests.gold import realtext
from tests.gold.checks import load, windows

GOLD_FILES = sorted((REPO_ROOT / "tests" / "gold").rglob("*.jsonl"))


def test_there_are_200_real_abstracts_of_every_kind_asked_for() -> None:
    records = realtext.all_records()
    kinds = Counter(r["category"] for r in records)
    assert len(records) >= 200
    assert kinds["itb"] >= 60 and kinds["hsp"] >= 30 and kinds["drug"] + kinds["therapy"] >= 60


def test_every_record_is_well_formed() -> None:
    found = [p for r in realtext.all_records() for p in realtext.problems(r)]
    assert found == []


def test_ids_are_unique_and_both_passes_cover_every_record() -> None:
    ids = [r["id"] for r in realtext.all_records()]
    assert len(ids) == len(set(ids))
    assert set(read_passes(realtext.PASS_A)) == set(ids) == set(read_passes(realtext.PASS_B))


def test_the_split_follows_the_seed() -> None:
    for path, split in ((realtext.DEV, "dev"), (realtext.TEST, "test")):
        records = realtext.records(path)
        assert all(r["split"] == split == realtext.split_of(r["id"]) for r in records)
    share = len(realtext.records(realtext.DEV)) / len(realtext.all_records())
    assert 0.5 <= share <= 0.7


def test_no_composed_or_audit_case_copies_text_from_the_test_split() -> None:
    frozen = windows([r["abstract"] for r in realtext.records(realtext.TEST)])
    copied = [
        f"{path.name}:{case.get('id')}"
        for path in GOLD_FILES
        if path.parent.name != "real"
        for case in load(path)
        if windows([case.get("abstract") or ""]) & frozen
    ]
    assert copied == []


def test_the_snapshot_holds_no_test_split_abstract() -> None:
    """The demo's store and report show every snapshot abstract with its extraction: a test-split
    abstract there would be read while writing rules."""
    text = "\n".join(
        p.read_text(encoding="utf-8") for p in (REPO_ROOT / "data" / "snapshot").glob("*.xml")
    )
    leaked = [r["id"] for r in realtext.records(realtext.TEST) if r["abstract"][:200] in text]
    assert leaked == []


def test_the_agreement_report_matches_the_passes() -> None:
    rows = agreement(read_passes(realtext.PASS_A), read_passes(realtext.PASS_B))
    assert table(rows) in realtext.AGREEMENT.read_text(encoding="utf-8")


@pytest.mark.shared
@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_no_gold_file_holds_a_reserved_abstract(path: Path) -> None:
    checker = shared_path("gold", "reserved.py")
    done = subprocess.run(
        [sys.executable, str(checker), str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("0 reserved"), done.stdout
