"""The built-in evaluation: matching rules on a small gold file written here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from itb_evidence.evaluate import GoldFileError, evaluate, format_report

ABSTRACT = (
    "We evaluated seven patients. The Ashworth Scale improved (p = 0.02), as did the Penn spasm "
    "score (p = 0.02). Baclofen was given at 200 μg/day and gait velocity rose (p < .001)."
)


def _gold(tmp_path: Path, gold: dict[str, object]) -> Path:
    path = tmp_path / "gold.jsonl"
    record = {"id": "g1", "title": "Intrathecal baclofen", "abstract": ABSTRACT, "gold": gold}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_scores_and_matching_rules(tmp_path: Path) -> None:
    gold = {
        "is_itb_study": True,
        "is_hsp_population": True,  # deliberately wrong: the abstract has no HSP
        "design": "case series",
        "sample_size": 7,
        "outcome_measures": [
            "ashworth scale",
            "Penn Spasm Frequency Scale",
            "Gait velocity",
            "Pain (VAS)",
        ],
        "doses": [
            {"text": "200 μg/day", "value": 200, "range": None, "unit": "ug/day"},
            {"text": "x", "value": 5, "range": None, "unit": "mg"},
        ],
        "p_values": [
            {
                "text": "p = 0.02), as",
                "comparator": "=",
                "value": 0.02,
                "outcome": "Ashworth Scale",
            },
            {
                "text": "p = 0.02). Bac",
                "comparator": "=",
                "value": 0.02,
                "outcome": "Penn Spasm Frequency Scale",
            },
            {"text": "p < .001", "comparator": "<=", "value": 0.001, "outcome": "Gait speed"},
        ],
    }
    report = evaluate(_gold(tmp_path, gold))
    assert (report.p_values.tp, report.p_values.fp, report.p_values.fn) == (2, 1, 1)
    assert (report.doses.tp, report.doses.fp, report.doses.fn) == (1, 0, 1)
    # "Gait velocity" in gold and "Gait speed" predicted are one canonical entry.
    assert (report.outcomes.tp, report.outcomes.fp, report.outcomes.fn) == (3, 0, 1)
    assert (report.links.correct, report.links.total) == (2, 3)
    assert report.sample_size.value == 1.0 and report.hsp_flag.value == 0.0
    assert report.p_values.f1 == pytest.approx(2 / 3)
    text = format_report(report, verbose=True)
    assert "p-value missed: <= 0.001" in text and "outcome missed: 'pain (vas)'" in text
    assert "g1" not in format_report(report, verbose=False)


def test_malformed_gold_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "abstract": "", "gold": {}}\n{oops\n', encoding="utf-8")
    with pytest.raises(GoldFileError, match="line 2"):
        evaluate(path)
