"""Confidence tiers (extractors/confidence.py, table lexicons/confidence.yaml): evidence is read
from the extraction, the table maps it to a tier, and every value ``extract_study`` returns has
one."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

import pytest

from extractors import confidence as conf
from extractors import extract_study
from extractors.confidence import Evidence, ValueKind, assign_confidence, tier
from extractors.lexicon import LexiconError
from extractors.types import Confidence, LinkReason

TIERS = {"high", "medium", "low"}

ABSTRACT = (
    "Methods: Twelve patients with hereditary spastic paraplegia received intrathecal baclofen "
    "at 200 μg/day. Results: The modified Ashworth Scale (MAS) fell from 3 to 1 (p = 0.002). "
    "The MAS remained lower at one year. Walking was better (p = 0.04)."
)


def test_every_value_and_link_has_a_tier() -> None:
    se = extract_study("c1", "Intrathecal baclofen in hereditary spastic paraplegia", ABSTRACT)
    assert se.outcome_measures and se.doses and se.p_values and se.results
    tiers = [v.confidence for v in se.outcome_measures] + [v.confidence for v in se.doses]
    tiers += [v.confidence for v in se.p_values] + [v.confidence for v in se.results]
    assert set(tiers) <= TIERS
    for dose in se.doses:
        assert (dose.link_confidence is None) == (dose.drug is None)
    for p in se.p_values:
        assert (p.link_confidence is None) == (p.outcome is None)
    for r in se.results:
        assert (r.link_confidence is None) == (r.outcome is None)
    assert se.sample_size is not None and se.sample_size_confidence in TIERS
    assert se.design_confidence in TIERS
    # a result's p-value is the same value as in p_values, tiers included
    (result,) = se.results
    assert result.p is not None and result.p in se.p_values


def test_link_evidence_distinguishes_a_near_sole_lexicon_outcome_from_a_distant_one() -> None:
    se = extract_study("c1", "", ABSTRACT)
    by_text = {p.prov.text: p for p in se.p_values}
    near = by_text["p = 0.002"]
    assert near.outcome == "Modified Ashworth Scale"
    mentions = [(o.name, o.prov) for o in se.outcome_measures]
    evidence = conf._link_evidence(near.prov, near.outcome, mentions)
    assert {Evidence.SAME_SENTENCE, Evidence.NEAR, Evidence.SOLE_CANDIDATE} <= evidence
    # an outcome from another sentence: no sentence evidence at all
    far = replace(near, prov=by_text["p = 0.04"].prov)
    assert conf._link_evidence(far.prov, near.outcome, mentions) == set()
    assert tier(ValueKind.P_LINK, set()) == "low"


def test_p_value_tier_needs_a_marker_and_a_number() -> None:
    se = extract_study("c2", "", "The difference was significant (p = 0.01).")
    (p,) = se.p_values
    assert conf.p_value_evidence(p) == {Evidence.P_LABELLED, Evidence.P_NUMBER}
    assert p.confidence == "high" and p.link_confidence is None
    assert conf.p_value_evidence(replace(p, value=None)) == {Evidence.P_LABELLED}


def test_outcome_evidence_is_per_name_over_its_mentions() -> None:
    se = extract_study("c1", "", ABSTRACT)
    evidence = conf.outcome_evidence(se)
    mas = evidence["Modified Ashworth Scale"]
    assert {Evidence.IN_LEXICON, Evidence.NAMED_TWICE, Evidence.REPORTED} <= mas
    assert {o.confidence for o in se.outcome_measures if o.name == "Modified Ashworth Scale"} == {
        tier(ValueKind.OUTCOME, mas)
    }


def test_design_tier_rises_when_independent_sources_agree() -> None:
    title = "A randomized controlled trial of intrathecal baclofen"
    abstract = "Twenty patients were randomized to baclofen or placebo."
    alone = extract_study("d1", "Intrathecal baclofen", abstract)
    assert alone.design == "rct"
    both = extract_study("d2", title, abstract)
    typed = extract_study(
        "d3", "Intrathecal baclofen", abstract, publication_types=["Randomized Controlled Trial"]
    )
    assert Evidence.DESIGN_AGREES in conf.design_evidence(both, ())
    assert Evidence.DESIGN_AGREES not in conf.design_evidence(alone, ())
    assert both.design_confidence == "high" and typed.design_confidence == "high"
    assert alone.design_confidence == "medium"
    # no cue states the design: a fallback from the sample size is low
    guessed = extract_study("d4", "", "Twelve patients received intrathecal baclofen.")
    assert Evidence.DESIGN_STATED not in conf.design_evidence(guessed, ())
    assert guessed.design_confidence == "low"


def test_sample_size_evidence() -> None:
    se = extract_study("s1", "", "We treated twelve patients with intrathecal baclofen.")
    assert se.sample_size is not None and se.sample_size.n == 12
    assert Evidence.PEOPLE_NOUN in conf.sample_evidence(se)
    assert se.sample_size_confidence == "medium"
    none = extract_study("s2", "", "Baclofen is a GABA-B agonist.")
    assert none.sample_size is None and none.sample_size_confidence is None


def test_assign_confidence_is_pure_and_idempotent() -> None:
    se = extract_study("c1", "", ABSTRACT)
    unassessed = replace(
        se,
        outcome_measures=tuple(replace(o, confidence=None) for o in se.outcome_measures),
        design_confidence=None,
    )
    again = assign_confidence(unassessed)
    assert unassessed.design_confidence is None  # input untouched
    assert again == se


def test_tier_first_matching_row_wins_and_excludes_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = "\n".join(f"{k.value}: [{{tier: medium, all: []}}]" for k in ValueKind if k != "outcome")
    table = (
        "outcome:\n"
        "  - {tier: high, all: [in_lexicon, named_twice], none: [event]}\n"
        "  - {tier: medium, all: [in_lexicon]}\n" + rows
    )
    monkeypatch.setattr(conf, "_read_text", lambda name: table)
    monkeypatch.setattr(conf, "load_table", conf.load_table.__wrapped__)
    assert tier(ValueKind.OUTCOME, {Evidence.IN_LEXICON, Evidence.NAMED_TWICE}) == "high"
    assert tier(ValueKind.OUTCOME, {Evidence.IN_LEXICON}) == "medium"
    # the same evidence on an event ("complications") is not high: the row excludes it
    event = {Evidence.IN_LEXICON, Evidence.NAMED_TWICE, Evidence.EVENT}
    assert tier(ValueKind.OUTCOME, event) == "medium"
    assert tier(ValueKind.OUTCOME, set()) == "low"  # no row holds


def test_every_kind_has_rows_and_every_tier_is_known() -> None:
    table = conf.load_table()
    assert set(table) == set(ValueKind)
    for rules in table.values():
        assert all(rule.tier in get_args(Confidence) for rule in rules)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("outcome: [{tier: sure, all: []}]", "unknown tier"),
        ("outcome: [{tier: high, all: [psychic]}]", "unknown evidence psychic"),
        ("outcome: [{tier: high}]", "needs 'tier' and 'all'"),
        ("widgets: []", "unknown value kind"),
        ("outcome: [{tier: high, all: [], reason: [telepathy]}]", "unknown link reason telepathy"),
        ("outcome: []", "no rows for p_value"),
    ],
)
def test_a_malformed_table_fails_loudly(
    monkeypatch: pytest.MonkeyPatch, text: str, problem: str
) -> None:
    monkeypatch.setattr(conf, "_read_text", lambda name: text)
    with pytest.raises(LexiconError, match=problem):
        conf.load_table.__wrapped__()


def test_a_dose_link_tier_rests_on_its_link_reason() -> None:
    """The drug named in the dose's own sentence is a sure link; one carried from an earlier
    sentence is not, with the same (empty) positional evidence."""
    se = extract_study(
        "l1",
        "",
        "Patients received intrathecal baclofen. The mean dose was 250 μg/day at one year. "
        "One patient needed 40 mg of oral baclofen.",
    )
    by_reason = {d.link_reason: d for d in se.doses}
    assert by_reason[LinkReason.DRUG_AFTER].link_confidence == "high"
    assert by_reason[LinkReason.DRUG_EARLIER].link_confidence == "medium"
    assert tier(ValueKind.DOSE_LINK, set(), LinkReason.TITLE_DRUG) == "low"
    assert tier(ValueKind.DOSE_LINK, set(), None) == "low"


def test_a_worded_bound_or_a_repeated_dose_is_not_high() -> None:
    se = extract_study(
        "d5",
        "",
        "Patients took 10 mg or 5 mg of oral THC. With 10 mg of oral THC spasticity fell. "
        "Doses greater than 7.5 mg of oral THC helped.",
    )
    doses = [(d.prov.text, d.confidence) for d in se.doses]
    evidence = conf.extraction_evidence(se).doses
    assert [Evidence.DOSE_RESTATED in e for e in evidence] == [False, False, True, False]
    assert [Evidence.DOSE_BOUND in e for e in evidence] == [False, False, False, True]
    assert [c for _, c in doses] == ["high", "high", "medium", "medium"]
