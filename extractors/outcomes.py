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
from extractors.finding_subjects import find_finding_subjects
from extractors.lexicon import LexiconEntry
from extractors.outcome_gate import gated, instrument_domains, sentence_bounds

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
# Rule outcome.named_instrument. Each word is capitalised, hyphen parts too ("COVID-19",
# "Figure-of-8", not "Parent-reported"); one function word may join two of them ("Box and Block
# Test", "Pediatric Quality of Life Inventory"); an opening article or preposition is not part of
# a name; a lower-case word may follow the name ("the Box and Block Test improved").
_DASH = r"[\u2010\u2011\u2013\u2014-]"  # hyphen-minus, hyphen, non-breaking hyphen, en/em dash
_NAME_WORD = rf"[A-Z][\w']*(?:{_DASH}(?:(?:of|and|to|in|on){_DASH})?[A-Z0-9][\w']*)*"
_NAME_JOINER = r"(?:of|and|for|in|on|to|&)"
# The pattern starts with a plain capital (a lookaround first would run at every position).
NAMED_INSTRUMENT = re.compile(
    rf"[A-Z](?<![\w'\u2010\u2011\u2013\u2014-][A-Z])[\w']*"
    rf"(?:{_DASH}(?:(?:of|and|to|in|on){_DASH})?[A-Z0-9][\w']*)*"
    rf"\s+(?:(?:{_NAME_JOINER}\s+)?{_NAME_WORD}\s+){{0,4}}"
    rf"{INSTRUMENT_HEADS}\b(?![\w']|{_DASH}[a-z])"
)
NOT_NAME_START = frozenset(
    [
        "The",
        "A",
        "An",
        "In",
        "On",
        "Of",
        "And",
        "For",
        "To",
        "At",
        "By",
        "With",
        "After",
        "Before",
        "During",
        "This",
        "These",
        "Our",
        "Both",
        "Its",
        "Their",
    ]
)


def _named_instruments(text: str) -> list[re.Match[str]]:
    """NAMED_INSTRUMENT matches; one opening with an article or preposition ("The Box and Block
    Test") is matched again from its second word."""
    found = []
    for named in NAMED_INSTRUMENT.finditer(text):
        first = named.group().split(None, 1)[0]
        if first in NOT_NAME_START:
            second = named.start() + len(first)
            second += len(text) - second - len(text[second:].lstrip())
            again = NAMED_INSTRUMENT.match(text, second, named.end())
            if again is None or again.end() != named.end():
                continue
            named = again
        found.append(named)
    return found


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
    bare: bool = False  # the construct's bare word ("spasticity"): gated harder (outcome_gate)


@dataclass(frozen=True, slots=True)
class OutcomeHit:
    name: str
    start: int
    end: int
    rule_id: str
    in_lexicon: bool
    event: bool = False  # from a negatable (event) entry ("infection"), not an instrument


def normalise_name(text: str) -> str:
    """ "the Sitting balance scales" -> "Sitting balance scales": strip articles, capitalise."""
    cleaned = _LEADING_ARTICLE.sub("", re.sub(r"\s+", " ", text.strip()))
    return cleaned[:1].upper() + cleaned[1:]


# A parameter ("daily dose") is an outcome only where the sentence evaluates or tests it.
FINDING_CUE = re.compile(
    r"\b(?:evaluated|assessed|compared|comparing|measured|differ\w*|significant\w*)\b|\b[Pp]\s*[<>=\u2264\u2265]"
)


# A dose is a reported outcome only where a finding is about the dose itself, in its own clause
# (", and the Ashworth score fell (p < 0.001)" reports on another measure):
# - outcome.dose_finding_subject: the dose heads its clause and the clause reports a change, a
#   comparison or a test ("Mean daily doses ... were 180, 310 and 425 μg/day, respectively"), or
#   gives two or more dose values (its course over time);
# - outcome.dose_finding_comparative: "women needed lower doses than men", "with a lower daily dose
#   in HSP (p = 0.02)";
# - outcome.dose_finding_object: a named dose parameter is what was compared or evaluated
#   ("when comparing daily dosage", "a difference in average daily dosing"). "The mean daily dose
#   was 240 μg/day" is a dose, not a finding.
DOSE_CLAUSE_SPLIT = re.compile(r";\s(?![^()]*\))|:\s|,\s+(?:and|while|whereas|but)\b")
DOSE_SUBJECT_BEFORE = re.compile(
    # An opening time phrase may come first ("At one year the median daily dose was ..."), or an
    # opening prepositional phrase without a verb ("In patients with HSP the programmed dose was").
    r"^\s*(?:(?:at|after|by)\s+(?:the\s+)?(?:[\w\u2010-]+\s+){0,2}?"
    r"(?:years?|months?|weeks?|follow[-\u2010\s]?up|discharge|baseline)\s*,?\s+"
    r"|(?:in|at|among|for)\s+(?:(?!(?:was|were|is|are|had|has)\b)[\w\u2010-]+\s+){1,8}?,?\s*)?"
    r"(?:(?:the|their|its|mean|median|average|daily|total|final|maintenance|itb|intrathecal|"
    r"baclofen|current|programmed|prescribed)\s+)*$",
    re.I,
)
DOSE_FINDING_AFTER = re.compile(
    r"\b(?:rose|risen|increas\w*|decreas\w*|fell|fallen|declin\w*|dropped|reduc\w*|doubl\w*|"
    r"tripl\w*|escalat\w*|chang\w*|differ\w*|higher|lower|highest|lowest|greater|smaller|larger|"
    r"respectively|significant\w*|stable|stabili[sz]\w*|correlat\w*|compared|versus|vs)\b"
    r"|\b[Pp]\s*(?:[<>=\u2264\u2265]|value|less)",
    re.I,
)
DOSE_COMPARATIVE_BEFORE = re.compile(
    r"\b(?:lower|higher|greater|smaller|larger)\s+"
    r"(?:(?:daily|mean|itb|baclofen|intrathecal|programmed|prescribed)\s+)*$",
    re.I,
)
# "a higher intrathecal dose at one year than the 36 without": a few words may come before "than".
DOSE_THAN_AFTER = re.compile(r"\s*(?:\([^()]*\)\s*)?(?:[\w\u2010-]+\s+){0,4}?than\b")
DOSE_OBJECT_BEFORE = re.compile(
    r"\b(?:compar\w*|evaluat\w*|assess\w*|measur\w*|record\w*|includ\w*|analy[sz]\w*|"
    r"examin\w*|(?:differences?|changes?)\s+(?:in|for|of))\s+(?:(?:the|mean|median|average)\s+)*$",
    re.I,
)
NAMED_DOSE_PARAMETER = re.compile(r"daily|dosage|requirement", re.I)
P_AFTER = re.compile(r"\b[Pp]\s*(?:[<>=\u2264\u2265]|value|less)")
# "The mean daily dose was 0.21 mg/day at 1 year, 0.29 mg/day at 3 years and 0.36 mg/day at 5
# years": two or more dose values for the subject dose are its course over time or groups.
DOSE_VALUE = re.compile(
    r"\d(?:[\d.,\u00b7]*\d)?\s*(?:[\u03bc\u00b5]g|ug|mcg|mg|micrograms?)\b", re.I
)
RANGE_WORD = re.compile(r"\brang(?:e|es|ed|ing)\b|\bbetween\b", re.I)


def _dose_trajectory(text: str, start: int, end: int) -> bool:
    values = DOSE_VALUE.findall(text, start, end)
    return len(values) >= 2 and not RANGE_WORD.search(text, start, end)


def _clause(text: str, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    sentence_start, sentence_end = sentence
    clause_start = max(
        (m.end() for m in DOSE_CLAUSE_SPLIT.finditer(text, sentence_start, start)),
        default=sentence_start,
    )
    after = DOSE_CLAUSE_SPLIT.search(text, end, sentence_end)
    return clause_start, after.start() if after else sentence_end


def _dose_finding(text: str, m: Match, sentence: tuple[int, int]) -> str | None:
    """The rule id under which a dose parameter is a reported outcome, or None."""
    clause_start, clause_end = _clause(text, m.start, m.end, sentence)
    if DOSE_SUBJECT_BEFORE.match(text[clause_start : m.start]) and (
        DOSE_FINDING_AFTER.search(text, m.end, clause_end)
        or _dose_trajectory(text, m.end, clause_end)
    ):
        return "outcome.dose_finding_subject"
    named = NAMED_DOSE_PARAMETER.search(text, m.start, m.end) is not None
    if DOSE_COMPARATIVE_BEFORE.search(text, clause_start, m.start) and (
        DOSE_THAN_AFTER.match(text, m.end)
        or (named and P_AFTER.search(text, m.end, clause_end) is not None)
    ):
        return "outcome.dose_finding_comparative"
    if named and DOSE_OBJECT_BEFORE.search(text, clause_start, m.start):
        return "outcome.dose_finding_object"
    return None


def _negated(text: str, start: int, sentence: tuple[int, int]) -> bool:
    if NEGATION_BEFORE.search(text[max(sentence[0], start - 60) : start]):
        return True
    return bool(FUTURE_RESEARCH.search(text, sentence[0], sentence[1]))


# "gait distance/velocity", "gait distance and velocity": the head word after the conjunction
# shares the modifiers of the lexicon term before it; and the mirror image for modifiers.
NEXT_CONJUNCT = re.compile(r"\s*(?:/|,|and\b|or\b)\s*([A-Za-z][A-Za-z\u2010-]*)")
PREVIOUS_CONJUNCT = re.compile(r"([A-Za-z][A-Za-z\u2010-]*)\s*(?:/|,|and|or)\s*$")
_CONJUNCTIONS = ("/", ",", "and", "or")


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
        # Its match ends with a conjunction and only whitespace after it: check that first.
        before = (
            PREVIOUS_CONJUNCT.search(text, max(0, m.start - 40), m.start)
            if text[max(0, m.start - 40) : m.start].rstrip().endswith(_CONJUNCTIONS)
            else None
        )
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


def _measurement_sites(text: str, matches: list[Match], muscles: list[Match]) -> dict[str, str]:
    """Entry id -> the muscle written right before one of its mentions ("soleus H-reflex")."""
    sites: dict[str, str] = {}
    for m in matches:
        if not m.entry.muscle_qualified or m.entry.id in sites:
            continue
        for muscle in muscles:
            if muscle.end <= m.start and not text[muscle.end : m.start].strip():
                sites[m.entry.id] = muscle.entry.canonical
                break
    # One recording site named once ("underwent soleus H-reflex testing ... The Hmax/Mmax ratio
    # was higher") is the site of every measure of that recording; two sites decide nothing.
    if len(set(sites.values())) == 1:
        site = next(iter(sites.values()))
        for m in matches:
            if m.entry.muscle_qualified:
                sites.setdefault(m.entry.id, site)
    return sites


# "soleus H-reflex testing": the method, listed only when none of its variables is named (X-O1).
METHOD_AFTER = re.compile(
    r"\s+(?:testing|tests?|recordings?|studies|study|examinations?|measurements?)\b", re.I
)


def _methods_with_variables(text: str, matches: list[Match]) -> set[int]:
    """Offsets of muscle-qualified method mentions when a variable of the method is named too."""
    methods = {
        m.start for m in matches if m.entry.muscle_qualified and METHOD_AFTER.match(text, m.end)
    }
    variables = [m for m in matches if m.entry.muscle_qualified and m.start not in methods]
    return methods if variables else set()


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
    *,
    measures_taken: bool = False,
    sentence_end: Callable[[int], int] | None = None,
) -> list[OutcomeHit]:
    """All outcome mentions in one field, sorted by offset (several may share a name);
    ``lowered`` is ``lower_same_length(text)`` when the caller has it. ``measures_taken``: the
    text is known to name measures that were taken (a results table's row or column header), so
    the gate for generic measures (``outcome_gate``) is not asked. ``sentence_start`` and
    ``sentence_end`` are the scope model's (without an end, the next ". " ends a sentence)."""
    sentence_of = sentence_bounds(text, sentence_start, sentence_end)
    outcome_matches = [m for m in matches if m.lexicon == "outcomes.jsonl"]
    excluded = [m for m in matches if m.lexicon == "exclusions.jsonl"]
    joints = [m for m in matches if m.entry.kind == "joint"]
    muscles = [m for m in matches if m.entry.kind == "muscle"]
    outcome_matches += _coordinated(text, outcome_matches, by_phrase)
    hits: list[OutcomeHit] = []
    site_of = _measurement_sites(text, outcome_matches, muscles)
    methods = _methods_with_variables(text, outcome_matches)
    taken: list[tuple[Match, str]] = []
    for m in outcome_matches:
        rule_id = m.rule_id
        if m.start in methods:
            continue
        if m.entry.needs_finding:
            found = _dose_finding(text, m, sentence_of(m.start))
            if found is None:
                continue
            rule_id = found
        if m.entry.negatable and _negated(text, m.start, sentence_of(m.start)):
            continue
        taken.append((m, rule_id))
    reported = {
        id(m)
        for m in (
            [m for m, _ in taken]
            if measures_taken
            else gated(text, [m for m, _ in taken], sentence_start, sentence_end)
        )
    }
    # Generic mentions that the gate drops still cover their words (no free-text rule renames them).
    # A bare construct word dropped by the gate covers its words only where an instrument of its
    # domain measures it (guide O6); elsewhere a finding on a longer phrase around it ("lower
    # limb spasticity fell") may still name a measure.
    measured = instrument_domains([m for m, _ in taken])
    not_reported = [
        (m.start, m.end)
        for m, _ in taken
        if id(m) not in reported and (not m.bare or m.entry.domain in measured)
    ]
    bare_hits: list[OutcomeHit] = []
    for m, rule_id in taken:
        if id(m) not in reported:
            continue
        if m.entry.id in site_of:
            # Rule outcome.muscle_measure: a neurophysiological measure keeps the muscle it was
            # recorded from ("soleus H-reflex amplitude"; guide N9), at every mention.
            name = f"{site_of[m.entry.id]} {text[m.start : m.end]}"
            hits.append(OutcomeHit(name, m.start, m.end, "outcome.muscle_measure", False))
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
        # A free-text measure ("Cobb angle", "Pain") keeps its normalised name from the
        # vocabulary but is not a catalogued instrument: in_lexicon False, as the issue asks.
        hit = OutcomeHit(
            name, m.start, m.end, rule_id, not m.entry.free_text, event=m.entry.negatable
        )
        (bare_hits if m.bare else hits).append(hit)
    hits += _muscle_spasticity(text, muscles)
    # Abbreviations whose long form is an unknown instrument ("Sitting Balance Scale (SBS)").
    covered = [(h.start, h.end) for h in hits] + [(m.start, m.end) for m in excluded]
    covered += not_reported
    for abbreviation in abbreviations:
        long_form = text[abbreviation.long_start : abbreviation.long_end]
        if any(s < abbreviation.long_end and abbreviation.long_start < e for s, e in covered):
            continue
        if UNLEXICONED_LONG_FORM.search(long_form):
            pattern = re.compile(rf"(?<![\w-]){re.escape(abbreviation.short)}(?![A-Za-z0-9])")
            # An abbreviation names its long form everywhere, before its definition too.
            uses = list(pattern.finditer(text))
            if not _title_case(long_form) and not any(
                MEASURE_FINDING.search(text, *sentence_of(at))
                for at in [abbreviation.long_start, *(use.start() for use in uses)]
            ):
                # Rule outcome.defined_measure_needs_finding: a lower-case long form ("dye
                # injection test (DIT)", "quality assessment (QA)") is as often a procedure or a
                # covariate as a measure; it is an outcome only where a finding is reported on it.
                covered.append((abbreviation.long_start, abbreviation.long_end))
                continue
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
            for use in uses:
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
        for named in _named_instruments(text):
            start, end = named.span()
            if any(s < end and start < e for s, e in covered):
                continue
            name = normalise_name(named.group())
            hits.append(OutcomeHit(name, start, end, "outcome.named_instrument", False))
    covered += [(h.start, h.end) for h in hits]
    findings = [
        OutcomeHit(f.name, f.start, f.end, f.rule_id, False)
        for f in find_finding_subjects(text, covered, sentence_start, lowered)
    ]
    hits += [_spasm_named(text, f) for f in findings] + _bare_not_qualified(
        text, bare_hits, findings, muscles
    )
    low = lowered if lowered is not None else text.lower()
    if any(word in low for word in COVARIATE_WORDS):
        covariates = {h.name for h in hits if _is_covariate(text, h.start, sentence_start)}
        hits = [h for h in hits if h.name not in covariates]
    if _may_state_eligibility(low):
        # One verdict per sentence: a run-on "sentence" holds hundreds of hits.
        verdicts: dict[tuple[int, int], bool] = {}
        for h in hits:
            bounds = sentence_of(h.start)
            if bounds not in verdicts:
                verdicts[bounds] = _eligibility_sentence(text, bounds)
        hits = [h for h in hits if not verdicts[sentence_of(h.start)]]
    hits.sort(key=lambda h: (h.start, -h.end))
    return hits


# Guide N4: a spasm score or frequency that is not the Penn scale is "Spasm frequency" whatever
# its qualifier ("frequency of flexor spasms", "extensor spasm score"); a counted spasm diary is
# "Spasm count". A spasm named as a finding of its own ("pelvic floor spasm") keeps its name.
SPASM_COUNT_NAME = re.compile(
    r"\b(?:number|count|counts|diary|diaries)\b.*\bspasms?\b|\bspasms?\b.*\b(?:counts?|diar(?:y|ies))\b",
    re.I,
)
SPASM_FREQUENCY_NAME = re.compile(
    r"\b(?:frequency|score|scale|rating)\b.*\bspasms?\b|\bspasms?\b.*\b(?:frequency|score|scale|rating)\b",
    re.I,
)
# "spasms", "flexor spasms", "nocturnal spasms": the guide's "spasms" with one qualifier at most.
SPASMS_ONLY = re.compile(r"^(?:[\w\u2010-]+\s+)?spasms$", re.I)


COUNT_OF_BEFORE = re.compile(r"\b(?:number|count)\s+of\s+(?:the\s+)?$", re.I)


def _spasm_named(text: str, hit: OutcomeHit) -> OutcomeHit:
    """A free-text finding named per guide N4 (rule outcome.spasm_name); the words just before
    its span say whether spasms were counted ("the number of nocturnal spasms")."""
    lowered = hit.name.lower()
    if "spasm" not in lowered or "penn" in lowered:
        return hit
    if SPASM_COUNT_NAME.search(hit.name) or COUNT_OF_BEFORE.search(
        text, max(0, hit.start - 20), hit.start
    ):
        name = "Spasm count"
    elif SPASM_FREQUENCY_NAME.search(hit.name) or SPASMS_ONLY.search(hit.name):
        name = "Spasm frequency"
    else:
        return hit
    return OutcomeHit(name, hit.start, hit.end, "outcome.spasm_name", False)


def _bare_not_qualified(
    text: str, bare: list[OutcomeHit], findings: list[OutcomeHit], muscles: list[Match]
) -> list[OutcomeHit]:
    """Bare construct words that no longer name covers: "hamstring spasticity (p = 0.01)" is
    the finding's measure and "gastrocnemius spasticity" the muscle's (guide N9), not
    Spasticity."""
    return [
        b
        for b in bare
        if not any(f.start < b.end and b.start < f.end for f in findings)
        and not any(
            m.end <= b.start and not text[m.end : b.start].strip(" -\u2010") for m in muscles
        )
    ]


MEASURE_FINDING = re.compile(
    r"\b(?:improv\w*|worsen\w*|increas\w*|decreas\w*|reduc\w*|rose|fell|declin\w*|chang\w*|"
    r"differ\w*|significant\w*|correlat\w*|associat\w*|predict\w*|higher|lower)\b"
    r"|\b[Pp]\s*[<>=\u2264\u2265]",
    re.I,
)
_MINOR_WORDS = frozenset({"of", "and", "for", "in", "on", "to", "the", "a", "an", "with", "&"})


def _title_case(phrase: str) -> bool:
    """ "Sitting Balance Scale", "Impact of Event Scale": every major word capitalised."""
    words = [w for w in re.split(r"[\s\u2010-]+", phrase) if w and w.lower() not in _MINOR_WORDS]
    return bool(words) and all(w[0].isupper() or w[0].isdigit() for w in words)


# Rule outcome.covariate_dropped: a variable the analysis adjusts for ("after adjustment for BMI",
# "controlling for age, sex and FIM") or the groups are matched for ("matched for walking
# ability") is a covariate of this study, so none of its mentions is an
# outcome. The outcome's own baseline value ("adjusted for baseline Ashworth score") is exempt.
COVARIATE_WORDS = ("adjust", "controll", "correct", "account", "matched")
COVARIATE_BEFORE = re.compile(
    r"\b(?:adjust(?:ed|ing|ments?)|controll(?:ed|ing)|correct(?:ed|ing|ion)|account(?:ed|ing)|"
    r"matched)\s+(?:for|on)\s+(?:(?:the\s+)?[\w\u2010-]+(?:\s+[\w\u2010-]+){0,2}"
    r"(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+))*(?:the\s+)?$",
    re.I,
)


def _is_covariate(text: str, start: int, sentence_start: Callable[[int], int]) -> bool:
    window = text[max(sentence_start(start), start - 120) : start]
    return bool(COVARIATE_BEFORE.search(window)) and not window.lower().endswith("baseline ")


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


def _eligibility_sentence(text: str, sentence: tuple[int, int]) -> bool:
    return bool(ELIGIBILITY.search(text, *sentence)) and not FINDING_CUE.search(text, *sentence)
