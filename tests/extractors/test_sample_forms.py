"""Sample-size forms: pooled review counts, analysed subsets, sums of groups written without a
total, and counts that are not the sample (planned sizes, limbs, devices, labels, prevalence).

Every input is composed here; each row names the value, the evidence span and the rule."""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.samples import SampleKind, find_sample_candidates
from extractors.spans import all_provenances
from extractors.types import StudyExtraction

META_TITLE = "Intrathecal baclofen for spasticity: a systematic review and meta-analysis"


def run(abstract: str, title: str = "") -> StudyExtraction:
    se = extract_study("t", title, abstract)
    for prov in all_provenances(se):
        assert abstract[prov.start : prov.end] == prov.text
    return se


# (title, abstract, n, evidence span, rule id)
FOUND_ROWS = [
    # sample.pooled_studies: a review's pooled count after its count of studies
    (
        META_TITLE,
        "Results: Eight studies, 143 patients in total, were included.",
        143,
        "143 patients",
        "sample.pooled_studies",
    ),
    (
        META_TITLE,
        "Results: eleven trials with 312 participants in total were pooled.",
        312,
        "312 participants",
        "sample.pooled_studies",
    ),
    (
        META_TITLE,
        "Results: Six case series (97 patients) met the inclusion criteria.",
        97,
        "(97 patients",
        "sample.pooled_studies",
    ),
    (
        META_TITLE,
        "Results: Five randomised trials (n = 212) were pooled.",
        212,
        "n = 212",
        "sample.pooled_studies",
    ),
    (
        META_TITLE,
        "Results: 14 trials including 512 adults were analysed.",
        512,
        "512 adults",
        "sample.pooled_studies",
    ),
    # sample.analysed_only: only a subset was analysed
    (
        "",
        "Forty adults with MS were enrolled; only the 33 who completed the six-month visit "
        "were analysed.",
        33,
        "only the 33 who completed the six-month visit were analysed",
        "sample.analysed_only",
    ),
    (
        "",
        "Fifty children were recruited. The analysis was restricted to the 41 children with "
        "complete gait data.",
        41,
        "analysis was restricted to the 41",
        "sample.analysed_only",
    ),
    # without "only", the randomised total stands
    (
        "",
        "In this crossover trial, 30 adults were randomised to baclofen or placebo first; "
        "27 completed both periods.",
        30,
        "30 adults",
        "sample.count_of_people",
    ),
    # sums of groups written without a total
    (
        "",
        "Adults with spastic paraparesis (7 with HSP and 13 with MS) underwent a test bolus.",
        20,
        "Adults with spastic paraparesis (7 with HSP and 13 with MS",
        "sample.sum_of_listed_subgroups",
    ),
    (
        "",
        "Patients with hereditary spastic paraplegia (SPG4 in five, SPG7 in four and SPG11 in "
        "one) had gait analysis.",
        10,
        "Patients with hereditary spastic paraplegia (SPG4 in five, SPG7 in four and SPG11 in one",
        "sample.sum_of_listed_subgroups",
    ),
    (
        "",
        "We studied children with cerebral palsy: 9 with spastic and 6 with dyskinetic forms.",
        15,
        "children with cerebral palsy: 9 with spastic and 6 with dyskinetic forms",
        "sample.sum_of_listed_subgroups",
    ),
    (
        "",
        "Ten adults received intrathecal baclofen and 14 received oral tizanidine.",
        24,
        "Ten adults received intrathecal baclofen and 14",
        "sample.sum_of_verb_groups",
    ),
    (
        "",
        "Eighteen children were allocated to ITB and 16 to physiotherapy alone.",
        34,
        "Eighteen children were allocated to ITB and 16",
        "sample.sum_of_verb_groups",
    ),
    (
        "",
        "We compared 12 SCI patients with 16 MS patients after pump implantation.",
        28,
        "12 SCI patients with 16 MS patients",
        "sample.sum_of_groups",
    ),
    (
        "",
        "We retrospectively compared 21 ambulant and 17 non-ambulant adults with MS.",
        38,
        "21 ambulant and 17 non-ambulant adults",
        "sample.sum_of_shared_noun_groups",
    ),
    (
        "",
        "Chart review of 25 children with dystonia and 31 with spasticity treated with ITB.",
        56,
        "25 children with dystonia and 31",
        "sample.sum_of_elliptical_groups",
    ),
    (
        "",
        "The records of 12 adults with SCI, 5 with MS and 3 with HSP were reviewed.",
        20,
        "12 adults with SCI, 5 with MS and 3",
        "sample.sum_of_elliptical_groups",
    ),
    # two groups compared, a count on each side
    (
        "",
        "Eleven adults with HSP were compared with 13 adults with SCI on ITB.",
        24,
        "Eleven adults with HSP were compared with 13 adults",
        "sample.sum_of_groups",
    ),
    (
        "",
        "Dose requirements were compared between 22 walkers and 17 wheelchair users.",
        39,
        "22 walkers and 17 wheelchair users",
        "sample.sum_of_groups",
    ),
    # subgroups listed after an uncounted noun: "who" clauses and dashes
    (
        "",
        "We reviewed adults with MS on ITB: 15 who walked at implantation and 26 who did not.",
        41,
        "adults with MS on ITB: 15 who walked at implantation and 26 who did not",
        "sample.sum_of_listed_subgroups",
    ),
    (
        "",
        "Ambulant adults \u2014 six with HSP, eight with MS and five with SCI \u2014 were tested.",
        19,
        "adults \u2014 six with HSP, eight with MS and five with SCI",
        "sample.sum_of_listed_subgroups",
    ),
    (
        "",
        "Children with spasticity \u2013 10 with CP and 4 with HSP \u2013 received a bolus.",
        14,
        "Children with spasticity \u2013 10 with CP and 4 with HSP",
        "sample.sum_of_listed_subgroups",
    ),
    # referred, then a later stage: the later stage is the sample
    (
        "",
        "From 2014 to 2020, 210 adults were referred for assessment; 63 underwent a test bolus.",
        63,
        "63 underwent",
        "sample.after_referral",
    ),
    (
        "",
        "In all, 95 children were referred to the clinic. Of these, 31 received a pump.",
        31,
        "31 received",
        "sample.after_referral",
    ),
    (
        "",
        "Overall 120 were referred and 44 met the criteria for an intrathecal trial.",
        44,
        "44 ",
        "sample.count_enrolled",
    ),
    # fallbacks
    (
        "",
        "We report two brothers with SPG11 treated with intrathecal baclofen.",
        2,
        "two brothers",
        "sample.count_of_relatives",
    ),
    (
        "",
        "Of the 31 patients tested, 24 responded to the bolus and received a pump.",
        31,
        "31 patients tested, 24 responded",
        "sample.tested_denominator",
    ),
    (
        "",
        "Of 52 patients implanted between 2005 and 2015, 44 were followed for two years.",
        44,
        "44 ",
        "sample.count_enrolled",
    ),
]


@pytest.mark.parametrize(("title", "text", "n", "span", "rule_id"), FOUND_ROWS)
def test_sample_forms_found(title: str, text: str, n: int, span: str, rule_id: str) -> None:
    se = run(text, title)
    assert se.sample_size is not None
    assert (se.sample_size.n, se.sample_size.prov.text, se.sample_size.prov.rule_id) == (
        n,
        span,
        rule_id,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Nine studies met the inclusion criteria (151 participants).",
        "We pooled data on 151 patients from nine studies.",
        "The nine included studies enrolled 151 patients in all.",
        "Data from 151 patients in nine trials were pooled (I2 = 30%).",
    ],
)
def test_pooled_review_counts_in_other_orders(text: str) -> None:
    se = run(text, META_TITLE)
    assert se.sample_size is not None and se.sample_size.n == 151
    assert se.sample_size.prov.rule_id == "sample.pooled_studies"


@pytest.mark.parametrize(
    "text",
    [
        "Results: Eight studies contributed 233 participants aged 20 to 70 years.",
        "Results: The 12 cohorts comprised 233 patients followed for 1-9 years.",
        "Results: Ten trials provided data on 233 adults.",
        "Results: 233 patients were pooled from nine case series.",
        "Results: 233 patients were drawn from seven centres.",
    ],
)
def test_pooled_counts_after_or_before_the_studies(text: str) -> None:
    se = run(text, META_TITLE)
    assert se.sample_size is not None
    assert (se.sample_size.n, se.sample_size.prov.rule_id) == (233, "sample.pooled_studies")


def test_individual_patient_data_are_pooled_data() -> None:
    se = run("Results: Individual patient data of 64 patients were analysed.", META_TITLE)
    assert se.sample_size is not None
    assert (se.sample_size.n, se.sample_size.prov.rule_id) == (64, "sample.pooled")


def test_a_single_study_count_in_a_review_is_not_the_sample() -> None:
    se = run("Nine studies were included; the largest enrolled 40 patients.", META_TITLE)
    assert se.sample_size is None


# (title, abstract, n): the total stands, or no count is the sample
NOT_THE_SAMPLE_ROWS = [
    # a subgroup inside a stated total is not added
    ("", "A cohort comprising 38 patients, including 6 with HSP, was followed.", 38),
    ("", "Thirty adults (hereditary in 11, acquired in 19) were enrolled.", 30),
    ("", "A series of 26 patients with HSP, 10 with pure and 16 with complicated forms.", 26),
    ("", "A series of 26 patients with HSP, 10 with pure forms, was followed.", 26),
    ("", "Of 26 patients with HSP, 10 with pure forms were implanted.", None),
    # limbs, devices, revisions, labels and prevalence are not people
    ("", "Gait data of 28 limbs in 14 adolescents were reviewed.", 14),
    ("", "In all, 61 patients received 70 pumps; 19 revisions were done in 12 patients.", 61),
    ("", "Four adults with HSP (P1–P4) received a 50 µg test bolus.", 4),
    ("", "HSP affects 2 to 5 per 100,000. Botulinum toxin 300 U was given to 9 patients.", 9),
    # planned and power-calculated sizes
    ("", "Six adults were treated. A definitive trial would need 60 patients for 80% power.", 6),
    ("", "A planned sample of 48 patients was not reached; 31 patients were enrolled.", 31),
    ("", "We planned to recruit 80 children, but only 35 children were randomised.", 35),
    ("", "A sample size of 64 patients was calculated; 40 patients were included.", 40),
    ("", "Forty patients were enrolled, giving 80% power for the primary outcome.", 40),
    # sequences are not groups
    ("", "Thirty patients received a test dose and 24 received a pump.", 30),
    ("", "Twenty patients underwent implantation and 4 underwent revision.", 20),
    ("", "Thirty patients received ITB and 5 received additional botulinum toxin.", 30),
    # publications and plural things counted before a person noun
    (
        META_TITLE,
        "Results: Nine studies were included: five case reports, three case series and one cohort.",
        None,
    ),
    ("", "The score fell by 3 points and 12 patients improved; 20 patients were treated.", 20),
    # years in a parenthesised list
    ("", "Patients (onset in 2004, 2011) were studied.", None),
    # an amount of toxin is not a pooled count
    ("", "Eighteen adults with HSP received a total of 300 U of botulinum toxin.", 18),
    ("", "A total of 1,000 IU of abobotulinumtoxinA was given to 12 children.", 12),
    # the denominator of a rate is not a count of people
    ("", "HSP affects about 3 per 100,000 people. Five adolescents received a test dose.", 5),
    # two groups of the same size are two groups, not a total and its breakdown
    ("", "We compared the dose requirements of 14 patients with HSP and 14 with MS.", 28),
    ("", "Doses were compared between patients with HSP (n = 9) and MS (n = 9).", 18),
    ("", "Thirty patients (n = 30) were randomised to ITB (n = 15) or placebo (n = 15).", 30),
    # controls compared with patients are not added
    ("", "Fourteen adults with HSP were compared with 16 healthy controls.", 14),
    # a subgroup list after a counted noun breaks the total down
    (
        "",
        "Twenty adults \u2014 nine with HSP, seven with MS and four with SCI \u2014 were seen.",
        20,
    ),
    ("", "Forty patients with MS: 12 who walked and 28 who did not.", 40),
    # a "who" list broken by another clause is not a list of groups
    ("", "Patients with MS: 12 who walked and talked and 28 who did not.", None),
    # the referred people are the sample when no later stage is counted
    ("", "Thirty patients were referred for ITB and were studied prospectively.", 30),
    ("", "Thirty patients referred for ITB between 2010 and 2015 were studied.", 30),
    # a year closing a period is not a count
    ("", "Patients implanted between 2005 and 2015 were included.", None),
    ("", "Patients treated from 2005 to 2015 were included; 40 patients had complete data.", 40),
    # visits and refills are not people
    ("", "A total of 1,250 refill visits in 87 patients were analysed.", 87),
    ("", "We analysed 212 clinic visits of 40 adults with HSP.", 40),
    # a referral year is not a later stage
    ("", "Twelve patients were referred between 2010 and 2015 and treated with ITB.", 12),
]


@pytest.mark.parametrize(("title", "text", "n"), NOT_THE_SAMPLE_ROWS)
def test_counts_that_are_not_the_sample(title: str, text: str, n: int | None) -> None:
    se = run(text, title)
    assert (se.sample_size.n if se.sample_size else None) == n


@pytest.mark.parametrize(
    "text",
    [
        "A confirmatory trial would need 40 patients for 80% power.",
        "The target enrolment of 120 participants was met late.",
        "A total of 90 patients will be randomised.",
    ],
)
def test_planned_counts_are_never_candidates(text: str) -> None:
    assert find_sample_candidates(text) == []


def test_arms_written_as_denominators_of_one_event_add_up() -> None:
    """ "6 (20%) of the 30 placebo-treated patients and 9 (28%) of the 32 drug-treated patients":
    both arms are the sample (SS3); one denominator alone is not summed with anything."""
    text = (
        "Adverse events occurred in 6 (20%) of the 30 placebo-treated patients and 9 (28%) of the "
        "32 baclofen-treated patients."
    )
    sums = [h.n for h in find_sample_candidates(text) if h.kind is SampleKind.SUM_OF_GROUPS]
    assert sums == [62]
    alone = "Adverse events occurred in 6 (20%) of the 30 patients and resolved in 4 patients."
    assert not [h for h in find_sample_candidates(alone) if h.kind is SampleKind.SUM_OF_GROUPS]
