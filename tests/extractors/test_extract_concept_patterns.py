"""HSP loci outside the closed lexicon list and ITB given "intrathecally" (study flags)."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.concept_patterns import concept_pattern_spans

HSP_PATTERN_CASES = [
    ("Two adults with SPG2 and SPG15 were studied.", ["SPG2", "SPG15"]),
    ("A family with SPG-4 and one with SPG 31.", ["SPG-4", "SPG 31"]),
    (
        "A man with spastic paraplegia type 5 and a woman with SPG3A.",
        ["spastic paraplegia type 5", "SPG3A"],
    ),
    ("Spastic paraplegia 2 years after spinal cord injury.", []),
    ("The SPGR sequence and SPG4x were acquired.", []),
]


@pytest.mark.parametrize(("text", "expected"), HSP_PATTERN_CASES)
def test_spg_pattern_spans(text: str, expected: list[str]) -> None:
    spans = concept_pattern_spans(text, text.lower(), "hsp")
    assert [text[s:e] for s, e, _ in spans] == expected
    assert all(rule == "hsp.spg_number" for _, _, rule in spans)


@pytest.mark.parametrize(
    ("title", "abstract", "hsp"),
    [
        (
            "Intrathecal baclofen in patients with SPG15 and SPG31",
            "Four adults received ITB.",
            True,
        ),
        ("Intrathecal baclofen in spastic paraplegia type 5", "One man received ITB.", True),
        # One lexicon locus in the abstract counts once (pattern and lexicon overlap): not enough.
        ("Intrathecal baclofen for spasticity", "One patient carried an SPG4 variant.", False),
        ("Intrathecal baclofen for spasticity", "Patients with SPG7 or SPG31 were treated.", True),
    ],
)
def test_spg_numbers_set_the_hsp_flag(title: str, abstract: str, hsp: bool) -> None:
    assert extract_study("t", title, abstract).is_hsp_population is hsp


@pytest.mark.parametrize(
    ("abstract", "itb"),
    [
        (
            "Baclofen was administered intrathecally in eight adults. Intrathecally delivered "
            "baclofen lowered spasm frequency.",
            True,
        ),
        ("Oral baclofen was given; one patient had a lumbar puncture done intrathecally.", False),
    ],
)
def test_itb_given_intrathecally(abstract: str, itb: bool) -> None:
    assert extract_study("t", "Spasticity management", abstract).is_itb_study is itb
