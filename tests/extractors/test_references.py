"""In-abstract reference resolution and the outcome vocabulary's code-written variants."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.lexicon import load_entries
from extractors.nlp import surface_variants


def _names(abstract: str) -> list[str]:
    return sorted({o.name for o in extract_study("t", "", abstract).outcome_measures})


def _links(abstract: str) -> list[str | None]:
    return [p.outcome for p in extract_study("t", "", abstract).p_values]


def test_vocabulary_covers_the_field() -> None:
    entries = load_entries("outcomes.jsonl")
    assert len(entries) >= 300
    domains = {e.domain for e in entries}
    for domain in ("spasticity", "gait", "pain", "quality of life", "adverse events"):
        assert domain in domains
    assert all(e.domain for e in entries)
    assert all(s.startswith(("NINDS", "SCIRE", "StrokEngine")) for e in entries for s in e.sources)


@pytest.mark.parametrize(
    ("phrase", "variant"),
    [
        ("modified Ashworth scale", "modified Ashworth scores"),
        ("6-minute walk test", "6 minute walk test"),
        ("H-reflex", "H\u2013reflexes"),
        ("visual analogue scale for pain", "visual analog scale for pain"),
    ],
)
def test_variants_are_written_by_rules(phrase: str, variant: str) -> None:
    assert variant in surface_variants(phrase)


def test_spasm_score_is_penn_only_where_penn_is_named() -> None:
    named = (
        "Spasms were rated on the Penn Spasm Frequency Scale. After ITB the spasm score fell "
        "from 2.9 to 1.1 (P = 0.02)."
    )
    assert _names(named) == ["Penn Spasm Frequency Scale"]
    assert _links(named) == ["Penn Spasm Frequency Scale"]
    assert _names("After ITB the spasm score fell from 2.9 to 1.1 (P = 0.02).") == [
        "Spasm frequency"
    ]


def test_tone_after_a_named_instrument_is_that_instrument() -> None:
    text = (
        "Spasticity was graded with the Modified Ashworth Scale. Tone decreased in all six "
        "patients (p = 0.01)."
    )
    assert _names(text) == ["Modified Ashworth Scale"]
    assert _links(text) == ["Modified Ashworth Scale"]


BRACKETED = "Spasticity scores (Ashworth) fell from 3.1 to 1.9 (p = 0.003)."


def test_bracketed_short_form_names_its_instrument() -> None:
    assert "Ashworth Scale" in _names(BRACKETED)
    assert _links(BRACKETED) == ["Ashworth Scale"]


def test_domain_before_a_bracketed_instrument_adds_no_entry() -> None:
    assert _names(BRACKETED) == ["Ashworth Scale"]


def test_generic_reference_resolves_to_the_named_scale() -> None:
    text = (
        "Function was rated with the Barry-Albright Dystonia Scale. The scale improved by "
        "four points (p = 0.04)."
    )
    assert _links(text) == ["Barry-Albright Dystonia Scale"]


def test_defined_abbreviation_counts_before_its_definition() -> None:
    text = (
        "SBS improved (p = 0.01). Balance was measured with the Sitting Balance Scale (SBS) "
        "at baseline and 6 months."
    )
    extraction = extract_study("t", "", text)
    assert [p.outcome for p in extraction.p_values] == [extraction.outcome_measures[-1].name]
    assert extraction.p_values[0].outcome is not None


def test_muscle_qualified_measure_keeps_its_muscle() -> None:
    text = "Soleus H-reflex amplitude fell after the bolus (p = 0.008)."
    assert _names(text) == ["Soleus H-reflex amplitude"]


# Guide N6 / X-O4: a generic numeric rating scale takes the constructs its sentence says it rates
# (one entry per construct); with none written it stays "Numeric Rating Scale". Composed sentences.
RATED_CONSTRUCTS = [
    (
        "Methods: Pain and sleep disturbance were recorded daily on an 11-point numerical rating "
        "scale.",
        ["Pain Numeric Rating Scale", "Sleep Disturbance Numeric Rating Scale"],
    ),
    (
        "Results: Spasticity severity fell in 9 patients on a 0-10 numeric rating scale "
        "(p = 0.01).",
        ["Spasticity Numeric Rating Scale"],
    ),
    (
        "Methods: Spasticity was rated with a numerical rating scale for spasticity.",
        ["Spasticity Numeric Rating Scale"],
    ),
    # Another measure between the construct and the scale: the scale rates nothing written.
    (
        "Methods: Pain was assessed with the Brief Pain Inventory and fatigue with a numeric "
        "rating scale.",
        ["Brief Pain Inventory", "Numeric Rating Scale"],
    ),
]


@pytest.mark.parametrize(("abstract", "names"), RATED_CONSTRUCTS)
def test_rating_scale_names_the_construct_it_rates(abstract: str, names: list[str]) -> None:
    assert _names(abstract) == names


def test_a_rated_construct_elsewhere_names_its_scale() -> None:
    abstract = (
        "Methods: Pain was rated on a numerical rating scale. Results: Pain fell from 7 to 3 "
        "(p = 0.004)."
    )
    assert _names(abstract) == ["Pain Numeric Rating Scale"]
    assert _links(abstract) == ["Pain Numeric Rating Scale"]


def test_a_scale_without_a_construct_in_its_sentence_takes_the_abstracts_one_construct() -> None:
    abstract = (
        "Background: Central pain is common in multiple sclerosis. Methods: Outcomes were the "
        "NRS and the Brief Pain Inventory."
    )
    assert _names(abstract) == ["Brief Pain Inventory", "Pain Numeric Rating Scale"]
    # Two constructs with a version of the scale: which one it rates is not written.
    two = "Methods: Pain and sleep disturbance were followed. Outcomes were the NRS and the MAS."
    assert "Numeric Rating Scale" in _names(two)


def test_a_construct_word_that_refers_to_an_instrument_still_names_what_a_scale_rates() -> None:
    abstract = (
        "Methods: Spasticity was graded with the modified Ashworth scale. Results: Spasticity "
        "severity fell on a 0-10 numeric rating scale (p = 0.02)."
    )
    assert _names(abstract) == ["Modified Ashworth Scale", "Spasticity Numeric Rating Scale"]
