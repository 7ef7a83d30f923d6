"""Summary statistics in results: pre -> post pairs and test statistics with df.

Pairs: "improved from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046)", "decreased from 3.3+/-1.2
to 1.4+/-0.7", "reduced from 3.1-4.5 at baseline to 1.0-2.0", and "remained 14 (IQR 13.5-14 pre,
IQR 14-14 post)". Values followed by a mass or time unit are doses/durations, not results.

Also the forms written without "from ... to": "3 [2–4] before and 1 [1–2] after", "41.3 (12.4)
at baseline vs 43.0 (12.9) at 12 months", lists ending in "respectively", table-like "MAS, 2·8 vs
1·9 (P<0·001); ..." after a "baseline vs one year" header, "Before implantation X was A, and after
one year it was B", and "B at 12 months, compared with A before implantation". Decimal commas
("2,8 ± 0,6") and mid-dots ("14·2") are decimals; "1,150" is a thousands figure. A bare spread
("41.3 (12.4)", "3 [2–4]") takes the type the abstract declares ("values are mean (SD)").

Across sentences: a value marked as before treatment ("The initial Ashworth scale was 4.6.") and
one marked as after it a few sentences later ("The final Ashworth scale was 2.2."), of one
measure in one unit (``across_sentence_pairs``, called by the engine with the outcomes named).

Each pair carries the unit its values are written in ("0.45 m/s", "19.5 s", "70%", "4 points"),
as a unit id from ``UNITS``: a 10-metre walk reported as a speed and one reported as a time are
then told apart.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from extractors.distributions import p_from_chi2, p_from_f, p_from_t, p_from_z
from extractors.follow_up import find_timepoint
from extractors.numbers import DASH, DECIMAL, MINUS, NUM_LEFT, PLUS_MINUS, parse_decimal
from extractors.scope import TIMEPOINT_CLAUSE, TIMEPOINT_CLAUSE_AHEAD, Scope
from extractors.types import Spread, Statistic

# A measurement unit a score may carry ("212 ± 88 m", "19.5 s", "52 ± 15 degrees", "352 ms",
# "240 mL", "0.31 mL/kg/m"); never a mass or time unit of a dose or duration (see
# NOT_A_SCORE_UNIT).
SCORE_UNIT = (
    r"(?:(?:mL|ml)(?:/(?:kg|m|min|h|s))*|m/s|cm\s?H2O|mm\s?Hg|(?:cm|mm|m)(?:2|\u00b2)|cm|mm|ms|m"
    r"|secs?|seconds?|s"
    r"|degrees?|\u00b0|points?|Hz|mV|[\u00b5\u03bc]V"
    # A rate or a normalised score: "beats/m", "steps/min", "W/kg", "J/kg/m", "N·m/kg"; a
    # mass over anything ("mg/kg", "µg/day") is a dose and a time ("h/day") a duration.
    r"|(?!(?:[\u00b5\u03bc]?g|ug|mcg|mg|micrograms?|mmol|I?U|units?|years?|months?|weeks?|days?|hours?"
    r"|h|min|and|or|w)/)[A-Za-z]{1,6}(?:\u00b7[A-Za-z]{1,2})?"
    r"(?:/[A-Za-z]{1,3}){1,2})(?![\w/])"
)
# The units of outcome values, as data: unit id -> the forms it is written in (whitespace
# removed). SCORE_UNIT finds them after a value ("%" is the value's percent sign; the time units
# only for a measure that is itself a time, "the refill interval lengthened from 63 to 118 days").
# A form not listed here (a rate such as "beats/min", "mL/kg/m", "W/kg") is its own id, as written.
UNITS: dict[str, tuple[str, ...]] = {
    "%": ("%",),
    "points": ("point", "points"),
    "m/s": ("m/s",),
    "s": ("s", "sec", "secs", "second", "seconds"),
    "ms": ("ms",),
    "m": ("m",),
    "cm": ("cm",),
    "cm2": ("cm2", "cm\u00b2"),
    "mm2": ("mm2", "mm\u00b2"),
    "m2": ("m2", "m\u00b2"),
    "mm": ("mm",),
    "deg": ("degree", "degrees", "\u00b0"),
    "mL": ("mL", "ml"),
    "cmH2O": ("cmH2O",),
    "mmHg": ("mmHg",),
    "Hz": ("Hz",),
    "mV": ("mV",),
    "uV": ("\u00b5V", "\u03bcV"),
    "min": ("min", "mins", "minute", "minutes"),
    "h": ("h", "hour", "hours"),
    "days": ("day", "days"),
    "weeks": ("week", "weeks"),
    "months": ("month", "months"),
    "years": ("year", "years"),
}
_UNIT_BY_FORM = {form: unit for unit, forms in UNITS.items() for form in forms}


def unit_id(written: str) -> str:
    """The id of a unit as written ("seconds" -> "s", "mm Hg" -> "mmHg"); an unlisted form is
    its own id, whitespace removed."""
    form = "".join(written.split())
    return _UNIT_BY_FORM.get(form, form)


# A decimal-comma value ("3,4"; "1,150" stays a thousands figure) next to dot decimals. A comma
# and another digit group after it ("1,2,3") is no number; "0,49, respectively" is one.
PAIR_DECIMAL = (
    rf"(?:[1-9]\d{{0,2}}(?:,\d{{3}})+(?!\d|,\d)(?:[.\u00b7]\d+)?|\d+,\d+(?!\d|,\d)|{DECIMAL})"
)
# A sign written before a score ("−2.1 ± 4.0 degrees"): a dash glued to the number.
SIGNED = rf"(?:{MINUS}(?=[\d.\u00b7]))?{PAIR_DECIMAL}"


def _stat_value(prefix: str) -> str:
    """A reported statistic: "3", "3.3+/-1.2", "70%", "3 (IQR 3-3.25)", "3 [2–4]", a range
    "3.1-4.5", with an optional "a median of" before it and a measurement unit after the value
    ("212 ± 88 m", "41.2° ± 9.5°") or after its bracket ("240 [190–310] mL")."""
    return (
        rf"(?:(?:an?\s+|the\s+)?(?P<{prefix}kind>median|mean|average)\s+(?:of\s+)?)?"
        rf"(?:(?P<{prefix}lo>{DECIMAL})\s*{DASH}\s*(?P<{prefix}hi>{DECIMAL})(?![\d.])"
        rf"|(?P<{prefix}v>{SIGNED})\u00b0?(?P<{prefix}pct>\s*%)?"
        rf"(?:\s*{PLUS_MINUS}\s*(?P<{prefix}sd>{PAIR_DECIMAL})\u00b0?)?)"
        rf"(?:\s*(?P<{prefix}unit>{SCORE_UNIT}))?"
        rf"(?:\s*(?:\((?P<{prefix}paren>[^()]{{1,90}})\)|\[(?P<{prefix}brk>[^\[\]]{{1,90}})\]))?"
        rf"(?:\s*(?P<{prefix}unit2>{SCORE_UNIT}))?"
    )


# Between the two values: "at baseline", "before implantation", "pre-implantation", "in 2010".
_PRE_CONTEXT = (
    r"(?:\s+(?:at|before|pre[-\u2010]?\w*|prior\s+to|in|on|during)(?:\s+[\w\u2010-]+){0,3}?)?"
)
# "from a baseline of 212 m to 250 m": the pre value named as the baseline. Without a "to" value
# ("improved by 38 m from a baseline of 212 m") there is no post value and no pair.
_BASELINE_OF = r"(?:(?:an?\s+|the\s+)?baseline\s+(?:value\s+|score\s+|level\s+)?of\s+)?"
# What a unit measures, after it: "from 120 degrees of flexion to 69 degrees".
_UNIT_OF = r"(?(a_unit)(?:\s+of\s+[a-z]+)?)"
PRE_POST = re.compile(
    rf"\bfrom\s+{_BASELINE_OF}{_stat_value('a_')}{_UNIT_OF}{_PRE_CONTEXT}\s+to\s+"
    rf"{_stat_value('b_')}"
)
# The time points written before their values, which stand in brackets: "from pre-intervention
# (7.89±3.79) to one hour post-application (5.33±4.06)", "from pre- (9.89±16.56) to
# post-intervention (21.67±20.70)", "from baseline (3 [2-4]) to 12 months (1 [1-2])". The pre time
# point names the time before treatment; the post one names a later time.
PRE_TIME = (
    r"(?:the\s+)?(?:(?:at\s+)?baseline|pre[-\u2010]?(?:\w+)?|before(?:\s+[\w\u2010-]+){1,2}"
    r"|admission|(?:the\s+)?(?:first|initial)\s+(?:visit|assessment|evaluation))"
)
POST_TIME = (
    r"(?:the\s+)?(?:[\w\u2010-]+\s+){0,3}?(?:post[-\u2010]?\w*|after(?:\s+[\w\u2010-]+){1,2}"
    r"|(?:(?:last|final)\s+)?follow[-\u2010\s]?up|discharge|end\s+of\s+\w+"
    r"|(?:months?|weeks?|years?|days?|hours?)(?:\s+later)?)"
)
TIMES_THEN_VALUES = re.compile(
    rf"\bfrom\s+{PRE_TIME}\s*\(\s*{_stat_value('a_')}\s*\)\s+to\s+{POST_TIME}\s*\(\s*"
    rf"{_stat_value('b_')}\s*\)",
    re.I,
)
# A pair alone in a bracket after the label of what it reports on: "External rotation improved
# (p = 0.001) for the treatment group (20.4° (16.6) to 32.1° (14.0))", "a decrease of the MAS
# in upper (3.2 ± 1.4 to 1.3 ± 0.6) and lower extremities (3.5 ± 0.9 to 2.0 ± 1.0)". Taken only
# after a word of change in its sentence, and never as the bounds of a scale ("(0 to 10)").
BRACKETED_TO = re.compile(
    rf"(?<=[(\[])\s*{_stat_value('a_')}\s+to\s+{_stat_value('b_')}\s*(?=[)\];,])"
)
CHANGE_WORD = re.compile(
    r"\b(?:improv|decreas|increas|reduc|declin|fell|rose|lower|drop|chang|diminish|rais|gain)",
    re.I,
)
# The pair of a control arm (R2: the course of an untreated or control group is no result): the
# last group named before the pair in its sentence is a control, placebo or sham group.
GROUP_LABEL = re.compile(
    r"\b(?P<label>(?:\w+[-\u2010])?\w+)\s+(?:group|arm|condition|cohort)s?\b|\bcontrols\b", re.I
)
CONTROL_LABELS = frozenset(
    {"control", "placebo", "sham", "untreated", "comparison", "waitlist", "waiting-list", "usual"}
)
# "ranged from 2 to 4", "varying from 110 to 390": the spread of one measurement, not a change.
RANGE_VERB_BEFORE = re.compile(r"\b(?:rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying))\s+$", re.I)
# Words that mark the value after them as the pre- or the post-treatment one.
PRE_MARK = r"(?:at\s+baseline|before|pre[-\u2010]?\w+|prior\s+to)"
POST_MARK = (
    r"(?:after|post[-\u2010]?\w+|at\s+(?:the\s+)?(?:(?:last|final|latest)\s+)?follow[-\u2010\s]?up"
    r"|at\s+\w+\s+(?:months?|years?|weeks?)|(?:\w+\s+){1,2}(?:months?|years?|weeks?)\s+later)"
)
# Joins the pre and the post value: "3 before and 1 after", "41.3 at baseline vs 43.0 at 12 months".
PAIR_JOIN = r",?\s+(?:and|vs\.?|versus)\s+"
# "3 (IQR 2-4) before and 1 (IQR 0-2) after implantation", "45.3 (95% CI ...) at baseline and
# 46.1 (...) at two years", "2.9 ± 0.9 before implantation vs 0.8 ± 0.7 at 10 years", "150 m
# before implantation and 600 m one year later": each value is written before its time point.
BEFORE_AFTER = re.compile(
    rf"{NUM_LEFT}{_stat_value('a_')}\s+{PRE_MARK}"
    rf"(?:\s+[\w\u2010-]+){{0,2}}?{PAIR_JOIN}{_stat_value('b_')}\s+{POST_MARK}\b"
)
REMAINED = re.compile(
    rf"\b(?:remained|was\s+unchanged\s+at|stayed)\s+(?P<v>{DECIMAL})\s*\((?P<paren>[^()]{{1,120}})\)"
)
# A unit right after a value makes it a dose or a duration, not an outcome score.
NOT_A_SCORE_UNIT = re.compile(
    r"\s*(?:[\u03bc\u00b5]g|ug|mcg|mg|micrograms?|years?|yrs?|months?|mo|weeks?|wk|days?|hours?|h|min)\b",
    re.I,
)
SPREAD_IN_PARENS = re.compile(
    rf"(?P<type>interquartile\s+range(?:\s*\[IQR\]|\s*\(IQR\))?|IQR|range|95\s*%\s*(?:CI|confidence\s+interval)"
    rf"|CI|SD|SE|SEM|s\.d\.|{PLUS_MINUS})?\s*[:,=]?\s*(?P<lo>-?{DECIMAL})"
    rf"(?:\s*(?:{DASH}|to|,)\s*(?P<hi>-?{DECIMAL}))?",
    re.I,
)
TEST_STATISTIC = re.compile(
    rf"(?P<kind>t|F|z|Z|U|W|\u03c7\s*2|\u03c7\u00b2|[Cc]hi[-\s]?squared?|X2)(?<![A-Za-z]t|[A-Za-z]F|[A-Za-z]z|[A-Za-z]Z|[A-Za-z]U|[A-Za-z]W)"
    rf"\s*(?:\(\s*(?P<df1>{DECIMAL})(?:\s*,\s*(?P<df2>{DECIMAL}))?\s*\))?\s*=\s*"
    rf"(?P<value>[-\u2212]?{DECIMAL})"
)


class PairForm(Enum):
    """How a pair is written; its rule id (provenance) is ``result.<value>``."""

    FROM_TO = "from_to"  # "fell from 3 to 1"
    BEFORE_AFTER = "before_after"  # "3 before and 1 after implantation"
    COMPARED_WITH_PRE = "compared_with_pre"  # "1.5 at 12 months, compared with 3.0 before"
    ARROW = "arrow"  # "7 → 4"
    REMAINED = "remained"  # "remained 14 (IQR 13.5-14 pre, IQR 14-14 post)"
    RESPECTIVELY = "respectively"  # "from 3 and 2 to 1 and 1, respectively"
    VS_LIST = "vs_list"  # "baseline vs one year: BADS, 14·2 vs 10·1; MAS, 2·8 vs 1·9"
    BEFORE_AFTER_CLAUSES = "before_after_clauses"  # "Before ..., X was A; after ... it was B"
    TIMES_THEN_VALUES = "times_then_values"  # "from pre-intervention (7.9±3.8) to post- (5.3±4.1)"
    BRACKETED = "bracketed"  # "the treatment group (20.4° (16.6) to 32.1° (14.0))"
    HEADER_AND_LIST = "header_and_list"  # "Before and after ITB, X were A and B, and Y ..."
    FOLLOW_UP_SERIES = "follow_up_series"  # "3.1 at baseline, 1.9 at 3 months, 1.7 at 12 months"
    BASELINE_THEN_POSTS = "baseline_then_posts"  # "baseline X was 4.0 and this fell to 2.0, 2.2"
    ACROSS_SENTENCES = "across_sentences"  # "The initial MAS was 4.6." ... "The final MAS was 2.2."

    @property
    def rule_id(self) -> str:
        return f"result.{self.value}"

    @property
    def time_before_post_value(self) -> bool:
        """Whether the post value's time point is written before it ("to one hour
        post-application (5.33)"), not after it."""
        return self is PairForm.TIMES_THEN_VALUES


@dataclass(frozen=True, slots=True)
class PairHit:
    """One pre -> post pair. Pairs written together ("from 0.71 and 0.42 to 0.86 and 0.49,
    respectively") share one span and carry their place in it: ``group`` is (index, size),
    ``respective`` says the outcomes are the last ``size`` named before the span, in order, and
    ``link_at`` is where the pair's own outcome is looked for when it is not the span start
    ("MAS was 3.0 and walking speed 0.45; after six months they were 1.6 and 0.61")."""

    start: int
    end: int
    pre: Statistic
    post: Statistic
    post_start: int
    form: PairForm
    link_at: int = -1
    group: tuple[int, int] = (0, 1)
    respective: bool = False
    unit: str | None = None  # a UNITS id, or a rate as written; None when no unit is written
    timepoint: str | None = None  # the post value's time point when the form names it itself

    @property
    def rule_id(self) -> str:
        return self.form.rule_id


@dataclass(frozen=True, slots=True)
class Conventions:
    """How the abstract says it reports values ("Values are median [IQR]", "mean (SD)"): the
    type of a bare interval "3 [2–4]" (iqr | range) and of a bare single number "41.3 (12.4)"
    (sd | se)."""

    interval: str | None = None
    single: str | None = None


NO_CONVENTIONS = Conventions()
# "median [interquartile range]", "median (IQR)", "mean (SD)", "mean [standard deviation]".
DECLARED_SPREAD = re.compile(
    r"\b(?P<stat>median|mean)\s*[(\[]\s*(?P<kind>IQR|inter-?quartile\s+range|range|SD|s\.d\."
    r"|standard\s+deviation|SEM?|standard\s+error(?:\s+of\s+the\s+mean)?)\s*[)\]]",
    re.I,
)
BARE_NUMBER = re.compile(rf"\s*{DECIMAL}\s*")
BRACKET_SPREAD = re.compile(rf"\d\s*(?:{DASH}|to\b)\s*[-\u2212]?[\d.]|IQR|CI\b|SD\b|range", re.I)


@dataclass(frozen=True, slots=True)
class TestHit:
    start: int
    end: int
    kind: str
    value: float
    df: tuple[float, ...]
    p_recomputed: float | None


def declared_conventions(text: str) -> Conventions:
    """The spread conventions ``text`` declares; a kind declared two ways is left undecided."""
    if "median" not in text and "mean" not in text:
        return NO_CONVENTIONS
    intervals: set[str] = set()
    singles: set[str] = set()
    for m in DECLARED_SPREAD.finditer(text):
        kind = m.group("kind").lower()
        if "quartile" in kind or kind == "iqr":
            intervals.add("iqr")
        elif kind == "range":
            intervals.add("range")
        elif kind.startswith(("se", "standard e")):
            singles.add("se")
        else:
            singles.add("sd")
    return Conventions(
        intervals.pop() if len(intervals) == 1 else None,
        singles.pop() if len(singles) == 1 else None,
    )


def _spread_type(raw: str | None, sentence: str, conventions: Conventions = NO_CONVENTIONS) -> str:
    if raw is None:
        if re.search(r"\bIQR\b|interquartile", sentence, re.I):
            return "iqr"
        return conventions.interval or "range"
    low = raw.lower()
    if "iqr" in low or "interquartile" in low:
        return "iqr"
    if "ci" in low or "confidence" in low:
        return "ci95"
    if low in ("se", "sem"):
        return "se"
    if low == "range":
        return "range"
    return "sd"


def parse_spreads(
    paren: str, sentence: str, conventions: Conventions = NO_CONVENTIONS
) -> list[Spread]:
    """Spreads inside a parenthesis, skipping any p-value ("IQR 1-1.25; p = 0.046"). A bare
    number ("41.3 (12.4)") is a spread only where the abstract declared "mean (SD)"."""
    spreads = []
    for part in re.split(r"[;]|,\s+(?=[A-Za-z])", paren):
        if re.search(r"(?<![A-Za-z])[Pp]\s*[<>=\u2264\u2265]", part):
            continue
        if conventions.single and BARE_NUMBER.fullmatch(part):
            spreads.append(Spread(type=conventions.single, sd=parse_decimal(part.strip())))
            continue
        m = SPREAD_IN_PARENS.search(part)
        if not m:
            continue
        kind = _spread_type(m.group("type"), sentence, conventions)
        lo = parse_decimal(m.group("lo").replace("-", "")) * (
            -1 if m.group("lo").startswith("-") else 1
        )
        if m.group("hi") is not None and kind != "sd" and kind != "se":
            hi_raw = m.group("hi")
            hi = parse_decimal(hi_raw.lstrip("-")) * (-1 if hi_raw.startswith("-") else 1)
            spreads.append(Spread(type=kind, lo=lo, hi=hi))
        elif kind in ("sd", "se"):
            spreads.append(Spread(type=kind, sd=lo))
    return spreads


def _stat_kind(before: str, spread: Spread | None, percent: bool) -> str:
    if percent:
        return "percent"
    if spread is not None and spread.type == "iqr":
        return "median"
    if spread is not None and spread.type in ("sd", "se"):
        return "mean"
    low = before.lower()
    median_at, mean_at = low.rfind("median"), max(low.rfind("mean"), low.rfind("average"))
    if median_at > mean_at:
        return "median"
    if mean_at >= 0:
        return "mean"
    return "value"


def _signed(raw: str) -> float:
    """A SIGNED match as a float: "−2.1" -> -2.1, "0,71" -> 0.71."""
    if raw[0] in "-\u2010\u2011\u2013\u2212":
        return -parse_decimal(raw[1:])
    return parse_decimal(raw)


def _statistic(
    m: re.Match[str],
    prefix: str,
    before: str,
    sentence: str,
    conventions: Conventions = NO_CONVENTIONS,
) -> Statistic:
    spread: Spread | None = None
    paren = m.group(prefix + "paren")
    bracket = m.group(prefix + "brk")
    if paren is None and bracket is not None and BRACKET_SPREAD.search(bracket):
        # "3 [2–4]" is a spread; "20% [12]" or "[12, 15]" cites references.
        paren, conventions = bracket, Conventions(conventions.interval, None)
    if m.group(prefix + "lo") is not None:
        spread = Spread(
            type="range",
            lo=parse_decimal(m.group(prefix + "lo")),
            hi=parse_decimal(m.group(prefix + "hi")),
        )
        # A range of study means has no single value. types.Statistic.value is typed float; None is
        # what the contract documents for this case (see the report to the lead).
        return Statistic(stat=_stat_kind(before, None, False), value=None, spread=spread)
    if m.group(prefix + "kind") is not None:
        kind = "mean" if m.group(prefix + "kind").lower() == "average" else m.group(prefix + "kind")
        before = f"{before} {kind.lower()}"
    if m.group(prefix + "sd") is not None:
        spread = Spread(type="sd", sd=parse_decimal(m.group(prefix + "sd")))
    elif paren:
        spreads = parse_spreads(paren, sentence, conventions)
        spread = spreads[0] if spreads else None
    value = _signed(m.group(prefix + "v"))
    return Statistic(
        stat=_stat_kind(before, spread, bool(m.group(prefix + "pct"))), value=value, spread=spread
    )


def _looks_like_year(stat: Statistic) -> bool:
    return stat.value is not None and stat.value.is_integer() and 1900 <= stat.value <= 2100


def _value_end(m: re.Match[str], prefix: str) -> int:
    """End of the number itself (before any parenthesis), to look for a unit right after it."""
    for name in ("unit", "sd", "pct", "v", "hi"):
        if m.group(prefix + name) is not None:
            return m.end(prefix + name)
    return m.end()


def _value_unit(m: re.Match[str], prefix: str, sentence: str) -> str | None:
    """The unit written with one value: "70%", "0.45 m/s", "240 [190–310] mL", "41.2°"."""
    if m.group(prefix + "pct") is not None:
        return "%"
    written = m.group(prefix + "unit") or m.group(prefix + "unit2")
    if written is not None:
        return unit_id(written)
    if m.group(prefix + "v") is not None and sentence.startswith("\u00b0", m.end(prefix + "v")):
        return "deg"
    return None


def _pair_unit(pre: str | None, post: str | None) -> str | None:
    """One unit for both values: the one written (usually once, after the post value); None when
    the two values carry different units (which one the pair is in is not written)."""
    if pre is not None and post is not None and pre != post:
        return None
    return post if post is not None else pre


def _pre_post_matches(sentence: str) -> list[re.Match[str]]:
    """``PRE_POST.finditer(sentence)``, tried only where the literal "from" starts."""
    found: list[re.Match[str]] = []
    index = sentence.find("from")
    while index >= 0:
        m = PRE_POST.match(sentence, index)
        if m:
            found.append(m)
            index = sentence.find("from", m.end())
        else:
            index = sentence.find("from", index + 1)
    return found


# The middle of BEFORE_AFTER: searched first, so the full pattern runs only where it may match.
BEFORE_AND = re.compile(rf"\s{PRE_MARK}(?:\s+[\w\u2010-]+){{0,2}}?{PAIR_JOIN}")


def _before_after_matches(sentence: str) -> list[re.Match[str]]:
    """``BEFORE_AFTER.finditer(sentence)``, run only in the stretch before and after each
    "before ... and" (a scan of the whole sentence tries the pattern at every character)."""
    if " and " not in sentence and " vs" not in sentence and " versus " not in sentence:
        return []
    found: list[re.Match[str]] = []
    for anchor in BEFORE_AND.finditer(sentence):
        window_start = max(found[-1].end() if found else 0, anchor.start() - 110)
        m = BEFORE_AFTER.search(sentence, window_start, min(len(sentence), anchor.end() + 130))
        if m and m.start() <= anchor.start() < m.end():
            found.append(m)
    return found


# One value of a list ("from 0,71 and 0,42 to ..."), and what joins two of them.
LIST_VALUE = re.compile(rf"{NUM_LEFT}{_stat_value('a_')}")
LIST_SEP = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+")
LIST_TO = re.compile(r"\s+to\s+")
# "..., respectively" right after the post values, or closing the parenthesis after them.
RESPECTIVELY_NEXT = re.compile(r",?\s*respectively\b|\s*\([^()]{0,100}\brespectively\s*\)")
# Table-like lists after a pre/post header: "Mean scores at baseline vs one year were: BADS,
# 14·2 vs 10·1 (P=0·003); MAS, 2·8 vs 1·9 (P<0·001)"; "before and after", "pre- vs post-".
VS_HEADER = re.compile(
    r"\b(?:(?:at\s+)?baseline|before(?:\s+\w+)?|pre[-\u2010]?\w*)\s*(?:vs\.?|versus|and|/)\s*"
    r"(?:at\s+)?(?:the\s+)?(?:after|post[-\u2010]?\w*|(?:last\s+|final\s+)?follow[-\u2010\s]?up"
    r"|\w+(?:[-\u2010\s]\w+)?\s*(?:months?|years?|weeks?))\b",
    re.I,
)
VS_ITEM = re.compile(
    rf"{NUM_LEFT}{_stat_value('a_')}\s*(?:vs\.?|versus)\s+{_stat_value('b_')}", re.I
)
# After the same header, "A and B" is a pair too: "Before and after ITB initiation, mean Ashworth
# scores were 2.75 +/- 0.85 and 1.15 +/- 0.36, and mean spasm scores were 3.75 +/- 0.55 and
# 1.00 +/- 0.56" (rule result.header_and_list); never two values of a longer list ("3, 2 and 1").
AND_ITEM = re.compile(rf"{NUM_LEFT}{_stat_value('a_')},?\s+and\s+{_stat_value('b_')}")
LIST_GOES_ON_BEFORE = re.compile(rf"{DECIMAL}\s*%?\s*,\s*\Z")
LIST_GOES_ON_AFTER = re.compile(rf"\s*(?:,|and)\s*(?:and\s+)?{DECIMAL}")
# "12 vs 8 patients": counts of people, not a measure's values.
COUNT_NOUN = re.compile(
    r"\s*(?:patients?|subjects?|participants?|children|adults|people|persons|cases|limbs|pumps"
    r"|men|women|of\s+(?:the|all|\d))\b",
    re.I,
)
# "Before implantation the oxygen cost of walking was 0.31 ± 0.08 mL/kg/m, and after one year it
# was 0.26 ± 0.07 mL/kg/m"; "Before treatment, mean (SD) MAS score was 3.0 (0.7) and walking
# speed 0.45 (0.20) m/s; after six months they were 1.6 (0.8) and 0.61 (0.24) m/s".
CLAUSE_PRE = re.compile(
    rf"\b(?:[Bb]efore|[Pp]rior\s+to|[Aa]t\s+baseline|[Pp]re[-\u2010]?(?:operatively|treatment"
    rf"|implantation))\b[^;]{{0,120}}?\b(?:was|were)\s+{NUM_LEFT}{_stat_value('a_')}"
)
_CHANGE_TO = (
    r"(?:had\s+)?(?:fallen|risen|fell|rose|decreased|increased|dropped|improved|declined|changed)"
    r"\s+to"
)
CLAUSE_POST = re.compile(
    r"\s*[;,]\s+(?:and\s+|but\s+|whereas\s+|while\s+)?(?:after|at|by|post[-\u2010]?\w+)\b"
    rf"[^;]{{0,80}}?\b(?:was|were|{_CHANGE_TO})\s+"
)
# The post value first: "the MAS at 12 months was 1.5 ± 0.7, compared with 3.0 ± 0.6 before
# implantation" (the pre value's time point is required: "compared with 3.0 in controls" is not
# a pair).
COMPARED_WITH = re.compile(
    rf"{NUM_LEFT}{_stat_value('b_')},?\s+(?:compared\s+(?:with|to)|as\s+against)\s+"
    rf"{_stat_value('a_')}\s+{PRE_MARK}\b"
)
# An arrow between the values: "pain NRS 7 → 4 (p = 0.001)", "MAS 3→1", "45 -> 53",
# "3·4 ± 0·6 → 1·9 ± 0·7", "from 3 → 1": the value before it is the pre value, as in a
# list after a "From baseline to one year —" header (rule result.arrow).
ARROW = r"(?:\u2192|\u27f6|\u279e|\u21d2|-{1,2}>|\u2013>)"
ARROW_CUES = ("\u2192", "->", "\u27f6", "\u279e", "\u21d2", "\u2013>")
ARROW_PAIR = re.compile(rf"{NUM_LEFT}{_stat_value('a_')}\s*{ARROW}\s*{_stat_value('b_')}")
# Words every pre -> post pair form holds (find_pairs): "from", "initial", a value's end before
# " to " (a bracketed "(A to B)": "6 to ", ") to ", "\u00b0 to ", "% to "), "remained",
# "unchanged", "stayed", "before", "baseline", "prior to", "pre-implantation", an arrow. Only
# sentences holding one are searched.
PAIR_CUES = (
    "from",
    "initial",
    *(f"{end} to " for end in "0123456789)\u00b0%"),
    "remain",
    "unchanged",
    "stayed",
    "before",
    "baseline",
    "prior to",
    "pre-",
    "pre\u2010",
    "preop",
    "preimpl",
    "pretreat",
    *ARROW_CUES,
)
# A chain "3 → 2 → 1" holds three time points: which two a reviewer wants is not written.
ARROW_BEFORE = re.compile(rf"{ARROW}\s*\Z")
ARROW_AFTER = re.compile(rf"\s*{ARROW}")
# Between two listed values: a few words naming the next measure ("and walking speed 0.45"),
# never a time point or a subject starting the next clause.
_NAME_WORD = (
    r"(?!(?:after|at|by|before|post|following|later|then|it|they|these|this|while|whereas|but)\b)"
    r"(?:the\s+)?[A-Za-z][\w\u2010-]*\s+"
)
GLUE_VALUE = re.compile(
    rf"(?:\s*,\s*(?:and\s+)?|\s+and\s+)(?:{_NAME_WORD}){{0,5}}?(?:(?:was|were|of)\s+)?"
    rf"{NUM_LEFT}{_stat_value('a_')}"
)
# A time unit after a post value is a duration, unless a change verb says the measure itself is
# a time ("the median refill interval lengthened from 63 to 118 days").
CHANGE_VERB_BEFORE = re.compile(
    r"\b(?:lengthened|shortened|prolonged|increased|decreased|rose|fell|declined|dropped|reduced"
    r"|extended)\s+$",
    re.I,
)
TIME_UNIT = re.compile(r"\s*(?:years?|months?|weeks?|days?|hours?|h|min)\b", re.I)


def _compared_matches(sentence: str) -> list[re.Match[str]]:
    """``COMPARED_WITH.finditer(sentence)`` where "compared" or "against" occurs."""
    if "compared" not in sentence and "against" not in sentence:
        return []
    return list(COMPARED_WITH.finditer(sentence))


def _arrow_matches(sentence: str) -> list[re.Match[str]]:
    """``ARROW_PAIR.finditer(sentence)`` where an arrow occurs, without the links of a chain."""
    if not any(cue in sentence for cue in ARROW_CUES):
        return []
    return [
        m
        for m in ARROW_PAIR.finditer(sentence)
        if not ARROW_BEFORE.search(sentence, max(0, m.start() - 3), m.start())
        and not ARROW_AFTER.match(sentence, m.end())
    ]


def _value_start(m: re.Match[str], prefix: str) -> int:
    return m.start(prefix + "lo") if m.group(prefix + "lo") is not None else m.start(prefix + "v")


def _is_score(sentence: str, m: re.Match[str], prefix: str) -> bool:
    """Neither the number nor its bracket is followed by a dose or duration unit."""
    return not (
        NOT_A_SCORE_UNIT.match(sentence, _value_end(m, prefix))
        or NOT_A_SCORE_UNIT.match(sentence, m.end())
    )


def _same_stat(pre: Statistic, post: Statistic) -> tuple[Statistic, Statistic]:
    """One statistic for both values ("3.0 (IQR ...) to 1.0": both medians)."""
    if pre.stat != post.stat and "percent" not in (pre.stat, post.stat):
        stat = pre.stat if pre.stat != "value" else post.stat
        pre = Statistic(stat=stat, value=pre.value, spread=pre.spread)
        post = Statistic(stat=stat, value=post.value, spread=post.spread)
    return pre, post


def _value_list(sentence: str, start: int, stop: re.Pattern[str] | None) -> list[re.Match[str]]:
    """Values listed from ``start`` ("0,71 and 0,42", "3.0 (0.7) and walking speed 0.45"); the
    list ends where ``stop`` matches (the next clause) or no joined value follows."""
    first = LIST_VALUE.match(sentence, start)
    if not first:
        return []
    values = [first]
    while not (stop is not None and stop.match(sentence, values[-1].end())):
        nxt = (GLUE_VALUE if stop is not None else _LIST_NEXT).match(sentence, values[-1].end())
        if not nxt:
            break
        values.append(nxt)
    return values


_LIST_NEXT = re.compile(rf"(?:\s*,\s*(?:and\s+)?|\s+and\s+){NUM_LEFT}{_stat_value('a_')}")


def _group_hits(
    pres: list[re.Match[str]],
    posts: list[re.Match[str]],
    span: tuple[int, int],
    sentence: str,
    form: PairForm,
    conventions: Conventions,
    *,
    respective: bool,
) -> list[PairHit]:
    """Pairs of listed values, in order; none when a value is a dose, a duration or a year."""
    if len(pres) != len(posts) or not all(_is_score(sentence, m, "a_") for m in pres + posts):
        return []
    hits = []
    for index, (a, b) in enumerate(zip(pres, posts, strict=True)):
        before = sentence[: a.start()]
        pre = _statistic(a, "a_", before, sentence, conventions)
        post = _statistic(b, "a_", before, sentence, conventions)
        if _looks_like_year(pre) and _looks_like_year(post):
            return []
        pre, post = _same_stat(pre, post)
        hits.append(
            PairHit(
                span[0],
                span[1],
                pre,
                post,
                _value_start(b, "a_"),
                form,
                _value_start(a, "a_"),
                (index, len(pres)),
                respective,
                _pair_unit(_value_unit(a, "a_", sentence), _value_unit(b, "a_", sentence)),
            )
        )
    return hits


def _respectively_pairs(sentence: str, conventions: Conventions) -> list[PairHit]:
    """ "PSFS and MAS scores fell from 3.0 and 3.0 to 1.0 and 2.0, respectively": k pairs whose
    outcomes are the last k measures named before them (rule result.respectively)."""
    hits: list[PairHit] = []
    index = sentence.find("from ")
    while index >= 0:
        pres = _value_list(sentence, index + 5, None)
        to = LIST_TO.match(sentence, pres[-1].end()) if len(pres) > 1 else None
        posts = _value_list(sentence, to.end(), None) if to else []
        tail = RESPECTIVELY_NEXT.match(sentence, posts[-1].end()) if posts else None
        if posts and tail is None and "respectively" in (posts[-1].group("a_paren") or ""):
            tail = posts[-1]  # "to 1.0 and 1.5 (p = 0.01 and 0.02, respectively)"
        if tail and not RANGE_VERB_BEFORE.search(sentence, 0, index):
            span = (index, tail.end())
            hits += _group_hits(
                pres, posts, span, sentence, PairForm.RESPECTIVELY, conventions, respective=True
            )
        index = sentence.find("from ", index + 1)
    return hits


def _vs_list_pairs(sentence: str, conventions: Conventions) -> list[PairHit]:
    """ "at baseline vs one year were: BADS, 14·2 vs 10·1 (P=0·003); MAS, 2·8 vs 1·9": one pair
    per "A vs B" (or "A and B") after a header naming the two time points (rules result.vs_list,
    result.header_and_list)."""
    header = VS_HEADER.search(sentence)
    if header is None:
        return []
    hits = []
    items = [(m, PairForm.VS_LIST) for m in VS_ITEM.finditer(sentence, header.end())]
    if " and " in sentence[header.end() :]:
        items += [
            (m, PairForm.HEADER_AND_LIST)
            for m in AND_ITEM.finditer(sentence, header.end())
            if not LIST_GOES_ON_BEFORE.search(sentence, max(0, m.start() - 20), m.start())
            and not LIST_GOES_ON_AFTER.match(sentence, m.end())
        ]
    for m, form in sorted(items, key=lambda item: item[0].start()):
        if not (_is_score(sentence, m, "a_") and _is_score(sentence, m, "b_")):
            continue
        if COUNT_NOUN.match(sentence, m.end()) or COUNT_NOUN.match(sentence, _value_end(m, "a_")):
            continue
        before = sentence[: m.start()]
        pre, post = _same_stat(
            _statistic(m, "a_", before, sentence, conventions),
            _statistic(m, "b_", before, sentence, conventions),
        )
        if _looks_like_year(pre) and _looks_like_year(post):
            continue
        unit = _pair_unit(_value_unit(m, "a_", sentence), _value_unit(m, "b_", sentence))
        hits.append(
            PairHit(
                m.start(),
                m.end(),
                pre,
                post,
                _value_start(m, "b_"),
                form,
                unit=unit,
            )
        )
    return hits


GLUE_FILLER = frozenset({"and", "the", "was", "were", "of"})


def _names_a_measure(sentence: str, previous: re.Match[str], value: re.Match[str]) -> bool:
    """Whether a word names the next listed measure ("3.0 (0.7) and walking speed 0.45"); bare
    "3.0 and 2.5" are the values of two groups, not of two measures."""
    glue = sentence[previous.end() : _value_start(value, "a_")]
    return any(w.lower() not in GLUE_FILLER for w in re.findall(r"[A-Za-z][\w\u2010-]*", glue))


def _clause_pairs(sentence: str, conventions: Conventions) -> list[PairHit]:
    """Pre values in a "Before ..., X was A" clause, post values in the "after ... it was B" clause
    that follows; k values each (rule result.before_after_clauses)."""
    hits: list[PairHit] = []
    for m in CLAUSE_PRE.finditer(sentence):
        pres = _value_list(sentence, _value_start(m, "a_"), CLAUSE_POST)
        post_clause = CLAUSE_POST.match(sentence, pres[-1].end()) if pres else None
        if post_clause is None:
            continue
        posts = _value_list(sentence, post_clause.end(), CLAUSE_POST)
        if posts and all(_names_a_measure(sentence, a, b) for a, b in itertools.pairwise(pres)):
            span = (m.start(), posts[-1].end())
            hits += _group_hits(
                pres,
                posts,
                span,
                sentence,
                PairForm.BEFORE_AFTER_CLAUSES,
                conventions,
                respective=False,
            )
    return hits


# "The mean baseline MAS score was 4.0 +/- 0.5 and this improved to 2.0 +/- 0.6, 2.2 +/- 0.6 and
# 2.6 +/- 0.6 at four weeks, three months and six months post neurolysis respectively": one pre
# value, then one post value per time point (rule result.baseline_then_posts, R3 of the guide).
BASELINE_THEN = re.compile(
    rf"\b(?:baseline|pre[-\u2010]?(?:treatment|operative|implantation|intervention|injection)"
    rf"|initial|before\s+(?:treatment|implantation|surgery|injection))\b[^;]{{0,60}}?"
    rf"\b(?:was|were|of)\s+{NUM_LEFT}{_stat_value('a_')},?\s+(?:and|but|which|that)\s+"
    r"(?:(?:this|it|they|these|which|that)\s+)?(?:(?:had|has|was|were|significantly)\s+)*"
    r"(?:improved|decreased|fell|fallen|dropped|declined|increased|rose|risen|reduced|changed"
    r"|lowered)\s+(?:\w+\s+){0,2}?to\s+",
    re.I,
)
NUMBER_WORD = (
    r"(?:\d+(?:[.\u00b7]\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|eighteen|twenty[-\s]?four|thirty[-\s]?six)"
)
_DURATION = rf"{NUMBER_WORD}\s+(?:days?|weeks?|months?|years?)"
# "at four weeks, three months and six months": the time points of a list of post values, in
# order. Only one unit word per time point is read: "at 3, 6 and 12 months" is left undecided.
TIME_LIST = re.compile(
    rf"\s*,?\s*(?:at|after)\s+(?P<times>{_DURATION}(?:\s*,\s*(?:and\s+)?{_DURATION}|"
    rf"\s+and\s+{_DURATION})+)",
    re.I,
)
TIME_ITEM = re.compile(_DURATION, re.I)


def _baseline_then_pairs(sentence: str, conventions: Conventions) -> list[PairHit]:
    """One pair per post value after "baseline X was A and this improved to B[, C and D]"; with
    several post values, each needs its own time point ("at four weeks, three months and six
    months ... respectively"), else which follow-up a value is of cannot be told."""
    hits: list[PairHit] = []
    for m in BASELINE_THEN.finditer(sentence):
        posts = _value_list(sentence, m.end(), None)
        if not posts or not all(_is_score(sentence, v, "a_") for v in (m, *posts)):
            continue
        times: list[str | None] = [None]
        if len(posts) > 1:
            listed = TIME_LIST.match(sentence, posts[-1].end())
            found = TIME_ITEM.findall(listed.group("times")) if listed else []
            if len(found) != len(posts):
                continue
            times = [" ".join(t.split()) for t in found]
        before = sentence[: m.start()]
        pre = _statistic(m, "a_", before, sentence, conventions)
        end = posts[-1].end()
        for index, value in enumerate(posts):
            post = _statistic(value, "a_", before, sentence, conventions)
            if _looks_like_year(pre) and _looks_like_year(post):
                return hits
            pre_i, post_i = _same_stat(pre, post)
            hits.append(
                PairHit(
                    m.start(),
                    end,
                    pre_i,
                    post_i,
                    _value_start(value, "a_"),
                    PairForm.BASELINE_THEN_POSTS,
                    _value_start(m, "a_"),
                    (index, len(posts)),
                    False,
                    _pair_unit(_value_unit(m, "a_", sentence), _value_unit(value, "a_", sentence)),
                    times[index] if len(posts) > 1 else None,
                )
            )
    return hits


# Scale bounds are integers from 0 or 1 ("VAS (0 to 100)", "(1 to 5)"), written without spread.
def _scale_bounds(pre: Statistic, post: Statistic) -> bool:
    return (
        pre.spread is None
        and post.spread is None
        and pre.value in (0.0, 1.0)
        and post.value is not None
        and post.value.is_integer()
    )


def _bracketed_matches(sentence: str) -> list[re.Match[str]]:
    """``BRACKETED_TO`` pairs in a sentence that says something changed before them."""
    if "(" not in sentence and "[" not in sentence:
        return []
    return [
        m
        for m in BRACKETED_TO.finditer(sentence)
        if AFTER_A_WORD.search(sentence, max(0, m.start() - 4), m.start())
        and CHANGE_WORD.search(sentence, 0, m.start())
        and not COUNT_NOUN.match(sentence, m.end())
    ]


# The bracket of a bracketed pair follows a label ("the treatment group (", "upper ("), never a
# value: "3.0 (0 to 6.7)" is a median with its range.
AFTER_A_WORD = re.compile(r"[A-Za-z]\s*[(\[]\s*\Z")


# "Compared with the control group, ...": a control group named as the comparator.
COMPARATOR_BEFORE = re.compile(
    r"\b(?:compared\s+(?:with|to)|than|versus|vs\.?)\s+(?:the\s+)?\Z", re.I
)


def _of_control_group(sentence: str, start: int) -> bool:
    """Whether the last group the sentence names before ``start`` is a control arm (not one
    named as the comparator: "compared with the control group, the MAS fell from 3 to 1")."""
    last = None
    for m in GROUP_LABEL.finditer(sentence, 0, start):
        last = m
    if last is None:
        return False
    label = (last.group("label") or "control").lower()
    if label not in CONTROL_LABELS:
        return False
    return not COMPARATOR_BEFORE.search(sentence, max(0, last.start() - 25), last.start())


def _single_pair(
    sentence: str, m: re.Match[str], form: PairForm, conventions: Conventions
) -> PairHit | None:
    """The pair of a from_to or before_after match, unless it is a dose, a duration, a range of
    one measurement or a period of years."""
    if NOT_A_SCORE_UNIT.match(sentence, _value_end(m, "a_")):
        return None
    time_unit: str | None = None
    for end in (_value_end(m, "b_"), m.end()):
        if NOT_A_SCORE_UNIT.match(sentence, end):
            time = TIME_UNIT.match(sentence, end) if form is PairForm.FROM_TO else None
            if time is None or not CHANGE_VERB_BEFORE.search(sentence, 0, m.start()):
                return None
            time_unit = time_unit or unit_id(time.group().strip().lower())
    if form in (PairForm.FROM_TO, PairForm.TIMES_THEN_VALUES) and RANGE_VERB_BEFORE.search(
        sentence, 0, m.start()
    ):
        return None
    before = sentence[: m.start()]
    pre = _statistic(m, "a_", before, sentence, conventions)
    post = _statistic(m, "b_", before, sentence, conventions)
    if _looks_like_year(pre) and _looks_like_year(post):
        return None  # "from 1998 to 2003" is a period, not a result
    if form is PairForm.BRACKETED and _scale_bounds(pre, post):
        return None
    pre, post = _same_stat(pre, post)
    unit = _pair_unit(_value_unit(m, "a_", sentence), _value_unit(m, "b_", sentence))
    return PairHit(
        m.start(),
        m.end(),
        pre,
        post,
        _value_start(m, "b_"),
        form,
        unit=unit if unit is not None else time_unit,
    )


def _remained_pairs(sentence: str, conventions: Conventions) -> list[PairHit]:
    hits = []
    for m in REMAINED.finditer(sentence):
        spreads = parse_spreads(m.group("paren"), sentence, conventions)
        if len(spreads) != 2:
            continue
        value = parse_decimal(m.group("v"))
        kind = _stat_kind(sentence[: m.start()], spreads[0], False)
        pre = Statistic(stat=kind, value=value, spread=spreads[0])
        post = Statistic(stat=kind, value=value, spread=spreads[1])
        hits.append(PairHit(m.start(), m.end(), pre, post, m.start("v"), PairForm.REMAINED))
    return hits


def _shifted(hit: PairHit, offset: int) -> PairHit:
    return PairHit(
        hit.start + offset,
        hit.end + offset,
        hit.pre,
        hit.post,
        hit.post_start + offset,
        hit.form,
        hit.link_at + offset if hit.link_at >= 0 else -1,
        hit.group,
        hit.respective,
        hit.unit,
        hit.timepoint,
    )


# Later follow-ups of one baseline (R3 of the guide: one pair per follow-up, each with the same
# baseline): "MAS 3.1 ± 0.6 at baseline, 1.9 ± 0.8 at 3 months, 1.7 ± 0.7 at 12 months", "fell
# from 3.1 at baseline to 1.9 at 3 months and 1.7 at 12 months". Every later value carries its own
# time point (rule result.follow_up_series); the first pair is from_to or before_after, or the
# series' own first pair when the values are joined by commas.
SERIES_PRE = re.compile(
    rf"{NUM_LEFT}{_stat_value('a_')}\s+{PRE_MARK}\b(?:\s+[\w\u2010-]+){{0,2}}?(?=\s*,)"
)
POST_TIME_AFTER = re.compile(rf"\s+{POST_MARK}\b")
SERIES_NEXT = re.compile(
    rf"(?:\s*,\s*(?:and\s+)?|\s+and\s+)(?:to\s+)?{NUM_LEFT}{_stat_value('a_')}\s+{POST_MARK}\b"
)


def _series_pairs(
    sentence: str, pre_match: re.Match[str], prefix: str, pos: int, conventions: Conventions
) -> list[PairHit]:
    """The pairs of the values listed from ``pos`` on, each with its own post time point, all
    paired with the pre value of ``pre_match``."""
    if not _is_score(sentence, pre_match, prefix):
        return []
    before = sentence[: pre_match.start()]
    pre = _statistic(pre_match, prefix, before, sentence, conventions)
    hits: list[PairHit] = []
    m = SERIES_NEXT.match(sentence, pos)
    while m is not None and _is_score(sentence, m, "a_"):
        post = _statistic(m, "a_", before, sentence, conventions)
        if _looks_like_year(pre) and _looks_like_year(post):
            return []
        pre_i, post_i = _same_stat(pre, post)
        unit = _pair_unit(_value_unit(pre_match, prefix, sentence), _value_unit(m, "a_", sentence))
        start = _value_start(m, "a_")
        hits.append(
            PairHit(start, m.end(), pre_i, post_i, start, PairForm.FOLLOW_UP_SERIES, unit=unit)
        )
        m = SERIES_NEXT.match(sentence, m.end())
    return hits


def _follow_up_series(
    sentence: str, firsts: Sequence[tuple[re.Match[str], PairForm]], conventions: Conventions
) -> list[PairHit]:
    """Series after a first from_to pair whose post value has a time point or a first
    before_after pair (``firsts``: the matches kept as pairs), and comma-joined series."""
    hits: list[PairHit] = []
    for m, form in firsts:
        if form is PairForm.FROM_TO:
            time = POST_TIME_AFTER.match(sentence, m.end())
            if time:
                hits += _series_pairs(sentence, m, "a_", time.end(), conventions)
        elif form is PairForm.BEFORE_AFTER:
            hits += _series_pairs(sentence, m, "a_", m.end(), conventions)
    if "," in sentence:
        for m in _series_pre_matches(sentence):
            series = _series_pairs(sentence, m, "a_", m.end(), conventions)
            if series:
                first = series[0]
                hits.append(_replace_span(first, m.start(), first.end))
                hits += series[1:]
    return hits


# The middle of SERIES_PRE: searched first, so the full pattern runs only where it may match.
SERIES_PRE_MARK = re.compile(rf"\s{PRE_MARK}\b(?:\s+[\w\u2010-]+){{0,2}}?(?=\s*,)")


def _series_pre_matches(sentence: str) -> list[re.Match[str]]:
    """``SERIES_PRE.finditer(sentence)``, run only in the stretch before each pre mark."""
    found: list[re.Match[str]] = []
    for anchor in SERIES_PRE_MARK.finditer(sentence):
        window_start = max(found[-1].end() if found else 0, anchor.start() - 110)
        m = SERIES_PRE.search(sentence, window_start, sentence.find(",", anchor.end()) + 1)
        if m and m.start() <= anchor.start() < m.end() and m.end() == anchor.end():
            found.append(m)
    return found


def _replace_span(hit: PairHit, start: int, end: int) -> PairHit:
    return PairHit(
        start,
        end,
        hit.pre,
        hit.post,
        hit.post_start,
        hit.form,
        hit.link_at,
        hit.group,
        hit.respective,
        hit.unit,
        hit.timepoint,
    )


# The words of the time before treatment (lower case) that the before/after, vs-list, clause,
# baseline and series forms all hold (PRE_MARK, VS_HEADER, CLAUSE_PRE, BASELINE_THEN,
# SERIES_PRE): sentences without one skip those forms.
PRE_WORDS = (
    "before",
    "baseline",
    "prior",
    "pre-",
    "pre\u2010",
    "pre ",
    "preop",
    "pretreat",
    "preimpl",
    "preinterv",
    "preinj",
)


def find_pairs(
    sentence: str, offset: int, conventions: Conventions = NO_CONVENTIONS
) -> list[PairHit]:
    """Pre -> post pairs in one sentence; offsets are shifted by ``offset`` into the field.

    The list forms (respectively, vs lists, before/after clauses) are tried where their literal
    cue is present, and give way to any overlapping from_to/before_after/remained pair."""
    hits: list[PairHit] = []
    lowered = sentence.lower()
    # Most forms need a word for the time before treatment; sentences without one skip them.
    names_pre = any(word in lowered for word in PRE_WORDS)
    singles = [
        *((m, PairForm.FROM_TO) for m in _pre_post_matches(sentence)),
        *(
            (m, PairForm.BEFORE_AFTER)
            for m in (_before_after_matches(sentence) if names_pre else [])
        ),
        *((m, PairForm.COMPARED_WITH_PRE) for m in _compared_matches(sentence)),
        *((m, PairForm.ARROW) for m in _arrow_matches(sentence)),
        *((m, PairForm.TIMES_THEN_VALUES) for m in _times_then_matches(sentence)),
        *((m, PairForm.BRACKETED) for m in _bracketed_matches(sentence)),
    ]
    kept: list[tuple[re.Match[str], PairForm]] = []
    for m, form in singles:
        hit = _single_pair(sentence, m, form, conventions)
        if hit is not None:
            hits.append(hit)
            kept.append((m, form))
    if "remain" in sentence or "unchanged" in sentence or "stayed" in sentence:
        hits += _remained_pairs(sentence, conventions)
    extra: list[PairHit] = []
    if (names_pre or "initial" in lowered) and " to " in sentence:
        extra += _baseline_then_pairs(sentence, conventions)
    if names_pre and ("at " in sentence or "after" in sentence or "post" in lowered):
        extra += _follow_up_series(sentence, kept, conventions)
    if "respectively" in sentence:
        extra += _respectively_pairs(sentence, conventions)
    if names_pre and ("vs" in sentence or "versus" in sentence or " and " in sentence):
        extra += _vs_list_pairs(sentence, conventions)
    if names_pre and (" was " in sentence or " were " in sentence):
        extra += _clause_pairs(sentence, conventions)
    taken = [(h.start, h.end) for h in hits]
    for hit in extra:
        if not any(s < hit.end and hit.start < e for s, e in taken):
            hits.append(hit)
            if hit.group[0] == hit.group[1] - 1:
                taken.append((hit.start, hit.end))
    if hits and GROUP_LABEL.search(sentence):
        hits = [h for h in hits if not _of_control_group(sentence, h.start)]
    return [_shifted(h, offset) for h in hits] if offset else hits


def _times_then_matches(sentence: str) -> list[re.Match[str]]:
    """``TIMES_THEN_VALUES`` where "from" is followed by a time point and a bracket."""
    found: list[re.Match[str]] = []
    index = sentence.find("from ")
    while index >= 0:
        m = TIMES_THEN_VALUES.match(sentence, index)
        if m:
            found.append(m)
        index = sentence.find("from ", index + 1)
    return found


def next_pair_start(pairs: Sequence[PairHit], index: int, s_end: int) -> int:
    """Where the next pair (not one of this pair's group) starts, else the sentence end."""
    start = pairs[index].start
    return next((q.start for q in pairs[index + 1 :] if q.start > start), s_end)


def pair_timepoints(
    pairs: Sequence[PairHit], s_start: int, s_end: int, scope: Scope, lowered: str
) -> list[str | None]:
    """Timepoint of each pair's post value (rule ids in lexicons/follow_up.yaml, timepoint.*).

    Looked for after the post value up to the next pair ("fell from 3 to 1 at six months"); a
    timepoint after the last of pairs coordinated in one clause ("MAS fell from 3 to 1 and the
    PSFS from 3 to 1 after six months") holds for them all; else one earlier in the clause
    ("At two years ... the MAS had fallen from 2.9 to 1.6")."""
    text = scope.text
    own: list[str | None] = []
    for index, pair in enumerate(pairs):
        if pair.timepoint is not None:
            own.append(pair.timepoint)
            continue
        if pair.form.time_before_post_value:
            found = find_timepoint(text, lowered, pair.start, pair.post_start)
        else:
            limit = next_pair_start(pairs, index, s_end)
            ahead = scope.clause_end(pair.end, limit, TIMEPOINT_CLAUSE_AHEAD)
            found = find_timepoint(text, lowered, pair.post_start, ahead)
        own.append(found[0] if found else None)
    result = list(own)
    for index in range(len(pairs) - 2, -1, -1):
        nxt = pairs[index + 1]
        if (
            result[index] is None
            and result[index + 1] is not None
            and not scope.boundary_between(pairs[index].end, nxt.start, TIMEPOINT_CLAUSE)
        ):
            result[index] = result[index + 1]
    for index, pair in enumerate(pairs):
        if result[index] is None:
            begin = scope.clause_start_from(s_start, pair.start, TIMEPOINT_CLAUSE)
            earlier = [q.end for q in pairs[:index] if q.start < pair.start]
            begin = max(begin, earlier[-1] if earlier else s_start)
            # A listed pair's time point may sit between its pre and post values ("...; after
            # six months they were 1.6 and 0.61").
            end = pair.post_start if pair.link_at >= 0 else pair.start
            found = find_timepoint(text, lowered, begin, end)
            result[index] = found[0] if found else None
    return result


def _test_kind(raw: str) -> str:
    low = raw.lower().replace(" ", "")
    if low.startswith(("\u03c7", "chi", "x2")):
        return "chi2"
    return raw if raw in ("t", "F", "U", "W") else ("z" if low == "z" else raw)


def recompute_p(kind: str, value: float, df: tuple[float, ...]) -> float | None:
    """Two-tailed p for t and z, upper-tail for F and chi2; None when df are missing or invalid."""
    try:
        if kind == "z":
            return p_from_z(value)
        if kind == "t" and len(df) == 1 and df[0] > 0:
            return p_from_t(value, df[0])
        if kind == "F" and len(df) == 2 and min(df) > 0:
            return p_from_f(value, df[0], df[1])
        if kind == "chi2" and len(df) == 1 and df[0] > 0:
            return p_from_chi2(value, df[0])
    except (ValueError, OverflowError, ZeroDivisionError):
        return None
    return None


# A test statistic holds one "=": the regex runs only in windows around each "=", since a scan
# of the whole text tries the pattern at every "t". The characters that may lie between the
# statistic's letter and "=" (df in parentheses, spaces) and after it (the value): when a window
# edge falls inside a run of only those, the match could reach past the edge, so the whole text
# is scanned instead (never seen in real text, but it keeps the result identical).
_BEFORE_EQUALS_ONLY = re.compile(r"[\s\d.,\u00b7()]*")
_AFTER_EQUALS_ONLY = re.compile(r"[\s\d.\u00b7\u2212-]*")
_REACH = 60  # characters searched either side of "="; the letter part is at most 11 of them
_KIND_LENGTH = 12


def _equals_windows(text: str) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    equals = text.find("=")
    while equals >= 0:
        start, end = max(0, equals - _REACH), min(len(text), equals + 1 + _REACH)
        if (start > 0 and _BEFORE_EQUALS_ONLY.fullmatch(text, start + _KIND_LENGTH, equals)) or (
            end < len(text) and _AFTER_EQUALS_ONLY.fullmatch(text, equals + 1, end)
        ):
            return [(0, len(text))]
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
        equals = text.find("=", equals + 1)
    return windows


def statistic_matches(text: str) -> list[re.Match[str]]:
    """``TEST_STATISTIC.finditer(text)``, run only in the windows around each "="."""
    return [m for a, b in _equals_windows(text) for m in TEST_STATISTIC.finditer(text, a, b)]


def find_test_statistics(text: str) -> list[TestHit]:
    hits = []
    for m in statistic_matches(text):
        kind = _test_kind(m.group("kind"))
        df = tuple(parse_decimal(g) for g in (m.group("df1"), m.group("df2")) if g is not None)
        if kind in ("t", "F", "chi2") and not df:
            continue  # without df there is nothing to check, and "F = 3" may be a label
        value = float(m.group("value").replace("\u2212", "-").replace("\u00b7", "."))
        hits.append(TestHit(m.start(), m.end(), kind, value, df, recompute_p(kind, value, df)))
    return hits


def p_consistent(p_recomputed: float, comparator: str, reported: float, decimals: int) -> bool:
    """Whether a reported p agrees with the recomputed one, allowing for rounding of the report."""
    tolerance = 0.5 * 10.0 ** (-decimals) + 1e-12
    if comparator == "=":
        return (
            abs(p_recomputed - reported) <= tolerance or round(p_recomputed, decimals) == reported
        )
    if comparator in ("<", "<="):
        return p_recomputed <= reported + tolerance
    return p_recomputed >= reported - tolerance


# Pairs across sentences ----------------------------------------------------------------------
# A value its sentence marks as the one before or after treatment, in a clause of its own: "The
# initial Ashworth scale was 4.6.", "The final Ashworth scale was 2.2.", "The mean baseline MAS
# score was 3.1 ± 0.6;". The value ends its clause: one followed by a group ("... was 6.54 in the
# pregabalin group") compares arms, not times.
PRE_MARK_WORD = (
    r"(?:initial|baseline|pre[-\u2010]?(?:treatment|operative|implant\w*|injection|intervention"
    r"|ITB))"
)
POST_MARK_WORD = (
    r"(?:final|post[-\u2010]?(?:treatment|operative|implant\w*|injection|intervention|ITB)"
    r"|follow[-\u2010\s]?up)"
)
MARKED_VALUE = re.compile(
    rf"\b(?:(?P<pre>{PRE_MARK_WORD})|(?P<post>{POST_MARK_WORD}))\b"
    rf"(?P<measure>[^.;:()\d]{{1,60}}?)\s+(?:was|were)\s+{_stat_value('v_')}(?=\s*(?:[.;](?![\d\u00b7])|\Z))",
    re.I,
)
# Sentences a pre value's post value may lie ahead of it.
ACROSS_REACH = 3
Span = tuple[int, int, str]  # (start, end, outcome name)


@dataclass(frozen=True, slots=True)
class _Marked:
    """One marked value: before (``pre``) or after treatment, its measure and its sentence."""

    pre: bool
    match: re.Match[str]
    outcome: str
    sentence: int


def _marked_values(
    text: str, names: Sequence[Span], sentence_starts: Sequence[int]
) -> list[_Marked]:
    """The marked values whose measure words name exactly one outcome and that are scores (no
    dose or duration unit after them)."""
    found = []
    for m in MARKED_VALUE.finditer(text):
        own = {
            name
            for start, end, name in names
            if m.start("measure") <= start and end <= m.end("measure")
        }
        if len(own) != 1 or not _is_score(text, m, "v_"):
            continue
        sentence = bisect.bisect_right(sentence_starts, m.start()) - 1
        found.append(_Marked(m.group("pre") is not None, m, own.pop(), sentence))
    return found


def across_sentence_pairs(
    text: str,
    names: Sequence[Span],
    sentence_starts: Sequence[int],
    conventions: Conventions = NO_CONVENTIONS,
) -> list[tuple[PairHit, str]]:
    """Pairs whose values stand in different sentences, with their outcome: a value marked as
    the one before treatment ("The initial Ashworth scale was 4.6.") and, at most
    ``ACROSS_REACH`` sentences later, one marked as after it ("The final Ashworth scale was
    2.2."), of the same measure in the same unit. A measure with more than one marked value of
    either kind is left alone: nothing says which two are the pair."""
    marked = _marked_values(text, names, sentence_starts)
    pairs = []
    for outcome in sorted({m.outcome for m in marked}):
        pres = [m for m in marked if m.outcome == outcome and m.pre]
        posts = [m for m in marked if m.outcome == outcome and not m.pre]
        if len(pres) != 1 or len(posts) != 1:
            continue
        a, b = pres[0].match, posts[0].match
        if not 0 < posts[0].sentence - pres[0].sentence <= ACROSS_REACH:
            continue
        unit = _value_unit(a, "v_", text)
        if unit != _value_unit(b, "v_", text):
            continue
        stats = [
            _statistic(
                m, "v_", text[sentence_starts[x.sentence] : m.end("measure")], text, conventions
            )
            for m, x in ((a, pres[0]), (b, posts[0]))
        ]
        if any(_looks_like_year(stat) for stat in stats):
            continue
        pre, post = _same_stat(stats[0], stats[1])
        form = PairForm.ACROSS_SENTENCES
        hit = PairHit(a.start(), b.end(), pre, post, _value_start(b, "v_"), form, unit=unit)
        pairs.append((hit, outcome))
    return pairs
