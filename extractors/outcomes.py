"""Outcome measures: lexicon matches, abbreviations defined in the abstract, coordinated heads
("gait distance/velocity"), muscle-specific spasticity ("rectus femoris ... spasticity"), joint
range of motion, and unlexiconed named instruments ("Sitting Balance Scale").

Negatable outcomes (complications, side effects) are dropped when negated ("no complications"):
an absent event is not a reported measure.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc

from extractors.abbreviations import Abbreviation
from extractors.lexicon import LexiconEntry

# Events that did not happen, were avoided or are only a risk are not reported outcomes.
NEGATION_BEFORE = re.compile(
    r"\b(?:no|not|without|none|neither|nor|free\s+of|absence\s+of|avoid(?:ed|ing)?|"
    r"prevent(?:ed|ing)?|risks?\s+of|potential)\b[^.;,]{0,40}$",
    re.I,
)
# Sentences about research still to be done do not report measures.
FUTURE_RESEARCH = re.compile(
    r"\b(?:further|future|more)\s+(?:research|studies|study|trials)\b|\b(?:is|are)\s+(?:needed|necessary|warranted)\b",
    re.I,
)
SPASTICITY_HEAD = re.compile(
    r"\s*(?:muscles?\s+)?(?:spasticity|tone|hypertonia|hypertonicity)\b", re.I
)
COORDINATION_GAP = re.compile(r"^\s*(?:\([^()]*\)\s*)?(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|/\s*)$")
JOINT_AFTER = re.compile(r"^\s+(?:of|at|in|for)\s+(?:the\s+)?$")
# A named instrument written in title case that no lexicon knows: "Sitting Balance Scale".
INSTRUMENT_HEADS = (
    r"(?:Scale|Index|Test|Questionnaire|Inventory|Measure|Assessment|Profile|Score|Battery)"
)
NAMED_INSTRUMENT = re.compile(
    rf"[A-Z](?<![\w'\u2010-][A-Z])[\w'\u2010-]*\s+(?:[A-Z][\w'\u2010-]*\s+){{0,4}}{INSTRUMENT_HEADS}\b(?!\s*[a-z])"
)
UNLEXICONED_LONG_FORM = re.compile(rf"\b{INSTRUMENT_HEADS}s?$", re.I)
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an|our|this)\s+", re.I)


@dataclass(frozen=True, slots=True)
class Match:
    """A lexicon match in character offsets."""

    entry: LexiconEntry
    lexicon: str
    start: int
    end: int
    rule_id: str


@dataclass(frozen=True, slots=True)
class OutcomeHit:
    name: str
    start: int
    end: int
    rule_id: str
    in_lexicon: bool


def normalise_name(text: str) -> str:
    """ "the Sitting balance scales" -> "Sitting balance scales": strip articles, capitalise."""
    cleaned = _LEADING_ARTICLE.sub("", re.sub(r"\s+", " ", text.strip()))
    return cleaned[:1].upper() + cleaned[1:]


# A parameter ("daily dose") is an outcome only where the sentence evaluates or tests it.
FINDING_CUE = re.compile(
    r"\b(?:evaluated|assessed|compared|comparing|measured|differ\w*|significant\w*)\b|\b[Pp]\s*[<>=\u2264\u2265]"
)


def _tested(text: str, start: int, sentence_start: int) -> bool:
    sentence_end = text.find(". ", start)
    return bool(
        FINDING_CUE.search(text[sentence_start : sentence_end if sentence_end > 0 else len(text)])
    )


def _negated(text: str, start: int, sentence_start: int) -> bool:
    if NEGATION_BEFORE.search(text[max(sentence_start, start - 60) : start]):
        return True
    sentence_end = text.find(". ", start)
    return bool(
        FUTURE_RESEARCH.search(
            text[sentence_start : sentence_end if sentence_end > 0 else len(text)]
        )
    )


# "gait distance/velocity", "gait distance and velocity": the head word after the conjunction
# shares the modifiers of the lexicon term before it; and the mirror image for modifiers.
NEXT_CONJUNCT = re.compile(r"\s*(?:/|,|and\b|or\b)\s*([A-Za-z][A-Za-z\u2010-]*)")
PREVIOUS_CONJUNCT = re.compile(r"([A-Za-z][A-Za-z\u2010-]*)\s*(?:/|,|and|or)\s*$")


def _coordinated(
    text: str, matches: list[Match], by_phrase: dict[str, tuple[str, LexiconEntry]]
) -> list[Match]:
    """Heads shared across coordination: "gait distance/velocity", "kinematic and EMG analysis"."""
    extra: list[Match] = []
    for m in matches:
        words = text[m.start : m.end].lower().split()
        if len(words) < 2:
            continue
        after = NEXT_CONJUNCT.match(text, m.end)
        if after:
            found = by_phrase.get(" ".join([*words[:-1], after.group(1).lower()]))
            if found and found[0] == "outcomes.jsonl":
                extra.append(
                    Match(
                        found[1], found[0], after.start(1), after.end(1), "outcome.coordinated_head"
                    )
                )
        before = PREVIOUS_CONJUNCT.search(text, max(0, m.start - 40), m.start)
        if before:
            found = by_phrase.get(" ".join([before.group(1).lower(), *words[1:]]))
            if found and found[0] == "outcomes.jsonl":
                extra.append(
                    Match(
                        found[1],
                        found[0],
                        before.start(1),
                        before.end(1),
                        "outcome.coordinated_modifier",
                    )
                )
    return extra


def _muscle_spasticity(text: str, muscles: list[Match]) -> list[OutcomeHit]:
    """ "rectus femoris (P=0.04) and gastrocnemius spasticity" -> two muscle-specific outcomes."""
    hits: list[OutcomeHit] = []
    group: list[Match] = []
    for index, muscle in enumerate(muscles):
        group.append(muscle)
        nxt = muscles[index + 1] if index + 1 < len(muscles) else None
        if nxt is not None and COORDINATION_GAP.match(text[muscle.end : nxt.start]):
            continue
        if SPASTICITY_HEAD.match(text, muscle.end):
            for member in group:
                name = f"{member.entry.canonical} spasticity"
                hits.append(
                    OutcomeHit(name, member.start, member.end, "outcome.muscle_spasticity", False)
                )
        group = []
    return hits


def find_outcomes(
    text: str,
    doc: Doc,
    matches: list[Match],
    abbreviations: list[Abbreviation],
    by_phrase: dict[str, tuple[str, LexiconEntry]],
    sentence_start: Callable[[int], int],
    lowered: str | None = None,
) -> list[OutcomeHit]:
    """All outcome mentions in one field, sorted by offset (several may share a name);
    ``lowered`` is ``lower_same_length(text)`` when the caller has it."""
    outcome_matches = [m for m in matches if m.lexicon == "outcomes.jsonl"]
    excluded = [m for m in matches if m.lexicon == "exclusions.jsonl"]
    joints = [m for m in matches if m.entry.kind == "joint"]
    muscles = [m for m in matches if m.entry.kind == "muscle"]
    outcome_matches += _coordinated(text, outcome_matches, by_phrase)
    hits: list[OutcomeHit] = []
    for m in outcome_matches:
        if m.entry.needs_finding and not _tested(text, m.start, sentence_start(m.start)):
            continue
        if m.entry.negatable and _negated(text, m.start, sentence_start(m.start)):
            continue
        name = m.entry.canonical
        if m.entry.joint_qualified:
            for joint in joints:
                if (
                    JOINT_AFTER.match(text[m.end : joint.start])
                    or not text[joint.end : m.start].strip()
                ):
                    name = f"{joint.entry.canonical} range of motion"
                    break
        hits.append(OutcomeHit(name, m.start, m.end, m.rule_id, True))
    hits += _muscle_spasticity(text, muscles)
    # Abbreviations whose long form is an unknown instrument ("Sitting Balance Scale (SBS)").
    covered = [(h.start, h.end) for h in hits] + [(m.start, m.end) for m in excluded]
    for abbreviation in abbreviations:
        long_form = text[abbreviation.long_start : abbreviation.long_end]
        if any(s < abbreviation.long_end and abbreviation.long_start < e for s, e in covered):
            continue
        if UNLEXICONED_LONG_FORM.search(long_form):
            name = normalise_name(long_form)
            hits.append(
                OutcomeHit(
                    name,
                    abbreviation.long_start,
                    abbreviation.long_end,
                    "outcome.defined_instrument",
                    False,
                )
            )
            pattern = re.compile(rf"(?<![\w-]){re.escape(abbreviation.short)}(?![A-Za-z0-9])")
            for use in pattern.finditer(text, abbreviation.short_start):
                hits.append(
                    OutcomeHit(name, use.start(), use.end(), "outcome.defined_abbreviation", False)
                )
            covered.append((abbreviation.long_start, abbreviation.long_end))
    if any(
        head in text
        for head in (
            "Scale",
            "Index",
            "Test",
            "Questionnaire",
            "Inventory",
            "Measure",
            "Assessment",
            "Profile",
            "Score",
            "Battery",
        )
    ):
        for named in NAMED_INSTRUMENT.finditer(text):
            start, end = named.span()
            if any(s < end and start < e for s, e in covered):
                continue
            name = normalise_name(named.group())
            hits.append(OutcomeHit(name, start, end, "outcome.named_instrument", False))
    if _may_state_eligibility(lowered if lowered is not None else text.lower()):
        hits = [h for h in hits if not _in_eligibility_sentence(text, h.start, sentence_start)]
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


# Sentences that state who could take part ("eligible if their Ashworth score was at least 3",
# "children with an active infection ... were not implanted") name measures as criteria, not as
# outcomes, unless the same sentence reports a finding.
NOT_TAKEN_IN = re.compile(r"were\s+not\s+(?:implanted|included|enrolled)")
ELIGIBILITY = re.compile(
    r"\b(?:eligible|eligibility|inclusion\s+criteri\w*|exclusion\s+criteri\w*|"
    r"were\s+not\s+(?:implanted|included|enrolled))\b",
    re.I,
)


def _may_state_eligibility(lowered: str) -> bool:
    """Literal pre-check for ELIGIBILITY on the lower-cased text (a case-insensitive scan of the
    whole text cost more than all outcome rules together)."""
    return (
        "eligib" in lowered
        or "inclusion" in lowered
        or "exclusion" in lowered
        or NOT_TAKEN_IN.search(lowered) is not None
    )


def _in_eligibility_sentence(text: str, start: int, sentence_start: Callable[[int], int]) -> bool:
    s_start = sentence_start(start)
    s_end = text.find(". ", start)
    sentence = text[s_start : s_end if s_end > 0 else len(text)]
    return bool(ELIGIBILITY.search(sentence)) and not FINDING_CUE.search(sentence)
