"""Corpus-scale extraction: baseline-style files -> partitioned Parquet, single process and Dask.

The files are generated (``tests/corpus_files.py``) from the shared records read in place plus the
project's snapshot, so the seed study 31507512 is among them and must come out included.
"""

from __future__ import annotations

import gzip
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from itb_evidence import process as record_process
from itb_evidence.corpus import process as corpus
from itb_evidence.corpus.partitions import (
    EVIDENCE_TABLES,
    STAGING_DIR,
    TABLE_COLUMNS,
    arrow_schema,
    partition_dir,
    read_table,
)
from itb_evidence.corpus.process import FileResult, process_file
from itb_evidence.extract import extract_record
from itb_evidence.pubmed.parse import iter_parse
from itb_evidence.pubmed.records import PubmedRecord
from tests.support.corpus_files import make_baseline_files

pytestmark = pytest.mark.shared

SEED_PMID = "31507512"
N_FILES, RECORDS_PER_FILE, BAD_RECORDS, CHUNK = 3, 60, 2, 25
ALL_TABLES = (*EVIDENCE_TABLES, "failures")


@dataclass(frozen=True)
class Run:
    files: list[Path]
    out: Path
    results: list[FileResult]


def sorted_table(out: Path, table: str) -> pd.DataFrame:
    """The table as DuckDB reads the dataset directly (hive partitions), in a canonical order."""
    glob = str(out / table / "**" / "*.parquet")
    relation = duckdb.sql(
        f"SELECT * FROM read_parquet('{glob}', hive_partitioning = true) ORDER BY ALL"
    )
    assert relation is not None
    frame: pd.DataFrame = relation.df()
    return frame.reset_index(drop=True)


def texts_by_pmid(files: list[Path]) -> dict[str, PubmedRecord]:
    return {r.pmid: r for f in files for r in iter_parse(f) if isinstance(r, PubmedRecord)}


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The reference: every file processed in this process, in chunks of 25 records."""
    tmp = tmp_path_factory.mktemp("corpus")
    files = make_baseline_files(
        tmp / "baseline", N_FILES, RECORDS_PER_FILE, seed=7, bad_records=BAD_RECORDS
    )
    out = tmp / "out"
    return Run(files, out, [process_file(f, out, chunk_size=CHUNK) for f in files])


def test_counts_match_the_files_and_the_dataset(single: Run) -> None:
    expected_records = N_FILES * RECORDS_PER_FILE + BAD_RECORDS
    assert sum(r.records for r in single.results) == expected_records
    assert [r.source for r in single.results] == ["pubmed26n0001", "pubmed26n0002", "pubmed26n0003"]
    studies = read_table(single.out, "studies").to_pandas()
    failures = read_table(single.out, "failures").to_pandas()
    for result in single.results:
        assert result.error is None
        assert result.parts == math.ceil(result.records / CHUNK)
        mine = studies[studies["source"] == result.source]
        assert result.rows["studies"] == len(mine) == result.records - result.failures
        assert result.included == int(mine["included"].sum())
        for table in ("outcomes", "mentions"):
            rows = read_table(single.out, table).to_pandas()
            assert result.rows[table] == int((rows["source"] == result.source).sum())
    # the two broken PMIDs of the first file are failures of the parse stage, nothing else is
    assert sorted(failures["pmid"]) == sorted(
        f"NOT-A-PMID-{p}" for p in _bad_positions(single.files[0])
    )
    assert set(failures["stage"]) == {"parse"}
    assert set(failures["source"]) == {"pubmed26n0001"}
    assert all(f.startswith("<PubmedArticle") for f in failures["raw_xml"])
    assert studies["pmid"].is_unique


def test_the_seed_study_is_included_with_its_values(single: Run) -> None:
    studies = read_table(single.out, "studies").to_pandas()
    seed = studies[studies["pmid"] == SEED_PMID]
    assert len(seed) == 1
    assert bool(seed["included"].iloc[0]) is True
    assert seed["sample_size"].iloc[0] == 7
    # every renumbered copy of the seed record gives the same study row, whatever chunk/file
    copies = studies[studies["title"] == seed["title"].iloc[0]]
    assert len(copies) > 1
    columns = ["included", "sample_size", "design", "itb_dose_summary", "inclusion_reason"]
    assert copies[columns].drop_duplicates().shape[0] == 1
    outcomes = read_table(single.out, "outcomes").to_pandas()
    seed_outcomes = outcomes[outcomes["pmid"] == SEED_PMID]
    copy_pmid = copies[copies["pmid"] != SEED_PMID]["pmid"].iloc[0]
    copy_outcomes = outcomes[outcomes["pmid"] == copy_pmid]
    assert len(seed_outcomes) > 0
    assert len(copy_outcomes) == len(seed_outcomes)


def test_only_included_studies_have_outcome_and_mention_rows(single: Run) -> None:
    studies = read_table(single.out, "studies").to_pandas()
    included = set(studies[studies["included"]]["pmid"])
    assert included
    for table in ("outcomes", "mentions"):
        assert set(read_table(single.out, table).to_pandas()["pmid"]) <= included


def test_spans_point_at_their_text(single: Run) -> None:
    records = texts_by_pmid(single.files)
    checked = 0
    for table in ("outcomes", "mentions"):
        frame = read_table(single.out, table).to_pandas()
        frame = frame[frame["span_start"].notna()]
        for row in frame.itertuples():
            record = records[row.pmid]
            text = record.title if row.source_field == "title" else record.abstract
            start, end = int(row.span_start), int(row.span_end)
            assert 0 <= start <= end <= len(text)
            assert text[start:end] == row.source_text, (table, row.pmid, start, end)
            checked += 1
    assert checked > 0


def test_every_part_has_the_table_schema(single: Run) -> None:
    for table in ALL_TABLES:
        parts = sorted((single.out / table).rglob("*.parquet"))
        assert {p.parent.name for p in parts} == {f"source={r.source}" for r in single.results}
        for part in parts:
            assert pq.read_schema(part).remove_metadata() == arrow_schema(table), part
        assert list(arrow_schema(table).names) == [c.name for c in TABLE_COLUMNS[table]]
    assert not (single.out / STAGING_DIR).exists()


def test_rerun_replaces_the_partition(single: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    source = single.files[1]
    first = process_file(source, out, chunk_size=CHUNK)
    before = {t: sorted_table(out, t) for t in ALL_TABLES}
    again = process_file(source, out, chunk_size=CHUNK)
    assert (again.records, again.rows, again.parts) == (first.records, first.rows, first.parts)
    for table in ALL_TABLES:
        pd.testing.assert_frame_equal(sorted_table(out, table), before[table])
    # same file name, fewer records: the old rows are gone, not mixed with the new
    smaller_dir = tmp_path / "smaller"
    smaller = make_baseline_files(smaller_dir, 2, 10, seed=11)[1]
    replaced_source = out.parent / "rerun" / source.name
    replaced_source.parent.mkdir()
    replaced_source.write_bytes(smaller.read_bytes())
    third = process_file(replaced_source, out, chunk_size=CHUNK)
    assert third.records == 10
    studies = sorted_table(out, "studies")
    assert len(studies) == 10
    assert set(studies["pmid"]) == set(texts_by_pmid([smaller]))
    assert len(list(partition_dir(out, "studies", third.source).iterdir())) == 1


def test_truncated_file_keeps_the_parts_before_the_break(single: Run, tmp_path: Path) -> None:
    whole = gzip.decompress(single.files[2].read_bytes())
    cut = whole[: int(len(whole) * 0.6)]  # a download that stopped mid-record
    broken = tmp_path / "pubmed26n0099.xml.gz"
    broken.write_bytes(gzip.compress(cut)[:-1000])  # and a gzip stream that ends early
    out = tmp_path / "out"
    result = process_file(broken, out, chunk_size=10)
    assert result.error is not None
    assert "truncated" in result.error and broken.name in result.error
    complete_before_cut = cut.count(b"</PubmedArticle>")
    assert 0 < result.records <= complete_before_cut
    assert result.rows["studies"] == result.records
    assert len(sorted_table(out, "studies")) == result.records
    failures = sorted_table(out, "failures")
    assert list(failures["stage"]) == ["file"]
    assert failures["pmid"].isna().all()
    assert result.parts == math.ceil(result.records / 10)


def test_a_record_that_fails_extraction_is_reported_and_the_file_goes_on(
    single: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_for_seed(record: PubmedRecord) -> object:
        if record.pmid == SEED_PMID:
            raise ValueError("injected failure")
        return extract_record(record)

    monkeypatch.setattr(record_process, "extract_record", broken_for_seed)
    seed_file = next(f for f in single.files if SEED_PMID in texts_by_pmid([f]))
    result = process_file(seed_file, tmp_path, chunk_size=CHUNK)
    reference = next(r for r in single.results if r.path == str(seed_file))
    failures = sorted_table(tmp_path, "failures")
    extract_failures = failures[failures["stage"] == "extract"]
    assert list(extract_failures["pmid"]) == [SEED_PMID]
    assert "injected failure" in extract_failures["message"].iloc[0]
    assert SEED_PMID in extract_failures["message"].iloc[0]
    assert result.records == reference.records
    assert result.rows["studies"] == reference.rows["studies"] - 1
    assert result.failures == reference.failures + 1


def test_two_files_with_one_stem_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="source=pubmed26n0001"):
        corpus.check_unique_sources(
            [tmp_path / "a" / "pubmed26n0001.xml.gz", tmp_path / "b" / "pubmed26n0001.xml"]
        )


# engine -> (workers, dask_local)
ENGINES: dict[str, tuple[int | None, int | None]] = {
    "dask-local-2": (None, 2),
    "process-pool-2": (2, None),
}


@pytest.fixture(scope="module", params=list(ENGINES))
def flow_run(
    request: pytest.FixtureRequest,
    prefect_harness: None,
    single: Run,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    from flows.corpus import extract_corpus_flow

    out = tmp_path_factory.mktemp(request.param) / "out"
    workers, dask_local = ENGINES[request.param]
    summary = extract_corpus_flow(single.files, out, workers=workers, dask_local=dask_local)
    assert [f.error for f in summary.files] == [None] * N_FILES
    assert summary.records == N_FILES * RECORDS_PER_FILE + BAD_RECORDS
    assert summary.included == sum(r.included for r in single.results)
    return out


@pytest.mark.flow
@pytest.mark.parametrize("table", ALL_TABLES)
def test_parallel_flow_equals_the_single_process_run(
    flow_run: Path, single: Run, table: str
) -> None:
    """The issue's test: 2 Dask worker processes (LocalCluster, processes=True), 3 files, the same
    rows as one process; and the same for the default engine, a local process pool."""
    expected = sorted_table(single.out, table)
    assert len(expected) > 0
    pd.testing.assert_frame_equal(sorted_table(flow_run, table), expected)


def _bad_positions(path: Path) -> set[int]:
    """Where the generator put its broken PMIDs (each appears as PMID and as ArticleId)."""
    text = gzip.decompress(path.read_bytes())
    found: set[int] = set()
    start = 0
    while (at := text.find(b"NOT-A-PMID-", start)) != -1:
        end = text.index(b"<", at)
        found.add(int(text[at + len("NOT-A-PMID-") : end]))
        start = end
    return found


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--dask-local", "2", "--dask-address", "tcp://127.0.0.1:8786"], "not both"),
        (["--workers", "2", "--dask-local", "2"], "size the cluster"),
        (["--workers", "0"], "greater than or equal to 1"),
    ],
)
def test_cli_refuses_conflicting_engines(single: Run, options: list[str], message: str) -> None:
    import typer
    from typer.testing import CliRunner

    from itb_evidence.cli.corpus import extract_corpus_command

    app = typer.Typer()
    app.command("extract-corpus")(extract_corpus_command)
    result = CliRunner().invoke(app, [str(single.files[0]), *options], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
