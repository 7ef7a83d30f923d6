"""p-values in every written form, as (comparator, value) with the exact reported text.

Two stages, statcheck style: a broad regex composed of named parts finds candidates, then a
narrow parse turns the comparator and number into typed values. Thresholds ("P < 0.05 was
considered significant") are not results and are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.numbers import EXPONENT, LOCALE_DECIMAL, MINUS, parse_decimal, parse_exponent
from extractors.types import Comparator

# The label: "p", "P", "p-value", "P value(s)", "two-tailed p", "P for trend", "p-interaction",
# not glued to a word ("Sp", "ap"). The letter comes first (before the lookbehind) so the regex
# engine can skip ahead to each p/P.
P_LABEL = (
    r"(?:[Pp](?<![A-Za-z0-9][Pp])(?:\s*[-\u2010\u2011\u2212]?\s*values?"
    r"|\s+for\s+(?:linear\s+)?(?:trend|interaction)|\s*[-\u2010_]\s*(?:trend|interaction)"
    # Qualified labels: "Padj", "p adj.", "p-adjusted", "pcorrected", "P corr".
    r"|\s*[-\u2010_]?\s*(?:adj(?:usted)?|corr(?:ected)?)\.?"
    # The test named in brackets: "p (Wilcoxon) =", "P (paired t-test) =".
    r"|\s*\([A-Za-z][A-Za-z' -]{1,30}\))?)"
    r"(?![A-Za-z])"
)
# Symbolic comparators, including typed-out forms from plain-text sources ("< or =", "=<").
SYMBOL_COMPARATOR = (
    r"(?:<\s*or\s*=|>\s*or\s*=|<\s*=|>\s*=|=\s*<|=\s*>|"
    r"[\u2264\u2265\u2266\u2267\u2a7d\u2a7e<>=\uff1c\uff1d\uff1e])"
)
# Worded comparators: "p less than .0001", "P-value of 0.03", "p was 0.04", "p equal to 0.05".
WORD_COMPARATOR = (
    r"(?:(?:is\s+|was\s+|were\s+)?(?:less|smaller|lower)\s+than(?:\s+or\s+equal\s+to)?"
    r"|(?:is\s+|was\s+|were\s+)?(?:greater|larger|higher|more)\s+than(?:\s+or\s+equal\s+to)?"
    r"|(?:is\s+|was\s+|were\s+)?equal(?:s|led)?\s+to|of|was|were|is|:|(?<=value)|(?<=values))"
)
# A power of ten without a mantissa, "p < 10−3", comes first: read as a decimal, "10" is no p.
P_NUMBER = (
    rf"(?:10\s*(?:\^|\*\*)?\s*(?P<tenopen>\()?\s*(?P<texp>{MINUS}\s*\d+)(?(tenopen)\))"
    rf"|(?P<value>{LOCALE_DECIMAL})(?:{EXPONENT})?)"
)
# "p = 0.03 and 0.004, respectively": further values sharing the label and comparator.
LIST_NEXT_VALUE = re.compile(
    rf"(?:\s*,\s*(?:and\s+)?|\s+and\s+)(?P<value>{LOCALE_DECIMAL})(?![\d])"
)
RESPECTIVELY = re.compile(r"\s*,?\s*respectively\b")
P_WITH_LABEL = re.compile(
    rf"{P_LABEL}\s*(?P<comp>{SYMBOL_COMPARATOR}|{WORD_COMPARATOR}(?=\s*[.\d\u00b7]))\s*{P_NUMBER}"
)
# Publisher pages sometimes drop an italic "P": "(< 0.0001)", "(= 0.0214, Wald test)". Only a
# parenthesised comparator + a number written as a probability (0.x / .x) qualifies.
BARE_P = re.compile(
    rf"\(\s*(?P<comp>{SYMBOL_COMPARATOR})\s*(?P<value>0?[.\u00b7]\d+)(?:{EXPONENT})?"
    r"(?=\s*[),;])"
)
# A bracketed label and number with no comparator: "(p 0.03)" reports p = 0.03.
BRACKETED_P_NO_COMPARATOR = re.compile(
    rf"(?<=\()[Pp]\s+(?P<comp>)(?P<value>0?[.\u00b7]\d+)(?:{EXPONENT})?(?=\s*[),;])"
)
# "P = NS", "(NS)", "(n.s.)", "(not significant)": reported non-significance without a number.
P_NOT_SIGNIFICANT = re.compile(
    rf"{P_LABEL}\s*[=:]\s*(?:NS|n\.\s?s\.)(?![A-Za-z])"
    r"|\((?P<paren>NS|n\.\s?s\.|not\s+significant|non-?significant)\)"
)
# Every P_NOT_SIGNIFICANT alternative contains "NS", "significant)" or this: the pre-check.
N_DOT_S = re.compile(r"n\.\s?s\.")
# Thresholds and alpha levels are settings, not findings.
THRESHOLD_AFTER = re.compile(
    r"^\W{0,3}\s*(?:was|were|is|are)?\s*(?:considered|regarded|accepted|defined|taken|set)\b"
    r"|^\s*(?:level|threshold)\b"
    # A computed threshold: "P = 0.05/3" (Bonferroni) divides the alpha level.
    r"|^\s*/\s*\d",
    re.I,
)
THRESHOLD_BEFORE = re.compile(
    r"(?:significan(?:ce|t)\s+(?:level|threshold)|alpha|\u03b1|level\s+of\s+significance|"
    r"significance\s+(?:was\s+)?(?:set|defined|accepted)\s+(?:at|as)|set\s+at|defined\s+as|"
    r"considered\s+(?:statistically\s+)?significant\s+(?:at|if|when))(?:\s+(?:of|at|was|as|set\s+at))?\W*$",
    re.I,
)

_COMPARATORS: dict[str, Comparator] = {
    "=": "=",
    "<": "<",
    ">": ">",
    "\u2264": "<=",
    "\u2266": "<=",
    "\u2a7d": "<=",
    "\u2265": ">=",
    "\u2267": ">=",
    "\u2a7e": ">=",
    # Fullwidth forms from CJK-typeset abstracts: "p＜0.05", "P ＝ 0.03".
    "\uff1c": "<",
    "\uff1d": "=",
    "\uff1e": ">",
}


@dataclass(frozen=True, slots=True)
class PValueHit:
    start: int
    end: int
    comparator: Comparator
    value: float | None
    rule_id: str
    reported_ns: bool = False


def normalise_comparator(raw: str) -> Comparator:
    """Map any written comparator to one of =, <, <=, >, >=."""
    text = re.sub(r"\s+", " ", raw.strip().lower())
    if text in _COMPARATORS:
        return _COMPARATORS[text]
    squeezed = text.replace(" ", "")
    if squeezed in ("<=", "=<", "<or="):
        return "<="
    if squeezed in (">=", "=>", ">or="):
        return ">="
    if "than" in text:
        lower = any(w in text for w in ("less", "smaller", "lower"))
        if "equal" in text:
            return "<=" if lower else ">="
        return "<" if lower else ">"
    return "="


# Lower-case literals one of which every THRESHOLD_BEFORE alternative contains, save "\u03b1":
# a cheap pre-check for its scan of every position (a text that is not ASCII is always scanned).
THRESHOLD_BEFORE_LITERALS = ("significan", "alpha", "level", "set", "defined", "considered")


def _is_threshold(text: str, start: int, end: int) -> bool:
    if THRESHOLD_AFTER.search(text[end : end + 40]):
        return True
    before = text[max(0, start - 60) : start]
    if before.isascii():
        lowered = before.lower()
        if not any(literal in lowered for literal in THRESHOLD_BEFORE_LITERALS):
            return False
    return bool(THRESHOLD_BEFORE.search(before))


def _respectively_values(text: str, end: int) -> list[re.Match[str]]:
    """The further values of "p = 0.03 and 0.004, respectively" (none without "respectively")."""
    found: list[re.Match[str]] = []
    m = LIST_NEXT_VALUE.match(text, end)
    while m:
        found.append(m)
        m = LIST_NEXT_VALUE.match(text, m.end())
    return found if found and RESPECTIVELY.match(text, found[-1].end()) else []


def find_p_values(text: str) -> list[PValueHit]:
    """All p-values in ``text``, in order; spans cover label (if any), comparator and number."""
    hits: list[PValueHit] = []
    taken: list[tuple[int, int]] = []
    for pattern, rule_id in (
        (P_WITH_LABEL, "pvalue.labelled"),
        (BARE_P, "pvalue.bare_parenthesised"),
        (BRACKETED_P_NO_COMPARATOR, "pvalue.no_comparator"),
    ):
        if pattern is BRACKETED_P_NO_COMPARATOR and "(p" not in text and "(P" not in text:
            continue  # its match starts with "p"/"P" right after "(": skip the whole-text scan
        for m in pattern.finditer(text):
            start = m.start("comp") if rule_id == "pvalue.bare_parenthesised" else m.start()
            end = m.end()
            if any(s < end and start < e for s, e in taken):
                continue
            if m.groupdict().get("texp"):
                value = 10.0 ** int(re.sub(MINUS, "-", m.group("texp")).replace(" ", ""))
            else:
                value = parse_exponent(m.group("value"), m.group("exp") or m.group("eexp"))
            if not 0.0 <= value <= 1.0 or _is_threshold(text, start, end):
                continue
            comparator = normalise_comparator(m.group("comp"))
            hits.append(PValueHit(start, end, comparator, value, rule_id))
            taken.append((start, end))
            for extra in _respectively_values(text, end):
                extra_value = parse_decimal(extra.group("value"))
                if 0.0 <= extra_value <= 1.0:
                    span = (extra.start("value"), extra.end("value"))
                    hits.append(PValueHit(*span, comparator, extra_value, "pvalue.respectively"))
                    taken.append(span)
    if "NS" not in text and "significant)" not in text and not N_DOT_S.search(text):
        hits.sort(key=lambda h: h.start)
        return hits
    for m in P_NOT_SIGNIFICANT.finditer(text):
        start, end = (
            (m.start("paren"), m.end("paren")) if m.group("paren") else (m.start(), m.end())
        )
        if not any(s < end and start < e for s, e in taken):
            hits.append(PValueHit(start, end, "=", None, "pvalue.not_significant", True))
    hits.sort(key=lambda h: h.start)
    return hits


__all__ = ["MINUS", "PValueHit", "find_p_values", "normalise_comparator"]
