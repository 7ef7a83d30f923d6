"""Values from tables: a table's grid of cell texts in, typed values with cell provenance out.

Pure (no XML, no pandas, no I/O beyond the bundled cue file): the full-text stage hands over a
:class:`TableInput` (the grid with spanning cells already copied into every position they cover,
the number of header rows, caption and footnotes) and gets :class:`TableValue`\\ s back, each with
the table id, row, column and raw text of its cell.

How a cell is read:

- **Headers.** A column's header is the path of its header-row texts ("MAS / Pre"); a row's is
  its first cell, and a body row whose only text is its first cell is a group row ("Modified
  Ashworth Scale") that heads the rows below it until the next one.
- **Outcome.** Through the extractors' public API (``measures_named`` on the header text): rows
  name outcomes, or columns do (per-patient tables: a row per patient, a column per outcome and
  time). Abbreviations the caption or footnotes define ("MAS, modified Ashworth Scale", "GAS
  Goal Attainment Scale") are expanded too; a header naming a domain and its instrument
  ("Quality of life, EQ-5D") names the instrument. A header that names no outcome leaves the
  value unlinked (``outcome=None``).
- **Role.** Header cues (``lexicons/table_headers.yaml``, ids travel as ``role_rule_id``): pre
  (baseline, pre-implantation, "Month 0"), post (follow-up, "12 months", "steady state"), change
  ("change", "Month 12 minus Month 0", responders), difference (between groups, "YES minus NO"),
  p-value, n, dose; a test statistic column (chi-square, t) is not read. The header part naming
  the time, as written, is the ``timepoint`` (baseline columns too).
- **Value.** "3 (3-3.25)", "12.4 ± 3.1", "14 [13.5-14]", "45%", "25 (38%)", "<0.001", "0.046*",
  "NS", "1.5 (0.7) n = 12" (the n kept beside the value). The statistic (median/mean) and the
  spread type (IQR/SD/range/SE/95% CI) come from the nearest declaration that fits the cell's
  form (column, row, group, caption, footnotes); a bracketed spread nothing declares keeps its
  numbers with ``spread.type="unspecified"`` rather than a guessed type. Footnote marks glued to a
  number (a-e, Greek letters but micro, any symbol: "41.43※#", "<0.001η") are not part of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Final, Literal

import yaml

from extractors import measures_named
from extractors.abbreviations import best_long_form
from extractors.lexicon import LEXICON_PACKAGE, LexiconError
from extractors.types import Comparator, Spread, Statistic

Role = Literal[
    "pre", "post", "change", "difference", "p_value", "n", "dose", "test_statistic", "other"
]
ValueKind = Literal["statistic", "p_value", "sample_size", "dose"]
Orientation = Literal["outcome_rows", "outcome_columns", "none"]

CUE_FILE: Final = "table_headers.yaml"
_ROLES: Final = ("pre", "post", "change", "difference", "p_value", "n", "dose", "test_statistic")
# Every dash a typesetter uses; minus signs too (a negative change "-1.5").
_DASH: Final = "[-\u2010\u2011\u2012\u2013\u2014\u2212]"
_NUM: Final = rf"(?:{_DASH}\s?)?(?:\d+(?:[.\u00b7,]\d+)?|[.\u00b7]\d+)"
_PM: Final = r"(?:\u00b1|\+\s*/\s*[-\u2212]|\+\s*[-\u2212])"
# Footnote marks printed after a number: "0.046*", "54.6b", "12\u2020", "41.43\u203b#",
# "<0.001\u03b7": a letter a-e, a Greek letter (not \u03bc, micro) or any symbol that is neither
# a letter, a digit, white space nor a character a value is written with (brackets, %, signs,
# separators, dashes).
_MARK: Final = (
    r"(?:[a-eA-E\u03b1-\u03bb\u03bd-\u03c9]"
    r"|[^\w\s()\[\]{}%.,;:/+<>=\u00b1\u00b7\u2264\u2265\-\u2010-\u2015\u2212])"
)
_MARKS: Final = rf"{_MARK}{{0,3}}"
_SEP: Final = rf"\s*(?:{_DASH}|to|,|;|/)\s*"  # "3-3.25", "3 to 3.25", "25.6, 80.7"

CELL_PM = re.compile(rf"^(?P<v>{_NUM}){_MARKS}\s*{_PM}\s*(?P<sd>{_NUM}){_MARKS}$")
CELL_PAIR = re.compile(
    rf"^(?P<v>{_NUM}){_MARKS}\s*[(\[]\s*(?P<lo>{_NUM}){_SEP}(?P<hi>{_NUM})\s*[)\]]{_MARKS}$"
)
CELL_ONE_BRACKET = re.compile(
    rf"^(?P<v>{_NUM}){_MARKS}\s*[(\[]\s*(?P<b>{_NUM})\s*(?P<pct>%)?\s*[)\]]{_MARKS}$"
)
CELL_PERCENT = re.compile(rf"^(?P<v>{_NUM})\s*%{_MARKS}$")
CELL_COUNT_PERCENT = re.compile(rf"^(?P<v>\d+){_MARKS}\s+(?P<pct>{_NUM})\s*%{_MARKS}$")
CELL_NUMBER = re.compile(rf"^(?P<v>{_NUM}){_MARKS}$")
CELL_P = re.compile(
    rf"^(?:p\s*)?(?P<comp>[<>=\u2264\u2265]|<\s*=|>\s*=)?\s*(?P<v>0?[.\u00b7]\d+|1(?:\.0+)?|0)"
    rf"\s*{_MARKS}$",
    re.I,
)
# "1.5 (0.7) n = 12", "12.4 ± 3.1 (n=8)": the number of patients the value was computed on.
CELL_TRAILING_N = re.compile(r"[,;]?\s*[(\[]?\s*n\s*=\s*(?P<n>\d{1,6})\s*[)\]]?$", re.I)
CELL_NS = re.compile(r"^(?:ns|n\.s\.?|not significant)\*?$", re.I)
# Abbreviations a caption or footnote defines: "MAS, modified Ashworth Scale;" "MAS = ...",
# "MAS: ...". The short form is 2-10 letters/digits with at least two capitals.
ABBREVIATION_DEFINITION = re.compile(
    r"(?:^|[;.]\s*|abbreviations?:?\s*)"
    r"(?P<short>(?=(?:[^A-Z;]*[A-Z]){2})[A-Za-z0-9\u2010-]{2,10})\s*(?:,|=|:)\s*"
    r"(?P<long>[A-Za-z][^;.,=:]{3,80}?)(?=\s*(?:;|\.(?:\s|$)|,\s*[A-Za-z0-9\u2010-]{2,10}\s*(?:,|=|:)|$))",
)
# "GAS Goal Attainment Scale, BBT Box and Block Test" (BMC footnotes): a short form of capitals and
# a long form up to the next comma or semicolon, kept only if the long form spells the short one.
ABBREVIATION_LISTED = re.compile(
    r"(?:^|[,;]\s*|\.\s+)(?P<short>(?=(?:[^A-Z\s]*[A-Z]){2})[A-Za-z0-9\u2010-]{2,10})\s+"
    r"(?P<long>[A-Za-z][^;,.=:()]{3,80}?)(?=\s*(?:[;,]|\.(?:\s|$)|$))"
)
PATIENT_ROW = re.compile(
    r"^(?:patients?|pt\.?|case|subject|participant|no\.)?\s*#?\s*\d{1,3}$", re.I
)
DOSE_UNIT = re.compile(
    r"(?P<unit>\u00b5g|\u03bcg|ug|mcg|mg)\s*(?:/\s*(?P<kg>kg)\s*)?(?P<day>/\s*(?:day|d|24\s*h)|per\s+day|daily)?",
    re.I,
)


class TableCueError(LexiconError):
    """The table cue file is malformed (the message names the entry)."""


@dataclass(frozen=True, slots=True)
class RoleCue:
    id: str
    role: Role
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class ConventionCue:
    id: str
    stat: str
    spread: str | None
    pattern: re.Pattern[str]


@cache
def load_table_cues() -> tuple[tuple[RoleCue, ...], tuple[ConventionCue, ...]]:
    """The header-role and convention cues, validated (unknown keys or roles fail loudly)."""
    raw = yaml.safe_load(resources.files(LEXICON_PACKAGE).joinpath(CUE_FILE).read_text("utf-8"))
    roles: list[RoleCue] = []
    for number, item in enumerate(raw.get("roles", []), start=1):
        if set(item) != {"id", "role", "pattern"} or item["role"] not in _ROLES:
            raise TableCueError(
                f"{CUE_FILE} roles[{number}]: needs id, role (one of {_ROLES}), pattern"
            )
        roles.append(RoleCue(item["id"], item["role"], re.compile(item["pattern"])))
    conventions: list[ConventionCue] = []
    for number, item in enumerate(raw.get("conventions", []), start=1):
        if set(item) != {"id", "stat", "spread", "pattern"}:
            raise TableCueError(
                f"{CUE_FILE} conventions[{number}]: needs id, stat, spread, pattern"
            )
        conventions.append(
            ConventionCue(item["id"], item["stat"], item["spread"], re.compile(item["pattern"]))
        )
    return tuple(roles), tuple(conventions)


@dataclass(frozen=True, slots=True)
class TableInput:
    """One table as the full-text stage hands it over: ``rows[r][c]`` is the raw text at grid
    position (r, c), spanning cells copied into every position they cover."""

    table_id: str
    rows: tuple[tuple[str, ...], ...]
    header_rows: int
    caption: str = ""
    footnotes: tuple[str, ...] = ()
    # Grid positions that are copies of a spanning cell written elsewhere: they give headers
    # their paths, but a body value is read once, at the position where it was written.
    spanned: frozenset[tuple[int, int]] = frozenset()


@dataclass(frozen=True, slots=True)
class CellRef:
    """Where a value was read: the table, grid row and column, and the cell's raw text, with the
    headers that gave it its meaning."""

    table_id: str
    row: int
    col: int
    text: str
    row_header: str
    column_header: str


@dataclass(frozen=True, slots=True)
class TableValue:
    """One value read from one cell."""

    kind: ValueKind
    cell: CellRef
    rule_id: str  # how the cell's text was read (table.cell.*)
    outcome: str | None = None  # canonical outcome of the row/column, or None (unlinked)
    outcome_in_lexicon: bool = False
    role: Role = "other"
    role_rule_id: str | None = None  # the header cue that gave the role
    timepoint: str | None = None  # the header of a post/dose column as written
    subject: str | None = None  # a per-patient row's label ("Patient 3")
    statistic: Statistic | None = None  # kind statistic or dose
    percent: float | None = None  # "25 (38%)": the percentage beside a count
    convention_rule_id: str | None = None
    comparator: Comparator | None = None  # kind p_value
    p: float | None = None  # kind p_value (None for "NS")
    n: int | None = None  # kind sample_size; or the n written beside a statistic ("n = 12")
    unit: str | None = None  # kind dose: ug/day, mg/day, ug, mg


@dataclass(frozen=True, slots=True)
class TableExtraction:
    table_id: str
    orientation: Orientation
    column_headers: tuple[str, ...]
    row_headers: tuple[str, ...]
    values: tuple[TableValue, ...] = ()

    def by_outcome(self, outcome: str) -> list[TableValue]:
        return [v for v in self.values if v.outcome == outcome]


# --------------------------------------------------------------------------- headers


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def column_headers(table: TableInput) -> tuple[str, ...]:
    """Each column's header path, its header-row texts top-down with repeats (spans) dropped."""
    n_cols = max((len(r) for r in table.rows), default=0)
    headers: list[str] = []
    for c in range(n_cols):
        parts: list[str] = []
        for r in range(min(table.header_rows, len(table.rows))):
            text = table.rows[r][c].strip() if c < len(table.rows[r]) else ""
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        headers.append(" / ".join(parts))
    return tuple(headers)


@dataclass(frozen=True, slots=True)
class HeaderRole:
    """The role a header gives its cells, the cue that said so, and the header part it matched
    (as written: "Post-implantation (12 months)" of "Post-implantation (12 months) / Median")."""

    role: Role = "other"
    rule_id: str | None = None
    part: str | None = None


def role_of(header: str) -> HeaderRole:
    """The role a header text gives, or ``HeaderRole()`` ("other")."""
    parts = [p.strip() for p in header.split(" / ") if p.strip()]
    if not parts:
        return HeaderRole()
    roles, _ = load_table_cues()
    # The deepest header part speaks first ("MAS / Pre" -> pre), then the ones above it.
    for part in reversed(parts):
        folded = _fold(part)
        for cue in roles:
            if cue.pattern.search(folded):
                return HeaderRole(cue.role, cue.id, part)
    return HeaderRole()


def convention_of(
    *texts: str, spreads: frozenset[str | None] | None = None
) -> ConventionCue | None:
    """The convention declared by the nearest text that declares one; with ``spreads``, the first
    declaration of that text that fits the cell's form ("Mean (SD) of groups ... mean (95% CI)
    difference between groups": a "(lo to hi)" cell is a 95% CI, a "(x)" cell an SD), and a text
    none of whose declared spreads fits is passed over as a whole (a "±" cell in a "Median (IQR)"
    column whose row says "mean ± SD" is read by the row)."""
    _, conventions = load_table_cues()
    for text in texts:
        folded = _fold(text)
        if not folded:
            continue
        declared = [cue for cue in conventions if cue.pattern.search(folded)]
        if not declared:
            continue
        if spreads is None:
            return declared[0]
        with_spread = [cue for cue in declared if cue.spread is not None]
        if not with_spread:
            return declared[0] if None in spreads else None
        fitting = next((cue for cue in with_spread if cue.spread in spreads), None)
        if fitting is not None:
            return fitting
    return None


def timepoint_of(header: str) -> str | None:
    """The deepest part of a header path that names a time, as written: a baseline ("Month 0",
    "Baseline") or later time ("12 months"), or a change or difference between two times ("Month 12
    minus Month 0"); a change that names no later time ("Change from baseline") names none."""
    roles, _ = load_table_cues()
    post = [cue for cue in roles if cue.role == "post"]
    for part in reversed([p.strip() for p in header.split(" / ") if p.strip()]):
        folded = _fold(part)
        role = role_of(part).role
        if role == "pre":
            return part
        if role in ("post", "change", "difference") and any(
            cue.pattern.search(folded) for cue in post
        ):
            return part
    return None


def abbreviations_defined(*texts: str) -> dict[str, str]:
    """Short form -> long form, as captions and footnotes define them: "MAS, modified Ashworth
    Scale;" "MAS = ...", and the list style with no sign between the two ("GAS Goal Attainment
    Scale, BBT Box and Block Test"), taken only where the long form spells the short one from its
    first word on (Schwartz-Hearst, ``extractors.abbreviations.best_long_form``)."""
    found: dict[str, str] = {}
    for text in texts:
        for m in ABBREVIATION_DEFINITION.finditer(text):
            short, long = m.group("short"), m.group("long").strip()
            if short.lower() != long.lower() and not long.lower().startswith(short.lower()):
                found.setdefault(short, long)
        for m in ABBREVIATION_LISTED.finditer(text):
            short, long = m.group("short"), m.group("long").strip()
            if best_long_form(short, long) == 0 and not long.lower().startswith(short.lower()):
                found.setdefault(short, long)
    return found


@lru_cache(maxsize=4096)
def _measures_in(text: str) -> tuple[tuple[str, bool], ...]:
    """The outcome measures a header text names, in order (a results table's header names
    measures that were taken, so generic ones such as "Pain" count without the abstract's gate)."""
    if not text.strip():
        return ()
    return tuple((m.name, m.in_lexicon) for m in measures_named(text))


def outcome_of(header: str, abbreviations: dict[str, str]) -> tuple[str, bool] | None:
    """The outcome a header names, read as written and with the table's abbreviations expanded.
    A header naming a domain and the instrument that measured it ("Quality of life, EQ-5D",
    "Burden of care CBS" with CBS defined in a footnote) names the instrument: the first measure
    of the vocabulary wins over a free-text one; with none, the first measure named."""
    found = list(_measures_in(header))
    expanded = header
    for short, long in abbreviations.items():
        expanded = re.sub(rf"(?<![\w-]){re.escape(short)}(?![\w-])", long, expanded)
    if expanded != header:
        found.extend(_measures_in(expanded))
    return next((m for m in found if m[1]), found[0] if found else None)


# --------------------------------------------------------------------------- cells


def _number(text: str) -> float:
    cleaned = re.sub(_DASH, "-", text).replace("\u00b7", ".").replace(" ", "")
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    return float(cleaned.replace(",", "."))


def _clean_cell(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def parse_p_cell(text: str) -> tuple[Comparator, float | None] | None:
    """ "0.046", "<0.001", "0.046*", "p = 0.03", "NS" -> (comparator, value); None otherwise."""
    cleaned = _clean_cell(text)
    if CELL_NS.match(cleaned):
        return ">", None
    m = CELL_P.match(cleaned)
    if m is None:
        return None
    raw = (m.group("comp") or "=").replace(" ", "")
    comparator: Comparator = {
        "<": "<",
        ">": ">",
        "=": "=",
        "<=": "<=",
        ">=": ">=",
        "\u2264": "<=",
        "\u2265": ">=",
    }[raw]  # type: ignore[assignment]
    value = _number(m.group("v"))
    return (comparator, value) if 0.0 <= value <= 1.0 else None


# The spreads a convention may declare for each form of cell (None: a statistic without spread).
_FITS_PLUS_MINUS: Final = frozenset({"sd", "se", None})
_FITS_PAIR: Final = frozenset({"iqr", "range", "ci95", None})
_FITS_ANY: Final = frozenset({"sd", "se", "iqr", "range", "ci95", None})


def cell_form_spreads(text: str) -> frozenset[str | None]:
    """The conventions' spreads that can describe this cell's form."""
    cleaned = _clean_cell(text)
    if CELL_PM.match(cleaned):
        return _FITS_PLUS_MINUS
    if CELL_PAIR.match(cleaned):
        return _FITS_PAIR
    if CELL_ONE_BRACKET.match(cleaned):
        return _FITS_PLUS_MINUS
    return _FITS_ANY


def parse_statistic_cell(
    text: str, convention: ConventionCue | None
) -> tuple[Statistic, float | None, str] | None:
    """A summary-statistic cell -> (statistic, percent beside a count, rule id); None if the cell
    is not one (text, an empty cell, a dash for "not measured")."""
    cleaned = _clean_cell(text)
    stat = convention.stat if convention else "value"
    declared = convention.spread if convention else None
    if m := CELL_PM.match(cleaned):
        spread_type = declared if declared in ("sd", "se") else "sd"
        sd = _number(m.group("sd"))
        return (
            Statistic(
                "mean" if stat == "value" else stat,
                _number(m.group("v")),
                Spread(spread_type, sd=sd),
            ),
            None,
            "table.cell.plus_minus",
        )
    if m := CELL_PAIR.match(cleaned):
        lo, hi = _number(m.group("lo")), _number(m.group("hi"))
        spread_type = declared if declared in ("iqr", "range", "ci95") else "unspecified"
        return (
            Statistic(stat, _number(m.group("v")), Spread(spread_type, lo=lo, hi=hi)),
            None,
            "table.cell.bracketed_pair",
        )
    if m := CELL_ONE_BRACKET.match(cleaned):
        value, inner = _number(m.group("v")), _number(m.group("b"))
        if m.group("pct"):
            return Statistic("value", value), inner, "table.cell.count_percent"
        if declared in ("sd", "se"):
            return (
                Statistic(stat, value, Spread(declared, sd=inner)),
                None,
                "table.cell.bracketed_sd",
            )
        return (
            Statistic(stat, value, Spread("unspecified", sd=inner)),
            None,
            "table.cell.bracketed_one",
        )
    if m := CELL_COUNT_PERCENT.match(cleaned):
        return (
            Statistic("value", _number(m.group("v"))),
            _number(m.group("pct")),
            "table.cell.count_percent",
        )
    if m := CELL_PERCENT.match(cleaned):
        return Statistic("percent", _number(m.group("v"))), None, "table.cell.percent"
    if m := CELL_NUMBER.match(cleaned):
        return Statistic(stat, _number(m.group("v"))), None, "table.cell.number"
    return None


def split_trailing_n(text: str) -> tuple[str, int | None]:
    """A cell's value text and the n written after it ("1.5 (0.7) n = 12" -> "1.5 (0.7)", 12)."""
    cleaned = _clean_cell(text)
    m = CELL_TRAILING_N.search(cleaned)
    if m is None or m.start() == 0:
        return text, None
    return cleaned[: m.start()].strip(), int(m.group("n"))


def dose_unit(*texts: str) -> str | None:
    """The dose unit a header or caption names, normalised (ug/day, mg/day, ug, mg; /kg kept)."""
    for text in texts:
        m = DOSE_UNIT.search(text)
        if m:
            base = "mg" if m.group("unit").lower() == "mg" else "ug"
            return base + ("/kg" if m.group("kg") else "") + ("/day" if m.group("day") else "")
    return None


# --------------------------------------------------------------------------- the table


@dataclass(frozen=True, slots=True)
class _Line:
    """A body row: its header, the group row above it, and a per-patient label if it is one."""

    row: int
    header: str
    group: str


def _body_lines(table: TableInput) -> list[_Line]:
    lines: list[_Line] = []
    group = ""
    for r in range(table.header_rows, len(table.rows)):
        cells = [c.strip() for c in table.rows[r]]
        if not any(cells):
            continue
        first = cells[0] if cells else ""
        rest = [c for c in cells[1:] if c and c != first]
        if first and not rest:
            group = first  # a group row: heads the rows below
            continue
        lines.append(_Line(r, first, group))
    return lines


def _choose_orientation(
    lines: list[_Line], columns: tuple[str, ...], abbreviations: dict[str, str]
) -> Orientation:
    by_rows = sum(
        1
        for line in lines
        if outcome_of(line.header, abbreviations) or outcome_of(line.group, abbreviations)
    )
    by_columns = sum(1 for header in columns[1:] if outcome_of(header, abbreviations))
    if by_rows == 0 and by_columns == 0:
        return "none"
    return "outcome_rows" if by_rows >= by_columns else "outcome_columns"


def extract_table(table: TableInput) -> TableExtraction:
    """Every value of the table's body cells, with its outcome, role and cell provenance."""
    columns = column_headers(table)
    abbreviations = abbreviations_defined(table.caption, *table.footnotes)
    lines = _body_lines(table)
    orientation = _choose_orientation(lines, columns, abbreviations)
    values: list[TableValue] = []
    for line in lines:
        row_text = table.rows[line.row]
        row_role = role_of(line.header)
        subject = line.header if PATIENT_ROW.match(line.header) else None
        row_outcome = outcome_of(line.header, abbreviations) or outcome_of(
            line.group, abbreviations
        )
        for c in range(1, len(row_text)):
            text = row_text[c].strip()
            if not text or (line.row, c) in table.spanned:
                continue
            column = columns[c] if c < len(columns) else ""
            col_role = role_of(column)
            if orientation == "outcome_columns":
                outcome = outcome_of(column, abbreviations)
                role = col_role if col_role.role != "other" else row_role
            else:
                outcome = row_outcome
                # a row that is itself a p-value, n or dose row speaks for its cells
                role = row_role if row_role.role in ("p_value", "n", "dose") else col_role
            timepoint = timepoint_of(column)
            if timepoint is None and orientation == "outcome_columns":
                timepoint = timepoint_of(line.header)  # rows are timepoints
            ref = CellRef(table.table_id, line.row, c, row_text[c], line.header, column)
            value = _read_cell(
                text,
                ref,
                role=role,
                outcome=outcome,
                subject=subject,
                convention_texts=(column, line.header, line.group, table.caption, *table.footnotes),
                timepoint=timepoint,
            )
            if value is not None:
                values.append(value)
    return TableExtraction(
        table.table_id,
        orientation,
        columns,
        tuple(line.header for line in lines),
        tuple(values),
    )


def _read_cell(
    text: str,
    ref: CellRef,
    *,
    role: HeaderRole,
    outcome: tuple[str, bool] | None,
    subject: str | None,
    convention_texts: tuple[str, ...],
    timepoint: str | None,
) -> TableValue | None:
    common: dict[str, Any] = {
        "cell": ref,
        "outcome": outcome[0] if outcome else None,
        "outcome_in_lexicon": outcome[1] if outcome else False,
        "role": role.role,
        "role_rule_id": role.rule_id,
        "subject": subject,
    }
    if role.role == "test_statistic":
        return None  # a chi-square or t is no outcome value (the gold skips it too)
    if role.role == "p_value":
        parsed_p = parse_p_cell(text)
        if parsed_p is None:
            return None
        comparator, p = parsed_p
        return TableValue(
            "p_value", rule_id="table.cell.p_value", comparator=comparator, p=p, **common
        )
    if role.role == "n":
        cleaned = _clean_cell(text)
        m = re.match(r"^(\d{1,6})" + _MARKS + "$", cleaned)
        if m is None:
            return None
        return TableValue(
            "sample_size", rule_id="table.cell.n", n=int(m.group(1)), timepoint=timepoint, **common
        )
    text, n = split_trailing_n(text)
    convention = convention_of(*convention_texts, spreads=cell_form_spreads(text))
    parsed = parse_statistic_cell(text, convention)
    if parsed is None:
        return None
    statistic, percent, rule_id = parsed
    common["n"] = n
    if role.role == "dose":
        unit = dose_unit(*convention_texts)
        return TableValue(
            "dose",
            rule_id=rule_id,
            statistic=statistic,
            unit=unit,
            timepoint=timepoint,
            convention_rule_id=convention.id if convention else None,
            **common,
        )
    return TableValue(
        "statistic",
        rule_id=rule_id,
        statistic=statistic,
        percent=percent,
        timepoint=timepoint,
        convention_rule_id=convention.id if convention else None,
        **common,
    )
