"""Dose kind and drug, study design and the HSP-population flag: table-driven phenomenon tests.

Inputs are composed here (not copied from the gold files) and cover each way an abstract writes
the phenomenon, with must-not-match rows beside the matching ones. Test names carry "extract" so
the project's ``-k extract`` selection runs them.
"""

from __future__ import annotations

import pytest

from extractors import extract_study
from extractors.concept_patterns import concept_pattern_spans
from extractors.doses import find_doses
from extractors.scan import lower_same_length

# (text, dose span text, kind)
DOSE_KINDS = [
    # one administration written with an article and a dose noun -> bolus
    ("were randomised to receive a 75 µg dose of intrathecal baclofen or saline", "75 µg", "bolus"),
    ("each patient had a single 50 µg injection", "50 µg", "bolus"),
    ("after one 25 mcg intrathecal bolus the spasms stopped", "25 mcg", "bolus"),
    # the screening trial -> test
    (
        "A lumbar trial of 50 micrograms of intrathecal baclofen abolished spasms",
        "50 micrograms",
        "test",
    ),
    ("trial injections of 50 micrograms were given", "50 micrograms", "test"),
    ("an intrathecal trial with 100 μg was positive", "100 μg", "test"),
    # a rate per day stays daily, whatever cue precedes it
    (
        "After a positive 50-μg test dose, the pump was titrated to 120 μg/day.",
        "120 μg/day",
        "daily",
    ),
    ("After a 50 µg bolus, the infusion ran at 200 µg per day.", "200 µg per day", "daily"),
    # must not become bolus: an oral tablet, a maintenance amount, a randomised-trial dose
    ("Patients took a 10 mg dose of oral baclofen.", "10 mg", "other"),
    ("They were maintained on a 300 µg dose by the pump.", "300 µg", "other"),
    ("In a randomised trial of 50 µg intrathecal baclofen versus placebo", "50 µg", "other"),
    ("dalfampridine 10 mg twice daily or placebo", "10 mg twice daily", "other"),
]


@pytest.mark.parametrize(("text", "span", "kind"), DOSE_KINDS)
def test_extract_dose_kind(text: str, span: str, kind: str) -> None:
    hits = {text[h.start : h.end]: h.kind for h in find_doses(text)}
    assert hits[span] == kind


def test_extract_dose_kind_repeated_mention_inherits() -> None:
    """A later bare mention of a bolus dose is that bolus again; a different value is not."""
    text = (
        "Twelve adults received intrathecal boluses of 50 μg and 100 μg baclofen. The reflex "
        "fell by 48% after 50 μg and by 71% after 100 μg, and 30 μg had no effect."
    )
    kinds = [(text[h.start : h.end], h.kind) for h in find_doses(text)]
    assert kinds == [
        ("50 μg", "bolus"),
        ("100 μg", "bolus"),
        ("50 μg", "bolus"),
        ("100 μg", "bolus"),
        ("30 μg", "other"),
    ]


def test_extract_dose_list_with_sds_and_trailing_rate_range() -> None:
    text = (
        "Mean doses were 160 ± 60 and 210 ± 80 μg/day. "
        "The dose was 310 mcg/24 h (range 90–850 mcg/24 h)."
    )
    hits = [(text[h.start : h.end], h.value, h.sd, h.range, h.unit) for h in find_doses(text)]
    assert hits == [
        ("160 ± 60", 160.0, 60.0, None, "ug/day"),
        ("210 ± 80 μg/day", 210.0, 80.0, None, "ug/day"),
        ("310 mcg/24 h (range 90–850 mcg/24 h)", 310.0, None, (90.0, 850.0), "ug/day"),
    ]


# (text, [(span, value, sd, unit)]): two group values sharing the unit written once (dose.pair)
SHARED_UNIT_PAIRS = [
    (
        "Doses were higher in the first group (median 310 vs 175 µg/day; p = 0.004).",
        [("310", 310.0, None, "ug/day"), ("175 µg/day", 175.0, None, "ug/day")],
    ),
    (
        "maintained on lower doses (mean 148 ± 61 vs 286 ± 118 μg/day; p < 0.001)",
        [("148 ± 61", 148.0, 61.0, "ug/day"), ("286 ± 118 μg/day", 286.0, 118.0, "ug/day")],
    ),
    (
        "oral intake was 40 versus 60 mg daily",
        [("40", 40.0, None, "mg/day"), ("60 mg daily", 60.0, None, "mg/day")],
    ),
    (
        "Mean doses were 148 ± 61 and 212 ± 80 µg/day.",
        [("148 ± 61", 148.0, 61.0, "ug/day"), ("212 ± 80 µg/day", 212.0, 80.0, "ug/day")],
    ),
    # must not: ages, percentages, counts, concentrations and a dose's confidence interval
    (
        "aged 45 vs 52 years; maintenance 200 µg/day",
        [("200 µg/day", 200.0, None, "ug/day")],
    ),
    ("the amplitude fell by 38% vs 71% after 50 µg", [("50 µg", 50.0, None, "ug")]),
    ("(n = 12, 150 vs 200 µg)", [("150", 150.0, None, "ug"), ("200 µg", 200.0, None, "ug")]),
    ("solutions of 2000 vs 500 μg/mL were compared", []),
    ("pooled dose 427 µg/day (95% CI 362–492)", [("427 µg/day", 427.0, None, "ug/day")]),
]


@pytest.mark.parametrize(("text", "expected"), SHARED_UNIT_PAIRS)
def test_extract_dose_shared_unit_pairs(
    text: str, expected: list[tuple[str, float, float | None, str]]
) -> None:
    hits = [(text[h.start : h.end], h.value, h.sd, h.unit) for h in find_doses(text)]
    assert hits == expected
    assert all(h.range is None for h in find_doses(text))


# (text, dose span text, kind): a bolus given to decide on a pump is a test dose
SCREENING_KINDS = [
    (
        "A lumbar puncture bolus of 60 µg eased the spasms for 5 hours, and a pump was implanted.",
        "60 µg",
        "test",
    ),
    (
        "Each received an intrathecal bolus of 25 µg. Thirty went on to pump implantation.",
        "25 µg",
        "test",
    ),
    (
        "Nine adults met the criteria for intrathecal baclofen screening. Each received a lumbar "
        "puncture bolus of 50 mcg; non-responders were re-tested with 100 mcg a day later.",
        "100 mcg",
        "test",
    ),
    (
        "Nine adults met the criteria for intrathecal baclofen screening. Each received a lumbar "
        "puncture bolus of 50 mcg; non-responders were re-tested with 100 mcg a day later.",
        "50 mcg",
        "test",
    ),
    # must not: the bolus is the experiment, a randomised comparison, or given by a pump
    (
        "H-reflexes were recorded before and 2 hours after an intrathecal bolus of 50 µg given "
        "by lumbar puncture.",
        "50 µg",
        "bolus",
    ),
    (
        "Forty were screened and 30 were randomised. Each received an intrathecal bolus of 50 µg "
        "and saline in random order; responders were later implanted.",
        "50 µg",
        "bolus",
    ),
    (
        "Patients on continuous intrathecal baclofen could trigger a bolus of 25 µg; two had a "
        "new pump implanted.",
        "25 µg",
        "bolus",
    ),
    (
        "Patients who were implanted earlier received an extra intrathecal bolus of 50 µg.",
        "50 µg",
        "bolus",
    ),
]


@pytest.mark.parametrize(("text", "span", "kind"), SCREENING_KINDS)
def test_extract_dose_screening_bolus_is_test(text: str, span: str, kind: str) -> None:
    """Through ``extract_study``: the rule reads the neighbouring sentences."""
    doses = {d.prov.text: d.kind for d in extract_study("t", "Intrathecal baclofen", text).doses}
    assert doses[span] == kind


def test_extract_dose_screening_bolus_later_mention_keeps_kind() -> None:
    text = (
        "A lumbar puncture bolus of 50 µg relieved the spasms, and a pump was implanted. The "
        "response to 50 µg lasted six hours."
    )
    kinds = [d.kind for d in extract_study("t", "Intrathecal baclofen", text).doses]
    assert kinds == ["test", "test"]


# (text, dose values): the bound of a category is not a dose; a bound of doses taken is
THRESHOLDS = [
    ("High prior oral use was defined as more than 80 mg/day for three months.", []),
    ("High-dose therapy was defined as a daily dose above 600 μg/day.", []),
    ("Patients above a cut-off of 600 μg/day were compared.", []),
    ("oral baclofen of at least 60 mg/day had failed", [60.0]),
    ("Responders (defined as a fall of one point) received 200 µg/day.", [200.0]),
]


@pytest.mark.parametrize(("text", "values"), THRESHOLDS)
def test_extract_dose_category_threshold_not_dose(text: str, values: list[float]) -> None:
    assert [h.value for h in find_doses(text)] == values


# (title, abstract, dose text, drug, route)
DOSE_DRUGS = [
    (
        "Dalfampridine in spastic paraplegia",
        "Patients received dalfampridine 10 mg twice daily; concomitant oral baclofen "
        "(median 40 mg/day) was kept stable.",
        "10 mg twice daily",
        "dalfampridine",
        "oral",
    ),
    (
        "Dalfampridine in spastic paraplegia",
        "Patients received dalfampridine 10 mg twice daily; concomitant oral baclofen "
        "(median 40 mg/day) was kept stable.",
        "40 mg/day",
        "baclofen",
        "oral",
    ),
    (
        "Oral antispastics",
        "Intrathecal baclofen was not considered because all patients responded to oral "
        "baclofen 30–60 mg/day.",
        "30–60 mg/day",
        "baclofen",
        "oral",
    ),
    (
        "Spasticity after stroke",
        "Fifteen patients took pregabalin 150 mg/day and tizanidine 12 mg/day.",
        "12 mg/day",
        "tizanidine",
        "oral",
    ),
]


@pytest.mark.parametrize(("title", "abstract", "span", "drug", "route"), DOSE_DRUGS)
def test_extract_dose_drug_and_route(
    title: str, abstract: str, span: str, drug: str, route: str
) -> None:
    doses = {d.prov.text: d for d in extract_study("t", title, abstract).doses}
    assert (doses[span].drug, doses[span].route) == (drug, route)


# (title, abstract, expected design)
DESIGNS = [
    (
        "Catheter complications of intrathecal baclofen: a single-centre audit",
        "We audited the records of every patient who had a pump implanted; 97 patients "
        "received 118 pumps.",
        "retrospective cohort",
    ),
    (
        "Intrathecal baclofen dose in children",
        "The records of 17 children with cerebral palsy and 2 with other conditions who started "
        "intrathecal baclofen before the age of 12 were reviewed.",
        "retrospective cohort",
    ),
    (
        "Knee flexion after intrathecal baclofen",
        "Gait analysis data of 34 limbs in 17 ambulant adolescents with bilateral spastic "
        "cerebral palsy were reviewed before and one year after implantation.",
        "retrospective cohort",
    ),
    (
        "Intrathecal baclofen in spastic paraplegia: a five-year review",
        "We retrospectively reviewed 13 adults treated with intrathecal baclofen.",
        "retrospective cohort",
    ),
    (
        "Intrathecal baclofen after spinal cord injury: one-year registry data",
        "Thirty-one adults were treated with intrathecal baclofen in a prospective registry.",
        "prospective cohort",
    ),
    (
        "Intrathecal baclofen for spasticity: time for a trial",
        "Most reports of intrathecal baclofen describe fewer than 20 patients. A multicentre "
        "randomised trial is overdue.",
        "review",
    ),
    (
        "Gait kinematics after intrathecal baclofen",
        "Patients with hereditary spastic paraplegia (SPG4 in six, SPG3A in two) underwent gait "
        "analysis before and after intrathecal baclofen pump implantation.",
        "case series",
    ),
    # must not: a prospective study that also consults records stays prospective
    (
        "Walking after intrathecal baclofen",
        "In this prospective study, 20 adults received intrathecal baclofen; falls were checked "
        "against the records of all patients.",
        "prospective cohort",
    ),
    # must not: a laboratory study without people is neither a review nor a case series
    (
        "Baclofen and spinal neurons in vitro",
        "Cultured rat spinal neurons were exposed to baclofen at 5 and 20 μg/mL for 30 minutes.",
        "other",
    ),
    # must not: a narrative review of a centre's literature keeps its title cue
    (
        "Intrathecal baclofen in hereditary spastic paraplegia: a practical review",
        "This review focuses on screening and long-term titration.",
        "review",
    ),
    # must not: introductions of original laboratory or methods work, and an agency's name
    (
        "A clustering algorithm for model selection",
        "Previous studies have used single scores. We propose a clustering method and test it "
        "on the literature benchmark sets.",
        "other",
    ),
    (
        "Toxins near a disease cluster",
        "In 2006, the Agency for Toxic Substances and Disease Registry received a request to "
        "study a cluster.",
        "other",
    ),
    # patients set against healthy volunteers or controls enrolled for the purpose
    (
        "Knee kinematics in spastic paraplegia",
        "Twelve adults with spastic paraplegia and 12 age-matched healthy volunteers walked in a "
        "gait laboratory; none had received botulinum toxin.",
        "other",
    ),
    (
        "Reflexes in spastic paraplegia",
        "Sixteen patients were treated earlier with oral baclofen; they and fifteen healthy "
        "controls were examined.",
        "other",
    ),
    # records audited, whatever the order of subject and verb
    (
        "Pain after intrathecal baclofen",
        "Thirty adults who had pumps implanted between 2010 and 2020 were audited from their "
        "records.",
        "retrospective cohort",
    ),
    (
        "Programmed doses at refill visits",
        "Ninety refill visits of pump users made during 2021 were audited.",
        "retrospective cohort",
    ),
    (
        "Falls after intrathecal baclofen",
        "Twenty-two patients treated with intrathecal baclofen were identified from the hospital "
        "database.",
        "retrospective cohort",
    ),
    # two diagnostic groups whose responses to one intervention are compared
    (
        "Reflex suppression by intrathecal baclofen",
        "Eight patients with spinal cord injury and eight with multiple sclerosis took part. "
        "Reflexes were recorded before and after an intrathecal bolus. The reflex fell more in "
        "spinal cord injury than in multiple sclerosis (P = 0.01).",
        "prospective cohort",
    ),
    # must not: two groups without a compared response stay a series; a group difference
    # without an intervention is a cross-sectional comparison
    (
        "Intrathecal baclofen in two diagnoses",
        "Fourteen children with cerebral palsy and 6 with brain injury received intrathecal "
        "baclofen; the score improved in both (p = 0.01).",
        "case series",
    ),
    (
        "Baclofen in spasticity",
        "Sixteen patients received intrathecal baclofen. Tone fell more in the legs than in the "
        "arms (p = 0.02).",
        "case series",
    ),
    # an editorial, a protocol, a cross-sectional study
    (
        "A registry, not another case series: intrathecal baclofen in paraplegia",
        "Most published series of intrathecal baclofen describe fewer than 15 patients. Pooling "
        "the recordings in a registry would teach us more. We argue that walking should be its "
        "primary concern.",
        "review",
    ),
    (
        "Intrathecal versus oral baclofen for walking: protocol for a randomised trial",
        "This multicentre, assessor-blinded trial will randomise 64 ambulant adults.",
        "other",
    ),
    (
        "Walking after intrathecal baclofen",
        "Methods and analysis: Adults will be randomised to intrathecal or oral baclofen.",
        "other",
    ),
    (
        "Determinants of the intrathecal baclofen dose: a cross-sectional clinic study",
        "All 21 pump users followed at our clinic during 2017 received intrathecal baclofen.",
        "other",
    ),
    # must not: a done trial stays rct; a series named in the title stays a series
    (
        "Intrathecal baclofen for spasticity",
        "Twenty adults were randomised to baclofen or saline. Future trials will randomise more.",
        "rct",
    ),
    (
        "Intrathecal baclofen in paraplegia: a case series",
        "Six patients received intrathecal baclofen.",
        "case series",
    ),
]


@pytest.mark.parametrize(("title", "abstract", "design"), DESIGNS)
def test_extract_design(title: str, abstract: str, design: str) -> None:
    assert extract_study("t", title, abstract).design == design


# (title, abstract, HSP flag)
HSP_FLAGS = [
    (
        "Energy cost of walking after intrathecal baclofen",
        "Thirty ambulant adults with spastic paraparesis (hereditary in 12, acquired in 18) were "
        "enrolled before intrathecal baclofen pump implantation.",
        True,
    ),
    (
        "Intrathecal baclofen for spinal spasticity",
        "A cohort comprising 42 ambulant patients with spinal spasticity, including 4 with "
        "hereditary spastic paraplegia, was followed for two years.",
        True,
    ),
    (
        "Screening for intrathecal baclofen",
        "Ambulant patients with spastic paraparesis of hereditary or acquired origin underwent a "
        "lumbar test dose.",
        True,
    ),
    (
        "Intrathecal baclofen dose by diagnosis",
        "Retrospective review of 64 patients (multiple sclerosis, n = 30; hereditary spastic "
        "paraplegia, n = 6; other, n = 28).",
        True,
    ),
    (
        "Intrathecal baclofen in hereditary and acquired spastic paraplegia",
        "Forty adults with spastic paraplegia received intrathecal baclofen.",
        True,
    ),
    (
        "Intrathecal baclofen in familial spastic paraparesis",
        "Nine patients with Strümpell-Lorrain disease received intrathecal baclofen.",
        True,
    ),
    # must not: background, excluded, future population, acquired paraparesis, a mimic
    (
        "Intrathecal baclofen in multiple sclerosis",
        "Methods: 32 patients with multiple sclerosis were treated. Patients with hereditary "
        "spastic paraplegia were excluded, and 3 with HSP were excluded after genetic testing.",
        False,
    ),
    (
        "Intrathecal baclofen in multiple sclerosis",
        "Twenty patients with multiple sclerosis were treated. Similar studies are needed in "
        "other disorders such as hereditary spastic paraplegia.",
        False,
    ),
    (
        "Intrathecal baclofen in tropical spastic paraparesis",
        "Six patients with HTLV-1-associated myelopathy/tropical spastic paraparesis, an acquired "
        "spastic paraparesis, were treated.",
        False,
    ),
    (
        "Intrathecal baclofen in primary lateral sclerosis",
        "Primary lateral sclerosis can mimic hereditary spastic paraplegia. Four patients with "
        "primary lateral sclerosis received intrathecal baclofen.",
        False,
    ),
]


@pytest.mark.parametrize(("title", "abstract", "flag"), HSP_FLAGS)
def test_extract_hsp_population_flag(title: str, abstract: str, flag: bool) -> None:
    assert extract_study("t", title, abstract).is_hsp_population is flag


# (text, matched span, rule id) for the HSP concept patterns, and rows that must not match
HSP_PATTERN_SPANS = [
    ("including 4 with hereditary spastic paraplegia", "4 with ", "hsp.subgroup_count"),
    ("Twenty-one adults with HSP", "Twenty-one adults with ", "hsp.subgroup_count"),
    ("hereditary spastic paraplegia, n = 6;", ", n = 6", "hsp.subgroup_n"),
    (
        "spastic paraplegia (20 hereditary, 20 acquired)",
        "spastic paraplegia (20 hereditary",
        "hsp.elliptic_subgroup",
    ),
]


@pytest.mark.parametrize(("text", "span", "rule"), HSP_PATTERN_SPANS)
def test_extract_hsp_pattern_spans(text: str, span: str, rule: str) -> None:
    hits = [
        (text[s:e], r) for s, e, r in concept_pattern_spans(text, lower_same_length(text), "hsp")
    ]
    assert (span, rule) in hits


def test_extract_hsp_elliptic_subgroup_weighs_two() -> None:
    text = "adults with spastic paraparesis (hereditary in 12, acquired in 18)"
    hits = concept_pattern_spans(text, lower_same_length(text), "hsp")
    assert [r for _, _, r in hits] == ["hsp.elliptic_subgroup", "hsp.elliptic_subgroup"]


@pytest.mark.parametrize(
    "text",
    [
        "about 40% of patients with HSP walk unaided",
        "an acquired, virus-related spastic paraparesis",
        "spastic paraparesis (non-hereditary in all)",
        "spastic paraplegia in 2 years",
    ],
)
def test_extract_hsp_patterns_must_not_match(text: str) -> None:
    assert concept_pattern_spans(text, lower_same_length(text), "hsp") == []
