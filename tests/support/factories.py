"""Hand-built records and extractions for stage tests that must not depend on the extractors."""

from __future__ import annotations

from extractors.types import (
    DoseMention,
    OutcomeMention,
    Provenance,
    PValue,
    ResultPair,
    SampleSize,
    Spread,
    Statistic,
    StudyExtraction,
)
from itb_evidence.pubmed.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    PubDate,
    PubmedRecord,
)

ABSTRACT = (
    "Methods: We studied seven patients with HSP treated with intrathecal baclofen.\n"
    "Results: The mean dose was 188 ± 60 (range 145-230) μg per day. The modified Ashworth Scale "
    "improved from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046). "
    "Gait speed was unchanged (p = 0.41)."
)


def make_record(pmid: str = "100", *, retracted: bool = False) -> PubmedRecord:
    first = ABSTRACT.index("We studied")
    second = ABSTRACT.index("The mean dose")
    methods_end = second - len("\nResults: ")
    return PubmedRecord(
        pmid=pmid,
        version=1,
        title="Intrathecal baclofen in HSP: a test record.",
        abstract=ABSTRACT,
        sections=(
            AbstractSection("Methods", "METHODS", ABSTRACT[first:methods_end], first, methods_end),
            AbstractSection("Results", "RESULTS", ABSTRACT[second:], second, len(ABSTRACT)),
        ),
        authors=(Author("Doe", "Jane", "J"), Author("Roe", "Rick", "R")),
        journal="Test Journal",
        journal_abbrev="Test J",
        volume="1",
        pages="1-2",
        pub_date=PubDate(2020),
        date_revised="2020-01-02",
        comments_corrections=(
            (CommentCorrection("RetractionIn", "999", "Test J. 2021"),) if retracted else ()
        ),
    )


def prov(text: str, rule: str, *, occurrence: int = 0) -> Provenance:
    start = -1
    for _ in range(occurrence + 1):
        start = ABSTRACT.index(text, start + 1)
    return Provenance("abstract", start, start + len(text), text, "a sentence", "Results", rule)


def make_extraction(pmid: str = "100", *, itb: bool = True, hsp: bool = True) -> StudyExtraction:
    p_mas = PValue("=", 0.046, "Modified Ashworth Scale", prov("p = 0.046", "pvalue.eq"))
    p_gait = PValue("=", 0.41, "Gait speed", prov("p = 0.41", "pvalue.eq"))
    result = ResultPair(
        "Modified Ashworth Scale",
        Statistic("median", 3, Spread("iqr", 3, 3.25)),
        Statistic("median", 1, Spread("iqr", 1, 1.25)),
        p_mas,
        prov("from 3 (IQR 3-3.25) to 1 (IQR 1-1.25; p = 0.046)", "result.from_to"),
    )
    return StudyExtraction(
        id=pmid,
        is_itb_study=itb,
        is_hsp_population=hsp,
        design="retrospective cohort",
        sample_size=SampleSize(7, prov("seven patients", "n.words")),
        outcome_measures=(
            OutcomeMention("Modified Ashworth Scale", prov("modified Ashworth Scale", "lex.mas")),
            OutcomeMention("Gait speed", prov("Gait speed", "lex.gait_speed")),
        ),
        doses=(
            DoseMention(
                188,
                60,
                (145, 230),
                "ug/day",
                "baclofen",
                "intrathecal",
                "daily",
                prov("188 ± 60 (range 145-230) μg per day", "dose.mean_sd_range"),
            ),
        ),
        p_values=(p_mas, p_gait),
        results=(result,),
        extractor_version="test",
    )
