"""Which lexicon mentions of generic measures are reported outcomes: a pure function.

Why a gate: a named instrument is an outcome wherever the abstract says it was applied (guide O2),
but a generic measure ("Pain", "Quality of life", "Muscle tone") or an adverse event ("sedation",
"reoperation") is named as often in the background, the aim or a list of risks as in a finding.
Two typed kinds of vocabulary entry are gated (``LexiconEntry.free_text`` and
``LexiconEntry.negatable``); an entry passes when any one of its mentions passes, and then every
mention of it stays (the p-value after a later mention still links to it).
- Free-text measure (guide O3): its sentence reports a result on it (a change, a test, a value) or
  is a Methods statement that it was measured; an aim or background sentence is neither.
- Adverse event (guide S1-S3): its clause quantifies it (a count of patients or events, a
  percentage, n = ..., a p-value); an event listed inside an umbrella ("the most common adverse
  events were nausea and sedation") stays inside the umbrella.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Protocol

from extractors.lexicon import LexiconEntry


class Mention(Protocol):
    @property
    def entry(self) -> LexiconEntry: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def bare(self) -> bool: ...


# Aims, objectives and background statements name what a study is about, not what it measured.
AIM = re.compile(
    r"^\W*(?:(?:objectives?|aims?|purposes?|background|introduction|goals?|context|rationale|"
    r"importance)\s*[:.]"
    r"|(?:the|our|this|a)\s+(?:[\w-]+\s+){0,3}?(?:aim|objective|purpose|goal)s?\b"
    r"|we\s+(?:aimed|sought|hypothesi[sz]ed|wanted|set\s+out)"
    r"|(?:this|the\s+present|the)\s+(?:study|trial|review|paper|article)\s+"
    r"(?:aims?|aimed|was\s+designed|is\s+designed|investigates|evaluates|assesses|examines|"
    r"explores|describes))"
    r"|^\W*to\s+(?:assess|evaluate|investigate|determine|examine|compare|explore|describe|"
    r"study|test|report)\b",
    re.I,
)
AIM_LABEL_BEFORE = re.compile(
    r"(?:objectives?|aims?|purposes?|background|introduction|goals?|context|rationale|"
    r"importance)\s*:\s*$",
    re.I,
)
# A result reported on the measure (guide O3b) ...
FINDING = re.compile(
    r"\b(?:improv\w*|worsen\w*|increas\w*|decreas\w*|reduc\w*|rose|fell|declin\w*|chang\w*|"
    r"differ\w*|significant\w*|correlat\w*|associat\w*|predict\w*|higher|lower|better|"
    r"greater|unchanged|stable|normali[sz]\w*|restored|regained|lost|loss|gain\w*)\b"
    r"|\b[Pp]\s*[<>=\u2264\u2265]|[\u2191\u2193\u2192]",
    re.I,
)
# ... or a Methods statement that it was measured (guide O3a).
MEASURED = re.compile(
    r"\b(?:assess\w*|measur\w*|evaluat\w*|recorded|recording|examin\w*|quantif\w*|rated|scored|tested|"
    r"monitored|documented|collected|outcomes?|endpoints?|analy[sz]\w*|compared|investigated|"
    r"determined|calculated|registered|underwent|submitted\s+to|defined|obtained|performed)\b",
    re.I,
)
# A value written in the sentence: a digit that is not a year.
VALUE = re.compile(r"(?<![\w.])(?!(?:19|20)\d\d\b)\d")
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|a\s+single"
)
# An event counted (guide S1): a percentage, n/N, n = ..., a p-value, a rate, a count of patients
# or events, or a number right before the event ("two pump infections").
_NOT_TIME = r"(?!(?:years?|months?|weeks?|days?|hours?|minutes?|decades?)\b)"
QUANTITY = re.compile(
    rf"\d\s*%|\b\d+\s*/\s*\d+\b|\bn\s*=\s*\d|\b[Pp]\s*[<>=\u2264\u2265]|\brates?\s+(?:of|was|were)\s+\d"
    rf"|\b(?:\d+|{_NUMBER_WORDS})\s+(?:{_NOT_TIME}[\w-]+\s+){{0,3}}?(?:patients?|subjects?|"
    rf"participants?|children|adults|individuals|cases?|persons?|people|women|men|events?|"
    rf"episodes?|procedures?|infections?|times)\b"
    # "in 3 of 20": a count; "a fever of 39.2 °C" is a measured value, not a count (no decimal).
    rf"|\b(?:in|of)\s+(?:\d+|{_NUMBER_WORDS})\b(?![.,\u00b7]\d)(?!\s*(?:years?|months?|weeks?|days?|hours?))",
    re.I,
)
COUNT_BEFORE = re.compile(rf"\b(?:\d+|{_NUMBER_WORDS})\s+(?:[\w-]+\s+){{0,2}}$", re.I)
# Clause bounds inside a sentence: the quantity must belong to the event's own clause.
CLAUSE_BREAK = re.compile(r";\s|:\s|,\s+(?:with|while|whereas|but|although)\b")
# An event listed after an umbrella ("adverse events were nausea, ..."; "complications such as
# infection") or called the most common of them stays inside the umbrella (guide S3).
LISTED_AFTER_UMBRELLA = re.compile(
    r"\b(?:such\s+as|including|included|includes|comprised?|comprising|consist\w*\s+of|mainly|"
    r"mostly|e\.\s?g\.|namely|were|was|being)\b|:",
    re.I,
)
MOST_COMMON_AFTER = re.compile(
    r"^\s*(?:\([^()]*\)\s*)?(?:being\s+)?(?:the\s+)?most\s+(?:common|frequent)", re.I
)

# Not evidence that a generic measure was taken (guide O4, O6):
# - a population descriptor: "patients with multiple sclerosis and detrusor overactivity";
DESCRIBED_PATIENTS = re.compile(
    r"\b(?:patients|children|adults|subjects|people|participants|individuals|women|men|cases)\s+"
    r"with\s+(?:(?!(?:who|that|showed|had|have|has|were|was|reported|experienced)\b|\w+ed\b)"
    r"[\w'\u2010-]+\s+){0,4}?(?:and\s+)?$",
    re.I,
)
# - the construct of an instrument named right after it: "ease of care on the CPCHILD",
#   "spasticity scores (Ashworth)", "tone measured with the Modified Ashworth Scale";
CONSTRUCT_OF_NEXT = re.compile(
    r"\s*(?:[(\[]\s*"
    r"|(?:(?:was|were|is|are|has|have|had|been|improved|worsened|decreased|increased|changed|"
    r"rated|measured|assessed|evaluated|scored|graded|quantified|reported|significantly|also)\s+)"
    r"{0,3}(?:on|with|by|using|via|according\s+to|as\s+(?:measured|assessed|rated)\s+(?:by|with))"
    r"\s+(?:the\s+|a\s+)?)$",
    re.I,
)
# - the complement of a measure named before it: "quality of movement of the spastic arm in
#   performing common activities of daily living" (the activities are what was rated);
COMPLEMENT_OF_PREVIOUS = re.compile(
    r"^\s+(?:of|in|during|for|while|when)\s+"
    r"(?:(?!and\b|or\b|but\b|was\b|were\b|is\b|are\b|has\b|have\b|had\b|showed\b|increas|"
    r"decreas|improv|reduc|[^,;.()\[\]\s]+ed\b)[^,;.()\[\]\s]+\s+){0,6}$",
    re.I,
)
# - a restatement in brackets right after a measure: "H-reflex amplitude (Hmax/Mmax ratio)";
APPOSITION_GAP = re.compile(r"\s*[(\[]\s*$")
# - a claim of the conclusions (guide O4: only a result or a Methods statement counts).
CONCLUSION_LABEL = re.compile(r"\b(?:conclusions?|interpretation|significance)\s*:", re.I)

SentenceStart = Callable[[int], int]
# Offset -> (start, end) of its sentence: the scope model's (extractors/scope.py), passed in.
SentenceBounds = Callable[[int], tuple[int, int]]


def sentence_bounds(
    text: str, sentence_start: SentenceStart, sentence_end: SentenceStart | None = None
) -> SentenceBounds:
    """The sentence of an offset: the scope model's start and end; without an end (a caller
    that has only a start) the next ". " ends it."""
    if sentence_end is not None:
        end_of = sentence_end
    else:

        def end_of(position: int) -> int:
            end = text.find(". ", position)
            return end if end > 0 else len(text)

    def bounds(position: int) -> tuple[int, int]:
        return sentence_start(position), end_of(position)

    return bounds


def _clause_bounds(text: str, start: int, end: int, sentence: tuple[int, int]) -> tuple[int, int]:
    clause_start = max(
        (m.end() for m in CLAUSE_BREAK.finditer(text, sentence[0], start)), default=sentence[0]
    )
    after = CLAUSE_BREAK.search(text, end, sentence[1])
    return clause_start, after.start() if after else sentence[1]


def measure_taken(
    text: str, start: int, sentence_of: SentenceBounds, conclusions_at: int | None = None
) -> bool:
    """Guide O3: a finding or a Methods statement about the free-text measure at ``start``
    (``conclusions_at``: where the conclusions begin, ``conclusions_start(text)``)."""
    s_start, s_end = sentence_of(start)
    if s_start >= (conclusions_start(text) if conclusions_at is None else conclusions_at):
        return False
    if DESCRIBED_PATIENTS.search(text, max(0, start - 80), start):
        return False
    sentence = text[s_start:s_end]
    if _aim(text, s_start, sentence):
        return False
    return bool(FINDING.search(sentence) or MEASURED.search(sentence) or VALUE.search(sentence))


def _aim(text: str, sentence_start: int, sentence: str) -> bool:
    return bool(
        AIM.search(sentence)
        or AIM_LABEL_BEFORE.search(text, max(0, sentence_start - 25), sentence_start)
    )


def conclusions_start(text: str) -> int:
    """Offset of the conclusions label ("Conclusions:"), or the end of the text."""
    found = CONCLUSION_LABEL.search(text) if "onclusion" in text else None
    return found.start() if found else len(text)


def construct_of_instrument(text: str, mention: Mention, instruments: Sequence[Mention]) -> bool:
    """Guide O6: a generic construct rated on an instrument named right after it."""
    return any(
        0 <= other.start - mention.end <= 60
        and CONSTRUCT_OF_NEXT.match(text[mention.end : other.start]) is not None
        for other in instruments
    )


def complement_of_measure(text: str, mention: Mention, measures: Sequence[Mention]) -> bool:
    """A generic measure inside the phrase of a measure named just before it (guide O4)."""
    return any(
        0 <= mention.start - other.end <= 60
        and COMPLEMENT_OF_PREVIOUS.match(text[other.end : mention.start]) is not None
        for other in measures
        if other is not mention
    )


def event_counted(
    text: str, mention: Mention, events: Sequence[Mention], sentence_of: SentenceBounds
) -> bool:
    """Guide S1/S3: the event at ``mention`` is quantified in its own clause and is not a member
    of an umbrella named before it (``events``: every event mention of the field)."""
    sentence = sentence_of(mention.start)
    clause = _clause_bounds(text, mention.start, mention.end, sentence)
    if _aim(text, sentence[0], text[sentence[0] : sentence[1]]):
        return False
    for other in events:
        if (
            other is not mention
            and clause[0] <= other.start
            and other.end <= mention.start
            and LISTED_AFTER_UMBRELLA.search(text, other.end, mention.start)
        ):
            return False
    if MOST_COMMON_AFTER.match(text, mention.end):
        return False
    return bool(
        QUANTITY.search(text, clause[0], clause[1])
        or COUNT_BEFORE.search(text, clause[0], mention.start)
    )


def _generic(entry: LexiconEntry) -> bool:
    return entry.free_text or entry.classification


def apposition_of_measure(text: str, mention: Mention, measures: Sequence[Mention]) -> bool:
    """A generic measure in brackets right after another measure restates it: "Soleus H-reflex
    amplitude (Hmax/Mmax ratio)" is one measure."""
    return any(
        0 <= mention.start - other.end <= 3
        and APPOSITION_GAP.match(text, other.end, mention.start) is not None
        for other in measures
        if other is not mention
    )


# A construct's bare word ("spasticity", "pain", "strength") is the measure only where its own
# clause reports on it; it names the condition, the treatment's target or the population as
# often (guide O3, O4). Not a measure:
# - right after a word naming the treatment, its target or the patients ("treatment of
#   spasticity", "drugs for spasticity", "patients with spasticity", "severe spasticity",
#   "central pain");
CONDITION_BEFORE = re.compile(
    r"(?:treat\w*|manag\w*|therap\w*|agents?|drugs?|relaxants?|medications?|medicines?|"
    r"indicat\w*|cause[sd]?|causing|origin|sources?|type|patients|people|persons|adults|"
    r"children|subjects|individuals|participants|suffer\w*|with|against|antispastic\w*|"
    r"severe|disabling|intractable|refractory|chronic|neuropathic|central|generali[sz]ed|"
    r"focal|spastic|related|associated|post[\w‐-]*|MS|stroke|cerebral|spinal|"
    r"neurogenic|resistant|troublesome|problematic|residual|persistent|painful)"
    r"(?:\s+(?:of|for|to|in|on|and|or|the|their|its))*\s+$",
    re.I,
)
# - in the phrase describing the patients: "patients with chronic spinal cord injury and
#   painful spasms were assessed" (no verb between);
PATIENTS_WITH_BEFORE = re.compile(
    r"\b(?:patients|children|adults|subjects|people|participants|individuals|persons|women|"
    r"men|cases)\s+(?:with|suffering\s+from|presenting\s+with)\s+"
    r"(?:(?!(?:who|that|had|has|have|were|was|is|are|showed|reported|experienced)\b)"
    r"[^\s,;.()]+\s+){0,8}$",
    re.I,
)
# - right before a phrase naming its cause or its patients ("spasticity due to MS",
#   "spasticity of spinal origin", "pain in patients with ...", "spasticity management").
CONDITION_AFTER = re.compile(
    r"^[\s‐-]+(?:due\b|secondary\b|caused\b|resulting\b|of\s+(?:cerebral|spinal|"
    r"supraspinal|central|neurological|various|different)\b|associated\b|related\b|"
    r"management\b|treatment\b|therapy\b|patients?\b|syndrome\b|disorders?\b|"
    r"in\s+(?:patients|children|adults|people|persons|individuals|subjects|those|multiple|MS\b|"
    r"stroke|cerebral|spinal|hereditary|HSP\b|spastic))",
    re.I,
)
# The bare word is what a finding or a measurement is about, in past-tense report wording (a
# present-tense claim, "ITB reduces spasticity", is background or a review's summary):
# - after a change or measurement verb or noun: "reduced strength", "improvement in
#   spasticity", "no alteration in clinical tone", "information on strength";
_REPORT_VERBS = (
    r"improved|reduced|decreased|increased|worsened|lessened|relieved|alleviated|ameliorated|"
    r"changed|alter(?:ed)?|lowered|abolished|eliminated|resolved|assessed|measured|evaluated|"
    r"examined|recorded|rated|scored|quantified|monitored|tested|evaluating|assessing|measuring"
)
_REPORT_NOUNS = (
    r"improvements?|reductions?|decreases?|increases?|changes?|alterations?|differences?|gains?|"
    r"declines?|relief|worsening|deterioration|assessments?|measurements?|evaluations?|"
    r"measures?|information|data|scores?|ratings?|examinations?"
)
BARE_FRAME_BEFORE = re.compile(
    rf"(?:\b(?:{_REPORT_VERBS})|\b(?:{_REPORT_NOUNS})\s+(?:in|of|on|for))\s+"
    r"(?:(?:the|their|its|his|her|a|an)\s+)?(?:[\w\u2010-]+\s+){0,2}?"
    r"(?:[\w\u2010-]+\s*\(\s*)?$",
    re.I,
)
# - before its change, its measurement or its p-value: "Spasticity was reduced", "pain (p =".
BARE_FRAME_AFTER = re.compile(
    r"^\s*(?:\([^()]{0,40}\)\s*)?(?:(?:scores?|severity|levels?|ratings?|intensity)\s+)?"
    r"(?:(?:was|were|had|has|have|did)\s+)?"
    r"(?:(?:significantly|markedly|also|gradually|further|not|slightly|substantially|"
    r"completely|partially)\s+)*"
    r"(?:improved|reduced|decreased|increased|worsened|lessened|declined|fell|rose|dropped|"
    r"changed|remained|resolved|disappeared|assessed|measured|evaluated|recorded|rated)\b"
    r"|^\s*[(\[]\s*[Pp]\s*[<>=\u2264\u2265]",
    re.I,
)
# A list of measures shares the frame of its first item: "measures of pain, depression,
# disability and quality of life", "evaluating the function (gait, balance and ADL)".
# The lookbehind only skips start positions inside a word: the leftmost match always starts at a
# word start (a match from inside a word extends back to it), so matches are unchanged and the
# search no longer retries every character of the clause (measured: _framed 71 -> 26 µs a call).
LIST_ITEM_BEFORE = re.compile(
    r"(?<![\w\u2010-])[\w\u2010-]+(?:\s+[\w\u2010-]+){0,3}"
    r"\s*(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)$"
)


def _framed(text: str, clause_start: int, start: int, end: int) -> bool:
    if BARE_FRAME_AFTER.match(text[end : end + 80]):
        return True
    before = text[max(clause_start, start - 200) : start]
    for _ in range(6):
        if BARE_FRAME_BEFORE.search(before):
            return True
        item = LIST_ITEM_BEFORE.search(before)
        if item is None:
            return False
        before = before[: item.start()]
    return False


def bare_construct_taken(
    text: str, mention: Mention, sentence_of: SentenceBounds, conclusions_at: int
) -> bool:
    """A bare construct word is a measure: its sentence passes the free-text gate, it stands in
    no phrase naming the condition or the patients, and a report frame of its clause holds it."""
    if not measure_taken(text, mention.start, sentence_of, conclusions_at):
        return False
    sentence = sentence_of(mention.start)
    clause = _clause_bounds(text, mention.start, mention.end, sentence)
    if CONDITION_BEFORE.search(text, max(clause[0], mention.start - 60), mention.start):
        return False
    if CONDITION_AFTER.match(text[mention.end : mention.end + 40]):
        return False
    if PATIENTS_WITH_BEFORE.search(text, max(clause[0], mention.start - 100), mention.start):
        return False
    return _framed(text, clause[0], mention.start, mention.end)


def instrument_domains(mentions: Sequence[Mention]) -> set[str]:
    """Domains of the named instruments of the field: a bare construct of one of them adds no
    entry (guide O6: "spasticity decreased" beside Tardieu results)."""
    return {
        m.entry.domain
        for m in mentions
        if m.entry.domain and not (m.bare or m.entry.negatable or _generic(m.entry))
    }


def gated(
    text: str,
    mentions: Sequence[Mention],
    sentence_start: SentenceStart,
    sentence_end: SentenceStart | None = None,
) -> list[Mention]:
    """The mentions whose entry passes its gate (instruments always pass); a generic construct
    rated on the instrument named after it is dropped wherever it stands."""
    if not any(m.entry.negatable or _generic(m.entry) or m.bare for m in mentions):
        return list(mentions)
    sentence_of = sentence_bounds(text, sentence_start, sentence_end)
    measured_domains = instrument_domains(mentions)
    conclusions_at = conclusions_start(text)
    events = [m for m in mentions if m.entry.negatable]
    instruments = [m for m in mentions if not (m.entry.negatable or _generic(m.entry))]
    constructs = {
        id(m)
        for m in mentions
        if (m.entry.free_text or m.bare)
        and (
            construct_of_instrument(text, m, instruments)
            or complement_of_measure(text, m, mentions)
            or apposition_of_measure(text, m, mentions)
        )
    }
    passed: set[str] = set()
    for m in mentions:
        if m.entry.id in passed or id(m) in constructs:
            continue
        if m.bare:
            if m.entry.domain not in measured_domains and bare_construct_taken(
                text, m, sentence_of, conclusions_at
            ):
                passed.add(m.entry.id)
        elif m.entry.negatable:
            if event_counted(text, m, events, sentence_of):
                passed.add(m.entry.id)
        elif not _generic(m.entry) or measure_taken(text, m.start, sentence_of, conclusions_at):
            passed.add(m.entry.id)
    return [m for m in mentions if m.entry.id in passed and id(m) not in constructs]
