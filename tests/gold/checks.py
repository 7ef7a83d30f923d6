"""Loading and per-case validation of the gold files in ``tests/gold`` (a support module, no tests).

The ``test_gold_*`` modules parametrise over the cases loaded here and call these checks; none of
them imports another test module. Each check asserts one part of a case's schema and its internal
consistency (every annotated ``text`` really is in the abstract, every link points at a listed
outcome), naming the case on failure: a malformed gold case silently corrupts every score computed
from it. No extractor runs here.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

GOLD_DIR = Path(__file__).resolve().parent
LEXICON = GOLD_DIR.parent.parent / "extractors" / "lexicons" / "outcomes.jsonl"
COMPOSED_GOLD = GOLD_DIR / "composed.jsonl"
AUDIT_GOLD = GOLD_DIR / "audit.jsonl"
AUDIT2_GOLD = GOLD_DIR / "audit2.jsonl"

TOP_KEYS = {"id", "pmid", "doi", "source_url", "title", "journal", "year", "abstract", "gold"}
GOLD_KEYS = {
    "is_itb_study",
    "is_hsp_population",
    "design",
    "sample_size",
    "outcome_measures",
    "doses",
    "p_values",
    "results",
    "note",
}
OPTIONAL_GOLD_KEYS = {"test_statistics"}
DOSE_KEYS = {"text", "drug", "route", "value", "sd", "range", "unit", "kind"}
P_VALUE_KEYS = {"text", "comparator", "value", "outcome"}
RESULT_KEYS = {"outcome", "pre", "post", "p"}
STATISTIC_KEYS = {"text", "stat", "value", "spread"}
SPREAD_KEYS = {"type", "lo", "hi", "sd"}
TEST_STATISTIC_KEYS = {"text", "kind", "value", "df", "p_reported", "p_comparator", "consistent"}

DESIGNS = {
    "rct",
    "prospective cohort",
    "retrospective cohort",
    "case series",
    "case report",
    "review",
    "systematic review/meta-analysis",
    "other",
}
COMPARATORS = {"=", "<", "<=", ">", ">="}
DOSE_UNITS = {"ug", "mg", "ug/day", "mg/day"}
DOSE_KINDS = {"daily", "bolus", "test", "other"}
STATS = {"median", "mean", "value"}
SPREAD_TYPES = {None, "iqr", "sd", "range", "ci95"}
TEST_KINDS = {"t", "F", "chi2", "z", "U", "W", "r"}

# The NS convention: "NS" or "not significant" in the p slot, annotated as '=' with a null value.
# composed.jsonl and audit.jsonl use these two forms; audit2.jsonl and later also "n.s.".
NS_FORMS_FIRST = ("NS", "not significant")
NS_FORMS = ("NS", "n.s.", "not significant")

# A shared abstract and a gold text sharing this many characters means copying, not composing.
COPY_WINDOW = 60
WINDOW_STEP = 10


def load(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON-lines file, blank lines skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def _cases(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(load(GOLD_DIR / name))


def cases(name: str) -> list[dict[str, Any]]:
    """The cases of the gold file ``tests/gold/<name>`` (read once per session)."""
    return list(_cases(name))


def all_gold_files() -> list[Path]:
    """Every gold file in ``tests/gold``, sorted by name."""
    return sorted(GOLD_DIR.glob("*.jsonl"))


def windows(abstracts: list[str]) -> set[str]:
    """Every ``COPY_WINDOW``-character window of the abstracts, one every ``WINDOW_STEP``."""
    return {
        abstract[i : i + COPY_WINDOW]
        for abstract in abstracts
        for i in range(0, max(len(abstract) - COPY_WINDOW, 0) + 1, WINDOW_STEP)
    }


def spelled_two_ways(names: set[str]) -> list[str]:
    """Outcome names that fold (case, spacing) onto another: one measure split in two if scored."""
    folded = Counter(" ".join(name.casefold().split()) for name in names)
    return [name for name, n in folded.items() if n > 1]


def duplicates(ids: list[str]) -> list[str]:
    return [case_id for case_id, n in Counter(ids).items() if n > 1]


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def assert_optional_number(value: object, where: str) -> None:
    assert value is None or is_number(value), f"{where}: {value!r} is not a number or null"


def check_record_keys_and_types(case: dict[str, Any]) -> None:
    assert set(case) == TOP_KEYS
    assert isinstance(case["id"], str) and case["id"]
    assert case["pmid"] is None and case["doi"] is None and case["source_url"] is None
    assert case["journal"] == "composed"
    assert isinstance(case["title"], str) and case["title"]
    assert isinstance(case["year"], int) and 1950 <= case["year"] <= 2030
    assert isinstance(case["abstract"], str) and case["abstract"].strip()
    gold = case["gold"]
    assert GOLD_KEYS <= set(gold) <= GOLD_KEYS | OPTIONAL_GOLD_KEYS
    assert isinstance(gold["is_itb_study"], bool)
    assert isinstance(gold["is_hsp_population"], bool)
    assert gold["design"] in DESIGNS
    size = gold["sample_size"]
    assert size is None or (isinstance(size, int) and not isinstance(size, bool) and size > 0)
    assert isinstance(gold["note"], str) and gold["note"].strip()
    outcomes = gold["outcome_measures"]
    assert isinstance(outcomes, list) and all(isinstance(o, str) and o for o in outcomes)
    assert len(set(outcomes)) == len(outcomes), "an outcome is listed twice"


def check_doses(case: dict[str, Any]) -> None:
    abstract = case["abstract"]
    for dose in case["gold"]["doses"]:
        where = f"{case['id']} dose {dose.get('text')!r}"
        assert set(dose) == DOSE_KEYS, where
        assert abstract.count(dose["text"]) == 1, f"{where}: not exactly once in the abstract"
        assert dose["unit"] in DOSE_UNITS, where
        assert dose["kind"] in DOSE_KINDS, where
        assert isinstance(dose["drug"], str) and dose["drug"], where
        assert isinstance(dose["route"], str) and dose["route"], where
        assert_optional_number(dose["value"], where)
        assert_optional_number(dose["sd"], where)
        dose_range = dose["range"]
        if dose_range is not None:
            assert isinstance(dose_range, list) and len(dose_range) == 2, where
            assert all(is_number(bound) for bound in dose_range), where
            assert dose_range[0] <= dose_range[1], where
        has_value_or_range = dose["value"] is not None or dose_range is not None
        assert has_value_or_range, f"{where}: no value and no range"
        if dose["value"] is None:
            assert dose["sd"] is None, f"{where}: an SD without a value"


def check_p_values(case: dict[str, Any], ns_forms: tuple[str, ...]) -> None:
    """Keys, text found once, comparator, a value in [0, 1] or (null) one of ``ns_forms`` in the
    text, and a link to a listed outcome or none."""
    abstract = case["abstract"]
    outcomes = set(case["gold"]["outcome_measures"])
    for p_value in case["gold"]["p_values"]:
        where = f"{case['id']} p-value {p_value.get('text')!r}"
        assert set(p_value) == P_VALUE_KEYS, where
        assert abstract.count(p_value["text"]) == 1, f"{where}: not exactly once in the abstract"
        assert p_value["comparator"] in COMPARATORS, where
        value = p_value["value"]
        if value is None:
            # Reported as not significant without a number: annotated as '=' with no value.
            assert any(form in p_value["text"] for form in ns_forms), where
            assert p_value["comparator"] == "=", where
        else:
            assert is_number(value) and 0.0 <= value <= 1.0, where
        assert p_value["outcome"] is None or p_value["outcome"] in outcomes, where


def check_results(case: dict[str, Any]) -> None:
    gold = case["gold"]
    abstract = case["abstract"]
    for result in gold["results"]:
        where = f"{case['id']} result {result.get('outcome')!r}"
        assert set(result) == RESULT_KEYS, where
        assert result["outcome"] in gold["outcome_measures"], where
        for side in ("pre", "post"):
            statistic = result[side]
            assert set(statistic) == STATISTIC_KEYS, f"{where} {side}"
            assert statistic["text"] in abstract, f"{where} {side}: text not in abstract"
            assert statistic["stat"] in STATS, f"{where} {side}"
            assert_optional_number(statistic["value"], f"{where} {side}")
            spread = statistic["spread"]
            assert set(spread) == SPREAD_KEYS, f"{where} {side}"
            assert spread["type"] in SPREAD_TYPES, f"{where} {side}"
            for key in ("lo", "hi", "sd"):
                assert_optional_number(spread[key], f"{where} {side} {key}")
            if spread["type"] in {"iqr", "range", "ci95"}:
                assert spread["lo"] is not None and spread["hi"] is not None, f"{where} {side}"
                assert spread["lo"] <= spread["hi"], f"{where} {side}"
            if spread["type"] == "sd":
                assert spread["sd"] is not None and spread["sd"] >= 0, f"{where} {side}"
        linked = [p["value"] for p in gold["p_values"] if p["outcome"] == result["outcome"]]
        if result["p"] is not None:
            assert result["p"] in linked, f"{where}: result p {result['p']} not among {linked}"


def check_test_statistics(case: dict[str, Any]) -> None:
    for statistic in case["gold"]["test_statistics"]:
        where = f"{case['id']} statistic {statistic.get('text')!r}"
        assert set(statistic) == TEST_STATISTIC_KEYS, where
        assert case["abstract"].count(statistic["text"]) == 1, where
        assert statistic["kind"] in TEST_KINDS, where
        assert is_number(statistic["value"]), where
        assert all(is_number(df) and df > 0 for df in statistic["df"]), where
        assert statistic["p_comparator"] in COMPARATORS, where
        reported = statistic["p_reported"]
        assert is_number(reported) and 0.0 <= reported <= 1.0, where
        assert statistic["consistent"] in (True, False, None), where


def has_test_statistics(case: dict[str, Any]) -> bool:
    return "test_statistics" in case["gold"]


def case_id(case: dict[str, Any]) -> str:
    return str(case["id"])
