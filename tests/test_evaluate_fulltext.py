"""The full-text table scorer: its matching rules on a small JATS table and gold file written here,
with hand-made extractions (the real extractor's scores are pinned in
``tests/gold/test_fulltext_gold.py``)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractors.tables import CellRef, TableExtraction, TableValue
from extractors.types import Spread, Statistic
from itb_evidence.cli.main import app
from itb_evidence.evaluate import GoldFileError
from itb_evidence.evaluate_fulltext import (
    evaluate_fulltext,
    format_fulltext_report,
    is_fulltext_gold,
    role_agrees,
    same_timepoint,
    split_of,
)
from itb_evidence.fulltext.document import FullText
from tests.conftest import REPO_ROOT

ARTICLE = """<?xml version="1.0" encoding="UTF-8"?>
<article><front><article-meta><title-group><article-title>T</article-title></title-group>
</article-meta></front><body><sec sec-type="results"><title>Results</title>
<table-wrap id="T1"><label>Table 1</label><caption><p>Outcomes</p></caption><table>
<thead><tr><th>Outcome</th><th>Baseline mean (SD)</th><th>12 months mean (SD)</th><th>P</th></tr>
</thead><tbody>
<tr><td>MAS</td><td>3.1 (0.6)</td><td>1.9 (0.8)</td><td>0.01</td></tr>
<tr><td>Age</td><td>45 (9)</td><td>46 (9)</td><td>0.80</td></tr>
</tbody></table></table-wrap></sec></body></article>
"""

GOLD: list[dict[str, Any]] = [
    {"row": 1, "col": 1, "cell_text": "3.1 (0.6)", "kind": "statistic", "value": 3.1,
     "outcome": "Modified Ashworth Scale", "role": "pre", "timepoint": None,
     "spread": {"type": "sd", "lo": None, "hi": None, "sd": 0.6}},
    {"row": 1, "col": 2, "cell_text": "1.9 (0.8)", "kind": "statistic", "value": 1.9,
     "outcome": "Modified Ashworth Scale", "role": "post", "timepoint": "12 months",
     "spread": {"type": "sd", "lo": None, "hi": None, "sd": 0.8}},
    {"row": 1, "col": 3, "cell_text": "0.01", "kind": "p_value", "value": 0.01, "comparator": "=",
     "outcome": "Modified Ashworth Scale", "role": "difference", "timepoint": None, "spread": None},
    {"row": 2, "col": 1, "cell_text": "45 (9)", "kind": "statistic", "value": 45,
     "outcome": None, "role": "other", "timepoint": None,
     "spread": {"type": "sd", "lo": None, "hi": None, "sd": 9}},
]  # fmt: skip


def _write(tmp_path: Path, gold: list[dict[str, Any]] = GOLD) -> Path:
    (tmp_path / "a.nxml").write_text(ARTICLE, encoding="utf-8")
    lines = [{"file": "a.nxml", "table_id": "T1", **item} for item in gold]
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def _value(row: int, col: int, text: str, **fields: Any) -> TableValue:
    fields.setdefault("kind", "statistic")
    return TableValue(cell=CellRef("T1", row, col, text, "", ""), rule_id="test", **fields)


def _stat(value: float, sd: float | None = None, spread_type: str = "sd") -> Statistic:
    return Statistic("mean", value, Spread(spread_type, sd=sd) if sd is not None else None)


def _extractor(*values: TableValue) -> Any:
    def tables(document: FullText) -> list[TableExtraction]:
        return [TableExtraction("T1", "outcome_rows", (), (), tuple(values))]

    return tables


MAS = "Modified Ashworth Scale"


def test_exact_predictions_score_one_and_link_through_lenient_names(tmp_path: Path) -> None:
    tables = _extractor(
        _value(1, 1, "3.1 (0.6)", statistic=_stat(3.1, 0.6), outcome=MAS, role="pre"),
        _value(
            1, 2, "1.9 (0.8)", statistic=_stat(1.9, 0.8), outcome="MAS", role="post",
            timepoint="12  Months",
        ),
        _value(1, 3, "0.01", kind="p_value", p=0.01, comparator="=", outcome=MAS, role="p_value"),
        _value(2, 1, "45 (9)", statistic=_stat(45, 9)),
    )  # fmt: skip
    report = evaluate_fulltext(_write(tmp_path), tables=tables)
    total = report.total
    assert (total.values.tp, total.values.fp, total.values.fn) == (4, 0, 0)
    assert (total.linked.correct, total.linked.total) == (3, 3)
    assert total.spurious_links == 0
    assert "table_values  P 1.000  R 1.000  F1 1.000" in format_fulltext_report(report, False)


def test_numbers_kind_and_comparator_decide_a_match(tmp_path: Path) -> None:
    tables = _extractor(
        _value(1, 1, "3.1 (0.6)", statistic=_stat(3.1, 0.7)),  # wrong SD
        _value(1, 2, "1.9 (0.8)", kind="dose", statistic=_stat(1.9, 0.8)),  # wrong kind
        _value(1, 3, "0.01", kind="p_value", p=0.01, comparator="<"),  # wrong comparator
        _value(2, 2, "46 (9)", statistic=_stat(46, 9)),  # a cell the gold leaves out
    )
    total = evaluate_fulltext(_write(tmp_path), tables=tables).total
    assert (total.values.tp, total.values.fp, total.values.fn) == (0, 4, 4)
    assert total.linked.total == 0


def test_spread_type_is_scored_apart_from_the_match(tmp_path: Path) -> None:
    tables = _extractor(
        _value(1, 1, "3.1 (0.6)", statistic=_stat(3.1, 0.6, "unspecified"), outcome=MAS, role="pre")
    )
    total = evaluate_fulltext(_write(tmp_path), tables=tables).total
    assert total.values.tp == 1
    assert (total.spread_type.correct, total.spread_type.total) == (0, 1)


def test_a_link_needs_outcome_role_and_timepoint_and_a_null_gold_outcome_counts_spurious(
    tmp_path: Path,
) -> None:
    tables = _extractor(
        _value(1, 1, "3.1 (0.6)", statistic=_stat(3.1, 0.6), outcome=MAS, role="post"),
        _value(1, 2, "1.9 (0.8)", statistic=_stat(1.9, 0.8), outcome=MAS, role="post"),
        _value(1, 3, "0.01", kind="p_value", p=0.01, comparator="=", outcome=MAS, role="change"),
        _value(2, 1, "45 (9)", statistic=_stat(45, 9), outcome="Spasticity"),
    )
    total = evaluate_fulltext(_write(tmp_path), tables=tables).total
    assert total.values.tp == 4
    assert (total.linked.correct, total.linked.total) == (0, 3)
    assert (total.outcome.correct, total.role.correct, total.timepoint.correct) == (3, 1, 2)
    assert total.spurious_links == 1


def test_role_and_timepoint_rules() -> None:
    assert role_agrees("pre", "pre") and not role_agrees("other", "pre")
    assert role_agrees("p_value", "difference") and role_agrees("other", "difference")
    assert role_agrees("n", "other") and not role_agrees("change", "difference")
    assert same_timepoint("Month 12", "month  12") and same_timepoint(None, None)
    assert not same_timepoint(None, "Month 0")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cell_text": "3.1(0.6)"}, "line 1: cell_text '3.1(0.6)' but the table has '3.1 (0.6)'"),
        ({"row": 9}, "line 1: cell (9, 1) is outside the 3-row grid"),
        ({"kind": "effect"}, "line 1: kind 'effect' is not one of"),
        ({"role": "baseline"}, "line 1: role 'baseline' is not one of"),
        ({"value": "3.1"}, "line 1: value must be a number or null"),
    ],
)
def test_a_bad_gold_value_fails_naming_its_line(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    path = _write(tmp_path, [{**GOLD[0], **change}, *GOLD[1:]])
    with pytest.raises(GoldFileError, match=re.escape(message)):
        evaluate_fulltext(path, tables=_extractor())


def test_a_cell_annotated_twice_or_a_missing_article_fails(tmp_path: Path) -> None:
    with pytest.raises(GoldFileError, match=r"line 2: cell .* already annotated on line 1"):
        evaluate_fulltext(_write(tmp_path, [GOLD[0], GOLD[0]]), tables=_extractor())
    path = _write(tmp_path)
    (tmp_path / "a.nxml").unlink()
    with pytest.raises(
        GoldFileError, match=re.escape("line 1: no file a.nxml beside the gold file")
    ):
        evaluate_fulltext(path, tables=_extractor())


def test_the_cli_dispatches_on_the_gold_files_shape(tmp_path: Path) -> None:
    assert is_fulltext_gold(REPO_ROOT / "tests" / "gold" / "fulltext" / "gold.jsonl")
    assert not is_fulltext_gold(REPO_ROOT / "tests" / "gold" / "composed.jsonl")
    shown = CliRunner().invoke(app, ["evaluate", str(_write(tmp_path)), "--verbose"])
    assert shown.exit_code == 0, shown.output
    assert "table_values" in shown.output and "- a.nxml T1" in shown.output
    bad = _write(tmp_path, [{**GOLD[0], "cell_text": "x"}])
    refused = CliRunner().invoke(app, ["evaluate", str(bad)])
    assert refused.exit_code == 2
    assert "line 1: cell_text 'x' but the table has '3.1 (0.6)'" in refused.output


def test_articles_are_split_by_a_fixed_hash_and_a_line_must_carry_its_articles_split(
    tmp_path: Path,
) -> None:
    assert (split_of("a.nxml"), split_of("c.nxml")) == ("dev", "test")
    assert split_of("bmcneurol-2022-02672-8.nxml") == split_of("bmcneurol-2022-02672-8") == "dev"
    path = _write(tmp_path, [{**GOLD[0], "split": "test"}])
    with pytest.raises(GoldFileError, match=re.escape("line 1: split 'test' but the rule puts")):
        evaluate_fulltext(path, tables=_extractor())


def test_verbose_shows_dev_tables_with_their_misses_and_refuses_test_tables(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path)
    (tmp_path / "c.nxml").write_text(ARTICLE, encoding="utf-8")
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"file": "c.nxml", "table_id": "T1", **GOLD[0]}) + "\n")
    report = evaluate_fulltext(
        path, tables=_extractor(_value(1, 1, "3.1 (0.6)", statistic=_stat(3.1, 0.6)))
    )
    shown = format_fulltext_report(report, verbose=True)
    assert "dev split (4 values in 1 tables)" in shown
    assert "test split (1 values in 1 tables)" in shown
    assert "- a.nxml T1" in shown and "c.nxml" not in shown
    assert "refused: 1 table(s) of the frozen test split" in shown
    # the dev table's misses: a value found without its outcome, and one not found at all
    assert "miss (1,1) '3.1 (0.6)': link: gold statistic 3.1" in shown
    assert "miss (1,2) '1.9 (0.8)': missed statistic 1.9" in shown
    assert "miss" not in format_fulltext_report(report, verbose=False)
    assert report.scores("test")["table_values"] == 1.0
    assert report.scores("dev")["table_values_recall"] == 0.25
