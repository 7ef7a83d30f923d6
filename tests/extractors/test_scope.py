"""The scope model (extractors/scope.py): one object per field answers which sentence and which
clause hold an offset, and whether a clause boundary lies between two offsets."""

from __future__ import annotations

from extractors.nlp import get_pipeline
from extractors.samples import find_sample_candidates, without_parts
from extractors.scope import (
    CLAUSE,
    CLAUSE_AHEAD,
    TIMEPOINT_CLAUSE,
    Boundary,
    Scope,
    bracket_end,
    build_scope,
)

TEXT = (
    "Methods: Ten patients received ITB. Results: The MAS fell from 3 to 1; the PSFS fell "
    "from 3 to 2, while pain was unchanged (p = 0.4), and 2) FIM improved."
)


def _scope(text: str = TEXT) -> Scope:
    return build_scope("abstract", text, get_pipeline().nlp.make_doc(text))


def test_sentences_and_sections() -> None:
    scope = _scope()
    second = TEXT.index("The MAS")
    assert scope.sentence_start(second) == TEXT.index("Results:")
    assert scope.sentence_end(second) == len(TEXT)
    assert scope.sentence_index(0) == 0 and scope.sentence_index(second) == 1
    assert scope.section_at(second) == "Results"
    assert scope.section_at(0) == "Methods"


def test_clause_marks_are_typed() -> None:
    scope = _scope()
    assert [m.kind for m in scope.marks(1)] == [
        Boundary.SEMICOLON,
        Boundary.CONTRAST,
        Boundary.COORDINATION,
        Boundary.NUMBERED_ITEM,
    ]
    text = "Gait was slower (0.58 vs 0.84 m/s; p = 0.002) and knee flexion less (p = 0.04)."
    assert Boundary.BRACKET_COORDINATION in {m.kind for m in _scope(text).marks(0)}


def test_clause_start_stops_at_the_kinds_asked() -> None:
    scope = _scope()
    psfs = TEXT.index("the PSFS")
    pain = TEXT.index("pain was")
    fim = TEXT.index("FIM")
    assert scope.clause_start(psfs) == psfs  # after "; "
    assert scope.clause_start(pain) == TEXT.index(" pain was")  # after ", while"
    assert scope.clause_start(fim) == fim  # after the numbered item "2) "
    # ", and" is no boundary behind a finding, only ahead of one.
    assert scope.clause_start(fim, TIMEPOINT_CLAUSE) == TEXT.index(" pain was")


def test_clause_end_and_boundary_between() -> None:
    scope = _scope()
    p = TEXT.index("p = 0.4")
    assert scope.clause_end(p, kinds=CLAUSE_AHEAD) == TEXT.index(", and 2)")
    mas, psfs = TEXT.index("The MAS"), TEXT.index("the PSFS")
    assert scope.boundary_between(mas, psfs, CLAUSE)
    assert not scope.boundary_between(mas, TEXT.index("from 3 to 1"), CLAUSE)
    # A sentence end is a boundary too.
    assert scope.boundary_between(0, mas, CLAUSE)


def test_bracket_end_counts_nesting() -> None:
    text = "fell to 1 (IQR 1-2 (n = 5); p = 0.01) and more"
    assert bracket_end(text, text.index(" (IQR")) == text.index(") and")
    assert bracket_end(text, 0) == -1
    assert bracket_end("to 1 (unclosed", 4) == -1


def test_split_sentences_gives_each_sentence_its_period() -> None:
    from extractors.scope import split_sentences

    assert split_sentences("A b. C d.") == [(0, 4), (5, 9)]


def test_sentence_part_runs_from_the_last_semicolon_to_the_sentence_end() -> None:
    scope = _scope()
    pain = TEXT.index("pain")
    assert scope.sentence_part(pain) == (TEXT.index("the PSFS"), len(TEXT))
    mas = TEXT.index("The MAS")
    assert scope.sentence_part(mas) == (TEXT.index("Results:"), len(TEXT))


def test_sample_parts_are_compared_within_the_scope_sentence_part() -> None:
    """A part ("Twelve patients (40%)") refuses counts no larger than it in its own sentence part
    only: after "; " the 10 followed up are a count of their own (the whole text as one part
    would refuse them)."""
    text = "Twelve patients (40%) improved; 10 patients were followed up for a year."
    scope = _scope(text)
    candidates = find_sample_candidates(text, None, None, scope.sentence_part)
    assert {h.n for h in candidates} == {12, 10}
    assert {h.n for h in without_parts(text, candidates, scope.sentence_part)} == {10}
    assert without_parts(text, candidates) == []
