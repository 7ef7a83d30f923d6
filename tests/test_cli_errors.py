"""Every user error is one line on stderr naming the input, and a non-zero exit; never a traceback.

A table of cases runs through typer's ``CliRunner`` (and a few through a real subprocess, the
installed ``itb-evidence`` script); hypothesis then drives the CLI with random bytes as input files
and random argument lists and finds no traceback and no error the CLI did not anticipate. The
E-utilities base URL points at a closed loopback port, so nothing can reach the network.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from itb_evidence.cli import app
from itb_evidence.cli.errors import OneLineErrors
from itb_evidence.curate import write_corrections_file
from itb_evidence.rows import link_record
from itb_evidence.screen import ScreenDecision
from itb_evidence.store.store import EvidenceStore
from tests.support.factories import make_extraction, make_record

REPO = Path(__file__).resolve().parent.parent
SAFE_ENV: dict[str, str | None] = {
    "ITB_EUTILS_BASE_URL": "http://127.0.0.1:9/",  # closed port: nothing leaves the machine
    "NCBI_EMAIL": None,
    "ITB_EVIDENCE_DB": None,
    "ITB_CURATOR": None,
    "ITB_EVIDENCE_DEBUG": None,
    "COLUMNS": "400",  # so no message is ever wrapped by a narrow terminal
}
GOOD_LINE = b'{"id": "1", "title": "ITB in HSP", "abstract": "Tone fell (p = 0.02)."}'


def _make_store(path: Path) -> Path:
    with EvidenceStore(path) as store:
        record = make_record()
        store.upsert_records([record], run_id=1)
        store.write_evidence(
            link_record(record, make_extraction(), ScreenDecision("100", True, "ok", {}))
        )
    return path


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace: a real store, and every kind of bad input the cases name."""
    root = tmp_path_factory.mktemp("cli_errors")
    store = _make_store(root / "store.duckdb")
    (root / "dir").mkdir()
    (root / "afile").write_text("a regular file\n", encoding="utf-8")
    (root / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (root / "empty.jsonl").write_bytes(b"")
    (root / "bad_utf8.jsonl").write_bytes(GOOD_LINE + b"\n" + b'{"id": "2\xff"}\n')
    (root / "not_json.jsonl").write_bytes(b"{not json\n")
    (root / "gold_utf8.jsonl").write_bytes(b'{"abstract": "x", "gold": {}}\n{"abstract": "\xff"}\n')
    (root / "gold_shape.jsonl").write_bytes(b'{"abstract": "x", "gold": 5}\n')
    (root / "gold_value.jsonl").write_bytes(
        json.dumps({"abstract": "p = 0.02", "gold": {"p_values": [{"value": 0.02}]}}).encode()
        + b"\n"
    )
    for folder in ("a", "b"):
        (root / folder).mkdir()
        (root / folder / "pubmed.xml").write_text("<PubmedArticleSet/>", encoding="utf-8")
    corrections = root / "corrections.csv"
    with EvidenceStore(store, read_only=True) as s:
        write_corrections_file(s, corrections)
    sheet = pd.read_csv(corrections, dtype=str, keep_default_na=False)
    sheet.loc[0, ["action", "reason", "curator"]] = ["exclude", "no ITB arm", "ana"]
    design = sheet.index[sheet["field"] == "design"][0]
    sheet.loc[design, ["action", "new_value", "reason", "curator"]] = ["set", "banana", "x", "ana"]
    sheet.to_csv(root / "one_bad_row.csv", index=False)
    (root / "latin1.csv").write_bytes("pmid,r\u00e9sum\u00e9\n1,2\n".encode("latin-1"))
    (root / "no_columns.csv").write_text("pmid,action\n100,set\n", encoding="utf-8")
    (root / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    return root


def _invoke(args: Sequence[str], **kwargs: object) -> Result:
    return CliRunner(env=SAFE_ENV).invoke(app, list(args), **kwargs)  # type: ignore[arg-type]


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Case:
    id: str
    args: Callable[[Path], list[str]]
    names: str  # the input the line must name
    problem: str  # and the problem it must state


def _s(p: Path) -> str:
    return str(p)


def _curate_set(*extra: str) -> Callable[[Path], list[str]]:
    return lambda w: [
        "curate",
        "set",
        *extra,
        "--reason",
        "checked",
        "--by",
        "ana",
        "--db",
        _s(w / "store.duckdb"),
    ]


CASES = [
    # --- dates, schedules
    Case(
        "since-after-until",
        lambda w: ["refresh", "--since", "2024-05-01", "--until", "2024-01-01"],
        "--since 2024-05-01",
        "after --until 2024-01-01",
    ),
    Case("since-not-a-date", lambda w: ["refresh", "--since", "2024-13-45"], "--since", "YYYY"),
    Case("bad-cron", lambda w: ["schedule", "--cron", "61 * * *"], "--cron", "Invalid cron"),
    Case(
        "bad-timezone",
        lambda w: ["schedule", "--timezone", "Mars/Olympus"],
        "--timezone",
        "Invalid timezone",
    ),
    # --- the store
    Case(
        "db-is-a-directory",
        lambda w: ["export", "--format", "csv", "--out", _s(w / "o.csv"), "--db", _s(w / "dir")],
        "--db",
        "is a directory",
    ),
    Case(
        "export-db-missing",
        lambda w: ["export", "--format", "csv", "--out", _s(w / "o.csv"), "--db", _s(w / "no")],
        "--db",
        "no store at",
    ),
    Case("report-db-missing", lambda w: ["report", "--db", _s(w / "no")], "--db", "no store at"),
    Case(
        "curate-list-db-missing",
        lambda w: ["curate", "list", "--db", _s(w / "no.duckdb")],
        "--db",
        "no store at",
    ),
    Case(
        "curate-list-db-is-a-directory",
        lambda w: ["curate", "list", "--db", _s(w / "dir")],
        "--db",
        "is a directory",
    ),
    Case(
        "db-not-duckdb",
        lambda w: ["sql", "SELECT 1", "--db", _s(w / "table.csv")],
        "--db",
        "not a DuckDB database file",
    ),
    Case("demo-db-is-a-directory", lambda w: ["demo", "--db", _s(w / "dir")], "--db", "directory"),
    # --- outputs
    Case(
        "export-out-under-a-file",
        lambda w: [
            "export",
            "--format",
            "csv",
            "--out",
            _s(w / "afile" / "o.csv"),
            "--db",
            _s(w / "store.duckdb"),
        ],
        "afile",
        "not a directory",
    ),
    Case(
        "export-out-is-a-directory",
        lambda w: [
            "export",
            "--format",
            "csv",
            "--out",
            _s(w / "dir"),
            "--db",
            _s(w / "store.duckdb"),
        ],
        "dir",
        "Is a directory",
    ),
    Case(
        "report-out-under-a-file",
        lambda w: ["report", "--out", _s(w / "afile" / "r.html"), "--db", _s(w / "store.duckdb")],
        "--out",
        "not a directory",
    ),
    Case(
        "demo-out-dir-is-a-file",
        lambda w: ["demo", "--db", _s(w / "new.duckdb"), "--out-dir", _s(w / "afile")],
        "--out-dir",
        "not a directory",
    ),
    Case(
        "refresh-out-dir-under-a-file",
        lambda w: ["refresh", "--out-dir", _s(w / "afile" / "out")],
        "--out-dir",
        "not a directory",
    ),
    Case(
        "extract-output-under-a-file",
        lambda w: [
            "extract",
            _s(w / "bad_utf8.jsonl"),
            "-o",
            _s(w / "afile" / "x.jsonl"),
        ],
        "--output",
        "not a directory",
    ),
    Case(
        "corpus-out-dir-is-a-file",
        lambda w: ["extract-corpus", _s(w / "a" / "pubmed.xml"), "--out-dir", _s(w / "afile")],
        "--out-dir",
        "not a directory",
    ),
    # --- input files
    Case(
        "corpus-same-named-inputs",
        lambda w: [
            "extract-corpus",
            _s(w / "a" / "pubmed.xml"),
            _s(w / "b" / "pubmed.xml"),
            "--out-dir",
            _s(w / "corpus"),
        ],
        "pubmed.xml",
        "would both write partition source=pubmed",
    ),
    Case(
        "corpus-input-missing",
        lambda w: ["extract-corpus", _s(w / "nope.xml.gz")],
        "nope.xml.gz",
        "does not exist",
    ),
    Case("extract-input-missing", lambda w: ["extract", _s(w / "nope.jsonl")], "nope", "exist"),
    Case("evaluate-input-missing", lambda w: ["evaluate", _s(w / "nope.jsonl")], "nope", "exist"),
    Case(
        "evaluate-empty",
        lambda w: ["evaluate", _s(w / "empty.jsonl")],
        "empty.jsonl",
        "no gold records",
    ),
    Case(
        "evaluate-not-json",
        lambda w: ["evaluate", _s(w / "not_json.jsonl")],
        "not_json.jsonl line 1",
        "not JSON",
    ),
    Case(
        "evaluate-not-utf8",
        lambda w: ["evaluate", _s(w / "gold_utf8.jsonl")],
        "gold_utf8.jsonl line 2",
        "not UTF-8",
    ),
    Case(
        "evaluate-gold-not-an-object",
        lambda w: ["evaluate", _s(w / "gold_shape.jsonl")],
        "gold_shape.jsonl line 1",
        "'gold' must be an object",
    ),
    Case(
        "evaluate-gold-value-missing",
        lambda w: ["evaluate", _s(w / "gold_value.jsonl")],
        "gold_value.jsonl line 1",
        "missing or of the wrong type",
    ),
    Case(
        "export-unknown-format",
        lambda w: ["export", "--format", "docx", "--out", "x", "--db", _s(w / "store.duckdb")],
        "--format",
        "'docx' is not one of csv",
    ),
    # --- curation
    Case(
        "curate-unknown-outcome",
        _curate_set("100", "p_value", "0.2", "--outcome", "Nonexistent Scale"),
        "'Nonexistent Scale'",
        "has no outcome",
    ),
    Case("curate-design-enum", _curate_set("100", "design", "banana"), "design", "'banana'"),
    Case("curate-unit-enum", _curate_set("100", "itb_dose_unit", "furlongs"), "unit", "furlongs"),
    Case(
        "curate-negative-dose",
        _curate_set("100", "itb_dose_value", "-5"),
        "itb_dose_value",
        "cannot be negative",
    ),
    Case(
        "curate-fractional-integer",
        _curate_set("100", "sample_size", "7.5"),
        "sample_size",
        "'7.5'",
    ),
    Case(
        "curate-p-out-of-range",
        _curate_set("100", "p_value", "3", "--outcome", "Gait speed"),
        "p_value",
        "fails check in [0, 1]",
    ),
    Case("curate-nan", _curate_set("100", "itb_dose_sd", "nan"), "itb_dose_sd", "finite"),
    Case("curate-unknown-pmid", _curate_set("999", "design", "rct"), "PMID 999", "not in the"),
    Case("curate-unknown-field", _curate_set("100", "colour", "red"), "'colour'", "cannot set"),
    Case(
        "curate-new-outcome-exists",
        _curate_set("100", "p_value", "0.2", "--outcome", "Gait speed", "--new-outcome"),
        "'Gait speed'",
        "already has",
    ),
    Case(
        "curate-missing-option",
        lambda w: ["curate", "set", "100", "design", "rct", "--reason", "x"],
        "'--by'",
        "Missing option",
    ),
    Case(
        "import-file-one-bad-row",
        lambda w: [
            "curate",
            "import-file",
            _s(w / "one_bad_row.csv"),
            "--db",
            _s(w / "store.duckdb"),
        ],
        "one_bad_row.csv line",
        "design 'banana' is not one of",
    ),
    Case(
        "import-file-not-utf8",
        lambda w: ["curate", "import-file", _s(w / "latin1.csv"), "--db", _s(w / "store.duckdb")],
        "latin1.csv",
        "not UTF-8",
    ),
    Case(
        "import-file-missing-columns",
        lambda w: [
            "curate",
            "import-file",
            _s(w / "no_columns.csv"),
            "--db",
            _s(w / "store.duckdb"),
        ],
        "no_columns.csv",
        "missing columns",
    ),
    Case(
        "import-file-not-xlsx",
        lambda w: ["curate", "import-file", _s(w / "junk.xlsx"), "--db", _s(w / "store.duckdb")],
        "junk.xlsx",
        "not a readable XLSX",
    ),
    Case(
        "import-file-missing",
        lambda w: ["curate", "import-file", _s(w / "nope.csv"), "--db", _s(w / "store.duckdb")],
        "nope.csv",
        "does not exist",
    ),
    # --- sql
    Case(
        "sql-syntax",
        lambda w: ["sql", "SELEC pmid FROM studies", "--db", _s(w / "store.duckdb")],
        "query",
        'syntax error at or near "SELEC"',
    ),
    Case(
        "sql-write",
        lambda w: ["sql", "DELETE FROM studies", "--db", _s(w / "store.duckdb")],
        "query",
        "DELETE is not a query",
    ),
    Case(
        "sql-other-files",
        lambda w: [
            "sql",
            f"SELECT * FROM read_csv('{w / 'table.csv'}')",
            "--db",
            _s(w / "store.duckdb"),
        ],
        "query",
        "disabled by configuration",
    ),
    Case(
        "sql-copy-out",
        lambda w: ["sql", f"COPY studies TO '{w / 'leak.csv'}'", "--db", _s(w / "store.duckdb")],
        "query",
        "COPY is not a query",
    ),
    Case(
        "sql-unknown-format",
        lambda w: ["sql", "SELECT 1", "--format", "xml", "--db", _s(w / "store.duckdb")],
        "--format",
        "'xml'",
    ),
    # --- the command line itself
    Case("unknown-command", lambda w: ["frobnicate"], "'frobnicate'", "No such command"),
    Case("unknown-option", lambda w: ["export", "--colour"], "--colour", "No such option"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_user_error_is_one_line_naming_the_input(ws: Path, case: Case) -> None:
    result = _invoke(case.args(ws))
    lines = _error_lines(result.stderr)
    assert result.exit_code != 0, result.stdout
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    assert len(lines) == 1, lines
    assert "Traceback" not in result.output
    assert case.names in lines[0] and case.problem in lines[0], lines[0]
    assert lines[0].startswith("itb-evidence")


def test_nothing_was_written_by_the_refused_cases(ws: Path) -> None:
    """Refused corrections (one bad row of a file included) stored nothing; no stray outputs."""
    for case in CASES:
        _invoke(case.args(ws))
    with EvidenceStore(ws / "store.duckdb", read_only=True) as store:
        assert store.table("corrections").empty
    assert not (ws / "new.duckdb").exists() and not (ws / "leak.csv").exists()
    assert not (ws / "corpus").exists()


def test_the_checks_let_ordinary_use_through(ws: Path, tmp_path: Path) -> None:
    """Overwriting an export, a report or a sheet, into folders yet to be made, still works."""
    db = str(ws / "store.duckdb")
    for _ in range(2):
        for args in (
            ["export", "--format", "csv", "--out", str(tmp_path / "new" / "e.csv"), "--db", db],
            ["export", "--format", "parquet", "--out", str(tmp_path / "pq"), "--db", db],
            ["report", "--out", str(tmp_path / "r" / "report.html"), "--db", db],
            ["curate", "export-file", str(tmp_path / "c" / "corrections.csv"), "--db", db],
            ["sql", "SELECT count(*) AS n FROM studies", "--db", db],
            ["schedule", "--cron", "0 6 * * 1", "--timezone", "Europe/Paris", "--db", db],
        ):
            result = _invoke(args)
            assert result.exit_code == 0, (args, result.stderr)
            assert not _error_lines(result.stderr), result.stderr


def test_extract_keeps_every_good_line_around_a_non_utf8_one(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(GOOD_LINE + b"\n" + b'{"id": "2", "title": "\xff"}\n' + GOOD_LINE + b"\n")
    result = _invoke(["extract", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["1", None, "1"]
    assert "error" not in out[0] and "error" not in out[2] and out[0]["p_values"]
    assert out[1]["error"] == "line 2: not UTF-8 (byte 0xff at column 23)"
    assert _error_lines(result.stderr) == [
        "extract: line 2: not UTF-8 (byte 0xff at column 23) (id None)",
        "extracted 2 record(s); 1 line(s) failed",
    ]


def test_extract_numbers_a_bad_line_as_in_the_input(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(GOOD_LINE + b"\n" + GOOD_LINE + b"\n" + b"[1]\n")
    result = _invoke(["extract", str(path)])
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[2] == {"id": None, "error": "line 3: expected a JSON object, got list"}
    assert _error_lines(result.stderr)[0].startswith("extract: line 3: expected a JSON object")


def test_extract_reads_non_utf8_stdin_without_losing_lines() -> None:
    result = _invoke(["extract"], input=b"\xfe\n" + GOOD_LINE + b"\n")
    assert [json.loads(line).get("id") for line in result.stdout.splitlines()] == [None, "1"]
    assert result.exit_code == 1 and "Traceback" not in result.output


# --- the error policy itself, on a throwaway app of the same group class ----------------------
probe = typer.Typer(cls=OneLineErrors)


@probe.command()
def boom() -> None:
    raise RuntimeError("kaput\nsecond line")


@probe.command()
def fine() -> None:
    typer.echo("ok")


def test_an_unexpected_error_is_one_line_too_and_debug_shows_the_traceback() -> None:
    quiet = CliRunner(env=SAFE_ENV).invoke(probe, ["boom"])
    assert quiet.exit_code == 1 and isinstance(quiet.exception, SystemExit)
    assert _error_lines(quiet.stderr) == [
        "itb-evidence boom: unexpected error: RuntimeError: kaput second line "
        "(rerun with --debug for the traceback)"
    ]
    loud = CliRunner(env={**SAFE_ENV, "ITB_EVIDENCE_DEBUG": "1"}).invoke(probe, ["boom"])
    assert isinstance(loud.exception, RuntimeError)
    assert CliRunner().invoke(probe, ["fine"]).exit_code == 0


def test_debug_option_shows_the_traceback_of_an_os_error(ws: Path) -> None:
    args = ["export", "--format", "csv", "--out", str(ws / "dir"), "--db", str(ws / "store.duckdb")]
    assert _invoke(args).exit_code == 1
    debug = _invoke(["--debug", *args])
    assert isinstance(debug.exception, IsADirectoryError)


# --- a real process: what a user sees -----------------------------------------------------------
def _cli() -> list[str]:
    script = Path(sys.executable).parent / "itb-evidence"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from itb_evidence.cli import app; app()"]


def _run(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in SAFE_ENV}
    env.update({k: v for k, v in SAFE_ENV.items() if v is not None})
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [*_cli(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


SUBPROCESS_CASES = [
    "export-db-missing",
    "bad-cron",
    "curate-fractional-integer",
    "evaluate-not-utf8",
    "corpus-same-named-inputs",
]


@pytest.mark.parametrize("case_id", SUBPROCESS_CASES)
def test_a_real_process_prints_one_line_and_no_traceback(ws: Path, case_id: str) -> None:
    case = next(c for c in CASES if c.id == case_id)
    done = _run(case.args(ws), ws)
    lines = _error_lines(done.stderr)
    assert done.returncode != 0
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert case.names in lines[0] and case.problem in lines[0]


def test_serve_refuses_a_bad_cron_before_serving(ws: Path) -> None:
    done = _run(["serve", "--cron", "every monday", "--db", str(ws / "store.duckdb")], ws)
    lines = _error_lines(done.stderr)
    assert done.returncode == 2 and len(lines) == 1 and "--cron" in lines[0], done.stderr


# --- hypothesis: random bytes and random argument lists, no traceback ---------------------------
FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
FORBIDDEN = {"demo", "refresh", "serve", "extract-corpus"}  # Prefect flows, network, servers


def _assert_no_traceback(result: Result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output
    assert "unexpected error" not in result.stderr, result.stderr
    if result.exit_code != 0:  # a failure says why (a bare group shows its help instead)
        assert _error_lines(result.stderr) or "Usage" in result.stdout, "a failure must say why"


@contextlib.contextmanager
def _fresh(ws: Path) -> Iterator[Path]:
    """A new working folder (the cwd) with a copy of the store, a folder and a file."""
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        here = Path(tmp)
        shutil.copy(ws / "store.duckdb", here / "store.duckdb")
        (here / "dir").mkdir()
        (here / "afile").write_text("x", encoding="utf-8")
        yield here


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
GOLD_KEYS = st.sampled_from(
    ["p_values", "doses", "results", "outcome_measures", "sample_size", "design"]
)
GOLDISH = st.fixed_dictionaries(
    {
        "abstract": st.one_of(st.none(), st.text(max_size=60), JSONISH),
        "gold": st.one_of(st.dictionaries(GOLD_KEYS, JSONISH, max_size=4), JSONISH),
    }
).map(lambda d: json.dumps(d).encode())
FILE_BYTES = st.one_of(
    st.binary(max_size=400),
    st.lists(st.one_of(GOLDISH, JSONISH.map(lambda v: json.dumps(v).encode())), max_size=4).map(
        b"\n".join
    ),
)


@FUZZ
@given(data=FILE_BYTES, command=st.sampled_from(["extract", "evaluate"]))
def test_random_bytes_as_an_input_file(ws: Path, data: bytes, command: str) -> None:
    with _fresh(ws) as here:
        (here / "input.jsonl").write_bytes(data)
        result = _invoke([command, "input.jsonl"])
    _assert_no_traceback(result)
    if command == "extract":  # nothing lost: one output line per input line
        lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        assert result.stdout.count("\n") == lines


@FUZZ
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".xlsx", ".duckdb"]))
def test_random_bytes_as_a_store_or_a_corrections_file(ws: Path, data: bytes, suffix: str) -> None:
    with _fresh(ws) as here:
        target = here / f"random{suffix}"
        target.write_bytes(data)
        if suffix == ".duckdb":
            runs = [
                ["export", "--format", "csv", "--out", "o.csv", "--db", target.name],
                ["sql", "SELECT count(*) FROM studies", "--db", target.name],
                ["curate", "list", "--db", target.name],
            ]
        else:
            runs = [["curate", "import-file", target.name, "--by", "ana", "--db", "store.duckdb"]]
        for args in runs:
            _assert_no_traceback(_invoke(args))
        with EvidenceStore(here / "store.duckdb", read_only=True) as store:
            assert store.table("corrections").empty


WORDS = [
    "extract",
    "evaluate",
    "export",
    "report",
    "schedule",
    "sql",
    "curate",
    "set",
    "accept",
    "reject",
    "include",
    "exclude",
    "list",
    "export-file",
    "import-file",
    "--db",
    "--out",
    "--out-dir",
    "--format",
    "--cron",
    "--timezone",
    "--count",
    "--since",
    "--until",
    "--reason",
    "--by",
    "--outcome",
    "--new-outcome",
    "--verbose",
    "--aggregate-only",
    "-o",
    "--help",
    "--debug",
    "store.duckdb",
    "missing.duckdb",
    "dir",
    "afile",
    "afile/x",
    "csv",
    "xlsx",
    "json",
    "parquet",
    "table",
    "100",
    "999",
    "design",
    "sample_size",
    "p_value",
    "-5",
    "7.5",
    "nan",
    "Gait speed",
    "0 6 * * 1",
    "bogus",
    "Mars/Base",
    "2024-01-01",
    "SELECT * FROM outcomes",
    "",
]
TOKEN = st.one_of(st.sampled_from(WORDS), st.text(max_size=12)).filter(lambda t: t not in FORBIDDEN)
FIRST = st.sampled_from(["extract", "evaluate", "export", "sql", "schedule", "curate", "report"])


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(args=st.tuples(FIRST, st.lists(TOKEN, max_size=7)).map(lambda t: [t[0], *t[1]]))
def test_random_argument_lists(ws: Path, args: list[str]) -> None:
    with _fresh(ws):
        result = _invoke(args, input=b"")
    _assert_no_traceback(result)
