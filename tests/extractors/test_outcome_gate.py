"""The gate for generic measures and adverse events (extractors/outcome_gate.py; guide O3, O4, O6,
S1-S3). Sentences are composed for each phenomenon; the guide's own examples are marked."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.lexicon import load_entries


def _names(abstract: str) -> list[str]:
    return sorted({o.name for o in extract_study("t", "", abstract).outcome_measures})


def _links(abstract: str) -> list[str | None]:
    return [p.outcome for p in extract_study("t", "", abstract).p_values]


def test_generic_entries_are_typed_in_the_data() -> None:
    entries = {e.canonical: e for e in load_entries("outcomes.jsonl")}
    assert entries["Quality of life"].free_text and entries["Pain"].free_text
    assert not entries["Modified Ashworth Scale"].free_text
    assert entries["Sedation"].negatable and entries["ASIA Impairment Scale"].classification


REPORTED = [
    # Guide S1 example: a single counted event qualifies.
    ("Two of 40 patients developed a pocket infection.", ["Infection"]),
    ("Adverse events occurred in 8 of 30 patients (27%).", ["Adverse events"]),
    # Guide O3 example: a Methods statement that a free-text variable was recorded.
    (
        "Trunk control and sitting balance were recorded at each visit.",
        ["Sitting balance", "Trunk control"],
    ),
    ("After one year, quality of life improved (p = 0.02).", ["Quality of life"]),
    # One mention that passes keeps the measure; its aim mention does not decide alone.
    (
        "Objective: To assess the effect of baclofen on quality of life. Results: Quality of "
        "life scores rose from 52 to 61.",
        ["Quality of life"],
    ),
]

NOT_REPORTED = [
    # Guide S2 examples: unquantified lists and comparisons without numbers.
    ("The commonest side effects were drowsiness and dry mouth.", []),
    ("Fewer adverse events occurred with tizanidine than with baclofen.", []),
    # Guide S3: events listed inside an umbrella count stay inside it.
    (
        "Minor adverse events occurred in 8 patients, with the most common being nausea and "
        "constipation.",
        ["Adverse events"],
    ),
    # A duration is not a count of events.
    ("He suffered four years of transient episodes of spasticity with withdrawal symptoms.", []),
    # Aims, background and conclusions (guide O4).
    ("Objective: To assess the effect of intrathecal baclofen on quality of life.", []),
    ("Background: Spasticity is a common complication of spinal cord injury.", []),
    ("Conclusions: Intrathecal baclofen improves pain and quality of life.", []),
    # A population descriptor, not a measure.
    (
        "Fifteen patients with multiple sclerosis and detrusor overactivity underwent "
        "urodynamic studies; bladder capacity increased from 210 to 290 mL.",
        ["Bladder capacity"],
    ),
    # A classification that describes who took part (guide O4).
    (
        "Twenty adults with spinal cord injury (AIS grades A-D) received intrathecal baclofen. "
        "The Modified Ashworth Scale fell from 3 to 1 (p = 0.01).",
        ["Modified Ashworth Scale"],
    ),
    # A matching variable is a covariate.
    (
        "Ten patients were matched for age and walking ability with ten controls. The Modified "
        "Ashworth Scale fell in both groups.",
        ["Modified Ashworth Scale"],
    ),
]

CONSTRUCTS = [
    # Guide O6: the construct rated on a named instrument adds no entry.
    (
        "Parents rated ease of care on the Caregiver Priorities and Child Health Index of Life "
        "with Disabilities; scores improved (p = 0.006).",
        ["CPCHILD"],
    ),
    # A measure's complement: the activities are what the log rated.
    (
        "Quality of movement of the arm in performing activities of daily living increased "
        "(p < 0.001) on the Motor Activity Log.",
        ["Motor Activity Log"],
    ),
    # A restatement in brackets is the same measure, named once with its muscle (guide N9).
    (
        "Gastrocnemius H-reflex amplitude (H/M ratio) fell from 0.7 to 0.4 (p = 0.01).",
        ["Gastrocnemius H-reflex amplitude"],
    ),
    # One recording site named once is the site of every variable of that recording (N9); the
    # method itself is not listed beside its variables (X-O1).
    (
        "Twelve patients underwent gastrocnemius H-reflex testing. The H/M ratio was lower "
        "after the bolus (p = 0.02).",
        ["Gastrocnemius H/M ratio"],
    ),
]


@pytest.mark.parametrize(("abstract", "names"), REPORTED + NOT_REPORTED + CONSTRUCTS)
def test_gate(abstract: str, names: list[str]) -> None:
    assert _names(abstract) == names


def test_restated_measure_takes_the_link() -> None:
    text = "Gastrocnemius H-reflex amplitude (H/M ratio) fell from 0.7 to 0.4 (p = 0.01)."
    assert _links(text) == ["Gastrocnemius H-reflex amplitude"]


@pytest.mark.parametrize(
    ("text", "link"),
    [
        # Measures that the free-text rules found before the vocabulary named them: the lexicon
        # name now, and the same link.
        (
            "Gains were seen for hamstring spasticity, but not for grip strength (p = 0.4).",
            "Grip strength",
        ),
        (
            "MAS fell but no significant change was seen in trunk control (p = 0.3).",
            "Trunk control",
        ),
        ("Spasm counts were lower after baclofen than after saline (p = 0.008).", "Spasm count"),
    ],
)
def test_former_free_text_measures_keep_their_links(text: str, link: str) -> None:
    assert link in _names(text)
    assert _links(text) == [link]


def test_free_text_measures_are_not_marked_as_lexicon_instruments() -> None:
    se = extract_study(
        "t",
        "",
        "Constant pain decreased in 8 of 10 patients, the Cobb angle increased from 20 to 35 "
        "degrees (p = 0.02) and the Modified Ashworth Scale fell from 3 to 2.",
    )
    got = {o.name: o.in_lexicon for o in se.outcome_measures}
    assert got == {"Constant pain": False, "Cobb angle": False, "Modified Ashworth Scale": True}


# Bare construct words (LexiconEntry.bare_forms; guide O3, O4, O6). Composed sentences.
BARE_REPORTED = [
    # A past-tense change on the word, before or after it.
    ("Results: Baclofen reduced strength in the unaffected limbs.", ["Muscle strength"]),
    ("Results: Spasticity was reduced in 11 of 12 patients.", ["Spasticity"]),
    ("Results: A significant improvement in spasticity was observed at 3 months.", ["Spasticity"]),
    # A list shares the frame of its first item.
    (
        "Methods: Outcomes were assessed using measures of pain, depression, disability and "
        "fatigue.",
        ["Depression", "Disability", "Fatigue", "Pain"],
    ),
    # Guide N4: bare spasms name Spasm frequency.
    ("Results: Spasms were reduced in 7 of 9 patients.", ["Spasm frequency"]),
]
BARE_NOT_REPORTED = [
    # The condition treated, the patients, the background's present-tense claim.
    ("Methods: We treated 20 patients with severe spasticity due to multiple sclerosis.", []),
    ("Background: Intrathecal baclofen reduces spasticity in adults.", []),
    (
        "Methods: Twenty patients with spinal cord injury and painful spasms were assessed.",
        [],
    ),
    # Guide O6: beside an instrument of the same domain the construct adds no entry.
    (
        "Results: Spasticity was reduced and the Tardieu Scale angle rose (p = 0.01).",
        ["Tardieu Scale"],
    ),
    # A conclusion's claim (guide O4).
    ("Conclusions: Baclofen improved pain in these patients.", []),
]


@pytest.mark.parametrize(("abstract", "names"), BARE_REPORTED + BARE_NOT_REPORTED)
def test_bare_construct_words(abstract: str, names: list[str]) -> None:
    assert _names(abstract) == names


def test_bare_word_inside_a_longer_name_keeps_the_longer_name() -> None:
    names = _names("Results: Gains were seen for hamstring spasticity (p = 0.01).")
    assert names == ["Hamstring spasticity"]


# Guide N4: a spasm score or frequency with any qualifier is Spasm frequency unless Penn is
# named; a counted diary is Spasm count; a spasm reported as a finding of its own keeps its name.
# Composed sentences.
SPASM_NAMES = [
    ("Results: The frequency of flexor spasms fell (p < 0.05).", ["Spasm frequency"]),
    ("Results: Extensor spasm scores decreased significantly (p = 0.01).", ["Spasm frequency"]),
    ("Results: The number of nocturnal spasms was reduced (p = 0.02).", ["Spasm count"]),
    (
        "Results: The Penn spasm frequency scale score fell (p = 0.01).",
        ["Penn Spasm Frequency Scale"],
    ),
]


@pytest.mark.parametrize(("abstract", "names"), SPASM_NAMES)
def test_spasm_findings_are_named_per_n4(abstract: str, names: list[str]) -> None:
    assert _names(abstract) == names


# Guide S1/S3: an event counted on its own gets its own name; unquantified it is not listed.
EVENTS_COUNTED = [
    ("Results: Four patients developed pruritus and one had nausea.", ["Nausea", "Pruritus"]),
    ("Results: One patient needed pump revision after catheter extrusion.", ["Catheter extrusion"]),
    ("Results: No pruritus occurred.", []),
]


@pytest.mark.parametrize(("abstract", "names"), EVENTS_COUNTED)
def test_events_counted_on_their_own(abstract: str, names: list[str]) -> None:
    assert _names(abstract) == names
