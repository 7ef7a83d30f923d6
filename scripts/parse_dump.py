"""Dump everything the parse stage makes of every XML file we hold, so two commits can be compared
with ``diff`` (used to prove a parser speed-up changes no output byte).

usage: python scripts/parse_dump.py OUT_FILE

Each document (``../shared/pubmed_xml``, ``../shared/eutils_xml``, the bundled snapshot in
``data/``) is parsed three ways: from its path (lxml reads the file: records found by start tags),
from a binary stream (records found by end tags), and re-indented (every element on its own
pretty-printed line, tabs and CRs mixed in) so the whitespace-collapsing and sub/superscript
paths of the text flattening see line breaks everywhere. Each record is written as its full
``repr`` (every field, nested dataclasses included) and each failure or document error as its
message, one line per item, grouped under the document's name.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from itb_evidence.pubmed.parse import ParseFailure, PubmedParseError, iter_parse
from itb_evidence.pubmed.xmlreader import SAFE_PARSE_OPTIONS

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FOLDERS = (SHARED / "pubmed_xml", SHARED / "eutils_xml", ROOT / "data")

# What the real files lack, constructed (placeholder PMIDs): books, MathML, namespaced and
# pretty-printed sub/superscripts, comments and processing instructions inside text, entity
# references, every date form, legacy affiliations, collective and empty names, failures.
CONSTRUCTED = ROOT / "tests" / "pubmed" / "data" / "edge_cases.xml"


def documents() -> Iterator[Path]:
    for folder in FOLDERS:
        if folder.is_dir():
            yield from sorted(folder.rglob("*.xml"))


def reindented(data: bytes) -> bytes | None:
    """The document pretty-printed, with some line breaks as CRLF and some indents as tabs."""
    try:
        root = etree.fromstring(data, etree.XMLParser(**SAFE_PARSE_OPTIONS))
    except etree.XMLSyntaxError:
        return None
    etree.indent(root, space=" \t ")
    text = etree.tostring(root, encoding="utf-8")
    return text.replace(b">\n \t", b">\r\n\t \t", 7)


def dump(label: str, source: object, out: list[str]) -> None:
    out.append(f"== {label}")
    try:
        for item in iter_parse(source):  # type: ignore[arg-type]
            if isinstance(item, ParseFailure):
                out.append(f"FAILURE {item.pmid!r} {item.message!r} {len(item.raw)}")
            else:
                out.append(repr(item))
    except PubmedParseError as exc:
        message = str(exc).replace(str(source), "<path>") if isinstance(source, Path) else str(exc)
        out.append(f"ERROR {type(exc).__name__}: {message}")


def main() -> int:
    out: list[str] = []
    for path in documents():
        name = str(path.relative_to(ROOT.parent)) if SHARED in path.parents else path.name
        data = path.read_bytes()
        dump(f"{name} (path)", path, out)
        dump(f"{name} (stream)", io.BytesIO(data), out)
        pretty = reindented(data)
        if pretty is not None:
            dump(f"{name} (re-indented)", io.BytesIO(pretty), out)
    dump("constructed (stream)", io.BytesIO(CONSTRUCTED.read_bytes()), out)
    dump("constructed (bytes)", CONSTRUCTED.read_bytes(), out)
    Path(sys.argv[1]).write_text("\n".join(out) + "\n", encoding="utf-8")
    print(f"{len(out)} lines -> {sys.argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
