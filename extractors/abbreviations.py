"""Abbreviations defined in the text, Schwartz & Hearst (2003) style: a pure function.

"modified Ashworth Scale (MAS)" defines MAS for the rest of the abstract. The algorithm walks the
short form right to left, finding each character in the candidate long form, the first character
at a word start. Short forms must look like abbreviations (one token, a capital letter, no
spaces), which keeps "(range 9-16)" and "(n=8)" out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# A parenthesised (or bracketed) one-word candidate: "(MAS)", "[IQR]", "(BoNT-A)", "(mRS)".
SHORT_FORM_CANDIDATE = re.compile(r"[(\[](?P<short>[A-Za-z0-9][A-Za-z0-9\-\u2010&']{0,9})[)\];,]")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class Abbreviation:
    short: str
    long: str
    short_start: int
    long_start: int
    long_end: int


def _looks_like_short_form(short: str) -> bool:
    letters = sum(ch.isalpha() for ch in short)
    return letters >= 1 and any(ch.isupper() for ch in short) and len(short) >= 2


def best_long_form(short: str, candidate: str) -> int | None:
    """Offset in ``candidate`` where ``short``'s long form starts, or None (Schwartz-Hearst)."""
    if short.isascii() and candidate.isascii():
        return _best_long_form_ascii(short, candidate)
    s_index = len(short) - 1
    l_index = len(candidate) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            candidate[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and candidate[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    return candidate.rfind(" ", 0, l_index + 1) + 1


def _best_long_form_ascii(short: str, candidate: str) -> int | None:
    """``best_long_form`` for ASCII text, where lower-casing keeps every offset: each short-form
    character is found with one ``str.rfind`` in the lower-cased candidate rather than a
    character-by-character walk that lower-cased every character it passed."""
    lowered = candidate.lower()
    l_index = len(candidate) - 1
    for s_index in range(len(short) - 1, -1, -1):
        char = short[s_index].lower()
        if not char.isalnum():
            continue
        l_index = lowered.rfind(char, 0, l_index + 1)
        if s_index == 0:
            # The first character must start a word.
            while l_index > 0 and candidate[l_index - 1].isalnum():
                l_index = lowered.rfind(char, 0, l_index)
        if l_index < 0:
            return None
        l_index -= 1
    return candidate.rfind(" ", 0, l_index + 1) + 1


def find_abbreviations(
    text: str, sentence_start: Callable[[int], int] | None = None
) -> list[Abbreviation]:
    """Every "long form (SHORT)" definition in ``text``, with offsets into ``text``.
    ``sentence_start`` is the scope's (``Scope.sentence_start``); by default the whole text is
    one sentence."""
    found: list[Abbreviation] = []
    for match in SHORT_FORM_CANDIDATE.finditer(text):
        short = match.group("short")
        if not _looks_like_short_form(short):
            continue
        paren = match.start()
        # A long form starts in its sentence ...
        window_start = max(0, paren - 120, sentence_start(paren) if sentence_start else 0)
        before = text[window_start:paren]
        # ... after its clause's "; ", a label's ": " or an earlier bracket.
        cut = max(before.rfind("; "), before.rfind("("), before.rfind(": "))
        if cut >= 0:
            before = before[cut + 2 if before[cut] != "(" else cut + 1 :]
        words = list(_WORD.finditer(before))
        max_words = min(len(short) + 5, len(short) * 2)
        if not words:
            continue
        words = words[-max_words:]
        cand_start = words[0].start()
        candidate = before[cand_start:].rstrip()
        offset = best_long_form(short, candidate)
        if offset is None:
            continue
        long_form = candidate[offset:]
        if len(long_form) <= len(short) or short.lower() in long_form.lower().split():
            continue
        abs_start = paren - len(before) + cand_start + offset
        found.append(
            Abbreviation(
                short, long_form, match.start("short"), abs_start, abs_start + len(long_form)
            )
        )
    return found
