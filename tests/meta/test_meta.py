"""Effect sizes, conversions, pooling and the store path of the meta-analysis (no R needed)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from scipy.stats import t as student_t

from itb_evidence.curate import Correction, add_correction, curated_tables
from itb_evidence.meta.analysis import analyse, effects_table, pooled_table
from itb_evidence.meta.conversions import GroupSummary, to_mean_sd
from itb_evidence.meta.effects import (
    effect_size,
    paired_t,
    resolve_ri,
    ri_from_t,
    small_sample_correction,
    t_from_signed_p,
)
from itb_evidence.meta.pooling import leave_one_out, pool
from itb_evidence.meta.studies import orientation, outcome_directions, study_rows
from itb_evidence.store.store import EvidenceStore
from tests.conftest import REPO_ROOT
from tests.meta.fixtures import MAS, mas_store


# --- effect sizes: escalc's formulas, worked by hand -------------------------------------------
def test_effects_worked_numbers() -> None:
    # n = 10, pre 20 ± 4, post 16 ± 5, r = 0.5: diff = -4; var_d = 16 + 25 - 20 = 21
    # c(9) = Γ(4.5)/(√4.5·Γ(4)) = 11.631728/(2.1213203·6) = 0.913875 (≈ 1 - 3/(4·9 - 1))
    kw = {"pre_mean": 20.0, "pre_sd": 4.0, "post_mean": 16.0, "post_sd": 5.0, "n": 10, "ri": 0.5}
    cm = small_sample_correction(9)
    assert cm == pytest.approx(0.913875, abs=1e-6)
    mc = effect_size("MC", **kw)  # type: ignore[arg-type]
    assert mc.yi == pytest.approx(-4.0) and mc.vi == pytest.approx(2.1)
    smcc = effect_size("SMCC", **kw)  # type: ignore[arg-type]
    assert smcc.yi == pytest.approx(cm * -4 / math.sqrt(21))
    assert smcc.vi == pytest.approx(1 / 10 + smcc.yi**2 / 20)
    smcr = effect_size("SMCR", **kw)  # type: ignore[arg-type]
    assert smcr.yi == pytest.approx(cm * -1.0)  # standardised by the pre SD
    assert smcr.vi == pytest.approx(2 * 0.5 / 10 + smcr.yi**2 / 20)


def test_undefined_effects_raise_with_the_reason() -> None:
    flat = {"pre_mean": 2.0, "pre_sd": 0.0, "post_mean": 1.0, "post_sd": 0.4, "n": 7}
    with pytest.raises(ValueError, match="pre SD is 0"):
        effect_size("SMCR", ri=0.5, **flat)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"ri must lie in \[-1, 1\]"):
        effect_size("MC", ri=1.5, **flat)  # type: ignore[arg-type]


def test_ri_round_trips_through_a_paired_t_and_a_signed_p() -> None:
    n, pre_sd, post_sd, ri, diff = 12, 3.0, 2.5, 0.62, -1.8
    sd_d = math.sqrt(pre_sd**2 + post_sd**2 - 2 * ri * pre_sd * post_sd)
    t = diff / (sd_d / math.sqrt(n))
    sides = {"n": n, "pre_mean": 10.0, "pre_sd": pre_sd, "post_mean": 10.0 + diff}
    assert ri_from_t(t, post_sd=post_sd, **sides) == pytest.approx(ri)  # type: ignore[arg-type]
    p = 2 * float(student_t.sf(abs(t), n - 1))
    assert t_from_signed_p(-p, n) == pytest.approx(t)
    got = resolve_ri(signed_p=-p, post_sd=post_sd, **sides)  # type: ignore[arg-type]
    assert got.ri == pytest.approx(ri) and got.source == "signed p"
    impossible = resolve_ri(t=0.5, post_sd=post_sd, **sides)  # type: ignore[arg-type]
    assert impossible.source == "assumed" and "outside [-1, 1]" in impossible.note
    assert paired_t("t(11) = 2.45", 12) == 2.45
    assert paired_t("t(23) = 2.45", 12) is None  # not a paired test of these 12 patients
    assert paired_t("F(1, 11) = 6.0", 12) is None


# --- conversions -----------------------------------------------------------------------------
def test_se_and_ci_become_sds_and_are_not_called_estimates() -> None:
    se = to_mean_sd(GroupSummary(n=16, mean=5.0, se=0.5)).value
    assert se is not None and se.sd == pytest.approx(2.0) and not se.estimated
    ci = to_mean_sd(GroupSummary(n=25, mean=50.0, ci_lo=44.0, ci_hi=56.0)).value
    # sqrt(25)·12/(2·t(0.975, 24)) = 60/(2·2.063899) = 14.535598
    assert ci is not None and ci.sd == pytest.approx(14.535598, abs=1e-6)
    assert ci.sd_method == "ci95_to_sd" and not ci.estimated


def test_median_conversions_carry_method_and_skewness() -> None:
    iqr = to_mean_sd(GroupSummary(n=30, median=10.0, q1=8.0, q3=13.0)).value
    assert iqr is not None and iqr.estimated and iqr.sd_method == "wan2014_c3"
    assert iqr.skew is not None and not iqr.skew.skewed
    few = to_mean_sd(GroupSummary(n=4, median=3.0, q1=2.0, q3=4.0))
    assert few.value is None and "below n = 5" in few.reason
    nothing = to_mean_sd(GroupSummary(n=10, mean=3.0))
    assert nothing.value is None and "no mean with SD/SE/CI" in nothing.reason


# --- pooling ---------------------------------------------------------------------------------
def test_pooling_needs_two_effects_and_leave_one_out_three() -> None:
    with pytest.raises(ValueError, match="at least 2"):
        pool([1.0], [0.1])
    with pytest.raises(ValueError, match="at least 3"):
        leave_one_out([1.0, 2.0], [0.1, 0.2])
    with pytest.raises(ValueError, match="positive"):
        pool([1.0, 2.0], [0.1, 0.0])
    homogeneous = pool([1.0, 1.0, 1.0], [0.1, 0.2, 0.3], method="DL")
    assert homogeneous.tau2 == 0.0 and homogeneous.i2 == 0.0  # truncated at zero, as metafor
    fe = pool([1.0, 2.0], [0.1, 0.1], method="FE")
    assert fe.estimate == pytest.approx(1.5) and fe.pi_lo is None
    assert fe.q == pytest.approx(5.0) and fe.i2 == pytest.approx(80.0)  # (Q - 1)/Q


# --- directions are data, keyed by canonical names --------------------------------------------
def test_every_direction_names_a_canonical_outcome() -> None:
    lexicon = REPO_ROOT / "extractors" / "lexicons" / "outcomes.jsonl"
    canonical = {json.loads(line)["canonical"] for line in lexicon.read_text().splitlines() if line}
    assert set(outcome_directions()) <= canonical
    assert orientation(MAS)[0] == -1 and orientation("Rivermead Mobility Index")[0] == 1
    assert orientation("Cadence") == (1, orientation("Cadence")[1])
    assert "not harmonised" in orientation("Cadence")[1]


# --- the store path: curated tables in, corrections and rejections honoured -------------------
@pytest.fixture
def store(tmp_path: Path) -> Iterator[EvidenceStore]:
    with mas_store(tmp_path / "m.duckdb") as s:
        yield s


def _main(store: EvidenceStore) -> tuple[float, int]:
    tables = curated_tables(store)
    (m,) = analyse(study_rows(tables["studies"], tables["outcomes"]))
    assert m.main is not None
    return m.main.estimate, m.main.k


def test_three_studies_pool_with_improvement_positive(store: EvidenceStore) -> None:
    tables = curated_tables(store)
    (m,) = analyse(study_rows(tables["studies"], tables["outcomes"]))
    assert m.main is not None and m.main.k == 3 and m.main.estimate > 0  # MAS fell: better
    by_pmid = {e.row.pmid: e for e in m.effects}
    assert by_pmid["502"].ri is not None and by_pmid["502"].ri.source == "paired t"
    labels = [s.label for s in m.sensitivity]
    assert labels[:5] == [
        "fixed effect",
        "Hartung-Knapp",
        "without estimated values",
        "ri = 0.3",
        "ri = 0.7",
    ]
    assert "without Doe J 2020 (PMID 501)" in labels
    pooled = pooled_table([m])
    assert pooled["analysis"].iloc[0] == "main (ri = 0.5)" and pooled["k"].iloc[0] == 3


def test_a_corrected_sd_changes_the_pooled_estimate(store: EvidenceStore) -> None:
    before, _ = _main(store)
    add_correction(
        store,
        Correction(
            "501", "outcome", "set", "Table 2", "ana", outcome=MAS, field="pre_sd", value="0.3"
        ),
    )
    after, k = _main(store)
    assert k == 3 and after != pytest.approx(before, rel=1e-3)


def test_a_rejected_row_is_not_pooled_and_says_why(store: EvidenceStore) -> None:
    add_correction(store, Correction("503", "outcome", "reject", "wrong arm", "ben", outcome=MAS))
    tables = curated_tables(store)
    (m,) = analyse(study_rows(tables["studies"], tables["outcomes"]))
    assert m.main is not None and m.main.k == 2
    effects = effects_table([m]).set_index("pmid")
    assert not effects.loc["503", "pooled"]
    assert "rejected by a curator" in str(effects.loc["503", "reason"])


def test_one_usable_study_is_not_pooled_and_the_note_says_so(store: EvidenceStore) -> None:
    for pmid in ("502", "503"):
        add_correction(store, Correction(pmid, "outcome", "reject", "x", "ben", outcome=MAS))
    tables = curated_tables(store)
    (m,) = analyse(study_rows(tables["studies"], tables["outcomes"]))
    assert m.main is None and m.note == "1 study with usable numbers: not pooled (needs 2)"
    assert m.sensitivity == []
