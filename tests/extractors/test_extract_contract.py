"""The ``itb-evidence extract`` JSON contract and its error handling."""

from __future__ import annotations

import io
import json

from extractors import extract_study
from extractors.contract import run_contract, to_contract

ABSTRACT = (
    "Methods: We evaluated seven patients with hereditary spastic paraplegia (HSP). "
    "Results: Intrathecal baclofen at 188 ± 60 μg per day reduced the modified Ashworth Scale "
    "from 3 (IQR 3-4) to 1 (IQR 1-2; p = 0.046)."
)


def test_to_contract_has_exactly_the_documented_shape() -> None:
    out = to_contract(extract_study("r1", "Intrathecal baclofen in HSP", ABSTRACT))
    assert out["id"] == "r1" and out["sample_size"] == 7
    assert (out["is_itb_study"], out["is_hsp_population"]) == (True, True)
    (dose,) = out["doses"]
    assert {k: dose[k] for k in ("value", "sd", "range", "unit", "drug", "route", "kind")} == {
        "value": 188.0,
        "sd": 60.0,
        "range": None,
        "unit": "ug/day",
        "drug": "baclofen",
        "route": "intrathecal",
        "kind": "daily",
    }
    assert ABSTRACT[dose["start"] : dose["end"]] == dose["text"] == "188 ± 60 μg per day"
    (p,) = out["p_values"]
    assert {k: p[k] for k in ("text", "comparator", "value", "outcome")} == {
        "text": "p = 0.046",
        "comparator": "=",
        "value": 0.046,
        "outcome": "Modified Ashworth Scale",
    }
    assert p["section"] == "Results" and p["rule_id"] == "pvalue.labelled"
    (result,) = out["results"]
    assert result["outcome"] == "Modified Ashworth Scale" and result["p"] == 0.046
    assert result["pre"] == {
        "stat": "median",
        "value": 3.0,
        "spread": {"type": "iqr", "lo": 3.0, "hi": 4.0, "sd": None},
    }
    names = {o["name"] for o in out["outcome_measures"]}
    assert names == {"Modified Ashworth Scale"}
    tiers = {"high", "medium", "low"}
    for mention in [*out["outcome_measures"], *out["doses"], *out["p_values"], *out["results"]]:
        assert mention["confidence"] in tiers
    # linked values carry the link's tier; the study-level values carry theirs
    assert dose["link_confidence"] in tiers and p["link_confidence"] in tiers
    assert result["link_confidence"] in tiers
    assert out["sample_size_confidence"] in tiers and out["design_confidence"] in tiers
    json.dumps(out)  # serialisable as is


def test_unlinked_values_and_missing_sample_have_null_tiers() -> None:
    out = to_contract(extract_study("r2", "", "The difference was significant (p = 0.01)."))
    (p,) = out["p_values"]
    assert p["outcome"] is None and p["link_confidence"] is None
    assert p["confidence"] == "high"  # "p = 0.01": a marker and a number
    assert out["sample_size"] is None and out["sample_size_confidence"] is None


def test_run_contract_one_output_line_per_input_line_and_errors_named() -> None:
    lines = [
        json.dumps({"id": "a", "title": "t", "abstract": ABSTRACT, "journal": "ignored"}),
        "not json",
        json.dumps({"id": "b", "title": None}),
        json.dumps({"id": 7, "title": None, "abstract": None}),
        json.dumps(["list"]),
    ]
    out, err = io.StringIO(), io.StringIO()
    assert run_contract(lines, out, err) == (2, 3)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [row["id"] for row in rows] == ["a", None, "b", "7", None]
    assert rows[1]["error"].startswith("line 2: not valid JSON")
    assert rows[2]["error"] == "line 3: missing key 'abstract' (use null for an empty field)"
    assert rows[4]["error"].startswith("line 5: expected a JSON object")
    assert rows[3]["sample_size"] is None and rows[3]["p_values"] == []
    messages = err.getvalue().splitlines()
    assert len(messages) == 3 and all("line" in m for m in messages)
