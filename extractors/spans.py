"""Provenance helpers: every provenance record of a study extraction (for span checks,
``text == field[start:end]``), and the bounded text of the sentence a span sits in.

A provenance points to its sentence (``SentenceRef``: offsets into the field); the text is built
here, only where it is written out (the ``sentence`` key of the extract contract, the ``sentence``
column of the store and the exports). A sentence of at most ``SENTENCE_CAP`` characters is written
whole, exactly as it stands in the field. A longer one (a run-on "sentence" without full stops) is
written as a window of at most ``SENTENCE_CAP`` characters around the span, cut at spaces, with
``CUT_MARKER`` ("[…]") standing for each cut-off part: so a stored row never grows with the length
of its sentence. The longest sentence in the real and gold abstracts the project has is 653
characters; 1,000 leaves room and keeps a row small.
"""

from __future__ import annotations

from extractors.types import Provenance, SentenceRef, StudyExtraction

SENTENCE_CAP = 1_000  # characters of a written-out sentence, markers included
CUT_MARKER = "[\u2026]"  # "[…]": the usual mark of text left out of a quotation


def all_provenances(se: StudyExtraction) -> list[Provenance]:
    """Provenance of every mention, result, test statistic and the sample size and the
    follow-up, in that order."""
    provs: list[Provenance] = [o.prov for o in se.outcome_measures]
    provs += [d.prov for d in se.doses]
    provs += [p.prov for p in se.p_values]
    provs += [r.prov for r in se.results]
    provs += [t.prov for t in se.test_statistics if t.prov is not None]
    if se.sample_size is not None:
        provs.append(se.sample_size.prov)
    if se.follow_up is not None:
        provs.append(se.follow_up.prov)
    return provs


def sentence_window(
    text: str, s_start: int, s_end: int, start: int, end: int, cap: int = SENTENCE_CAP
) -> str:
    """``text[s_start:s_end]`` when it is at most ``cap`` characters; else the span
    ``text[start:end]`` with as much of the sentence around it as fits in ``cap`` (half before,
    half after, what one side cannot use goes to the other), each cut made at a space and marked
    with ``CUT_MARKER``. The span is always kept whole."""
    if s_end - s_start <= cap:
        return text[s_start:s_end]
    start, end = max(s_start, min(start, s_end)), min(s_end, max(end, start))
    budget = max(0, cap - (end - start) - 2 * (len(CUT_MARKER) + 1))
    before = min(start - s_start, budget // 2)
    after = min(s_end - end, budget - before)
    before = min(start - s_start, budget - after)
    w_start, w_end = start - before, end + after
    if w_start > s_start:
        space = text.find(" ", w_start, start)
        w_start = space + 1 if space >= 0 else start
    if w_end < s_end:
        space = text.rfind(" ", end, w_end)
        w_end = space if space >= 0 else end
    head = f"{CUT_MARKER} " if w_start > s_start else ""
    tail = f" {CUT_MARKER}" if w_end < s_end else ""
    return f"{head}{text[w_start:w_end]}{tail}"


def sentence_text(prov: Provenance, field_text: str, cap: int = SENTENCE_CAP) -> str:
    """The sentence of ``prov`` as written out: whole when short, a window around the span when
    longer than ``cap`` (see ``sentence_window``). ``field_text`` is the text the provenance's
    offsets index into. A literal sentence (hand-built provenance) is bounded the same way."""
    sentence = prov.sentence
    if isinstance(sentence, SentenceRef):
        return sentence_window(field_text, sentence.start, sentence.end, prov.start, prov.end, cap)
    at = sentence.find(prov.text) if prov.text else 0
    at = max(at, 0)
    return sentence_window(sentence, 0, len(sentence), at, at + len(prov.text), cap)


def sentence_of(se: StudyExtraction, prov: Provenance, cap: int = SENTENCE_CAP) -> str:
    """``sentence_text`` of a provenance of ``se``, from the field text ``se`` carries."""
    return sentence_text(prov, se.field_text(prov.field), cap)
