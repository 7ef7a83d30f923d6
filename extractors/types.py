"""Typed mentions the extractors return. Pure data: no spaCy, no I/O.

Every mention carries its provenance: which field it came from (``title``/``abstract``), character
offsets into that field (``text == field_text[start:end]`` always holds), the sentence it sits in,
the abstract section label when known, and the id of the rule that produced it.

The sentence is held by reference (a ``SentenceRef``: its index and offsets in the field), never as
a copy of its text: copying it cost memory in sentence length x mentions, so a run-on abstract of
760 KB needed more than 24 GB. Its text is materialised, bounded, only where it is written out
(``extractors.spans.sentence_text``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Field = Literal["title", "abstract"]
Comparator = Literal["=", "<", "<=", ">", ">="]
# How sure a value (or a link) is, from explicit evidence (``extractors.confidence``, which sets
# it on every value ``extract_study`` returns). None: not assessed (a mention built by hand), which
# scores (``itb_evidence.evaluate``) count as ``low``: unassessed is never sure.
Confidence = Literal["high", "medium", "low"]
Design = Literal[
    "rct",
    "prospective cohort",
    "retrospective cohort",
    "case series",
    "case report",
    "review",
    "systematic review/meta-analysis",
    "other",
]


@dataclass(frozen=True, slots=True)
class SentenceRef:
    """The sentence holding a span: its index among the field's sentences and its offsets in the
    field's text. One object per sentence, shared by every mention in it."""

    index: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Provenance:
    field: Field
    start: int
    end: int
    text: str
    # A reference into the field's text (every extractor-built provenance); a literal sentence
    # only for provenance built by hand (test fixtures), written out as given.
    sentence: SentenceRef | str
    section: str | None
    rule_id: str


@dataclass(frozen=True, slots=True)
class OutcomeMention:
    name: str  # canonical name (lexicon) or normalised free-text name
    prov: Provenance
    in_lexicon: bool = True
    confidence: Confidence | None = None


@dataclass(frozen=True, slots=True)
class DoseMention:
    value: float | None
    sd: float | None
    range: tuple[float, float] | None
    unit: str  # ug | mg | ug/day | mg/day | ...
    drug: str | None
    route: str | None  # intrathecal | oral | ...
    kind: str  # daily | bolus | test | other
    prov: Provenance
    confidence: Confidence | None = None
    link_confidence: Confidence | None = None  # of the dose -> drug link; None without a drug


@dataclass(frozen=True, slots=True)
class PValue:
    comparator: Comparator
    value: float | None  # None for "NS"/"not significant" as reported without a number
    outcome: str | None
    prov: Provenance
    reported_ns: bool = False
    confidence: Confidence | None = None
    link_confidence: Confidence | None = None  # of the p-value -> outcome link; None unlinked


@dataclass(frozen=True, slots=True)
class Spread:
    type: str  # iqr | sd | range | ci95 | se
    lo: float | None = None
    hi: float | None = None
    sd: float | None = None


@dataclass(frozen=True, slots=True)
class Statistic:
    stat: str  # median | mean | value | percent
    value: float | None  # None: a range of study means with no single value
    spread: Spread | None = None


@dataclass(frozen=True, slots=True)
class TestStatistic:
    kind: str  # t | F | chi2 | z | U | W | r
    value: float
    df: tuple[float, ...] = ()
    p_recomputed: float | None = None
    consistent: bool | None = None  # None when no p-value to compare against
    prov: Provenance | None = None


@dataclass(frozen=True, slots=True)
class ResultPair:
    outcome: str | None
    pre: Statistic
    post: Statistic
    p: PValue | None
    prov: Provenance
    test: TestStatistic | None = None
    timepoint: str | None = None  # of the post value, as written: "6 months", "steady state"
    unit: str | None = None  # of both values: a unit id ("m/s", "s", "%", "points"), or None
    confidence: Confidence | None = None
    link_confidence: Confidence | None = None  # of the result -> outcome link; None unlinked


@dataclass(frozen=True, slots=True)
class FollowUp:
    """How long the study followed its patients, as the abstract states it."""

    value: float | None  # None when only a range is given ("range 2-41 months")
    sd: float | None
    range: tuple[float, float] | None
    unit: str  # days | weeks | months | years
    prov: Provenance


@dataclass(frozen=True, slots=True)
class SampleSize:
    n: int
    prov: Provenance


@dataclass(frozen=True, slots=True)
class StudyExtraction:
    """Everything the extractors found in one title + abstract."""

    id: str
    is_itb_study: bool
    is_hsp_population: bool
    design: Design
    sample_size: SampleSize | None
    outcome_measures: tuple[OutcomeMention, ...] = ()
    doses: tuple[DoseMention, ...] = ()
    p_values: tuple[PValue, ...] = ()
    results: tuple[ResultPair, ...] = ()
    test_statistics: tuple[TestStatistic, ...] = ()
    evidence: dict[str, list[str]] = field(default_factory=dict)  # why the flags/design were set
    extractor_version: str = ""
    follow_up: FollowUp | None = None
    # The texts every offset indexes into: references to the input strings (not copies), for
    # materialising a provenance's sentence (``extractors.spans.sentence_text``).
    title: str = field(default="", repr=False, compare=False)
    abstract: str = field(default="", repr=False, compare=False)

    sample_size_confidence: Confidence | None = None  # None when there is no sample size
    design_confidence: Confidence | None = None

    def field_text(self, name: Field) -> str:
        return self.title if name == "title" else self.abstract
