"""Linking (extractors/link.py): every p-value, result and dose link carries a typed reason, the
contract emits it as ``link_reason``, and a value whose scope holds competing candidates that
nothing decides between is left unlinked (AMBIGUOUS)."""

from __future__ import annotations

from extractors import extract_study
from extractors.contract import to_contract
from extractors.link import p_value_outcome
from extractors.nlp import get_pipeline
from extractors.outcomes import OutcomeHit
from extractors.scope import build_scope
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


def test_one_p_value_for_coordinated_measures_links_neither() -> None:
    # P4 of the guide: "Walking speed and stride length both increased (p = 0.03)" -> null.
    links = _p_links(
        "Stroke survivors showed higher resistance torques and joint stiffness (P<0.05)."
    )
    assert links == [(None, LinkReason.SHARED_BY_MEASURES)]
    # A bracket between the two (an abbreviation, a statistic) does not part them ...
    links = _p_links(
        "Patients scored higher with the National Institutes of Health Stroke Scale (NIHSS) "
        "and lower with the modified Rankin Scale (mRS) than others (p < 0.001)."
    )
    assert links == [(None, LinkReason.SHARED_BY_MEASURES)]
    # ... but a p-value between them does: each measure has its own.
    links = _p_links(
        "The Modified Ashworth Scale (p = 0.01) and the Penn Spasm Frequency Scale (p = 0.02) "
        "improved."
    )
    assert [name for name, _ in links] == ["Modified Ashworth Scale", "Penn Spasm Frequency Scale"]
    # A measure named with its method is no coordination.
    links = _p_links("Spasticity, measured with the Modified Ashworth Scale, fell (p = 0.01).")
    assert links == [("Modified Ashworth Scale", LinkReason.NEAREST_BEFORE)]


def test_correlation_between_two_measures_links_neither() -> None:
    # X-P4: a correlation between two listed measures, neither named as dependent -> null.
    links = _p_links(
        "Improved pain on the Numeric Rating Scale was correlated with the Modified Ashworth "
        "Scale score (r = 0.8, p < 0.001)."
    )
    assert links == [(None, LinkReason.CORRELATION)]
    # With one measure named, the p-value is that measure's (P5).
    links = _p_links("The daily dose correlated with age (r = 0.3, p = 0.04).")
    assert [reason for _, reason in links] != [LinkReason.CORRELATION]


def test_p_value_after_a_reported_measure_and_an_unknown_one_is_not_linked() -> None:
    # "irritability" is not a measure the lexicon knows; its p-value is not the MAS's.
    links = _p_links(
        "The Modified Ashworth Scale improved (p < 0.001) and irritability lessened (p < 0.05), "
        "and more patients reported global improvement at endpoint (p < 0.001)."
    )
    assert links == [
        ("Modified Ashworth Scale", LinkReason.NEAREST_BEFORE),
        (None, LinkReason.UNKNOWN_MEASURE),
        (None, LinkReason.UNKNOWN_MEASURE),
    ]


def test_time_points_sites_and_negations_name_no_other_measure() -> None:
    # The words between the two p-values name time points, sites, arms or "not": the same measure.
    for abstract in (
        "Kinesiotape reduced the Modified Ashworth Scale score versus control post-intervention "
        "(u = 6.00, p = 0.007) "
        "and at follow-up (u = 1.00, p = 0.003).",
        "The lower-limb Ashworth score fell by 1.7 points (P < .0001), and the upper-limb score "
        "by 0.9 points (P = .02).",
        "Knee extensor MAS fell after baclofen (P = 0.002) but not after saline (P = 0.41).",
        "Both drugs reduced Ashworth scores (p < 0.01 for each), with no difference between "
        "them (p = 0.71).",
    ):
        links = _p_links(abstract)
        assert len(links) == 2 and links[0][0] is not None, abstract
        assert links[1] == (links[0][0], LinkReason.NEAREST_BEFORE), abstract
    # Two p-values in one bracket report on the measure before it.
    links = _p_links(
        "Significant improvement in the 10-metre walk test (time p = 0.02, steps p = 0.01)."
    )
    assert [name for name, _ in links] == ["10-Metre Walk Test"] * 2


def test_respectively_group_skips_measures_with_their_own_p_value() -> None:
    # ROM has its own p-value; stiffness is coordinated with an unknown measure (passive
    # resistant torque): which p-value is whose cannot be told.
    links = _p_links(
        "Range of motion was increased (p = 0.002) and passive stiffness and passive resistant "
        "torque were decreased (p = 0.004 and 0.007, respectively)."
    )
    assert links[0] == ("Range of motion", LinkReason.NEAREST_BEFORE)
    assert links[1:] == [(None, LinkReason.AMBIGUOUS)] * 2
    # One measure over time points stays linked as usual.
    links = _p_links(
        "The 10-metre walk test improved at 3 and 6 months (P = 0.02 and 0.01, respectively)."
    )
    assert [name for name, _ in links] == ["10-Metre Walk Test"] * 2


def test_unlinked_reasons_reach_the_contract() -> None:
    se = extract_study(
        "r", TITLE, "Resistance torques and joint stiffness were higher in patients (P<0.05)."
    )
    assert to_contract(se)["p_values"][0]["link_reason"] == "shared_by_measures"


def _link_with(text: str, measures: dict[str, str]) -> tuple[str | None, LinkReason | None]:
    """The link of the text's first p-value, given the measures (mention text -> name) the
    outcome extractor found: the linker alone, on a fixed input."""
    scope = build_scope("abstract", text, get_pipeline().nlp.make_doc(text))
    hits = sorted(
        (
            OutcomeHit(name, start, start + len(mention), "test", True)
            for mention, name in measures.items()
            for start in [text.find(mention)]
        ),
        key=lambda o: o.start,
    )
    return p_value_outcome(text.find("(p"), hits, scope)


def test_definite_head_noun_refers_back_to_the_one_measure_with_that_head() -> None:
    text = (
        "A vibratory inhibition index (VII) was derived. The H reflex was recorded. "
        "Clonidine reduced the mean index of the patients to 59% (p < 0.001)."
    )
    measures = {"vibratory inhibition index": "Vibratory inhibition index", "H reflex": "H-reflex"}
    assert _link_with(text, measures) == (
        "Vibratory inhibition index",
        LinkReason.HEAD_NOUN_REFERENCE,
    )
    # Two earlier measures with that head: nothing decides.
    measures["H reflex"] = "H-reflex index"
    assert _link_with(text, measures) == (None, LinkReason.AMBIGUOUS)


def test_reliability_statistic_goes_to_the_instrument_under_study() -> None:
    links = _p_links(
        "We investigated the inter-rater reliability of the Modified Ashworth Scale in 20 "
        "patients. The weighted kappa was 0.81 (p = 0.0002)."
    )
    assert links == [("Modified Ashworth Scale", LinkReason.RELIABILITY_INSTRUMENT)]
    # Two instruments under study: the statistic's p-value is neither's.
    links = _p_links(
        "We investigated the reliability of the Modified Ashworth Scale and the Penn Spasm "
        "Frequency Scale. The weighted kappa was 0.81 (p = 0.0002)."
    )
    assert links[0][1] is not LinkReason.RELIABILITY_INSTRUMENT
    assert links[0][0] not in ("Modified Ashworth Scale", "Penn Spasm Frequency Scale")


def test_a_grouping_factor_is_not_what_the_p_value_tests() -> None:
    links = _p_links(
        "Infections occurred in 20 of 120 pumps. Explantation was required in 59% of patients "
        "with an infection and differed by infection type: superficial (17%) and deep (44%) "
        "(P = 0.004)."
    )
    assert links == [("Explantation", LinkReason.GROUPED_SUBJECT)]
    links = _p_links(
        "Infections occurred in 20 of 120 pumps. Outcomes differed by infection type: "
        "superficial (17%) and deep (44%) (P = 0.004)."
    )
    assert links == [(None, LinkReason.GROUPING_FACTOR)]
