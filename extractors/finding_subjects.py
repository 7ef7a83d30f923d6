"""Measures no lexicon knows, named by the finding on them (lexicons/finding_subjects.yaml).

Why: a p-value reports on a measure. When the abstract names it with a phrase outside the outcome
lexicon ("Nocturnal awakenings decreased from 3.4 to 1.2 (p = 0.004)"), nothing marked the measure
and the p-value went to the nearest lexicon measure earlier in the sentence: a wrong link, which
a reviewer trusts less than a missing one. That measure is the phrase heading a clause with a
change verb, "was <value>", an understood verb ("and X from 38 to 44") or an arrowed pair; the
object of a change or comparison ("a reduction in X", "had a higher X than", "as was X"); the
noun phrase right before a p-value; or an item of a list of results. Each rule needs the clause
to report a p-value or a pre -> post pair (a change alone is often narrative), and anchors are
only looked for before those, which keeps the cost to a few windows per abstract.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import cache

import yaml

from extractors.lexicon import LexiconError, _read_text
from extractors.scan import lower_same_length

FINDING_SUBJECTS_FILE = "finding_subjects.yaml"
_CONJUNCTION = r"(?:and|but|while|whereas|although|though|yet)"
# What separates the clause that holds the finding from what comes before it.
CLAUSE_START = re.compile(rf"[;:,(\[]\s*(?:{_CONJUNCTION}\s+)?|\s{_CONJUNCTION}\s+", re.I)
# A semicolon inside brackets ("(0.44 vs 0.19; P = 0.01)") does not end the clause.
CLAUSE_END = re.compile(
    r";\s(?![^()\[\]]*[)\]])|\.\s|,\s+(?:and|while|whereas|but|although)\s|\s(?:while|whereas)\s"
)
# A p-value or a pre -> post pair in the clause: the finding is reported, not narrated.
P_VALUE = r"\b[Pp]\s*(?:[<>=\u2264\u2265]|[-\u2010\s]?values?\b|less\s+than)"
REPORTED = re.compile(
    rf"{P_VALUE}|\bfrom\s+(?:an?\s+\w+\s+of\s+)?\(?[-\u2212]?\d[^;]{{0,80}}?\bto\s+[-\u2212]?\d"
)
# The same two cues for a scan of the lower-cased text: each led by a literal, which the regex
# engine finds with a fast prefix search (one alternation led by \b tried every position).
P_CUE = re.compile(r"p\s*(?:[<>=\u2264\u2265]|[-\u2010\s]?values?\b|less\s+than)")
PAIR_CUE = re.compile(r"from\s+(?:an?\s+\w+\s+of\s+)?\(?[-\u2212]?\d[^;]{0,80}?\bto\s+[-\u2212]?\d")
HAS_P = re.compile(P_VALUE)
ARROWS = ("\u2192", "\u27f6", "\u279e", "\u21d2", "->")
ARROW_PAIR = re.compile(
    r"[-\u2212]?\d+(?:[.,\u00b7]\d+)?(?:\s*(?:\u00b1|\+/-)\s*\d+(?:[.,\u00b7]\d+)?)?\s*"
    r"(?:\u2192|\u27f6|\u279e|\u21d2|-+>|\u2013>)\s*[-\u2212]?\d"
)
NON_SPACE = re.compile(r"\S+")
LOOK_BACK = 120  # characters before an anchor searched for the name
ANCHOR_WINDOW = 250  # characters before a p-value or pair searched for an anchor
# A word of a name: a letter first, then letters, digits, "/" and hyphens ("Hmax/Mmax", "P300",
# "10-metre" is reached through the hyphen compound of the word before it).
_WORD = r"[A-Za-z][A-Za-z0-9'/\u2010\u2011\u2013-]*"
_NUMBER = r"[-\u2212]?\d+(?:[.,\u00b7]\d+)?"


class FindingKind(Enum):
    """Where a finding rule looks for the name; its rule id is ``outcome.finding_<value>``."""

    SUBJECT = "subject"  # opens a clause with a change verb
    VALUE = "value"  # opens a clause with "was/were <number>"
    ELLIPTIC = "elliptic"  # "... and X from 38 to 44": the verb is understood
    ARROW = "arrow"  # "X 3·4 → 1·9"
    OBJECT = "object"  # "a reduction in X", "had a higher X than"
    BEFORE_P = "before_p"  # "the X (p = ...)"
    LISTED = "listed"  # "...: X, 14.2 vs 10.1 (P = 0.003); Y, ..."

    @property
    def rule_id(self) -> str:
        return f"outcome.finding_{self.value}"


# The kinds whose name opens its clause (after opening words only).
CLAUSE_OPENING_KINDS = frozenset(
    {FindingKind.SUBJECT, FindingKind.VALUE, FindingKind.ELLIPTIC, FindingKind.ARROW}
)


@dataclass(frozen=True, slots=True)
class FindingRule:
    """An anchor found by a scan (a verb, a p-value, "vs"), then the name matched next to it:
    scanning for the name pattern itself at every position of every abstract cost more than the
    rest of the extractor (measured)."""

    kind: FindingKind
    anchor: re.Pattern[str]
    phrase: re.Pattern[str]  # group np; ends at the anchor (backward) or starts after it
    backward: bool

    @property
    def id(self) -> str:
        return self.kind.rule_id


@dataclass(frozen=True, slots=True)
class FindingRules:
    rules: tuple[FindingRule, ...]
    leading: frozenset[str]
    refused: frozenset[str]
    generic: frozenset[str]
    trimmed: frozenset[str]
    dropped_openings: tuple[str, ...]
    angle_heads: frozenset[str]
    singular_heads: dict[str, str]


@dataclass(frozen=True, slots=True)
class FindingHit:
    name: str
    start: int
    end: int
    rule_id: str


@cache
def load_rules() -> FindingRules:
    try:
        raw = yaml.safe_load(_read_text(FINDING_SUBJECTS_FILE))
        verbs = "|".join(f"(?:{v})" for v in raw["change_verbs"])
        comparisons = "|".join(f"(?:{c})" for c in raw["comparison_objects"])
        nouns = "|".join(f"(?:{n})" for n in raw["change_nouns"])
        joiners = "|".join(raw["joiners"])
        for key in ("stop_words", "refused_words", "generic_words", "trimmed_words", "joiners"):
            if not all(isinstance(w, str) for w in raw[key]):
                raise TypeError(f"{key}: every entry must be a string (quote 'on', 'no', 'yes')")
        stop = "|".join(sorted(raw["stop_words"]))
        word = rf"(?<![\w'\u2010\u2011\u2013-])(?!(?:{stop})\b){_WORD}"
        phrase = rf"(?P<np>{word}(?:\s+(?:(?:{joiners})\s+(?:the\s+)?)?{word}){{0,6}})"
        tail = rf"(?:\s+{raw['qualifier']})?"
        adverb = rf"(?:\s+(?:{raw['adverbs']}))?"
        # "Peak ankle power generation (A2) rose": a short bracket may follow the name.
        label = r"(?:\s*\([^()]{1,15}\))?"
        before_verb = rf"{label}{tail}{adverb}\s+"
        rules = (
            # (kind, anchor, phrase pattern, phrase before the anchor?)
            (FindingKind.SUBJECT, rf"\b(?:{verbs})\b", rf"{phrase}{before_verb}", True),
            (FindingKind.VALUE, r"\b(?:was|were)\s+(?=\d)", rf"{phrase}{tail}\s+", True),
            # "... (p = 0.006) and peak swing-phase knee flexion from 38.5 to 44.1 (p = 0.02)": the
            # verb of the clause before is understood.
            (FindingKind.ELLIPTIC, PAIR_CUE.pattern, rf"{phrase}{label}\s+", True),
            # "...: lower-limb Ashworth score 3·4 ± 0·6 → 1·9 ± 0·7 (p<0·001); spasms per day
            # 11·2 → 3·1 (p=0·003)": a name right before an arrowed pair.
            (FindingKind.ARROW, ARROW_PAIR.pattern, rf"{phrase}{label}\s+", True),
            (
                FindingKind.OBJECT,
                rf"\b(?:(?:{nouns})\s+(?:in|of|for)\s+(?:the\s+)?|"
                rf"(?:{raw['transitive_verbs']})\s+(?:the|their|its)\s+)|(?:{comparisons})(?:the\s+)?",
                rf"{phrase}(?![\w'\u2010-])",
                False,
            ),
            (
                FindingKind.BEFORE_P,
                rf"[(\[]\s*{P_VALUE}",
                rf"(?:[,;:]\s*|\b(?:and|or|but|while|whereas)\s+)the\s+{phrase}{tail}\s*",
                True,
            ),
            (
                FindingKind.LISTED,
                rf",\s*{_NUMBER}\s*(?:\([^()]{{1,40}}\)\s*)?(?:vs\.?|versus)\s+{_NUMBER}",
                rf"[:;]\s*{phrase}(?:\s+on\s+(?:the|an?)\s+[^,;:()]{{1,40}})?",
                True,
            ),
        )
        return FindingRules(
            rules=tuple(
                FindingRule(kind, re.compile(anchor), re.compile(p, re.I), backward)
                for kind, anchor, p, backward in rules
            ),
            leading=frozenset(str(w) for w in raw["leading_words"]),
            refused=frozenset(str(w) for w in raw["refused_words"]),
            generic=frozenset(str(w) for w in raw["generic_words"]),
            trimmed=frozenset(str(w) for w in raw["trimmed_words"]),
            dropped_openings=tuple(f"{o} " for o in raw["dropped_openings"]),
            angle_heads=frozenset(str(w) for w in raw["angle_heads"]),
            singular_heads={str(k): str(v) for k, v in raw["singular_heads"].items()},
        )
    except (KeyError, TypeError, re.error, yaml.YAMLError) as exc:
        raise LexiconError(f"{FINDING_SUBJECTS_FILE}: {exc}") from exc


def _clean(text: str, start: int, end: int, rules: FindingRules) -> tuple[int, int, int] | None:
    """(start, end) of the name inside a phrase span, and where the phrase begins once time and
    opening words are trimmed off its left (before "number of" is dropped); at most five words;
    None when a word names people, the treatment or a statistic, or only generic words are left."""
    words = [(m.start(), m.end()) for m in NON_SPACE.finditer(text, start, end)]
    keep = 0
    previous = ""
    for index, (w_start, w_end) in enumerate(words):
        low = text[w_start:w_end].lower()
        if low in rules.refused:
            return None
        # "spasms per day": a time word after a joiner belongs to the name.
        if (low in rules.trimmed or low in rules.leading) and previous not in ("of", "per"):
            keep = index + 1
        previous = low
    words = words[keep:]
    while words and text[words[0][0] : words[0][1]].lower() in ("of", "per", "the"):
        words = words[1:]
    opening_start = words[0][0] if words else end
    if words:
        opening = text[words[0][0] : words[-1][1]].lower()
        for dropped in rules.dropped_openings:
            if opening.startswith(dropped):
                words = words[len(dropped.split()) :]
                break
    if not words or len(words) > 5:
        return None
    lowered = [text[s:e].lower() for s, e in words]
    if all(w in rules.generic or w in ("of", "per") for w in lowered):
        return None
    first, last = words[0][0], words[-1][1]
    if sum(c.isalpha() for c in text[first:last]) < 3:
        return None
    return first, last, opening_start


def find_finding_subjects(
    text: str,
    covered: Sequence[tuple[int, int]],
    sentence_start: Callable[[int], int],
    lowered: str | None = None,
) -> list[FindingHit]:
    """Phrases naming a measure the clause reports a finding on, outside ``covered`` spans.

    Every rule needs a p-value or a pair after its anchor, so anchors are only looked for in the
    stretch of sentence before each p-value or pair (``lowered`` is ``lower_same_length(text)``
    when the caller has it: the anchor scans run on it without a case-insensitive flag)."""
    low = lowered if lowered is not None else lower_same_length(text)
    reported = sorted(
        m.start()
        for cue in (P_CUE, PAIR_CUE)
        for m in cue.finditer(low)
        if m.start() == 0 or not low[m.start() - 1].isalnum()
    )
    if not reported:
        return []
    rules = load_rules()
    hits: list[FindingHit] = []
    taken = list(covered)
    listed = "vs" in low or "versus" in low
    arrows = any(arrow in text for arrow in ARROWS)
    parts = _instrument_parts(text, low, covered)
    for window_start, window_end in _windows(reported, sentence_start):
        for rule in rules.rules:
            if (rule.kind is FindingKind.LISTED and not listed) or (
                rule.kind is FindingKind.ARROW and not arrows
            ):
                continue
            # A before-p anchor is the bracket opening a p-value that starts at the window end.
            end = window_end + 24 if rule.kind is FindingKind.BEFORE_P else window_end
            for anchor in rule.anchor.finditer(low, window_start, min(end, len(low))):
                if rule.backward:
                    m = _ending_at(rule.phrase, text, anchor.start(), window_start)
                else:
                    m = rule.phrase.match(text, anchor.end())
                if m is None:
                    continue
                hit = _accept(
                    text, m, anchor.end(), rule.kind, rules, covered, taken, sentence_start
                )
                if hit is not None and hit.name.lower() not in parts:
                    taken.append((hit.start, hit.end))
                    hits.append(hit)
    hits.sort(key=lambda h: h.start)
    return hits


# "the Sitting dimension of the Gross Motor Function Measure": a part of a lexicon instrument.
INSTRUMENT_PART = re.compile(
    r"(?P<part>[A-Za-z][\w\u2010-]*(?:\s+[A-Za-z][\w\u2010-]*)?)\s+(?:dimension|domain|subscale|"
    r"sub-scale|item|section|component)\s+of\s+(?:the\s+)?",
    re.I,
)
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+")
PART_WORDS = ("dimension", "domain", "subscale", "sub-scale", "item", "section", "component")


# Characters Python's case-insensitive matching equates with an ASCII letter of a part word
# although ``lower_same_length`` does not lower them to it (dotted capital I, dotless i, long s).
_CASE_FOLD_ODD = ("\u0130", "\u0131", "\u017f")


def _is_word_char(ch: str) -> bool:
    """``[\\w\\u2010-]`` of INSTRUMENT_PART (``\\w`` is ``str.isalnum`` or "_")."""
    return ch.isalnum() or ch in "_-\u2010"


def _part_starts(text: str, keyword: int) -> range:
    """Where an INSTRUMENT_PART match using the part word at ``keyword`` can start: inside the
    one or two words (``[\\w\\u2010-]+``, each followed by white space) right before it. Any
    other start would put a third white-space run or another character before the part word."""
    position = keyword
    for _ in range(2):
        space = position
        while space > 0 and text[space - 1].isspace():
            space -= 1
        if space == position:
            break
        word = space
        while word > 0 and _is_word_char(text[word - 1]):
            word -= 1
        if word == space:
            break
        position = word
    return range(position, keyword)


def instrument_part_matches(text: str, lowered: str) -> list[re.Match[str]]:
    """``list(INSTRUMENT_PART.finditer(text))``, trying the pattern only just before a part word.

    The pattern opens with a word, so a whole-text ``finditer`` tries it at every letter: 0.7 ms
    on an abstract that names a part word (benchmarks/extract_throughput.py). Every match holds a
    part word after one or two words, so its start lies in ``_part_starts`` of some occurrence;
    trying those starts in order, from the end of the previous match, finds what ``finditer``
    finds. ``lowered`` is ``lower_same_length(text)``."""
    if any(ch in text for ch in _CASE_FOLD_ODD):
        return list(INSTRUMENT_PART.finditer(text))
    keywords: set[int] = set()
    for word in PART_WORDS:
        index = lowered.find(word)
        while index >= 0:
            keywords.add(index)
            index = lowered.find(word, index + 1)
    starts = sorted({p for keyword in keywords for p in _part_starts(text, keyword)})
    found: list[re.Match[str]] = []
    last_end = 0
    for start in starts:
        if start < last_end:
            continue
        m = INSTRUMENT_PART.match(text, start)
        if m:
            found.append(m)
            last_end = m.end()
    return found


def _instrument_parts(text: str, low: str, covered: Sequence[tuple[int, int]]) -> set[str]:
    """Lower-cased names the abstract gives as parts of a lexicon instrument: a finding on
    "sitting" then reports on the instrument, whose mention the p-value link falls back to."""
    if not any(word in low for word in PART_WORDS):
        return set()
    starts = {start for start, _ in covered}
    return {
        LEADING_ARTICLE.sub("", m.group("part").lower())
        for m in instrument_part_matches(text, low)
        if m.end() in starts
    }


def _windows(reported: list[int], sentence_start: Callable[[int], int]) -> list[tuple[int, int]]:
    """The stretches before each p-value or pair where an anchor may sit, overlaps merged (each
    anchor is then scanned once)."""
    merged: list[tuple[int, int]] = []
    for position in reported:
        start = max(sentence_start(position), position - ANCHOR_WINDOW)
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], position)
        else:
            merged.append((start, position))
    return merged


# Where a name (or the punctuation or conjunction opening it) may begin.
PHRASE_START = re.compile(r"(?<![\w'\u2010\u2011\u2013/-])[A-Za-z]|[,;:]")
PHRASE_BREAKS = (",", ";", ":", "(", ")", "[", "]", ". ")


def _ending_at(pattern: re.Pattern[str], text: str, end: int, low: int) -> re.Match[str] | None:
    """The leftmost match of ``pattern`` that ends exactly at ``end``, starting at a word or
    punctuation start after ``low``: a few anchored attempts instead of a regex search that
    backtracks from every position of the window (measured: 4x slower)."""
    # No name, qualifier or opening word holds punctuation: no match starts before the last mark.
    # A short bracket right before the end ("generation (A2) rose") is part of the match.
    stop = end
    if text[:end].rstrip().endswith(")"):
        opening = text.rfind("(", max(low, end - 20), end)
        stop = opening if opening >= 0 else end
    low = max(low, end - LOOK_BACK, *(text.rfind(mark, low, stop) for mark in PHRASE_BREAKS))
    for start in PHRASE_START.finditer(text, low, end):
        m = pattern.fullmatch(text, start.start(), end)
        if m is not None:
            return m
    return None


def _accept(
    text: str,
    m: re.Match[str],
    after: int,
    kind: FindingKind,
    rules: FindingRules,
    covered: Sequence[tuple[int, int]],
    taken: list[tuple[int, int]],
    sentence_start: Callable[[int], int],
) -> FindingHit | None:
    s_start = sentence_start(m.start("np"))
    cleaned = _clean(text, max(m.start("np"), s_start), m.end("np"), rules)
    if cleaned is None:
        return None
    span, opening = cleaned[:2], cleaned[2]
    if any(s < span[1] and span[0] < e for s, e in taken):
        return None
    s_end = text.find(". ", after)
    s_end = s_end if s_end >= 0 else len(text)
    if kind in CLAUSE_OPENING_KINDS:
        # A subject begins its clause (after opening words only): in "Patients with HSP improved"
        # the subject is the patients, not "HSP".
        look_from = max(s_start, opening - LOOK_BACK)
        clause_start = max(
            (c.end() for c in CLAUSE_START.finditer(text, look_from, opening + 1)),
            default=look_from,
        )
        if not _opens_clause(text, clause_start, opening, rules):
            return None
        # After a bare "and", a new clause follows a finished one ("... (p = 0.01) and X fell",
        # "... to 2 and X fell"); after a word it is usually the second half of a noun phrase
        # ("the co-contraction index of the flexors and extensors fell").
        if BARE_CONJUNCTION_BEFORE.search(
            text, max(s_start, clause_start - 12), clause_start
        ) and not FINISHED_CLAUSE_BEFORE.search(
            text, max(s_start, clause_start - 14), clause_start
        ):
            return None
        # "the odds of A and B was 17.2": a value's subject follows a mark or opens the
        # sentence; after a bare "and" it is usually the second half of a coordinated phrase.
        if kind is FindingKind.VALUE and BARE_CONJUNCTION_BEFORE.search(
            text, max(s_start, clause_start - 12), clause_start
        ):
            return None
        # "domains of family roles, mobility, ..., and work/productivity improved": the last item
        # of an enumeration is a part of what the list names, not a measure of its own.
        if text.count(",", s_start, span[0]) >= 3 and ENUMERATION_BEFORE.search(
            text, max(s_start, span[0] - 300), span[0]
        ):
            return None
    if kind is FindingKind.VALUE:
        # "X was 0.31 before, and after one year it was 0.26 (p = 0.01)": any p in the sentence.
        if not HAS_P.search(text, after, s_end):
            return None
    elif kind is FindingKind.LISTED:
        if _measured_with(text, m.end("np"), m.end(), covered):
            return None
    elif kind not in (FindingKind.BEFORE_P, FindingKind.ELLIPTIC, FindingKind.ARROW):
        limit = CLAUSE_END.search(text, after, s_end)
        clause_end = limit.start() if limit else s_end
        if not REPORTED.search(text, after, clause_end):
            return None
        if _measured_with(text, m.end("np"), clause_end, covered):
            return None
        if kind is FindingKind.SUBJECT and _object_follows(text, after, covered):
            return None
    name = text[span[0] : span[1]]
    head = name.rsplit(None, 1)[-1]
    if head.lower() in rules.singular_heads:
        name = name[: len(name) - len(head)] + rules.singular_heads[head.lower()]
    elif head.lower() in rules.angle_heads:
        name += " angle"  # "knee flexion increased from 41° to 48°": a joint angle
    return FindingHit(name[:1].upper() + name[1:], span[0], span[1], kind.rule_id)


FINISHED_CLAUSE_BEFORE = re.compile(rf"[\d)\]%\u00b0]\s+{_CONJUNCTION}\s+\Z", re.I)
BARE_CONJUNCTION_BEFORE = re.compile(rf"(?<![,;:(\[])\s{_CONJUNCTION}\s+\Z", re.I)
ENUMERATION_BEFORE = re.compile(r"(?:,\s*[^,;()]{1,40}){2,},\s*(?:and|or)\s+\Z")
MEASURED_WITH = re.compile(r"\b(?:on|by|using|with|in)\s+(?:the\s+)?\Z", re.I)


def _measured_with(text: str, start: int, end: int, covered: Sequence[tuple[int, int]]) -> bool:
    """ "ease of care improved on the CPCHILD questionnaire": the instrument is the measure."""
    return any(
        start <= s < end and MEASURED_WITH.search(text, max(start, s - 12), s) for s, _ in covered
    )


OBJECT_GAP = re.compile(r"\s*(?:the\s+|their\s+|its\s+)?\Z", re.I)


def _object_follows(text: str, after: int, covered: Sequence[tuple[int, int]]) -> bool:
    """ "training improved the 6-Minute Walk Test": a measure right after the verb is its object,
    and the subject is what acted on it, not a measure."""
    return any(
        after <= start <= after + 8 and OBJECT_GAP.match(text[after:start]) for start, _ in covered
    )


def _opens_clause(text: str, clause_start: int, name_start: int, rules: FindingRules) -> bool:
    """Only trimmed or opening words (or numbers: "after 6 months") sit between the clause start
    and the name."""
    between = text[clause_start:name_start].lower().replace(",", " ").split()
    return all(w in rules.trimmed or w in rules.leading or w.isdigit() for w in between)
