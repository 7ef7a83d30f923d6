"""The parse stage's output, pinned byte for byte on real and constructed records.

The parser is tuned for speed (``benchmarks/parse_pubmed.py``); these pins make sure no speed-up
changes a single character of what it produces. Every record's full ``repr`` (every field, nested
dataclasses included) and every failure's message are hashed per document: the shared PubMed and
E-utilities files (read in place from ``../shared``), the bundled snapshot, and
``data/edge_cases.xml`` (constructed: books, MathML, sub/superscripts after line breaks, comments
inside text, entity references, every date form, failures), whose expected output is also kept
readable in ``data/edge_cases.expected.txt``.

When a test here fails, ``scripts/parse_dump.py`` before and after the change shows what moved.
Regenerate the pins (``python -m tests.pubmed.test_parse_pinned``) only for an intended change of
output, and say so in the commit.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from pathlib import Path

import pytest

from itb_evidence.pubmed.parse import ParseFailure, PubmedParseError, Source, iter_parse
from tests.conftest import DATA_DIR, SHARED_DIR, shared_path

HERE = Path(__file__).parent / "data"
PINS_FILE = HERE / "parse_pins.json"
EDGE_CASES = HERE / "edge_cases.xml"
EDGE_CASES_EXPECTED = HERE / "edge_cases.expected.txt"
SNAPSHOT = DATA_DIR / "snapshot" / "pubmed_snapshot.xml"
SHARED_FOLDERS = ("pubmed_xml", "eutils_xml")


def parsed_lines(source: Source) -> list[str]:
    """One line per record (its repr) or failure (PMID, message, raw size), then any error."""
    lines: list[str] = []
    try:
        for item in iter_parse(source):
            if isinstance(item, ParseFailure):
                lines.append(f"FAILURE {item.pmid!r} {item.message!r} {len(item.raw)}")
            else:
                lines.append(repr(item))
    except PubmedParseError as exc:
        lines.append(f"ERROR {type(exc).__name__}")
    return lines


def digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _pins() -> dict[str, str]:
    pins: dict[str, str] = json.loads(PINS_FILE.read_text(encoding="utf-8"))
    return pins


SHARED_PINS = {name: pin for name, pin in _pins().items() if name.startswith(SHARED_FOLDERS)}


@pytest.mark.shared
@pytest.mark.parametrize(("name", "pin"), sorted(SHARED_PINS.items()))
def test_shared_document_parses_as_pinned(name: str, pin: str) -> None:
    path = shared_path(*name.split("/"))
    lines = parsed_lines(path)
    assert digest(lines) == pin, f"{name}: parse output changed (scripts/parse_dump.py shows how)"
    # the other reading (a caller's stream: records found by end tags) gives the same
    assert parsed_lines(io.BytesIO(path.read_bytes())) == lines


@pytest.mark.shared
def test_every_shared_document_is_pinned() -> None:
    on_disk = {
        f"{folder}/{path.name}"
        for folder in SHARED_FOLDERS
        for path in shared_path(folder).glob("*.xml")
    }
    assert on_disk == set(SHARED_PINS)


def test_snapshot_parses_as_pinned() -> None:
    lines = parsed_lines(SNAPSHOT)
    assert len(lines) == 31
    assert digest(lines) == _pins()["snapshot"]


def test_edge_cases_parse_as_expected() -> None:
    lines = parsed_lines(EDGE_CASES)
    expected = EDGE_CASES_EXPECTED.read_text(encoding="utf-8").splitlines()
    assert lines == expected
    assert digest(lines) == _pins()["edge_cases"]
    assert parsed_lines(EDGE_CASES.read_bytes()) == lines


def _regenerate() -> None:
    pins = {"snapshot": digest(parsed_lines(SNAPSHOT))}
    edge_lines = parsed_lines(EDGE_CASES)
    EDGE_CASES_EXPECTED.write_text("\n".join(edge_lines) + "\n", encoding="utf-8")
    pins["edge_cases"] = digest(edge_lines)
    for folder in SHARED_FOLDERS:
        for path in sorted((SHARED_DIR / folder).glob("*.xml")):
            pins[f"{folder}/{path.name}"] = digest(parsed_lines(path))
    PINS_FILE.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(pins)} pins -> {PINS_FILE}")


if __name__ == "__main__":
    if not SHARED_DIR.exists():
        sys.exit(f"{SHARED_DIR} is absent: the shared pins cannot be computed")
    _regenerate()
