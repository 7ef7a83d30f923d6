"""The refresh's ``process_records`` with poison records among good ones (issue 12, finding 1):
a field over the input bound is refused per record with its reason (never passed to spaCy,
never cut), every other record is processed."""

from __future__ import annotations

import io
import json

import pytest

from extractors.contract import run_contract
from extractors.engine import MAX_FIELD_CHARS, FieldTooLong, extract_study
from extractors.nlp import get_pipeline
from itb_evidence.process import ProcessedRecord, RecordFailure, process_record, process_records
from itb_evidence.pubmed.records import PubmedRecord

GOOD = (
    "Methods: Seven patients with HSP received intrathecal baclofen. Results: The modified "
    "Ashworth Scale fell from 3 (IQR 3-4) to 1 (IQR 1-2; p = 0.046)."
)


def _record(
    pmid: str, abstract: str = GOOD, title: str = "Intrathecal baclofen in HSP"
) -> PubmedRecord:
    return PubmedRecord(pmid, 1, title, abstract, ())


def _padded(size: int) -> str:
    """``GOOD`` repeated to exactly ``size`` characters."""
    return (GOOD + " ") * (size // (len(GOOD) + 1)) + "x" * (size % (len(GOOD) + 1))


def test_the_bound_is_under_spacys_max_length() -> None:
    assert get_pipeline().nlp.max_length > MAX_FIELD_CHARS


def test_poison_records_fail_with_their_reason_and_the_others_are_processed() -> None:
    over_spacy = "a" * (get_pipeline().nlp.max_length + 1)  # spaCy itself would raise E088
    records = [
        _record("1"),
        _record("2", _padded(MAX_FIELD_CHARS + 1)),
        _record("3"),
        _record("4", over_spacy),
        _record("5", title="T" * (MAX_FIELD_CHARS + 1)),
        _record("6", _padded(MAX_FIELD_CHARS)),  # at the bound: extracted
    ]
    batch = process_records(records)
    assert [p.record.pmid for p in batch.processed] == ["1", "3", "6"]
    assert [(f.pmid, f.stage) for f in batch.failures] == [
        ("2", "extract"),
        ("4", "extract"),
        ("5", "extract"),
    ]
    two, four, five = (f.message for f in batch.failures)
    assert two == (
        "abstract is 100,001 characters, over the limit of 100,000"
        " (extractors.engine.MAX_FIELD_CHARS): not extracted"
    )
    assert four.startswith("abstract is 1,000,001 characters") and "E088" not in four
    assert five.startswith("title is 100,001 characters")
    assert {r["pmid"] for r in batch.rows.studies} == {"1", "3", "6"}
    assert all(row["pmid"] in {"1", "3", "6"} for row in batch.rows.outcomes)
    (bounded,) = [p for p in batch.processed if p.record.pmid == "6"]
    assert len(bounded.extraction.results) > 100  # extracted whole, not cut


def test_a_refused_record_is_a_failure_line_naming_pmid_and_reason() -> None:
    outcome = process_record(_record("77", _padded(MAX_FIELD_CHARS + 5)))
    assert isinstance(outcome, RecordFailure)
    assert outcome.line() == (
        "PMID 77 (extract): abstract is 100,005 characters, over the limit of 100,000"
        " (extractors.engine.MAX_FIELD_CHARS): not extracted"
    )
    assert isinstance(process_record(_record("78")), ProcessedRecord)


def test_extract_study_refuses_before_tokenising_and_the_limit_can_be_lifted() -> None:
    with pytest.raises(FieldTooLong) as raised:
        extract_study("x", "", _padded(MAX_FIELD_CHARS + 1))
    assert (raised.value.field, raised.value.length) == ("abstract", MAX_FIELD_CHARS + 1)
    lifted = extract_study("x", "", _padded(MAX_FIELD_CHARS + 1), max_field_chars=200_000)
    assert lifted.results


def test_extract_contract_reports_an_over_long_line_and_goes_on() -> None:
    lines = [
        json.dumps({"id": "big", "title": None, "abstract": _padded(MAX_FIELD_CHARS + 1)}),
        json.dumps({"id": "ok", "title": None, "abstract": GOOD}),
    ]
    out, err = io.StringIO(), io.StringIO()
    assert run_contract(lines, out, err) == (1, 1)
    big, ok = (json.loads(line) for line in out.getvalue().splitlines())
    assert big == {
        "id": "big",
        "error": "line 1: abstract is 100,001 characters, over the limit of 100,000"
        " (extractors.engine.MAX_FIELD_CHARS): not extracted",
    }
    assert ok["id"] == "ok" and ok["results"]
    assert err.getvalue().count("\n") == 1 and "big" in err.getvalue()
