"""Cheap whole-text facts computed once per field and shared by every extractor.

Why: each extractor used to lower-case the text or scan it for its own trigger literals; doing
that once, with C-speed ``str.find``/``str.count`` rather than case-insensitive regex scans, is
what keeps the extractor within reach of the tokeniser's speed (benchmarks/extract_throughput.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def lower_same_length(text: str) -> str:
    """``text.lower()``, except characters whose lower case changes the length stay as they are,
    so offsets into the result are offsets into ``text``."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)


# Characters that Python's case-insensitive regex matching equates with an ASCII letter although
# ``str.lower`` does not map them to it (dotless i, long s): a lower-cased literal pre-check
# cannot vouch for a text that holds one, so a gated pattern then runs its regex anyway.
DOTLESS_I, LONG_S = "\u0131", "\u017f"


@dataclass(frozen=True, slots=True)
class GatedPattern:
    """A regex that can only match where one of its literals occurs: ``lowered_literals`` in the
    lower-cased text, or ``exact_literals`` as written. The pre-check is a few ``str.find``
    calls; the regex scan it saves is a case-insensitive alternation over the whole text."""

    pattern: re.Pattern[str]
    lowered_literals: tuple[str, ...]
    exact_literals: tuple[str, ...] = ()

    def may_match(self, text: str, lowered: str) -> bool:
        # Plain loops: a generator per call cost more than the literal searches themselves.
        for literal in self.lowered_literals:
            if literal in lowered:
                return True
        for literal in self.exact_literals:
            if literal in text:
                return True
        return DOTLESS_I in text or LONG_S in text

    def count(self, text: str, lowered: str) -> int:
        """``len(pattern.findall(text))``, skipped when no literal occurs."""
        return len(self.pattern.findall(text)) if self.may_match(text, lowered) else 0

    def search(self, text: str, lowered: str) -> re.Match[str] | None:
        return self.pattern.search(text) if self.may_match(text, lowered) else None
