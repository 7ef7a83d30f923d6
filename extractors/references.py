"""Lexicon matches of one field, with in-abstract references resolved: a pure function.

Why here and not in the matchers: what a short form names depends on the rest of the abstract.
- An abbreviation the abstract defines ("modified Ashworth Scale (MAS)") names that long form's
  entry at every use, before its definition too (authors often use it in the title or the first
  sentence); a lexicon abbreviation the abstract defines as something else is dropped.
- A short or generic form listed under an entry's ``short_forms`` ("Ashworth", "spasm score",
  "tone") names that entry where the abstract named it in full earlier, and inside brackets after
  a domain word ("spasticity scores (Ashworth)"). Elsewhere it is what the other lexicon entries
  say it is ("spasm score" alone is Spasm frequency, guide rule N4) or nothing.
- "the scale", "this test" name the nearest instrument named in full before them with that head.
- A construct's bare word ("spasticity", "pain") names its free-text entry (``bare_forms``) only
  where no reference or longer match claims the same words; the gate then asks for a finding.
- A generic rating scale ("an 11-point numerical rating scale") names the construct's version of
  it (``LexiconEntry.rates``) for each construct its sentence says it rates, and those construct
  words, there and elsewhere, then name the scale, not measures of their own (guide N6, O6).
Overlaps are then resolved longest first, within a lexicon group.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable

from spacy.tokens import Doc

from extractors.abbreviations import Abbreviation
from extractors.nlp import Pipeline
from extractors.outcomes import Match

OUTCOMES = "outcomes.jsonl"
# Overlaps are resolved within a group: an excluded phrase blocks an outcome, not a drug.
LEXICON_GROUP = {"exclusions.jsonl": OUTCOMES}
# "the scale", "this test": a generic head that refers back to a named instrument.
GENERIC_REFERENCE = re.compile(
    r"\b(?:the|this|that|these)\s+(scale|test|index|questionnaire|inventory)s?\b", re.I
)

GENERIC_HEADS = ("scale", "test", "index", "questionnaire", "inventory")

Found = tuple[str, int, int, str]  # entry id, start, end, rule id


def standalone_uses(text: str, short: str) -> list[tuple[int, int]]:
    """Every use of an abbreviation not glued to a word ("MAS" but not "MASS" or "pre-MAS").

    A ``str.find`` scan: each abstract defines its own abbreviations, so a compiled regex per
    abbreviation missed the ``re`` cache on every new abstract (measured, 5% of extraction)."""
    uses: list[tuple[int, int]] = []
    start = text.find(short)
    while start != -1:
        end = start + len(short)
        before = text[start - 1] if start else ""
        after = text[end] if end < len(text) else ""
        if not (before == "-" or before == "_" or before.isalnum()) and not (
            after.isascii() and after.isalnum()
        ):
            uses.append((start, end))
        start = text.find(short, start + 1)
    return uses


def _spans(doc: Doc, raw: list[tuple[int, int, int]], rule: str | None) -> list[Found]:
    strings = doc.vocab.strings
    found: list[Found] = []
    for match_id, start, end in raw:
        last = doc[end - 1]
        label = strings[match_id]
        found.append((label, doc[start].idx, last.idx + len(last), rule or label))
    return found


def _defined_abbreviations(
    pipeline: Pipeline, text: str, found: list[Found], abbreviations: list[Abbreviation]
) -> list[Found]:
    resolved: dict[str, str | None] = {}
    for abbreviation in abbreviations:
        overlapping = [
            f for f in found if f[1] < abbreviation.long_end and abbreviation.long_start < f[2]
        ]
        target = (
            max(overlapping, key=lambda f: (f[2] == abbreviation.long_end, f[2] - f[1]))[0]
            if overlapping
            else None
        )
        resolved.setdefault(abbreviation.short, target)
    if not resolved:
        return found
    # Drop lexicon abbreviations the abstract defines as something else.
    kept = [
        f
        for f in found
        if not (
            text[f[1] : f[2]] in resolved
            and resolved[text[f[1] : f[2]]] != f[0]
            and text[f[1] : f[2]] in pipeline.entries[f[0]][1].abbreviations
        )
    ]
    for short, target in resolved.items():
        if target is not None:
            kept += [(target, s, e, target) for s, e in standalone_uses(text, short)]
    return kept


def _short_form_references(
    pipeline: Pipeline, text: str, found: list[Found], short: list[Found]
) -> list[Found]:
    """Short forms of an entry the abstract names in full (anywhere: guide rules N3, N4 name the
    instrument from any mention in the abstract), or that stand in brackets."""
    if not short:
        return []
    wanted = {s[0] for s in short}
    # Sorted by start, with the starts of each wanted label: overlaps and distances are looked up
    # by bisection (a long abstract has thousands of matches; scanning them all per short form
    # was quadratic).
    by_start = sorted(found, key=lambda f: f[1])
    starts = [f[1] for f in by_start]
    longest = max((f[2] - f[1] for f in found), default=0)
    named: set[str] = set()
    for f in found:
        if (
            f[0] in wanted
            and f[0] not in named
            and pipeline.entries[f[0]][0] == OUTCOMES
            and _not_inside_longer(f, by_start, starts, longest)
        ):
            named.add(f[0])
    starts_of: dict[str, list[int]] = {}
    for f in by_start:
        if f[0] in named:
            starts_of.setdefault(f[0], []).append(f[1])
    out: list[Found] = []
    by_span: dict[tuple[int, int], list[str]] = {}
    for label, start, end, _ in short:
        by_span.setdefault((start, end), []).append(label)
    for (start, end), labels in by_span.items():
        candidates = [lab for lab in labels if lab in named]
        if candidates:
            # The instrument named nearest the short form, before it if any.
            target = min(candidates, key=lambda lab: _distance(starts_of[lab], start))
            out.append((target, start, end, "outcome.reference_short_form"))
        elif text[max(0, start - 8) : start].rstrip().endswith(("(", "[")) and text[
            end : end + 8
        ].lstrip()[:1] in (")", "]"):
            target = min(labels, key=lambda lab: len(pipeline.entries[lab][1].canonical))
            out.append((target, start, end, "outcome.bracketed_short_form"))
    return out


def _not_inside_longer(f: Found, by_start: list[Found], starts: list[int], longest: int) -> bool:
    """No longer match (or an as long one further left) overlaps ``f``: an "Ashworth Scale"
    inside "Modified Ashworth Scale" is not a naming of the Ashworth Scale. ``by_start``: the
    matches sorted by start, ``starts`` their starts, ``longest`` the longest match's length
    (only matches starting that far before ``f`` can reach it)."""
    length = f[2] - f[1]
    low = bisect_left(starts, f[1] - longest)
    high = bisect_left(starts, f[2])
    return not any(
        f[1] < g[2] and (g[2] - g[1] > length or (g[2] - g[1] == length and g[1] < f[1]))
        for g in by_start[low:high]
    )


def _distance(starts: list[int], position: int) -> tuple[int, int]:
    """Nearest start before ``position`` (rank 0) or else at or after it (rank 1); ``starts``
    sorted and not empty."""
    index = bisect_left(starts, position)
    if index:
        return 0, position - starts[index - 1]
    return 1, starts[0] - position


def _generic_references(pipeline: Pipeline, text: str, found: list[Found]) -> list[Found]:
    """ "the scale" -> the nearest instrument named in full before it whose name ends so."""
    out: list[Found] = []
    named = sorted(
        (
            (f, pipeline.entries[f[0]][1].canonical.lower())
            for f in found
            if pipeline.entries[f[0]][0] == OUTCOMES
        ),
        key=lambda named_f: named_f[0][1],
    )
    named = [(f, canonical) for f, canonical in named if canonical.endswith(GENERIC_HEADS)]
    if not named:
        return out
    for reference in GENERIC_REFERENCE.finditer(text, named[0][0][2]):
        head = reference.group(1).lower()
        before = [
            f for f, canonical in named if f[2] <= reference.start() and canonical.endswith(head)
        ]
        if before:
            out.append(
                (before[-1][0], reference.start(), reference.end(), "outcome.reference_generic")
            )
    return out


def lexicon_matches(
    pipeline: Pipeline,
    doc: Doc,
    text: str,
    abbreviations: list[Abbreviation],
    sentence_start: Callable[[int], int] | None = None,
) -> list[Match]:
    """Phrase-matcher hits plus abstract-defined abbreviations and resolved references, overlaps
    resolved longest-first (a resolved reference wins a tie with the plain match it covers).

    ``text`` is the doc's text, passed in because ``Doc.text`` rebuilds it token by token;
    ``sentence_start`` is the scope model's (the start of a period-ended sentence without it)."""
    # Token -> character offsets for the matched tokens only: ``doc.to_array(...).tolist()``
    # over every token cost more than tokenising (measured), and matches are few.
    spans = _spans(doc, [*pipeline.names(doc), *pipeline.abbreviations(doc)], None)
    short_of = pipeline.short_form_keys
    bare_of = pipeline.bare_form_keys
    bare = [(bare_of[f[0]], f[1], f[2], "outcome.bare_construct") for f in spans if f[0] in bare_of]
    found = [f for f in spans if f[0] not in short_of and f[0] not in bare_of]
    short = [(short_of[f[0]], f[1], f[2], f[3]) for f in spans if f[0] in short_of]
    found = _defined_abbreviations(pipeline, text, found, abbreviations)
    references = _short_form_references(pipeline, text, found, short)
    if "the " in text or "this " in text or "these " in text or "that " in text:
        references += _generic_references(pipeline, text, found)
    # Overlaps are resolved within a lexicon group only: "intrathecal baclofen" is both a drug
    # mention (for doses) and an ITB concept (for the study flag). Longest first, then a
    # reference before a plain match of the same span, a bare construct word last, then leftmost.
    matches: list[Match] = []
    # Per group, the spans taken so far: disjoint, so sorted by start they are sorted by end too
    # and only the neighbours of a new span can overlap it.
    taken: dict[str, list[tuple[int, int]]] = {}
    ranked = [(f, 0) for f in references] + [(f, 1) for f in set(found)] + [(f, 2) for f in bare]
    for (label, start, end, rule_id), rank in sorted(
        ranked, key=lambda r: (r[0][1] - r[0][2], r[1], r[0][1])
    ):
        lexicon, entry = pipeline.entries[label]
        group = taken.setdefault(LEXICON_GROUP.get(lexicon, lexicon), [])
        index = bisect_right(group, (start, end))
        if (index and group[index - 1][1] > start) or (
            index < len(group) and group[index][0] < end
        ):
            continue
        insort(group, (start, end))
        matches.append(Match(entry, lexicon, start, end, rule_id, bare=rank == 2))
    matches.sort(key=lambda m: m.start)
    if pipeline.rated_scales and any(m.entry.id in pipeline.generic_scales for m in matches):
        matches = _rated_constructs(
            pipeline, text, matches, sentence_start or _period_sentence_start(text)
        )
    return matches


def _period_sentence_start(text: str) -> Callable[[int], int]:
    def start(position: int) -> int:
        found = text.rfind(". ", 0, position)
        return found + 2 if found >= 0 else 0

    return start


# "Pain and sleep disturbance were recorded": constructs joined in one list.
CONSTRUCT_JOIN = re.compile(r"\s*(?:,\s*(?:and\s+|or\s+)?|and\s+|or\s+|/\s*)")
# "an NRS for pain", "a numeric rating scale (0-10) of spasticity".
RATED_AFTER = re.compile(r"\s*(?:\([^()]*\)\s*)?(?:for|of)\s+(?:the\s+)?(?:[\w\u2010-]+\s+){0,2}")


def _rated_constructs(
    pipeline: Pipeline, text: str, matches: list[Match], sentence_start: Callable[[int], int]
) -> list[Match]:
    """Rule outcome.rated_construct: a generic rating scale takes the constructs of its own
    sentence: the list of constructs nearest before it with no other measure between
    ("Pain and sleep disturbance were recorded on an NRS"), or the construct right after "for"
    or "of" ("an NRS for spasticity"). A mention whose sentence names none takes the constructs
    the abstract's other mentions of the scale rate (rule outcome.rated_construct_reference), if
    they agree, or else the one construct with a version of the scale the abstract writes
    anywhere ("pain" in a pain study: rule outcome.rated_construct_of_abstract); otherwise it
    stays the generic scale (guide X-O4: no construct written)."""
    outcomes = [m for m in matches if m.lexicon == OUTCOMES]
    rated: dict[int, list[str]] = {}  # id(scale mention) -> the ids of its constructs
    unknown: set[int] = set()  # scale mentions rating a construct the vocabulary has no scale of
    for index, scale in enumerate(outcomes):
        if scale.entry.id not in pipeline.generic_scales:
            continue
        constructs = _constructs_before(pipeline, text, outcomes, index, sentence_start)
        previous = outcomes[index - 1] if index else None
        if (
            not constructs
            and previous is not None
            and previous.start >= sentence_start(scale.start)
            and (previous.entry.free_text or previous.bare)
        ):
            unknown.add(id(scale))  # "fatigue with a numeric rating scale"
        if not constructs:
            after = outcomes[index + 1] if index + 1 < len(outcomes) else None
            construct = _construct(pipeline, text, scale, after) if after else None
            if (
                after is not None
                and construct is not None
                and RATED_AFTER.fullmatch(text, scale.end, after.start)
            ):
                constructs = [construct]
        if constructs:
            rated[id(scale)] = constructs
    agreed = {tuple(cs) for cs in rated.values()}
    # A construct one scale rates names that scale, there and elsewhere in the abstract ("the
    # mean intensity of pain fell (p = 0.005)" after "pain was rated on an NRS"; guide O6).
    scale_of: dict[str, set[str]] = {}
    for scale in outcomes:
        for construct_id in rated.get(id(scale), ()):
            scale_of.setdefault(construct_id, set()).add(scale.entry.id)
    out: list[Match] = []
    for m in matches:
        scales = scale_of.get(m.entry.id, set()) if m.lexicon == OUTCOMES else set()
        if len(scales) == 1:
            entry = pipeline.rated_scales[(next(iter(scales)), m.entry.id)]
            reference = "outcome.rated_construct_reference"
            out.append(Match(entry, m.lexicon, m.start, m.end, reference))
            continue
        if m.lexicon != OUTCOMES or m.entry.id not in pipeline.generic_scales:
            out.append(m)
            continue
        written = {c for o in outcomes if (c := _construct(pipeline, text, m, o)) is not None}
        if id(m) in rated:
            ids, rule = tuple(rated[id(m)]), "outcome.rated_construct"
        elif len(agreed) == 1:
            ids, rule = next(iter(agreed)), "outcome.rated_construct_reference"
        elif not rated and len(written) == 1 and id(m) not in unknown:
            ids, rule = tuple(written), "outcome.rated_construct_of_abstract"
        else:
            out.append(m)
            continue
        for construct in ids:
            entry = pipeline.rated_scales[(m.entry.id, construct)]
            out.append(Match(entry, m.lexicon, m.start, m.end, rule))
    return out


def _construct(pipeline: Pipeline, text: str, scale: Match, m: Match) -> str | None:
    """The id of the construct ``m`` names that has a version of ``scale``, or None; a word
    resolved as a reference to an instrument ("spasticity" beside a named Ashworth scale) still
    names its construct here."""
    if (scale.entry.id, m.entry.id) in pipeline.rated_scales:
        return m.entry.id
    construct = pipeline.construct_words.get(text[m.start : m.end].lower())
    if construct is not None and (scale.entry.id, construct) in pipeline.rated_scales:
        return construct
    return None


def _constructs_before(
    pipeline: Pipeline,
    text: str,
    outcomes: list[Match],
    index: int,
    sentence_start: Callable[[int], int],
) -> list[str]:
    """The ids of the list of rated constructs nearest before ``outcomes[index]`` in its
    sentence."""
    scale = outcomes[index]
    begin = sentence_start(scale.start)
    group: list[str] = []
    last: Match | None = None
    for previous in reversed(outcomes[:index]):
        construct = _construct(pipeline, text, scale, previous)
        if previous.start < begin or construct is None:
            break
        if last is not None and not CONSTRUCT_JOIN.fullmatch(text, previous.end, last.start):
            break
        group.append(construct)
        last = previous
    return group[::-1]
