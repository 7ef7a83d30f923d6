"""Linking (extractors/link.py): every p-value, result and dose link carries a typed reason, the
contract emits it as ``link_reason``, and a value whose scope holds competing candidates that
nothing decides between is left unlinked (AMBIGUOUS)."""

from __future__ import annotations

from extractors import extract_study
from extractors.contract import to_contract
from extractors.types import LinkReason

TITLE = "Intrathecal baclofen in hereditary spastic paraplegia"


def _p_links(abstract: str) -> list[tuple[str | None, LinkReason | None]]:
    se = extract_study("r", TITLE, abstract)
    return [(p.outcome, p.link_reason) for p in se.p_values]


def test_nearest_outcome_before_in_the_sentence() -> None:
    links = _p_links("The Modified Ashworth Scale score improved (p = 0.01).")
    assert links == [("Modified Ashworth Scale", LinkReason.NEAREST_BEFORE)]


def test_respectively_goes_in_order() -> None:
    links = _p_links(
        "The Modified Ashworth Scale and the Penn Spasm Frequency Scale improved "
        "(p = 0.03 and p = 0.004, respectively)."
    )
    assert [reason for _, reason in links] == [LinkReason.RESPECTIVELY_ORDER] * 2
    assert [name for name, _ in links] == [
        "Modified Ashworth Scale",
        "Penn Spasm Frequency Scale",
    ]


def test_back_reference_only_when_the_sentence_names_nothing_else() -> None:
    links = _p_links(
        "Spasticity was rated with the Modified Ashworth Scale. It fell markedly (p < 0.001)."
    )
    assert links == [("Modified Ashworth Scale", LinkReason.BACK_REFERENCE)]
    # A sentence that may name its own (unknown) measure is no back-reference: with one
    # measure named before, that one is a weak link; with two, nothing decides.
    links = _p_links(
        "Spasticity was rated with the Modified Ashworth Scale. "
        "Those treated longer gained (p = 0.05)."
    )
    assert links == [("Modified Ashworth Scale", LinkReason.EARLIER_SENTENCE)]
    links = _p_links(
        "The Modified Ashworth Scale and the Penn Spasm Frequency Scale were recorded. "
        "Those treated longer gained (p = 0.05)."
    )
    assert links == [(None, LinkReason.AMBIGUOUS)]


def test_back_reference_with_two_earlier_measures_is_ambiguous() -> None:
    links = _p_links(
        "The Modified Ashworth Scale and the Penn Spasm Frequency Scale were recorded. "
        "It fell markedly (p < 0.001)."
    )
    assert links == [(None, LinkReason.AMBIGUOUS)]


def test_dotted_abbreviation_keeps_the_p_value_in_its_sentence() -> None:
    links = _p_links(
        "The Modified Ashworth Scale fell in both arms. The effect of baclofen 20 mg t.i.d. was "
        "greater than that of baclofen 10 mg t.i.d. (= 0.0214, Wald test)."
    )
    assert links == [("Modified Ashworth Scale", LinkReason.BACK_REFERENCE)]


def test_result_pair_reasons_and_contract_keys() -> None:
    se = extract_study(
        "r",
        TITLE,
        "The Modified Ashworth Scale score fell from 3.1 to 1.2 (p = 0.002) after one year.",
    )
    assert len(se.results) == 1
    result = se.results[0]
    assert result.outcome == "Modified Ashworth Scale"
    assert result.link_reason is LinkReason.SAME_CLAUSE
    assert result.p_link_reason is LinkReason.P_ADJACENT
    out = to_contract(se)
    assert out["results"][0]["link_reason"] == "same_clause"
    assert out["results"][0]["p_link_reason"] == "p_adjacent"
    assert out["p_values"][0]["link_reason"] == "nearest_before"


def test_dose_drug_reason() -> None:
    se = extract_study("r", TITLE, "Patients received 50 \u00b5g of intrathecal baclofen daily.")
    assert [(d.drug, d.link_reason) for d in se.doses] == [("baclofen", LinkReason.DRUG_FOLLOWING)]
    assert to_contract(se)["doses"][0]["link_reason"] == "drug_following"


def test_title_drug_reason() -> None:
    se = extract_study(
        "r", "Intrathecal baclofen dosing over ten years", "The dose rose to 340 \u00b5g/day."
    )
    assert [(d.drug, d.link_reason) for d in se.doses] == [("baclofen", LinkReason.TITLE_DRUG)]


def test_unlinked_values_have_no_reason() -> None:
    se = extract_study("r", TITLE, "Ten patients were treated (p = 0.04).")
    assert [(p.outcome, p.link_reason) for p in se.p_values] == [(None, None)]
    assert to_contract(se)["p_values"][0]["link_reason"] is None
