"""Sample size: the number of patients studied, not those screened and not a subgroup.

Candidates are counts of people ("seven patients", "40 seriously handicapped patients",
"n = 26", "42 were randomized", "7 met the inclusion criteria"). Counts of people screened,
assessed for eligibility or excluded, and open-ended counts ("more than three subjects") are
refused. Subgroups are smaller than the total they come from, so the largest remaining
candidate wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from extractors.numbers import INT_COUNT, NUM_LEFT, WORD_NUMBER, parse_count
from extractors.scan import GatedPattern, lower_same_length

PERSON_NOUN = (
    r"(?:patients?|subjects?|individuals?|participants?|children|adults?|adolescents?|cases?|"
    r"males?|females?|men|women|persons?|people|volunteers?|infants?|boys|girls|"
    r"outpatients?|inpatients?|users|survivors|recipients|respondents|veterans|athletes)"
)
COUNT = rf"(?P<count>{INT_COUNT}|{WORD_NUMBER})"
# Up to four modifiers between the count and the noun ("40 seriously handicapped patients"), but
# never a function word, number or time unit ("three of the four", "6 months post-SCI").
_MODIFIER = (
    r"(?!(?:of|the|and|or|with|in|were|was|had|have|from|to|for|at|by|on|per|than|these|"
    r"those|years?|months?|weeks?|days?|hours?|times|mg|ug|doses?)\b)[A-Za-z][\w'\u2010-]*"
)
# Found noun-first: a person noun is a cheap literal search, then the count is looked for in a
# short window before it (scanning every position for a count is far slower).
# "person-years", "patient-months" are exposure time, not people.
PERSON = re.compile(
    rf"\b{PERSON_NOUN}\b(?![-\u2010](?:years?|months?|days?|weeks?)\b)"
)  # run on the lower-cased text (faster than re.I)
COUNT_BEFORE_PERSON = re.compile(
    rf"\(?{NUM_LEFT}(?<![\u2010-]){COUNT}(?![\w\u2010-])\s+(?:{_MODIFIER}\s+){{0,4}}\Z", re.I
)
N_EQUALS = re.compile(rf"[nN]\s*=\s*(?P<count>{INT_COUNT})(?!\s*[.\u00b7]\d)")
# "42 were randomized", "12 underwent implantation and were included", "7 met the criteria":
# found verb-first, then the count is looked for just before the verb phrase.
ENROLMENT_VERB = re.compile(
    r"(?:were|was)\s+(?:included|enrolled|randomi[sz]ed|recruited|studied|analy[sz]ed|evaluated|"
    r"treated|implanted)\b|(?:met|fulfilled|satisfied)\s+(?:the\s+|all\s+)?"
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
    # Not an amount: "a total of 40 µl of medium", "a total of 12 mg".
    r"(?![\d.,]|\s*(?:[\u03bc\u00b5u]?[lg]|m[lg]|mcg)(?![A-Za-z]))"
    rf"(?:\s+{PERSON_NOUN})?",
    re.I,
)
SINGLE_CASE = re.compile(
    r"\b(?:a|one)\s+(?:single\s+)?(?:\d+[-\u2010]year[-\u2010]old\s+)?(?:[a-z]+\s+){0,2}?"
    r"(?:patient|case|man|woman|boy|girl|male|female)\b",
    re.I,
)
# Counts that are not the studied sample.
EXCLUDED_AFTER = re.compile(
    r"\s*(?:[\w\u2010-]+\s+){0,8}?(?:were\s+|was\s+)?(?:consecutively\s+)?(?:screened|assessed\s+for\s+eligibility|"
    r"evaluated\s+for\s+eligibility|approached|contacted|invited|excluded|declined|refused|"
    r"identified|dropped\s+out|withdrew|lost\s+to\s+follow)",
    re.I,
)
EXCLUDED_BEFORE = re.compile(
    r"(?:more\s+than|over|at\s+least|fewer\s+than|less\s+than|up\s+to|under|>|\u2265|<|\u2264)\s*$",
    re.I,
)
PERCENT_OR_AGE = re.compile(r"\s*(?:%|percent\b|[-\u2010]year)", re.I)
OF_THE_ASSESSED = re.compile(
    rf"of\s+(?P<det>the\s+|all\s+)?{COUNT}\s+(?:{PERSON_NOUN}\s+)?(?:[\w\u2010-]+\s+){{0,5}}?"
    r"(?:assessed|screened|evaluated|identified|reviewed|approached|eligible|considered|referred|tested)\b",
    re.I,
)


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
        if _is_count_word(word.strip("(")):
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
    rule_id: str


def find_sample_candidates(
    text: str,
    person_nouns: Sequence[tuple[int, int]] | None = None,
    lowered: str | None = None,
) -> list[SampleHit]:
    """Every count of studied people in ``text`` (screened/open-ended counts already dropped).

    ``person_nouns`` are (start, end) offsets of person nouns when the caller already has them
    (the phrase matcher finds them for free); otherwise they are searched here. ``lowered`` is
    ``lower_same_length(text)`` when the caller already has it."""
    if lowered is None:
        lowered = lower_same_length(text)
    # "Of the 140 patients assessed, 7 ...", "Out of 94 screened": a denominator of people
    # assessed, but not "a cohort of 29 children ... assessed" (no determiner, not clause-initial).
    refused = {
        m.start("count")
        for m in _match_at(OF_THE_ASSESSED, text, lowered, ("of ",))
        if m.group("det") or CLAUSE_START_BEFORE.search(text, max(0, m.start() - 6), m.start())
    }
    # "Of 236 patients who had a pump in the registry, 41 ... were analysed": the clause-initial
    # "Of N ..., M" names a denominator; M is the studied subset (rule sample.of_n_denominator).
    refused |= _clause_initial_denominators(text, lowered)
    hits: list[SampleHit] = []
    controls: list[SampleHit] = []
    matches: list[tuple[re.Match[str], str]] = []
    nouns = (
        person_nouns
        if person_nouns is not None
        else [(m.start(), m.end()) for m in PERSON.finditer(lowered)]
    )
    for noun_start, _ in nouns:
        for window_start in _count_word_starts(text, noun_start):
            m = COUNT_BEFORE_PERSON.match(text, window_start, noun_start)
            if m:
                matches.append((m, "sample.count_of_people"))
                break
    if any(cue in lowered for cue in ENROLLED_TRIGGERS):
        for verb in _match_at(ENROLMENT_VERB, text, lowered, ENROLMENT_LITERALS):
            m = COUNT_BEFORE_VERB.search(text, max(0, verb.start() - 60), verb.start())
            if m:
                matches.append((m, "sample.count_enrolled"))
    matches += [(m, "sample.n_equals") for m in _match_at(N_EQUALS, text, lowered, ("n=", "n ="))]
    pooled = ("pooled", "total", "overall", "combined")
    matches += [(m, "sample.pooled") for m in _match_at(POOLED, text, lowered, pooled)]
    for m, rule_id in matches:
        count_start = m.start("count")
        if count_start in refused or EXCLUDED_BEFORE.search(
            text[max(0, count_start - 14) : count_start]
        ):
            continue
        after = _noun_end(text, m.end()) if rule_id == "sample.count_of_people" else m.end()
        if rule_id != "sample.n_equals" and EXCLUDED_AFTER.match(text, after):
            continue
        if PERCENT_OR_AGE.match(text, m.end("count")):
            continue
        if rule_id != "sample.pooled" and _is_control_group(text, m, rule_id):
            n = parse_count(m.group("count"))
            if n:
                controls.append(SampleHit(n, m.start(), m.end(), "sample.control_group"))
            continue  # healthy volunteers and controls are comparators, not the patients studied
        if rule_id in ("sample.count_enrolled", "sample.pooled") and _counts_things(
            text, lowered, m
        ):
            continue
        n = parse_count(m.group("count"))
        if n is None or n == 0 or n > 1_000_000:
            continue
        end = m.end() if rule_id != "sample.count_of_people" else _noun_end(text, m.end())
        hits.append(SampleHit(n, m.start(), end, rule_id))
    if not hits:
        return controls  # a study of healthy volunteers only: they are the sample
    people = [h for h in hits if h.rule_id == "sample.count_of_people"]
    return (
        hits
        + _sums_of_groups(text, people)
        + _sums_of_elliptical_groups(text, people)
        + _sums_of_arms(text, [h for h in hits if h.rule_id == "sample.n_equals"])
    )


def _clause_initial_denominators(text: str, lowered: str) -> set[int]:
    """Count offsets of clause-initial "Of N people ..., M" (the clause test first: it is cheap
    and "of " is everywhere)."""
    found = set()
    index = lowered.find("of ")
    while index >= 0:
        if (index == 0 or not lowered[index - 1].isalnum()) and CLAUSE_START_BEFORE.search(
            text, max(0, index - 6), index
        ):
            m = OF_DENOMINATOR.match(text, index)
            if m:
                found.add(m.start("count"))
        index = lowered.find("of ", index + 1)
    return found


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


def _is_control_group(text: str, m: re.Match[str], rule_id: str) -> bool:
    if rule_id == "sample.n_equals":
        return bool(CONTROL_WORDS.search(text, max(0, m.start() - 30), m.start()))
    if rule_id == "sample.count_enrolled":
        return bool(CONTROL_WORDS.search(text, m.end("count"), m.end()))
    return bool(CONTROL_WORDS.search(text, m.end("count"), _noun_end(text, m.end())))


def _sentence_span(text: str, position: int) -> tuple[int, int]:
    start = max(text.rfind(". ", 0, position), text.rfind("; ", 0, position))
    end = text.find(". ", position)
    return start + 1, end if end >= 0 else len(text)


def without_parts(text: str, hits: list[SampleHit]) -> list[SampleHit]:
    """Candidates less the parts of an unstated whole (rule sample.part_refused)."""
    parts = [h for h in hits if PART_PERCENT_AFTER.match(text, h.end)]
    if not parts:
        return hits
    kept = []
    for hit in hits:
        if hit in parts:
            continue
        if any(
            _sentence_span(text, part.start) == _sentence_span(text, hit.start) and hit.n <= part.n
            for part in parts
        ):
            continue
        kept.append(hit)
    return kept


# Rule sample.sum_of_elliptical_groups: "Fourteen patients with pure HSP, nine with complicated
# forms" -> 23: later groups drop the noun and keep "with".
ELLIPTICAL_GROUP = re.compile(
    rf"\s+with\b[^.;:,()]{{1,80}}?(?:,\s*(?:and\s+)?|\s+and\s+)(?P<count>{INT_COUNT}|{WORD_NUMBER})"
    r"\s+with\b",
    re.I,
)


OF_BEFORE = re.compile(r"\bof\s+(?:the\s+|all\s+)?\Z", re.I)


def _sums_of_elliptical_groups(text: str, groups: list[SampleHit]) -> list[SampleHit]:
    sums = []
    for group in groups:
        if OF_BEFORE.search(text, max(0, group.start - 8), group.start):
            continue  # "Of 30 patients with HSP, 12 with pure forms": a denominator, not a group
        total, end, position = group.n, group.end, group.end
        while m := ELLIPTICAL_GROUP.match(text, position):
            n = parse_count(m.group("count"))
            if n is None:
                break
            total, end, position = total + n, m.end("count"), m.end("count")
        if end != group.end:
            sums.append(SampleHit(total, group.start, end, "sample.sum_of_elliptical_groups"))
    return sums


# Rule sample.sum_of_arms: "allocated to 2 groups: A (n = 11) or B (n = 12)" -> 23; when one of
# the counts is already the sum of the others, it is the total and nothing is added.
# The sentence must speak of groups, and no other number may sit between two arms ("(n = 31),
# a 97% success rate ... (n = 25)" are one sample measured twice).
ARM_CONTEXT = re.compile(
    r"\b(?:groups?|arms?|cohorts|randomi[sz]ed|randomly|allocated|assigned|divided|split)\b", re.I
)
_DIGIT = re.compile(r"\d")


def _sums_of_arms(text: str, arms: list[SampleHit]) -> list[SampleHit]:
    by_sentence: dict[tuple[int, int], list[SampleHit]] = {}
    for arm in arms:
        by_sentence.setdefault(_sentence_span(text, arm.start), []).append(arm)
    sums = []
    for (s_start, s_end), group in by_sentence.items():
        if len(group) < 2 or not ARM_CONTEXT.search(text, s_start, s_end):
            continue
        if any(_DIGIT.search(text, a.end, b.start) for a, b in pairwise(group)):
            continue
        total = sum(h.n for h in group)
        if any(2 * h.n == total for h in group):
            continue
        sums.append(SampleHit(total, group[0].start, group[-1].end, "sample.sum_of_arms"))
    return sums


# The word right after a count, when it is a plural noun: "214 refills", "14 studies", "51 pumps".
_PLURAL_AFTER_COUNT = re.compile(
    r"(?:\s+[a-z][a-z\u2010-]*(?<!s)){0,2}?\s+(?P<word>[a-z][a-z\u2010-]*[a-z]s)\b"
)
# People a study may count that the person-noun lexicon does not list (never "things").
OTHER_PEOPLE = frozenset(
    {"youths", "students", "residents", "workers", "nurses", "physicians", "surgeons",
     "clinicians", "therapists", "parents", "caregivers", "carers", "mothers", "fathers",
     "families", "teenagers", "pupils", "employees", "soldiers", "members", "controls", "twins",
     "siblings", "carriers", "probands", "relatives", "neonates", "newborns", "elderly"}
)  # fmt: skip
_NOT_PLURAL_NOUN = ("ous", "ss", "is", "us")  # "previous", "various", "less", "this", "thus"


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
GROUP_JOIN = re.compile(r"^[^.;:]{0,70}?\band\s+(?:the\s+)?$")


def _sums_of_groups(text: str, groups: list[SampleHit]) -> list[SampleHit]:
    sums = []
    for first, second in pairwise(groups):
        if GROUP_JOIN.match(text[first.end : second.start]):
            sums.append(
                SampleHit(first.n + second.n, first.start, second.end, "sample.sum_of_groups")
            )
    return sums


# SINGLE_CASE ends in one of its nouns: none in the text, no scan ("woman"/"female" hold these).
SINGLE_CASE_GATED = GatedPattern(SINGLE_CASE, ("patient", "case", "man", "boy", "girl", "male"))


def find_single_case(text: str, lowered: str | None = None) -> SampleHit | None:
    m = SINGLE_CASE_GATED.search(text, lowered if lowered is not None else lower_same_length(text))
    return SampleHit(1, m.start(), m.end(), "sample.single_case") if m else None
