"""Named regular-expression parts for numbers, and their parsers (statcheck style: small named
pieces composed into bigger patterns, each with the reason it exists).
"""

from __future__ import annotations

import re

# Any dash a typesetter may have used: hyphen-minus, U+2010 hyphen, U+2011 non-breaking hyphen,
# en dash, em dash, U+2212 minus. Abstracts copied from PDFs and publisher pages mix them freely.
DASH = "[-\u2010\u2011\u2013\u2014\u2212]"
MINUS = "[-\u2010\u2011\u2013\u2212]"
# A decimal number: "0.046", ".046" (APA style drops the leading zero), "0·046" (Lancet mid dot).
DECIMAL = r"(?:\d+(?:[.\u00b7]\d+)?|[.\u00b7]\d+)"
# Scientific notation: "1.2 × 10−4", "1.2 x 10^-4", "1.2×10(-4)", "1.2e-4", "1.2E−04"; a soft
# hyphen (U+00AD) a web page left before the minus is skipped.
EXPONENT = (
    rf"(?:\s*[x\u00d7*\u2217\u22c5]\s*10\s*(?:\^|\*\*)?\s*(?P<expopen>\()?\s*\u00ad?(?P<exp>{MINUS}\s*\d+)(?(expopen)\))"
    rf"|[eE](?P<eexp>{MINUS}?\d+))"
)
# Left boundary of a number: not glued to a word, another number or a decimal point
# ("B10 mg" is a group label, "T2" a time point, "1.5" must not yield "5").
NUM_LEFT = r"(?<![\w.\u00b7/])"
# Plus-minus as printed: "±", "+/-", "+/−", "+-" and the rare "+ or -".
PLUS_MINUS = r"(?:\u00b1|\+\s*/\s*[-\u2212]|\+\s*[-\u2212]|\+\s*or\s*[-\u2212])"
# A range separator: a dash or the word "to" (but never a comma: "14, 17.1, and 19.9" is a list).
RANGE_SEP = rf"(?:\s*{DASH}\s*|\s+to\s+)"

_WORD_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_WORD_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_UNIT_ALT = "|".join(sorted(_WORD_UNITS, key=len, reverse=True))
_TENS_ALT = "|".join(_WORD_TENS)
_ONES_ALT = "one|two|three|four|five|six|seven|eight|nine"
# Counts written as words, up to 999: "seven", "Twenty three", "Fifty-two", "one hundred and ten".
WORD_NUMBER = (
    rf"(?:(?:(?:{_UNIT_ALT})\s+hundred(?:\s+and)?\s+)?"
    rf"(?:(?:{_TENS_ALT})(?:[\s\-\u2010](?:{_ONES_ALT}))?|{_UNIT_ALT})"
    rf"|(?:{_UNIT_ALT})\s+hundred)"
)
# A dose or p-value number as European journals also print it: a thousands separator ("1,150",
# "12,500": a non-zero lead and groups of exactly three digits) or a decimal comma ("0,35", "2,5",
# "P = 0,03": any other comma between digits). Never a comma and a space: "14, 17.1" is a list.
THOUSANDS = r"[1-9]\d{0,2}(?:,\d{3})+(?![\d,])(?:[.\u00b7]\d+)?"
LOCALE_DECIMAL = rf"(?:{THOUSANDS}|\d+,\d+(?![\d,])|{DECIMAL})"
_THOUSANDS_ONLY = re.compile(THOUSANDS)
# An integer count as digits, with optional thousands separators ("1,024 patients").
# Thousands grouped by commas ("1,024") or by a (thin/no-break) space ("1 024", "98 942"); the
# space form needs full three-digit groups and no digit after, so "at 12 months 8 patients" stays 8.
INT_COUNT = r"(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?![\d.,])|\d+)"


def parse_decimal(text: str) -> float:
    """Parse a DECIMAL or LOCALE_DECIMAL match ("0·046", ".05", "1,150", "0,35") to float."""
    text = text.replace("\u00b7", ".")
    if "," in text and not _THOUSANDS_ONLY.fullmatch(text):
        return float(text.replace(",", "."))
    return float(text.replace(",", ""))


def parse_exponent(mantissa: str, exponent: str | None) -> float:
    """Value of "1.2 × 10−4" given its mantissa and (any-dash) exponent text."""
    value = parse_decimal(mantissa)
    if exponent:
        cleaned = re.sub(MINUS, "-", exponent).replace(" ", "")
        # Through the decimal text, so "3 x 10^-5" is 3e-05 and not 3.0000000000000004e-05.
        value = float(f"{value!r}e{int(cleaned)}")
    return value


def parse_word_number(text: str) -> int | None:
    """Counts in words: "Twenty three" -> 23, "Fifty-two" -> 52; None if not a number."""
    words = [w for w in re.split(r"[\s\-\u2010]+", text.lower()) if w and w != "and"]
    total, current = 0, 0
    if not words:
        return None
    for word in words:
        if word in _WORD_UNITS:
            current += _WORD_UNITS[word]
        elif word in _WORD_TENS:
            current += _WORD_TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        else:
            return None
    return total + current


def parse_count(text: str) -> int | None:
    """A count written in digits ("1,024") or words ("seven")."""
    stripped = text.strip()
    digits = re.sub(r"[,\s\u00a0\u2009\u202f]", "", stripped)
    if digits.isdigit() and digits.isascii():
        return int(digits)
    return parse_word_number(stripped)
