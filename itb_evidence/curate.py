"""Curator corrections: stored apart from machine extractions, and always winning over them.

A correction targets a study field (``target="study"``) or an outcome row of a study
(``target="outcome"``, keyed by PMID and canonical outcome name). It records who, when and why,
and an *anchor*: the text the curator saw (the outcome's source text, or the abstract for study
fields). Machine rows are rewritten by every refresh; corrections are never touched by it. When a
revised record changes the anchored text, the correction is still applied but marked
``needs_review`` so a reviewer re-checks it: nothing is silently dropped.

A correction is validated before anything is stored, against the schema and the store, so a typo
never becomes data: the field must be a schema column; the value must have the column's type (an
integer column refuses ``7.5`` rather than truncating it, a number must be finite), pass the
column's check, fall in the column's enumeration (``design``, units, statistic and spread types,
comparators, row kinds: the ``a | b | c`` lists of ``schema``, plus any value the machine rows of
the store already hold) and in the ranges of ``VALUE_RULES`` (no negative dose or SD, a plausible
year); the PMID must be in the store, and an outcome must be one the study has (a machine row or
one a curator added) unless ``new_outcome`` says a new outcome row is meant. A refusal is one line
naming the PMID, the field and the value.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from itb_evidence.export.formulas import restore_text, to_safe_csv
from itb_evidence.store import schema
from itb_evidence.store.store import EvidenceStore, load_tables

ACTIONS = ("accept", "reject", "set", "include", "exclude")
TARGETS = ("study", "outcome")
_STUDY_FIELDS = {c.name: c for c in schema.STUDIES}
_OUTCOME_FIELDS = {c.name: c for c in schema.OUTCOMES}
_NOT_CORRECTABLE = {"pmid", "extractor_version", "citation"}


class CorrectionError(ValueError):
    """A correction that cannot be recorded; the message says what to fix."""


class CorrectionFileError(CorrectionError):
    """Bad rows of a corrections file: one problem per row, each naming the file and line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        more = f" (and {len(problems) - 1} more bad row(s))" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}; nothing imported")


@dataclass(frozen=True, slots=True)
class Correction:
    pmid: str
    target: str
    action: str
    reason: str
    curator: str
    outcome: str | None = None
    field: str | None = None
    value: Any = None
    new_outcome: bool = False  # a ``set`` that adds an outcome row the study does not have


@dataclass(frozen=True, slots=True)
class ValueRule:
    """A range a corrected value must fall in, beyond the schema's own column checks."""

    check: Callable[[float], bool]
    text: str


_NON_NEGATIVE = ValueRule(lambda v: v >= 0, "cannot be negative")
VALUE_RULES: dict[str, ValueRule] = {
    **dict.fromkeys(
        (
            "itb_dose_value",
            "itb_dose_sd",
            "itb_dose_range_lo",
            "itb_dose_range_hi",
            "pre_sd",
            "post_sd",
        ),
        _NON_NEGATIVE,
    ),
    "pmid_version": ValueRule(lambda v: v >= 1, "must be 1 or more"),
    "year": ValueRule(
        lambda v: 1800 <= v <= date.today().year + 1,
        f"must be a publication year between 1800 and {date.today().year + 1}",
    ),
}


def enum_values(column: schema.Column) -> tuple[str, ...]:
    """The values a column allows, read from its schema description (``"a | b | c"``, an optional
    ``"label: "`` before the list, notes in parentheses dropped); empty when the column is free."""
    declared = getattr(column, "values", None) or getattr(column, "choices", None)
    if declared:
        return tuple(str(v) for v in declared)
    text = column.description
    if " | " not in text:
        return ()
    head, _, _ = text.partition(" | ")
    if ": " in head:
        text = text[text.rindex(": ", 0, len(head)) + 2 :]
    items = (re.sub(r"\s*\([^)]*\)", "", item).strip() for item in text.split(" | "))
    return tuple(item for item in items if item)


def _sha1(text: str | None) -> str | None:
    return None if text is None else hashlib.sha1(text.encode("utf-8")).hexdigest()


def _integer(column: schema.Column, value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        number = float(text)
        if not number.is_integer():
            raise CorrectionError(
                f"{column.name} needs a whole number, got {value!r} (not truncated)"
            ) from None
        return int(number)


def _coerce(column: schema.Column, value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if not column.nullable:
            raise CorrectionError(f"{column.name} cannot be empty")
        return None
    try:
        if column.sql_type == "INTEGER":
            return _integer(column, value)
        if column.sql_type == "DOUBLE":
            if isinstance(value, bool):
                raise ValueError(value)
            number = float(str(value).strip()) if isinstance(value, str) else float(value)
            if not math.isfinite(number):
                raise CorrectionError(f"{column.name} needs a finite number, got {value!r}")
            return number
        if column.sql_type == "BOOLEAN":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "yes", "1", "y"):
                return True
            if text in ("false", "no", "0", "n"):
                return False
            raise ValueError(value)
    except (TypeError, ValueError, OverflowError) as exc:
        if isinstance(exc, CorrectionError):
            raise
        kind = {"INTEGER": "a whole number", "DOUBLE": "a number", "BOOLEAN": "true or false"}
        raise CorrectionError(
            f"{column.name} needs {kind.get(column.sql_type, column.sql_type.lower())}, "
            f"got {value!r}"
        ) from exc
    return str(value)


def _store_values(store: EvidenceStore | None, table: str, column: str) -> list[str]:
    """Values the machine rows of the store already hold in ``column`` (an enumeration's
    extensions: e.g. the ``ug/kg/day`` unit the extractors write)."""
    if store is None:
        return []
    rows = store.con.execute(
        f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _check_value(table: str, column: schema.Column, value: Any, store: EvidenceStore | None) -> Any:
    """``value`` (already of the column's type) checked against the column's enumeration, the
    schema's check and ``VALUE_RULES``; an enumerated value comes back in its canonical form."""
    if value is None:
        return None
    allowed = enum_values(column)
    if allowed and isinstance(value, str):
        known = list(dict.fromkeys([*allowed, *_store_values(store, table, column.name)]))
        folded = {" ".join(k.lower().split()): k for k in known}
        canonical = folded.get(" ".join(value.lower().split()))
        if canonical is None:
            raise CorrectionError(f"{column.name} {value!r} is not one of: {', '.join(known)}")
        value = canonical
    errors = [
        e for e in schema.validate_row(table, {column.name: value}) if e.column == column.name
    ]
    if errors:
        raise CorrectionError(f"{column.name} {errors[0].problem}")
    rule = VALUE_RULES.get(column.name)
    if rule is not None and not isinstance(value, (str, bool)) and not rule.check(value):
        raise CorrectionError(f"{column.name} = {value!r} {rule.text}")
    return value


def _outcome_names(store: EvidenceStore, pmid: str) -> list[str]:
    """The outcomes a study has: its machine rows, and rows curators added with ``set``."""
    rows = store.con.execute(
        "SELECT DISTINCT outcome FROM outcomes WHERE pmid = ? AND outcome IS NOT NULL "
        "UNION SELECT DISTINCT outcome FROM corrections WHERE pmid = ? AND target = 'outcome' "
        "AND action = 'set' AND NOT superseded AND outcome IS NOT NULL",
        [pmid, pmid],
    ).fetchall()
    return sorted(str(r[0]) for r in rows)


def _resolve_outcome(store: EvidenceStore, c: Correction) -> Correction:
    """The correction with its outcome as the study spells it; refused for an outcome the study
    does not have, unless ``new_outcome`` asks for a new row (which must then be new)."""
    if c.target != "outcome" or c.outcome is None:
        return c
    names = _outcome_names(store, c.pmid)
    if c.outcome in names:
        if c.new_outcome:
            raise CorrectionError(
                f"PMID {c.pmid} already has outcome {c.outcome!r}: drop --new-outcome"
            )
        return c
    if c.new_outcome:
        return c
    folded = [n for n in names if n.casefold() == c.outcome.casefold()]
    if len(folded) == 1:
        return replace(c, outcome=folded[0])
    close = difflib.get_close_matches(c.outcome, names, n=3, cutoff=0.6)
    if close:
        hint = f"did you mean {' or '.join(repr(n) for n in close)}?"
    elif names:
        shown = ", ".join(repr(n) for n in names[:8])
        hint = f"its outcomes: {shown}{', ...' if len(names) > 8 else ''}."
    else:
        hint = "it has no outcome rows."
    raise CorrectionError(
        f"PMID {c.pmid} has no outcome {c.outcome!r} ({hint} To add an outcome row, use "
        "`curate set ... --new-outcome`)"
    )


def _anchor(store: EvidenceStore, c: Correction) -> str | None:
    if c.target == "outcome":
        row = store.con.execute(
            "SELECT source_text FROM outcomes WHERE pmid = ? AND outcome = ? "
            "ORDER BY row_kind = 'result' DESC, span_start LIMIT 1",
            [c.pmid, c.outcome],
        ).fetchone()
        return None if row is None else _sha1(row[0])
    row = store.con.execute("SELECT abstract FROM records WHERE pmid = ?", [c.pmid]).fetchone()
    return None if row is None else _sha1(row[0])


def validate(c: Correction, store: EvidenceStore | None = None) -> Correction:
    """``c`` checked against the schema (and, given a store, against the store: the PMID, the
    outcome, enumerations extended by stored values); raises ``CorrectionError`` naming the PMID,
    the field and the value. Returns the correction with its value typed and canonical."""
    try:
        return _validate(c, store)
    except CorrectionError as exc:
        message = str(exc)
        raise CorrectionError(
            message if message.startswith(f"PMID {c.pmid}") else f"PMID {c.pmid}: {message}"
        ) from None


def _validate(c: Correction, store: EvidenceStore | None) -> Correction:
    if c.action not in ACTIONS:
        raise CorrectionError(f"action {c.action!r} is not one of {ACTIONS}")
    if c.target not in TARGETS:
        raise CorrectionError(f"target {c.target!r} is not one of {TARGETS}")
    if not c.reason.strip() or not c.curator.strip():
        raise CorrectionError("a correction needs a reason and a curator")
    if c.new_outcome and (c.action != "set" or c.target != "outcome" or not c.outcome):
        raise CorrectionError("--new-outcome adds an outcome row: use it with `set` and --outcome")
    if store is not None:
        known = store.con.execute(
            "SELECT count(*) FROM studies WHERE pmid = ?", [c.pmid]
        ).fetchone()
        if not known or not known[0]:
            raise CorrectionError(f"PMID {c.pmid} is not in the store")
    if c.action in ("include", "exclude"):
        return Correction(
            c.pmid,
            "study",
            c.action,
            c.reason,
            c.curator,
            field="included",
            value=c.action == "include",
        )
    if c.target == "outcome" and not (c.outcome and c.outcome.strip()):
        raise CorrectionError("an outcome correction needs --outcome")
    if c.target == "outcome" and store is not None:
        c = _resolve_outcome(store, c)
    if c.action != "set":
        return c
    table, fields = (
        ("studies", _STUDY_FIELDS) if c.target == "study" else ("outcomes", _OUTCOME_FIELDS)
    )
    if c.field not in fields or c.field in _NOT_CORRECTABLE:
        known_fields = ", ".join(sorted(set(fields) - _NOT_CORRECTABLE))
        raise CorrectionError(f"cannot set field {c.field!r}; one of: {known_fields}")
    column = fields[c.field]
    value = _check_value(table, column, _coerce(column, c.value), store)
    return replace(c, value=value)


def add_correction(store: EvidenceStore, correction: Correction) -> int:
    """Validate (schema and store) and store one correction; a later one on the same target
    supersedes earlier ones."""
    c = validate(correction, store)
    anchor = _anchor(store, c)
    store.con.execute(
        "UPDATE corrections SET superseded = TRUE WHERE pmid = ? AND target = ? "
        "AND outcome IS NOT DISTINCT FROM ? AND field IS NOT DISTINCT FROM ?",
        [c.pmid, c.target, c.outcome, c.field],
    )
    row = store.con.execute(
        "INSERT INTO corrections VALUES (nextval('correction_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "FALSE) RETURNING correction_id",
        [
            c.pmid,
            c.target,
            c.outcome,
            c.field,
            c.action,
            json.dumps(c.value),
            c.reason,
            c.curator,
            datetime.now(UTC).replace(tzinfo=None),
            anchor,
        ],
    ).fetchone()
    if row is None:
        raise CorrectionError(f"PMID {c.pmid}: the correction was not stored")
    return int(row[0])


def active_corrections(store: EvidenceStore) -> pd.DataFrame:
    return store.con.execute(
        "SELECT * FROM corrections WHERE NOT superseded ORDER BY correction_id"
    ).df()


def _current_anchors(
    store: EvidenceStore,
) -> tuple[dict[str, str | None], dict[tuple[str, str], str | None]]:
    abstracts = {
        str(p): _sha1(a)
        for p, a in store.con.execute("SELECT pmid, abstract FROM records").fetchall()
    }
    outcome_rows = store.con.execute(
        "SELECT pmid, outcome, source_text FROM outcomes "
        "ORDER BY pmid, outcome, row_kind = 'result' DESC, span_start"
    ).fetchall()
    outcomes: dict[tuple[str, str], str | None] = {}
    for pmid, outcome, text in outcome_rows:
        outcomes.setdefault((str(pmid), str(outcome)), _sha1(text))
    return abstracts, outcomes


def curated_tables(store: EvidenceStore) -> dict[str, pd.DataFrame]:
    """Machine tables with corrections applied, plus ``curation`` / ``needs_review`` columns."""
    tables = load_tables(store)
    corrections = active_corrections(store)
    studies, outcomes = tables["studies"].copy(), tables["outcomes"].copy()
    for df in (studies, outcomes):
        df["curation"] = ""
        df["needs_review"] = False
    abstracts, outcome_anchors = _current_anchors(store)
    for c in _CorrectionRow.from_frame(corrections):
        value = json.loads(c.value_json) if c.value_json else None
        note = f"{c.action}{'' if not c.field else ' ' + c.field} by {c.curator}: {c.reason}"
        if c.target == "study":
            mask = studies["pmid"] == c.pmid
            stale = c.anchor_sha1 is not None and abstracts.get(c.pmid) != c.anchor_sha1
            if c.action == "set" or c.action in ("include", "exclude"):
                field = c.field or "included"
                studies[field] = studies[field].astype(object)
                studies.loc[mask, field] = value
                if c.action in ("include", "exclude"):
                    studies["inclusion_reason"] = studies["inclusion_reason"].astype(object)
                    studies.loc[mask, "inclusion_reason"] = f"curator: {c.reason}"
            _annotate(studies, mask, note, stale)
            continue
        mask = (outcomes["pmid"] == c.pmid) & (outcomes["outcome"] == c.outcome)
        stale = (
            c.anchor_sha1 is not None and outcome_anchors.get((c.pmid, c.outcome)) != c.anchor_sha1
        )
        if not mask.any():
            # a curator-added row, or a row that vanished after a revision (kept visible, flagged)
            added = c.action == "set"
            row: dict[str, Any] = dict.fromkeys(outcomes.columns)
            row.update(
                pmid=c.pmid,
                outcome=c.outcome,
                row_kind="curated" if added else "missing after revision",
                curation="",
                needs_review=False,
            )
            outcomes = pd.concat([outcomes, pd.DataFrame([row])], ignore_index=True)
            mask = (outcomes["pmid"] == c.pmid) & (outcomes["outcome"] == c.outcome)
            stale = stale or not added
        if c.action == "set" and c.field:
            outcomes[c.field] = outcomes[c.field].astype(object)
            outcomes.loc[mask, c.field] = value
        _annotate(outcomes, mask, note, stale)
    outcomes["rejected"] = outcomes["curation"].str.contains(r"(?:^|; )reject", regex=True)
    return {"studies": studies, "outcomes": outcomes}


@dataclass(frozen=True, slots=True)
class _CorrectionRow:
    """One stored correction as plain Python values (no pandas NaN)."""

    pmid: str
    target: str
    outcome: str
    field: str | None
    action: str
    value_json: str | None
    reason: str
    curator: str
    anchor_sha1: str | None

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> list[_CorrectionRow]:
        names = [f for f in cls.__slots__]
        clean = df[names].astype(object).where(df[names].notna(), None)
        return [
            cls(**{k: (None if v is None else str(v)) for k, v in zip(names, row, strict=True)})  # type: ignore[arg-type]
            for row in clean.itertuples(index=False, name=None)
        ]


def _annotate(df: pd.DataFrame, mask: pd.Series, note: str, stale: bool) -> None:
    df.loc[mask, "curation"] = [
        f"{old}; {note}" if old else note for old in df.loc[mask, "curation"]
    ]
    if stale:
        df.loc[mask, "needs_review"] = True


CORRECTION_FILE_COLUMNS = [
    "pmid",
    "target",
    "outcome",
    "field",
    "current_value",
    "action",
    "new_value",
    "reason",
    "curator",
]


def write_corrections_file(store: EvidenceStore, path: Path) -> int:
    """A sheet of every correctable value of included studies, to fill in and read back."""
    tables = curated_tables(store)
    rows: list[dict[str, Any]] = []
    studies = tables["studies"]
    for s in studies.itertuples():
        for fld in (
            "included",
            "design",
            "sample_size",
            "itb_dose_value",
            "itb_dose_sd",
            "itb_dose_range_lo",
            "itb_dose_range_hi",
            "itb_dose_unit",
        ):
            rows.append(
                {
                    "pmid": s.pmid,
                    "target": "study",
                    "outcome": None,
                    "field": fld,
                    "current_value": getattr(s, fld),
                }
            )
    for o in tables["outcomes"].itertuples():
        for fld in ("pre_value", "post_value", "p_comparator", "p_value"):
            rows.append(
                {
                    "pmid": o.pmid,
                    "target": "outcome",
                    "outcome": o.outcome,
                    "field": fld,
                    "current_value": getattr(o, fld),
                }
            )
    df = pd.DataFrame(rows, columns=CORRECTION_FILE_COLUMNS[:5])
    for col in CORRECTION_FILE_COLUMNS[5:]:
        df[col] = ""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Outcome names and values come from abstracts: a spreadsheet must never run one as a formula.
    # XLSX cells are written as plain strings; CSV text cells that start with a trigger get a
    # leading quote, which ``_read_sheet`` drops again (``restore_text``).
    if path.suffix == ".xlsx":
        options = {"strings_to_formulas": False, "strings_to_urls": False}
        df.to_excel(
            path,
            index=False,
            sheet_name="corrections",
            engine="xlsxwriter",
            engine_kwargs={"options": options},
        )
    else:
        to_safe_csv(df, path)
    return len(df)


def _read_sheet(path: Path) -> pd.DataFrame:
    """The corrections sheet as strings; an unreadable file is one ``CorrectionError``."""
    kind = "XLSX" if path.suffix.lower() == ".xlsx" else "CSV"
    try:
        if kind == "XLSX":
            df = pd.read_excel(path, dtype=str, sheet_name="corrections")
        else:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except OSError:
        raise
    except UnicodeDecodeError as exc:
        raise CorrectionError(
            f"{path}: not UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
            "save the sheet as UTF-8 CSV or as XLSX"
        ) from exc
    except (ValueError, KeyError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise CorrectionError(f"{path}: not a readable {kind} corrections file ({exc})") from exc
    except Exception as exc:  # the XLSX readers raise their own types for a damaged file
        raise CorrectionError(
            f"{path}: not a readable {kind} corrections file ({type(exc).__name__}: {exc})"
        ) from exc
    df = df.fillna("")
    if kind == "CSV":
        for col in df.columns:
            df[col] = [restore_text(v) if isinstance(v, str) else v for v in df[col].tolist()]
    return df


def read_corrections_file(
    path: Path, *, default_curator: str | None = None, store: EvidenceStore | None = None
) -> list[Correction]:
    """Rows with an ``action`` become corrections, each validated (against ``store`` too, when
    given). All rows or none: every bad row is reported (``CorrectionFileError.problems``, one per
    row, naming the file, the line -- the row of the sheet, the header being line 1 -- the PMID and
    the problem) and no correction is returned."""
    df = _read_sheet(path)
    missing = set(CORRECTION_FILE_COLUMNS) - set(df.columns)
    if missing:
        raise CorrectionError(f"{path}: missing columns {sorted(missing)}")
    out: list[Correction] = []
    problems: list[str] = []
    for line, row in zip(range(2, len(df) + 2), df.to_dict("records"), strict=True):
        action = str(row["action"]).strip().lower()
        if not action:
            continue
        curator = str(row["curator"]).strip() or (default_curator or "")
        try:
            out.append(
                validate(
                    Correction(
                        pmid=str(row["pmid"]).strip(),
                        target=str(row["target"]).strip(),
                        action=action,
                        reason=str(row["reason"]),
                        curator=curator,
                        outcome=str(row["outcome"]).strip() or None,
                        field=str(row["field"]).strip() or None,
                        value=row["new_value"] if action == "set" else None,
                    ),
                    store,
                )
            )
        except CorrectionError as exc:
            problems.append(f"{path} line {line}: {exc}")
    if problems:
        raise CorrectionFileError(problems)
    return out


def import_corrections(store: EvidenceStore, corrections: Iterable[Correction]) -> int:
    """Store every correction, or none: one transaction, rolled back at the first refusal."""
    store.con.execute("BEGIN TRANSACTION")
    try:
        n = sum(1 for c in corrections if add_correction(store, c))
    except BaseException:
        store.con.execute("ROLLBACK")
        raise
    store.con.execute("COMMIT")
    return n
