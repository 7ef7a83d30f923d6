"""Fast paths against the plain code they replace: same answers, on seeded random texts built
from the characters and words that steer each rule (issue 13, extraction throughput).

Each fast path skips work the plain version does (a whole-text regex scan, a character walk);
these tests keep the plain version as the reference, so a fast path can never drift from it.
"""

from __future__ import annotations

import random

import pytest

from extractors.abbreviations import best_long_form
from extractors.finding_subjects import INSTRUMENT_PART, instrument_part_matches
from extractors.scan import lower_same_length


def _reference_long_form(short: str, candidate: str) -> int | None:
    """Schwartz-Hearst as first written: a character walk, lower-casing as it goes."""
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


def test_best_long_form_matches_the_character_walk() -> None:
    rng = random.Random(13)
    for _ in range(20_000):
        short = "".join(rng.choice("aAbBmMsS12-&'") for _ in range(rng.randint(1, 5)))
        candidate = "".join(rng.choice("abAB m-S1 2\u0130") for _ in range(rng.randint(0, 25)))
        assert best_long_form(short, candidate) == _reference_long_form(short, candidate), (
            short,
            candidate,
        )


@pytest.mark.parametrize(
    ("short", "candidate", "expected"),
    [
        ("MAS", "modified Ashworth Scale", 0),
        ("ITB", "treated with intrathecal baclofen", 13),
        ("GMFM", "the sitting dimension", None),
    ],
)
def test_best_long_form_examples(short: str, candidate: str, expected: int | None) -> None:
    assert best_long_form(short, candidate) == expected


PART_TEXT_WORDS = [
    "the", "Sitting", "dimension", "of", "GMFM", "domain", "item", "3rd", "sub-scale", "x_y",
    "Item", "SECTION", " ", "  ", "\n", ",", "of the", "component", "\u0130tem", "\u017fubscale",
    "a-b", "\u2010c", "subscale", "Domain", "(", "items",
]  # fmt: skip


def test_instrument_part_matches_equal_a_whole_text_scan() -> None:
    rng = random.Random(13)
    with_matches = 0
    for _ in range(5_000):
        text = " ".join(rng.choice(PART_TEXT_WORDS) for _ in range(rng.randint(1, 14)))
        expected = [(m.span(), m.group("part")) for m in INSTRUMENT_PART.finditer(text)]
        found = instrument_part_matches(text, lower_same_length(text))
        assert [(m.span(), m.group("part")) for m in found] == expected, text
        with_matches += bool(expected)
    assert with_matches > 500  # the generator does produce matches, overlapping ones included


def test_alphabetic_words_have_no_affix_in_the_english_rules() -> None:
    """The tokenizer skips spaCy's prefix/suffix/infix searches for purely alphabetic strings
    (extractors.nlp.make_tokenizer); that is only sound while no English affix rule can match such
    a string. Checked on the original rules, over every alphabetic code point below U+3000 alone
    and repeated, and over mixed Latin/Greek strings."""
    import random

    from spacy.lang.en import English
    from spacy.tokenizer import Tokenizer

    original = English().tokenizer
    assert isinstance(original, Tokenizer)
    alphabet = [chr(c) for c in range(0x41, 0x3000) if chr(c).isalpha()]
    words = [c * k for c in alphabet for k in (1, 2, 3)]
    rng = random.Random(7)
    words += [
        "".join(rng.choice(alphabet + list("abcxyzABCXYZµμß")) for _ in range(rng.randint(1, 8)))
        for _ in range(20_000)
    ]
    affixed = [
        w
        for w in words
        if original.prefix_search(w)
        or original.suffix_search(w)
        or list(original.infix_finditer(w))
    ]
    assert affixed == []
