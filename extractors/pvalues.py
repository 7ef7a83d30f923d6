"""p-values in every written form, as (comparator, value) with the exact reported text.

Two stages, statcheck style: a broad regex composed of named parts finds candidates, then a
narrow parse turns the comparator and number into typed values. Thresholds ("P < 0.05 was
considered significant") are not results and are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from extractors.numbers import (
    DECIMAL,
    EXPONENT,
    LOCALE_DECIMAL,
    MINUS,
    PLUS_MINUS,
    parse_decimal,
    parse_exponent,
)
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
    # Angle brackets typeset for "<"/">" (CJK U+3008/U+3009, U+2329/U+232A, modifier letters
    # U+02C2/U+02C3, single guillemets): "P\u30080.05". Only ever read right after a P label.
    r"[\u2264\u2265\u2266\u2267\u2a7d\u2a7e<>=\uff1c\uff1d\uff1e"
    r"\u3008\u3009\u2329\u232a\u02c2\u02c3\u2039\u203a])"
)
# Worded comparators: "p less than .0001", "P-value of 0.03", "p was 0.04", "p equal to 0.05".
WORD_COMPARATOR = (
    r"(?:(?:is\s+|was\s+|were\s+)?(?:less|smaller|lower)\s+than(?:\s+or\s+equal\s+to)?"
    r"|(?:is\s+|was\s+|were\s+)?(?:greater|larger|higher|more)\s+than(?:\s+or\s+equal\s+to)?"
    r"|(?:is\s+|was\s+|were\s+)?equal(?:s|led)?\s+to|of|was|were|is|:|(?<=value)|(?<=values))"
)
# A power of ten without a mantissa, "p < 10−3", comes first: read as a decimal, "10" is no p.
# A decimal broken after its point by a line-wrapping typesetter, "p < 0. 0001", is read whole
# (only after a P label and comparator: in running text "0. 5" is a sentence end and a number).
P_NUMBER = (
    rf"(?:10\s*(?:\^|\*\*)?\s*(?P<tenopen>\()?\s*(?P<texp>{MINUS}\s*\d+)(?(tenopen)\))"
    r"|(?P<broken>0[.\u00b7] \d+)(?![\d.])"
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
# A bracketed label and number with no comparator: "(p 0.03)" reports p = 0.03. A conventional
# alpha level written so, "(P 0.05)", lost a comparator that was almost surely "<": the relation
# cannot be read, so it is not taken (real-gold rule X-P3); see ``_lost_comparator_is_guess``.
BRACKETED_P_NO_COMPARATOR = re.compile(
    rf"(?<=\()[Pp]\s+(?P<comp>)(?P<value>0?[.\u00b7]\d+)(?:{EXPONENT})?(?=\s*[),;])"
)
# A labelled p-value later in the same brackets: "(= 0.661, p = 0.019)" dropped the symbol of a
# correlation or test statistic, not of a p-value.
LABELLED_P_AHEAD = re.compile(rf"[^()]{{0,40}}?{P_LABEL}\s*{SYMBOL_COMPARATOR}")
# Table-like rows written into an abstract: a header that names "P" as its last column ("(pre,
# post, P)", "baseline | 6 months | p value") and rows ending in two values then a bare p:
# "MAS 3.1 ± 0.6 1.9 ± 0.8 0.003". Both are required: a bare decimal is otherwise never a p.
# The letter first, so the scan jumps from p to p; the separator before it is checked in code.
P_COLUMN = re.compile(r"[Pp](?<![\w.][Pp])(?:[- ]?values?)?[ \t]*[)\]\n]")
_ROW_VALUE = rf"{DECIMAL}(?:\s*{PLUS_MINUS}\s*{DECIMAL}|\s*\(\s*{DECIMAL}\s*\))?"
TABLE_ROW_P = re.compile(
    rf"(?<![\w.\u00b7]){_ROW_VALUE}\s+{_ROW_VALUE}\s+"
    rf"(?P<comp>[<>\u2264\u2265]?)\s*(?P<value>0?[.\u00b7]\d+)(?:{EXPONENT})?(?=\s*(?:[;\n]|$))",
    re.M,
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
    r"|^\s*(?:level|threshold)\b",
    re.I,
)
# A computed threshold, "P = 0.05/3 = 0.017" (Bonferroni): the number is a term of an arithmetic
# expression, not a p-value as written.
DIVIDED_AFTER = re.compile(r"\s*/\s*\d")
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
    # Angle brackets and modifier letters typeset for "<" and ">".
    "\u3008": "<",
    "\u2329": "<",
    "\u02c2": "<",
    "\u2039": "<",
    "\u3009": ">",
    "\u232a": ">",
    "\u02c3": ">",
    "\u203a": ">",
}


class PValueKind(Enum):
    """How a p-value was written: the evidence its confidence and linking rest on."""

    LABELLED = "labelled"  # "P = 0.03", "p less than .001", "P(trend) = 0.02"
    BARE_PARENTHESISED = "bare_parenthesised"  # "(< 0.0001)": the italic P dropped
    NO_COMPARATOR = "no_comparator"  # "(p 0.03)": the comparator lost, "=" read
    RESPECTIVELY = "respectively"  # "p = 0.03 and 0.004, respectively": the later values
    NOT_SIGNIFICANT = "not_significant"  # "p = NS", "(n.s.)": no number
    TABLE_ROW = "table_row"  # a bare p ending a row under a header naming a P column
    THRESHOLD = "threshold"  # "p < 0.05 was considered significant": a setting, no finding


@dataclass(frozen=True, slots=True)
class PValuePattern:
    """One written form: its rule id (copied to provenance), kind and regex."""

    rule_id: str
    kind: PValueKind
    regex: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class PValueHit:
    start: int
    end: int
    comparator: Comparator
    value: float | None
    rule_id: str
    reported_ns: bool = False
    # Added for confidence: how the value was written (a bare or comparator-less form is weaker
    # evidence than a labelled one; a threshold is a setting, never linked to an outcome).
    kind: PValueKind = PValueKind.LABELLED


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


# The numbered forms, strongest first: a span taken by one is not read again by a later one.
PATTERNS = (
    PValuePattern("pvalue.labelled", PValueKind.LABELLED, P_WITH_LABEL),
    PValuePattern("pvalue.bare_parenthesised", PValueKind.BARE_PARENTHESISED, BARE_P),
    PValuePattern("pvalue.no_comparator", PValueKind.NO_COMPARATOR, BRACKETED_P_NO_COMPARATOR),
    PValuePattern("pvalue.table_row", PValueKind.TABLE_ROW, TABLE_ROW_P),
)
# A comparator-less value that is a conventional alpha level (a single significant digit 1 or 5:
# 0.05, 0.01, 0.001, 0.005) most likely lost a "<"; any other value was reported exactly ("=").
CONVENTIONAL_ALPHA = re.compile(r"0?[.\u00b7]0*[15]")


def _skip_pattern(pattern: PValuePattern, text: str) -> bool:
    """Literal pre-checks that spare a whole-text scan for forms that cannot occur."""
    if pattern.kind is PValueKind.NO_COMPARATOR:
        return "(p" not in text and "(P" not in text
    if pattern.kind is PValueKind.TABLE_ROW:
        return not _has_p_column_header(text)
    return False


def _has_p_column_header(text: str) -> bool:
    """A header naming P as its last column: "(pre, post, P)", "baseline  6 months  p value"."""
    for m in P_COLUMN.finditer(text):
        before = text[: m.start()]
        stripped = before.rstrip(" \t")
        if stripped and (stripped[-1] in ",;/|\t" or len(before) - len(stripped) >= 2):
            return True
    return False


def _refused(pattern: PValuePattern, text: str, m: re.Match[str]) -> bool:
    """Forms that look like a p but are not one, or whose relation cannot be read."""
    if DIVIDED_AFTER.match(text, m.end()):
        return True
    if pattern.kind is PValueKind.BARE_PARENTHESISED:
        return LABELLED_P_AHEAD.match(text, m.end()) is not None
    if pattern.kind is PValueKind.NO_COMPARATOR:
        return CONVENTIONAL_ALPHA.fullmatch(m.group("value")) is not None
    return False


def _value(m: re.Match[str]) -> float:
    groups = m.groupdict()
    if groups.get("texp"):
        return 10.0 ** int(re.sub(MINUS, "-", groups["texp"]).replace(" ", ""))
    if groups.get("broken"):
        return parse_decimal(groups["broken"].replace(" ", ""))
    return parse_exponent(m.group("value"), groups.get("exp") or groups.get("eexp"))


def find_p_values(text: str) -> list[PValueHit]:
    """All p-values in ``text``, in order; spans cover label (if any), comparator and number.

    Significance thresholds are returned with kind ``THRESHOLD``: the guide annotates them as
    written p-values (rule X-P1), and their kind tells the linker they report on no outcome."""
    hits: list[PValueHit] = []
    taken: list[tuple[int, int]] = []
    for pattern in PATTERNS:
        if _skip_pattern(pattern, text):
            continue
        for m in pattern.regex.finditer(text):
            start = m.start() if pattern.kind is PValueKind.LABELLED else m.start("comp")
            if pattern.kind is PValueKind.NO_COMPARATOR:
                start = m.start()
            if pattern.kind is PValueKind.TABLE_ROW and not m.group("comp"):
                start = m.start("value")
            end = m.end()
            if any(s < end and start < e for s, e in taken) or _refused(pattern, text, m):
                continue
            value = _value(m)
            comparator = normalise_comparator(m.group("comp"))
            # "p < 0" is no probability: a number cut short ("p < 0.0 5") is not guessed at.
            if not 0.0 <= value <= 1.0 or (value == 0.0 and comparator in ("<", "<=")):
                continue
            kind = PValueKind.THRESHOLD if _is_threshold(text, start, end) else pattern.kind
            hits.append(PValueHit(start, end, comparator, value, pattern.rule_id, kind=kind))
            taken.append((start, end))
            for extra in _respectively_values(text, end):
                extra_value = parse_decimal(extra.group("value"))
                if 0.0 <= extra_value <= 1.0:
                    span = (extra.start("value"), extra.end("value"))
                    hits.append(
                        PValueHit(
                            *span,
                            comparator,
                            extra_value,
                            "pvalue.respectively",
                            kind=PValueKind.RESPECTIVELY,
                        )
                    )
                    taken.append(span)
    if "NS" not in text and "significant)" not in text and not N_DOT_S.search(text):
        hits.sort(key=lambda h: h.start)
        return hits
    for m in P_NOT_SIGNIFICANT.finditer(text):
        start, end = (
            (m.start("paren"), m.end("paren")) if m.group("paren") else (m.start(), m.end())
        )
        if not any(s < end and start < e for s, e in taken):
            hits.append(
                PValueHit(
                    start,
                    end,
                    "=",
                    None,
                    "pvalue.not_significant",
                    True,
                    kind=PValueKind.NOT_SIGNIFICANT,
                )
            )
    hits.sort(key=lambda h: h.start)
    return hits


__all__ = [
    "MINUS",
    "PATTERNS",
    "PValueHit",
    "PValueKind",
    "PValuePattern",
    "find_p_values",
    "normalise_comparator",
]
