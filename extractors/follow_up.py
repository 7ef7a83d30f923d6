"""Follow-up duration of a study and the timepoint of a pre -> post result, as rules.

Why rules from a data file (lexicons/follow_up.yaml): how abstracts state follow-up is lexical
("mean follow-up of 5.2 ± 2.1 years", "followed for 12 months", "the 12-month follow-up"), and
the traps are too (years since diagnosis, ages, recruitment windows). Each hit keeps the id of
the rule that found it. A duration without a follow-up cue is never a follow-up: "13 ± 6 years
after diagnosis" is disease duration, "aged 45 years" an age.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml

from extractors.lexicon import LexiconError, _read_text
from extractors.numbers import (
    DASH,
    DECIMAL,
    NUM_LEFT,
    PLUS_MINUS,
    WORD_NUMBER,
    parse_decimal,
    parse_word_number,
)

FOLLOW_UP_FILE = "follow_up.yaml"
_NUMBER = rf"(?:{NUM_LEFT}{DECIMAL}|\b{WORD_NUMBER}\b)"
_RANGE_NUMBER = r"\d+(?:[.\u00b7]\d+)?"
_FU = r"follow[-\u2010\u2011\s]?up"
_GROUP = re.compile(r"\(\?P<([a-z]+)>")
DAYS_PER_UNIT = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    pattern: re.Pattern[str]
    triggers: tuple[str, ...]
    reject_before: re.Pattern[str] | None
    label: str | None
    # A regex every match must contain (see ``_tail_gate``): a window without it is not scanned.
    gate: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Rules:
    unit_words: dict[str, str]  # "yrs" -> "years"
    reject_after: re.Pattern[str]
    follow_up: tuple[Rule, ...]
    timepoint: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class FollowUpHit:
    start: int
    end: int
    value: float | None
    sd: float | None
    range: tuple[float, float] | None
    unit: str  # days | weeks | months | years
    rule_id: str
    priority: int

    @property
    def days(self) -> float:
        longest = self.range[1] if self.range else (self.value or 0.0)
        return longest * DAYS_PER_UNIT[self.unit]


def _expand(pattern: str, unit_words: dict[str, str]) -> str:
    units = "|".join(sorted(unit_words, key=len, reverse=True))
    singular = "day|week|month|year"
    parts = {
        "{VALUE}": rf"(?:(?P<rlo>{_NUMBER}){DASH_SEP}(?P<rhi>{_NUMBER})|(?P<value>{_NUMBER}))",
        "{SD}": rf"(?:\s*{PLUS_MINUS}\s*(?P<sd>{DECIMAL}))?",
        "{RANGE}": (
            rf"(?:\s*[(\[,;]\s*range[,:]?\s*(?P<lo>{_RANGE_NUMBER})\s*(?:{DASH}|to)\s*"
            rf"(?P<hi>{_RANGE_NUMBER})\s*(?:(?P<rangeunit>{units})\b)?\s*[)\]]?)?"
        ),
        "{UNIT}": rf"(?P<unit>{units})\b",
        "{HUNIT}": rf"(?P<unit>{singular})s?",
        "{FU}": _FU,
    }
    for placeholder, regex in parts.items():
        pattern = pattern.replace(placeholder, regex)
    counter: dict[str, int] = {}

    def number(m: re.Match[str]) -> str:
        counter[m.group(1)] = counter.get(m.group(1), 0) + 1
        return f"(?P<{m.group(1)}_{counter[m.group(1)]}>"

    return _GROUP.sub(number, pattern)


DASH_SEP = rf"\s*(?:{DASH}|to)\s*"


def _rule(raw: dict[str, Any], where: str, unit_words: dict[str, str]) -> Rule:
    allowed = {"id", "triggers", "pattern", "reject_before", "label"}
    if not {"id", "triggers", "pattern"} <= set(raw) <= allowed:
        raise LexiconError(f"{FOLLOW_UP_FILE} {where}: needs id, triggers, pattern (+ {allowed})")
    try:
        pattern = re.compile(_expand(str(raw["pattern"]), unit_words), re.I)
        before = raw.get("reject_before")
        reject_before = re.compile(str(before), re.I) if before else None
    except re.error as exc:
        raise LexiconError(f"{FOLLOW_UP_FILE} {where} ({raw['id']}): bad pattern: {exc}") from exc
    triggers = tuple(str(t).lower() for t in raw["triggers"])
    gate = _tail_gate(str(raw["pattern"]), unit_words)
    return Rule(str(raw["id"]), pattern, triggers, reject_before, raw.get("label"), gate)


# Pattern endings that are rarer than the rule's trigger word ("follow" is in most windows; "12-
# month follow-up" is not). A rule starting with a number alternation tries it at every position
# of a window, which cost most of the follow-up rules' time (measured); the ending is a cheap scan.
_GATE_TAILS = (
    r"{HUNIT}[-\u2010\u2011\s](?:long\s+)?{FU}\b",
    r"of\s+{FU}\b",
)


def _tail_gate(raw: str, unit_words: dict[str, str]) -> re.Pattern[str] | None:
    """A regex for a suffix of ``raw`` that every match must end with: the suffix sits outside
    any group or class and the pattern has no top-level alternation, so a window (same text, same
    end) without a match of the suffix holds no match of the rule either."""
    for tail in _GATE_TAILS:
        prefix = raw[: -len(tail)]
        if raw.endswith(tail) and prefix and _is_plain_prefix(_expand(prefix, unit_words)):
            return re.compile(_expand(tail, unit_words), re.I)
    return None


def _is_plain_prefix(prefix: str) -> bool:
    """Whether ``prefix`` ends outside every group, class and escape, and has no ``|`` at the
    top level (a conservative scan: anything unusual answers False)."""
    depth, index, in_class = 0, 0, False
    while index < len(prefix):
        char = prefix[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if prefix[index + 1 : index + 2] == "^":
                index += 1
            if prefix[index + 1 : index + 2] == "]":
                index += 1  # a leading "]" is literal
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
        index += 1
    return index == len(prefix) and depth == 0 and not in_class


@cache
def load_rules() -> Rules:
    """The compiled follow-up and timepoint rules (loading fails loudly on a bad entry)."""
    raw = yaml.safe_load(_read_text(FOLLOW_UP_FILE))
    unit_words = {word: unit for unit, words in raw["units"].items() for word in words}
    return Rules(
        unit_words=unit_words,
        reject_after=re.compile(raw["reject_after"], re.I),
        follow_up=tuple(
            _rule(r, f"follow_up[{i}]", unit_words) for i, r in enumerate(raw["follow_up"])
        ),
        timepoint=tuple(
            _rule(r, f"timepoint[{i}]", unit_words) for i, r in enumerate(raw["timepoint"])
        ),
    )


def _group(m: re.Match[str], name: str) -> str | None:
    """The first numbered copy of group ``name`` that took part in the match."""
    for key, value in m.groupdict().items():
        if value is not None and key.rsplit("_", 1)[0] == name:
            return value
    return None


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    if text[0].isdigit() or text[0] in ".\u00b7":
        return parse_decimal(text)
    word = parse_word_number(text)
    return float(word) if word is not None else None


def _unit(m: re.Match[str], unit_words: dict[str, str]) -> str | None:
    written = _group(m, "unit")
    if written is None:
        return None
    lowered = written.lower()
    return unit_words.get(lowered) or unit_words.get(lowered + "s")


def _rejected(rule: Rule, rules: Rules, text: str, m: re.Match[str]) -> bool:
    if rule.reject_before and rule.reject_before.search(text, max(0, m.start() - 60), m.start()):
        return True
    return bool(rules.reject_after.match(text, m.end()))


# Rules run only in windows around their trigger words: a whole-text scan of a pattern that
# starts with a number alternation cost a tenth of the extractor's time (measured). The margins
# exceed the longest stretch any rule matches before or after its trigger.
WINDOW_BEFORE, WINDOW_AFTER = 150, 250


def _windowed(rule: Rule, text: str, lowered: str) -> list[re.Match[str]]:
    windows: list[tuple[int, int]] = []
    for trigger in rule.triggers:
        index = lowered.find(trigger)
        while index >= 0:
            windows.append((max(0, index - WINDOW_BEFORE), index + WINDOW_AFTER))
            index = lowered.find(trigger, index + 1)
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(windows):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    gate = rule.gate
    return [
        m
        for lo, hi in merged
        if gate is None or gate.search(text, lo, min(hi, len(text)))
        for m in rule.pattern.finditer(text, lo, min(hi, len(text)))
    ]


def find_follow_ups(text: str, lowered: str) -> list[FollowUpHit]:
    """Every follow-up duration the rules find, in rule priority then text order."""
    rules = load_rules()
    hits: list[FollowUpHit] = []
    for priority, rule in enumerate(rules.follow_up):
        for m in _windowed(rule, text, lowered):
            unit = _unit(m, rules.unit_words)
            if unit is None or _rejected(rule, rules, text, m):
                continue
            value = _number(_group(m, "value"))
            lo = _number(_group(m, "lo") or _group(m, "rlo") or _group(m, "blo"))
            hi = _number(_group(m, "hi") or _group(m, "rhi") or _group(m, "bhi"))
            if value is None and (lo is None or hi is None):
                continue
            bounds = (lo, hi) if lo is not None and hi is not None and lo <= hi else None
            if value is None and bounds is None:
                continue
            hits.append(
                FollowUpHit(
                    m.start(),
                    m.end(),
                    value,
                    _number(_group(m, "sd")),
                    bounds,
                    unit,
                    rule.id,
                    priority,
                )
            )
    return hits


def choose_follow_up(hits: Sequence[FollowUpHit]) -> FollowUpHit | None:
    """The study's follow-up: the highest-priority rule's longest duration (a study that reports
    its 6- and 12-month follow-up visits was followed for 12 months), earliest on ties."""
    if not hits:
        return None
    best = min(h.priority for h in hits)
    return max((h for h in hits if h.priority == best), key=lambda h: (h.days, -h.start))


_PLURAL_UNITS = {"days": "day", "weeks": "week", "months": "month", "years": "year"}


def _duration_phrase(m: re.Match[str], unit_words: dict[str, str]) -> str | None:
    unit = _unit(m, unit_words)
    written = _group(m, "value")
    if written is None:
        lo, hi = _group(m, "rlo"), _group(m, "rhi")
        written = f"{lo}-{hi}" if lo and hi else None
    if unit is None or written is None:
        return None
    single = written.lower() in ("1", "one", "1.0")
    return f"{written} {_PLURAL_UNITS[unit] if single else unit}"


def find_timepoint(text: str, lowered: str, start: int, end: int) -> tuple[str, int] | None:
    """The first timepoint phrase in ``text[start:end]`` as (normalised phrase, offset)."""
    if start >= end:
        return None
    rules = load_rules()
    found: list[tuple[int, int, str]] = []
    window = lowered[start:end]
    for priority, rule in enumerate(rules.timepoint):
        if not any(t in window for t in rule.triggers):
            continue
        for m in rule.pattern.finditer(text, start, end):
            if rules.reject_after.match(text, m.end()):
                continue
            phrase = rule.label or _duration_phrase(m, rules.unit_words)
            if phrase:
                found.append((m.start(), priority, phrase))
                break
    if not found:
        return None
    offset, _, phrase = min(found)
    return phrase, offset
