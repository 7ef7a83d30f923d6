"""Doses: value (± SD, range) + a mass unit, normalised (``ug``, ``mg``, ``ug/day``, ``mg/day``).

A dose needs a mass unit: that is what keeps ages ("26 years (18-52)"), durations ("13 ± 6 years"),
counts and percentages out. Group labels glued to the number ("B10 mg") are refused by the left
number boundary. Drug and route are resolved by the engine from nearby lexicon mentions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from extractors.numbers import DECIMAL, NUM_LEFT, PLUS_MINUS, RANGE_SEP, parse_decimal

# Mass units as printed: Greek mu (U+03BC) and micro sign (U+00B5) both occur, as do "ug", "mcg".
UNIT = r"(?P<unit>[\u03bc\u00b5]g|ug|mcg|micro-?grams?|microg|mg|milligrams?)(?![A-Za-z])"
# Weight-based dosing: "mg/kg", "µg/kg body weight".
PER_KG = r"(?P<perkg>\s*/\s*kg(?![A-Za-z]))?"
# Daily rate right after the unit: "μg per day", "µg/d", "mg/24 h", "mg daily", "µg a day".
PER_DAY = (
    r"(?P<perday>\s*(?:/|per\s+)\s*(?:day|d|24\s*h(?:ours?|rs?)?)(?![A-Za-z])"
    r"|\s+(?:daily|a\s+day|each\s+day|every\s+day)(?![A-Za-z]))?"
)
RANGE_DOSE = re.compile(
    rf"{NUM_LEFT}(?:between\s+)?(?P<lo>{DECIMAL})(?:\s*(?:[\u03bc\u00b5]g|ug|mcg|mg)(?![A-Za-z]))?"
    rf"(?:{RANGE_SEP}|\s+and\s+)(?P<hi>{DECIMAL})\s*{UNIT}{PER_KG}{PER_DAY}"
)
VALUE_DOSE = re.compile(
    rf"{NUM_LEFT}(?P<value>{DECIMAL})(?:\s*{PLUS_MINUS}\s*(?P<sd>{DECIMAL}))?"
    rf"(?:\s*\((?:range|r)\s*[:,=]?\s*(?P<rlo>{DECIMAL}){RANGE_SEP}(?P<rhi>{DECIMAL})\))?"
    rf"(?:\s*|[-\u2010])(?<=[\d\s\u2010-]){UNIT}{PER_KG}{PER_DAY}"
)
# Trailing qualifiers after the unit: "(range, 145-230 µg/day)", "(SD 60)", "(± 60)".
TRAILING_RANGE = re.compile(
    rf"\s*\((?:range|r)\s*[:,=]?\s*(?P<lo>{DECIMAL}){RANGE_SEP}(?P<hi>{DECIMAL})"
    r"(?:\s*(?:[\u03bc\u00b5]g|ug|mcg|mg)(?:\s*/\s*(?:day|d))?)?\)"
)
TRAILING_SD = re.compile(rf"\s*\((?:SD|s\.d\.|{PLUS_MINUS})\s*[:=]?\s*(?P<sd>{DECIMAL})\)")
# Dosing frequency: per-administration doses, not daily totals ("20 mg t.i.d.").
FREQUENCY = re.compile(
    r"\s*(?:t\.?i\.?d\.?|b\.?i\.?d\.?|q\.?i\.?d\.?|q\.?d\.?(?![A-Za-z])"
    r"|(?:once|twice|thrice|three\s+times|four\s+times|\d\s+times)\s+(?:a|per|each|every)\s+day"
    r"|(?:once|twice|thrice)\s+daily|every\s+\d+\s*h(?:ours?)?)(?![A-Za-z])",
    re.I,
)
TEST_CUE = re.compile(
    r"\b(?:test(?:ing)?|screening|trial)\s+(?:dose|doses|bolus|boluses|injection|injections)\b"
    r"|\b(?:bolus|dose)\s+(?:test|trial|screening)\b",
    re.I,
)
BOLUS_CUE = re.compile(
    r"\b(?:bolus|boluses|single\s+(?:dose|injection)|injection\s+of|injected)\b", re.I
)
DAILY_CUE = re.compile(
    r"\bdaily\s+(?:dose|doses|dosage|dosages|dosing|intake)\b|\bdose\s+per\s+day\b", re.I
)

_UNIT_NAMES = {"mg": "mg", "milligram": "mg", "milligrams": "mg"}


@dataclass(frozen=True, slots=True)
class DoseHit:
    start: int
    end: int
    value: float | None
    sd: float | None
    range: tuple[float, float] | None
    unit: str
    kind: str
    rule_id: str


def normalise_unit(unit: str, per_kg: bool, per_day: bool) -> str:
    base = _UNIT_NAMES.get(unit.lower(), "ug")
    return base + ("/kg" if per_kg else "") + ("/day" if per_day else "")


def _classify(text: str, start: int, end: int, sentence_start: int, per_day: bool) -> str:
    before = text[max(sentence_start, start - 60) : start]
    after = text[end : end + 30]
    if TEST_CUE.search(before) or TEST_CUE.search(after):
        return "test"
    if BOLUS_CUE.search(before) or BOLUS_CUE.search(after):
        return "bolus"
    if per_day or DAILY_CUE.search(text[sentence_start:start]):
        return "daily"
    return "other"


def _finish(
    text: str,
    m: re.Match[str],
    sentence_start: int,
    value: float | None,
    rng: tuple[float, float] | None,
) -> DoseHit:
    end = m.end()
    sd = parse_decimal(m.group("sd")) if "sd" in m.re.groupindex and m.group("sd") else None
    trailing = TRAILING_RANGE.match(text, end)
    if trailing and value is not None and rng is None:
        rng = (parse_decimal(trailing.group("lo")), parse_decimal(trailing.group("hi")))
        end = trailing.end()
    trailing_sd = TRAILING_SD.match(text, end)
    if trailing_sd and sd is None and value is not None:
        sd = parse_decimal(trailing_sd.group("sd"))
        end = trailing_sd.end()
    frequency = FREQUENCY.match(text, end)
    per_day = bool(m.group("perday"))
    per_kg = bool(m.group("perkg"))
    if frequency and not per_day:
        end = frequency.end()
        kind = "other"
        rule_id = "dose.per_administration"
    else:
        kind = _classify(text, m.start(), end, sentence_start, per_day)
        per_day = per_day or kind == "daily"
        rule_id = "dose.range" if value is None else "dose.value"
    unit = normalise_unit(m.group("unit"), per_kg, per_day)
    return DoseHit(m.start(), end, value, sd, rng, unit, kind, rule_id)


# Where a mass unit occurs; the dose regexes then run only in windows around these (a dose's
# number precedes its unit by at most ~60 characters: "188 ± 60 (range 145-230) μg").
UNIT_ANYWHERE = re.compile(r"[\u03bc\u00b5]g|ug|mcg|mg|micro|milligram", re.I)


def _unit_windows(text: str) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for m in UNIT_ANYWHERE.finditer(text):
        if not any(ch.isdigit() for ch in text[max(0, m.start() - 12) : m.start()]):
            continue  # "drug", "through", "microscopy": no number before the unit
        start, end = max(0, m.start() - 70), min(len(text), m.end() + 40)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _finditer(
    pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]]
) -> list[re.Match[str]]:
    return [m for start, end in windows for m in pattern.finditer(text, start, end)]


def _sentence_start_zero(offset: int) -> int:
    return 0


def find_doses(
    text: str, sentence_start: Callable[[int], int] = _sentence_start_zero
) -> list[DoseHit]:
    """All doses in ``text``; ``sentence_start`` maps an offset to its sentence's start."""
    windows = _unit_windows(text)
    ranges: list[DoseHit] = []
    for m in _finditer(RANGE_DOSE, text, windows):
        lo, hi = parse_decimal(m.group("lo")), parse_decimal(m.group("hi"))
        if lo < hi:
            ranges.append(_finish(text, m, sentence_start(m.start()), None, (lo, hi)))
    values: list[DoseHit] = []
    for m in _finditer(VALUE_DOSE, text, windows):
        if any(r.start < m.end() and m.start() < r.end for r in ranges):
            continue
        rng = None
        if m.group("rlo"):
            rng = (parse_decimal(m.group("rlo")), parse_decimal(m.group("rhi")))
        values.append(
            _finish(text, m, sentence_start(m.start()), parse_decimal(m.group("value")), rng)
        )
    # A range quoted inside a value's trailing "(range, 100-400 µg/day)" belongs to that value.
    kept = [r for r in ranges if not any(v.start <= r.start and r.end <= v.end for v in values)]
    return sorted([*kept, *values], key=lambda h: h.start)
