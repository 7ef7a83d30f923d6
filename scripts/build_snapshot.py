"""Rebuild data/snapshot/pubmed_snapshot.xml, the PubMed snapshot that `make demo` runs on.

usage: python scripts/build_snapshot.py           # write the file
       python scripts/build_snapshot.py --check   # exit 1 when the file is not what this writes
       python scripts/build_snapshot.py --table   # print the provenance table of data/README.md

The snapshot is the hand-built seed record (PMID 31507512), copied verbatim from the current file,
followed by one ``PubmedArticle`` per selected record of the real-text gold's *dev* split
(tests/gold/real/dev.jsonl). The frozen test split is never read: the demo's store and report show
every snapshot abstract, and a test-split abstract must not be seen while writing rules
(tests/gold/test_real_gold.py checks it).

Selected: every dev record of category "itb" or "hsp" with a PMID (unless its metadata_check says
the title was not shown on any page), plus the few "drug" records in NEAR_MISSES, real studies that
screening must drop. Each record carries what the dev record holds and nothing invented: PMID,
ArticleTitle, the abstract text exactly (so the parsed abstract equals dev.jsonl's), the journal
string, the year and the DOI when known, "Journal Article" as its publication type (plus the
types a PubMed page showed, KNOWN_PUBLICATION_TYPES). Fields
PubMed requires that the dev record does not hold are placeholders (see PLACEHOLDERS and
data/README.md). The script checks that the file parses with the project's parser and that every
record's PMID, title and abstract come back exactly.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from itb_evidence.pubmed.parse import parse_records  # noqa: E402

DEV = ROOT / "tests" / "gold" / "real" / "dev.jsonl"
SNAPSHOT = ROOT / "data" / "snapshot" / "pubmed_snapshot.xml"
SEED_PMID = "31507512"
CATEGORIES = ("itb", "hsp")
# Real studies of other drugs or routes, kept so the demo shows screening out with reasons.
NEAR_MISSES = {
    "drug-controlled-1977-baclofen-cp-children": "oral baclofen, not intrathecal",
    "drug-use-2004-intrathecal-morphine": "intrathecal, but morphine, not baclofen",
    "drug-mondrup-1984-progabide-spasticity": "oral progabide; HSP patients among those treated",
}
# A dev DOI left out of the record, with the reason.
DOUBTFUL_DOI = {
    "drug-controlled-1977-baclofen-cp-children": (
        "its DOI 10.1177/030006057300100203 encodes a 1973 issue (volume 1, issue 2) of J Int Med "
        "Res, the record is from 1977"
    ),
}
# Publication types beyond "Journal Article", only where a PubMed page showed them.
KNOWN_PUBLICATION_TYPES = {
    "itb-metachromatic-leukodystrophy-2019": (("D002363", "Case Reports"),),
    "drug-mondrup-1984-progabide-spasticity": (("D016430", "Clinical Trial"),),
}
# Where a PMID that the source address does not carry was seen (checked for this snapshot).
PMID_SEEN = {
    "itb-margetis-consciousness-2013": "printed on the source page ([PMID: 24350688 DOI: ...])",
    "itb-metachromatic-leukodystrophy-2019": (
        "a PubMed mirror page, http://47.251.13.51:8081/29806077, with the same title and abstract"
    ),
    "drug-mondrup-1984-progabide-spasticity": (
        "PubMed's similar-articles list on http://47.251.13.51:8081/3632375 "
        "(same title, Acta Neurol Scand 1984, PMID: 6377802)"
    ),
}
DATE_REVISED = ("2025", "01", "01")
PLACEHOLDERS = (
    "DateRevised 2025-01-01",
    'MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM"',
    'PMID Version="1"',
    'Article PubModel="Print"',
    'JournalIssue CitedMedium="Print"',
)
SECTION_LABEL = re.compile(r"(?P<label>[A-Za-z]+(?:[ /&,-]+[A-Za-z]+){0,4}): (?P<body>\S.*)")

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" \
"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">
<PubmedArticleSet>
"""
FOOTER = "</PubmedArticleSet>\n"


def dev_records() -> list[dict[str, Any]]:
    with DEV.open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    if any(r.get("split") != "dev" for r in records):
        raise SystemExit(f"{DEV} holds a record of another split")
    return records


def title_not_shown(record: dict[str, Any]) -> bool:
    return str(record.get("metadata_check") or "").startswith("title not shown")


def selected(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """itb records, then hsp, then the near misses, each in dev.jsonl's order."""
    chosen = [
        r
        for category in CATEGORIES
        for r in records
        if r["category"] == category and r.get("pmid") and not title_not_shown(r)
    ]
    by_id = {r["id"]: r for r in records}
    missing = sorted(set(NEAR_MISSES) - set(by_id))
    if missing:
        raise SystemExit(f"near misses not in {DEV.name}: {missing}")
    chosen += [by_id[i] for i in NEAR_MISSES]
    pmids = [str(r["pmid"]) for r in chosen]
    if len(set(pmids)) != len(pmids) or SEED_PMID in pmids:
        raise SystemExit("duplicate PMID among the selected records")
    if not all(p.isdigit() for p in pmids) or any(not r.get("pmid") for r in chosen):
        raise SystemExit("a selected record has no numeric PMID")
    return chosen


def abstract_sections(abstract: str) -> list[tuple[str | None, str]]:
    """(label, text) per AbstractText, so that the parser's join gives ``abstract`` back.

    The parser writes a labelled section as ``"Label: text"`` and joins sections with newlines. A
    multi-paragraph abstract whose every paragraph starts with ``"Label: "`` is split into labelled
    sections; any other abstract becomes one unlabelled section per paragraph.
    """
    paragraphs = abstract.split("\n")
    matches = [SECTION_LABEL.fullmatch(p) for p in paragraphs]
    if len(paragraphs) > 1 and all(matches):
        return [(m["label"], m["body"]) for m in matches if m]
    return [(None, p) for p in paragraphs]


def journal_fields(journal: str | None) -> tuple[str | None, str | None]:
    """(Title, ISOAbbreviation): a name with lower-case words ("and", "of") is a title."""
    if not journal:
        return None, None
    words = journal.split()
    if any(w.islower() for w in words):
        return journal, None
    return None, journal


def text(tag: str, value: str, attrs: str = "") -> str:
    return f"<{tag}{attrs}>{escape(value)}</{tag}>"


def article_xml(r: dict[str, Any]) -> str:
    pmid = str(r["pmid"])
    doi = None if r["id"] in DOUBTFUL_DOI else r.get("doi")
    title, iso = journal_fields(r.get("journal"))
    year = r.get("year")
    why = f" (near miss: {NEAR_MISSES[r['id']]})" if r["id"] in NEAR_MISSES else ""
    fields = "PMID, title, abstract, journal, year" + (", DOI" if doi else "")
    dropped = "; its DOI is left out" if r["id"] in DOUBTFUL_DOI else ""
    note = (
        f"PMID {pmid}: real-text gold dev record {r['id']}{why}. {fields} from that "
        f"record{dropped}; DateRevised and the other required attributes are placeholders. "
        "See data/README.md."
    )
    if "--" in note:
        raise SystemExit(f"{r['id']}: an XML comment cannot hold '--'")
    lines = [f"  <!-- {note} -->", "  <PubmedArticle>"]
    lines.append('    <MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM">')
    lines.append(f'      <PMID Version="1">{pmid}</PMID>')
    y, m, d = DATE_REVISED
    lines.append(
        f"      <DateRevised><Year>{y}</Year><Month>{m}</Month><Day>{d}</Day></DateRevised>"
    )
    lines.append('      <Article PubModel="Print">')
    lines.append("        <Journal>")
    pub_date = f"<PubDate><Year>{int(year)}</Year></PubDate>" if year else ""
    lines.append(f'          <JournalIssue CitedMedium="Print">{pub_date}</JournalIssue>')
    if title:
        lines.append("          " + text("Title", title))
    if iso:
        lines.append("          " + text("ISOAbbreviation", iso))
    lines.append("        </Journal>")
    lines.append("        " + text("ArticleTitle", r["title"]))
    if doi:
        lines.append("        " + text("ELocationID", doi, ' EIdType="doi" ValidYN="Y"'))
    lines.append("        <Abstract>")
    for label, body in abstract_sections(r["abstract"]):
        attrs = f" Label={quoteattr(label)}" if label else ""
        lines.append("          " + text("AbstractText", body, attrs))
    lines.append("        </Abstract>")
    lines.append("        <PublicationTypeList>")
    for ui, name in (("D016428", "Journal Article"), *KNOWN_PUBLICATION_TYPES.get(r["id"], ())):
        lines.append(f'          <PublicationType UI="{ui}">{name}</PublicationType>')
    lines.append("        </PublicationTypeList>")
    lines.append("      </Article>")
    lines.append("    </MedlineCitation>")
    lines.append("    <PubmedData>")
    lines.append("      <ArticleIdList>")
    lines.append(f'        <ArticleId IdType="pubmed">{pmid}</ArticleId>')
    if doi:
        lines.append("        " + text("ArticleId", doi, ' IdType="doi"'))
    lines.append("      </ArticleIdList>")
    lines.append("    </PubmedData>")
    lines.append("  </PubmedArticle>")
    return "\n".join(lines) + "\n"


def seed_block(current: str) -> str:
    """The hand-built seed record (its comment and PubmedArticle) exactly as the file holds it."""
    end_marker = "</PubmedArticle>\n"
    at = current.find(f">{SEED_PMID}</PMID>")
    start = current.rfind("  <!-- PMID 31507512 rebuilt by hand", 0, at)
    end = current.find(end_marker, at)
    if at < 0 or start < 0 or end < 0:
        raise SystemExit(f"the hand-built seed record {SEED_PMID} is not in {SNAPSHOT}")
    return current[start : end + len(end_marker)]


def build(current: str) -> tuple[str, list[dict[str, Any]]]:
    records = selected(dev_records())
    body = seed_block(current) + "".join(article_xml(r) for r in records)
    return HEADER + body + FOOTER, records


def verify(xml: str, records: list[dict[str, Any]]) -> None:
    parsed = parse_records(xml.encode("utf-8"))
    if [p.pmid for p in parsed] != [SEED_PMID, *(str(r["pmid"]) for r in records)]:
        raise SystemExit("the written file does not parse back to the selected PMIDs")
    for p, r in zip(parsed[1:], records, strict=True):
        if p.title != r["title"] or p.abstract != r["abstract"]:
            raise SystemExit(f"PMID {p.pmid}: title or abstract does not round-trip exactly")
        if p.year != r.get("year"):
            raise SystemExit(f"PMID {p.pmid}: year does not round-trip")


def pmid_source(r: dict[str, Any]) -> str:
    pmid = str(r["pmid"])
    url = str(r["source_url"])
    if re.search(rf"(?<!\d){pmid}(?!\d)", url):
        return "in the source address"
    if r["id"] in PMID_SEEN:
        return f"not in the address; {PMID_SEEN[r['id']]}"
    return "the dev record's pmid field (not in the address; not re-checked)"


def table(records: list[dict[str, Any]]) -> str:
    rows = [
        "| PMID | dev record | category | title, abstract, journal, year, DOI from | PMID from |",
        "|---|---|---|---|---|",
    ]
    for r in records:
        rows.append(
            f"| {r['pmid']} | `{r['id']}` | {r['category']} | <{r['source_url']}> "
            f"| {pmid_source(r)} |"
        )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    current = SNAPSHOT.read_text(encoding="utf-8")
    xml, records = build(current)
    verify(xml, records)
    if "--table" in argv:
        print(table(records))
        return 0
    if "--check" in argv:
        if xml != current:
            print(f"{SNAPSHOT.relative_to(ROOT)} is out of date: run scripts/build_snapshot.py")
            return 1
        print(f"{SNAPSHOT.relative_to(ROOT)} is up to date ({len(records) + 1} records)")
        return 0
    SNAPSHOT.write_text(xml, encoding="utf-8")
    counts = {c: sum(r["category"] == c for r in records) for c in (*CATEGORIES, "drug")}
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}: the seed + {len(records)} dev records {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
