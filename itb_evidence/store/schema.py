"""The evidence table's schema, as data: one source for the DuckDB DDL, write-time validation and
the README's schema table.

Validation happens on write so a bad row is reported (naming the PMID, column and problem) and
never stored. A row-level check list is small on purpose: types, nullability, and a few value
rules a reviewer relies on (p in [0, 1], spans ordered, n positive).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from extractors.results import UNITS
from extractors.spans import CUT_MARKER, SENTENCE_CAP
from extractors.types import Confidence

Check = Callable[[Any], bool]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    sql_type: str  # DuckDB type
    nullable: bool
    description: str
    check: Check | None = None
    check_text: str = ""


def _unit_interval(v: Any) -> bool:
    return 0.0 <= float(v) <= 1.0


def _positive(v: Any) -> bool:
    return int(v) > 0


def _non_negative(v: Any) -> bool:
    return int(v) >= 0


def _tier(v: Any) -> bool:
    return v in TIERS


TIERS: tuple[str, ...] = get_args(Confidence)
TIER_CHECK = " | ".join(TIERS)
# Why a column says how sure a value is: tiers come from explicit evidence (extractors.confidence,
# table extractors/lexicons/confidence.yaml), so a reviewer can check the low ones first.
_TIER_NOTE = "(extractors.confidence)"


def _tier_column(name: str, what: str) -> Column:
    return Column(
        name,
        "VARCHAR",
        True,
        f"confidence of {what}: {TIER_CHECK} {_TIER_NOTE}",
        _tier,
        f"one of {TIER_CHECK}",
    )


PROVENANCE = [
    Column("source_field", "VARCHAR", True, "field the value came from: title or abstract"),
    Column("source_text", "VARCHAR", True, "exact text of the span"),
    Column(
        "span_start",
        "INTEGER",
        True,
        "character offset where the span starts",
        _non_negative,
        ">= 0",
    ),
    Column(
        "span_end",
        "INTEGER",
        True,
        "character offset where the span ends (exclusive)",
        _non_negative,
        ">= 0",
    ),
    Column(
        "sentence",
        "VARCHAR",
        True,
        f"the sentence holding the span; one over {SENTENCE_CAP:,} characters is a window of at"
        f" most {SENTENCE_CAP:,} around the span, each cut-off part marked {CUT_MARKER}",
    ),
    Column("section", "VARCHAR", True, "abstract section label (e.g. Results)"),
    Column("rule_id", "VARCHAR", True, "id of the extraction rule that produced the value"),
]

STUDIES = [
    Column("pmid", "VARCHAR", False, "PubMed identifier"),
    Column("pmid_version", "INTEGER", False, "PMID version"),
    Column("citation", "VARCHAR", False, "short Vancouver-style citation"),
    Column("title", "VARCHAR", False, "article title"),
    Column("journal", "VARCHAR", True, "journal (ISO abbreviation)"),
    Column("year", "INTEGER", True, "publication year"),
    Column("doi", "VARCHAR", True, "DOI"),
    Column("pmcid", "VARCHAR", True, "PubMed Central id"),
    Column("publication_types", "VARCHAR", True, "PubMed publication types, '; '-separated"),
    Column(
        "design",
        "VARCHAR",
        False,
        "rct | prospective cohort | retrospective cohort | case series | case report | review"
        " | systematic review/meta-analysis | other",
    ),
    _tier_column("design_confidence", "the design"),
    Column("is_itb_study", "BOOLEAN", False, "the study gives intrathecal baclofen"),
    Column(
        "is_hsp_population", "BOOLEAN", False, "the population has hereditary spastic paraplegia"
    ),
    Column(
        "sample_size",
        "INTEGER",
        True,
        "patients studied (not screened, not a subgroup)",
        _positive,
        "> 0",
    ),
    _tier_column("sample_size_confidence", "the sample size (empty without one)"),
    Column(
        "itb_dose_summary",
        "VARCHAR",
        True,
        "main ITB dose as reported, e.g. '188 ± 60 (range 145-230) ug/day'",
    ),
    Column("itb_dose_value", "DOUBLE", True, "ITB dose central value"),
    Column("itb_dose_sd", "DOUBLE", True, "ITB dose SD"),
    Column("itb_dose_range_lo", "DOUBLE", True, "ITB dose range, low end"),
    Column("itb_dose_range_hi", "DOUBLE", True, "ITB dose range, high end"),
    Column("itb_dose_unit", "VARCHAR", True, "ug | mg | ug/day | mg/day"),
    Column("itb_dose_text", "VARCHAR", True, "the dose text as written in the abstract"),
    _tier_column("itb_dose_confidence", "the main ITB dose's value"),
    Column(
        "follow_up",
        "VARCHAR",
        True,
        'follow-up duration as reported ("5.2 ± 2.1 years", "36 (range 12-60) months")',
    ),
    Column("retracted", "BOOLEAN", False, "PubMed links a retraction notice (RetractionIn)"),
    Column("erratum", "BOOLEAN", False, "PubMed links an erratum (ErratumIn)"),
    Column("expression_of_concern", "BOOLEAN", False, "PubMed links an expression of concern"),
    Column("included", "BOOLEAN", False, "inclusion decision of the screen stage"),
    Column("inclusion_reason", "VARCHAR", False, "why the record was included or excluded"),
    Column("date_revised", "VARCHAR", True, "PubMed DateRevised of the record version used"),
    Column("extractor_version", "VARCHAR", False, "version of the extraction rules"),
]

_STAT_COLUMNS = [
    col
    for side in ("pre", "post")
    for col in (
        Column(
            f"{side}_stat", "VARCHAR", True, f"{side} statistic: median | mean | value | percent"
        ),
        Column(f"{side}_value", "DOUBLE", True, f"{side} value"),
        Column(
            f"{side}_spread_type", "VARCHAR", True, f"{side} spread: iqr | sd | range | ci95 | se"
        ),
        Column(f"{side}_spread_lo", "DOUBLE", True, f"{side} spread low end (IQR/range/CI)"),
        Column(f"{side}_spread_hi", "DOUBLE", True, f"{side} spread high end (IQR/range/CI)"),
        Column(f"{side}_sd", "DOUBLE", True, f"{side} SD when reported"),
    )
]

OUTCOMES = [
    Column("pmid", "VARCHAR", False, "PubMed identifier"),
    Column(
        "outcome", "VARCHAR", True, "canonical outcome name (lexicon) or normalised free-text name"
    ),
    Column(
        "timepoint",
        "VARCHAR",
        True,
        'timepoint of the post value as written ("6 months", "steady state")',
    ),
    *_STAT_COLUMNS,
    Column(
        "unit",
        "VARCHAR",
        True,
        "unit of the pre and post values: "
        + " | ".join(UNITS)
        + " (or a rate as written, e.g. beats/min; empty when none is written)",
    ),
    Column(
        "direction", "VARCHAR", True, "decrease | increase | no change (post vs pre, as written)"
    ),
    Column("p_comparator", "VARCHAR", True, "= | < | <= | > | >="),
    Column("p_value", "DOUBLE", True, "p-value as reported", _unit_interval, "in [0, 1]"),
    Column("p_text", "VARCHAR", True, "p-value text as written"),
    Column("test_statistic", "VARCHAR", True, "test statistic with df, e.g. t(23) = 2.45"),
    Column("test_consistent", "BOOLEAN", True, "recomputed p agrees with the reported p"),
    Column("row_kind", "VARCHAR", False, "result (pre->post) | p_value | measured"),
    _tier_column(
        "confidence", "the row's values (the pair of a result, the p-value, the measure named)"
    ),
    _tier_column(
        "link_confidence", "the row's link to its outcome (empty for a measured row or unlinked)"
    ),
    *PROVENANCE,
    Column("extractor_version", "VARCHAR", False, "version of the extraction rules"),
]

MENTIONS = [
    Column("pmid", "VARCHAR", False, "PubMed identifier"),
    Column(
        "kind",
        "VARCHAR",
        False,
        "outcome_measure | dose | p_value | result | sample_size | follow_up",
    ),
    Column("label", "VARCHAR", False, "parsed value, readable"),
    Column("value", "VARCHAR", True, "linked value (e.g. a p-value's outcome)"),
    _tier_column("confidence", "the mention's value"),
    _tier_column("link_confidence", "the mention's link (outcome or drug; empty when unlinked)"),
    *PROVENANCE,
    Column("extractor_version", "VARCHAR", False, "version of the extraction rules"),
]

TABLES: dict[str, list[Column]] = {"studies": STUDIES, "outcomes": OUTCOMES, "mentions": MENTIONS}

# The parsed full texts of open-access articles (PMC JATS), kept so extraction can run again
# without fetching again. Not an evidence table: the corpus stage and the exports leave it out.
FULLTEXTS = [
    Column("pmcid", "VARCHAR", False, "PubMed Central id (PMC followed by digits)"),
    Column("pmid", "VARCHAR", True, "PubMed identifier the article names"),
    Column(
        "availability", "VARCHAR", False, "open_access (a <body>) | no_body (front matter only)"
    ),
    Column("reason", "VARCHAR", True, "why the full text is not usable, when it is not"),
    Column("license", "VARCHAR", True, "licence URL or statement as the JATS gives it"),
    Column("sha256", "VARCHAR", False, "SHA-256 of the article's JATS as received"),
    Column("jats_xml", "VARCHAR", False, "the article's JATS as received (UTF-8)"),
    Column(
        "document_json",
        "VARCHAR",
        False,
        "the parsed full text: sections, paragraphs, captions, tables",
    ),
    Column("document_format", "INTEGER", False, "version of the parsed full text's JSON shape"),
    Column("n_paragraphs", "INTEGER", False, "paragraphs of running text", _non_negative, ">= 0"),
    Column("n_tables", "INTEGER", False, "tables", _non_negative, ">= 0"),
    Column("run_id", "INTEGER", True, "the run that stored it"),
]

# Every value read from a stored full text, with the address a reviewer follows back to it
# (itb_evidence.fulltext.values): a paragraph span or a table cell. Replaced per PMID.
FULLTEXT_VALUES = [
    Column("pmid", "VARCHAR", False, "PubMed identifier of the study"),
    Column("pmcid", "VARCHAR", True, "PubMed Central id of the article"),
    Column("group_key", "VARCHAR", True, "values read together (one table row, one sentence)"),
    Column("source", "VARCHAR", False, "table | paragraph"),
    Column("role", "VARCHAR", True, "pre | post | change | p_value | n | dose | other"),
    Column("outcome", "VARCHAR", True, "canonical outcome name (lexicon) or free-text name"),
    Column("timepoint", "VARCHAR", True, "timepoint of a post/dose value as written"),
    Column("subject", "VARCHAR", True, "a per-patient row's label"),
    Column("stat", "VARCHAR", True, "median | mean | value | percent"),
    Column("value", "DOUBLE", True, "the value"),
    Column("spread_type", "VARCHAR", True, "iqr | sd | range | ci95 | se | unspecified"),
    Column("spread_lo", "DOUBLE", True, "spread low end (IQR/range/CI)"),
    Column("spread_hi", "DOUBLE", True, "spread high end (IQR/range/CI)"),
    Column("sd", "DOUBLE", True, "SD (or SE) when given"),
    Column("p_comparator", "VARCHAR", True, "= | < | <= | > | >="),
    Column("p_value", "DOUBLE", True, "p-value (empty for NS)", _unit_interval, "in [0, 1]"),
    Column("n", "INTEGER", True, "a count of patients"),
    Column("unit", "VARCHAR", True, "unit of the value"),
    Column("section", "VARCHAR", True, "paragraph value: its section's title"),
    Column("section_kind", "VARCHAR", True, "paragraph value: methods | results | case"),
    Column("paragraph_index", "INTEGER", True, "paragraph value: index among the article's"),
    Column("span_start", "INTEGER", True, "paragraph value: span start in the paragraph"),
    Column("span_end", "INTEGER", True, "paragraph value: span end (exclusive)"),
    Column("source_text", "VARCHAR", True, "paragraph value: exact text of the span"),
    Column("table_id", "VARCHAR", True, "table value: the table-wrap id"),
    Column("table_label", "VARCHAR", True, "table value: the table's label (Table 2)"),
    Column("table_row", "INTEGER", True, "table value: grid row (header rows counted)"),
    Column("table_col", "INTEGER", True, "table value: grid column"),
    Column("cell_text", "VARCHAR", True, "table value: the cell's raw text"),
    Column("row_header", "VARCHAR", True, "table value: its row's header"),
    Column("column_header", "VARCHAR", True, "table value: its column's header path"),
    Column("rule_id", "VARCHAR", True, "id of the rule that read the value"),
    Column("extractor_version", "VARCHAR", False, "version of the extraction rules"),
    Column("run_id", "INTEGER", True, "the run that extracted it"),
]

# Whether each included study's full text was used, and why not (one row per PMID, replaced).
FULLTEXT_STATUS = [
    Column("pmid", "VARCHAR", False, "PubMed identifier of the included study"),
    Column("pmcid", "VARCHAR", True, "PubMed Central id (empty: the record names none)"),
    Column(
        "status",
        "VARCHAR",
        False,
        "open_access | cached | held | no_body | missing | failed | no_pmcid | not_bundled",
    ),
    Column("usable", "BOOLEAN", False, "the article's text was read"),
    Column("reason", "VARCHAR", True, "why the full text is not usable"),
    Column("n_values", "INTEGER", False, "values read from it", _non_negative, ">= 0"),
    Column("run_id", "INTEGER", True, "the run that looked for it"),
]
SIDE_TABLES: dict[str, list[Column]] = {
    "fulltexts": FULLTEXTS,
    "fulltext_values": FULLTEXT_VALUES,
    "fulltext_status": FULLTEXT_STATUS,
}


def columns_of(table: str) -> list[Column]:
    """The columns of an evidence table or a side table."""
    return TABLES[table] if table in TABLES else SIDE_TABLES[table]


@dataclass(frozen=True, slots=True)
class RowError:
    table: str
    pmid: str | None
    column: str
    problem: str

    def __str__(self) -> str:
        return f"{self.table} row for PMID {self.pmid}: column {self.column!r} {self.problem}"


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def validate_row(table: str, row: dict[str, Any]) -> list[RowError]:
    """All problems of one row (empty when valid)."""
    errors: list[RowError] = []
    pmid = row.get("pmid")
    columns = columns_of(table)
    known = {c.name for c in columns}
    for extra in sorted(set(row) - known):
        errors.append(RowError(table, pmid, extra, "is not in the schema"))
    for col in columns:
        value = row.get(col.name)
        if _is_missing(value):
            if not col.nullable:
                errors.append(RowError(table, pmid, col.name, "is required but missing"))
            continue
        try:
            ok = col.check(value) if col.check else True
        except (TypeError, ValueError):
            ok = False
        if not ok:
            errors.append(
                RowError(table, pmid, col.name, f"= {value!r} fails check {col.check_text}")
            )
    start, end = row.get("span_start"), row.get("span_end")
    if (
        start is not None
        and end is not None
        and not _is_missing(start)
        and not _is_missing(end)
        and int(end) < int(start)
    ):
        errors.append(RowError(table, pmid, "span_end", f"{end} is before span_start {start}"))
    return errors


def ddl(table: str) -> str:
    cols = ",\n  ".join(
        f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in columns_of(table)
    )
    return f"CREATE TABLE IF NOT EXISTS {table} (\n  {cols}\n)"


def markdown_schema(table: str) -> str:
    """The README's schema table, generated so docs and code cannot drift."""
    lines = ["| column | type | null | description |", "|---|---|---|---|"]
    for c in columns_of(table):
        lines.append(
            f"| `{c.name}` | {c.sql_type} | {'yes' if c.nullable else 'no'} | {c.description} |"
        )
    return "\n".join(lines)
