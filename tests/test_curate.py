"""Curator corrections: stored apart, always win, survive re-extraction, flag revised text."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from itb_evidence.curate import (
    Correction,
    CorrectionError,
    CorrectionFileError,
    active_corrections,
    add_correction,
    curated_tables,
    import_corrections,
    read_corrections_file,
    write_corrections_file,
)
from itb_evidence.export.tables import export
from itb_evidence.pubmed.records import PubmedRecord
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record

INCLUDED = ScreenDecision("100", True, "ITB study in an HSP population", {})


def _machine_write(store: EvidenceStore, record: PubmedRecord | None = None) -> None:
    """What every refresh does: rewrite the machine rows of the PMID."""
    rec = record or make_record()
    store.upsert_records([rec], run_id=1)
    store.write_evidence(link_record(rec, make_extraction(), INCLUDED))


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    s = EvidenceStore(tmp_path / "e.duckdb")
    _machine_write(s)
    return s


def test_corrections_win_and_survive_a_rewrite_of_machine_rows(store: EvidenceStore) -> None:
    add_correction(
        store,
        Correction("100", "study", "set", "Methods says 8", "ana", field="sample_size", value="8"),
    )
    add_correction(
        store,
        Correction(
            "100",
            "outcome",
            "set",
            "typo in PDF",
            "ana",
            outcome="Gait speed",
            field="p_value",
            value="0.04",
        ),
    )
    add_correction(
        store,
        Correction(
            "100", "outcome", "reject", "not an outcome", "ben", outcome="Modified Ashworth Scale"
        ),
    )
    _machine_write(store)  # a re-extraction / refresh
    tables = curated_tables(store)
    study = tables["studies"].iloc[0]
    assert study["sample_size"] == 8
    assert study["curation"] == "set sample_size by ana: Methods says 8"
    outcomes = tables["outcomes"].set_index("outcome")
    assert outcomes.loc["Gait speed", "p_value"] == 0.04
    assert bool(outcomes.loc["Modified Ashworth Scale", "rejected"]) is True
    assert not tables["outcomes"]["needs_review"].any()
    assert store.table("studies")["sample_size"].tolist() == [7]  # machine row untouched
    store.close()


def test_include_exclude_with_reason_and_supersede(store: EvidenceStore) -> None:
    add_correction(
        store, Correction("100", "study", "exclude", "duplicate cohort of PMID 5", "ana")
    )
    add_correction(store, Correction("100", "study", "include", "not a duplicate after all", "ben"))
    assert len(active_corrections(store)) == 1
    study = curated_tables(store)["studies"].iloc[0]
    assert bool(study["included"]) is True
    assert study["inclusion_reason"] == "curator: not a duplicate after all"
    store.close()


def test_revised_record_flags_corrections_for_review(store: EvidenceStore) -> None:
    add_correction(
        store,
        Correction("100", "study", "set", "checked", "ana", field="design", value="case series"),
    )
    revised = make_record()
    object.__setattr__(revised, "abstract", revised.abstract + " Erratum: dose corrected.")
    object.__setattr__(revised, "date_revised", "2024-01-01")
    _machine_write(store, revised)
    study = curated_tables(store)["studies"].iloc[0]
    assert study["design"] == "case series"
    assert bool(study["needs_review"]) is True
    store.close()


def test_bad_corrections_are_refused_with_a_clear_message(store: EvidenceStore) -> None:
    with pytest.raises(CorrectionError, match=r"PMID 100: p_value = 3.0 fails check in \[0, 1\]"):
        add_correction(
            store,
            Correction(
                "100",
                "outcome",
                "set",
                "x",
                "ana",
                outcome="Gait speed",
                field="p_value",
                value="3",
            ),
        )
    with pytest.raises(CorrectionError, match="PMID 999 is not in the store"):
        add_correction(store, Correction("999", "study", "exclude", "x", "ana"))
    with pytest.raises(CorrectionError, match="cannot set field 'colour'"):
        add_correction(
            store, Correction("100", "study", "set", "x", "ana", field="colour", value=1)
        )
    with pytest.raises(CorrectionError, match="needs a reason and a curator"):
        add_correction(store, Correction("100", "study", "exclude", " ", "ana"))
    store.close()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_corrections_file_round_trip(store: EvidenceStore, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"corrections{suffix}"
    n = write_corrections_file(store, path)
    df = (
        pd.read_csv(path, dtype=str, keep_default_na=False)
        if suffix == ".csv"
        else pd.read_excel(path, dtype=str).fillna("")
    )
    assert len(df) == n
    row = df.index[(df["outcome"] == "Gait speed") & (df["field"] == "p_value")][0]
    df.loc[row, ["action", "new_value", "reason"]] = ["set", "0.05", "abstract v2"]
    df.loc[0, ["action", "reason", "curator"]] = ["exclude", "no ITB arm", "cy"]
    if suffix == ".csv":
        df.to_csv(path, index=False)
    else:
        df.to_excel(path, index=False, sheet_name="corrections")
    corrections = read_corrections_file(path, default_curator="dana")
    assert [(c.action, c.curator) for c in corrections] == [("exclude", "cy"), ("set", "dana")]
    assert import_corrections(store, corrections) == 2
    tables = curated_tables(store)
    assert tables["outcomes"].set_index("outcome").loc["Gait speed", "p_value"] == 0.05
    assert bool(tables["studies"].iloc[0]["included"]) is False
    store.close()


def test_corrections_file_bad_line_named(store: EvidenceStore, tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    write_corrections_file(store, path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[2, ["action", "reason", "curator"]] = ["explode", "x", "ana"]
    df.to_csv(path, index=False)
    with pytest.raises(CorrectionError, match=r"line 4: PMID 100: action 'explode'"):
        read_corrections_file(path)
    store.close()


def test_export_carries_corrections(store: EvidenceStore, tmp_path: Path) -> None:
    add_correction(
        store,
        Correction("100", "study", "set", "Methods says 8", "ana", field="sample_size", value=8),
    )
    files = export(store, fmt="csv", out=tmp_path / "e.csv")
    studies = pd.read_csv(files[0].path)
    assert studies["sample_size"].tolist() == [8]
    assert studies["curation"].tolist() == ["set sample_size by ana: Methods says 8"]
    store.close()


def test_correction_on_a_vanished_outcome_row_stays_visible_and_flagged(
    store: EvidenceStore,
) -> None:
    from dataclasses import replace

    add_correction(
        store, Correction("100", "outcome", "accept", "checked", "ana", outcome="Gait speed")
    )
    machine = make_extraction()
    without_gait = replace(
        machine,
        p_values=tuple(p for p in machine.p_values if p.outcome != "Gait speed"),
        outcome_measures=tuple(o for o in machine.outcome_measures if o.name != "Gait speed"),
    )
    store.write_evidence(link_record(make_record(), without_gait, INCLUDED))
    outcomes = curated_tables(store)["outcomes"].set_index("outcome")
    gait = outcomes.loc["Gait speed"]
    assert gait["row_kind"] == "missing after revision"
    assert bool(gait["needs_review"]) is True
    assert gait["curation"] == "accept by ana: checked"
    store.close()


# --- validation against the schema and the store (issue 12, finding 5) -------------------------
def _stored(store: EvidenceStore) -> int:
    return len(store.table("corrections"))


def _set(
    field: str,
    value: object,
    *,
    target: str = "study",
    outcome: str | None = None,
    new_outcome: bool = False,
) -> Correction:
    return Correction(
        "100", target, "set", "x", "ana", outcome, field, value, new_outcome=new_outcome
    )


@pytest.mark.parametrize(
    ("correction", "message"),
    [
        (_set("design", "banana"), "PMID 100: design 'banana' is not one of: rct, prospective"),
        (_set("itb_dose_unit", "furlongs"), "itb_dose_unit 'furlongs' is not one of: ug, mg"),
        (_set("itb_dose_value", "-5"), "itb_dose_value = -5.0 cannot be negative"),
        (_set("itb_dose_range_lo", -1.0), "itb_dose_range_lo = -1.0 cannot be negative"),
        (_set("sample_size", "7.5"), "sample_size needs a whole number, got '7.5'"),
        (_set("sample_size", 7.5), "sample_size needs a whole number, got 7.5"),
        (_set("sample_size", "0"), r"sample_size = 0 fails check > 0"),
        (_set("sample_size", "seven"), "sample_size needs a whole number, got 'seven'"),
        (_set("year", "1066"), "year = 1066 must be a publication year"),
        (_set("itb_dose_sd", "inf"), "itb_dose_sd needs a finite number, got 'inf'"),
        (_set("itb_dose_sd", "nan"), "itb_dose_sd needs a finite number, got 'nan'"),
        (_set("included", "maybe"), "included needs true or false, got 'maybe'"),
        (_set("title", ""), "title cannot be empty"),
        (
            _set("p_comparator", "~", target="outcome", outcome="Gait speed"),
            "p_comparator '~' is not one of: =, <, <=, >, >=",
        ),
        (
            _set("post_spread_type", "stdev", target="outcome", outcome="Gait speed"),
            "post_spread_type 'stdev' is not one of: iqr, sd, range, ci95, se",
        ),
        (
            _set("row_kind", "whatever", target="outcome", outcome="Gait speed"),
            "row_kind 'whatever' is not one of: result, p_value, measured",
        ),
        (
            _set("p_value", "0.2", target="outcome", outcome="Nonexistent Scale"),
            "PMID 100 has no outcome 'Nonexistent Scale' (its outcomes: 'Gait speed', "
            "'Modified Ashworth Scale'. To add an outcome row, use `curate set ... --new-outcome`)",
        ),
        (
            _set("p_value", "0.2", target="outcome", outcome="Gait sped"),
            "did you mean 'Gait speed'?",
        ),
        (
            _set("p_value", "0.2", target="outcome", outcome="Gait speed", new_outcome=True),
            "PMID 100 already has outcome 'Gait speed': drop --new-outcome",
        ),
        (
            Correction("100", "outcome", "reject", "x", "ana", outcome="Nonexistent Scale"),
            "PMID 100 has no outcome 'Nonexistent Scale'",
        ),
        (
            Correction("100", "study", "accept", "x", "ana", new_outcome=True),
            "--new-outcome adds an outcome row",
        ),
    ],
)
def test_a_curator_typo_is_refused_and_stores_nothing(
    store: EvidenceStore, correction: Correction, message: str
) -> None:
    with pytest.raises(CorrectionError) as refused:
        add_correction(store, correction)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)
    assert _stored(store) == 0
    tables = curated_tables(store)
    assert sorted(tables["outcomes"]["outcome"]) == ["Gait speed", "Modified Ashworth Scale"]
    assert tables["studies"].iloc[0]["design"] == "retrospective cohort"
    store.close()


def test_a_new_outcome_needs_the_flag_and_is_then_known(store: EvidenceStore) -> None:
    add_correction(
        store,
        _set("p_value", "0.03", target="outcome", outcome="Berg Balance Scale", new_outcome=True),
    )
    # the curator-added outcome is now one the study has: more fields need no flag
    add_correction(store, _set("post_value", "45", target="outcome", outcome="Berg Balance Scale"))
    berg = curated_tables(store)["outcomes"].set_index("outcome").loc["Berg Balance Scale"]
    assert (berg["row_kind"], berg["p_value"], berg["post_value"]) == ("curated", 0.03, 45.0)
    store.close()


def test_values_are_stored_typed_and_canonical(store: EvidenceStore) -> None:
    store.con.execute("UPDATE studies SET itb_dose_unit = 'ug/kg/day'")  # a unit the rules write
    add_correction(store, _set("design", "  RCT "))
    add_correction(store, _set("itb_dose_unit", "UG/KG/DAY"))
    add_correction(store, _set("sample_size", "12.0"))
    add_correction(store, _set("p_comparator", "<=", target="outcome", outcome="gait speed"))
    active = active_corrections(store).set_index("field")
    assert active.loc["design", "value_json"] == '"rct"'
    assert active.loc["itb_dose_unit", "value_json"] == '"ug/kg/day"'
    assert active.loc["sample_size", "value_json"] == "12"
    assert active.loc["p_comparator", "outcome"] == "Gait speed"  # spelled as the study has it
    store.close()


def test_import_file_is_all_or_nothing_and_names_every_bad_row(
    store: EvidenceStore, tmp_path: Path
) -> None:
    path = tmp_path / "c.csv"
    write_corrections_file(store, path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fields = df["field"].tolist()
    good = fields.index("sample_size")
    df.loc[good, ["action", "new_value", "reason", "curator"]] = ["set", "8", "Methods", "ana"]
    bad_design = fields.index("design")
    df.loc[bad_design, ["action", "new_value", "reason", "curator"]] = ["set", "banana", "x", "ana"]
    bad_n = fields.index("itb_dose_value")
    df.loc[bad_n, ["action", "new_value", "reason", "curator"]] = ["set", "-3", "x", "ana"]
    df.to_csv(path, index=False)
    with pytest.raises(CorrectionFileError) as refused:
        read_corrections_file(path, store=store)
    assert refused.value.problems == [
        f"{path} line {bad_design + 2}: PMID 100: design 'banana' is not one of: rct, "
        "prospective cohort, retrospective cohort, case series, case report, review, "
        "systematic review/meta-analysis, other",
        f"{path} line {bad_n + 2}: PMID 100: itb_dose_value = -3.0 cannot be negative",
    ]
    assert str(refused.value).endswith("(and 1 more bad row(s)); nothing imported")
    assert _stored(store) == 0
    store.close()


def test_import_rolls_back_when_the_store_refuses_a_row(store: EvidenceStore) -> None:
    good = _set("sample_size", "8")
    unknown = Correction("999", "study", "exclude", "x", "ana")
    with pytest.raises(CorrectionError, match="PMID 999 is not in the store"):
        import_corrections(store, [good, unknown])
    assert _stored(store) == 0
    assert import_corrections(store, [good]) == 1
    store.close()


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_the_corrections_file_never_carries_a_live_formula_and_reads_back(
    store: EvidenceStore, tmp_path: Path, suffix: str
) -> None:
    """An outcome name taken from a hostile abstract ('=HYPERLINK(...)') is written so a
    spreadsheet shows it as text, and a correction made on its row still finds the outcome."""
    hostile = '=HYPERLINK("http://127.0.0.1/x","click")'
    store.con.execute("UPDATE outcomes SET outcome = ? WHERE outcome = 'Gait speed'", [hostile])
    path = tmp_path / f"corrections{suffix}"
    write_corrections_file(store, path)
    if suffix == ".csv":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert "'" + hostile in set(raw["outcome"])  # neutralised in the file itself
    else:
        book = openpyxl.load_workbook(path)
        cells = [c for row in book["corrections"].iter_rows() for c in row if c.value == hostile]
        assert cells and all(c.data_type == "s" for c in cells)  # a string, never a formula
        raw = pd.read_excel(path, dtype=str).fillna("")
    row = raw.index[raw["outcome"].str.endswith(hostile) & (raw["field"] == "p_value")][0]
    raw.loc[row, ["action", "new_value", "reason", "curator"]] = ["set", "0.05", "v2", "ana"]
    if suffix == ".csv":
        raw.to_csv(path, index=False)
    else:  # saved back as a spreadsheet program keeps text: a string cell
        options = {"strings_to_formulas": False}
        raw.to_excel(
            path,
            index=False,
            sheet_name="corrections",
            engine="xlsxwriter",
            engine_kwargs={"options": options},
        )
    (correction,) = read_corrections_file(path)
    assert correction.outcome == hostile
    assert import_corrections(store, [correction]) == 1
    store.close()
