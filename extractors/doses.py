"""Doses: value (± SD, range) + a mass unit, normalised (``ug``, ``mg``, ``ug/day``, ``mg/day``).

A dose needs a mass unit: that is what keeps ages ("26 years (18-52)"), durations ("13 ± 6 years"),
counts and percentages out. Group labels glued to the number ("B10 mg") are refused by the left
number boundary. Drug and route are resolved by the engine from nearby lexicon mentions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from extractors.lexicon import load_entries
from extractors.numbers import (
    LOCALE_DECIMAL,
    NUM_LEFT,
    PLUS_MINUS,
    RANGE_SEP,
    WORD_NUMBER,
    parse_decimal,
    parse_word_number,
)
from extractors.scan import lower_same_length


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


_DRUGS = load_entries("drugs.jsonl")
# Every drug name of the lexicon, for a rate written after the drug ("30 mg diazepam per day")
# and an elided unit ("2.7 mg of THC and 2.5 of CBD"): synonyms in any case, abbreviations as
# written.
DRUG_NAME = (
    rf"(?:(?i:{_alternation([n for e in _DRUGS for n in e.synonyms])})"
    rf"|{_alternation([a for e in _DRUGS for a in e.abbreviations])})(?![\w-])"
)
# Drugs dosed in biological units, not mass (botulinum toxins: lexicon kind "dosed_in_units").
_UNIT_DOSED = [e for e in _DRUGS if e.kind == "dosed_in_units"]


# Literal pre-checks for UNIT_DOSED_DRUG (a case-insensitive alternation costs more per abstract
# than all other dose parsing): lower-cased synonyms, abbreviations as written.
def _minimal_literals(names: set[str]) -> tuple[str, ...]:
    """The names no other name is a substring of: finding one of these is finding any name."""
    return tuple(sorted(n for n in names if not any(o != n and o in n for o in names)))


UNIT_DOSED_SYNONYMS = _minimal_literals({n.lower() for e in _UNIT_DOSED for n in e.synonyms})
UNIT_DOSED_ABBREVIATIONS = _minimal_literals({a for e in _UNIT_DOSED for a in e.abbreviations})
UNIT_DOSED_DRUG = re.compile(
    rf"(?:(?i:{_alternation([n for e in _UNIT_DOSED for n in e.synonyms])})"
    rf"|{_alternation([a for e in _UNIT_DOSED for a in e.abbreviations])})(?![\w-])"
)

# Mass units as printed: Greek mu (U+03BC) and micro sign (U+00B5) both occur, as do "ug", "mcg",
# "mug" (the mu spelled out by a converter) and OCR readings of the mu, "(ig" and "|ig".
UNIT = (
    r"(?P<unit>[\u03bc\u00b5]g|ug|mcg|mug|(?<=\s)[(|]ig(?=\s*/)"
    r"|micro-?grams?|microg|mg|milligrams?)(?![A-Za-z])"
)
# Weight-based dosing: "mg/kg", "µg/kg body weight".
PER_KG = r"(?P<perkg>\s*/\s*kg(?![A-Za-z]))?"
# Daily rate right after the unit: "μg per day", "µg/d", "mg/24 h", "mg daily", "µg a day".
# The drug may sit between the unit and the rate: "30 mg diazepam per day", "300-900 mg
# tolperisone daily" (a lexicon drug name only: "10 mg twice daily" is per administration).
PER_DAY = (
    rf"(?P<perday>(?P<drugrate>\s+(?:of\s+)?{DRUG_NAME})?"
    r"(?:\s*(?:/|per\s+)\s*(?:day|d|24\s*h(?:ours?|rs?)?)(?![A-Za-z])"
    # Exponent notation: "μg·day−1", "µg d−1", "μg d-1" (a rate per day, written as day^-1).
    r"|\s*[\u00b7\u22c5]?\s*(?:day|d)\s*[-\u2212\u2013]\s*1(?![\d.])"
    # "100 mcg a day later" is an interval, not a rate.
    r"|\s+(?:daily|a\s+day|each\s+day|every\s+day)(?![A-Za-z])"
    r"(?!\s+(?:later|after|before|earlier|apart)\b)))?"
)
# A dose number: decimal point or comma, thousands separators ("1,150 µg"); never the digits after
# a comma of a bigger number.
NUMBER = LOCALE_DECIMAL
DOSE_LEFT = rf"{NUM_LEFT}(?<!\d,)"
# "between 50 and 100 µg" is a range; without "between", "50 and 100 µg" is a list (DOSE_LIST).
RANGE_DOSE = re.compile(
    rf"{DOSE_LEFT}(?:(?P<between>between)\s+)?(?P<lo>{NUMBER})"
    rf"(?:\s*(?:[\u03bc\u00b5]g|ug|mcg|mg)(?![A-Za-z]))?"
    rf"(?(between)(?:{RANGE_SEP}|\s+and\s+)|{RANGE_SEP})(?P<hi>{NUMBER})\s*{UNIT}{PER_KG}{PER_DAY}"
)
VALUE_DOSE = re.compile(
    rf"{DOSE_LEFT}(?P<value>{NUMBER})(?:\s*{PLUS_MINUS}\s*(?P<sd>{NUMBER}))?"
    # SD in parentheses before the unit: "245 (SD 110) μg/day"; bare "318 (142) μg" only under a
    # "mean (SD)" header earlier in the sentence (checked in ``find_doses``).
    rf"(?:\s*\((?:(?:SD|s\.d\.)\s*[:,=]?\s*(?P<psd>{NUMBER})|(?P<bsd>{NUMBER}))\))?"
    rf"(?:\s*\((?:range|r)\s*[:,=]?\s*(?P<rlo>{NUMBER}){RANGE_SEP}(?P<rhi>{NUMBER})\))?"
    rf"(?:\s*|[-\u2010])(?<=[\d\s\u2010-]){UNIT}{PER_KG}{PER_DAY}"
)
# Bare numbers sharing the unit of the last one: "boluses of 25, 50 and 75 μg", "180, 310 and
# 425 μg/day, respectively". The last number is a VALUE_DOSE; the others are doses in that unit.
# Items may carry their SD: "160 ± 60 and 210 ± 80 μg/day, respectively".
_LIST_NUMBER = rf"{NUMBER}(?:\s*{PLUS_MINUS}\s*{NUMBER})?"
DOSE_LIST = re.compile(
    rf"{DOSE_LEFT}(?P<items>{_LIST_NUMBER}(?:\s*,\s*{_LIST_NUMBER})*)\s*,?\s+(?:and|or)\s+"
    rf"{_LIST_NUMBER}\s*{UNIT}{PER_KG}{PER_DAY}"
)
LIST_ITEM = re.compile(
    rf"(?P<value>{NUMBER}|(?i:{WORD_NUMBER}))(?:\s*{PLUS_MINUS}\s*(?P<sd>{NUMBER}))?"
)
# A suspended hyphen: "Three- and 5-mg intravenous doses", "3- or 5-mg tablets": the first
# number (digits or a word) shares the hyphenated unit of the second.
SUSPENDED_LIST = re.compile(
    rf"{DOSE_LEFT}(?P<items>{NUMBER}|(?i:{WORD_NUMBER}))[-\u2010]\s*(?:,\s*|\s+(?:and|or|to)\s+)"
    rf"{NUMBER}[-\u2010]?\s*{UNIT}{PER_KG}{PER_DAY}"
)
# Two group values with the unit written once, after the second: "median 310 vs 175 µg/day",
# "148 ± 61 vs 286 ± 118 μg/day" (rule dose.pair). One item only before "vs": "n = 12, 150 vs
# 200 µg" must not make 12 a dose. "38% vs 200 µg" cannot match (the % sits before "vs").
DOSE_PAIR = re.compile(
    rf"{DOSE_LEFT}(?P<items>{_LIST_NUMBER})\s+(?:vs\.?|versus)\s+"
    rf"{_LIST_NUMBER}\s*{UNIT}{PER_KG}{PER_DAY}"
)
# Not an amount given: a concentration ("2000 μg/mL", "0.5 mg/L", "10 μg/cm2"), a rate per hour
# or minute ("12.5 μg/h"), a change per period ("40 μg/day per year"), a step ("in steps of
# 25 μg/day").
NOT_AN_AMOUNT_AFTER = re.compile(
    r"\s*(?:/|per\s+)\s*(?:m?l|dl|cm2|cm\u00b2|h|hr|hrs|hours?|min|minutes?)(?![A-Za-z0-9])"
    # The drug (or "of" + drug) between mass and denominator: "2000 μg of baclofen per mL",
    # "500 μg baclofen/mL"; a volume or tissue-mass denominator: "per millilitre", "per gram".
    r"|(?:\s+of)?(?:\s+[A-Za-z][A-Za-z-]*)?\s*(?:/|per\s+)\s*(?:m?l|dl|millilit(?:re|er)s?"
    r"|lit(?:re|er)s?|g|grams?)(?![A-Za-z0-9])"
    r"|\s+(?:per|a|each|every)\s+(?:year|month|week)\b",
    re.I,
)
STEP_BEFORE = re.compile(
    r"(?:\b(?:steps?|increments?|decrements?)\s+of|\b(?:increased|decreased|reduced|raised|"
    r"lowered|rose|fell|titrated|adjusted)\s+by(?:\s+(?:a\s+mean|an\s+average|a\s+median))?"
    r"(?:\s+of)?)\s*$",
    re.I,
)
# Trailing qualifiers after the unit: "(range, 145-230 µg/day)", "(SD 60)", "(± 60)".
# The unit may be repeated with its rate: "310 mcg/24 h (range 90–850 mcg/24 h)".
TRAILING_RANGE = re.compile(
    rf"\s*\((?:range|r)\s*[:,=]?\s*(?P<lo>{NUMBER}){RANGE_SEP}(?P<hi>{NUMBER})"
    r"(?:\s*(?:[\u03bc\u00b5]g|ug|mcg|mg|micrograms?|milligrams?)"
    r"(?:\s*/\s*(?:day|d|24\s*h(?:ours?|rs?)?)|\s+(?:per\s+day|daily))?)?\)"
)
TRAILING_SD = re.compile(rf"\s*\((?:SD|s\.d\.|{PLUS_MINUS})\s*[:=]?\s*(?P<sd>{NUMBER})\)")
# Dosing frequency: per-administration doses, not daily totals ("20 mg t.i.d.").
FREQUENCY = re.compile(
    r"\s*(?:t\.?i\.?d\.?|b\.?i\.?d\.?|q\.?i\.?d\.?|q\.?d\.?(?![A-Za-z])"
    r"|(?:once|twice|thrice|three\s+times|four\s+times|\d\s+times)\s+(?:a|per|each|every)\s+day"
    r"|(?:once|twice|thrice)\s+daily|every\s+\d+\s*h(?:ours?)?)(?![A-Za-z])",
    re.I,
)
TEST_CUE = re.compile(
    r"\b(?:test(?:ing)?|screening|trial)\s+(?:dose|doses|bolus|boluses|injection|injections)\b"
    r"|\b(?:bolus|boluses|dose|doses)\s+(?:tests?|trials?|screening)\b"
    # "a lumbar trial of 50 micrograms", "an intrathecal trial with 25 µg": the screening trial;
    # never "a randomised trial of", whose dose is the studied intervention.
    r"|\b(?:lumbar|intrathecal|spinal|bolus|screening)\s+trials?\s+(?:of|with)\b"
    # a repeated screening dose: "those without a response were re-tested with 100 mcg"
    r"|\bre-?test(?:ed|ing)?\s+(?:with|at|using)\b",
    re.I,
)
# The cue a few words after the unit: "50 μg intrathecal baclofen test dose".
TEST_CUE_AFTER = re.compile(
    r"(?:\s+[A-Za-z][A-Za-z-]*){0,3}\s+(?:test|screening|trial)\s+(?:dose|bolus|injection)s?\b",
    re.I,
)
BOLUS_CUE = re.compile(
    r"\b(?:bolus|boluses|single\s+(?:doses?|injections?)|injection\s+of|injected)\b", re.I
)
# Right after the dose, the route of one injection: "3 or 5 mg given intravenously", "5-mg
# intravenous doses"; an oral route there makes it a single oral amount, kind other (X-DO2).
INJECTED_AFTER = re.compile(
    r"\b(?:intravenous(?:ly)?|i\.\s?v\.|intrathecally)\b(?!\s+(?:infusion|drip))", re.I
)
ORAL_AFTER = re.compile(r"\b(?:orally|oral|by\s+mouth|tablets?|capsules?)\b", re.I)
# One administration written as such: "a 75 µg dose of intrathecal baclofen", "a single 50 µg
# injection"; the article before the number and the dose noun right after the unit.
SINGLE_BEFORE = re.compile(r"\b(?:a|an|one|single|one-off)\s+$", re.I)
SINGLE_AFTER = re.compile(
    rf"\s+(?:(?:intrathecal|lumbar|spinal)\s+)?(?:{DRUG_NAME}\s+)?(?:dose|injection|bolus)\b"
    r"(?!\s+(?:per|a|each|every)\s+day|\s+daily)",
    re.I,
)
# A maintenance context makes "a 300 µg dose" the daily amount, not one injection.
MAINTENANCE_CUE = re.compile(r"\b(?:daily|maintenance|maintained|titrat\w*|pump)\b", re.I)
# A bolus is a spinal injection: micrograms, or a spinal route named in the sentence ("a 10 mg
# dose of oral baclofen" is one tablet, kind other).
MICROGRAM_UNIT = re.compile(r"[\u03bc\u00b5]g|ug|mcg|micro", re.I)
SPINAL_ROUTE = re.compile(r"\b(?:intrathecal(?:ly)?|lumbar|spinal)\b", re.I)
DAILY_CUE = re.compile(
    r"\bdaily\s+(?:dose|doses|dosage|dosages|dosing|intake)\b|\bdose\s+per\s+day\b", re.I
)

_UNIT_NAMES = {"mg": "mg", "milligram": "mg", "milligrams": "mg"}


class DoseForm(Enum):
    """How a dose was written: the evidence its confidence rests on, and what later passes
    branch on (never the rule id)."""

    VALUE = "value"  # "188 ± 60 µg/day"
    RANGE = "range"  # "50 to 800 µg/day"
    CHANGE = "change"  # "increased from 150 to 300 µg/day": each end
    PER_ADMINISTRATION = "per_administration"  # "20 mg t.i.d."
    LIST_ITEM = "list_item"  # "25, 50 and 75 µg": a number sharing the unit written last
    PAIR_ITEM = "pair_item"  # "310 vs 175 µg/day": the first number
    ELIDED_UNIT = "elided_unit"  # "2.7 mg of THC and 2.5 of CBD": the unit not repeated
    TOXIN_UNITS = "toxin_units"  # "300 U Botox", "1,000-1,500 Ipsen units"


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
    # Added for confidence (defaults keep older constructors valid): the written form; whether
    # the unit is written on this number (not shared with a list or elided); whether "/day" is
    # written on the dose (not read from the sentence or a coordinated dose).
    form: DoseForm = DoseForm.VALUE
    unit_written: bool = True
    rate_written: bool = False


def normalise_unit(unit: str, per_kg: bool, per_day: bool) -> str:
    base = _UNIT_NAMES.get(unit.lower(), "ug")
    return base + ("/kg" if per_kg else "") + ("/day" if per_day else "")


def _classify(text: str, start: int, end: int, sentence: tuple[int, int], per_day: bool) -> str:
    sentence_start = sentence[0]
    """Kind of one dose mention. A rate per day is daily whatever precedes it ("after a positive
    test dose, titrated to 120 µg/day"); test and bolus cues otherwise sit within a few words."""
    if per_day:
        return "daily"
    before = text[max(sentence_start, start - 60) : start]
    after = text[end : end + 30]
    if TEST_CUE.search(before) or TEST_CUE.search(after) or TEST_CUE_AFTER.match(text, end):
        return "test"
    route_after = text[end : end + 35]
    injected, oral = INJECTED_AFTER.search(route_after), ORAL_AFTER.search(route_after)
    if injected and (oral is None or injected.start() < oral.start()):
        return "bolus"
    if oral:
        return "daily" if DAILY_CUE.search(text[sentence_start:start]) else "other"
    if (
        BOLUS_CUE.search(before)
        or BOLUS_CUE.search(after)
        or _single_administration(text, start, end, sentence)
    ):
        return "bolus"
    if DAILY_CUE.search(text[sentence_start:start]):
        return "daily"
    return "other"


def _single_administration(text: str, start: int, end: int, sentence: tuple[int, int]) -> bool:
    """ "a 75 µg dose of intrathecal baclofen": one injection (rule dose.kind.single), unless the
    sentence is about maintenance dosing ("maintained on a 300 µg dose")."""
    if not (
        SINGLE_BEFORE.search(text, max(sentence[0], start - 12), start)
        and SINGLE_AFTER.match(text, end)
    ):
        return False
    if MAINTENANCE_CUE.search(text, sentence[0], start):
        return False
    spinal = SPINAL_ROUTE.search(text, sentence[0], sentence[1])
    return bool(MICROGRAM_UNIT.search(text, start, end) or spinal)


def _finish(
    text: str,
    m: re.Match[str],
    sentence: tuple[int, int],
    value: float | None,
    rng: tuple[float, float] | None,
) -> DoseHit:
    end = m.end()
    sd_text = next(
        (m.group(g) for g in ("sd", "psd", "bsd") if g in m.re.groupindex and m.group(g)), None
    )
    sd = parse_decimal(sd_text) if sd_text else None
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
        kind = _classify(text, m.start(), end, sentence, per_day)
        per_day = per_day or kind == "daily"
        rule_id = "dose.range" if value is None else "dose.value"
    unit = normalise_unit(m.group("unit"), per_kg, per_day)
    if frequency and not m.group("perday"):
        form = DoseForm.PER_ADMINISTRATION
    else:
        form = DoseForm.RANGE if value is None else DoseForm.VALUE
    rate_written = bool(m.group("perday"))
    return DoseHit(m.start(), end, value, sd, rng, unit, kind, rule_id, form, True, rate_written)


# Where a mass unit occurs; the dose regexes then run only in windows around these (a dose's
# number precedes its unit by at most ~60 characters: "188 ± 60 (range 145-230) μg"). Found as
# literals in the lower-cased text (one ``str.find`` each): a case-insensitive regex scan for
# them cost more than the dose parsing itself. No two of these literals can overlap.
UNIT_LITERALS = ("\u03bcg", "\u00b5g", "ug", "mcg", "mg", "micro", "milligram", "(ig", "|ig")


def _unit_windows(text: str, lowered: str) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for literal in UNIT_LITERALS:
        index = lowered.find(literal)
        while index >= 0:
            if any(ch.isdigit() for ch in text[max(0, index - 12) : index]):
                windows.append((max(0, index - 70), min(len(text), index + len(literal) + 40)))
            index = lowered.find(literal, index + len(literal))
    windows.sort()
    merged: list[tuple[int, int]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _finditer(
    pattern: re.Pattern[str], text: str, windows: list[tuple[int, int]]
) -> list[re.Match[str]]:
    return [m for start, end in windows for m in pattern.finditer(text, start, end)]


def _sentence_start_zero(offset: int) -> int:
    return 0


Bounds = Callable[[int], tuple[int, int]]


# A cut-off, not a dose given: "defined as ≥ 600 μg/day", "(>800 μg/day in 4 patients)".
# Typed "> /=" forms are the symbols too: "a daily dose >/=600 mg". Worded comparators are not
# refused: "after administration of more than 0.3 mg of clonidine" reports the amount given.
THRESHOLD_BEFORE = re.compile(
    r"(?:[<>\u2264\u2265\u2266\u2267\u2a7d\u2a7e]|[<>]\s*/?\s*=|\bdefined\s+as)\s*$", re.I
)
# The bound of a category: "High prior oral use was defined as more than 80 mg/day", "a cut-off
# of 600 μg/day", "defined as a daily dose above 300 µg" (rule dose.not_threshold). A bound of
# doses patients took ("oral baclofen of at least 60 mg/day had failed") has no such cue.
DEFINITION_BEFORE = re.compile(
    r"\b(?:defined\s+as|defined\s+by|cut-?\s*off|threshold)\b[^.;:()\[\]]{0,30}$", re.I
)
# "from 150 to 300 μg/day" after a verb of change is two doses (before, after), not a range;
# "ranged from 90 to 520 μg/day" stays a range.
FROM_BEFORE = re.compile(r"\bfrom\s+$", re.I)
CHANGE_VERB = re.compile(
    r"\b(?:increas|decreas|rose|rise|rising|fell|fall|reduc|rais|lower|titrat|chang|escalat|"
    r"went|grew|dropp|declin)\w*",
    re.I,
)
SPREAD_VERB = re.compile(r"\b(?:rang(?:e|ed|es|ing)|var(?:ied|ying|y|ies))\b", re.I)
MEAN_SD_HEADER = re.compile(r"\(\s*SD\s*\)", re.I)


def _is_amount(text: str, m: re.Match[str]) -> bool:
    """False for concentrations, rates, changes per period, titration steps and cut-offs."""
    return not (
        NOT_AN_AMOUNT_AFTER.match(text, m.end())
        or STEP_BEFORE.search(text, max(0, m.start() - 40), m.start())
        or THRESHOLD_BEFORE.search(text, max(0, m.start() - 20), m.start())
        or DEFINITION_BEFORE.search(text, max(0, m.start() - 45), m.start())
    )


def _is_change(text: str, m: re.Match[str], sentence_start: int) -> bool:
    """True for "increased from 150 to 300 μg/day": a before and an after dose."""
    if not FROM_BEFORE.search(text, max(0, m.start() - 8), m.start("lo")):
        return False
    if " to " not in text[m.end("lo") : m.start("hi")]:
        return False
    before = text[max(sentence_start, m.start() - 60) : m.start()]
    return bool(CHANGE_VERB.search(before)) and not SPREAD_VERB.search(before)


def names_unit_dosed_drug(text: str, lowered: str) -> bool:
    """Whether ``text`` names a drug dosed in units (``lowered`` is its lower-case copy)."""
    if not any(a in text for a in UNIT_DOSED_ABBREVIATIONS) and not any(
        n in lowered for n in UNIT_DOSED_SYNONYMS
    ):
        return False
    return UNIT_DOSED_DRUG.search(text) is not None


def may_have_dose(text: str) -> bool:
    """Cheap pre-check: a dose needs a mass unit or a unit-dosed drug (substring searches)."""
    lowered = text.lower()
    return any(literal in lowered for literal in UNIT_LITERALS) or names_unit_dosed_drug(
        text, lowered
    )


def find_doses(
    text: str,
    sentence_start: Callable[[int], int] = _sentence_start_zero,
    lowered: str | None = None,
    sentence_end: Callable[[int], int] | None = None,
) -> list[DoseHit]:
    """All doses in ``text``; ``sentence_start`` and ``sentence_end`` map an offset to its
    sentence's start and end (the scope's; by default the whole text is one sentence);
    ``lowered`` is ``lower_same_length(text)`` when the caller already has it."""
    lowered = lowered if lowered is not None else lower_same_length(text)
    ends = sentence_end if sentence_end is not None else (lambda offset: len(text))

    def bounds(offset: int) -> tuple[int, int]:
        return sentence_start(offset), ends(offset)

    windows = _unit_windows(text, lowered)
    if not windows:
        return _toxin_unit_doses(text, lowered, bounds, [])
    ranges: list[DoseHit] = []
    changes: list[DoseHit] = []
    for m in _finditer(RANGE_DOSE, text, windows):
        lo, hi = parse_decimal(m.group("lo")), parse_decimal(m.group("hi"))
        if not _is_amount(text, m):
            continue
        if _is_change(text, m, sentence_start(m.start())):
            pair = _finish(text, m, bounds(m.start()), None, (lo, hi))
            for value, start, end in (
                (lo, m.start("lo"), m.end("lo")),
                (hi, m.start("hi"), pair.end),
            ):
                changes.append(
                    DoseHit(
                        start,
                        end,
                        value,
                        None,
                        None,
                        pair.unit,
                        pair.kind,
                        "dose.change",
                        DoseForm.CHANGE,
                        end == pair.end,
                        pair.rate_written,
                    )
                )
        elif lo < hi:
            ranges.append(_finish(text, m, bounds(m.start()), None, (lo, hi)))
    values: list[DoseHit] = []
    for m in _finditer(VALUE_DOSE, text, windows):
        if any(r.start < m.end() and m.start() < r.end for r in [*ranges, *changes]):
            continue
        if not _is_amount(text, m):
            continue
        if m.group("bsd") and not MEAN_SD_HEADER.search(text, sentence_start(m.start()), m.start()):
            continue
        rng = None
        if m.group("rlo"):
            rng = (parse_decimal(m.group("rlo")), parse_decimal(m.group("rhi")))
        values.append(_finish(text, m, bounds(m.start()), parse_decimal(m.group("value")), rng))
    # A range quoted inside a value's trailing "(range, 100-400 µg/day)" belongs to that value.
    kept = [r for r in ranges if not any(v.start <= r.start and r.end <= v.end for v in values)]
    found = [*kept, *changes, *values]
    _add_shared_unit_items(text, DOSE_LIST, "dose.list", DoseForm.LIST_ITEM, windows, bounds, found)
    _add_shared_unit_items(
        text, SUSPENDED_LIST, "dose.list", DoseForm.LIST_ITEM, windows, bounds, found
    )
    if "vs" in text or "versus" in text:
        _add_shared_unit_items(
            text, DOSE_PAIR, "dose.pair", DoseForm.PAIR_ITEM, windows, bounds, found
        )
    found.extend(_elided_unit_doses(text, found))
    found.extend(_toxin_unit_doses(text, lowered, bounds, found))
    # Weight-based amounts ("2 μg/kg/day") are outside the contract's units: not emitted.
    hits = _inherit_rates(
        text, sorted((h for h in found if "/kg" not in h.unit), key=lambda h: h.start)
    )
    return _inherit_kinds(text, _screening_boluses(text, hits, bounds))


def _add_shared_unit_items(
    text: str,
    pattern: re.Pattern[str],
    rule_id: str,
    form: DoseForm,
    windows: list[tuple[int, int]],
    bounds: Bounds,
    found: list[DoseHit],
) -> None:
    """Append to ``found`` the bare numbers that share the unit written after the last item
    ("25, 50 and 75 μg", "310 vs 175 µg/day"); numbers already found are skipped."""
    for m in _finditer(pattern, text, windows):
        if not _is_amount(text, m):
            continue
        shared = _finish(text, m, bounds(m.start()), 0.0, None)
        for item in LIST_ITEM.finditer(text, m.start("items"), m.end("items")):
            if any(h.start < item.end() and item.start() < h.end for h in found):
                continue
            kind = _classify(
                text, item.start(), item.end(), bounds(item.start()), "/day" in shared.unit
            )
            value = _item_value(item.group("value"))
            if not value:
                continue  # "0, 10 and 50 µg": the zero is a control condition, not a dose
            sd = parse_decimal(item.group("sd")) if item.group("sd") else None
            found.append(
                DoseHit(
                    item.start(),
                    item.end(),
                    value,
                    sd,
                    None,
                    shared.unit,
                    kind,
                    rule_id,
                    form,
                    False,
                    shared.rate_written,
                )
            )


def _item_value(text: str) -> float | None:
    if text[0].isdigit() or text[0] in ".\u00b7":
        return parse_decimal(text)
    number = parse_word_number(text)
    return None if number is None else float(number)


# "2.7 mg of THC and 2.5 of CBD": a second number with the unit elided, coordinated with a dose
# of one drug and naming another (lexicon names only: "2 mg of THC and 5 of 9 patients" is no
# dose).
ELIDED_AFTER_DOSE = re.compile(
    rf"\s+of\s+{DRUG_NAME}\s*,?\s+(?:and|or)\s+(?P<value>{NUMBER})(?=\s+of\s+{DRUG_NAME})"
)


def _elided_unit_doses(text: str, found: list[DoseHit]) -> list[DoseHit]:
    out: list[DoseHit] = []
    for hit in found:
        m = ELIDED_AFTER_DOSE.match(text, hit.end) if hit.value is not None else None
        if m and not any(h.start < m.end() and m.start("value") < h.end for h in found):
            out.append(
                replace(
                    hit,
                    start=m.start("value"),
                    end=m.end("value"),
                    value=parse_decimal(m.group("value")),
                    sd=None,
                    range=None,
                    rule_id="dose.elided_unit",
                    form=DoseForm.ELIDED_UNIT,
                    unit_written=False,
                )
            )
    return out


# Botulinum toxins are dosed in biological units (guide DO2: U, IU, MU, units; kind other,
# DO4): "300U Botox®", "100 UI BTX-A", "1,000–1,500 Ipsen units", "190 to 320 BTA U". Read only
# in abstracts naming such a drug, in a sentence that names it or speaks of dosing: "units" is
# also a scale's step ("fell by 1.5 units", refused as a change) or a motor unit.
_TOXIN_TAG = r"(?:(?:Ipsen|Speywood|Allergan|mouse|BTA|BTX(?:-A)?|BoNT(?:-A)?|Botox|Dysport)\s+)?"
TOXIN_DOSE = re.compile(
    rf"{DOSE_LEFT}(?:(?P<lo>{NUMBER}){RANGE_SEP})?(?P<value>{NUMBER})\s*{_TOXIN_TAG}"
    r"(?P<unit>U|IU|UI|MU|[Uu]nits?)(?![A-Za-z])(?P<perkg>\s*/\s*kg(?![A-Za-z]))?"
)
DOSING_WORDS = re.compile(r"\b(?:dos\w*|inject\w*|infiltrat\w*|received|administ\w*)", re.I)
MEASURE_CHANGE_BEFORE = re.compile(
    r"\b(?:improv\w*|chang\w*|differen\w*|decreas\w*|increas\w*|reduc\w*|gain\w*|fell|"
    r"rose|drop\w*|declin\w*)\s+(?:\w+\s+){0,3}(?:by|of)\s+(?:about\s+|approximately\s+)?$",
    re.I,
)


def _toxin_unit_doses(
    text: str, lowered: str, bounds: Bounds, found: list[DoseHit]
) -> list[DoseHit]:
    if not names_unit_dosed_drug(text, lowered):
        return []
    out: list[DoseHit] = []
    for m in TOXIN_DOSE.finditer(text):
        start, end = bounds(m.start())
        sentence = text[start : max(end, m.end())]
        if (
            m.group("perkg")
            or any(h.start < m.end() and m.start() < h.end for h in found)
            or not (UNIT_DOSED_DRUG.search(sentence) or DOSING_WORDS.search(sentence))
            or MEASURE_CHANGE_BEFORE.search(text, max(start, m.start() - 40), m.start())
            or not _is_amount(text, m)
        ):
            continue
        value = parse_decimal(m.group("value"))
        rng = (parse_decimal(m.group("lo")), value) if m.group("lo") else None
        if rng and not rng[0] < rng[1]:
            continue
        out.append(
            DoseHit(
                m.start(),
                m.end(),
                None if rng else value,
                None,
                rng,
                "U",
                "other",
                "dose.toxin_units",
                DoseForm.TOXIN_UNITS,
            )
        )
    return out


# A dose without a rate, coordinated with the next dose that has one, shares it: "to a maximum
# of 24 mg tizanidine or 30 mg diazepam per day", "titration (2 mg to a maximum of 36 mg/d)".
RATE_CONNECTOR = re.compile(
    rf"\s*(?:\s+(?:of\s+)?{DRUG_NAME})?\s*,?\s*(?:or|and|to|up\s+to"
    r"|to\s+a\s+max(?:imum|\.)?(?:\s+(?:daily\s+)?dose)?\s+of)\s*"
)


def _inherit_rates(text: str, hits: list[DoseHit]) -> list[DoseHit]:
    out = list(hits)
    for i in range(len(out) - 2, -1, -1):
        hit, following = out[i], out[i + 1]
        if (
            "/day" not in hit.unit
            and following.unit == hit.unit + "/day"
            and hit.form is not DoseForm.PER_ADMINISTRATION
            and RATE_CONNECTOR.fullmatch(text, hit.end, following.start)
        ):
            out[i] = replace(hit, unit=following.unit, kind="daily")
    return out


# A bolus given to decide on a pump is a screening (test) dose: a pump implanted as its
# consequence, after it in its own or the next sentence (never "patients who were implanted
# earlier received a bolus") ("A lumbar puncture bolus of 50 µg relieved the
# spasms, and a pump was implanted"; "47 proceeded to pump implantation").
PUMP_DECISION = re.compile(
    r"\b(?:pumps?\s+)?(?:was|were)\s+(?:then\s+|subsequently\s+|later\s+)?implanted\b"
    r"|\b(?:proceeded|went\s+on|progressed)\s+to\s+(?:pump\s+)?implantation\b"
    r"|\bselected\s+for\s+(?:pump\s+)?implantation\b"
    r"|\bcandidates?\s+for\s+(?:an?\s+)?(?:pump|implantation|intrathecal\s+baclofen\s+therapy)\b",
    re.I,
)
# ... or a screening named in its own or the previous sentence ("met the criteria for
# intrathecal baclofen screening"); never "were screened", which is a trial's eligibility check.
SCREENING_CONTEXT = re.compile(
    r"\b(?:intrathecal\s+baclofen|ITB|pump|bolus|intrathecal)\s+screening\b"
    r"|\bscreening\s+(?:for|before)\s+(?:an?\s+)?(?:pump|implantation|intrathecal)\b",
    re.I,
)
# The bolus is itself the experiment (a randomised or placebo comparison), or comes from a pump
# already implanted: never a screening dose.
EXPERIMENT_OR_PUMP_BOLUS = re.compile(
    r"\b(?:random\w*|placebo|saline|cross-?over|double[-\s]blind)\b"
    r"|\b(?:via|through|from|by)\s+(?:the|their)\s+pumps?\b|\bpump\s+bolus|\bon\s+continuous\b"
    r"|\bprogrammable\b|\bafter\s+(?:pump\s+)?implantation\b",
    re.I,
)
NON_SPACE = re.compile(r"\S")


def _screening_boluses(text: str, hits: list[DoseHit], bounds: Bounds) -> list[DoseHit]:
    """A bolus given before a pump decision is a test dose (rule dose.kind.screening_bolus):
    "a lumbar puncture bolus of 50 µg relieved the spasms, and a pump was implanted". An
    experimental bolus ("before and 3 hours after an intrathecal bolus of 50 mcg") stays bolus."""
    out: list[DoseHit] = []
    for hit in hits:
        if hit.kind == "bolus":
            start, end = bounds(hit.start)
            previous = bounds(start - 1)[0] if start > 0 else start
            following = NON_SPACE.search(text, end)  # the next sentence's first character
            if not EXPERIMENT_OR_PUMP_BOLUS.search(text, start, end) and (
                PUMP_DECISION.search(
                    text, hit.end, bounds(following.start())[1] if following else end
                )
                or SCREENING_CONTEXT.search(text, previous, end)
            ):
                hit = replace(hit, kind="test")
        out.append(hit)
    return out


def _inherit_kinds(text: str, hits: list[DoseHit]) -> list[DoseHit]:
    """A later bare mention of a bolus or test dose is that dose again (rule dose.kind.repeat):
    "boluses of 50 μg and 100 μg ... the H-reflex fell by 48% after 50 μg". An amount taken by
    mouth is never an injection again ("3 or 5 mg given intravenously and 5 or 10 mg taken
    orally")."""
    seen: dict[tuple[float | None, str], str] = {}
    out: list[DoseHit] = []
    for hit in hits:
        key = (hit.value, hit.unit)
        if (
            hit.kind == "other"
            and hit.form is not DoseForm.PER_ADMINISTRATION
            and key in seen
            and not ORAL_AFTER.search(text, hit.end, hit.end + 35)
        ):
            hit = replace(hit, kind=seen[key])
        elif hit.kind in ("bolus", "test") and hit.value is not None:
            seen.setdefault(key, hit.kind)
        out.append(hit)
    return out
