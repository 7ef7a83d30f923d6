"""The JSON contract of ``itb-evidence extract`` (documented in the README; keep it stable).

One input line ``{"id", "title", "abstract", ...}`` -> one output line. Optional input keys:
``publication_types`` (PubMed publication types), ``mesh`` (MeSH descriptors as strings or
``{"descriptor": ...}`` objects; the older ``mesh_terms`` list of strings is still read) and
``keywords``; they feed the ITB/HSP flags and the design (``extractors.study``)::

    {"id", "is_itb_study", "is_hsp_population", "design", "sample_size": int|null,
     "outcome_measures": [{"name", "text", "start", "end"}],
     "doses": [{"text", "start", "end", "drug", "route", "value", "sd", "range": [lo, hi]|null,
                "unit", "kind"}],
     "p_values": [{"text", "start", "end", "comparator", "value", "outcome"}],
     "results": [{"outcome", "pre": {"stat", "value", "spread": {...}|null}, "post": {...},
                  "p": float|null}]}

Every mention also carries provenance keys (``rule_id``, ``sentence``, ``section``, and
``field`` when it is not ``abstract``); the top level adds ``extractor_version``,
``test_statistics``, ``evidence`` and ``follow_up``: the study's follow-up duration as
``{"text", "start", "end", "value", "sd", "range": [lo, hi]|null, "unit"}`` (unit one of days,
weeks, months, years; value null when only a range is stated) plus provenance keys, or null;
each result also carries ``timepoint`` (the post value's timepoint as written, e.g. "6 months",
"steady state", or null) and ``unit`` (the unit of its pre and post values, an id of
``extractors.results.UNITS`` such as "m/s", "s", "%", "points", a rate as written, or null).
Each p-value, dose and result carries ``link_reason``: why it was linked to its outcome (or
drug), a ``extractors.types.LinkReason`` value such as "nearest_before", "same_clause",
"respectively_order", "drug_following", "head_noun_reference"; or, for a value left unlinked,
why: "ambiguous" (two candidates, nothing decides), "shared_by_measures", "correlation",
"unknown_measure", "grouping_factor"; or null; each result also carries ``p_link_reason`` (why
its ``p``: "p_adjacent", "p_in_bracket"...).
Confidence (``extractors.confidence``; each one of ``"high"``, ``"medium"``, ``"low"``): every
outcome measure, dose, p-value and result carries ``confidence``; a p-value or result linked to
an outcome, and a dose linked to a drug, carries ``link_confidence`` (null when not linked); the
top level adds ``sample_size_confidence`` (null without a sample size) and ``design_confidence``.
``sentence`` is the sentence holding the span, whole when it is at most 1,000 characters; a
longer (run-on) one is a window of at most 1,000 characters around the span, each cut-off part
marked "[…]" (``extractors.spans``). A malformed line, or a title or abstract over 100,000
characters (``extractors.engine.MAX_FIELD_CHARS``), yields ``{"id": ..., "error": "line N:
..."}`` on the output and a message on the error stream; the batch continues.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from extractors.engine import FieldTooLong, extract_study
from extractors.spans import sentence_of
from extractors.types import (
    FollowUp,
    LinkReason,
    Provenance,
    Spread,
    Statistic,
    StudyExtraction,
)


def _prov(se: StudyExtraction, prov: Provenance) -> dict[str, Any]:
    out: dict[str, Any] = {
        "text": prov.text,
        "start": prov.start,
        "end": prov.end,
        "rule_id": prov.rule_id,
        "sentence": sentence_of(se, prov),
        "section": prov.section,
    }
    if prov.field != "abstract":
        out["field"] = prov.field
    return out


def _spread(spread: Spread | None) -> dict[str, Any] | None:
    if spread is None:
        return None
    return {"type": spread.type, "lo": spread.lo, "hi": spread.hi, "sd": spread.sd}


def _statistic(stat: Statistic) -> dict[str, Any]:
    return {"stat": stat.stat, "value": stat.value, "spread": _spread(stat.spread)}


def _follow_up(se: StudyExtraction, follow_up: FollowUp | None) -> dict[str, Any] | None:
    if follow_up is None:
        return None
    return {
        **_prov(se, follow_up.prov),
        "value": follow_up.value,
        "sd": follow_up.sd,
        "range": list(follow_up.range) if follow_up.range else None,
        "unit": follow_up.unit,
    }


def _reason(reason: LinkReason | None) -> str | None:
    return reason.value if reason is not None else None


def to_contract(se: StudyExtraction) -> dict[str, Any]:
    """The documented output object for one study extraction."""
    return {
        "id": se.id,
        "is_itb_study": se.is_itb_study,
        "is_hsp_population": se.is_hsp_population,
        "design": se.design,
        "sample_size": se.sample_size.n if se.sample_size else None,
        "outcome_measures": [
            {
                "name": o.name,
                **_prov(se, o.prov),
                "in_lexicon": o.in_lexicon,
                "confidence": o.confidence,
            }
            for o in se.outcome_measures
        ],
        "doses": [
            {
                **_prov(se, d.prov),
                "drug": d.drug,
                "route": d.route,
                "value": d.value,
                "sd": d.sd,
                "range": list(d.range) if d.range else None,
                "unit": d.unit,
                "kind": d.kind,
                "link_reason": _reason(d.link_reason),
                "confidence": d.confidence,
                "link_confidence": d.link_confidence,
            }
            for d in se.doses
        ],
        "p_values": [
            {
                **_prov(se, p.prov),
                "comparator": p.comparator,
                "value": p.value,
                "outcome": p.outcome,
                "reported_ns": p.reported_ns,
                "link_reason": _reason(p.link_reason),
                "confidence": p.confidence,
                "link_confidence": p.link_confidence,
            }
            for p in se.p_values
        ],
        "results": [
            {
                "outcome": r.outcome,
                "pre": _statistic(r.pre),
                "post": _statistic(r.post),
                "p": r.p.value if r.p else None,
                "p_comparator": r.p.comparator if r.p else None,
                "timepoint": r.timepoint,
                "unit": r.unit,
                "link_reason": _reason(r.link_reason),
                "p_link_reason": _reason(r.p_link_reason),
                "confidence": r.confidence,
                "link_confidence": r.link_confidence,
                **_prov(se, r.prov),
            }
            for r in se.results
        ],
        "test_statistics": [
            {
                "kind": t.kind,
                "value": t.value,
                "df": list(t.df),
                "p_recomputed": t.p_recomputed,
                "consistent": t.consistent,
                **(_prov(se, t.prov) if t.prov else {}),
            }
            for t in se.test_statistics
        ],
        "evidence": se.evidence,
        "follow_up": _follow_up(se, se.follow_up),
        "extractor_version": se.extractor_version,
        "sample_size_confidence": se.sample_size_confidence,
        "design_confidence": se.design_confidence,
    }


class InputLineError(ValueError):
    """A malformed input line; ``record_id`` is the id when one could be read."""

    def __init__(self, message: str, record_id: str | None = None) -> None:
        super().__init__(message)
        self.record_id = record_id


def _parse_line(line: str) -> dict[str, Any]:
    if not line.strip():
        raise InputLineError("empty line (expected a JSON object with id, title, abstract)")
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputLineError(f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(record, dict):
        raise InputLineError(f"expected a JSON object, got {type(record).__name__}")
    raw_id = record.get("id")
    record_id = (
        str(raw_id) if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else None
    )
    if record_id is None:
        raise InputLineError("missing or invalid 'id' (a string or integer is required)")
    for key in ("title", "abstract"):
        if key not in record:
            raise InputLineError(f"missing key {key!r} (use null for an empty field)", record_id)
        if record[key] is not None and not isinstance(record[key], str):
            raise InputLineError(
                f"{key!r} must be a string or null, got {type(record[key]).__name__}", record_id
            )
    record["id"] = record_id
    return record


def _optional_strings(record: dict[str, Any], key: str) -> list[str]:
    value = record.get(key)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return []


def _mesh_headings(record: dict[str, Any]) -> list[str]:
    """MeSH descriptors from ``mesh_terms`` (strings, the older key) and ``mesh`` (strings, or
    objects with a ``descriptor`` as ``itb-evidence`` records hold them), in order, once each."""
    value = record.get("mesh")
    mesh = value if isinstance(value, list) else []
    descriptors = [
        item["descriptor"] if isinstance(item, dict) else item
        for item in mesh
        if isinstance(item, str)
        or (isinstance(item, dict) and isinstance(item.get("descriptor"), str))
    ]
    return list(dict.fromkeys([*_optional_strings(record, "mesh_terms"), *descriptors]))


def run_contract(lines: Iterable[str], out: TextIO, err: TextIO) -> tuple[int, int]:
    """Extract every JSONL input line to one output line, in order; returns (ok, errors)."""
    ok = errors = 0
    for number, line in enumerate(lines, start=1):
        record_id: str | None = None
        try:
            record = _parse_line(line)
            record_id = record["id"]
            se = extract_study(
                record["id"],
                record["title"] or "",
                record["abstract"] or "",
                mesh_terms=_mesh_headings(record),
                publication_types=_optional_strings(record, "publication_types"),
                keywords=_optional_strings(record, "keywords"),
            )
            payload = to_contract(se)
            ok += 1
        except InputLineError as exc:
            record_id = exc.record_id
            payload = {"id": record_id, "error": f"line {number}: {exc}"}
            errors += 1
        except FieldTooLong as exc:
            payload = {"id": record_id, "error": f"line {number}: {exc}"}
            errors += 1
        except Exception as exc:
            payload = {
                "id": record_id,
                "error": f"line {number}: extraction failed: {type(exc).__name__}: {exc}",
            }
            errors += 1
        if "error" in payload:
            err.write(f"extract: {payload['error']} (id {record_id!r})\n")
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
    return ok, errors
