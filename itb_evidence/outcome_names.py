"""Outcome names compared two ways: strict (the gold's canonical name, through the outcome lexicon)
and lenient (spelling folded, then the synonym table ``extractors/lexicons/outcome_name_map.yaml``).

A lenient score measures whether a measure was recognised; a strict one also whether it got the
canonical name a reviewer filters on. ``itb-evidence evaluate`` prints both; the inter-annotator
agreement uses the same keys, so the two figures are comparable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml

from extractors.nlp import get_pipeline

NAME_MAP = (
    Path(__file__).resolve().parent.parent / "extractors" / "lexicons" / "outcome_name_map.yaml"
)

NameKey = Callable[[str | None], str | None]

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−"), "-")
_BRITISH = (
    (r"\banalog\b", "analogue"),
    (r"\bmeters?\b", "metre"),
    (r"\bbehavior", "behaviour"),
    (r"\bcenter", "centre"),
    (r"\besophag", "oesophag"),
    (r"\bhemipleg", "hemipleg"),
)
_TRAILING = re.compile(r"(?: scale)? (?:score|scale|test|index|rating)$")
_PUNCT = re.compile(r"[^\w/+ -]+")


def strict_key(name: str | None) -> str | None:
    """Lower-cased canonical name, through the outcome lexicon when it knows the name."""
    if name is None:
        return None
    key = name.strip().lower()
    found = get_pipeline().by_phrase.get(key)
    if found and found[0] == "outcomes.jsonl":
        return found[1].canonical.lower()
    return key


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def normalise(name: str) -> str:
    """Spelling-only normal form: case, dashes, punctuation, British spelling, plurals."""
    text = unicodedata.normalize("NFKC", name).translate(_DASHES).lower().strip()
    text = text.replace("(", " ").replace(")", " ")
    text = _PUNCT.sub(" ", text)
    for pattern, replacement in _BRITISH:
        text = re.sub(pattern, replacement, text)
    text = " ".join(_singular(w) for w in text.split())
    text = re.sub(r"^the ", "", text)
    stripped = _TRAILING.sub("", text)
    return stripped or text


@cache
def _synonyms() -> dict[str, str]:
    data = yaml.safe_load(NAME_MAP.read_text(encoding="utf-8"))
    table: dict[str, str] = {}
    for canonical, variants in data["groups"].items():
        group = normalise(canonical)
        for variant in [canonical, *variants]:
            table.setdefault(normalise(variant), group)
    return table


def lenient_key(name: str | None) -> str | None:
    """The group a name belongs to: lexicon canonical, then spelling, then the synonym table."""
    key = strict_key(name)
    if key is None:
        return None
    folded = normalise(key)
    return _synonyms().get(folded, folded)
