"""Inter-annotator agreement between two independent gold passes, per field.

Both passes are in the gold schema (``id`` and ``gold`` per line). Categorical fields get raw
agreement and Cohen's kappa; list fields (outcome measures, p-values, doses, results) get the F1 of
one pass against the other (symmetric), matched as ``itb-evidence evaluate`` matches extractions, so
the annotators' ceiling and the extractor's score are read on one scale. Outcome names are compared
strictly and leniently (``itb_evidence.outcome_names``).

``python -m itb_evidence.agreement A.jsonl B.jsonl [FINAL.jsonl]`` prints the Markdown table of
``tests/gold/real/AGREEMENT.md``; with the adjudicated file it also scores each pass against it.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itb_evidence.evaluate import PRF
from itb_evidence.outcome_names import NameKey, lenient_key, strict_key

Gold = dict[str, Any]


def read_passes(path: Path) -> dict[str, Gold]:
    """``id`` -> ``gold`` of every record of a pass (or of an adjudicated gold file)."""
    out: dict[str, Gold] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out[str(record["id"])] = record["gold"]
    return out


@dataclass(frozen=True, slots=True)
class FieldAgreement:
    field: str
    measure: str  # "agreement (kappa)" or "F1"
    value: float
    kappa: float | None
    n: int  # records (categorical) or items in both passes (lists)

    def row(self) -> str:
        kappa = f"{self.kappa:.2f}" if self.kappa is not None else "—"
        return f"| {self.field} | {self.measure} | {self.value:.3f} | {kappa} | {self.n} |"


def _kappa(pairs: list[tuple[Hashable, Hashable]]) -> float | None:
    if not pairs:
        return None
    observed = sum(a == b for a, b in pairs) / len(pairs)
    left, right = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(left[k] * right.get(k, 0) for k in left) / len(pairs) ** 2
    return None if math.isclose(expected, 1.0) else (observed - expected) / (1 - expected)


def _categorical(name: str, pairs: list[tuple[Hashable, Hashable]]) -> FieldAgreement:
    value = sum(a == b for a, b in pairs) / len(pairs) if pairs else 1.0
    return FieldAgreement(name, "agreement", value, _kappa(pairs), len(pairs))


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 9)


def _matched_f1(
    name: str, items: Iterable[tuple[Sequence[Hashable], Sequence[Hashable]]]
) -> FieldAgreement:
    """F1 of pass B against pass A over multisets of keys, matched one to one (the ``PRF`` that
    ``itb-evidence evaluate`` reports, pass A in the gold's place)."""
    prf = PRF()
    for left, right in items:
        a, b = Counter(left), Counter(right)
        both = sum((a & b).values())
        prf.tp += both
        prf.fp += sum(b.values()) - both
        prf.fn += sum(a.values()) - both
    n = 2 * prf.tp + prf.fp + prf.fn  # items in both passes
    return FieldAgreement(name, "F1", prf.f1, None, n)


def _p_key(p: Gold) -> Hashable:
    return (p.get("comparator"), _num(p.get("value")))


def _dose_key(d: Gold) -> Hashable:
    if d.get("value") is not None:
        return ("value", _num(d["value"]), d.get("unit"))
    return ("range", tuple(_num(x) for x in d.get("range") or []), d.get("unit"))


def _result_key(r: Gold, key: NameKey) -> Hashable:
    pre, post = r.get("pre") or {}, r.get("post") or {}
    return (key(r.get("outcome")), _num(pre.get("value")), _num(post.get("value")))


def _link_pairs(a: Gold, b: Gold, key: NameKey) -> list[tuple[Hashable, Hashable]]:
    """Outcome links of the p-values both passes annotated (same text start, comparator, value)."""
    right = {(p.get("text", "")[:12], _p_key(p)): key(p.get("outcome")) for p in b["p_values"]}
    pairs: list[tuple[Hashable, Hashable]] = []
    for p in a["p_values"]:
        ident = (p.get("text", "")[:12], _p_key(p))
        if ident in right:
            pairs.append((key(p.get("outcome")), right[ident]))
    return pairs


def agreement(a: dict[str, Gold], b: dict[str, Gold]) -> list[FieldAgreement]:
    """Per-field agreement of two passes over the records both annotated."""
    ids = sorted(set(a) & set(b))
    rows = [
        _categorical("is_itb_study", [(a[i]["is_itb_study"], b[i]["is_itb_study"]) for i in ids]),
        _categorical(
            "is_hsp_population",
            [(a[i]["is_hsp_population"], b[i]["is_hsp_population"]) for i in ids],
        ),
        _categorical("design", [(a[i]["design"], b[i]["design"]) for i in ids]),
        _categorical("sample_size", [(a[i]["sample_size"], b[i]["sample_size"]) for i in ids]),
    ]
    for label, key in (("strict", strict_key), ("lenient", lenient_key)):
        rows.append(
            _matched_f1(
                f"outcome_measures ({label} names)",
                [
                    (
                        sorted({k for k in map(key, a[i]["outcome_measures"]) if k}),
                        sorted({k for k in map(key, b[i]["outcome_measures"]) if k}),
                    )
                    for i in ids
                ],
            )
        )
    rows.append(
        _matched_f1(
            "p_values",
            [
                ([_p_key(p) for p in a[i]["p_values"]], [_p_key(p) for p in b[i]["p_values"]])
                for i in ids
            ],
        )
    )
    links = [pair for i in ids for pair in _link_pairs(a[i], b[i], lenient_key)]
    rows.append(_categorical("p-value → outcome links (lenient names)", links))
    rows.append(
        _matched_f1(
            "doses",
            [
                ([_dose_key(d) for d in a[i]["doses"]], [_dose_key(d) for d in b[i]["doses"]])
                for i in ids
            ],
        )
    )
    rows.append(
        _matched_f1(
            "results (lenient names)",
            [
                (
                    [_result_key(r, lenient_key) for r in a[i]["results"]],
                    [_result_key(r, lenient_key) for r in b[i]["results"]],
                )
                for i in ids
            ],
        )
    )
    return rows


def table(rows: Iterable[FieldAgreement]) -> str:
    head = "| field | measure | value | Cohen's κ | n |\n|---|---|---|---|---|"
    return "\n".join([head, *(r.row() for r in rows)])


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(
            "usage: python -m itb_evidence.agreement A.jsonl B.jsonl [FINAL.jsonl]", file=sys.stderr
        )
        return 2
    a, b = read_passes(Path(argv[0])), read_passes(Path(argv[1]))
    print(f"Pass A vs pass B ({len(set(a) & set(b))} abstracts):\n")
    print(table(agreement(a, b)))
    if len(argv) == 3:
        final = read_passes(Path(argv[2]))
        for label, one in (("A", a), ("B", b)):
            print(f"\nPass {label} vs the adjudicated gold:\n")
            print(table(agreement(final, one)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
