"""The full-text table gold (``tests/gold/fulltext/``) is held to what it promises: every value sits
in a body cell of its table as written, the adjudicated file follows from the two passes and the
written decisions, the agreement report matches the passes, no article is reserved, every line
carries its article's split, and the table extractor's scores on each split do not fall below
their floors.

The gold is split by article (``evaluate_fulltext.split_of``): the extractor is tuned on the dev
tables only; the test tables are scored in aggregate and never printed value by value.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from itb_evidence.evaluate_fulltext import (
    agreement_report,
    cell_problem,
    evaluate_fulltext,
    format_fulltext_report,
    grid_texts,
    read_values,
    split_of,
)
from itb_evidence.fulltext.jats import parse_jats
from tests.conftest import REPO_ROOT, shared_path

FULLTEXT = REPO_ROOT / "tests" / "gold" / "fulltext"
GOLD = FULLTEXT / "gold.jsonl"
PASS_A, PASS_B = FULLTEXT / "passes" / "A.jsonl", FULLTEXT / "passes" / "B.jsonl"
ARTICLES = sorted(FULLTEXT.glob("*.nxml"))
# The fields an annotator decides (the cell's address and text are fixed by the table).
DECIDED = (
    "kind",
    "outcome",
    "role",
    "timepoint",
    "group",
    "statistic",
    "value",
    "spread",
    "comparator",
    "percent",
)

# Floors per split: the figures measured after the dev tables were tuned on (issue 14), the test
# split's read once with --aggregate-only (targets are 0.90 for table values F1 and for linked,
# README "Full text"). Before that tuning: dev values F1 0.872, linked 0.122; test 0.975, 0.023.
FLOORS = {
    "dev": {
        "table_values": 1.0,
        "table_values_precision": 1.0,
        "table_values_recall": 1.0,
        "linked": 0.53,  # 0.539 with outcomes round 3 (0.441 after the table tuning)
        "outcome": 0.53,
        "role": 1.0,
        "timepoint": 1.0,
        "spread_type": 1.0,
    },
    "test": {
        "table_values": 0.975,
        "table_values_precision": 0.951,
        "table_values_recall": 1.0,
        "linked": 0.069,
        "outcome": 0.627,
        "role": 0.325,
        "timepoint": 0.837,
        "spread_type": 1.0,
    },
}
DEV_ARTICLES = {"bmcneurol-2022-02672-8.nxml", "fneur-2021-745618.nxml"}


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _key(record: dict[str, Any]) -> tuple[str, str, int, int]:
    return (record["file"], record["table_id"], record["row"], record["col"])


def test_the_gold_covers_five_articles_and_six_tables_in_both_passes() -> None:
    gold = read_values(GOLD)
    assert {v.file for v in gold} == {p.name for p in ARTICLES}
    assert len({(v.file, v.table_id) for v in gold}) == 6
    assert {v.key for v in gold} == {v.key for v in read_values(PASS_A)}
    assert {v.key for v in gold} == {v.key for v in read_values(PASS_B)}


@pytest.mark.parametrize("path", [GOLD, PASS_A, PASS_B], ids=lambda p: p.name)
def test_every_value_is_a_body_cell_of_its_table_as_written(path: Path) -> None:
    grids = {key: grid for article in ARTICLES for key, grid in grid_texts(article).items()}
    header_rows = {
        (article.name, table.xml_id): table.header_rows
        for article in ARTICLES
        for document in parse_jats(article.read_bytes(), what=article.name)
        for table in document.tables
    }
    problems = [(v.line, cell_problem(v, grids)) for v in read_values(path)]
    assert [p for p in problems if p[1] is not None] == []
    in_header = [v.line for v in read_values(path) if v.row < header_rows[(v.file, v.table_id)]]
    assert in_header == []


def test_gold_differs_from_the_passes_only_where_an_adjudication_says_so() -> None:
    """Where the passes disagree the gold names the field in its adjudication; where they agree
    the gold keeps their value unless an adjudication names the field (the guide applied)."""
    a = {_key(r): r for r in _lines(PASS_A)}
    b = {_key(r): r for r in _lines(PASS_B)}
    unexplained = []
    for record in _lines(GOLD):
        first, second = a[_key(record)], b[_key(record)]
        named = {entry.split(":")[0] for entry in record.get("adjudication", "").split("; ")}
        for name in DECIDED:
            changed = first.get(name) != second.get(name) or record.get(name) != first.get(name)
            if changed and name not in named:
                unexplained.append((_key(record), name))
            if changed and record.get(name) not in (first.get(name), second.get(name)):
                assert (
                    f"-> {json.dumps(record.get(name), ensure_ascii=False)}"
                    in (record["adjudication"])
                )
    assert unexplained == []


def test_every_adjudication_cites_a_written_rule() -> None:
    conventions = (FULLTEXT / "CONVENTIONS.md").read_text(encoding="utf-8")
    guide_rules = {"N8", "N9", "P6", "O4", "O10"}
    for record in _lines(GOLD):
        for entry in filter(None, record.get("adjudication", "").split("; ")):
            cited = set(re.findall(r"\b([A-Z]{1,2}\d+)\b", entry))
            assert cited, entry
            for rule in cited - guide_rules:
                assert f"**{rule}**" in conventions, (rule, entry)


def test_the_agreement_report_matches_the_passes() -> None:
    expected = agreement_report(PASS_A, PASS_B, GOLD)
    assert (FULLTEXT / "AGREEMENT.md").read_text(encoding="utf-8") == expected


def test_every_line_carries_its_articles_split_by_the_fixed_hash() -> None:
    lines = _lines(GOLD)
    assert all(line["split"] == split_of(line["file"]) for line in lines)
    assert {line["file"] for line in lines if line["split"] == "dev"} == DEV_ARTICLES
    assert sum(line["split"] == "dev" for line in lines) == 102
    assert sum(line["split"] == "test" for line in lines) == 138


def test_the_readme_and_sources_state_the_split_and_its_history() -> None:
    for path in (REPO_ROOT / "README.md", FULLTEXT / "SOURCES.md"):
        text = " ".join(path.read_text(encoding="utf-8").split())
        assert "evaluation only" not in text, path
        assert 'sha256("itb-ft:" + file stem)' in text, path
        assert "scored once before the split" in text, path
        assert "aggregate miss list" in text, path


@pytest.mark.shared
def test_no_article_is_reserved(tmp_path: Path) -> None:
    """The articles' DOI, PMID, title and abstract through ``../shared/gold/reserved.py``."""
    checker = shared_path("gold", "reserved.py")
    records = []
    for article in ARTICLES:
        for document in parse_jats(article.read_bytes(), what=article.name):
            abstract = " ".join(
                p.text
                for p in document.paragraphs
                if p.section is not None and document.sections[p.section].kind == "abstract"
            )
            records.append(
                {
                    "id": article.stem,
                    "doi": document.doi,
                    "pmid": document.pmid,
                    "title": document.title,
                    "abstract": abstract,
                }
            )
    assert all(r["doi"] for r in records)
    listing = tmp_path / "fulltext_articles.jsonl"
    listing.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(checker), str(listing)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("0 reserved"), done.stdout
    for record in records:
        for text in (record["title"], record["abstract"]):
            if text:
                one = subprocess.run(
                    [sys.executable, str(checker), "--text", text],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                assert one.stdout.strip() == "not reserved", record["id"]


@pytest.mark.parametrize("split", ["dev", "test"])
def test_scores_stay_at_or_above_their_floors(split: str) -> None:
    scores = evaluate_fulltext(GOLD).scores(split)
    floors = FLOORS[split]
    below = {name: round(scores[name], 4) for name, floor in floors.items() if scores[name] < floor}
    assert below == {}


def test_verbose_refuses_the_test_tables() -> None:
    shown = format_fulltext_report(evaluate_fulltext(GOLD), verbose=True)
    assert {line.split()[1] for line in shown.splitlines() if line.startswith("- ")} == DEV_ARTICLES
    assert "refused: 3 table(s) of the frozen test split" in shown
