"""Linking: which outcome a p-value or a pre -> post pair reports on, which p-value belongs to a
pair, and which drug (and route) a dose is of. Every link carries a ``LinkReason``.

Why its own module: linking decides what a reviewer reads a number as, and a wrong link is worse
than none. Kept apart from the engine (which only orchestrates) and asked of one scope model
(``extractors.scope``), the rules can be read, tested and given a reason each; a value whose
scope holds competing candidates that nothing decides between is left unlinked (AMBIGUOUS).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.doses import DoseHit
from extractors.finding_subjects import (
    LEADING_ARTICLE,
    PART_WORDS,
    instrument_part_matches,
    load_rules,
)
from extractors.nlp import Pipeline
from extractors.outcomes import Match, OutcomeHit
from extractors.pvalues import PValueHit, PValueKind
from extractors.results import CHANGE_WORD, PairHit
from extractors.scan import lower_same_length
from extractors.scope import CLAUSE, CLAUSE_AHEAD, Scope, bracket_end
from extractors.types import LinkReason, PValue, TestStatistic

Link = tuple[str | None, LinkReason | None]
NO_LINK: Link = (None, None)

# A slash joins two measures reported together ("reduced MAS/increased MMT"): one finding.
SLASH_JOIN = re.compile(r"^\s*/\s*(?:[a-z]+\s+)?$")


# p-value -> outcome ---------------------------------------------------------------------------
Span = tuple[int, int]


def p_value_outcome(
    position: int, outcomes: Sequence[OutcomeHit], scope: Scope, p_spans: Sequence[Span] = ()
) -> Link:
    """Nearest preceding outcome in the sentence, else the first following in its clause, else
    the last one before the sentence. ``p_spans`` are the abstract's p-values (this one among
    them): a measure reported with its own p-value before this one is not this one's when the
    words since name another (UNKNOWN_MEASURE)."""
    s_start, s_end = scope.sentence_bounds(position)
    before = [o for o in outcomes if s_start <= o.start and o.end <= position]
    reliability = _reliability_instrument(scope.text, s_start, s_end, outcomes)
    if reliability is not None:
        return reliability, LinkReason.RELIABILITY_INSTRUMENT
    if _correlation_of_measures(scope.text, s_start, s_end, outcomes):
        return None, LinkReason.CORRELATION
    grouped = _grouping_factor(scope.text, s_start, position, before)
    if grouped is not None:
        return grouped
    if before:
        chosen = before[-1]
        reason = LinkReason.NEAREST_BEFORE
        for earlier in reversed(before[:-1]):
            if SLASH_JOIN.match(scope.text[earlier.end : chosen.start]):
                chosen = earlier
                reason = LinkReason.SLASH_JOINED
            else:
                break
        if _names_unknown_measure(scope.text, chosen.end, position, p_spans):
            return None, LinkReason.UNKNOWN_MEASURE
        if reason is LinkReason.NEAREST_BEFORE and _coordinated_with(
            scope.text, chosen, before, p_spans
        ):
            return None, LinkReason.SHARED_BY_MEASURES
        return chosen.name, reason
    clause_end = scope.clause_end(position, s_end, CLAUSE_AHEAD)
    after = [o for o in outcomes if position <= o.start < clause_end]
    if after:
        return after[0].name, LinkReason.FOLLOWING_IN_CLAUSE
    return _back_reference(position, outcomes, scope)


# A reference by head noun: "A vibratory inhibition index (VII) was derived ... Clonidine reduced
# the mean index to 59% (p < 0.001)": a definite noun phrase whose head is the last word of one
# measure named earlier refers back to it. Only heads that name an instrument or a derived
# measure (never "effect" or "difference", which refer to a finding, not a measure).
HEAD_NOUNS = frozenset(
    ["index", "scale", "score", "test", "questionnaire", "inventory", "ratio", "measure"]
)
DEFINITE_HEAD = re.compile(
    r"\b(?:the|this|that|these)\s+(?:(?:mean|median|total|average|overall|same)\s+)?"
    r"(?P<head>ind(?:ex|ices)|scales?|scores?|tests?|questionnaires?|inventor(?:y|ies)|ratios?"
    r"|measures?)\b",
    re.I,
)
BARE_DEFINITE_HEAD = re.compile(rf"(?:{DEFINITE_HEAD.pattern})\Z", re.I)


def _singular(word: str) -> str:
    word = word.lower()
    if word == "indices":
        return "index"
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word.removesuffix("s")


def head_noun_referent(
    head: str, before: int, text: str, outcomes: Sequence[OutcomeHit]
) -> str | None:
    """The one measure named before ``before`` whose name ends in ``head`` ("index" -> "Vibratory
    inhibition index"); None when none or two or more do. Mentions that are themselves only a
    definite head ("the scale") are references, not names, and are skipped."""
    head = _singular(head)
    if head not in HEAD_NOUNS:
        return None
    names = {
        o.name
        for o in outcomes
        if o.end <= before
        and _singular(o.name.split()[-1]) == head
        and not BARE_DEFINITE_HEAD.match(text[o.start : o.end])
    }
    return names.pop() if len(names) == 1 else None


# The p-value of a reliability statistic ("The weighted Kappa value was 0.81 (p = 0.0002)",
# "the Kendall tau-b correlation was .567 (P<.001)") reports on the instrument under study (X-P4),
# the one the abstract names as the object of "reliability of": "to investigate the inter-rater
# reliability of the MMAS", "the reliability of measurements obtained with the scale".
RELIABILITY_STATISTIC = re.compile(r"\b(?:kappa|intra[-\u2010]?class|ICC|kendall)|\u03ba", re.I)
RELIABILITY_OF = re.compile(
    r"\b(?:reliability|reproducibility|validity|agreement)\s+of\s+"
    r"(?:(?:the\s+)?(?:measurements?|scores?|ratings?)\s+(?:obtained\s+)?(?:with|using|by|on|of)\s+)?"
    r"(?P<article>the\s+)?(?=\S)",
    re.I,
)


def _reliability_instrument(
    text: str, s_start: int, s_end: int, outcomes: Sequence[OutcomeHit]
) -> str | None:
    """The instrument under study, for a p-value in a sentence reporting a reliability statistic:
    only when every "reliability of ..." of the abstract names the same one instrument (a pair
    coordinated there, "of the Ashworth Scale and the DAS", is two) and the sentence names no
    other measure (the statistic's own name, "weighted Kappa value", aside)."""
    statistic = RELIABILITY_STATISTIC.search(text, s_start, s_end)
    if statistic is None:
        return None
    instruments: set[str] = set()
    for m in RELIABILITY_OF.finditer(text):
        # The mention starts after "the " ("the MMAS") or at it ("the scale", a reference).
        run = [o for o in outcomes if o.start in (m.end(), m.start("article"))]
        if not run:
            continue
        first = run[0]
        bare = BARE_DEFINITE_HEAD.match(text[first.start : first.end])
        name = (
            head_noun_referent(bare.group("head"), first.start, text, outcomes)
            if bare
            else first.name
        )
        if name is None:
            return None
        instruments.add(name)
        for o in outcomes:
            if o.start > first.end and COORDINATED.match(text, first.end, o.start):
                instruments.add(o.name)
                break
    if len(instruments) != 1:
        return None
    instrument = instruments.pop()
    named = {
        o.name
        for o in outcomes
        if s_start <= o.start
        and o.end <= s_end
        and not RELIABILITY_STATISTIC.search(text, o.start, o.end)
        and not BARE_DEFINITE_HEAD.match(text[o.start : o.end])
    }
    return instrument if named <= {instrument} else None


# "Explantation was required in 59% of patients with an infection and differed by infection type
# (P = 0.004)": the measure named after "differed by" is the grouping factor, not what the p-value
# tests; the subject that differed is, when the clause names one other measure only.
GROUPED_BY = re.compile(
    r"\b(?:differ(?:ed|s)?|var(?:ied|y|ies))\s+(?:significantly\s+)?(?:by|according\s+to|across|with)\s+",
    re.I,
)


def _start(m: re.Match[str]) -> int:
    return m.start()


def _grouping_factor(
    text: str, s_start: int, position: int, before: Sequence[OutcomeHit]
) -> Link | None:
    """The link of a p-value whose nearest measure is the factor something differed by: the
    other measure named before the verb (GROUPED_SUBJECT), else none (GROUPING_FACTOR); None
    when the nearest measure is no grouping factor."""
    if not before:
        return None
    grouping = max(GROUPED_BY.finditer(text, s_start, position), key=_start, default=None)
    if grouping is None or before[-1].start < grouping.end():
        return None
    factor = {o.name for o in before if o.start >= grouping.end()}
    subjects = {o.name for o in before if o.end <= grouping.start()} - factor
    if len(subjects) == 1:
        return subjects.pop(), LinkReason.GROUPED_SUBJECT
    return None, LinkReason.GROUPING_FACTOR


# "Pain was correlated with shoulder abduction (r = -1.0, p < 0.001)": a correlation between two
# measures names neither as dependent, and the guide links its p-value to none (X-P4, P5).
CORRELATION_WORD = re.compile(r"\bcorrelat", re.I)


def _correlation_of_measures(
    text: str, s_start: int, s_end: int, outcomes: Sequence[OutcomeHit]
) -> bool:
    """Whether the sentence reports a correlation and names two or more distinct measures."""
    if not CORRELATION_WORD.search(text, s_start, s_end):
        return False
    return len({o.name for o in outcomes if s_start <= o.start and o.end <= s_end}) > 1


# Words between a measure's p-value and the next p-value that name no other measure: besides
# PAIR_GLUE_WORDS, SITE_WORDS, COMPARISON_WORDS and the refused words of finding_subjects.yaml,
# what compares times or arms ("compared with baseline", "versus placebo") and the joints a
# measure is taken at ("MAS at the elbow (p = 0.01) and wrist (p = 0.03)", P3 of the guide).
NO_MEASURE_WORDS = frozenset(
    [
        "baseline", "compared", "versus", "vs", "pre", "post", "especially", "particularly",
        "not", "no", "for", "between", "among", "them", "than", "neither", "nor",
        "elbow", "elbows", "wrist", "wrists", "knee", "knees", "ankle", "ankles", "hip", "hips",
        "shoulder", "shoulders", "finger", "fingers", "toe", "toes", "trunk", "neck",
        "flexors", "extensors", "muscles", "muscle", "joint", "joints",
    ]
)  # fmt: skip
# The rest of the bracket that closes the earlier p-value ("... = 0.02, Wilcoxon) and ...").
CLOSING_BRACKET_HEAD = re.compile(r"\A[^()\[\]]*[)\]]")


def _names_unknown_measure(
    text: str, named_end: int, position: int, p_spans: Sequence[Span]
) -> bool:
    """ "Improvements in disturbed sleep (p < 0.001) and anxiety (p < 0.05)", "ITB improved sleep
    efficiency (p = 0.01) and reduced periodic leg movements (p = 0.02)": the measure named
    before already has its p-value, and a word since then (past that p-value) may name another
    measure, one the lexicon does not know; this p-value is that one's. Participles and adverbs
    ("was maintained", "significantly") name none."""
    earlier = [end for start, end in p_spans if named_end <= start and end <= position]
    if not earlier:
        return False
    gap = text[max(earlier) : position]
    head = CLOSING_BRACKET_HEAD.match(gap)
    if head is None and _inside_bracket(text, named_end, max(earlier)):
        return False  # one bracket holds both: "(time p = 0.02, steps p = 0.01)"
    if head is not None:
        gap = gap[head.end() :]
    gap = OPEN_BRACKET_TAIL.sub(" ", BRACKETED.sub(" ", gap))
    refused = load_rules().refused
    return any(
        not (
            word in PAIR_GLUE_WORDS
            or word in SITE_WORDS
            or word in COMPARISON_WORDS
            or word in NO_MEASURE_WORDS
            or word in refused
            or word.endswith(("ed", "ly"))
        )
        for word in HYPHEN.split(gap.lower())
        for word in NAME_WORD.findall(word)
    )


HYPHEN = re.compile(r"[-\u2010]")


def _inside_bracket(text: str, begin: int, offset: int) -> bool:
    """Whether ``offset`` lies inside a bracket opened after ``begin``."""
    span = text[begin:offset]
    return span.count("(") + span.count("[") > span.count(")") + span.count("]")


# Two measures coordinated as one subject of a p-value: "resistance torques and joint stiffness
# (P < 0.05)", "scored higher with the NIHSS and lower with the mRS (p < 0.001)", "both the
# Ashworth Scale (...) and the DAS (...) ... (all P < .001)": a comma or conjunction and then only
# articles, prepositions and comparison words.
COORDINATION_GAP = re.compile(
    r"\s*(?:,\s*(?:(?:and|or)\s+)?|(?:and|or|and/or|as\s+well\s+as)\s+)"
    r"(?:(?:the|a|an|in|on|of|with|for|both|lower|higher|greater|smaller|larger|worse|better"
    r"|more|less|mean|median|total)\s+)*\Z",
    re.I,
)


def _coordinated_with(
    text: str, chosen: OutcomeHit, before: Sequence[OutcomeHit], p_spans: Sequence[Span]
) -> bool:
    """Whether the measure nearest before a p-value is coordinated with another measure named
    right before it, no p-value between them: one p-value shared by two measures, which the
    guide links to neither (P4: "Walking speed and stride length both increased (p = 0.03)").
    A second mention of the same measure ("the NIHSS (NIHSS)") is skipped."""
    other = next(
        (o for o in reversed(before) if o.end <= chosen.start and o.name != chosen.name), None
    )
    if other is None:
        return False
    if any(other.end <= start and end <= chosen.start for start, end in p_spans):
        return False
    same = [o for o in before if other.end <= o.start and o.end <= chosen.start]
    gap_end = same[0].start if same else chosen.start
    gap = BRACKET_CHAR.sub(" ", BRACKETED.sub(" ", text[other.end : gap_end]))
    return COORDINATION_GAP.match(gap) is not None


BRACKET_CHAR = re.compile(r"[()\[\]]")  # what is left of a bracket a mention sits in: "(NIHSS)"


# What a sentence that only refers back to a measure holds before its p-value: "It fell markedly
# (p < 0.001)", "The effect of 20 mg was greater than that of 10 mg (= 0.0214)". Besides the words
# that name no measure (PAIR_GLUE_WORDS, and the words of people, treatments and statistics that
# never name a finding: finding_subjects.yaml refused_words), only comparison words; any other
# word may name the measure the p-value reports on (one the lexicon does not know), so the
# earlier measure is not taken.
REFERRING_WORDS = frozenset(
    {"it", "they", "this", "these", "both", "scores", "score", "effect", "effects", "difference"}
)
COMPARISON_WORDS = frozenset(
    {
        "greater",
        "smaller",
        "larger",
        "higher",
        "lower",
        "than",
        "markedly",
        "further",
        "mg",
        "statistically",
        "clearly",
        "substantially",
        "there",
        "difference",
        "differences",
    }
)


def _back_reference(position: int, outcomes: Sequence[OutcomeHit], scope: Scope) -> Link:
    """A p-value whose sentence names no outcome: the measure of the sentence before, only when
    the sentence refers back to it ("it", "the effect", "these scores") and holds no word that
    may name another measure, and the sentence before names exactly one (else AMBIGUOUS); or the
    instrument whose named part the sentence reports on ("No significant difference was found in
    sitting ..." after "the sitting dimension of the GMFM"); else the one measure the abstract
    has named so far, when it has named only one. Linking it to the last of several measures
    named earlier was wrong four times in five on the real dev split."""
    s_start = scope.sentence_start(position)
    gap = BRACKETED.sub(" ", scope.text[s_start:position]).lower()
    part_of = _instrument_parts(scope.text, outcomes)
    for part, name in part_of.items():
        if re.search(rf"\b{re.escape(part)}\b", gap):
            return name, LinkReason.INSTRUMENT_PART
    for definite in DEFINITE_HEAD.finditer(gap):
        referent = head_noun_referent(definite.group("head"), s_start, scope.text, outcomes)
        if referent is not None:
            return referent, LinkReason.HEAD_NOUN_REFERENCE
    words = NAME_WORD.findall(gap)
    refused = load_rules().refused
    if not any(w in REFERRING_WORDS for w in words) or any(
        w not in PAIR_GLUE_WORDS and w not in COMPARISON_WORDS and w not in refused for w in words
    ):
        # No back-reference: the abstract's only measure named so far, if it names one only
        # (a weak link, EARLIER_SENTENCE); with two or more nothing decides (AMBIGUOUS).
        earlier = {o.name for o in outcomes if o.end <= s_start}
        if len(earlier) == 1:
            return earlier.pop(), LinkReason.EARLIER_SENTENCE
        return (None, LinkReason.AMBIGUOUS) if earlier else NO_LINK
    index = scope.sentence_index(s_start)
    if index == 0:
        return NO_LINK
    previous_start = scope.sent_starts[index - 1]
    names = {o.name for o in outcomes if previous_start <= o.start and o.end <= s_start}
    if len(names) > 1:
        return None, LinkReason.AMBIGUOUS
    if not names:
        return NO_LINK
    return names.pop(), LinkReason.BACK_REFERENCE


def _instrument_parts(text: str, outcomes: Sequence[OutcomeHit]) -> dict[str, str]:
    """Lower-cased parts the abstract names of an outcome instrument ("the Sitting dimension of
    the Gross Motor Function Measure") -> the instrument's name."""
    if not any(word in text for word in PART_WORDS):
        return {}
    by_start = {o.start: o.name for o in outcomes}
    return {
        LEADING_ARTICLE.sub("", m.group("part").lower()): by_start[m.end()]
        for m in instrument_part_matches(text, lower_same_length(text))
        if m.end() in by_start
    }


P_GROUP_GAP = re.compile(r"\s*,?\s*(?:and\s+)?\Z")
RESPECTIVELY_AFTER = re.compile(r"\s*\)?\s*,?\s*respectively\b")
RESPECTIVELY_BEFORE = re.compile(r"\brespectively\s*[,;:]?\s*[(\[]?\s*\Z")
BRACKET_OPEN_BEFORE = re.compile(r"[(\[]\s*\Z")
BRACKET_CLOSE_AFTER = re.compile(r"\s*[)\]]")


def respective_outcomes(
    hits: Sequence[PValueHit], outcomes: Sequence[OutcomeHit], scope: Scope
) -> dict[int, Link]:
    """The k p-values of a group go, in order, to the last k distinct outcomes before the group
    in its sentence:
    - "MAS and PSFS improved (p = 0.03 and 0.004, respectively)", "... to 1.0 and 2.0,
      respectively (p = 0.001 and p = 0.002)": "respectively" right after or right before the
      group, when the sentence names at least k outcomes before it (RESPECTIVELY_ORDER);
    - "MAS was 3.0 and walking speed 0.45 m/s; after six months they were 1.6 and 0.61 m/s
      (p < 0.001 and p = 0.01)": a group inside one bracket, when the sentence names exactly k
      outcomes before it (BRACKETED_GROUP_ORDER).
    Otherwise the usual nearest-outcome link applies."""
    links: dict[int, Link] = {}
    text = scope.text
    first = 0
    for last in range(len(hits)):
        if last + 1 < len(hits) and P_GROUP_GAP.match(text, hits[last].end, hits[last + 1].start):
            continue  # the group goes on
        group, first = list(range(first, last + 1)), last + 1
        if len(group) < 2:
            continue
        start, end = hits[group[0]].start, hits[group[-1]].end
        respective = RESPECTIVELY_AFTER.match(text, end) or RESPECTIVELY_BEFORE.search(
            text, max(0, start - 20), start
        )
        bracketed = BRACKET_OPEN_BEFORE.search(text, max(0, start - 3), start) and (
            BRACKET_CLOSE_AFTER.match(text, end)
        )
        if not respective and not bracketed:
            continue
        s_start = scope.sentence_start(start)
        if respective:
            # A measure reported with its own p-value before the group is not one of the group's:
            # "ROM was increased (p = 0.002) and stiffness and torque were decreased (p = 0.004
            # and 0.007, respectively)".
            s_start = max([s_start] + [h.end for h in hits[: group[0]] if h.end >= s_start])
        names = _distinct_names_between(outcomes, s_start, start)
        if (
            respective
            and len(names) == 1
            and _coordinated_after(text, outcomes, names[0], s_start, start)
        ):
            # "... stiffness and passive resistant torque were decreased (p = 0.004 and 0.007,
            # respectively)": the one known measure is coordinated with one the lexicon does not
            # know, and which p-value is whose cannot be told.
            for index in group:
                links[index] = (None, LinkReason.AMBIGUOUS)
            continue
        if len(names) >= len(group) and (respective or len(names) == len(group)):
            reason = (
                LinkReason.RESPECTIVELY_ORDER if respective else LinkReason.BRACKETED_GROUP_ORDER
            )
            for index, name in zip(group, names[-len(group) :], strict=True):
                links[index] = (name, reason)
        elif respective and len(names) >= 2:
            # "A, B and C improved (p = 0.01, 0.02 and 0.03, respectively)" with only two of the
            # three measures known to the lexicon: each p-value reports on its own measure, and
            # which of them the known ones are cannot be told. (With one measure named, the
            # p-values are of its time points or groups: "the 10MWT improved at 3 and 6 months
            # (P = 0.02 and 0.01, respectively)", linked as usual.)
            for index in group:
                links[index] = (None, LinkReason.AMBIGUOUS)
    return links


# A measure followed by another coordinated with it: "stiffness and passive torque", "pain, ".
COORDINATED_AFTER = re.compile(r"\s*(?:,|\band\b|\bor\b)\s*(?!(?:at|after|in|on|from|to)\b|\d)\w")


def _coordinated_after(
    text: str, outcomes: Sequence[OutcomeHit], name: str, begin: int, end: int
) -> bool:
    """Whether the last mention of ``name`` in ``[begin, end)`` is followed by a conjunction and a
    word that is no time point or number (the start of another measure's name)."""
    last = max(o.end for o in outcomes if o.name == name and begin <= o.start and o.end <= end)
    return COORDINATED_AFTER.match(text, last) is not None


def _distinct_names_between(outcomes: Sequence[OutcomeHit], begin: int, end: int) -> list[str]:
    """Names of the outcomes in ``[begin, end)``, each once, in order of their last mention."""
    names: list[str] = []
    for o in outcomes:
        if begin <= o.start and o.end <= end:
            if o.name in names:
                names.remove(o.name)
            names.append(o.name)
    return names


def link_p_values(
    hits: Sequence[PValueHit], outcomes: Sequence[OutcomeHit], scope: Scope
) -> list[Link]:
    """The outcome (and reason) of each p-value, in order."""
    respective = respective_outcomes(hits, outcomes, scope)
    spans = [(h.start, h.end) for h in hits]
    return [
        # A significance threshold ("p < 0.05 was considered significant") is a setting of the
        # analysis and reports on no outcome (guide P6, X-P1).
        (None, None)
        if h.kind is PValueKind.THRESHOLD
        else respective[i]
        if i in respective
        else p_value_outcome(h.start, outcomes, scope, spans)
        for i, h in enumerate(hits)
    ]


# pre -> post pair -> outcome ------------------------------------------------------------------
# Parts of one instrument coordinated before its name: "the lower- and upper-limb Modified
# Ashworth Scale sums", "left and right knee flexion", "proximal and distal MAS".
SIDE_WORD = (
    r"(?:left|right|upper|lower|proximal|distal|affected|unaffected|non[-\u2010]?affected|paretic"
    r"|non[-\u2010]?paretic|dominant|non[-\u2010]?dominant|ipsilateral|contralateral|arm|leg"
    r"|upper[-\u2010\s]limb|lower[-\u2010\s]limb|upper[-\u2010\s]extremity|lower[-\u2010\s]extremity)"
)
COORDINATED_PARTS = re.compile(
    rf"\b(?:\w+[-\u2010]\s+and\s+\w+[-\u2010]\w+|{SIDE_WORD}\s+and\s+{SIDE_WORD})\b", re.I
)


def _parts_of_one_measure(text: str, begin: int, end: int, size: int) -> bool:
    """ "The lower- and upper-limb MAS sums decreased from 9.8 and 7.1 to 5.2 and 5.9,
    respectively": two parts of the one measure the clause names (one outcome for both)."""
    return size == 2 and COORDINATED_PARTS.search(text, begin, end) is not None


def _group_outcome(pair: PairHit, outcomes: Sequence[OutcomeHit], scope: Scope) -> Link:
    """ "Gait speed and step length increased from 0.71 and 0.42 to 0.86 and 0.49, respectively":
    the index-th of the last k distinct outcomes named before the group in its clause (in its
    sentence when the clause names fewer than k)."""
    index, size = pair.group
    s_start = scope.sentence_start(pair.start)
    clause = scope.clause_start(pair.start, CLAUSE)
    for begin in (clause, s_start):
        names = _distinct_names_between(outcomes, begin, pair.start)
        if len(names) >= size:
            return names[-size:][index], LinkReason.GROUP_ORDER
        if len(names) == 1 and _parts_of_one_measure(scope.text, begin, pair.start, size):
            return names[0], LinkReason.PARTS_OF_ONE_MEASURE
    return NO_LINK


# The scale named right after a pair: "her pain improved from 7 to 4 points on a numeric rating
# scale", "fell from 3 to 1 as measured by the Penn scale".
SCALE_AFTER = re.compile(
    r"\s*,?\s*(?:(?:as\s+)?(?:measured|assessed|rated|scored)\s+)?(?:on|by|using|in)\s+"
    r"(?:the|a|an|its|their)\s+(?:[A-Za-z][\w\u2010-]*\s+){0,2}?\Z"
)
# Words that name no measure: what lies between two pairs of one measure ("MAS fell from 3 to 2
# at six months and from 3 to 1 at one year"), besides numbers and bracketed p-values, and the
# generic subject of a pair whose measure was named earlier ("Results: Scores fell from 3 to 1").
# fmt: off
PAIR_GLUE_WORDS = frozenset([
    "and", "or", "then", "but", "while", "whereas", "at", "after", "by", "to", "in", "on", "the",
    "a", "an", "of", "further", "again", "later", "thereafter", "subsequently", "also", "it",
    "they", "its", "their", "was", "were", "had", "has", "have", "been", "is", "are", "fell",
    "rose", "decreased", "increased", "improved", "declined", "dropped", "reduced", "changed",
    "went", "remained", "stayed", "continued", "before", "from", "follow", "up", "followup",
    "months", "month", "weeks", "week", "years", "year", "days", "day", "one", "two", "three",
    "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "eighteen", "twenty",
    "respectively", "ns", "significant", "significantly", "points", "point", "with", "score",
    "scores", "value", "values", "rating", "ratings", "mean", "means", "median", "medians",
    "average", "total", "overall", "both", "all", "these", "those", "this", "results", "result",
    "patients", "participants", "children", "group", "cohort",
])
# fmt: on
BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
NAME_WORD = re.compile(r"[A-Za-z][A-Za-z\u2010-]+")


# Where on the body a measure was taken: "a decrease of the MAS in upper (3.2 to 1.3) and lower
# extremities (3.5 to 2.0)" reports one measure at two sites (N9 of the guide), so the words
# between the two pairs name no other measure.
SITE_WORDS = frozenset(
    [
        "upper", "lower", "left", "right", "proximal", "distal", "extremity", "extremities",
        "limb", "limbs", "arm", "arms", "leg", "legs", "side", "sides", "affected",
        "unaffected", "bilateral", "ipsilateral", "contralateral",
    ]
)  # fmt: skip


def names_own_measure(text: str, start: int, end: int) -> bool:
    """Whether the words between a pair and the one before it in the sentence name a measure
    ("...(p = 0.006) and peak knee flexion from 38.5 to 44.1", "; spasms per day 11 \u2192 3"):
    then the earlier pair's measure is not this pair's. Body sites name none."""
    gap = BRACKETED.sub(" ", text[start:end])
    return any(
        w.lower() not in PAIR_GLUE_WORDS and w.lower() not in SITE_WORDS
        for w in NAME_WORD.findall(gap)
    )


# Two measures coordinated as one subject: "MAS and PSFS", "pain, spasms", "pain or stiffness".
COORDINATED = re.compile(r"\s*(?:,\s*|\s(?:and|or|as\s+well\s+as)\s+)(?:the\s+)?$")


def pair_outcome(
    pair: PairHit, outcomes: Sequence[OutcomeHit], scope: Scope, own_from: int = -1
) -> Link:
    """The outcome named before the pair in its clause, else the scale named right after it.
    With ``own_from`` (the pair names its own measure after an earlier pair) the name must lie
    after ``own_from``: the earlier pair's measure is not inherited."""
    if pair.respective:
        return _group_outcome(pair, outcomes, scope)
    at = pair.link_at if pair.link_at >= 0 else pair.start
    clause = scope.clause_start(at, CLAUSE)
    before = [o for o in outcomes if clause <= o.start and o.end <= at]
    name = before[-1].name if before else None
    if (
        pair.group[1] == 1
        and len(before) > 1
        and before[-2].name != name
        and COORDINATED.match(scope.text, before[-2].end, before[-1].start)
    ):
        # "Spasticity and pain fell from 3 to 1": one pair, two measures, nothing decides.
        return None, LinkReason.AMBIGUOUS
    if (
        name is not None
        and own_from >= 0
        and not any(o.name == name and own_from <= o.start and o.end <= at for o in outcomes)
    ):
        name = None
    if name is None:
        after = next((o for o in outcomes if o.start >= pair.end), None)
        if after is not None and SCALE_AFTER.match(scope.text, pair.end, after.start):
            return after.name, LinkReason.SCALE_AFTER
        return NO_LINK
    return name, LinkReason.SAME_CLAUSE


# pre -> post pair -> p-value ------------------------------------------------------------------
# The rest of a time point after a "... after" pair ("after implantation", "after 12 months").
# Never a coordinated measure: "... to post-intervention (21.67) and grip strength (p = 0.043)".
TIME_POINT_TAIL = re.compile(
    r"(?:\s+(?!(?:and|or|with|but|while|whereas)\b)[\w\u2010-]+){1,3}?(?=\s*[(\[])"
)
# A measure coordinated after the pair: the p-value after it is that measure's.
AND_NEXT = re.compile(r"(?:,|\band\b|\bor\b)\s+(?P<rest>[^,]*)\Z")
OPEN_BRACKET_TAIL = re.compile(r"[(\[][^()\[\]]*\Z")  # "(z=-2.023, " before "p=0.043)"
PLink = tuple[PValue | None, LinkReason | None]
NO_P: PLink = (None, None)


def pair_p_value(
    pair: PairHit, limit: int, outcome: str | None, p_values: Sequence[PValue], text: str
) -> PLink:
    """The p-value of a pre -> post pair: the first one after the post value, before the next
    pair, that sits within 20 characters of the pair, inside the bracket right after it
    ("(paired t-test, t(23) = 2.45, p = 0.022)"), or that links to the pair's own outcome
    ("... after one year of intrathecal baclofen; P = 0.001")."""
    first = next((p for p in p_values if pair.post_start <= p.prov.start < limit), None)
    if first is None:
        return NO_P
    if first.prov.start <= pair.end + 20:
        return first, LinkReason.P_ADJACENT
    if first.prov.end <= bracket_end(text, pair.end):
        return first, LinkReason.P_IN_BRACKET
    tail = TIME_POINT_TAIL.match(text, pair.end)
    if tail and first.prov.end <= bracket_end(text, tail.end()):
        return first, LinkReason.P_IN_BRACKET  # "0.58 beats/m after implantation (p = 0.014)"
    if outcome is not None and first.outcome == outcome:
        between = OPEN_BRACKET_TAIL.sub("", BRACKETED.sub(" ", text[pair.end : first.prov.start]))
        gap = AND_NEXT.search(between)
        refused = load_rules().refused
        if gap is None or not any(
            w.lower() not in PAIR_GLUE_WORDS and w.lower() not in refused
            for w in NAME_WORD.findall(gap.group("rest"))
        ):
            return first, LinkReason.P_SAME_OUTCOME
    return NO_P


# The bracket right before a pair's "from" ("spasticity decreased significantly (z=-2.37,
# p=0.018) from pre-intervention (7.89) to ... (5.33)"): the statistics of the change the pair
# gives the values of.
BRACKET_BEFORE_FROM = re.compile(r"\((?P<inside>[^()\[\]]{1,80})\)\s*\Z")


def p_before_from(
    pair: PairHit, earlier_end: int, p_values: Sequence[PValue], scope: Scope
) -> PLink:
    """The p-value written before a "from A to B" pair: the only one in a bracket that stands
    right before the pair's "from", after a word of change in the pair's own clause and after
    the end of any earlier pair (``earlier_end``), whose p-value that bracket is not."""
    text = scope.text
    if not text.startswith("from", pair.start):
        return NO_P
    begin = max(scope.clause_start(pair.start, CLAUSE), earlier_end)
    bracket = BRACKET_BEFORE_FROM.search(text, begin, pair.start)
    if bracket is None or not CHANGE_WORD.search(text, begin, bracket.start()):
        return NO_P
    inside = [p for p in p_values if bracket.start() < p.prov.start < bracket.end()]
    if len(inside) != 1:
        return NO_P
    return inside[0], LinkReason.P_BEFORE_FROM


# A sentence of its own saying the changes just reported were significant: "These improvements
# were statistically significant (p < 0.05)." Its one p-value is that of every pair before it
# that has none (R6, P4). Only words of change over time: "differences" may compare groups.
CHANGES_SIGNIFICANT = re.compile(
    r"\s*(?:all\s+)?(?:these|both|such)\s+(?:improvements|reductions|decreases|increases|changes"
    r"|gains)\s+(?:were|was)\s+(?:all\s+)?(?:statistically\s+|highly\s+)?significant\s*"
    r"\((?P<inside>[^()]{1,40})\)\s*\.?\s*\Z",
    re.I,
)
CHANGES_REACH = 2  # sentences after the pair's own


def p_of_changes_after(pair: PairHit, p_values: Sequence[PValue], scope: Scope) -> PLink:
    """The p-value of a "These improvements were significant (p < 0.05)." sentence at most
    ``CHANGES_REACH`` sentences after the pair, with no p-value between the pair and it."""
    text = scope.text
    index = scope.sentence_index(pair.start)
    for later in range(index + 1, min(index + 1 + CHANGES_REACH, len(scope.sent_starts))):
        start, end = scope.sent_starts[later], scope.sent_ends[later]
        if any(pair.end <= p.prov.start < start for p in p_values):
            return NO_P
        said = CHANGES_SIGNIFICANT.match(text, start, end)
        if said is None:
            continue
        inside = [p for p in p_values if said.start("inside") <= p.prov.start < said.end("inside")]
        return (inside[0], LinkReason.P_CHANGES_SIGNIFICANT) if len(inside) == 1 else NO_P
    return NO_P


# "(both p < 0.001)", "(p < 0.05 for all)": one p-value for every pair of a group.
ONE_P_FOR_ALL = re.compile(r"\b(?:both|all|each)\b", re.I)


def group_p_value(pair: PairHit, limit: int, p_values: Sequence[PValue], text: str) -> PLink:
    """The p-value of a pair written in a group ("from 0.71 and 0.42 to 0.86 and 0.49,
    respectively (p = 0.01 and p = 0.03)"): the group's index-th of the run of p-values right
    after it, when the run holds one per pair; a lone "both p < 0.001" holds for all."""
    after = [p for p in p_values if pair.post_start <= p.prov.start < limit]
    if not after:
        return NO_P
    closing = bracket_end(text, pair.end)
    if after[0].prov.start > pair.end + 20 and after[0].prov.end > closing:
        return NO_P  # (a p-value inside the group's span, "... 0.9 (p < 0.001 and ...)", is kept)
    run = after[:1]
    for p in after[1:]:
        if not P_GROUP_GAP.match(text, run[-1].prov.end, p.prov.start):
            break
        run.append(p)
    index, size = pair.group
    if len(run) == size:
        return run[index], LinkReason.P_GROUP_ORDER
    if len(run) == 1 and closing > 0 and ONE_P_FOR_ALL.search(text, pair.end, closing):
        return run[0], LinkReason.P_ONE_FOR_ALL
    return NO_P


def link_pair(
    pairs: Sequence[PairHit],
    index: int,
    limit: int,
    outcomes: Sequence[OutcomeHit],
    p_values: Sequence[PValue],
    scope: Scope,
) -> tuple[Link, PLink]:
    """The outcome and the p-value of ``pairs[index]`` (the pairs of one sentence, in order;
    ``limit`` is where the next pair starts)."""
    text = scope.text
    pair = pairs[index]
    s_start = scope.sentence_start(pair.start)
    grouped = pair.group[1] > 1
    previous_end = max((q.end for q in pairs if q.end <= pair.start), default=-1)
    own_name = (
        not grouped and previous_end >= 0 and names_own_measure(text, previous_end, pair.start)
    )
    outcome, reason = pair_outcome(pair, outcomes, scope, previous_end if own_name else -1)
    p_link = (
        group_p_value(pair, limit, p_values, text)
        if grouped
        else pair_p_value(pair, limit, outcome, p_values, text)
    )
    if p_link[0] is None and not grouped:
        p_link = p_before_from(pair, max(previous_end, 0), p_values, scope)
    p = p_link[0]
    if (
        outcome is None
        and p is not None
        and not grouped
        and not names_own_measure(text, max(previous_end, s_start), pair.start)
    ):
        # "Scores fell from 3 to 1 (p < 0.001)": the measure named sentences earlier is the one
        # the p-value already reports on; a pair that names its own, unrecognised measure ("The
        # co-contraction index fell from ...") does not take another's.
        outcome = p.outcome
        reason = LinkReason.FROM_P_VALUE if outcome is not None else None
    if p is None:
        # Looked for last: a sentence saying "these improvements" were significant names no
        # measure a pair without one could take.
        p_link = p_of_changes_after(pair, p_values, scope)
    return (outcome, reason), p_link


def pair_test(pair: PairHit, tests: Sequence[TestStatistic]) -> TestStatistic | None:
    """The test statistic reported with a pair: one starting between its post value and 20
    characters after it."""
    return next(
        (t for t in tests if t.prov and pair.post_start <= t.prov.start <= pair.end + 20), None
    )


def statistic_p_value(end: int, p_values: Sequence[PValue]) -> PValue | None:
    """The p-value reported with a test statistic ending at ``end``: one starting within 40
    characters after it."""
    return next((p for p in p_values if 0 <= p.prov.start - end <= 40), None)


# dose -> drug and route -----------------------------------------------------------------------
ROUTE_WORDS = re.compile(
    r"\b(intrathecal(?:ly)?|oral(?:ly)?|intravenous(?:ly)?|intramuscular(?:ly)?|subcutaneous(?:ly)?|"
    r"epidural(?:ly)?|transdermal(?:ly)?)\b",
    re.I,
)
DRUG_AFTER = re.compile(r"^\s*(?:of|for|in)?\s*$", re.I)


def title_drugs(pipeline: Pipeline, title: str) -> list[Match]:
    """Drug mentions in the title, for doses in an abstract that names no drug: "Long-term
    intrathecal baclofen dosing" then "rose to 340 µg/d"."""
    if not title:
        return []
    doc = pipeline.nlp.make_doc(title)
    strings = doc.vocab.strings
    found = []
    for match_id, start, end in pipeline.names(doc):
        lexicon, entry = pipeline.entries[strings[match_id]]
        if lexicon == "drugs.jsonl":
            last = doc[end - 1]
            found.append(Match(entry, lexicon, doc[start].idx, last.idx + len(last), entry.id))
    return found


def dose_drug_route(
    hit: DoseHit, drugs: Sequence[Match], scope: Scope, from_title: Sequence[Match] = ()
) -> tuple[str | None, str | None, LinkReason | None]:
    """The drug a dose is of, its route, and why that drug."""
    text = scope.text
    s_start, s_end = scope.sentence_bounds(hit.start)
    chosen: Match | None = None
    reason: LinkReason | None = None
    # A dose span may hold its drug ("30 mg diazepam per day"): that drug, whatever else the
    # sentence names.
    inside = [d for d in drugs if hit.start <= d.start and d.end <= hit.end]
    following = inside or [
        d for d in drugs if hit.end <= d.start < s_end and DRUG_AFTER.match(text[hit.end : d.start])
    ]
    if following:
        chosen, reason = following[0], LinkReason.DRUG_FOLLOWING
    else:
        preceding = [d for d in drugs if s_start <= d.start and d.end <= hit.start]
        after = [d for d in drugs if hit.end <= d.start < s_end]
        anywhere = [d for d in drugs if d.end <= hit.start]
        if preceding:
            chosen, reason = preceding[-1], LinkReason.DRUG_BEFORE
        elif after:
            chosen, reason = after[0], LinkReason.DRUG_AFTER
        elif anywhere:
            chosen, reason = anywhere[-1], LinkReason.DRUG_EARLIER
        elif drugs:
            chosen, reason = drugs[-1], LinkReason.DRUG_ANYWHERE
    if chosen is None and len({d.entry.canonical for d in from_title}) == 1:
        # One drug named by the title, none by the abstract: the title's drug. Its longest
        # mention carries the route ("intrathecal baclofen" over "baclofen").
        chosen = max(from_title, key=lambda d: (d.entry.route is not None, d.end - d.start))
        reason = LinkReason.TITLE_DRUG
    if chosen is None:
        return None, None, None
    # The route word nearest the chosen drug mention (or the dose, for a title drug): "ITB was
    # not considered because ... responded to oral baclofen 30-60 mg/day" is oral.
    anchor = chosen.start if s_start <= chosen.start < s_end else hit.start
    route_word = min(
        ROUTE_WORDS.finditer(text, s_start, s_end),
        key=lambda m: (abs(m.start() - anchor), m.start() > anchor),
        default=None,
    )
    if chosen.entry.route:
        route: str | None = chosen.entry.route
    elif route_word:
        route = route_word.group(1).lower().removesuffix("ly")
    else:
        route = chosen.entry.route_by_unit.get(hit.unit.replace("/kg", ""))
    return chosen.entry.canonical, route, reason
