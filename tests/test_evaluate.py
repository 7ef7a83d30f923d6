"""The built-in evaluation: matching rules on a small gold file written here."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest

from extractors.types import (
    DoseMention,
    Provenance,
    PValue,
    ResultPair,
    SampleSize,
    Spread,
    Statistic,
    StudyExtraction,
)
from itb_evidence.evaluate import (
    TIER_ORDER,
    EvaluationReport,
    GoldFileError,
    evaluate,
    format_report,
)

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
    # Gold "Pain (VAS)" is keyed through the outcome lexicon, which names it as the guide does (N6).
    assert "p-value missed: <= 0.001" in text
    assert "outcome missed: 'visual analogue scale (pain)'" in text
    assert "g1" not in format_report(report, verbose=False)


def test_malformed_gold_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "abstract": "", "gold": {}}\n{oops\n', encoding="utf-8")
    with pytest.raises(GoldFileError, match="line 2"):
        evaluate(path)


# Hand-made predictions: the scorer's matching rules, independent of what the rules extract.
PAIRS_ABSTRACT = (
    "MAS fell from 3 (IQR 3-4) to 1 (IQR 1-2) (p = 0.01). PSFS fell from 3 to 2 (p = 0.04). "
    "Pain fell from 7 to 4 (p = 0.2). Scores ranged from 2 to 4. Bolus 50 μg; bolus 50 μg daily."
)


def _prov(text: str, start: int = 0) -> Provenance:
    return Provenance("abstract", start, start + len(text), text, text, None, "test")


def _p(value: float, outcome: str | None, start: int) -> PValue:
    return PValue("=", value, outcome, _prov(f"p = {value}", start))


def _stat(value: float | None, spread: Spread | None = None, stat: str = "median") -> Statistic:
    return Statistic(stat, value, spread)


def _pair(outcome: str | None, pre: Statistic, post: Statistic, p: PValue | None) -> ResultPair:
    return ResultPair(outcome, pre, post, p, _prov("from ... to ..."))


def _spread(kind: str | None, lo: float | None = None, hi: float | None = None) -> object:
    return {"type": kind, "lo": lo, "hi": hi, "sd": None}


def _gold_pair(
    outcome: str | None, pre: float | None, post: float | None, p: float | None, spread: object
) -> dict[str, object]:
    return {
        "outcome": outcome,
        "pre": {"stat": "median", "value": pre, "spread": spread},
        "post": {"stat": "median", "value": post, "spread": spread},
        "p": p,
    }


def _scored(
    tmp_path: Path, gold: Mapping[str, object], predicted: StudyExtraction
) -> EvaluationReport:
    base: dict[str, object] = {
        "is_itb_study": True,
        "is_hsp_population": False,
        "design": "case series",
        "sample_size": None,
        "outcome_measures": [],
        "doses": [],
        "p_values": [],
        "results": [],
    }
    path = tmp_path / "gold.jsonl"
    record = {"id": "h1", "title": "", "abstract": PAIRS_ABSTRACT, "gold": {**base, **gold}}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return evaluate(path, extractor=lambda *_: predicted)


def _prediction(**fields: object) -> StudyExtraction:
    base = StudyExtraction("h1", True, False, "case series", None)
    return replace(base, **fields)  # type: ignore[arg-type]


def test_results_match_on_outcome_and_values_then_score_spreads_and_p(tmp_path: Path) -> None:
    iqr = Spread("iqr", 3, 4)
    gold = {
        "results": [
            # matched; spreads and p right (gold IQR pre 3-4 / post 3-4 as written by _gold_pair)
            _gold_pair("Modified Ashworth Scale", 3, 1, 0.01, _spread("iqr", 3, 4)),
            # matched through the lexicon synonym; no spread on either side (type null); p wrong
            _gold_pair("Penn spasm frequency score", 3, 2, 0.04, _spread(None)),
            # missed: the prediction has post 5
            _gold_pair("Pain (NRS)", 7, 4, 0.2, _spread(None)),
            # matched with a null pre value equal only to null; spread wrong (range vs none)
            _gold_pair(None, None, 4, None, _spread("range", 2, 4)),
        ]
    }
    predicted = _prediction(
        results=(
            _pair("Modified Ashworth Scale", _stat(3, iqr), _stat(1, iqr), _p(0.01, None, 40)),
            _pair("Penn Spasm Frequency Scale", _stat(3), _stat(2), _p(0.4, None, 70)),
            _pair("Pain (NRS)", _stat(7), _stat(5), None),
            _pair(None, _stat(None), _stat(4), None),
            _pair(None, _stat(2), _stat(4), None),  # "ranged from 2 to 4": spurious
        )
    )
    report = _scored(tmp_path, gold, predicted)
    assert (report.results.tp, report.results.fp, report.results.fn) == (3, 2, 1)
    assert (report.result_spreads.correct, report.result_spreads.total) == (2, 3)
    assert (report.result_p.correct, report.result_p.total) == (2, 3)
    assert report.scores()["results"] == pytest.approx(2 * 0.6 * 0.75 / (0.6 + 0.75))
    text = format_report(report, verbose=True)
    assert "result missed: 'Pain (NRS)' 7.0 -> 4.0 (p 0.2)" in text
    assert "result p wrong: 'Penn spasm frequency score' -> 0.4, gold 0.04" in text
    assert "result spread wrong: None" in text
    assert text.count("result spurious:") == 2


def test_dose_attributes_pair_nearest_and_compare_case_insensitively(tmp_path: Path) -> None:
    first = PAIRS_ABSTRACT.index("Bolus 50 μg")
    second = PAIRS_ABSTRACT.index("bolus 50 μg daily")

    def dose(start: int, drug: str | None, route: str | None, kind: str) -> DoseMention:
        return DoseMention(50, None, None, "ug", drug, route, kind, _prov("50 μg", start + 6))

    gold = {
        "doses": [
            {"text": "bolus 50 μg daily", "value": 50, "range": None, "unit": "ug",
             "drug": "baclofen", "route": None, "kind": "daily"},
            {"text": "Bolus 50 μg", "value": 50, "range": None, "unit": "ug",
             "drug": "Baclofen", "route": "intrathecal", "kind": "bolus"},
            {"text": "absent", "value": 9, "range": None, "unit": "mg",
             "drug": "baclofen", "route": "oral", "kind": "daily"},
        ]
    }  # fmt: skip
    predicted = _prediction(
        doses=(
            dose(first, "baclofen", "intrathecal", "bolus"),
            dose(second, None, None, "daily"),
            DoseMention(None, None, (1, 2), "mg", None, None, "other", _prov("1-2 mg", 0)),
        )
    )
    report = _scored(tmp_path, gold, predicted)
    assert (report.doses.tp, report.doses.fp, report.doses.fn) == (2, 1, 1)
    # Pairing by position: the "daily" gold dose meets the second prediction, not the first.
    assert (report.dose_kind.correct, report.dose_kind.total) == (2, 2)
    assert (report.dose_route.correct, report.dose_route.total) == (2, 2)
    assert (report.dose_drug.correct, report.dose_drug.total) == (1, 2)
    assert "dose drug wrong: 'bolus 50 μg daily' -> None, gold 'baclofen'" in format_report(
        report, verbose=True
    )


def test_links_on_gold_null_p_values_are_spurious(tmp_path: Path) -> None:
    gold = {
        "p_values": [
            {
                "text": "p = 0.01",
                "comparator": "=",
                "value": 0.01,
                "outcome": "modified ashworth scale",
            },
            {"text": "p = 0.04", "comparator": "=", "value": 0.04, "outcome": None},
            {"text": "p = 0.2", "comparator": "=", "value": 0.2, "outcome": "Pain (NRS)"},
            {"text": "p = 0.5", "comparator": "=", "value": 0.5, "outcome": None},
        ]
    }
    predicted = _prediction(
        p_values=(
            _p(0.01, "Modified Ashworth Scale", 40),  # right
            _p(0.04, "Penn Spasm Frequency Scale", 80),  # gold null: spurious link
            _p(0.2, None, 110),  # missed link: counted by links, not by link_precision
            _p(0.5, None, 150),  # gold null, predicted null: fine, counted nowhere
        )
    )
    report = _scored(tmp_path, gold, predicted)
    assert (report.links.correct, report.links.total) == (1, 2)  # unchanged definition
    assert (report.link_precision.correct, report.link_precision.total) == (1, 2)
    assert report.spurious_links == 1
    text = format_report(report, verbose=True)
    assert "link spurious: 'p = 0.04' -> 'Penn Spasm Frequency Scale', gold null" in text
    assert "spurious_links: 1" in text


def test_new_score_keys_extend_the_old_ones(tmp_path: Path) -> None:
    report = _scored(tmp_path, {}, _prediction())
    old = ["p_values", "doses", "outcomes", "sample_size", "links", "itb_flag", "hsp_flag"]
    new = ["link_precision", "results", "result_spreads", "result_p", "dose_drug", "dose_route"]
    lenient = ["outcomes_lenient", "results_lenient", "links_lenient", "link_precision_lenient"]
    assert {*old, "design", *new, "dose_kind", *lenient} == set(report.scores())
    # Nothing to score: vacuous metrics read 1.0, never a division by zero.
    assert all(report.scores()[key] == 1.0 for key in new)


@pytest.mark.parametrize(
    ("gold", "predicted", "strict", "lenient"),
    [
        ("Gait speed", "walking speed", True, True),  # the outcome lexicon knows the synonym
        ("Gait speed", "speeds of walking", False, True),  # name table (N8), plural
        ("Berg Balance Scale", "Berg balance ratings", False, True),  # generic trailing word
        ("Modified Ashworth Scale", "MAS", False, True),  # an abbreviation only the table maps
        ("Modified Ashworth Scale", "Ashworth Scale", False, False),  # N3: two instruments
        ("Reflex Scale", "Reflexes", False, False),  # N5: a scale is not the reflexes
        ("Visual Analogue Scale (pain)", "Visual Analogue Scale (stiffness)", False, False),
    ],
)
def test_outcome_names_match_strictly_and_leniently(
    gold: str, predicted: str, strict: bool, lenient: bool
) -> None:
    from itb_evidence.outcome_names import lenient_key, strict_key

    assert (strict_key(gold) == strict_key(predicted)) is strict
    assert (lenient_key(gold) == lenient_key(predicted)) is lenient


def test_an_empty_gold_file_is_an_error_not_a_perfect_score(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match="no gold records"):
        evaluate(path)


def test_the_frozen_split_prints_aggregates_only(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from itb_evidence.cli import app

    path = tmp_path / "test.jsonl"
    record = {"id": "r", "split": "test", "title": "", "abstract": "No numbers here at all."}
    gold: dict[str, list[object]] = {
        "outcome_measures": [],
        "p_values": [],
        "doses": [],
        "results": [],
    }
    path.write_text(json.dumps({**record, "gold": gold}) + "\n", encoding="utf-8")
    refused = CliRunner().invoke(app, ["evaluate", str(path), "--verbose"])
    assert refused.exit_code == 2 and "frozen test split" in refused.output
    shown = CliRunner().invoke(app, ["evaluate", str(path), "--aggregate-only"])
    assert shown.exit_code == 0 and "outcomes" in shown.output and "No numbers" not in shown.output


GOOD_GOLD = b'{"id": "a", "abstract": "No numbers.", "gold": {}}'


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (
            [GOOD_GOLD, b'{"id": "b", "abstract": "caf\xe9", "gold": {}}'],
            "line 2: not UTF-8 (byte 0xe9",
        ),
        ([b"[1, 2]"], "line 1: needs 'abstract' and 'gold' keys"),
        ([b'{"abstract": 5, "gold": {}}'], "line 1: 'abstract' must be a string or null, got int"),
        ([b'{"abstract": "x", "gold": [1]}'], "line 1: 'gold' must be an object, got list"),
        (
            [b'{"abstract": "x", "gold": {"p_values": 3}}'],
            "gold 'p_values' must be a list, got int",
        ),
        ([b'{"abstract": "x", "gold": {"doses": [2]}}'], "gold 'doses' items must be objects"),
        (
            [b'{"abstract": "x", "gold": {"outcome_measures": [{}]}}'],
            "gold 'outcome_measures' items must be strings, got dict",
        ),
        (
            [GOOD_GOLD, b'{"abstract": "x", "gold": {"doses": [{"value": "abc", "unit": "ug"}]}}'],
            "line 2: a gold value is missing or of the wrong type (ValueError",
        ),
        (
            [b'{"abstract": "p = 0.02", "gold": {"p_values": [{"value": 0.02}]}}'],
            "line 1: a gold value is missing or of the wrong type (KeyError: 'comparator')",
        ),
        ([b"[" * 100_000], "line 1: "),
    ],
)
def test_a_malformed_gold_file_is_one_error_naming_the_line(
    tmp_path: Path, lines: list[bytes], message: str
) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    with pytest.raises(GoldFileError) as refused:
        evaluate(path)
    assert f"{path} {message}" in str(refused.value) or message in str(refused.value)
    assert str(path) in str(refused.value)
    assert "\n" not in str(refused.value)


def test_precision_and_coverage_per_confidence_tier(tmp_path: Path) -> None:
    """Tiers are cumulative: high, high+medium, all. Precision counts predictions of those tiers,
    coverage the gold values they match; a link's tier is its link_confidence, a result's the
    lower of its two tiers, an unassessed (None) value counts as low."""
    gold = {
        "p_values": [
            {"text": "p = 0.01", "comparator": "=", "value": 0.01, "outcome": "MAS"},
            {"text": "p = 0.04", "comparator": "=", "value": 0.04, "outcome": "PSFS"},
            {"text": "p = 0.2", "comparator": "=", "value": 0.2, "outcome": "Pain"},
        ],
        "results": [_gold_pair("Modified Ashworth Scale", 3, 1, 0.01, _spread(None))],
        "sample_size": 12,
        "design": "rct",
    }
    p_high = replace(_p(0.01, "MAS", 40), confidence="high", link_confidence="high")
    p_medium = replace(_p(0.04, "Pain", 70), confidence="medium", link_confidence="medium")
    p_wrong = replace(_p(0.5, None, 90), confidence="high")  # spurious p-value rated high
    p_none = _p(0.2, "Pain", 110)  # unassessed: low, its link too
    pair = replace(
        _pair("Modified Ashworth Scale", _stat(3), _stat(1), None),
        confidence="high",
        link_confidence="medium",
    )
    predicted = _prediction(
        p_values=(p_high, p_medium, p_wrong, p_none),
        results=(pair,),
        sample_size=SampleSize(12, _prov("12 patients")),
        sample_size_confidence="high",
        design="case series",
        design_confidence="low",
    )
    report = _scored(tmp_path, gold, predicted)
    p = report.tiers["p_values"]
    assert p.precision(["high"]) == 0.5 and p.coverage(["high"]) == pytest.approx(1 / 3)
    assert p.coverage(["high", "medium"]) == pytest.approx(2 / 3)
    assert p.precision(["high", "medium", "low"]) == 0.75 and p.coverage(TIER_ORDER) == 1.0
    links = report.tiers["links"]  # PSFS linked to Pain: wrong; Pain (low) right
    assert links.precision(["high"]) == 1.0 and links.coverage(["high"]) == pytest.approx(1 / 3)
    assert links.precision(["high", "medium"]) == 0.5
    assert links.coverage(TIER_ORDER) == pytest.approx(2 / 3)
    results = report.tiers["results"]  # the lower of high and medium
    assert results.predicted == {"medium": 1} and results.coverage(["high"]) == 0.0
    assert report.tiers["sample_size"].precision(["high"]) == 1.0
    design = report.tiers["design"]
    assert design.predicted == {"low": 1} and design.coverage(TIER_ORDER) == 0.0
    pooled = report.pooled_tiers()
    assert pooled.gold == 3 + 3 + 1 + 1 + 1
    assert pooled.predicted["high"] == 2 + 1 + 1  # 2 p-values, 1 link, the sample size
    text = format_report(report, verbose=False)
    assert "confidence tiers" in text and "all values" in text
    assert text.splitlines()[-1].startswith("all values")
