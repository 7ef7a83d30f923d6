"""Curator corrections: stored apart from machine extractions, and always winning over them.

A correction targets a study field (``target="study"``) or an outcome row of a study
(``target="outcome"``, keyed by PMID and canonical outcome name). It records who, when and why,
and an *anchor*: the text the curator saw (the outcome's source text, or the abstract for study
fields). Machine rows are rewritten by every refresh; corrections are never touched by it. When a
revised record changes the anchored text, the correction is still applied but marked
``needs_review`` so a reviewer re-checks it: nothing is silently dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from itb_evidence.store import schema
from itb_evidence.store.store import EvidenceStore, load_tables

ACTIONS = ("accept", "reject", "set", "include", "exclude")
TARGETS = ("study", "outcome")
_STUDY_FIELDS = {c.name: c for c in schema.STUDIES}
_OUTCOME_FIELDS = {c.name: c for c in schema.OUTCOMES}
_NOT_CORRECTABLE = {"pmid", "extractor_version", "citation"}


class CorrectionError(ValueError):
    """A correction that cannot be recorded; the message says what to fix."""


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


def _sha1(text: str | None) -> str | None:
    return None if text is None else hashlib.sha1(text.encode("utf-8")).hexdigest()


def _coerce(column: schema.Column, value: Any) -> Any:
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if not column.nullable:
            raise CorrectionError(f"{column.name} cannot be empty")
        return None
    try:
        if column.sql_type == "INTEGER":
            return int(float(value))
        if column.sql_type == "DOUBLE":
            return float(value)
        if column.sql_type == "BOOLEAN":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "yes", "1", "y"):
                return True
            if text in ("false", "no", "0", "n"):
                return False
            raise ValueError(value)
    except ValueError as exc:
        raise CorrectionError(
            f"{column.name} needs a {column.sql_type.lower()}, got {value!r}"
        ) from exc
    return str(value)


def _anchor(store: EvidenceStore, c: Correction) -> str | None:
    if c.target == "outcome":
        row = store.con.execute(
            "SELECT source_text FROM outcomes WHERE pmid = ? AND outcome = ? "
            "ORDER BY row_kind = 'result' DESC, span_start LIMIT 1",
            [c.pmid, c.outcome],
        ).fetchone()
        if row is None and c.action != "set":
            raise CorrectionError(f"PMID {c.pmid} has no outcome {c.outcome!r} to {c.action}")
        return None if row is None else _sha1(row[0])
    row = store.con.execute("SELECT abstract FROM records WHERE pmid = ?", [c.pmid]).fetchone()
    return None if row is None else _sha1(row[0])


def validate(c: Correction) -> Correction:
    if c.action not in ACTIONS:
        raise CorrectionError(f"PMID {c.pmid}: action {c.action!r} is not one of {ACTIONS}")
    if c.target not in TARGETS:
        raise CorrectionError(f"PMID {c.pmid}: target {c.target!r} is not one of {TARGETS}")
    if not c.reason.strip() or not c.curator.strip():
        raise CorrectionError(f"PMID {c.pmid}: a correction needs a reason and a curator")
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
    if c.target == "outcome" and not c.outcome:
        raise CorrectionError(f"PMID {c.pmid}: an outcome correction needs --outcome")
    if c.action == "set":
        fields = _STUDY_FIELDS if c.target == "study" else _OUTCOME_FIELDS
        if c.field not in fields or c.field in _NOT_CORRECTABLE:
            known = ", ".join(sorted(set(fields) - _NOT_CORRECTABLE))
            raise CorrectionError(f"PMID {c.pmid}: cannot set field {c.field!r}; one of: {known}")
        value = _coerce(fields[c.field], c.value)
        row_errors = [
            e
            for e in schema.validate_row(
                "studies" if c.target == "study" else "outcomes", {c.field: value}
            )
            if e.column == c.field
        ]
        if row_errors:
            raise CorrectionError(f"PMID {c.pmid}: {c.field} {row_errors[0].problem}")
        return Correction(
            c.pmid, c.target, c.action, c.reason, c.curator, c.outcome, c.field, value
        )
    return c


def add_correction(store: EvidenceStore, correction: Correction) -> int:
    """Validate and store one correction; a later one on the same target supersedes earlier ones."""
    c = validate(correction)
    known = store.con.execute("SELECT count(*) FROM studies WHERE pmid = ?", [c.pmid]).fetchone()
    if not known or not known[0]:
        raise CorrectionError(f"PMID {c.pmid} is not in the store")
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
    if path.suffix == ".xlsx":
        df.to_excel(path, index=False, sheet_name="corrections")
    else:
        df.to_csv(path, index=False)
    return len(df)


def read_corrections_file(path: Path, *, default_curator: str | None = None) -> list[Correction]:
    """Rows with an ``action`` become corrections; a bad row raises naming its line and problem."""
    if path.suffix == ".xlsx":
        df = pd.read_excel(path, dtype=str, sheet_name="corrections")
    else:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.fillna("")
    missing = set(CORRECTION_FILE_COLUMNS) - set(df.columns)
    if missing:
        raise CorrectionError(f"{path}: missing columns {sorted(missing)}")
    out: list[Correction] = []
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
                    )
                )
            )
        except CorrectionError as exc:
            raise CorrectionError(f"{path} line {line}: {exc}") from exc
    return out


def import_corrections(store: EvidenceStore, corrections: Iterable[Correction]) -> int:
    return sum(1 for c in corrections if add_correction(store, c))
