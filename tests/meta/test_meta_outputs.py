"""What a reviewer gets from the meta-analysis: the ``meta`` command, the report's forest plots,
and the files the demo writes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from itb_evidence.cli import app
from itb_evidence.curate import Correction, add_correction
from itb_evidence.export.meta_estimates import write_meta
from itb_evidence.report.render import render_report
from tests.meta.fixtures import MAS, SEED_PMID, mas_store, snapshot_store
from tests.support.report_fixtures import nodes, parse_html


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "m.duckdb"
    mas_store(path).close()
    return path


def test_meta_command_prints_pooled_estimates_and_sensitivity(db: Path) -> None:
    result = CliRunner().invoke(app, ["meta", "--db", str(db)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Modified Ashworth Scale (SMCR; positive = improvement")
    assert lines[1].startswith("  main (ri = 0.5): k = 3, ") and "(REML, z, p = " in lines[1]
    assert any(line.startswith("    ri = 0.3: k = 3") for line in lines)
    assert any("study Doe J 2020 (PMID 502)" in line and "(paired t)" in line for line in lines)


def test_meta_command_formats_and_options(db: Path) -> None:
    runner = CliRunner()
    csv = runner.invoke(app, ["meta", "--db", str(db), "--format", "csv", "--method", "DL"])
    assert csv.exit_code == 0, csv.output
    df = pd.read_csv(io.StringIO(csv.output))
    main = df.iloc[0]
    assert (main["analysis"], main["method"], main["k"]) == ("main (ri = 0.5)", "DL", 3)
    out = runner.invoke(
        app,
        [
            "meta",
            "--db",
            str(db),
            "--format",
            "json",
            "--ri",
            "0.7",
            "--hartung-knapp",
            "--outcome",
            "modified ashworth scale",
            "--measure",
            "MC",
        ],
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["pooled"][0]["analysis"] == "main (ri = 0.7)"
    assert doc["pooled"][0]["test"] == "t (Hartung-Knapp)"
    assert {s["pmid"] for s in doc["studies"]} == {"501", "502", "503"}
    assert all(s["measure"] == "MC" for s in doc["studies"])


def test_meta_command_refuses_bad_input_in_one_line(db: Path) -> None:
    runner = CliRunner()
    unknown = runner.invoke(app, ["meta", "--db", str(db), "--outcome", "Barthel Index"])
    assert unknown.exit_code != 0
    assert "no pre→post result of an included study has this outcome" in unknown.output
    assert "Modified Ashworth Scale" in unknown.output
    bad_ri = runner.invoke(app, ["meta", "--db", str(db), "--ri", "1.5"])
    assert bad_ri.exit_code != 0 and "not a correlation" in bad_ri.output


def test_report_draws_a_forest_plot_linked_to_the_studies(db: Path) -> None:
    from itb_evidence.store.store import EvidenceStore

    with EvidenceStore(db) as store:
        add_correction(store, Correction("503", "outcome", "reject", "x", "ben", outcome=MAS))
        doc = parse_html(render_report(store))
    (section,) = nodes(doc, '//section[@id="meta-analysis"]')
    (forest,) = nodes(section, './/div[@class="forest"]')
    assert forest.get("data-outcome") == MAS
    rows = nodes(forest, './/*[local-name()="g"][contains(@class, "forest-row")]')
    assert len(rows) == 2  # the rejected study is not a row
    links = [a.get("href") for a in nodes(forest, './/*[local-name()="a"]')]
    assert sorted(links) == ["#study-501", "#study-502"]
    tips = [nodes(r, './*[local-name()="title"]')[0].text or "" for r in rows]
    assert all("from 3 (IQR 3-3.25) to 1" in t for t in tips)  # the source span as written
    assert nodes(forest, './/*[local-name()="polygon"][@class="diamond"]')
    assert nodes(forest, './/*[local-name()="line"][@class="pi"]')
    text = forest.text_content()
    assert "Not pooled: Doe J 2020 (PMID 503): rejected by a curator" in text


def test_snapshot_report_and_files_say_why_nothing_is_pooled(tmp_path: Path) -> None:
    with snapshot_store(tmp_path / "s.duckdb") as store:
        doc = parse_html(render_report(store))
        files = write_meta(store, tmp_path / "out")
    forests = nodes(doc, '//section[@id="meta-analysis"]//div[@class="forest"]')
    assert [f.get("data-outcome") for f in forests] == [
        "Modified Ashworth Scale",
        "Modified Rankin Scale",
        "Reflex Scale",
        "Rivermead Mobility Index",
    ]
    for f in forests:
        assert not nodes(f, './/*[local-name()="svg"]')
        assert "0 studies with usable numbers: not pooled (needs 2)" in f.text_content()
        assert f"Pucks-Faes E 2019 (PMID {SEED_PMID}):" in f.text_content()
        assert "skewed (Shi 2023 C3" in f.text_content()
    assert [p.name for p in files] == ["meta_pooled.csv", "meta_studies.csv", "meta_summary.txt"]
    pooled = pd.read_csv(files[0])
    assert set(pooled["k"]) == {0} and pooled["estimate"].isna().all()
    studies = pd.read_csv(files[1], dtype={"pmid": str})
    assert set(studies["pmid"]) == {SEED_PMID} and not studies["pooled"].any()
