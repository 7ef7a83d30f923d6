"""Score the extractors against a gold JSONL file (schema of ``../shared/gold/dev.jsonl``).

Matching rules (the contract of ``itb-evidence evaluate``):
- p-values: precision/recall/F1 on (comparator, value); identical pairs are matched one to one,
  each gold p-value to the unmatched prediction nearest its position in the abstract.
- doses: on (value, unit), or (range, unit) when the gold value is null.
- outcome measures: on canonical name, once per abstract, case-insensitive; gold and predicted
  names are both mapped through the outcome lexicon (synonym -> canonical) first, so a gold file
  written with a synonym ("Gait velocity") still matches its canonical entry ("Gait speed").
- accuracy: sample size, ITB flag, HSP flag, design, and p-value -> outcome links (over all gold
  p-values with an outcome: a p-value that was not extracted counts as a missed link).
- link precision: over matched p-values the extractor linked to an outcome, the share linked to
  the gold outcome. A link on a p-value whose gold outcome is null is wrong here (``links`` cannot
  see it) and is also counted as ``spurious_links``: a reviewer would read a p-value attached to
  an outcome it does not test.
- results (pre -> post pairs): precision/recall/F1, a prediction matching a gold result when the
  canonical outcome, ``pre.value`` and ``post.value`` all match (null matches only null), one to
  one in order. Over matched pairs: accuracy of both spreads (type, lo, hi, sd; a gold spread of
  type null equals no spread) and of the linked p-value (null only equals null).
- dose attributes: over matched doses (paired one to one, nearest the gold text's position),
  accuracy of drug, route and kind (case-insensitive; null only equals null).
- confidence tiers (``extractors.confidence``), names matched leniently: per metric and pooled over
  all of them, at ``high``, ``high``+``medium`` and all tiers, precision = correct predictions of
  those tiers / predictions of those tiers, and coverage = gold values matched by a prediction of
  those tiers / all gold values. A prediction's tier is its ``confidence``; a link's (p-value ->
  outcome, dose -> drug) its ``link_confidence``; a result's the lower of the two, since both its
  values and its outcome must be right; an outcome name's the best of its mentions'. Links are
  counted over matched p-values (doses) linked to an outcome (drug), against every gold p-value
  with an outcome (gold dose with a drug); sample size against every record whose gold gives one.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from extractors import EXTRACTOR_VERSION, extract_study
from extractors.types import Confidence, Spread, StudyExtraction
from itb_evidence.outcome_names import NameKey, lenient_key, strict_key

TARGETS = {"p_values": 0.97, "doses": 0.95, "outcomes": 0.90, "sample_size": 0.90, "links": 0.90}


class GoldFileError(ValueError):
    """The gold file is malformed; the message names the line."""


@dataclass(slots=True)
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: PRF) -> None:
        """Pool ``other``'s counts into these (per-table scores into a split's)."""
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn


@dataclass(slots=True)
class Accuracy:
    correct: int = 0
    total: int = 0

    @property
    def value(self) -> float:
        return self.correct / self.total if self.total else 1.0

    def tick(self, correct: bool) -> None:
        """Count one judged value."""
        self.total += 1
        self.correct += correct

    def add(self, other: Accuracy) -> None:
        """Pool ``other``'s counts into these."""
        self.correct += other.correct
        self.total += other.total


@dataclass(slots=True)
class RecordMisses:
    id: str
    misses: list[str] = field(default_factory=list)


# Tiers, best first; each printed level counts a tier and every better one.
TIER_ORDER: tuple[Confidence, ...] = ("high", "medium", "low")
TIER_LEVELS = (("high", 1), ("high+medium", 2), ("all", 3))


@dataclass(slots=True)
class TierScores:
    """One metric's predictions and gold values, per confidence tier of the prediction."""

    predicted: Counter[str] = field(default_factory=Counter)
    correct: Counter[str] = field(default_factory=Counter)
    gold: int = 0

    def add(self, tier: str | None, correct: bool) -> None:
        """One prediction (``tier`` None is counted as ``low``: unassessed is never sure)."""
        self.predicted[tier or "low"] += 1
        if correct:
            self.correct[tier or "low"] += 1

    def precision(self, tiers: Sequence[str]) -> float:
        made = sum(self.predicted[t] for t in tiers)
        return sum(self.correct[t] for t in tiers) / made if made else 1.0

    def coverage(self, tiers: Sequence[str]) -> float:
        return sum(self.correct[t] for t in tiers) / self.gold if self.gold else 1.0

    def merge(self, other: TierScores) -> None:
        self.predicted.update(other.predicted)
        self.correct.update(other.correct)
        self.gold += other.gold


@dataclass(slots=True)
class NameScores:
    """The metrics that depend on how outcome names are matched, under one matching rule."""

    p_values: PRF = field(default_factory=PRF)
    outcomes: PRF = field(default_factory=PRF)
    results: PRF = field(default_factory=PRF)
    links: Accuracy = field(default_factory=Accuracy)
    link_precision: Accuracy = field(default_factory=Accuracy)
    result_spreads: Accuracy = field(default_factory=Accuracy)
    result_p: Accuracy = field(default_factory=Accuracy)
    spurious_links: int = 0


@dataclass(slots=True)
class EvaluationReport:
    """Every score of one run. The metrics that depend on outcome names are kept twice, names
    matched strictly (``strict``, also readable as the report's own attributes) and leniently
    (``lenient``); ``tiers`` holds the per-tier counts (lenient names)."""

    gold_path: Path
    records: int = 0
    extractor_version: str = EXTRACTOR_VERSION
    doses: PRF = field(default_factory=PRF)
    sample_size: Accuracy = field(default_factory=Accuracy)
    itb_flag: Accuracy = field(default_factory=Accuracy)
    hsp_flag: Accuracy = field(default_factory=Accuracy)
    design: Accuracy = field(default_factory=Accuracy)
    dose_drug: Accuracy = field(default_factory=Accuracy)
    dose_route: Accuracy = field(default_factory=Accuracy)
    dose_kind: Accuracy = field(default_factory=Accuracy)
    per_record: list[RecordMisses] = field(default_factory=list)
    strict: NameScores = field(default_factory=NameScores)
    lenient: NameScores = field(default_factory=NameScores)
    tiers: dict[str, TierScores] = field(default_factory=dict)

    @property
    def p_values(self) -> PRF:
        return self.strict.p_values

    @property
    def outcomes(self) -> PRF:
        return self.strict.outcomes

    @property
    def results(self) -> PRF:
        return self.strict.results

    @property
    def links(self) -> Accuracy:
        return self.strict.links

    @property
    def link_precision(self) -> Accuracy:
        return self.strict.link_precision

    @property
    def result_spreads(self) -> Accuracy:
        return self.strict.result_spreads

    @property
    def result_p(self) -> Accuracy:
        return self.strict.result_p

    @property
    def spurious_links(self) -> int:
        return self.strict.spurious_links

    def tier(self, metric: str) -> TierScores:
        return self.tiers.setdefault(metric, TierScores())

    def pooled_tiers(self) -> TierScores:
        """Every metric's tier counts added together: the figure the high-tier target is on."""
        pooled = TierScores()
        for scores in self.tiers.values():
            pooled.merge(scores)
        return pooled

    def scores(self) -> dict[str, float]:
        """The headline score per metric (F1 or accuracy), keyed as in ``TARGETS``.

        Every value is higher-is-better; ``spurious_links`` is a count and lives on the report.
        """
        return {
            "p_values": self.p_values.f1,
            "doses": self.doses.f1,
            "outcomes": self.outcomes.f1,
            "sample_size": self.sample_size.value,
            "links": self.links.value,
            "itb_flag": self.itb_flag.value,
            "hsp_flag": self.hsp_flag.value,
            "design": self.design.value,
            "link_precision": self.link_precision.value,
            "results": self.results.f1,
            "result_spreads": self.result_spreads.value,
            "result_p": self.result_p.value,
            "dose_drug": self.dose_drug.value,
            "dose_route": self.dose_route.value,
            "dose_kind": self.dose_kind.value,
            "outcomes_lenient": self.lenient.outcomes.f1,
            "results_lenient": self.lenient.results.f1,
            "links_lenient": self.lenient.links.value,
            "link_precision_lenient": self.lenient.link_precision.value,
        }


def _lower_tier(*tiers: Confidence | None) -> Confidence:
    """The least sure of ``tiers`` (None, unassessed, is ``low``)."""
    return max((t or "low" for t in tiers), key=TIER_ORDER.index)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


def _score_p_values(
    gold: list[dict[str, Any]],
    se: StudyExtraction,
    abstract: str,
    report: NameScores,
    misses: list[str],
    key: NameKey,
    tiers: EvaluationReport | None = None,
) -> None:
    predicted = list(se.p_values)
    used = [False] * len(predicted)
    values, links = (tiers.tier("p_values"), tiers.tier("links")) if tiers else (None, None)
    for item in gold:
        position = abstract.find(item.get("text") or "")
        candidates = [
            i
            for i, p in enumerate(predicted)
            if not used[i] and p.comparator == item["comparator"] and _same(p.value, item["value"])
        ]
        gold_outcome = key(item.get("outcome"))
        if values is not None:
            values.gold += 1
        if gold_outcome is not None:
            report.links.total += 1
            if links is not None:
                links.gold += 1
        if not candidates:
            report.p_values.fn += 1
            misses.append(
                f"p-value missed: {item['comparator']} {item['value']} ({item.get('text')!r})"
            )
            continue
        best = min(
            candidates,
            key=lambda i: abs(predicted[i].prov.start - position) if position >= 0 else 0,
        )
        used[best] = True
        report.p_values.tp += 1
        predicted_outcome = key(predicted[best].outcome)
        if values is not None and links is not None:
            values.add(predicted[best].confidence, True)
            if predicted_outcome is not None:
                links.add(
                    predicted[best].link_confidence,
                    gold_outcome is not None and predicted_outcome == gold_outcome,
                )
        if gold_outcome is not None:
            if predicted_outcome == gold_outcome:
                report.links.correct += 1
            else:
                misses.append(
                    f"link wrong: {item.get('text')!r} -> {predicted[best].outcome!r}, "
                    f"gold {item['outcome']!r}"
                )
        if predicted_outcome is not None:
            report.link_precision.total += 1
            if predicted_outcome == gold_outcome:
                report.link_precision.correct += 1
            elif gold_outcome is None:
                report.spurious_links += 1
                misses.append(
                    f"link spurious: {item.get('text')!r} -> {predicted[best].outcome!r}, gold null"
                )
    for i, p in enumerate(predicted):
        if not used[i]:
            if values is not None:
                values.add(p.confidence, False)
            report.p_values.fp += 1
            misses.append(f"p-value spurious: {p.prov.text!r} at {p.prov.start}")


def _dose_key(value: Any, rng: Any, unit: str) -> tuple[Any, ...]:
    if value is not None:
        return ("value", float(value), unit)
    return ("range", tuple(float(x) for x in rng) if rng else None, unit)


def _same_text(predicted: str | None, gold: Any) -> bool:
    if predicted is None or gold is None:
        return predicted is None and gold is None
    return predicted.strip().lower() == str(gold).strip().lower()


def _score_doses(
    gold: list[dict[str, Any]],
    se: StudyExtraction,
    abstract: str,
    report: EvaluationReport,
    misses: list[str],
) -> None:
    predicted = list(se.doses)
    keys = [_dose_key(d.value, d.range, d.unit) for d in predicted]
    used = [False] * len(predicted)
    values, drugs = report.tier("doses"), report.tier("dose_drug")
    for item in gold:
        key = _dose_key(item["value"], item.get("range"), item["unit"])
        candidates = [i for i, k in enumerate(keys) if not used[i] and k == key]
        values.gold += 1
        drugs.gold += item.get("drug") is not None
        if not candidates:
            report.doses.fn += 1
            misses.append(f"dose missed: {item.get('text')!r} {key}")
            continue
        position = abstract.find(item.get("text") or "")
        best = min(
            candidates,
            key=lambda i: abs(predicted[i].prov.start - position) if position >= 0 else 0,
        )
        used[best] = True
        report.doses.tp += 1
        dose = predicted[best]
        values.add(dose.confidence, True)
        if dose.drug is not None:
            drugs.add(dose.link_confidence, _same_text(dose.drug, item.get("drug")))
        for metric, label, value in (
            (report.dose_drug, "drug", dose.drug),
            (report.dose_route, "route", dose.route),
            (report.dose_kind, "kind", dose.kind),
        ):
            metric.total += 1
            if _same_text(value, item.get(label)):
                metric.correct += 1
            else:
                misses.append(
                    f"dose {label} wrong: {item.get('text')!r} -> {value!r}, "
                    f"gold {item.get(label)!r}"
                )
    for i, key in enumerate(keys):
        if not used[i]:
            values.add(predicted[i].confidence, False)
            report.doses.fp += 1
            misses.append(f"dose spurious: {key}")


def _gold_value(stat: Any) -> float | None:
    value = stat.get("value") if isinstance(stat, dict) else None
    return None if value is None else float(value)


def _same_spread(predicted: Spread | None, gold: Any) -> bool:
    """A gold spread of type null (or absent) equals no predicted spread."""
    gold = gold if isinstance(gold, dict) else {}
    if predicted is None:
        return gold.get("type") is None
    return (
        predicted.type == gold.get("type")
        and _same(predicted.lo, gold.get("lo"))
        and _same(predicted.hi, gold.get("hi"))
        and _same(predicted.sd, gold.get("sd"))
    )


def _describe_pair(outcome: Any, pre: Any, post: Any, p: Any) -> str:
    return f"{outcome!r} {pre} -> {post} (p {p})"


def _score_results(
    gold: list[dict[str, Any]],
    se: StudyExtraction,
    report: NameScores,
    misses: list[str],
    key: NameKey,
    tiers: EvaluationReport | None = None,
) -> None:
    predicted = list(se.results)
    used = [False] * len(predicted)
    scores = tiers.tier("results") if tiers else None
    for item in gold:
        if scores is not None:
            scores.gold += 1
        outcome = key(item.get("outcome"))
        pre, post = _gold_value(item.get("pre")), _gold_value(item.get("post"))
        match = next(
            (
                i
                for i, r in enumerate(predicted)
                if not used[i]
                and key(r.outcome) == outcome
                and _same(r.pre.value, pre)
                and _same(r.post.value, post)
            ),
            None,
        )
        if match is None:
            report.results.fn += 1
            misses.append(
                "result missed: " + _describe_pair(item.get("outcome"), pre, post, item.get("p"))
            )
            continue
        used[match] = True
        report.results.tp += 1
        pair = predicted[match]
        if scores is not None:
            scores.add(_lower_tier(pair.confidence, pair.link_confidence), True)
        report.result_spreads.total += 1
        gold_pre, gold_post = item.get("pre") or {}, item.get("post") or {}
        if _same_spread(pair.pre.spread, gold_pre.get("spread")) and _same_spread(
            pair.post.spread, gold_post.get("spread")
        ):
            report.result_spreads.correct += 1
        else:
            misses.append(
                f"result spread wrong: {item.get('outcome')!r} -> "
                f"{pair.pre.spread} / {pair.post.spread}, "
                f"gold {gold_pre.get('spread')} / {gold_post.get('spread')}"
            )
        report.result_p.total += 1
        predicted_p = pair.p.value if pair.p else None
        gold_p = item.get("p")
        if _same(predicted_p, None if gold_p is None else float(gold_p)):
            report.result_p.correct += 1
        else:
            misses.append(
                f"result p wrong: {item.get('outcome')!r} -> {predicted_p!r}, gold {gold_p!r}"
            )
    for i, r in enumerate(predicted):
        if not used[i]:
            if scores is not None:
                scores.add(_lower_tier(r.confidence, r.link_confidence), False)
            report.results.fp += 1
            misses.append(
                f"result spurious: {r.prov.text!r} -> "
                + _describe_pair(r.outcome, r.pre.value, r.post.value, r.p.value if r.p else None)
            )


def _score_outcomes(
    gold: list[str],
    se: StudyExtraction,
    report: NameScores,
    misses: list[str],
    key: NameKey,
    tiers: EvaluationReport | None = None,
) -> None:
    gold_names = {c for c in (key(g) for g in gold) if c}
    best: dict[str, Confidence] = {}
    for o in se.outcome_measures:
        name = key(o.name)
        if name:
            best[name] = min(best.get(name, "low"), o.confidence or "low", key=TIER_ORDER.index)
    predicted = set(best)
    if tiers is not None:
        scores = tiers.tier("outcomes")
        scores.gold += len(gold_names)
        for name, tier in best.items():
            scores.add(tier, name in gold_names)
    report.outcomes.tp += len(gold_names & predicted)
    report.outcomes.fn += len(gold_names - predicted)
    report.outcomes.fp += len(predicted - gold_names)
    misses.extend(f"outcome missed: {name!r}" for name in sorted(gold_names - predicted))
    misses.extend(f"outcome spurious: {name!r}" for name in sorted(predicted - gold_names))


def _accuracy(metric: Accuracy, label: str, predicted: Any, gold: Any, misses: list[str]) -> None:
    metric.total += 1
    if predicted == gold:
        metric.correct += 1
    else:
        misses.append(f"{label}: predicted {predicted!r}, gold {gold!r}")


_GOLD_LISTS = {"p_values": dict, "doses": dict, "results": dict, "outcome_measures": str}


def _shape_problem(record: Any) -> str | None:
    """Why a parsed line is not a gold record (None when its shape is right)."""
    if not isinstance(record, dict) or "abstract" not in record or "gold" not in record:
        return "needs 'abstract' and 'gold' keys"
    for key in ("abstract", "title"):
        if record.get(key) is not None and not isinstance(record[key], str):
            return f"{key!r} must be a string or null, got {type(record[key]).__name__}"
    gold = record["gold"]
    if not isinstance(gold, dict):
        return f"'gold' must be an object, got {type(gold).__name__}"
    for key, item_type in _GOLD_LISTS.items():
        items = gold.get(key, [])
        if not isinstance(items, list):
            return f"gold {key!r} must be a list, got {type(items).__name__}"
        for item in items:
            if not isinstance(item, item_type):
                return (
                    f"gold {key!r} items must be {'objects' if item_type is dict else 'strings'}"
                    f", got {type(item).__name__}"
                )
    return None


def _read_gold(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise GoldFileError(
                    f"{path} line {number}: not UTF-8 "
                    f"(byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
                ) from exc
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldFileError(f"{path} line {number}: not JSON ({exc.msg})") from exc
            except RecursionError as exc:
                raise GoldFileError(f"{path} line {number}: JSON nested too deeply") from exc
            problem = _shape_problem(record)
            if problem:
                raise GoldFileError(f"{path} line {number}: {problem}")
            yield number, record


Extractor = Callable[[str, str, str], StudyExtraction]

FROZEN_SPLIT = "test"  # records carrying "split": "test" are the frozen real test split


def frozen_split_records(gold_path: Path) -> int:
    """How many records of ``gold_path`` belong to the frozen test split (printed in aggregate
    only: their misses would show the text no rule may be tuned on)."""
    return sum(1 for _, record in _read_gold(gold_path) if record.get("split") == FROZEN_SPLIT)


def evaluate(
    gold_path: Path, *, verbose: bool = False, extractor: Extractor = extract_study
) -> EvaluationReport:
    """Run the extractors over every gold record and score them (see the module docstring).

    ``extractor`` (id, title, abstract) -> extraction is the engine by default; tests pass
    hand-made predictions to pin the matching rules independently of the rules' output.
    """
    report = EvaluationReport(gold_path=gold_path)
    for number, record in _read_gold(gold_path):
        gold = record["gold"]
        record_id = str(record.get("id") or record.get("pmid") or f"line {number}")
        abstract = record["abstract"] or ""
        se = extractor(record_id, record.get("title") or "", abstract)
        try:
            misses = _score_record(report, gold, se, abstract)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
            raise GoldFileError(
                f"{gold_path} line {number}: a gold value is missing or of the wrong type "
                f"({' '.join(problem.split())})"
            ) from exc
        report.records += 1
        report.per_record.append(RecordMisses(record_id, misses))
    if report.records == 0:
        raise GoldFileError(f"{gold_path}: no gold records (an empty file scores nothing)")
    return report


def _score_record(
    report: EvaluationReport, gold: dict[str, Any], se: StudyExtraction, abstract: str
) -> list[str]:
    """Score one record into ``report``; the misses, readable."""
    misses: list[str] = []
    strict = report.strict
    _score_p_values(gold.get("p_values", []), se, abstract, strict, misses, strict_key)
    _score_doses(gold.get("doses", []), se, abstract, report, misses)
    _score_results(gold.get("results", []), se, strict, misses, strict_key)
    _score_outcomes(gold.get("outcome_measures", []), se, strict, misses, strict_key)
    lenient, ignored = report.lenient, list[str]()
    _score_p_values(gold.get("p_values", []), se, abstract, lenient, ignored, lenient_key, report)
    _score_results(gold.get("results", []), se, lenient, ignored, lenient_key, report)
    _score_outcomes(gold.get("outcome_measures", []), se, lenient, ignored, lenient_key, report)
    predicted_n = se.sample_size.n if se.sample_size else None
    _accuracy(report.sample_size, "sample size", predicted_n, gold.get("sample_size"), misses)
    sample = report.tier("sample_size")
    sample.gold += gold.get("sample_size") is not None
    if predicted_n is not None:
        sample.add(se.sample_size_confidence, predicted_n == gold.get("sample_size"))
    design = report.tier("design")
    design.gold += 1
    design.add(se.design_confidence, se.design == gold.get("design"))
    _accuracy(report.itb_flag, "is_itb_study", se.is_itb_study, gold.get("is_itb_study"), misses)
    _accuracy(
        report.hsp_flag,
        "is_hsp_population",
        se.is_hsp_population,
        gold.get("is_hsp_population"),
        misses,
    )
    _accuracy(report.design, "design", se.design, gold.get("design"), misses)
    return misses


def _accuracy_line(name: str, acc: Accuracy, lenient: Accuracy | None = None) -> str:
    target = TARGETS.get(name)
    loose = f"{lenient.value:>9.3f}" if lenient is not None else f"{'':>9}"
    return (
        f"{name:<15}{'':>10}{'':>8}{acc.value:>8.3f}{loose}"
        f"{(f'{target:.2f}' if target else '-'):>8}  {acc.correct}/{acc.total}"
    )


def format_report(report: EvaluationReport, verbose: bool) -> str:
    """A plain-text table of scores against targets; with ``verbose``, every record's misses.

    The ``lenient`` column repeats the metrics that depend on outcome names with names matched
    leniently (spelling and synonyms, ``itb_evidence.outcome_names``), so a score can be read as
    recognition (lenient) or as recognition under the canonical name (F1/acc, strict).
    """
    lines = [f"gold: {report.gold_path} ({report.records} records, {report.extractor_version})"]
    lines.append(
        f"{'metric':<15}{'precision':>10}{'recall':>8}{'F1/acc':>8}{'lenient':>9}{'target':>8}"
        "  counts"
    )
    loose_prf = {"outcomes": report.lenient.outcomes, "results": report.lenient.results}
    for name, prf in (
        ("p_values", report.p_values),
        ("doses", report.doses),
        ("outcomes", report.outcomes),
        ("results", report.results),
    ):
        target = TARGETS.get(name)
        loose = loose_prf.get(name)
        lines.append(
            f"{name:<15}{prf.precision:>10.3f}{prf.recall:>8.3f}{prf.f1:>8.3f}"
            + (f"{loose.f1:>9.3f}" if loose is not None else f"{'':>9}")
            + f"{(f'{target:.2f}' if target else '-'):>8}  tp={prf.tp} fp={prf.fp} fn={prf.fn}"
        )
    loose_acc = {"links": report.lenient.links, "link_precision": report.lenient.link_precision}
    for name, acc in (
        ("sample_size", report.sample_size),
        ("links", report.links),
        ("link_precision", report.link_precision),
        ("itb_flag", report.itb_flag),
        ("hsp_flag", report.hsp_flag),
        ("design", report.design),
        ("result_spreads", report.result_spreads),
        ("result_p", report.result_p),
        ("dose_drug", report.dose_drug),
        ("dose_route", report.dose_route),
        ("dose_kind", report.dose_kind),
    ):
        lines.append(_accuracy_line(name, acc, loose_acc.get(name)))
    lines.append(f"spurious_links: {report.spurious_links} (p-values linked where gold has none)")
    lines.extend(format_tiers(report))
    if verbose:
        for record in report.per_record:
            if record.misses:
                lines.append(f"- {record.id}")
                lines.extend(f"    {miss}" for miss in record.misses)
    return "\n".join(lines)


def _tier_cells(scores: TierScores, tiers: Sequence[str]) -> str:
    """Precision and coverage at ``tiers``; precision is "-" where nothing was predicted at them
    (an empty tier is not a precise one)."""
    made = sum(scores.predicted[t] for t in tiers)
    precision = f"{scores.precision(tiers):.3f}" if made else "-"
    return f"{precision:>15}{scores.coverage(tiers):>7.3f}"


def format_tiers(report: EvaluationReport) -> list[str]:
    """Precision and coverage per confidence level (high, high+medium, all) for each metric with
    values, then pooled over all metrics (names matched leniently)."""
    header = "".join(f"{label + ' P':>15}{'cov':>7}" for label, _ in TIER_LEVELS)
    lines = ["confidence tiers (precision / coverage of gold, lenient names)", f"{'':<15}{header}"]
    rows = [(name, s) for name, s in report.tiers.items() if s.gold or sum(s.predicted.values())]
    for name, scores in [*rows, ("all values", report.pooled_tiers())]:
        cells = "".join(_tier_cells(scores, TIER_ORDER[:n]) for _, n in TIER_LEVELS)
        made = " ".join(f"{t}={scores.predicted[t]}" for t in TIER_ORDER)
        lines.append(f"{name:<15}{cells}  {made} gold={scores.gold}")
    return lines
