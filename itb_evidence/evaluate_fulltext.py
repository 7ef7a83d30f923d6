"""Score the table extractor against the full-text table gold (``tests/gold/fulltext/gold.jsonl``).

A full-text gold file holds one JSON object per table value (``file``, ``table_id``, ``row``,
``col``, ``cell_text``, ``kind``, ``outcome``, ``role``, ``timepoint``, ``value``, ``spread``,
``comparator`` ...; fields as in ``tests/gold/fulltext/CONVENTIONS.md``); ``file`` names a JATS
file beside the gold file. Each file is parsed (``fulltext.jats.parse_jats``) and its tables go
through the table extractor (``extractors.tables`` via ``fulltext.extract.extract_tables``), as the
pipeline runs them. ``itb-evidence evaluate`` sends a file of this shape here
(:func:`is_fulltext_gold`).

Matching rules (the contract of the full-text scores):

- **table values**: precision/recall/F1. A predicted value matches the gold value of the same file,
  table, grid row and column when the kind (statistic, p_value, sample_size, dose) is the same and
  so are the numbers: the central value (a statistic's or dose's value, a p-value's value *and*
  comparator, a sample size's n; "NS" is a null value) and, when the gold value has a spread, its
  numbers (lo, hi, sd; the spread's type is scored apart, ``spread_type``). A cell holds at most
  one value on either side, so matching is one to one by position. A predicted value at a cell the
  gold leaves out (a test statistic, an effect size) is a false positive.
- **linked**: over matched values whose gold outcome is not null, the share whose predicted outcome
  equals the gold's (lenient names: ``outcome_names.lenient_key``, as abstracts are scored) AND
  whose role and timepoint agree. Roles: gold ``pre``, ``post`` and ``change`` must be predicted
  as such. The extractor's ``p_value``, ``n`` and ``dose`` roles say what a cell is, not when, and
  its ``difference`` (between groups) claims no time of its own; so a gold ``difference`` or
  ``other`` is accepted when the predicted role is anything but ``pre``, ``post`` or ``change``
  (it claims no time it lacks) and rejected when the prediction claims one of them. Timepoints
  are compared as written, ignoring case and white space; null equals only null (a baseline
  column the gold gives as "Month 0" and the extractor leaves without a timepoint disagrees).
- ``outcome``, ``role`` and ``timepoint`` print the three parts of ``linked`` on their own, over
  the same values; ``spread_type`` is over matched values whose gold has a spread;
  ``spurious_links`` counts matched values linked to an outcome where the gold has none (a
  demographic row, a baseline comparability p-value, T2 of the conventions).

Splits. The gold is split by article with a fixed hash (:func:`split_of`: ``sha256("itb-ft:" +
file stem) / 2**256 < 0.5`` is ``dev``, else ``test``); every gold line carries its ``split`` and a
line whose split disagrees with the rule fails. The report prints all, dev and test figures apart.
``--verbose`` adds, for dev tables only, the same figures per table and the value-level misses
(the table extractor is tuned on dev tables alone); test-split tables are refused there (named as
withheld, no per-table figures, no misses), as the frozen abstract split is.

The inter-annotator agreement of the two passes (``tests/gold/fulltext/AGREEMENT.md``) uses the same
value keys and name keys: ``python -m itb_evidence.evaluate_fulltext A.jsonl B.jsonl GOLD.jsonl``
prints that file.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from extractors import EXTRACTOR_VERSION
from extractors.tables import TableExtraction, TableValue
from itb_evidence.evaluate import PRF, Accuracy, GoldFileError
from itb_evidence.fulltext.document import FullText
from itb_evidence.fulltext.extract import extract_tables
from itb_evidence.fulltext.jats import parse_jats
from itb_evidence.outcome_names import lenient_key

TARGETS: Final = {"table_values": 0.90, "linked": 0.90}
SPLIT_SEED: Final = "itb-ft:"  # sha256(SPLIT_SEED + file stem) / 2**256 < 0.5 -> dev
SPLITS: Final = ("dev", "test")
FROZEN_SPLIT: Final = "test"
KINDS: Final = ("statistic", "p_value", "sample_size", "dose")
ROLES: Final = ("pre", "post", "change", "difference", "other")
TIME_ROLES: Final = ("pre", "post", "change")
SPREAD_TYPES: Final = ("sd", "iqr", "range", "ci95", "se", "unspecified")
COMPARATORS: Final = ("=", "<", "<=", ">", ">=")
REQUIRED: Final = (
    "file",
    "table_id",
    "row",
    "col",
    "cell_text",
    "kind",
    "outcome",
    "role",
    "value",
)

CellKey = tuple[str, str, int, int]  # file, table id, grid row, grid column
TableKey = tuple[str, str]
TableExtractor = Callable[[FullText], list[TableExtraction]]


@dataclass(frozen=True, slots=True)
class GoldValue:
    """One annotated table value (a line of a pass or of the adjudicated gold)."""

    file: str
    table_id: str
    row: int
    col: int
    cell_text: str
    kind: str
    outcome: str | None
    role: str
    timepoint: str | None
    value: float | None
    spread: dict[str, Any] | None
    comparator: str | None
    statistic: str | None = None
    percent: float | None = None
    line: int = 0
    split: str = "dev"

    @property
    def key(self) -> CellKey:
        return (self.file, self.table_id, self.row, self.col)


def split_of(file: str) -> str:
    """The split of an article, by a fixed hash of its file stem (``dev`` below one half)."""
    stem = file.removesuffix(".nxml")
    digest = hashlib.sha256((SPLIT_SEED + stem).encode("utf-8")).hexdigest()
    return "dev" if int(digest, 16) / 2**256 < 0.5 else "test"


def _number(raw: Any, what: str) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise ValueError(f"{what} must be a number or null, got {raw!r}")
    return float(raw)


def _gold_value(raw: Any, line: int) -> GoldValue:
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if raw["kind"] not in KINDS:
        raise ValueError(f"kind {raw['kind']!r} is not one of {', '.join(KINDS)}")
    if raw["role"] not in ROLES:
        raise ValueError(f"role {raw['role']!r} is not one of {', '.join(ROLES)}")
    if not (isinstance(raw["row"], int) and isinstance(raw["col"], int)):
        raise ValueError("row and col must be integers")
    spread = raw.get("spread")
    if spread is not None:
        if not isinstance(spread, dict) or spread.get("type") not in SPREAD_TYPES:
            raise ValueError(f"spread {spread!r} needs a type in {', '.join(SPREAD_TYPES)}")
        for part in ("lo", "hi", "sd"):
            _number(spread.get(part), f"spread {part}")
    split = split_of(str(raw["file"]))
    if raw.get("split", split) != split:
        raise ValueError(f"split {raw.get('split')!r} but the rule puts {raw['file']} in {split!r}")
    comparator = raw.get("comparator")
    if raw["kind"] == "p_value" and raw["value"] is not None and comparator not in COMPARATORS:
        raise ValueError(f"p-value comparator {comparator!r} is not one of {COMPARATORS}")
    return GoldValue(
        file=str(raw["file"]),
        table_id=str(raw["table_id"]),
        row=raw["row"],
        col=raw["col"],
        cell_text=str(raw["cell_text"]),
        kind=raw["kind"],
        outcome=raw["outcome"],
        role=raw["role"],
        timepoint=raw.get("timepoint"),
        value=_number(raw["value"], "value"),
        spread=spread,
        comparator=comparator,
        statistic=raw.get("statistic"),
        percent=_number(raw.get("percent"), "percent"),
        line=line,
        split=split,
    )


def _json_lines(path: Path) -> Iterable[tuple[int, Any]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldFileError(f"{path} line {number}: not JSON ({exc.msg})") from exc


def is_fulltext_gold(path: Path) -> bool:
    """Whether ``path`` is a full-text table gold file: its first line is a value with a cell."""
    try:
        with path.open(encoding="utf-8") as handle:
            first = next((line for line in handle if line.strip()), "")
        record = json.loads(first)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(record, dict) and "table_id" in record and "cell_text" in record


def read_values(path: Path) -> list[GoldValue]:
    """Every value of a pass or gold file, checked (a bad line fails naming its number)."""
    values: list[GoldValue] = []
    seen: dict[CellKey, int] = {}
    for number, raw in _json_lines(path):
        try:
            value = _gold_value(raw, number)
        except (ValueError, TypeError) as exc:
            raise GoldFileError(f"{path} line {number}: {exc}") from exc
        if value.key in seen:
            raise GoldFileError(
                f"{path} line {number}: cell {value.key} already annotated on line "
                f"{seen[value.key]} (one value per cell)"
            )
        seen[value.key] = number
        values.append(value)
    if not values:
        raise GoldFileError(f"{path}: no gold values (an empty file scores nothing)")
    return values


# --------------------------------------------------------------------------- matching


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def predicted_value(value: TableValue) -> float | None:
    """The central number of a predicted value: its statistic's value, p or n."""
    if value.kind == "p_value":
        return value.p
    if value.kind == "sample_size":
        return None if value.n is None else float(value.n)
    return value.statistic.value if value.statistic is not None else None


def same_numbers(predicted: TableValue, gold: GoldValue) -> bool:
    """Same kind and number(s): the value (and a p-value's comparator), and the gold spread's
    numbers when it has one."""
    if predicted.kind != gold.kind or not _same(predicted_value(predicted), gold.value):
        return False
    if (
        gold.kind == "p_value"
        and gold.value is not None
        and predicted.comparator != gold.comparator
    ):
        return False
    if gold.spread is None:
        return True
    spread = predicted.statistic.spread if predicted.statistic is not None else None
    return spread is not None and all(
        _same(getattr(spread, part), _number(gold.spread.get(part), part))
        for part in ("lo", "hi", "sd")
    )


def role_agrees(predicted: str, gold: str) -> bool:
    """Gold pre/post/change must be predicted as such; gold difference/other accept any role that
    claims no pre/post/change (difference, p_value, n, dose, other)."""
    if gold in TIME_ROLES:
        return predicted == gold
    return predicted not in TIME_ROLES


def _fold_time(text: str | None) -> str | None:
    return None if text is None else "".join(text.split()).lower()


def same_timepoint(predicted: str | None, gold: str | None) -> bool:
    return _fold_time(predicted) == _fold_time(gold)


@dataclass(slots=True)
class TableScores:
    """The scores of one table, or of all of them."""

    values: PRF = field(default_factory=PRF)
    linked: Accuracy = field(default_factory=Accuracy)
    outcome: Accuracy = field(default_factory=Accuracy)
    role: Accuracy = field(default_factory=Accuracy)
    timepoint: Accuracy = field(default_factory=Accuracy)
    spread_type: Accuracy = field(default_factory=Accuracy)
    spurious_links: int = 0

    def add(self, other: TableScores) -> None:
        self.values.add(other.values)
        for name in ("linked", "outcome", "role", "timepoint", "spread_type"):
            getattr(self, name).add(getattr(other, name))
        self.spurious_links += other.spurious_links


def score_match(scores: TableScores, predicted: TableValue, gold: GoldValue) -> None:
    """Count one matched pair into the link and attribute scores."""
    if gold.spread is not None:
        spread = predicted.statistic.spread if predicted.statistic is not None else None
        scores.spread_type.tick(spread is not None and spread.type == gold.spread.get("type"))
    gold_outcome = lenient_key(gold.outcome)
    predicted_outcome = lenient_key(predicted.outcome)
    if gold_outcome is None:
        scores.spurious_links += predicted_outcome is not None
        return
    outcome = predicted_outcome == gold_outcome
    role = role_agrees(predicted.role, gold.role)
    timepoint = same_timepoint(predicted.timepoint, gold.timepoint)
    scores.outcome.tick(outcome)
    scores.role.tick(role)
    scores.timepoint.tick(timepoint)
    scores.linked.tick(outcome and role and timepoint)


@dataclass(frozen=True, slots=True)
class Miss:
    """One disagreement at one cell of a dev table (printed by ``--verbose``)."""

    key: CellKey
    gold: GoldValue | None
    predicted: TableValue | None

    def line(self) -> str:
        _, _, row, col = self.key
        text = (
            self.gold.cell_text
            if self.gold
            else (self.predicted.cell.text if self.predicted else "")
        )
        where = f"({row},{col}) {text!r}"
        if self.gold is None:
            return f"{where}: spurious {_describe(self.predicted)}"
        if self.predicted is None:
            return f"{where}: missed {_describe_gold(self.gold)}"
        if not same_numbers(self.predicted, self.gold):
            return (
                f"{where}: numbers differ: gold {_describe_gold(self.gold)}; "
                f"predicted {_describe(self.predicted)}"
            )
        gold, predicted = _describe_gold(self.gold), _describe(self.predicted)
        return f"{where}: link: gold {gold}; predicted {predicted}"


def _describe_gold(g: GoldValue) -> str:
    number = f"{g.comparator or ''}{g.value}" if g.kind == "p_value" else f"{g.value}"
    return f"{g.kind} {number} outcome={g.outcome!r} role={g.role} timepoint={g.timepoint!r}"


def _describe(v: TableValue | None) -> str:
    if v is None:
        return "nothing"
    number = (
        f"{v.comparator or ''}{predicted_value(v)}"
        if v.kind == "p_value"
        else f"{predicted_value(v)}"
    )
    return f"{v.kind} {number} outcome={v.outcome!r} role={v.role} timepoint={v.timepoint!r}"


def _linked(predicted: TableValue, gold: GoldValue) -> bool:
    """Whether a matched pair counts as linked (a gold without outcome asks for none)."""
    gold_outcome, predicted_outcome = lenient_key(gold.outcome), lenient_key(predicted.outcome)
    if gold_outcome is None:
        return predicted_outcome is None
    return (
        predicted_outcome == gold_outcome
        and role_agrees(predicted.role, gold.role)
        and same_timepoint(predicted.timepoint, gold.timepoint)
    )


@dataclass(slots=True)
class FullTextReport:
    gold_path: Path
    extractor_version: str = EXTRACTOR_VERSION
    gold_values: int = 0
    total: TableScores = field(default_factory=TableScores)
    tables: dict[TableKey, TableScores] = field(default_factory=dict)
    # Each table's split, the totals per split and the disagreements per table.
    table_splits: dict[TableKey, str] = field(default_factory=dict)
    splits: dict[str, TableScores] = field(default_factory=dict)
    split_values: Counter[str] = field(default_factory=Counter)
    misses: dict[TableKey, list[Miss]] = field(default_factory=dict)

    def scores(self, split: str | None = None) -> dict[str, float]:
        """Headline scores, keyed as in ``TARGETS`` (plus the parts of ``linked``), of every table
        or of one split's."""
        t = self.total if split is None else self.splits.get(split, TableScores())
        return {
            "table_values": t.values.f1,
            "table_values_precision": t.values.precision,
            "table_values_recall": t.values.recall,
            "linked": t.linked.value,
            "outcome": t.outcome.value,
            "role": t.role.value,
            "timepoint": t.timepoint.value,
            "spread_type": t.spread_type.value,
        }


# --------------------------------------------------------------------------- running


def predict(
    path: Path, *, tables: TableExtractor = extract_tables
) -> dict[TableKey, TableExtraction]:
    """Every table of one JATS file through the table extractor, by (file name, table id)."""
    out: dict[TableKey, TableExtraction] = {}
    for document in parse_jats(path.read_bytes(), what=path.name):
        for extraction in tables(document):
            out[(path.name, extraction.table_id)] = extraction
    return out


def grid_texts(path: Path) -> dict[TableKey, tuple[tuple[str, ...], ...]]:
    """Each table's grid of cell texts (what ``cell_text`` must equal), by (file, table id)."""
    return {
        (path.name, table.xml_id): table.text_rows()
        for document in parse_jats(path.read_bytes(), what=path.name)
        for table in document.tables
    }


def cell_problem(
    value: GoldValue, grids: dict[TableKey, tuple[tuple[str, ...], ...]]
) -> str | None:
    """Why a gold value's cell is not in its table as written (None when it is)."""
    grid = grids.get((value.file, value.table_id))
    if grid is None:
        return f"no table {value.table_id!r} in {value.file}"
    if not (0 <= value.row < len(grid) and 0 <= value.col < len(grid[value.row])):
        return f"cell ({value.row}, {value.col}) is outside the {len(grid)}-row grid"
    if grid[value.row][value.col] != value.cell_text:
        return (
            f"cell_text {value.cell_text!r} but the table has {grid[value.row][value.col]!r} "
            f"at ({value.row}, {value.col})"
        )
    return None


def evaluate_fulltext(
    gold_path: Path, *, tables: TableExtractor = extract_tables
) -> FullTextReport:
    """Run the JATS parser and table extractor over every file the gold names and score them
    (see the module docstring). ``tables`` is the pipeline's by default; tests pass hand-made
    extractions to pin the matching rules."""
    gold = read_values(gold_path)
    report = FullTextReport(gold_path=gold_path, gold_values=len(gold))
    by_cell = {g.key: g for g in gold}
    predicted: dict[CellKey, TableValue] = {}
    for name in sorted({g.file for g in gold}):
        path = gold_path.parent / name
        if not path.is_file():
            line = next(g.line for g in gold if g.file == name)
            raise GoldFileError(f"{gold_path} line {line}: no file {name} beside the gold file")
        grids = grid_texts(path)
        for g in gold:
            if g.file == name and (problem := cell_problem(g, grids)):
                raise GoldFileError(f"{gold_path} line {g.line}: {problem}")
        for (file, table_id), extraction in predict(path, tables=tables).items():
            report.tables.setdefault((file, table_id), TableScores())
            for value in extraction.values:
                predicted[(file, table_id, value.cell.row, value.cell.col)] = value
    for g in gold:
        report.tables.setdefault((g.file, g.table_id), TableScores())
        report.split_values[g.split] += 1
    for key in sorted(by_cell.keys() | predicted.keys()):
        table = (key[0], key[1])
        scores = report.tables[table]
        expected, found = by_cell.get(key), predicted.get(key)
        if expected is not None and found is not None and same_numbers(found, expected):
            scores.values.tp += 1
            score_match(scores, found, expected)
            if not _linked(found, expected):
                report.misses.setdefault(table, []).append(Miss(key, expected, found))
            continue
        scores.values.fn += expected is not None
        scores.values.fp += found is not None
        report.misses.setdefault(table, []).append(Miss(key, expected, found))
    for table, scores in report.tables.items():
        split = split_of(table[0])
        report.table_splits[table] = split
        report.total.add(scores)
        report.splits.setdefault(split, TableScores()).add(scores)
    return report


def _score_lines(label: str, s: TableScores, targets: bool) -> list[str]:
    def target(name: str) -> str:
        return f"{TARGETS[name]:.2f}" if targets and name in TARGETS else "-"

    v = s.values
    lines = [
        f"{label}table_values  P {v.precision:.3f}  R {v.recall:.3f}  F1 {v.f1:.3f}"
        f"  (target {target('table_values')})  tp={v.tp} fp={v.fp} fn={v.fn}",
        f"{label}linked        {s.linked.value:.3f}  (target {target('linked')})"
        f"  {s.linked.correct}/{s.linked.total}",
    ]
    for name in ("outcome", "role", "timepoint", "spread_type"):
        acc: Accuracy = getattr(s, name)
        lines.append(f"{label}  {name:<12}{acc.value:.3f}  {acc.correct}/{acc.total}")
    lines.append(f"{label}spurious_links {s.spurious_links} (linked where the gold has no outcome)")
    return lines


def format_fulltext_report(report: FullTextReport, verbose: bool) -> str:
    """The scores against targets, of all tables and of each split; with ``verbose``, the same
    figures per dev table and its misses (test-split tables are refused: aggregate only)."""
    lines = [
        f"full-text gold: {report.gold_path} ({report.gold_values} values in "
        f"{len(report.tables)} tables, {report.extractor_version})",
        *_score_lines("", report.total, targets=True),
    ]
    for split in SPLITS:
        if split in report.splits:
            tables = sum(1 for s in report.table_splits.values() if s == split)
            lines.append(f"{split} split ({report.split_values[split]} values in {tables} tables):")
            lines.extend(_score_lines("  ", report.splits[split], targets=False))
    if verbose:
        frozen = sorted(t for t, s in report.table_splits.items() if s == FROZEN_SPLIT)
        for table, scores in sorted(report.tables.items()):
            if report.table_splits[table] == FROZEN_SPLIT:
                continue
            file, table_id = table
            lines.append(f"- {file} {table_id}")
            lines.extend(_score_lines("    ", scores, targets=False))
            lines.extend(f"    miss {miss.line()}" for miss in report.misses.get(table, []))
        if frozen:
            lines.append(
                f"refused: {len(frozen)} table(s) of the frozen test split (no per-table "
                "figures or misses; aggregate only)"
            )
    return "\n".join(lines)


# --------------------------------------------------------------------------- agreement


def _kappa(pairs: list[tuple[Hashable, Hashable]]) -> float | None:
    """Cohen's kappa of paired labels (None when chance agreement is total)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(left[k] * right[k] for k in left) / (n * n)
    return None if expected == 1 else (observed - expected) / (1 - expected)


def _value_key(v: GoldValue) -> Hashable:
    spread = v.spread or {}
    numbers = tuple(_number(spread.get(p), p) for p in ("lo", "hi", "sd")) if v.spread else None
    return (v.key, v.kind, v.value, v.comparator if v.kind == "p_value" else None, numbers)


def _spread_key(v: GoldValue) -> Hashable:
    if v.spread is None:
        return None
    return (v.spread.get("type"), *(_number(v.spread.get(p), p) for p in ("lo", "hi", "sd")))


FIELDS: Final[tuple[tuple[str, Callable[[GoldValue], Hashable]], ...]] = (
    ("kind", lambda v: v.kind),
    ("outcome (strict)", lambda v: v.outcome),
    ("outcome (lenient)", lambda v: lenient_key(v.outcome)),
    ("role", lambda v: v.role),
    ("timepoint", lambda v: _fold_time(v.timepoint)),
    ("statistic", lambda v: v.statistic),
    ("spread", _spread_key),
    ("percent", lambda v: v.percent),
)


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    field: str
    measure: str
    value: float
    kappa: float | None
    n: int

    def row(self) -> str:
        kappa = f"{self.kappa:.2f}" if self.kappa is not None else "—"
        return f"| {self.field} | {self.measure} | {self.value:.3f} | {kappa} | {self.n} |"


def agreement(a: list[GoldValue], b: list[GoldValue]) -> list[FieldAgreement]:
    """Values: F1 of one pass against the other (same cell, kind and numbers); each field: raw
    agreement and Cohen's kappa over the cells both passes annotated."""
    keys_a, keys_b = Counter(map(_value_key, a)), Counter(map(_value_key, b))
    both = sum((keys_a & keys_b).values())
    prf = PRF(tp=both, fp=sum(keys_b.values()) - both, fn=sum(keys_a.values()) - both)
    rows = [FieldAgreement("values", "F1", prf.f1, None, len(a) + len(b))]
    b_by_cell = {v.key: v for v in b}
    shared = [(v, b_by_cell[v.key]) for v in a if v.key in b_by_cell]
    for name, key in FIELDS:
        pairs = [(key(x), key(y)) for x, y in shared]
        agree = sum(x == y for x, y in pairs) / len(pairs) if pairs else 1.0
        rows.append(FieldAgreement(name, "agreement", agree, _kappa(pairs), len(pairs)))
    return rows


def agreement_table(rows: Iterable[FieldAgreement]) -> str:
    header = "| field | measure | value | Cohen's κ | n |\n|---|---|---|---|---|"
    return "\n".join([header, *(r.row() for r in rows)])


def agreement_report(pass_a: Path, pass_b: Path, gold: Path) -> str:
    """The text of ``tests/gold/fulltext/AGREEMENT.md`` (checked against the files by a test)."""
    a, b, final = read_values(pass_a), read_values(pass_b), read_values(gold)
    adjudicated = sum(
        1
        for line in gold.read_text(encoding="utf-8").splitlines()
        if line.strip() and "adjudication" in json.loads(line)
    )
    tables = len({(v.file, v.table_id) for v in final})
    return "\n".join(
        [
            "# Inter-annotator agreement of the full-text table gold",
            "",
            f"The values of {tables} results tables of {len({v.file for v in final})} real "
            "articles (`*.nxml` here, see "
            "`SOURCES.md`) were annotated twice, each pass blind to the other and to any extractor "
            "output, with one annotation guide (fields and value rules), the project guide "
            "`../shared/gold/CONVENTIONS.md` and `../real/CONVENTIONS.md`. The passes are kept as "
            "written in `passes/A.jsonl` and `passes/B.jsonl`. An adjudicator settled every "
            f"disagreement and applied the guide where both passes had set it aside: {adjudicated} "
            f"of the {len(final)} values of `gold.jsonl` carry an `adjudication` entry naming the "
            "field, both values, the choice and the rule (rules T1-T5 in `CONVENTIONS.md`).",
            "",
            "Both passes were made by annotators of the same kind working from the same guides, "
            "so their agreement is a ceiling on consistency under the guides, likely higher than "
            "two clinicians' would be.",
            "",
            "Values are matched as `itb-evidence evaluate` matches extracted table values (same "
            "cell, kind and numbers: value, a p-value's comparator, the spread's numbers); each "
            "field is compared over the cells both passes annotated, with raw agreement and "
            "Cohen's κ (outcome names strictly and leniently, `itb_evidence/outcome_names.py`; "
            "timepoints ignoring case and white space). Regenerate with `python -m "
            "itb_evidence.evaluate_fulltext tests/gold/fulltext/passes/A.jsonl "
            "tests/gold/fulltext/passes/B.jsonl tests/gold/fulltext/gold.jsonl > "
            "tests/gold/fulltext/AGREEMENT.md` (checked by `tests/gold/test_fulltext_gold.py`).",
            "",
            f"Pass A vs pass B ({len(a)} and {len(b)} values):",
            "",
            agreement_table(agreement(a, b)),
            "",
            "Each pass against the adjudicated gold:",
            "",
            "| pass | values F1 | outcome (strict) | role | timepoint |",
            "|---|---|---|---|---|",
            *(_against_gold(name, values, final) for name, values in (("A", a), ("B", b))),
            "",
        ]
    )


def _against_gold(name: str, values: list[GoldValue], final: list[GoldValue]) -> str:
    rows = {r.field: r.value for r in agreement(values, final)}
    return (
        f"| {name} | {rows['values']:.3f} | {rows['outcome (strict)']:.3f} | {rows['role']:.3f} "
        f"| {rows['timepoint']:.3f} |"
    )


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: python -m itb_evidence.evaluate_fulltext A.jsonl B.jsonl GOLD.jsonl")
        return 2
    try:
        print(agreement_report(*(Path(p) for p in argv)), end="")
    except GoldFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
