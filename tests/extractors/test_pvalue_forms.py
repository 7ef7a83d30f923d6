"""p-value forms met in real abstracts (issue 13), each on a real-looking sentence, and the numbers
that look like p-values but are not. ``find_p_values`` is pure, so it is tested directly."""

from __future__ import annotations

import pytest

from extractors.pvalues import PATTERNS, PValueKind, find_p_values

FORMS = [
    (
        "Spasticity decreased significantly after the bolus (P\u30080.05).",
        [("P\u30080.05", "<", 0.05, PValueKind.LABELLED)],
    ),
    (
        "The Ashworth score fell from 3.4 to 1.9 (P\u23290.05).",
        [("P\u23290.05", "<", 0.05, PValueKind.LABELLED)],
    ),
    (
        "Spasm frequency fell after implantation (p < 0. 0001), and gait did not change.",
        [("p < 0. 0001", "<", 0.0001, PValueKind.LABELLED)],
    ),
    ("Walking speed improved at 6 months (p<.05).", [("p<.05", "<", 0.05, PValueKind.LABELLED)]),
    (
        "The H-reflex amplitude was reduced (P = 1.2 \u00d7 10\u22124).",
        [("P = 1.2 \u00d7 10\u22124", "=", 1.2e-4, PValueKind.LABELLED)],
    ),
    (
        "The H-reflex amplitude was reduced (P = 1.2 \u00d7 10\u20134).",
        [("P = 1.2 \u00d7 10\u20134", "=", 1.2e-4, PValueKind.LABELLED)],
    ),
    (
        "The H-reflex amplitude was reduced (P = 2.3 \u00d7 10\u00ad\u22124).",
        [("P = 2.3 \u00d7 10\u00ad\u22124", "=", 2.3e-4, PValueKind.LABELLED)],
    ),
    (
        "Penn scores improved (p = 1.2E-4).",
        [("p = 1.2E-4", "=", 1.2e-4, PValueKind.LABELLED)],
    ),
    (
        "Tone decreased in all limbs (p = 3 x 10^-5).",
        [("p = 3 x 10^-5", "=", 3e-5, PValueKind.LABELLED)],
    ),
    (
        "Ashworth scores decreased (p less than 0.05).",
        [("p less than 0.05", "<", 0.05, PValueKind.LABELLED)],
    ),
    (
        "The change in the Barthel Index had a P value of 0.03.",
        [("P value of 0.03", "=", 0.03, PValueKind.LABELLED)],
    ),
    ("Pain scores fell (P\u22640.001).", [("P\u22640.001", "<=", 0.001, PValueKind.LABELLED)]),
    (
        "Gait velocity did not change (p=NS).",
        [("p=NS", "=", None, PValueKind.NOT_SIGNIFICANT)],
    ),
    (
        "The difference was not significant (p > 0.05).",
        [("p > 0.05", ">", 0.05, PValueKind.LABELLED)],
    ),
    (
        "Responses increased with dose (P(trend) = 0.02).",
        [("P(trend) = 0.02", "=", 0.02, PValueKind.LABELLED)],
    ),
    (
        "Spasm scores fell (p-value < 0.001).",
        [("p-value < 0.001", "<", 0.001, PValueKind.LABELLED)],
    ),
    (
        "Spasm scores fell (p\u2212value < 0.001).",
        [("p\u2212value < 0.001", "<", 0.001, PValueKind.LABELLED)],
    ),
    ("Spasm scores fell (P <0\u00b705).", [("P <0\u00b705", "<", 0.05, PValueKind.LABELLED)]),
    ("Spasm scores fell (p \u02c2 0.05).", [("p \u02c2 0.05", "<", 0.05, PValueKind.LABELLED)]),
    (
        "A dropped italic P: spasms fell (< 0.0001), and pain (= 0.0214, Wald test).",
        [
            ("< 0.0001", "<", 0.0001, PValueKind.BARE_PARENTHESISED),
            ("= 0.0214", "=", 0.0214, PValueKind.BARE_PARENTHESISED),
        ],
    ),
    (
        "Gait speed increased (p 0.03).",
        [("p 0.03", "=", 0.03, PValueKind.NO_COMPARATOR)],
    ),
    (
        "Passive stiffness and resistance torque fell (p=0.004 and 0.007, respectively).",
        [
            ("p=0.004", "=", 0.004, PValueKind.LABELLED),
            ("0.007", "=", 0.007, PValueKind.RESPECTIVELY),
        ],
    ),
    (
        "P < 0.05 was considered statistically significant.",
        [("P < 0.05", "<", 0.05, PValueKind.THRESHOLD)],
    ),
    (
        "Scores (baseline, 6 months, P):\nMAS 3.1 \u00b1 0.6 1.9 \u00b1 0.8 0.003\n"
        "Penn 2.9 \u00b1 1.0 1.1 \u00b1 0.9 <0.001\n",
        [
            ("0.003", "=", 0.003, PValueKind.TABLE_ROW),
            ("<0.001", "<", 0.001, PValueKind.TABLE_ROW),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), FORMS)
def test_real_p_value_forms(
    text: str, expected: list[tuple[str, str, float | None, PValueKind]]
) -> None:
    got = [(text[h.start : h.end], h.comparator, h.value, h.kind) for h in find_p_values(text)]
    assert [(t, c, k) for t, c, _, k in got] == [(t, c, k) for t, c, _, k in expected]
    for (_, _, value, _), (_, _, want, _) in zip(got, expected, strict=True):
        assert value == (pytest.approx(want, rel=1e-12) if want is not None else None)


NOT_P_VALUES = [
    # A row of values with no header naming a P column: the last decimal is no p.
    "MAS 3.1 \u00b1 0.6 1.9 \u00b1 0.8 0.003",
    # The comparator lost from a conventional alpha level: "<" or "=" cannot be read (X-P3).
    "0.99 (0.75) in the ITB group versus 0.43 (0.72) in CMM patients (P 0.05).",
    # A Bonferroni-divided alpha is arithmetic, not a written p.
    "against a Bonferroni-corrected threshold (P = 0.05/3 = 0.017).",
    # A number cut short is not guessed at.
    "spasms fell (p < 0.0 5)",
    # Labels glued to a word, a numbered label, a phase, CI bounds, r, t and a page number.
    "In the Phase 2 study P1 = 0.03, r = 0.45 (95% CI 0.21-0.62), t = 2.1, page 0.5.",
    "Sp = 0.4 and ap = 0.3 are not p-values.",
]


@pytest.mark.parametrize("text", NOT_P_VALUES)
def test_not_p_values(text: str) -> None:
    assert find_p_values(text) == []


def test_a_dropped_correlation_symbol_before_a_labelled_p_is_no_p() -> None:
    text = "correlated with self-exercise (= 0.661, p = 0.019)"
    assert [(text[h.start : h.end], h.value) for h in find_p_values(text)] == [("p = 0.019", 0.019)]


def test_every_pattern_has_its_own_kind_and_rule_id() -> None:
    """Patterns are data: ids travel as rule_id, behaviour branches on the typed kind."""
    assert len({p.kind for p in PATTERNS}) == len({p.rule_id for p in PATTERNS}) == len(PATTERNS)
