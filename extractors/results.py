"""Summary statistics in results: pre -> post pairs and test statistics with df.

Pairs: "improved from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046)", "decreased from 3.3+/-1.2
to 1.4+/-0.7", "reduced from 3.1-4.5 at baseline to 1.0-2.0", and "remained 14 (IQR 13.5-14 pre,
IQR 14-14 post)". Values followed by a mass or time unit are doses/durations, not results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.distributions import p_from_chi2, p_from_f, p_from_t, p_from_z
from extractors.numbers import DASH, DECIMAL, NUM_LEFT, PLUS_MINUS, THOUSANDS, parse_decimal
from extractors.types import Spread, Statistic

# A measurement unit a score may carry ("212 ± 88 m", "19.5 s", "52 ± 15 degrees"); never a
# mass or time unit of a dose or duration (see NOT_A_SCORE_UNIT).
SCORE_UNIT = r"(?:m/s|cm|mm|m|s|secs?|seconds?|degrees?|\u00b0|points?)(?![\w/])"
# A decimal-comma value ("3,4"; "1,150" stays a thousands figure) next to dot decimals.
PAIR_DECIMAL = rf"(?:{THOUSANDS}|\d+,\d+(?![\d,])|{DECIMAL})"


def _stat_value(prefix: str) -> str:
    """A reported statistic: "3", "3.3+/-1.2", "70%", "3 (IQR 3-3.25)", a range "3.1-4.5", with
    an optional "a median of" before it and a measurement unit after it ("212 ± 88 m")."""
    return (
        rf"(?:(?:an?\s+|the\s+)?(?P<{prefix}kind>median|mean|average)\s+(?:of\s+)?)?"
        rf"(?:(?P<{prefix}lo>{DECIMAL})\s*{DASH}\s*(?P<{prefix}hi>{DECIMAL})(?![\d.])"
        rf"|(?P<{prefix}v>{PAIR_DECIMAL})(?P<{prefix}pct>\s*%)?"
        rf"(?:\s*{PLUS_MINUS}\s*(?P<{prefix}sd>{DECIMAL}))?)"
        rf"(?:\s*(?P<{prefix}unit>{SCORE_UNIT}))?"
        rf"(?:\s*\((?P<{prefix}paren>[^()]{{1,90}})\))?"
    )


# Between the two values: "at baseline", "before implantation", "pre-implantation", "in 2010".
_PRE_CONTEXT = (
    r"(?:\s+(?:at|before|pre[-\u2010]?\w*|prior\s+to|in|on|during)(?:\s+[\w\u2010-]+){0,3}?)?"
)
PRE_POST = re.compile(rf"\bfrom\s+{_stat_value('a_')}{_PRE_CONTEXT}\s+to\s+{_stat_value('b_')}")
# "ranged from 2 to 4", "varying from 110 to 390": the spread of one measurement, not a change.
RANGE_VERB_BEFORE = re.compile(r"\b(?:rang(?:e|es|ed|ing)|var(?:y|ies|ied|ying))\s+$", re.I)
# "3 (IQR 2-4) before and 1 (IQR 0-2) after implantation", "45.3 (95% CI ...) at baseline and
# 46.1 (...) at two years": the pre value is written before its time point, the post value too.
BEFORE_AFTER = re.compile(
    rf"{NUM_LEFT}{_stat_value('a_')}\s+(?:at\s+baseline|before|pre[-\u2010]?\w+)"
    rf"(?:\s+[\w\u2010-]+){{0,2}}?,?\s+and\s+{_stat_value('b_')}\s+"
    rf"(?:after|post[-\u2010]?\w+|at\s+(?:follow[-\u2010\s]?up|\w+\s+(?:months?|years?|weeks?)))\b"
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


@dataclass(frozen=True, slots=True)
class PairHit:
    start: int
    end: int
    pre: Statistic
    post: Statistic
    post_start: int
    rule_id: str


@dataclass(frozen=True, slots=True)
class TestHit:
    start: int
    end: int
    kind: str
    value: float
    df: tuple[float, ...]
    p_recomputed: float | None


def _spread_type(raw: str | None, sentence: str) -> str:
    if raw is None:
        return "iqr" if re.search(r"\bIQR\b|interquartile", sentence, re.I) else "range"
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


def parse_spreads(paren: str, sentence: str) -> list[Spread]:
    """Spreads inside a parenthesis, skipping any p-value ("IQR 1-1.25; p = 0.046")."""
    spreads = []
    for part in re.split(r"[;]|,\s+(?=[A-Za-z])", paren):
        if re.search(r"(?<![A-Za-z])[Pp]\s*[<>=\u2264\u2265]", part):
            continue
        m = SPREAD_IN_PARENS.search(part)
        if not m:
            continue
        kind = _spread_type(m.group("type"), sentence)
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


def _statistic(m: re.Match[str], prefix: str, before: str, sentence: str) -> Statistic:
    spread: Spread | None = None
    paren = m.group(prefix + "paren")
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
        spreads = parse_spreads(paren, sentence)
        spread = spreads[0] if spreads else None
    value = parse_decimal(m.group(prefix + "v"))
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
BEFORE_AND = re.compile(
    r"\s(?:at\s+baseline|before|pre[-\u2010]?\w+)(?:\s+[\w\u2010-]+){0,2}?,?\s+and\s"
)


def _before_after_matches(sentence: str) -> list[re.Match[str]]:
    """``BEFORE_AFTER.finditer(sentence)``, run only in the stretch before and after each
    "before ... and" (a scan of the whole sentence tries the pattern at every character)."""
    if " and " not in sentence:
        return []
    found: list[re.Match[str]] = []
    for anchor in BEFORE_AND.finditer(sentence):
        window_start = max(found[-1].end() if found else 0, anchor.start() - 110)
        m = BEFORE_AFTER.search(sentence, window_start, min(len(sentence), anchor.end() + 130))
        if m and m.start() <= anchor.start() < m.end():
            found.append(m)
    return found


def find_pairs(sentence: str, offset: int) -> list[PairHit]:
    """Pre -> post pairs in one sentence; offsets are shifted by ``offset`` into the field."""
    hits: list[PairHit] = []
    for m, rule_id in [
        *((m, "result.from_to") for m in _pre_post_matches(sentence)),
        *((m, "result.before_after") for m in _before_after_matches(sentence)),
    ]:
        if NOT_A_SCORE_UNIT.match(sentence, m.end()) or NOT_A_SCORE_UNIT.match(
            sentence, _value_end(m, "a_")
        ):
            continue
        if rule_id == "result.from_to" and RANGE_VERB_BEFORE.search(sentence, 0, m.start()):
            continue
        before = sentence[: m.start()]
        pre = _statistic(m, "a_", before, sentence)
        post = _statistic(m, "b_", before, sentence)
        if _looks_like_year(pre) and _looks_like_year(post):
            continue  # "from 1998 to 2003" is a period, not a result
        if pre.stat != post.stat and "percent" not in (pre.stat, post.stat):
            stat = pre.stat if pre.stat != "value" else post.stat
            pre = Statistic(stat=stat, value=pre.value, spread=pre.spread)
            post = Statistic(stat=stat, value=post.value, spread=post.spread)
        post_start = m.start("b_lo") if m.group("b_lo") is not None else m.start("b_v")
        hits.append(
            PairHit(
                offset + m.start(),
                offset + m.end(),
                pre,
                post,
                offset + post_start,
                rule_id,
            )
        )
    if "remain" in sentence or "unchanged" in sentence or "stayed" in sentence:
        for m in REMAINED.finditer(sentence):
            spreads = parse_spreads(m.group("paren"), sentence)
            if len(spreads) != 2:
                continue
            value = parse_decimal(m.group("v"))
            kind = _stat_kind(sentence[: m.start()], spreads[0], False)
            pre = Statistic(stat=kind, value=value, spread=spreads[0])
            post = Statistic(stat=kind, value=value, spread=spreads[1])
            hits.append(
                PairHit(
                    offset + m.start(),
                    offset + m.end(),
                    pre,
                    post,
                    offset + m.start("v"),
                    "result.remained",
                )
            )
    return hits


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
