"""Sample size: the number of patients studied, not those screened and not a subgroup.

Candidates are counts of people ("seven patients", "40 seriously handicapped patients",
"n = 26", "42 were randomized", "7 met the inclusion criteria"). Counts of people screened,
assessed for eligibility or excluded, and open-ended counts ("more than three subjects") are
refused. Subgroups are smaller than the total they come from, so the largest remaining
candidate wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise
from typing import Protocol

from extractors.numbers import INT_COUNT, NUM_LEFT, WORD_NUMBER, parse_count
from extractors.scan import GatedPattern, lower_same_length

PERSON_NOUN = (
    r"(?:patients?|subjects?|individuals?|participants?|children|adults?|adolescents?|cases?|"
    r"males?|females?|men|women|persons?|people|volunteers?|infants?|boys|girls|"
    r"outpatients?|inpatients?|users|survivors|recipients|respondents|veterans|athletes|"
    r"walkers|ambulators|controls)"
)
# Person nouns of this module the shared phrase-matcher lexicon does not list ("19 walkers and
# 31 wheelchair users" are two groups of people); searched only when the literal occurs.
EXTRA_PERSON = re.compile(r"\b(?:walkers|ambulators|controls)\b")
_EXTRA_PERSON_LITERALS = ("walkers", "ambulators", "controls")
COUNT = rf"(?P<count>{INT_COUNT}|{WORD_NUMBER})"
# Up to four modifiers between the count and the noun ("40 seriously handicapped patients"), but
# never a function word, number or time unit ("three of the four", "6 months post-SCI").
_MODIFIER = (
    r"(?!(?:of|the|and|or|with|in|were|was|had|have|from|to|for|at|by|on|per|than|these|"
    r"those|years?|months?|weeks?|days?|hours?|times|mg|ug|doses?)\b)[A-Za-z][\w'\u2010\u2013-]*"
)
# Found noun-first: a person noun is a cheap literal search, then the count is looked for in a
# short window before it (scanning every position for a count is far slower).
# "person-years", "patient-months" are exposure time, not people.
PERSON = re.compile(
    rf"\b{PERSON_NOUN}\b(?![-\u2010](?:years?|months?|days?|weeks?)\b)"
)  # run on the lower-cased text (faster than re.I)
COUNT_BEFORE_PERSON = re.compile(
    # "Fifteen (15) children": the count restated in digits.
    rf"\(?{NUM_LEFT}(?<![\u2010-]){COUNT}(?![\w\u2010-])\)?\s+(?:{_MODIFIER}\s+){{0,4}}\Z",
    re.I,
)
N_EQUALS = re.compile(rf"[nN]\s*=\s*(?P<count>{INT_COUNT})(?!\s*[.\u00b7]\d)")
# "42 were randomized", "12 underwent implantation and were included", "7 met the criteria":
# found verb-first, then the count is looked for just before the verb phrase.
ENROLMENT_VERB = re.compile(
    r"(?:were|was)\s+(?:included|enrolled|randomi[sz]ed|recruited|studied|analy[sz]ed|evaluated|"
    r"treated|implanted|followed)\b|(?:met|fulfilled|satisfied)\s+(?:the\s+|all\s+)?"
    r"(?:inclusion\s+|eligibility\s+|study\s+|selection\s+)?criteria\b",
    re.I,
)
COUNT_BEFORE_VERB = re.compile(
    # Not the end of a numeric range: "during the period 2011-2020 were analysed".
    rf"{NUM_LEFT}(?<!\d[-\u2010\u2013])(?<!\d\s[-\u2010\u2013]\s)"
    rf"{COUNT}\s+(?:{PERSON_NOUN}\s+)?(?:[a-z]+\s+){{0,4}}?(?:and\s+)?\Z",
    re.I,
)
POOLED = re.compile(
    rf"(?:pooled|total|overall|combined)\s+(?:sample\s+(?:size\s+)?)?(?:of\s+|n\s*=\s*)?{COUNT}"
    # Not an amount: "a total of 40 µl of medium", "a total of 12 mg", "a total of 300 U".
    r"(?![\d.,]|\s*(?:[\u03bc\u00b5u]?[lg]|m[lg]|mcg|I?U|UI|units?|mmol)(?![A-Za-z]))"
    rf"(?:\s+{PERSON_NOUN})?",
    re.I,
)
SINGLE_CASE = re.compile(
    r"\b(?:a|one)\s+(?:single\s+)?(?:\d+[-\u2010]year[-\u2010]old\s+)?(?:[a-z]+\s+){0,2}?"
    r"(?:patient|case|man|woman|boy|girl|male|female)\b"
    # The noun as a modifier names no person: "a patient population", "a case series".
    r"(?![\s\u2010-]+(?:populations?|groups?|samples?|cohorts?|base|registry|database|series|"
    r"perspective|level|organi[sz]ation|advocacy|education|selection)\b)",
    re.I,
)
# Counts that are not the studied sample.
EXCLUDED_AFTER = re.compile(
    r"\s*(?:[\w\u2010-]+\s+){0,8}?(?:were\s+|was\s+)?(?:consecutively\s+)?(?:screened|assessed\s+for\s+eligibility|"
    r"evaluated\s+for\s+eligibility|approached|contacted|invited|excluded|declined|refused|"
    # "identified as having HSP" is a diagnosis, not a stage before the study.
    r"identified(?!\s+as\b)|dropped\s+out|withdrew|lost\s+to\s+follow)",
    re.I,
)
# Rule sample.year_refused: a year closing a period is not a count ("between 2005 and 2015 were
# included", "from 2010 to 2019 were analysed", "since 2012 were studied").
YEAR_CONTEXT_BEFORE = re.compile(
    r"(?:\b(?:between|from|in|since|until|till|during|before|after)\s+(?:\d{4}\s+(?:and|to)\s+)?"
    r"|\d{4}\s*[-\u2010\u2013]\s*)\Z",
    re.I,
)
# Rule sample.referred_refused: "164 adults were referred for assessment and 58 met the criteria",
# "120 patients were referred; 40 underwent a test bolus": when a later stage is counted, the
# people referred are a denominator, not the sample ("30 patients referred for ITB were studied"
# counts the referred people themselves and is kept).
_LATER_STAGE = (
    r"(?:met|fulfilled|satisfied|underwent|received|entered|proceeded|qualified|consented|"
    r"(?:were|was)\s+(?:(?:then|subsequently|finally)\s+)?(?:included|enrolled|eligible|tested|"
    r"selected|treated|implanted|studied|recruited))\b"
)
_REFERRAL_STAGE = (
    r"(?:were|was|had\s+been)\s+referred\b"
    r"(?:[^.]{0,150}?(?:[,;]|\band\b)\s*(?:of\s+(?:whom|these|them|those)\s*,?\s*)?"
    r"|[^.]{0,150}?\.\s+(?:of|among)\s+(?:these|them|those)(?:\s+patients)?\s*,?\s*)"
    rf"(?:only\s+)?{COUNT}\s+(?:{PERSON_NOUN}\s+)?{_LATER_STAGE}"
)
REFERRED_THEN_STAGE = re.compile(rf"\s*(?:[\w\u2010-]+\s+){{0,8}}?{_REFERRAL_STAGE}", re.I)
# Rule sample.after_referral: the count of that later stage is a candidate ("164 were referred
# ... 58 underwent the test" -> 58), whether or not the referred count named its people.
REFERRAL_STAGE = re.compile(_REFERRAL_STAGE, re.I)
_REFERRAL_LITERALS = ("were referred", "was referred", "had been referred")
EXCLUDED_BEFORE = re.compile(
    # ... and the denominator of a rate: "2 to 10 per 100,000 people".
    r"(?:more\s+than|over|at\s+least|fewer\s+than|less\s+than|up\s+to|under|>|\u2265|<|\u2264|"
    r"\bper)\s*$",
    re.I,
)
# "three case series", "five case reports" count publications, not people.
CASE_AS_STUDY = re.compile(r"[\s\u2010-]+(?:series|reports?)\b", re.I)
PERCENT_OR_AGE = re.compile(r"\s*(?:%|percent\b|[-\u2010]year)", re.I)
OF_THE_ASSESSED = re.compile(
    rf"of\s+(?P<det>the\s+|all\s+)?{COUNT}\s+(?:{PERSON_NOUN}\s+)?(?:[\w\u2010-]+\s+){{0,5}}?"
    r"(?:assessed|screened|evaluated|identified|reviewed|approached|eligible|considered|referred|tested)\b",
    re.I,
)


class SampleKind(Enum):
    """What a sample-size candidate counts; behaviour branches on this, the value is the rule id
    that travels as provenance."""

    AFTER_REFERRAL = "sample.after_referral"
    ANALYSED_ONLY = "sample.analysed_only"
    CONTROL_GROUP = "sample.control_group"
    COUNT_ENROLLED = "sample.count_enrolled"
    COUNT_OF_PEOPLE = "sample.count_of_people"
    COUNT_OF_RELATIVES = "sample.count_of_relatives"
    N_EQUALS = "sample.n_equals"
    POOLED = "sample.pooled"
    POOLED_STUDIES = "sample.pooled_studies"
    SINGLE_CASE = "sample.single_case"
    SUM_OF_ARMS = "sample.sum_of_arms"
    SUM_OF_ELLIPTICAL_GROUPS = "sample.sum_of_elliptical_groups"
    SUM_OF_GROUPS = "sample.sum_of_groups"
    SUM_OF_LISTED_SUBGROUPS = "sample.sum_of_listed_subgroups"
    SUM_OF_SHARED_NOUN_GROUPS = "sample.sum_of_shared_noun_groups"
    SUM_OF_VERB_GROUPS = "sample.sum_of_verb_groups"
    TESTED_DENOMINATOR = "sample.tested_denominator"


ENROLLED_TRIGGERS = (
    "includ",
    "enrol",
    "randomi",
    "recruit",
    "studied",
    "analy",
    "evaluated",
    "treated",
    "implanted",
    "followed",
    "criteria",
)
_NOUN_AT = re.compile(rf"{PERSON_NOUN}\b", re.I)


_WORD_BEFORE = re.compile(r"[^\s]+\s+\Z")
_NUMBER_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
    ]
)


def _is_count_word(word: str) -> bool:
    head = word.lower().replace("\u2010", "-").split("-")[0]
    return head.replace(",", "").isdigit() or head in _NUMBER_WORDS


# Pre-check for the walk below: a count word holds a digit or starts with a number word.
_NUMBER_WORD_ANYWHERE = re.compile("|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)))
_ASCII_DIGIT = re.compile(r"[0-9]")


def _may_hold_count(text: str, noun_start: int) -> bool:
    """Whether the 6 words before ``noun_start`` may hold a count word (never a false "no")."""
    start = noun_start
    for _ in range(7):
        start = text.rfind(" ", 0, max(0, start - 1))
        if start < 0:
            break
    window = text[max(0, start) : noun_start]
    if not window.isascii():  # str.isdigit also accepts non-ASCII digits: take the full walk
        return True
    return bool(_ASCII_DIGIT.search(window) or _NUMBER_WORD_ANYWHERE.search(window.lower()))


def _count_word_starts(text: str, noun_start: int) -> list[int]:
    """Starts of count words among the (up to 6) words before a person noun, furthest first.

    Walking back over a few words is much cheaper than scanning a window with the count regex."""
    if not _may_hold_count(text, noun_start):
        return []
    position, found = noun_start, []
    for _ in range(6):
        cut = text.rfind(" ", 0, max(0, position - 1))
        start = cut + 1
        word = text[start:position].strip()
        if not word:
            break
        if _is_count_word(word.strip("()")):
            found.append(start)
        position = start
        if cut < 0:
            break
    return found[::-1]


CLAUSE_START_BEFORE = re.compile(r"(?:\A|[.;:,(]\s*|out\s+)\Z", re.I)
ENROLMENT_LITERALS = ("were ", "was ", "met ", "fulfilled ", "satisfied ")


def _match_at(
    pattern: re.Pattern[str], text: str, lowered: str, literals: Sequence[str]
) -> list[re.Match[str]]:
    """``pattern.match`` at each word-initial occurrence of a literal (a C-speed ``str.find``),
    instead of a regex scan of the whole text; ``pattern`` must start with one of the literals."""
    found: list[re.Match[str]] = []
    for literal in literals:
        index = lowered.find(literal)
        while index >= 0:
            if index == 0 or not lowered[index - 1].isalnum():
                m = pattern.match(text, index)
                if m:
                    found.append(m)
            index = lowered.find(literal, index + 1)
    return sorted(found, key=lambda m: m.start())


def _noun_end(text: str, position: int) -> int:
    m = _NOUN_AT.match(text, position)
    return m.end() if m else position


@dataclass(frozen=True, slots=True)
class SampleHit:
    n: int
    start: int
    end: int
    kind: SampleKind

    @property
    def rule_id(self) -> str:
        """The rule id of the kind (provenance only)."""
        return self.kind.value


def find_sample_candidates(
    text: str,
    person_nouns: Sequence[tuple[int, int]] | None = None,
    lowered: str | None = None,
    sentence_part: SentencePart | None = None,
) -> list[SampleHit]:
    """Every count of studied people in ``text`` (screened/open-ended counts already dropped).

    ``person_nouns`` are (start, end) offsets of person nouns when the caller already has them
    (the phrase matcher finds them for free); otherwise they are searched here. ``lowered`` is
    ``lower_same_length(text)`` when the caller already has it. ``sentence_part`` is the scope's
    (``Scope.sentence_part``); by default the whole text is one part."""
    if lowered is None:
        lowered = lower_same_length(text)
    # "Of the 140 patients assessed, 7 ...", "Out of 94 screened": a denominator of people
    # assessed, but not "a cohort of 29 children ... assessed" (no determiner, not clause-initial).
    # "Of 236 patients who had a pump in the registry, 41 ... were analysed": the clause-initial
    # "Of N ..., M" names a denominator; M is the studied subset (rule sample.of_n_denominator).
    # One pass over the word-initial "of "s serves both rules.
    refused: set[int] = set()
    ofs: list[int] = []
    index = lowered.find("of ")
    while index >= 0:
        if index == 0 or not lowered[index - 1].isalnum():
            clause_initial = CLAUSE_START_BEFORE.search(text, max(0, index - 6), index)
            if clause_initial:
                ofs.append(index)
            m = OF_THE_ASSESSED.match(text, index)
            if m and (m.group("det") or clause_initial):
                refused.add(m.start("count"))
        index = lowered.find("of ", index + 1)
    refused |= _clause_initial_denominators(text, ofs)
    hits: list[SampleHit] = []
    controls: list[SampleHit] = []
    matches: list[tuple[re.Match[str], SampleKind]] = []
    nouns = (
        person_nouns
        if person_nouns is not None
        else [(m.start(), m.end()) for m in PERSON.finditer(lowered)]
    )
    if person_nouns is not None and any(w in lowered for w in _EXTRA_PERSON_LITERALS):
        extra = [(m.start(), m.end()) for m in EXTRA_PERSON.finditer(lowered)]
        nouns = sorted({*nouns, *extra})
    # Words are cut at any white space: "Methods\nSix stroke patients" starts a word at "Six".
    spaced = text.replace("\n", " ").replace("\t", " ").replace("\r", " ")  # C-speed, same length
    for noun_start, _ in nouns:
        for window_start in _count_word_starts(spaced, noun_start):
            m = COUNT_BEFORE_PERSON.match(text, window_start, noun_start)
            if m:
                matches.append((m, SampleKind.COUNT_OF_PEOPLE))
                break
    if any(cue in lowered for cue in ENROLLED_TRIGGERS):
        for verb in _match_at(ENROLMENT_VERB, text, lowered, ENROLMENT_LITERALS):
            m = COUNT_BEFORE_VERB.search(text, max(0, verb.start() - 60), verb.start())
            if m:
                matches.append((m, SampleKind.COUNT_ENROLLED))
    matches += [(m, SampleKind.N_EQUALS) for m in _match_at(N_EQUALS, text, lowered, ("n=", "n ="))]
    pooled = ("pooled", "total", "overall", "combined")
    matches += [(m, SampleKind.POOLED) for m in _match_at(POOLED, text, lowered, pooled)]
    for m, kind in matches:
        count_start = m.start("count")
        if count_start in refused or EXCLUDED_BEFORE.search(
            text[max(0, count_start - 14) : count_start]
        ):
            continue
        after = _noun_end(text, m.end()) if kind == SampleKind.COUNT_OF_PEOPLE else m.end()
        if kind != SampleKind.N_EQUALS and (
            EXCLUDED_AFTER.match(text, after)
            or ("referr" in lowered and REFERRED_THEN_STAGE.match(text, after))
        ):
            continue
        if (
            kind == SampleKind.COUNT_OF_PEOPLE
            and lowered.endswith(("case", "cases"), 0, after)
            and CASE_AS_STUDY.match(text, after)
        ):
            continue
        if PERCENT_OR_AGE.match(text, m.end("count")):
            continue
        if kind == SampleKind.N_EQUALS and _n_of_things(text, lowered, m.start()):
            continue  # "all treated limbs (n=71)": limbs, pumps or procedures, not people
        if (
            kind != SampleKind.POOLED
            and _is_control_group(text, m, kind)
            and not _controls_treated(text, after)
        ):
            n = parse_count(m.group("count"))
            if n:
                controls.append(SampleHit(n, m.start(), m.end(), SampleKind.CONTROL_GROUP))
            continue  # healthy volunteers and controls are comparators, not the patients studied
        if kind in (SampleKind.COUNT_ENROLLED, SampleKind.POOLED) and _counts_things(
            text, lowered, m
        ):
            continue
        n = parse_count(m.group("count"))
        if n is None or n == 0 or n > 1_000_000 or _is_planned(text, lowered, m):
            continue
        if 1900 <= n <= 2100 and YEAR_CONTEXT_BEFORE.search(
            text, max(0, m.start() - 30), m.start()
        ):
            continue  # "patients implanted between 2005 and 2015 were included": a year
        end = m.end() if kind != SampleKind.COUNT_OF_PEOPLE else _noun_end(text, m.end())
        hits.append(SampleHit(n, m.start(), end, kind))
    if "referred" in lowered:
        hits += _after_referrals(text, lowered, {h.start for h in hits})
    people = [h for h in hits if h.kind == SampleKind.COUNT_OF_PEOPLE]
    listed = _sums_of_listed_subgroups(text, nouns, {h.end for h in people})
    analysed = _analysed_only(text, lowered)
    if not hits and not listed and not analysed:
        # Fallbacks, weakest last: "three siblings with SPG7"; "Of the 23 patients tested, 17
        # responded"; a study of healthy volunteers only (they are the sample).
        return _counts_of_relatives(text, lowered) or _tested_denominators(text, ofs) or controls
    hits = _pooled_over_studies(text, lowered, hits)
    return (
        hits
        + listed
        + analysed
        + _sums_of_groups(text, people)
        + _sums_of_shared_noun_groups(text, people)
        + _sums_of_verb_groups(text, lowered, people)
        + _sums_of_elliptical_groups(text, people)
        + _sums_of_arms(
            text,
            [h for h in hits if h.kind == SampleKind.N_EQUALS],
            sentence_part or _whole(text),
        )
    )


def _after_referrals(text: str, lowered: str, known_starts: set[int]) -> list[SampleHit]:
    """Counts of the stage after a referral not already found by the rules above."""
    hits = []
    for m in _match_at(REFERRAL_STAGE, text, lowered, _REFERRAL_LITERALS):
        n = parse_count(m.group("count"))
        if n and not 1900 <= n <= 2100 and m.start("count") not in known_starts:
            hits.append(SampleHit(n, m.start("count"), m.end(), SampleKind.AFTER_REFERRAL))
    return hits


def _clause_initial_denominators(text: str, ofs: list[int]) -> set[int]:
    """Count offsets of clause-initial "Of N people ..., M". When the M are those who left ("Of
    the 93 patients started on the trial, 6 dropped out"), N entered the study and stays."""
    found = set()
    for index in ofs:
        m = OF_DENOMINATOR.match(text, index)
        if m and not LEFT_THE_STUDY.match(text, m.end()):
            found.add(m.start("count"))
    return found


# Those who left after entering: "6 patients dropped out", "2 cases withdrew", "3 were lost to
# follow-up" (not "were excluded" or "were identified": those never entered).
LEFT_THE_STUDY = re.compile(
    r"\s*(?:[\w\u2010-]+\s+){0,3}?(?:dropped\s+out|withdrew|(?:were|was)\s+withdrawn|"
    r"(?:were|was)\s+lost\s+to\s+follow|discontinued|did\s+not\s+complete|failed\s+to\s+complete)",
    re.I,
)
OF_DENOMINATOR = re.compile(
    rf"of\s+(?:the\s+|all\s+|these\s+)?{COUNT}\s+(?:[\w\u2010-]+\s+){{0,3}}?{PERSON_NOUN}\b"
    rf"[^.;:,]{{0,100}},\s+(?:only\s+)?(?:{INT_COUNT}|{WORD_NUMBER})\b(?!\s*%)",
    re.I,
)
# Rule sample.control_refused: "20 healthy volunteers", "controls (n = 20)".
CONTROL_WORDS = re.compile(r"\b(?:healthy|controls?|unaffected|able[\u2010-]bodied)\b", re.I)
# Rule sample.part_refused: "Complications occurred in 8 children (24%)": a count given with its
# share of an unstated whole is a part of the sample, and so is any smaller count in its sentence.
PART_PERCENT_AFTER = re.compile(r"\s*\(\s*\d+(?:[.\u00b7]\d+)?\s*%\s*\)")


def _is_control_group(text: str, m: re.Match[str], kind: SampleKind) -> bool:
    if kind == SampleKind.N_EQUALS:
        return bool(CONTROL_WORDS.search(text, max(0, m.start() - 30), m.start()))
    if kind == SampleKind.COUNT_ENROLLED:
        return bool(CONTROL_WORDS.search(text, m.end("count"), m.end()))
    return bool(CONTROL_WORDS.search(text, m.end("count"), _noun_end(text, m.end())))


# Rule sample.treated_controls (X-SS1): healthy people who receive the study intervention are a
# study group ("Nine healthy volunteers and nine heartburn patients underwent ... on placebo and
# after baclofen", "12 subjects with stroke and 10 healthy controls underwent 30 minutes of
# stretching treatment"); controls only measured ("underwent MRI") stay comparators.
CONTROLS_TREATED = re.compile(
    r"[^.;]{0,100}?\b(?:received|underwent|(?:were|was)\s+(?:given|administered|treated|"
    r"injected|stimulated|stretched))\b[^.;]{0,140}?\b(?:treatments?|interventions?|therap(?:y|ies)|"
    r"training|stretching|stimulation|injections?|infusions?|doses?|placebo|drugs?|medications?)\b",
    re.I,
)


def _controls_treated(text: str, noun_end: int) -> bool:
    return bool(CONTROLS_TREATED.match(text, noun_end))


# Offset -> (start, end) of the sentence part holding it: from the last "; " in its sentence (else
# the sentence start) to the sentence end (``Scope.sentence_part``).
SentencePart = Callable[[int], tuple[int, int]]


def _whole(text: str) -> SentencePart:
    return lambda position: (0, len(text))


def without_parts(
    text: str, hits: list[SampleHit], sentence_part: SentencePart | None = None
) -> list[SampleHit]:
    """Candidates less the parts of an unstated whole (rule sample.part_refused): a count no
    larger than a part in the same sentence part. Each hit's part is looked up once (a run-on
    sentence made this quadratic in its length when each comparison searched the text)."""
    parts = [h for h in hits if PART_PERCENT_AFTER.match(text, h.end)]
    if not parts:
        return hits
    part_of = sentence_part or _whole(text)
    # The largest part in each sentence part: a hit no larger than it is refused.
    largest: dict[tuple[int, int], int] = {}
    for part in parts:
        key = part_of(part.start)
        largest[key] = max(largest.get(key, part.n), part.n)
    part_ids = {id(part) for part in parts}
    kept = []
    for hit in hits:
        if id(hit) in part_ids:
            continue
        if hit.n <= largest.get(part_of(hit.start), -1):
            continue
        kept.append(hit)
    return kept


# Rule sample.sum_of_elliptical_groups: "Fourteen patients with pure HSP, nine with complicated
# forms" -> 23: later groups drop the noun and keep "with".
ELLIPTICAL_GROUP = re.compile(
    rf"\s+with\b[^.;:,()]{{1,80}}?(?:,\s*(?P<and>and\s+)?|\s+(?P<bare_and>and)\s+)"
    rf"(?P<count>{INT_COUNT}|{WORD_NUMBER})\s+with\b",
    re.I,
)


OF_BEFORE = re.compile(r"\bof\s+(?P<det>the\s+|all\s+)?\Z", re.I)


def _sums_of_elliptical_groups(text: str, groups: list[SampleHit]) -> list[SampleHit]:
    """ "Fourteen patients with pure HSP, nine with complicated forms" -> 23. After "of", the
    first count may be a whole: "Of 30 patients with HSP, 12 with pure forms" (clause-initial or
    "of the") and "a series of 30 patients with HSP, 12 with pure forms" are not summed, but "the
    records of 17 children with CP, 4 with HSP and 2 with other conditions" (a closed list) are.
    Later groups adding up to the first count break it down: nothing is added."""
    sums = []
    for group in groups:
        of = OF_BEFORE.search(text, max(0, group.start - 8), group.start)
        if of and (
            of.group("det") or CLAUSE_START_BEFORE.search(text, max(0, of.start() - 6), of.start())
        ):
            continue
        total, end, position, closed, later = group.n, group.end, group.end, False, 0
        while m := ELLIPTICAL_GROUP.match(text, position):
            n = parse_count(m.group("count"))
            if n is None:
                break
            total, end, position = total + n, m.end("count"), m.end("count")
            closed, later = bool(m.group("and") or m.group("bare_and")), later + 1
        # Two or more later groups adding up to the first break it down; one later group of the
        # same size is a second group ("12 patients with HSP and 12 with MS" -> 24).
        if end == group.end or (later >= 2 and total == 2 * group.n) or (of and not closed):
            continue
        sums.append(SampleHit(total, group.start, end, SampleKind.SUM_OF_ELLIPTICAL_GROUPS))
    return sums


# Rule sample.sum_of_arms: "allocated to 2 groups: A (n = 11) or B (n = 12)" -> 23; when one of
# the counts is already the sum of the others, it is the total and nothing is added.
# The sentence must speak of groups, and no other number may sit between two arms ("(n = 31),
# a 97% success rate ... (n = 25)" are one sample measured twice).
ARM_CONTEXT = re.compile(
    r"\b(?:groups?|arms?|cohorts|randomi[sz]ed|randomly|allocated|assigned|divided|split|"
    r"compar(?:e|ed|ing)\s+between|between\s+(?:patients|children|adults|those))\b",
    re.I,
)
_DIGIT = re.compile(r"\d")


def _sums_of_arms(text: str, arms: list[SampleHit], sentence_part: SentencePart) -> list[SampleHit]:
    by_sentence: dict[tuple[int, int], list[SampleHit]] = {}
    for arm in arms:
        by_sentence.setdefault(sentence_part(arm.start), []).append(arm)
    sums = []
    for (s_start, s_end), group in by_sentence.items():
        if len(group) < 2 or not ARM_CONTEXT.search(text, s_start, s_end):
            continue
        if any(_DIGIT.search(text, a.end, b.start) for a, b in pairwise(group)):
            continue
        total = sum(h.n for h in group)
        # A total listed beside its arms ("(n = 30): A (n = 12), B (n = 18)") takes three counts;
        # two equal arms ("HSP (n = 12) and MS (n = 12)") are two groups.
        if len(group) >= 3 and any(2 * h.n == total for h in group):
            continue
        sums.append(SampleHit(total, group[0].start, group[-1].end, SampleKind.SUM_OF_ARMS))
    return sums


# The word right after a count, when it is a plural noun: "214 refills", "14 studies", "51 pumps".
_PLURAL_AFTER_COUNT = re.compile(
    # modifiers may be gene names: "nine SPG7 variants"
    r"(?:\s+[A-Za-z][\w\u2010-]*(?<!s)){0,2}?\s+(?P<word>[a-z][a-z\u2010-]*[a-z]s)\b"
)
# People a study may count that the person-noun lexicon does not list (never "things").
OTHER_PEOPLE = frozenset(
    {"youths", "students", "residents", "workers", "nurses", "physicians", "surgeons",
     "clinicians", "therapists", "parents", "caregivers", "carers", "mothers", "fathers",
     "families", "teenagers", "pupils", "employees", "soldiers", "members", "controls", "twins",
     "siblings", "carriers", "probands", "relatives", "neonates", "newborns", "elderly"}
)  # fmt: skip
_NOT_PLURAL_NOUN = ("ous", "ss", "is", "us")  # "previous", "various", "less", "this", "thus"


# The noun an "n = N" follows: "all treated limbs (n=71)", "hips (n = 56)".
NOUN_BEFORE_N = re.compile(r"(?P<word>[a-z][a-z\u2010-]*[a-z])\s*[(\[]?\s*[,:;]?\s*\Z")
# Plural nouns of people-like groups an "n =" may follow ("both groups (n = 20)").
# A timepoint is not a thing counted: "at 5 years (n = 22)" counts the people seen then.
GROUP_WORDS = frozenset(
    {"groups", "arms", "cohorts", "families", "pairs", "dyads", "cases", "years", "months",
     "weeks", "days", "hours", "minutes", "visits"}
)  # fmt: skip


def _n_of_things(text: str, lowered: str, n_start: int) -> bool:
    """An "n =" right after a plural noun that is neither a person nor a group of people."""
    before = NOUN_BEFORE_N.search(lowered, max(0, n_start - 40), n_start)
    if before is None:
        return False
    word = before.group("word")
    return (
        len(word) > 3
        and text[before.start("word") : before.end("word")].islower()  # not "MS (n = 17)"
        and _is_plural_noun(word)
        and word not in OTHER_PEOPLE
        and word not in GROUP_WORDS
        and word not in _STUDY_LITERALS  # "Six trials (n = 212)": a review's pooled people
        and PERSON.fullmatch(word) is None
    )


def _counts_things(text: str, lowered: str, m: re.Match[str]) -> bool:
    """ "A total of 214 refills", "212 clinical isolates", "Two hundred and ten refills were
    analysed": the count is of a plural noun (after at most two modifiers) that is not a person
    noun, and no person noun follows before the verb."""
    after = _PLURAL_AFTER_COUNT.match(text, m.end("count"))
    if (
        after is None
        or after.group("word").endswith(_NOT_PLURAL_NOUN)
        or after.group("word") in OTHER_PEOPLE
    ):
        return False
    return PERSON.search(lowered, m.end("count"), max(m.end(), after.end())) is None


# "15 patients with HSP and 22 patients with MS": the groups together are the sample.
# Not two clauses: "Twenty patients were tested 2 weeks after their stroke, and 12 patients were
# tested 12 weeks after" measures one sample twice.
GROUP_JOIN = re.compile(r"^(?:(?!\b(?:were|was)\b)[^.;:]){0,70}?\band\s+(?:the\s+)?$")
# "We compared 15 HSP patients with 20 MS patients": two groups set side by side.
COMPARED_BEFORE = re.compile(r"\bcompar(?:e|ed|ing)\s+(?:the\s+)?\(?\Z", re.I)
COMPARED_JOIN = re.compile(
    r"^\s+(?:[A-Za-z][\w\u2010-]*\s+){0,6}?(?:with|to|versus|vs\.?|against)\s+(?:the\s+|those\s+)?$"
)
# "12 patients with HSP were compared with 12 patients with MS": the passive comparison names
# both groups itself (no "compared" needed before the first).
PASSIVE_COMPARED_JOIN = re.compile(
    r"^\s+(?:[A-Za-z][\w\u2010-]*\s+){0,6}?(?:were|was)\s+(?:[a-z]+ly\s+)?compared\s+"
    r"(?:with|to|against)\s+(?:the\s+|those\s+)?$",
    re.I,
)


# "(43 females, 77 males)": the two sexes listed with a comma are the whole group (the total
# itself may be written in a form not read as a count, "Hundred and twenty patients").
SEX_NOUN = re.compile(r"\b(?:(?P<f>females?|women|girls)|(?P<m>males?|men|boys))\Z", re.I)


def _sexes_of(text: str, first: SampleHit, second: SampleHit) -> bool:
    nouns = [SEX_NOUN.search(text, h.start, h.end) for h in (first, second)]
    if nouns[0] is None or nouns[1] is None:
        return False
    return bool(nouns[0].group("f")) != bool(nouns[1].group("f"))


# Two arms written as the denominators of one event: "66 (61%) of the 109 placebo-treated patients
# and 101 (91%) of the 111 tizanidine-treated patients" -> 220 (both arms count, SS3).
ARM_DENOMINATOR_BEFORE = re.compile(
    rf"{COUNT}\s*\(\s*\d+(?:[.\u00b7]\d+)?\s*%\s*\)\s+of\s+(?:the\s+)?\Z", re.I
)
ARM_DENOMINATOR_JOIN = re.compile(
    rf"^\s*,?\s*and\s+{COUNT}\s*\(\s*\d+(?:[.\u00b7]\d+)?\s*%\s*\)\s+of\s+(?:the\s+)?$", re.I
)


def _arm_denominators(text: str, first: SampleHit, between: str) -> bool:
    return bool(
        ARM_DENOMINATOR_JOIN.match(between)
        and ARM_DENOMINATOR_BEFORE.search(text, max(0, first.start - 30), first.start)
    )


def _sums_of_groups(text: str, groups: list[SampleHit]) -> list[SampleHit]:
    sums = []
    for first, second in pairwise(groups):
        between = text[first.end : second.start]
        if (
            GROUP_JOIN.match(between)
            or _arm_denominators(text, first, between)
            or (between.strip() == "," and _sexes_of(text, first, second))
            or PASSIVE_COMPARED_JOIN.match(between)
            or (
                COMPARED_JOIN.match(between)
                and COMPARED_BEFORE.search(text, max(0, first.start - 12), first.start)
            )
        ):
            sums.append(
                SampleHit(first.n + second.n, first.start, second.end, SampleKind.SUM_OF_GROUPS)
            )
    return sums


# Rule sample.planned_refused: the size a protocol plans or a power calculation asks for ("a
# planned sample of 40", "a confirmatory trial would need 40 patients") is not a number studied.
PLANNED_BEFORE = re.compile(
    r"(?:\b(?:planned|target(?:ed)?|intended|required|needed|anticipated|projected|estimated|"
    r"calculated|desired)(?:\s+(?:sample(?:\s+size)?|number|enrol?ment|recruitment|total))?"
    r"(?:\s+(?:of|was|is|=)|\s*[:=])?"
    r"|\b(?:plan(?:ned)?|aim(?:ed)?|intend(?:ed)?|sought|expected|hoped)\s+to\s+"
    r"(?:recruit|enrol|enroll|include|randomi[sz]e|study|treat)"
    r"|\b(?:would|will|shall|should|must|could|might)\s+(?:[a-z]+\s+)?(?:need|require|include|"
    r"enrol|enroll|recruit|randomi[sz]e|comprise|involve))"
    r"\s+(?:approximately\s+|about\s+|around\s+|at\s+least\s+|a\s+(?:total|minimum)\s+of\s+)?"
    r"\(?\Z",
    re.I,
)
PLANNED_AFTER = re.compile(
    r"(?:\s+[\w\u2010-]+){0,3}?\s*\)?\s*(?:(?:was|were|is|are)\s+(?:calculated|estimated|required|"
    r"needed|planned|targeted|necessary)\b|(?:would|will|shall)\s+(?:be\s+)?(?:needed|required|"
    r"necessary|need|require|recruited|enrolled|randomi[sz]ed|included)\b|"
    r"for\s+(?:an?\s+)?(?:\d+\s*%\s+)?(?:statistical\s+)?power\b)",
    re.I,
)


# Every planning cue above holds one of these: the regexes run only where one occurs nearby.
PLANNING_CUES = (
    "planned", "plan to", "target", "intend", "requir", "needed", "anticipat", "projected",
    "estimat", "calculat", "desired", "aim to", "aimed to", "sought", "expected", "hoped",
    "would", "will", "shall", "should", "must", "could", "might",
)  # fmt: skip


PLANNED_AFTER_CUES = (
    "calculat", "estimat", "requir", "needed", "planned", "target", "necessar", "would", "will",
    "shall", "power",
)  # fmt: skip


def _has_literal(lowered: str, literals: Sequence[str], start: int, end: int) -> bool:
    window = lowered[max(0, start) : end]
    found = False
    for cue in literals:  # a plain loop of ``in``: no method call, no generator
        if cue in window:
            found = True
            break
    return found


def _is_planned(text: str, lowered: str, m: re.Match[str]) -> bool:
    start = m.start("count")
    window_start = max(0, start - 45)
    if _has_literal(lowered, PLANNING_CUES, window_start, start) and PLANNED_BEFORE.search(
        text, window_start, start
    ):
        return True
    after = _noun_end(text, m.end())
    return _has_literal(lowered, PLANNED_AFTER_CUES, after, after + 50) and bool(
        PLANNED_AFTER.match(text, after)
    )


# Rule sample.pooled_studies: a review's pooled count of people written after its count of studies
# ("Eight studies, 143 patients in total", "nine studies with 118 patients", "Six trials (n =
# 212)"); the studies are not people. "143 patients in total" is a pooled count too.
STUDY_NOUN = (
    r"(?:studies|trials|articles|reports|papers|publications|series|RCTs|datasets|cohorts|"
    r"centres|centers)"
)
STUDIES_BEFORE = re.compile(
    rf"{NUM_LEFT}(?:{INT_COUNT}|{WORD_NUMBER})\s+(?:[\w\u2010-]+\s+){{0,3}}?{STUDY_NOUN}"
    # "Eight studies met the criteria (143 participants)", "the eight studies enrolled 143"
    r"(?:\s+(?:met|fulfilled)\s+(?:the\s+|all\s+)?(?:inclusion\s+|eligibility\s+|selection\s+)?"
    r"criteria|\s+were\s+(?:included|eligible|identified|pooled|analy[sz]ed|selected))?"
    # "Nine studies contributed 151 participants", "The 14 cohorts comprised 604 patients",
    # "eleven trials provided data on 312 adults".
    # "Five articles reporting on 16 patients", "37 single-arm studies evaluating 2,163 adults".
    r"(?:\s*,|\s*\(|\s+(?:with|including|involving|enrolling|enrolled|comprising|totall?ing|of|"
    r"reporting(?:\s+on)?|evaluating|describing|studying|analy[sz]ing|"
    r"(?:that|which)\s+(?:included|enrolled|involved)|(?:together\s+)?(?:contributed|comprised|"
    r"included|involved|provided|yielded|totall?ed|described|reported(?:\s+on)?)"
    r"(?:\s+(?:individual\s+)?(?:patient\s+)?data\s+(?:on|from|of|for))?))?"
    r"(?:\s+(?:a\s+total\s+of|in\s+total|overall|altogether)\s*,?)?\s*\(?\Z",
    re.I,
)
# "143 patients in eight studies", "143 participants from 8 trials": the studies after the count.
# "87 patients were pooled from eleven case series" too.
STUDIES_AFTER = re.compile(
    r"\s+(?:(?:were\s+)?(?:pooled|drawn|collected|gathered|obtained|extracted)\s+)?"
    rf"(?:in|from|across)\s+(?:the\s+|all\s+)?(?:(?:{INT_COUNT}|{WORD_NUMBER})\s+)?"
    rf"(?:included\s+|eligible\s+|pooled\s+)?(?:[\w\u2010-]+\s+)?{STUDY_NOUN}\b",
    re.I,
)
# "We pooled data on 143 patients": the pooling verb before the count.
# "Individual (patient) data of 87 patients were pooled": individual data are pooled data.
POOLED_DATA_BEFORE = re.compile(
    r"(?:\bpool(?:ed|ing)\s+(?:individual\s+)?(?:patient\s+)?|\bindividual\s+(?:patient\s+)?)"
    r"data\s+(?:on|from|of|for)\s+\Z",
    re.I,
)
_STUDY_LITERALS = (
    "studies", "trials", "articles", "reports", "papers", "publications", "series", "rcts",
    "datasets", "cohorts", "centres", "centers",
)  # fmt: skip
IN_TOTAL_AFTER = re.compile(
    r"\s+(?:in\s+total|in\s+all|overall|altogether)\b|\s*\(\s*total\s*\)", re.I
)
_POOLABLE = (SampleKind.COUNT_OF_PEOPLE, SampleKind.N_EQUALS, SampleKind.COUNT_ENROLLED)


def _pooled_over_studies(text: str, lowered: str, hits: list[SampleHit]) -> list[SampleHit]:
    studies = any(literal in lowered for literal in _STUDY_LITERALS)
    in_total = (
        "total" in lowered or "overall" in lowered or "altogether" in lowered or "in all" in lowered
    )
    pooled_data = "pool" in lowered or "individual" in lowered
    if not studies and not in_total and not pooled_data:
        return hits
    pooled = []
    for hit in hits:
        if hit.kind in _POOLABLE:
            window_start = max(0, hit.start - 70)
            if studies and (
                (
                    _has_literal(lowered, _STUDY_LITERALS, window_start, hit.start)
                    and STUDIES_BEFORE.search(text, window_start, hit.start)
                )
                or STUDIES_AFTER.match(text, hit.end)
            ):
                hit = SampleHit(hit.n, hit.start, hit.end, SampleKind.POOLED_STUDIES)
            elif (pooled_data and POOLED_DATA_BEFORE.search(text, window_start, hit.start)) or (
                in_total and IN_TOTAL_AFTER.match(text, hit.end)
            ):
                hit = SampleHit(hit.n, hit.start, hit.end, SampleKind.POOLED)
        pooled.append(hit)
    return pooled


# Rule sample.analysed_only: "only the 26 who completed the assessment were analysed", "the
# analysis was restricted to 26 completers": when only a subset was analysed, it is the sample
# (without such words, "24 were randomised ...; 20 completed" keeps the randomised total).
_SUBSET_COUNT = (
    rf"(?:the\s+|those\s+|data\s+(?:from|of|on)\s+(?:the\s+)?)?{COUNT}\b(?![\u2010-]|\s*%)"
)
ANALYSED_ONLY = re.compile(
    rf"only\s+{_SUBSET_COUNT}(?:(?!\ball\b)[^.;:(),]){{0,100}}?\b(?:(?:were|was)\s+(?:included\s+"
    r"in\s+(?:the\s+)?(?:final\s+|statistical\s+)?analys[ie]s|analy[sz]ed)|entered\s+(?:the\s+)?"
    r"analys[ie]s)\b",
    re.I,
)
ANALYSIS_LIMITED = re.compile(
    r"analys[ie]s\s+(?:(?:was|were)\s+)?(?:(?:restricted|limited|confined)\s+to|"
    rf"(?:included|comprised|involved)\s+only)\s+{_SUBSET_COUNT}",
    re.I,
)


def _analysed_only(text: str, lowered: str) -> list[SampleHit]:
    if "analy" not in lowered:  # both rules name the analysis
        return []
    found = _match_at(ANALYSED_ONLY, text, lowered, ("only ",))
    if "analys" in lowered:
        found += _match_at(ANALYSIS_LIMITED, text, lowered, ("analys",))
    hits = []
    for m in found:
        n = parse_count(m.group("count"))
        if n:
            hits.append(SampleHit(n, m.start(), m.end(), SampleKind.ANALYSED_ONLY))
    return hits


# Rule sample.sum_of_listed_subgroups: "Patients with HSP (SPG4 in six, SPG3A in two, SPG7 in
# three)", "Ambulant adults (9 with HSP and 11 with MS)", "patients with HSP: six with SPG4 and
# two with SPG3A": with no total written, the subgroups listed after a person noun add up to the
# sample. After a counted noun ("Thirty adults (hereditary in 12, acquired in 18)") the list only
# breaks the total down and is left alone.
# The list opens with a bracket, a colon or a spaced dash ("adults with spastic paraparesis —
# nine with HSP, seven with MS and four with SCI — were studied"); a dash list closes at the
# next dash.
LIST_OPEN = re.compile(
    r"[^.;:()\d]{0,80}?(?:(?P<paren>\()|:|(?P<dash>\s?\u2014\s?|\s\u2013\s|\s--?\s))\s*"
)
LIST_END = re.compile(r"[.;(](?!\d)")
_LIST_OPENERS = ("(", ":", "\u2014", " \u2013 ", " - ", " -- ")
LIST_SEPARATOR = re.compile(r"\s*[,;]\s*(?:and\s+)?|\s+and\s+", re.I)
_LABEL = r"[\w\u2010-]+(?:\s+[\w\u2010-]+){0,4}"
# "9 with HSP", "SPG4 in six", "19 who could still walk at implantation".
LIST_ITEM = re.compile(
    rf"(?P<count_a>{INT_COUNT}|{WORD_NUMBER})\s+(?:with\s+{_LABEL}|who\s+[^,;()]{{1,80}})"
    rf"|{_LABEL}\s+in\s+(?P<count_b>{INT_COUNT}|{WORD_NUMBER})",
    re.I,
)


def _sums_of_listed_subgroups(
    text: str, nouns: Sequence[tuple[int, int]], counted_ends: set[int]
) -> list[SampleHit]:
    sums = []
    for noun_start, noun_end in nouns:
        if noun_end in counted_ends:
            continue
        if not any(text.find(o, noun_end, noun_end + 84) >= 0 for o in _LIST_OPENERS):
            continue
        opener = LIST_OPEN.match(text, noun_end)
        if opener is None:
            continue
        if opener.group("paren"):
            close = text.find(")", opener.end(), opener.end() + 200)
            if close < 0 or "(" in text[opener.end() : close]:
                continue
        else:
            end = LIST_END.search(text, opener.end())
            close = end.start() if end else len(text)
            dash = opener.group("dash")
            if dash:
                closing = text.find(dash.strip(), opener.end(), close)
                close = closing if closing >= 0 else close
        close = opener.end() + len(text[opener.end() : close].rstrip())
        total = _sum_of_items(text[opener.end() : close])
        if total:
            sums.append(SampleHit(total, noun_start, close, SampleKind.SUM_OF_LISTED_SUBGROUPS))
    return sums


def _sum_of_items(content: str) -> int | None:
    """The sum of two or more "N with X" / "X in N" / "N who ..." items; None unless every item
    is one."""
    items = LIST_SEPARATOR.split(content.strip())
    if len(items) < 2:
        return None
    total = 0
    for item in items:
        m = LIST_ITEM.fullmatch(item)
        n = parse_count(m.group("count_a") or m.group("count_b")) if m else None
        if not n or n > 1000:  # "onset in 2005" is a year
            return None
        total += n
    return total


# Rule sample.sum_of_shared_noun_groups: "14 ambulatory and 19 non-ambulatory people" -> 33: the
# groups share one noun, written after the last. Stages ("45 screened and 38 eligible patients")
# are not groups.
_STAGE = (
    r"(?:screened|assessed|eligible|referred|enrolled|included|excluded|randomi[sz]ed|"
    r"analy[sz]ed|recruited|evaluated|identified|approached|invited|consecutive|remaining|other)\b"
)
SHARED_NOUN_GROUP_BEFORE = re.compile(
    rf"{NUM_LEFT}(?P<count>{INT_COUNT}|{WORD_NUMBER})\s+(?P<mods>(?!{_STAGE}){_MODIFIER}"
    rf"(?:\s+(?!{_STAGE}){_MODIFIER}){{0,2}})(?:\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)\Z",
    re.I,
)


def _is_plural_noun(word: str) -> bool:
    """ "3 points and 12 patients improved": a plural noun after a count is a thing counted, never
    an adjective naming a group ("ambulatory", "MS")."""
    return word.endswith("s") and not word.endswith(_NOT_PLURAL_NOUN)


def _sums_of_shared_noun_groups(text: str, groups: list[SampleHit]) -> list[SampleHit]:
    sums = []
    for group in groups:
        total, position = group.n, group.start
        while text[max(0, position - 5) : position].rstrip().endswith((",", " and", " or")):
            m = SHARED_NOUN_GROUP_BEFORE.search(text, max(0, position - 70), position)
            n = parse_count(m.group("count")) if m else None
            if (
                m is None
                or n is None
                or 1900 <= n <= 2100  # "from 2005 onwards and 12 patients": a year
                or any(map(_is_plural_noun, m.group("mods").split()))
            ):
                break
            total, position = total + n, m.start()
        if position != group.start:
            sums.append(SampleHit(total, position, group.end, SampleKind.SUM_OF_SHARED_NOUN_GROUPS))
    return sums


# Rule sample.sum_of_verb_groups: "Twelve patients received ITB and 12 received oral baclofen",
# "20 children were randomised to ITB and 18 to physiotherapy": the second group repeats the verb
# (or the allocation's "to") and drops the noun. A sequence ("received a test dose and 15 then
# received a pump") is a subset, not a second group.
VERB_GROUP = re.compile(
    r"\s+(?:were\s+|was\s+)?(?P<verb>received|underwent|randomi[sz]ed|allocated|assigned|treated|"
    r"given)\b(?P<object>[^.;:()]{1,120}?)(?:,\s*(?:and\s+|while\s+|whereas\s+)?|"
    rf"\s+(?:and|while|whereas)\s+)(?P<count>{INT_COUNT}|{WORD_NUMBER})\s+(?:were\s+|was\s+)?"
    r"(?P<verb2>[a-z]+)\b",
    re.I,
)
SEQUENCE_WORDS = re.compile(
    r"\b(?:then|subsequently|later|eventually|also|additional|further|again|thereafter|"
    r"afterwards|finally|test|trial|screening|revisions?|removal|explant\w*|reoperations?|"
    r"complications?|infections?)\b",
    re.I,
)
_ALLOCATION = ("randomised", "randomized", "allocated", "assigned")
_ARM_VERBS = ("received", "treated", "given", "with")
CONTROL_ARM = re.compile(
    r"[^.;:()]{0,30}?\b(?:placebo|sham|controls?|usual\s+care|standard\s+care|no\s+treatment)\b",
    re.I,
)
COMPARISON_CUES = ("group", " arm", "compar", "versus", " vs", "control")


def _sums_of_verb_groups(text: str, lowered: str, groups: list[SampleHit]) -> list[SampleHit]:
    if not any(
        verb in lowered
        for verb in ("receiv", "underw", "random", "alloca", "assign", "treat", "given")
    ):
        return []
    compared = any(cue in lowered for cue in COMPARISON_CUES)
    sums = []
    for group in groups:
        m = VERB_GROUP.match(text, group.end)
        if m is None or SEQUENCE_WORDS.search(m.group("object")):
            continue
        verb, verb2 = m.group("verb").lower(), m.group("verb2").lower()
        if verb == "underwent" and not compared:
            continue  # "20 underwent implantation and 3 underwent revision": no groups compared
        if SEQUENCE_WORDS.search(text, m.end(), min(len(text), m.end() + 40)):
            continue  # "... and 5 received additional botulinum toxin"
        # The second group is the comparison arm: "55 were treated with BoNT-A, and 51 received
        # the placebo"; "14 were treated with [a long description], and 15 with a placebo".
        control_arm = bool(CONTROL_ARM.match(text, m.end()))
        if len(m.group("object")) > 60 and not control_arm:
            continue
        parallel = (
            verb2 == verb
            or (verb2 == "to" and verb in _ALLOCATION)
            or (verb2 == "with" and verb == "treated")
            or (control_arm and verb2 in _ARM_VERBS and verb in _ARM_VERBS)
        )
        n = parse_count(m.group("count"))
        if parallel and n:
            sums.append(
                SampleHit(group.n + n, group.start, m.end("count"), SampleKind.SUM_OF_VERB_GROUPS)
            )
    return sums


# Rule sample.count_of_relatives: "We describe three siblings with SPG7": relatives are the people
# studied only when no patient is counted (elsewhere they are often a comparison group).
RELATIVE_NOUN = re.compile(r"\b(?:siblings|brothers|sisters|twins|relatives|family\s+members)\b")
COUNT_BEFORE_RELATIVE = re.compile(
    rf"{NUM_LEFT}{COUNT}\s+(?:(?:affected|related|adult|young)\s+)?\Z", re.I
)
_RELATIVE_LITERALS = ("sibling", "brother", "sister", "twin", "relatives", "family member")


def _counts_of_relatives(text: str, lowered: str) -> list[SampleHit]:
    """Noun first (a literal search), then the count just before it."""
    if not any(literal in lowered for literal in _RELATIVE_LITERALS):
        return []
    hits = []
    for noun in RELATIVE_NOUN.finditer(lowered):
        m = COUNT_BEFORE_RELATIVE.search(text, max(0, noun.start() - 40), noun.start())
        n = parse_count(m.group("count")) if m else None
        if m and n and not EXCLUDED_BEFORE.search(text[max(0, m.start() - 14) : m.start()]):
            hits.append(SampleHit(n, m.start(), noun.end(), SampleKind.COUNT_OF_RELATIVES))
    return hits


# Rule sample.tested_denominator: "Of the 23 patients tested, 17 responded": when the part is an
# outcome (responded, improved), the people tested or treated are the sample. A part named by
# enrolment ("Of the 140 assessed, 7 met the criteria") is found by the rules above instead.
TESTED_DENOMINATOR = re.compile(
    rf"of\s+(?:the\s+|all\s+|these\s+)?{COUNT}\s+{PERSON_NOUN}\s+(?:[\w\u2010-]+\s+){{0,4}}?"
    r"(?:tested|treated|evaluated|examined|implanted|studied|followed(?:\s+up)?)\s*,\s*"
    rf"(?:only\s+)?(?:{INT_COUNT}|{WORD_NUMBER})\s+(?:{PERSON_NOUN}\s+)?"
    r"(?:\(\s*\d+(?:[.\u00b7]\d+)?\s*%\s*\)\s+)?(?:had\s+(?:an?\s+)?|showed\s+(?:an?\s+)?)?"
    r"(?:responded|improved|benefit|proceeded|reported|developed|experienced|"
    r"(?:positive|good|favou?rable|clinical)\s+response)",
    re.I,
)


def _tested_denominators(text: str, ofs: list[int]) -> list[SampleHit]:
    """At the clause-initial "of"s only (the denominator opens its clause)."""
    hits = []
    for index in ofs:
        m = TESTED_DENOMINATOR.match(text, index)
        n = parse_count(m.group("count")) if m else None
        if m and n:
            hits.append(SampleHit(n, m.start("count"), m.end(), SampleKind.TESTED_DENOMINATOR))
    return hits


# SINGLE_CASE ends in one of its nouns: none in the text, no scan ("woman"/"female" hold these).
SINGLE_CASE_GATED = GatedPattern(SINGLE_CASE, ("patient", "case", "man", "boy", "girl", "male"))


def find_single_case(text: str, lowered: str | None = None) -> SampleHit | None:
    m = SINGLE_CASE_GATED.search(text, lowered if lowered is not None else lower_same_length(text))
    return SampleHit(1, m.start(), m.end(), SampleKind.SINGLE_CASE) if m else None


class SectionScope(Protocol):
    """What choosing the sample asks of the field's scope (``extractors.scope.Scope``)."""

    def in_background(self, offset: int) -> bool: ...


# A review's own sample is a pooled count ("a total of 143", "eight studies with 143 patients").
POOLED_SAMPLE_KINDS = frozenset({SampleKind.POOLED, SampleKind.POOLED_STUDIES})


def choose_sample(
    hits: list[SampleHit],
    single: SampleHit | None,
    design: str,
    scope: SectionScope,
) -> SampleHit | None:
    """The study's sample among the candidate counts: none for a narrative review, the pooled
    count for a systematic review, counts outside the background first, an analysed subset over
    the larger total, then the largest (earliest on ties); a single case when nothing is counted."""
    if design == "review":
        return None
    if design == "systematic review/meta-analysis":
        hits = [h for h in hits if h.kind in POOLED_SAMPLE_KINDS]
    # Counts in the background ("About 130,000 people live with MS") describe the disease, not the
    # study, whenever the rest of the abstract gives one.
    studied = [h for h in hits if not scope.in_background(h.start)]
    hits = studied or hits
    # "only the 26 who completed ... were analysed": the analysed subset, not the larger total.
    hits = [h for h in hits if h.kind is SampleKind.ANALYSED_ONLY] or hits
    if hits:
        return max(hits, key=lambda h: (h.n, -h.start))
    if single is not None:
        return single
    return None
