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
from enum import Enum
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
    link_reason: LinkReason | None = None  # why ``drug``
    confidence: Confidence | None = None
    link_confidence: Confidence | None = None  # of the dose -> drug link; None without a drug


@dataclass(frozen=True, slots=True)
class PValue:
    comparator: Comparator
    value: float | None  # None for "NS"/"not significant" as reported without a number
    outcome: str | None
    prov: Provenance
    reported_ns: bool = False
    link_reason: LinkReason | None = None  # why ``outcome`` (or why none: AMBIGUOUS)
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
    link_reason: LinkReason | None = None  # why ``outcome`` (or why none: AMBIGUOUS)
    p_link_reason: LinkReason | None = None  # why ``p``
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
    # Evidence for a confidence tier: how many other distinct counts of people competed with the
    # winning one (0 when it stood alone).
    competing_counts: int = 0


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
    # Evidence for the design's confidence tier (extractors.study.DesignDecision): where the design
    # came from ("publication_type", "text", "index_weak", "fallback") and whether the record's
    # publication types/MeSH named the same design as its text (None when they name none).
    design_source: str = ""
    design_index_agrees: bool | None = None

    sample_size_confidence: Confidence | None = None  # None when there is no sample size
    design_confidence: Confidence | None = None

    def field_text(self, name: Field) -> str:
        return self.title if name == "title" else self.abstract


class LinkReason(Enum):
    """Why a value was linked to an outcome, a p-value or a drug (``extractors.link``), carried on
    the linked mention so a reviewer (and the confidence tiers) can tell a sure link from a
    fallback. ``AMBIGUOUS``: the scope held two or more candidates and nothing decided, so the
    value was left unlinked (a wrong link is worse than none). ``SHARED_BY_MEASURES``,
    ``CORRELATION``, ``UNKNOWN_MEASURE`` and ``GROUPING_FACTOR`` also say why a p-value was left
    unlinked: the guide links it to no single outcome, it reports on a measure the lexicon does not
    know, or the measure named is the factor it was grouped by."""

    # p-value -> outcome
    NEAREST_BEFORE = "nearest_before"  # nearest outcome before it in its sentence
    SLASH_JOINED = "slash_joined"  # "reduced MAS/increased MMT (p < 0.01)": the first of the two
    FOLLOWING_IN_CLAUSE = "following_in_clause"  # none before; the first after it in its clause
    EARLIER_SENTENCE = "earlier_sentence"  # none in its sentence; the only measure named before
    INSTRUMENT_PART = "instrument_part"  # "no difference in sitting": the GMFM, whose part it is
    BACK_REFERENCE = "back_reference"  # "It fell (p < 0.001)": the measure of the sentence before
    RESPECTIVELY_ORDER = "respectively_order"  # k p-values, k outcomes, "respectively"
    BRACKETED_GROUP_ORDER = "bracketed_group_order"  # k p-values in one bracket, k outcomes
    # pre -> post pair -> outcome
    SAME_CLAUSE = "same_clause"  # the outcome named before the pair in its clause
    SCALE_AFTER = "scale_after"  # "fell from 7 to 4 on a numeric rating scale"
    GROUP_ORDER = "group_order"  # "A and B fell from 3 and 2 to 1 and 1, respectively"
    PARTS_OF_ONE_MEASURE = "parts_of_one_measure"  # "lower- and upper-limb MAS sums ..."
    FROM_P_VALUE = "from_p_value"  # the pair names no measure; its p-value's outcome
    # pre -> post pair -> p-value
    P_ADJACENT = "p_adjacent"  # within 20 characters after the post value
    P_IN_BRACKET = "p_in_bracket"  # in the bracket right after the pair (or its time point)
    P_SAME_OUTCOME = "p_same_outcome"  # before the next pair and linked to the pair's outcome
    P_GROUP_ORDER = "p_group_order"  # the index-th of a run of one p-value per pair
    P_ONE_FOR_ALL = "p_one_for_all"  # "(both p < 0.001)"
    # dose -> drug
    DRUG_FOLLOWING = "drug_following"  # "30 mg of baclofen"
    DRUG_BEFORE = "drug_before"  # the nearest drug before the dose in its sentence
    DRUG_AFTER = "drug_after"  # the first drug after the dose in its sentence
    DRUG_EARLIER = "drug_earlier"  # the last drug named before the dose's sentence
    DRUG_ANYWHERE = "drug_anywhere"  # the last drug the abstract names
    TITLE_DRUG = "title_drug"  # the abstract names none; the title names one
    # no link
    AMBIGUOUS = "ambiguous"  # two or more candidates, nothing decides
    # no link, p-value -> outcome: the guide links none, or the measure is not one the lexicon knows
    SHARED_BY_MEASURES = "shared_by_measures"  # "A and B both improved (p = 0.03)" (P4)
    CORRELATION = "correlation"  # "A correlated with B (r = 0.6, p = 0.01)" (X-P4)
    UNKNOWN_MEASURE = "unknown_measure"  # "... in A (p = 0.01) and anxiety (p = 0.04)": not A's
    # p-value -> outcome: a reference by head noun, a reliability statistic, a grouping factor
    HEAD_NOUN_REFERENCE = "head_noun_reference"  # "the mean index": the one earlier "... index"
    RELIABILITY_INSTRUMENT = "reliability_instrument"  # kappa/ICC/Kendall: the instrument studied
    GROUPED_SUBJECT = "grouped_subject"  # "X ... differed by infection type (p)": X, not the factor
    GROUPING_FACTOR = "grouping_factor"  # no link: the measure named is the factor, X is unclear
    # pre -> post pair -> p-value, written before the pair
    P_BEFORE_FROM = "p_before_from"  # "fell (z = -2.37, p = 0.018) from 7.9 to 5.3"
    P_CHANGES_SIGNIFICANT = (
        "p_changes_significant"  # next: "These improvements were significant (p < 0.05)."
    )
    # pre -> post pair -> outcome, values in two sentences
    NAMED_WITH_EACH_VALUE = (
        "named_with_each_value"  # "initial MAS was 4.6." ... "final MAS was 2.2."
    )
