"""``extract_study``: one title + abstract in, one typed ``StudyExtraction`` out.

The spaCy pipeline (tokenizer, sentencizer, phrase matchers) runs once per field; regex
extractors run on the raw text (so "p<0.001", which the blank tokenizer keeps as one token, is
still found) and their hits are located in sentences by offset. Linking is a small per-sentence
step: a p-value or a pre -> post pair belongs to the nearest preceding outcome in its sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from extractors.abbreviations import find_abbreviations
from extractors.concept_patterns import concept_pattern_spans
from extractors.context import FieldContext, build_context
from extractors.doses import DoseHit, find_doses
from extractors.follow_up import choose_follow_up, find_follow_ups, find_timepoint
from extractors.nlp import Pipeline, get_pipeline
from extractors.outcomes import Match, OutcomeHit, find_outcomes
from extractors.pvalues import PValueHit, find_p_values
from extractors.references import lexicon_matches
from extractors.results import (
    ARROW_CUES,
    NO_CONVENTIONS,
    PairHit,
    declared_conventions,
    find_pairs,
    find_test_statistics,
    p_consistent,
)
from extractors.samples import SampleHit, find_sample_candidates, find_single_case, without_parts
from extractors.scan import lower_same_length
from extractors.study import decide_design, decide_hsp, decide_itb
from extractors.types import (
    DoseMention,
    FollowUp,
    OutcomeMention,
    PValue,
    ResultPair,
    SampleSize,
    StudyExtraction,
    TestStatistic,
)

EXTRACTOR_VERSION = "extractors-0.7.0"
# The longest title or abstract extracted, in characters. A field over it is refused whole (the
# record fails with ``FieldTooLong``, naming the field, its length and this limit), never cut: an
# extraction of the first part would look complete while missing what the rest says, and nothing
# that long is an abstract (a pasted full text, a corrupt record). The longest abstract of the
# 165 real PubMed records in ../shared is 2,723 characters, of the gold files 2,295. The limit is
# well under spaCy's max_length (1,000,000) and bounds one record's time as well as its memory:
# some rules read a whole sentence per mention, so a run-on "sentence" costs time in its length
# squared (a few seconds at 100,000 characters, benchmarks/extract_memory.py).
MAX_FIELD_CHARS = 100_000
ROUTE_WORDS = re.compile(
    r"\b(intrathecal(?:ly)?|oral(?:ly)?|intravenous(?:ly)?|intramuscular(?:ly)?|subcutaneous(?:ly)?|"
    r"epidural(?:ly)?|transdermal(?:ly)?)\b",
    re.I,
)
DRUG_AFTER = re.compile(r"^\s*(?:of|for|in)?\s*$", re.I)
# A slash joins two measures reported together ("reduced MAS/increased MMT"): one finding.
SLASH_JOIN = re.compile(r"^\s*/\s*(?:[a-z]+\s+)?$")
# "... 2) FIM scores improved": a numbered item starts a clause; "(A2) rose" is a label.
CLAUSE_BOUNDARY = re.compile(r";\s|,\s+(?:while|whereas|but)\b|(?<![(\w])\d\)\s")
BACLOFEN_WORD = re.compile(r"\bbaclofen\b", re.I)
# Ahead of a p-value its clause ends at "; ", ", and", or the bracket holding it closing before a
# conjunction ("(0.58 vs 0.84 m/s; p = 0.002) and had less knee flexion (p = 0.04)").
CLAUSE_BOUNDARY_AHEAD = re.compile(
    r";\s|,\s+(?:and|while|whereas|but)\b|[)\]]\s+(?:and|but|while|whereas)\b"
)
DECIMALS = re.compile(r"[.\u00b7,](\d+)")
BACKGROUND_SECTIONS = frozenset(
    {"background", "introduction", "context", "rationale", "background and purpose"}
)


def _link(
    position: int, outcomes: list[OutcomeHit], ctx: FieldContext, *, clause_only: bool = False
) -> str | None:
    """Nearest preceding outcome in the sentence, else following in it, else preceding anywhere.

    With ``clause_only`` (pre -> post pairs) the outcome must sit in the same clause: a pair's
    subject is never across "; " or ", while".
    """
    s_start, s_end = ctx.sentence_bounds(position)
    if clause_only:
        boundary = max(
            (m.end() for m in CLAUSE_BOUNDARY.finditer(ctx.text, s_start, position)),
            default=s_start,
        )
        before = [o for o in outcomes if boundary <= o.start and o.end <= position]
        return before[-1].name if before else None
    before = [o for o in outcomes if s_start <= o.start and o.end <= position]
    if before:
        chosen = before[-1]
        for earlier in reversed(before[:-1]):
            if SLASH_JOIN.match(ctx.text[earlier.end : chosen.start]):
                chosen = earlier
            else:
                break
        return chosen.name
    clause_end = next(
        (m.start() for m in CLAUSE_BOUNDARY_AHEAD.finditer(ctx.text, position, s_end)), s_end
    )
    after = [o for o in outcomes if position <= o.start < clause_end]
    if after:
        return after[0].name
    previous = [o for o in outcomes if o.end <= s_start]
    return previous[-1].name if previous else None


P_GROUP_GAP = re.compile(r"\s*,?\s*(?:and\s+)?\Z")
RESPECTIVELY_AFTER = re.compile(r"\s*\)?\s*,?\s*respectively\b")
RESPECTIVELY_BEFORE = re.compile(r"\brespectively\s*[,;:]?\s*[(\[]?\s*\Z")
BRACKET_OPEN_BEFORE = re.compile(r"[(\[]\s*\Z")
BRACKET_CLOSE_AFTER = re.compile(r"\s*[)\]]")


def _respective_outcomes(
    hits: Sequence[PValueHit], outcomes: list[OutcomeHit], ctx: FieldContext
) -> dict[int, str]:
    """The k p-values of a group go, in order, to the last k distinct outcomes before the group
    in its sentence:
    - "MAS and PSFS improved (p = 0.03 and 0.004, respectively)", "... to 1.0 and 2.0,
      respectively (p = 0.001 and p = 0.002)": "respectively" right after or right before the
      group, when the sentence names at least k outcomes before it;
    - "MAS was 3.0 and walking speed 0.45 m/s; after six months they were 1.6 and 0.61 m/s
      (p < 0.001 and p = 0.01)": a group inside one bracket, when the sentence names exactly k
      outcomes before it (rule pvalue.link_bracketed_group).
    Otherwise the usual nearest-outcome link applies."""
    links: dict[int, str] = {}
    text = ctx.text
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
        s_start, _ = ctx.sentence_bounds(start)
        names: list[str] = []
        for o in outcomes:
            if s_start <= o.start and o.end <= start:
                if o.name in names:
                    names.remove(o.name)
                names.append(o.name)
        if len(names) >= len(group) and (respective or len(names) == len(group)):
            links.update(zip(group, names[-len(group) :], strict=True))
    return links


def _title_drugs(pipeline: Pipeline, title: str) -> list[Match]:
    """Drug mentions in the title, for doses in an abstract that names no drug (rule
    dose.drug_from_title): "Long-term intrathecal baclofen dosing" then "rose to 340 µg/d"."""
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


def _dose_drug_route(
    hit: DoseHit, drugs: list[Match], ctx: FieldContext, title_drugs: Sequence[Match] = ()
) -> tuple[str | None, str | None]:
    s_start, s_end = ctx.sentence_bounds(hit.start)
    chosen: Match | None = None
    following = [
        d
        for d in drugs
        if hit.end <= d.start < s_end and DRUG_AFTER.match(ctx.text[hit.end : d.start])
    ]
    if following:
        chosen = following[0]
    else:
        preceding = [d for d in drugs if s_start <= d.start and d.end <= hit.start]
        after = [d for d in drugs if hit.end <= d.start < s_end]
        anywhere = [d for d in drugs if d.end <= hit.start]
        pool = preceding or after or anywhere or drugs
        if pool:
            chosen = preceding[-1] if preceding else (after[0] if after else pool[-1])
    if chosen is None and len({d.entry.canonical for d in title_drugs}) == 1:
        # One drug named by the title, none by the abstract: the title's drug. Its longest
        # mention carries the route ("intrathecal baclofen" over "baclofen").
        chosen = max(title_drugs, key=lambda d: (d.entry.route is not None, d.end - d.start))
    if chosen is None:
        return None, None
    # The route word nearest the chosen drug mention (or the dose, for a title drug): "ITB was
    # not considered because ... responded to oral baclofen 30-60 mg/day" is oral.
    anchor = chosen.start if s_start <= chosen.start < s_end else hit.start
    route_word = min(
        ROUTE_WORDS.finditer(ctx.text, s_start, s_end),
        key=lambda m: (abs(m.start() - anchor), m.start() > anchor),
        default=None,
    )
    if chosen.entry.route:
        route: str | None = chosen.entry.route
    elif route_word:
        route = route_word.group(1).lower().removesuffix("ly")
    else:
        route = chosen.entry.route_by_unit.get(hit.unit.replace("/kg", ""))
    return chosen.entry.canonical, route


# Words every pre -> post pair form holds (results.find_pairs): "from", "remained", "unchanged",
# "stayed", "before", "baseline", "prior to", "pre-implantation".
PAIR_CUES = (
    "from",
    "remain",
    "unchanged",
    "stayed",
    "before",
    "baseline",
    "prior to",
    "pre-",
    "pre\u2010",
    "preop",
    "preimpl",
    "pretreat",
    *ARROW_CUES,
)


def _sentences_with(ctx: FieldContext, lowered: str, literals: Sequence[str]) -> list[int]:
    """Indices of the sentences holding any of ``literals`` (C-speed ``str.find``; each sentence
    is looked up once)."""
    found: set[int] = set()
    for literal in literals:
        index = lowered.find(literal)
        while index >= 0:
            sentence = ctx.sentence_index(index)
            found.add(sentence)
            index = lowered.find(literal, max(index + 1, ctx.sent_ends[sentence]))
    return sorted(found)


TRAILING_PARENTHESIS = re.compile(r"\s*[(\[]")


def _parenthesis_end(text: str, start: int) -> int:
    """End of the bracket group opened at or right after ``start`` (nesting counted), else -1."""
    opened = TRAILING_PARENTHESIS.match(text, start)
    if not opened:
        return -1
    depth = 0
    for index in range(opened.end() - 1, min(len(text), opened.end() + 200)):
        if text[index] in "([":
            depth += 1
        elif text[index] in ")]":
            depth -= 1
            if depth == 0:
                return index
    return -1


# The rest of a time point after a "... after" pair ("after implantation", "after 12 months").
TIME_POINT_TAIL = re.compile(r"(?:\s+[\w\u2010-]+){1,3}?(?=\s*[(\[])")


def _pair_p_value(
    pair: PairHit, limit: int, outcome: str | None, p_values: list[PValue], text: str
) -> PValue | None:
    """The p-value of a pre -> post pair: the first one after the post value, before the next
    pair, that sits within 20 characters of the pair, inside the bracket right after it
    ("(paired t-test, t(23) = 2.45, p = 0.022)"), or that links to the pair's own outcome
    ("... after one year of intrathecal baclofen; P = 0.001")."""
    first = next((p for p in p_values if pair.post_start <= p.prov.start < limit), None)
    if first is None:
        return None
    if first.prov.start <= pair.end + 20:
        return first
    if first.prov.end <= _parenthesis_end(text, pair.end):
        return first
    tail = TIME_POINT_TAIL.match(text, pair.end)
    if tail and first.prov.end <= _parenthesis_end(text, tail.end()):
        return first  # "0.58 beats/m after implantation (paired t(11) = 2.9, p = 0.014)"
    if outcome is not None and first.outcome == outcome:
        return first
    return None


# "(both p < 0.001)", "(p < 0.05 for all)": one p-value for every pair of a group.
ONE_P_FOR_ALL = re.compile(r"\b(?:both|all|each)\b", re.I)


def _group_p_value(pair: PairHit, limit: int, p_values: list[PValue], text: str) -> PValue | None:
    """The p-value of a pair written in a group ("from 0.71 and 0.42 to 0.86 and 0.49,
    respectively (p = 0.01 and p = 0.03)"): the group's index-th of the run of p-values right
    after it, when the run holds one per pair; a lone "both p < 0.001" holds for all."""
    after = [p for p in p_values if pair.post_start <= p.prov.start < limit]
    if not after:
        return None
    bracket_end = _parenthesis_end(text, pair.end)
    if after[0].prov.start > pair.end + 20 and after[0].prov.end > bracket_end:
        return None  # (a p-value inside the group's span, "... 0.9 (p < 0.001 and ...)", is kept)
    run = after[:1]
    for p in after[1:]:
        if not P_GROUP_GAP.match(text, run[-1].prov.end, p.prov.start):
            break
        run.append(p)
    index, size = pair.group
    if len(run) == size:
        return run[index]
    if len(run) == 1 and bracket_end > 0 and ONE_P_FOR_ALL.search(text, pair.end, bracket_end):
        return run[0]
    return None


def _group_outcome(pair: PairHit, outcomes: list[OutcomeHit], ctx: FieldContext) -> str | None:
    """ "Gait speed and step length increased from 0.71 and 0.42 to 0.86 and 0.49, respectively":
    the index-th of the last k distinct outcomes named before the group in its clause (in its
    sentence when the clause names fewer than k)."""
    index, size = pair.group
    s_start, _ = ctx.sentence_bounds(pair.start)
    clause = max(
        (m.end() for m in CLAUSE_BOUNDARY.finditer(ctx.text, s_start, pair.start)), default=s_start
    )
    for begin in (clause, s_start):
        names: list[str] = []
        for o in outcomes:
            if begin <= o.start and o.end <= pair.start:
                if o.name in names:
                    names.remove(o.name)
                names.append(o.name)
        if len(names) >= size:
            return names[-size:][index]
        if len(names) == 1 and _parts_of_one_measure(ctx.text, begin, pair.start, size):
            return names[0]
    return None


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
    respectively": two parts of the one measure the clause names (rule result.respectively,
    one outcome for both pairs)."""
    return size == 2 and COORDINATED_PARTS.search(text, begin, end) is not None


# The scale named right after a pair: "her pain improved from 7 to 4 points on a numeric rating
# scale", "fell from 3 to 1 as measured by the Penn scale" (rule result.outcome_after).
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


def _names_own_measure(text: str, start: int, end: int) -> bool:
    """Whether the words between a pair and the one before it in the sentence name a measure
    ("...(p = 0.006) and peak knee flexion from 38.5 to 44.1", "; spasms per day 11 \u2192 3"):
    then the earlier pair's measure is not this pair's."""
    gap = BRACKETED.sub(" ", text[start:end])
    return any(w.lower() not in PAIR_GLUE_WORDS for w in NAME_WORD.findall(gap))


def _pair_outcome(
    pair: PairHit, outcomes: list[OutcomeHit], ctx: FieldContext, own_from: int = -1
) -> str | None:
    """The outcome named before the pair in its clause, else the scale named right after it.
    With ``own_from`` (the pair names its own measure after an earlier pair) the name must lie
    after ``own_from``: the earlier pair's measure is not inherited."""
    if pair.respective:
        return _group_outcome(pair, outcomes, ctx)
    at = pair.link_at if pair.link_at >= 0 else pair.start
    name = _link(at, outcomes, ctx, clause_only=True)
    if (
        name is not None
        and own_from >= 0
        and not any(o.name == name and own_from <= o.start and o.end <= at for o in outcomes)
    ):
        name = None
    if name is None:
        after = next((o for o in outcomes if o.start >= pair.end), None)
        if after is not None and SCALE_AFTER.match(ctx.text, pair.end, after.start):
            return after.name
    return name


def _next_pair_start(pairs: Sequence[PairHit], index: int, s_end: int) -> int:
    """Where the next pair (not one of this pair's group) starts, else the sentence end."""
    start = pairs[index].start
    return next((q.start for q in pairs[index + 1 :] if q.start > start), s_end)


def _decimals(text: str) -> int:
    m = DECIMALS.search(text)
    return len(m.group(1)) if m else 0


# A review's own sample is a pooled count ("a total of 143", "eight studies with 143 patients").
POOLED_SAMPLE_RULES = frozenset({"sample.pooled", "sample.pooled_studies"})


def _sample_size(
    hits: list[SampleHit], single: SampleHit | None, design: str, ctx: FieldContext
) -> SampleHit | None:
    if design == "review":
        return None
    if design == "systematic review/meta-analysis":
        hits = [h for h in hits if h.rule_id in POOLED_SAMPLE_RULES]
    # Counts in the background ("About 130,000 people live with MS") describe the disease, not the
    # study, whenever the rest of the abstract gives one.
    studied = [
        h for h in hits if (ctx.section_at(h.start) or "").lower() not in BACKGROUND_SECTIONS
    ]
    hits = studied or hits
    # "only the 26 who completed ... were analysed": the analysed subset, not the larger total.
    hits = [h for h in hits if h.rule_id == "sample.analysed_only"] or hits
    if hits:
        return max(hits, key=lambda h: (h.n, -h.start))
    if single is not None:
        return single
    return None


# Rule study.concept_context: mentions that say who was left out ("patients already on intrathecal
# baclofen were excluded") do not count towards the ITB/HSP flags, and background mentions count
# only when the rest of the abstract also names the concept ("Background: ITB is effective ...").
EXCLUSION_SENTENCE = re.compile(
    r"\b(?:were|was|been|are|is)\s+excluded\b|\bexclusion\s+criteri|\bexcluding\b", re.I
)


def _population_mentions(matches: list[Match], kind: str, ctx: FieldContext, lowered: str) -> int:
    mentions = [m for m in matches if m.entry.kind == kind]
    if not mentions:
        return 0
    kept = mentions
    if "exclu" in lowered:
        kept = []
        for m in mentions:
            s_start, s_end = ctx.sentence_bounds(m.start)
            if not EXCLUSION_SENTENCE.search(ctx.text, s_start, s_end):
                kept.append(m)
    if not any(ctx.section_labels):
        return len(kept)
    outside_background = [
        m for m in kept if (ctx.section_at(m.start) or "").lower() not in BACKGROUND_SECTIONS
    ]
    return len(kept) if outside_background else 0


def _with_patterns(
    pipeline: Pipeline, matches: list[Match], text: str, lowered: str, kind: str
) -> list[Match]:
    """``matches`` plus concept-pattern hits of ``kind`` that overlap no lexicon match of it
    ("SPG15" is not in the lexicon; "SPG4" is, and counts once). Rule ids from
    lexicons/concept_patterns.yaml."""
    extra = []
    taken = [(m.start, m.end) for m in matches if m.entry.kind == kind]
    for start, end, rule_id in concept_pattern_spans(text, lowered, kind):
        if not any(s < end and start < e for s, e in taken):
            entry = pipeline.entries[f"{kind}.term"][1]
            extra.append(Match(entry, "concept_patterns.yaml", start, end, rule_id))
    return [*matches, *extra] if extra else matches


def _title_counts(pipeline: Pipeline, title: str) -> tuple[int, int]:
    if not title:
        return 0, 0
    lowered = lower_same_length(title)
    counts = []
    for gated, kind in ((pipeline.title_itb, "itb"), (pipeline.title_hsp, "hsp")):
        spans = (
            [m.span() for m in gated.pattern.finditer(title)]
            if gated.may_match(title, lowered)
            else []
        )
        extra = [
            hit
            for hit in concept_pattern_spans(title, lowered, kind)
            if not any(s < hit[1] and hit[0] < e for s, e in spans)
        ]
        counts.append(len(spans) + len(extra))
    return counts[0], counts[1]


class FieldTooLong(ValueError):
    """A title or abstract over the extraction limit: the record is refused, not cut."""

    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(
            f"{field} is {length:,} characters, over the limit of {limit:,}"
            " (extractors.engine.MAX_FIELD_CHARS): not extracted"
        )
        self.field = field
        self.length = length
        self.limit = limit


def extract_study(
    id: str,
    title: str,
    abstract: str,
    *,
    sections: Sequence[tuple[str | None, int, int]] = (),
    mesh_terms: Sequence[str] = (),
    publication_types: Sequence[str] = (),
    keywords: Sequence[str] = (),
    max_field_chars: int = MAX_FIELD_CHARS,
) -> StudyExtraction:
    """Extract every mention from one record; offsets index into ``abstract``.

    Raises ``FieldTooLong`` for a title or abstract over ``max_field_chars`` characters (benchmarks
    lift the limit, up to spaCy's max_length, to measure the extractors alone)."""
    for name, text in (("title", title), ("abstract", abstract)):
        if len(text) > max_field_chars:
            raise FieldTooLong(name, len(text), max_field_chars)
    pipeline = get_pipeline()
    doc = pipeline.nlp.make_doc(abstract)
    ctx = build_context("abstract", abstract, doc, sections)
    lowered = lower_same_length(abstract)
    abbreviations = find_abbreviations(abstract) if "(" in abstract or "[" in abstract else []
    matches = lexicon_matches(pipeline, doc, abstract, abbreviations)

    def sentence_start(offset: int) -> int:
        return ctx.sentence_bounds(offset)[0]

    outcome_hits = find_outcomes(
        abstract, doc, matches, abbreviations, pipeline.by_phrase, sentence_start, lowered
    )
    if sections or ctx.section_labels:
        # Events named in the background ("Pump infection is the most feared complication") are
        # context, not this study's outcomes. Only events: a background section often also states
        # the aim, with the instruments the study used.
        outcome_hits = [
            h
            for h in outcome_hits
            if not (
                h.rule_id in pipeline.negatable_ids
                and (ctx.section_at(h.start) or "").lower() in BACKGROUND_SECTIONS
            )
        ]
    outcome_mentions = tuple(
        OutcomeMention(h.name, ctx.prov(h.start, h.end, h.rule_id), h.in_lexicon)
        for h in outcome_hits
    )

    p_hits: list[PValueHit] = find_p_values(abstract) if _may_have_p(abstract) else []
    respective = _respective_outcomes(p_hits, outcome_hits, ctx)
    p_values = [
        PValue(
            h.comparator,
            h.value,
            respective[i] if i in respective else _link(h.start, outcome_hits, ctx),
            ctx.prov(h.start, h.end, h.rule_id),
            h.reported_ns,
        )
        for i, h in enumerate(p_hits)
    ]

    drugs = [m for m in matches if m.lexicon == "drugs.jsonl"]
    doses = []
    dose_hits = find_doses(abstract, sentence_start, lowered) if _may_have_dose(abstract) else []
    title_drugs = _title_drugs(pipeline, title) if dose_hits and not drugs else []
    for d in dose_hits:
        drug, route = _dose_drug_route(d, drugs, ctx, title_drugs)
        doses.append(
            DoseMention(
                d.value,
                d.sd,
                d.range,
                d.unit,
                drug,
                route,
                d.kind,
                ctx.prov(d.start, d.end, d.rule_id),
            )
        )

    tests = []
    for t in find_test_statistics(abstract) if "=" in abstract else []:
        following = next((p for p in p_values if 0 <= p.prov.start - t.end <= 40), None)
        consistent = None
        if following is not None and following.value is not None and t.p_recomputed is not None:
            consistent = p_consistent(
                t.p_recomputed,
                following.comparator,
                following.value,
                _decimals(following.prov.text),
            )
        tests.append(
            TestStatistic(
                t.kind,
                t.value,
                t.df,
                t.p_recomputed,
                consistent,
                ctx.prov(t.start, t.end, "test_statistic"),
            )
        )

    results = []
    # Only sentences holding a pair cue are searched (one C-speed scan finds them all).
    pair_sentences = _sentences_with(ctx, lowered, PAIR_CUES) if ctx.sent_starts else []
    conventions = declared_conventions(abstract) if pair_sentences else NO_CONVENTIONS
    for s_index in pair_sentences:
        s_start, s_end = ctx.sent_starts[s_index], ctx.sent_ends[s_index]
        pairs = sorted(
            find_pairs(abstract[s_start:s_end], s_start, conventions),
            key=lambda h: (h.start, h.group[0]),
        )
        timepoints = _pair_timepoints(pairs, s_start, s_end, ctx, lowered)
        for index, pair in enumerate(pairs):
            limit = _next_pair_start(pairs, index, s_end)
            grouped = pair.group[1] > 1
            previous_end = max((q.end for q in pairs if q.end <= pair.start), default=-1)
            own_name = (
                not grouped
                and previous_end >= 0
                and _names_own_measure(abstract, previous_end, pair.start)
            )
            outcome = _pair_outcome(pair, outcome_hits, ctx, previous_end if own_name else -1)
            p = (
                _group_p_value(pair, limit, p_values, abstract)
                if grouped
                else _pair_p_value(pair, limit, outcome, p_values, abstract)
            )
            if (
                outcome is None
                and p is not None
                and not grouped
                and not _names_own_measure(abstract, max(previous_end, s_start), pair.start)
            ):
                # "Scores fell from 3 to 1 (p < 0.001)": the measure named sentences earlier
                # is the one the p-value already reports on (rule result.outcome_from_p); a
                # pair that names its own, unrecognised measure ("The co-contraction index fell
                # from ...") does not take another's.
                outcome = p.outcome
            if outcome is None:
                continue  # a change in an unnamed measure is not a result a reviewer can use
            test = next(
                (t for t in tests if t.prov and pair.post_start <= t.prov.start <= pair.end + 20),
                None,
            )
            results.append(
                ResultPair(
                    outcome,
                    pair.pre,
                    pair.post,
                    p,
                    ctx.prov(pair.start, pair.end, pair.rule_id),
                    test,
                    timepoints[index],
                    pair.unit,
                )
            )

    title_itb, title_hsp = _title_counts(pipeline, title)
    itb_hits, hsp_hits = (
        _population_mentions(
            _with_patterns(pipeline, matches, abstract, lowered, kind), kind, ctx, lowered
        )
        for kind in ("itb", "hsp")
    )
    is_itb, itb_evidence = decide_itb(
        title_itb,
        itb_hits,
        mesh_terms,
        keywords,
        title_names_baclofen=bool(BACLOFEN_WORD.search(title)),
    )
    is_hsp, hsp_evidence = decide_hsp(title_hsp, hsp_hits, mesh_terms, keywords)
    persons = [(m.start, m.end) for m in matches if m.entry.kind == "person"]
    candidates = find_sample_candidates(abstract, persons, lowered)
    single = None if candidates else find_single_case(abstract, lowered)
    provisional = max((h.n for h in candidates), default=1 if single else None)
    design, design_evidence = decide_design(title, abstract, publication_types, provisional, is_itb)
    # Parts of an unstated whole ("8 children (24%)") show that people were studied (the design
    # cue above) but are not the sample.
    sample_hit = _sample_size(without_parts(abstract, candidates), single, design, ctx)
    sample = (
        SampleSize(sample_hit.n, ctx.prov(sample_hit.start, sample_hit.end, sample_hit.rule_id))
        if sample_hit
        else None
    )
    follow_up_hit = choose_follow_up(find_follow_ups(abstract, lowered))
    follow_up = (
        FollowUp(
            follow_up_hit.value,
            follow_up_hit.sd,
            follow_up_hit.range,
            follow_up_hit.unit,
            ctx.prov(follow_up_hit.start, follow_up_hit.end, follow_up_hit.rule_id),
        )
        if follow_up_hit
        else None
    )
    if sample is None and design == "case report":
        sample = SampleSize(1, ctx.prov(0, 0, "sample.case_report_design"))
    evidence = {
        "is_itb_study": itb_evidence,
        "is_hsp_population": hsp_evidence,
        "design": design_evidence,
        "sample_size": [f"{sample.prov.rule_id}: {sample.prov.text!r}"] if sample else [],
    }
    return StudyExtraction(
        id=id,
        is_itb_study=is_itb,
        is_hsp_population=is_hsp,
        design=design,
        sample_size=sample,
        outcome_measures=outcome_mentions,
        doses=tuple(doses),
        p_values=tuple(p_values),
        results=tuple(results),
        test_statistics=tuple(tests),
        evidence=evidence,
        extractor_version=EXTRACTOR_VERSION,
        follow_up=follow_up,
        title=title,
        abstract=abstract,
    )


# Where a result's timepoint stops applying: the next clause ("; ", ", while", ", but"); the own
# timepoint after a pair also stops at ", and" ("fell from 3 to 1, and the dose at one year was").
TIMEPOINT_CLAUSE = re.compile(r";\s|,\s+(?:while|whereas|but)\b")
TIMEPOINT_CLAUSE_AHEAD = re.compile(r";\s|,\s+(?:and|while|whereas|but)\b")


def _pair_timepoints(
    pairs: Sequence[PairHit], s_start: int, s_end: int, ctx: FieldContext, lowered: str
) -> list[str | None]:
    """Timepoint of each pair's post value (rule ids in lexicons/follow_up.yaml, timepoint.*).

    Looked for after the post value up to the next pair ("fell from 3 to 1 at six months"); a
    timepoint after the last of pairs coordinated in one clause ("MAS fell from 3 to 1 and the
    PSFS from 3 to 1 after six months") holds for them all; else one earlier in the clause
    ("At two years ... the MAS had fallen from 2.9 to 1.6")."""
    text = ctx.text
    own: list[str | None] = []
    for index, pair in enumerate(pairs):
        limit = _next_pair_start(pairs, index, s_end)
        ahead = TIMEPOINT_CLAUSE_AHEAD.search(text, pair.end, limit)
        found = find_timepoint(text, lowered, pair.post_start, ahead.start() if ahead else limit)
        own.append(found[0] if found else None)
    result = list(own)
    for index in range(len(pairs) - 2, -1, -1):
        nxt = pairs[index + 1]
        if (
            result[index] is None
            and result[index + 1] is not None
            and not TIMEPOINT_CLAUSE.search(text, pairs[index].end, nxt.start)
        ):
            result[index] = result[index + 1]
    for index, pair in enumerate(pairs):
        if result[index] is None:
            begin = max(
                (m.end() for m in TIMEPOINT_CLAUSE.finditer(text, s_start, pair.start)),
                default=s_start,
            )
            earlier = [q.end for q in pairs[:index] if q.start < pair.start]
            begin = max(begin, earlier[-1] if earlier else s_start)
            # A listed pair's time point may sit between its pre and post values ("...; after
            # six months they were 1.6 and 0.61").
            end = pair.post_start if pair.link_at >= 0 else pair.start
            found = find_timepoint(text, lowered, begin, end)
            result[index] = found[0] if found else None
    return result


ANY_DIGIT = re.compile(r"\d")
UNIT_SUBSTRINGS = ("\u03bcg", "\u00b5g", "ug", "mcg", "mg", "microg", "milligram", "micro-g")


def _may_have_dose(text: str) -> bool:
    """Cheap pre-check: a dose needs a mass unit (substring search is C-speed)."""
    return any(unit in text for unit in UNIT_SUBSTRINGS) or "MG" in text or "UG" in text


def _may_have_p(text: str) -> bool:
    """Cheap pre-check: every p-value form contains a digit or "NS"/"significant" in parentheses."""
    return bool(ANY_DIGIT.search(text)) or "NS" in text or "n.s." in text or "significant)" in text
