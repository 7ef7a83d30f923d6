"""Baseline-style test files: gzip ``PubmedArticleSet`` documents like ``pubmed26n0001.xml.gz``.

Built in a temporary or ignored folder from real records read in place (``../shared/pubmed_xml``,
via ``shared_path``, never copied into the repository) plus the project's own snapshot
(``data/snapshot/pubmed_snapshot.xml``, so some records are ITB-in-HSP studies that are included).
Records are repeated to reach any size; the first use of a template keeps its real PMID (so the
seed study 31507512 can be looked up), every later copy gets a fresh PMID from ``COPY_PMID_START``
so PMIDs are unique across the generated files.
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from tests.conftest import DATA_DIR, shared_path

SNAPSHOT = DATA_DIR / "snapshot" / "pubmed_snapshot.xml"
HEADER = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
FOOTER = b"</PubmedArticleSet>\n"
PLACEHOLDER = b"@@PMID@@"
COPY_PMID_START = 900_000_000  # far above real PMIDs (~41 million in 2026)
SNAPSHOT_WEIGHT = 5  # each snapshot record is dealt this many times per deck: more included rows
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle")


@dataclass(frozen=True, slots=True)
class Template:
    pmid: str
    xml: bytes  # the record with its PMID replaced by PLACEHOLDER
    from_snapshot: bool


def load_templates() -> list[Template]:
    """Every record of ../shared/pubmed_xml (skips the test when absent) and of the snapshot."""
    shared_files = sorted(shared_path("pubmed_xml").glob("*.xml"))
    templates = [t for f in shared_files for t in _templates_of(f, from_snapshot=False)]
    templates += _templates_of(SNAPSHOT, from_snapshot=True)
    return templates


def make_baseline_files(
    dest: Path,
    n_files: int,
    records_per_file: int,
    *,
    seed: int,
    bad_records: int = 0,
    compresslevel: int = 1,
) -> list[Path]:
    """Write ``n_files`` gzip files of ``records_per_file`` records each into ``dest``.

    Records are dealt from seeded shuffles of all templates (snapshot records weighted up), so the
    same seed gives the same files. ``bad_records`` extra records in the first file carry a
    non-numeric PMID, which the parse stage rejects: a failure to report, not to crash on.
    """
    if n_files < 1 or records_per_file < 1:
        raise ValueError("n_files and records_per_file must be at least 1")
    templates = load_templates()
    rng = random.Random(seed)
    deck: list[Template] = []
    used: set[str] = set()
    next_copy = COPY_PMID_START
    dest.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for index in range(1, n_files + 1):
        path = dest / f"pubmed26n{index:04d}.xml.gz"
        bad_at = set(rng.sample(range(records_per_file), min(bad_records, records_per_file)))
        bad_at = bad_at if index == 1 else set()
        with gzip.open(path, "wb", compresslevel=compresslevel) as out:
            out.write(HEADER)
            for position in range(records_per_file):
                if not deck:
                    deck = _shuffled_deck(templates, rng)
                template = deck.pop()
                if template.pmid not in used:
                    used.add(template.pmid)
                    pmid = template.pmid
                else:
                    pmid, next_copy = str(next_copy), next_copy + 1
                out.write(template.xml.replace(PLACEHOLDER, pmid.encode()) + b"\n")
                if position in bad_at:
                    bad_pmid = f"NOT-A-PMID-{position}".encode()
                    out.write(template.xml.replace(PLACEHOLDER, bad_pmid) + b"\n")
            out.write(FOOTER)
        paths.append(path)
    return paths


def _shuffled_deck(templates: list[Template], rng: random.Random) -> list[Template]:
    deck = [t for t in templates for _ in range(SNAPSHOT_WEIGHT if t.from_snapshot else 1)]
    rng.shuffle(deck)
    deck.reverse()  # popped from the end: keep the shuffled order readable front to back
    return deck


def _templates_of(path: Path, *, from_snapshot: bool) -> list[Template]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(path), parser).getroot()
    out: list[Template] = []
    for record in root:
        if not isinstance(record.tag, str) or record.tag not in RECORD_TAGS:
            continue
        pmid_element = record.find("MedlineCitation/PMID")
        if pmid_element is None:
            pmid_element = record.find("BookDocument/PMID")
        if pmid_element is None or not (pmid_element.text or "").strip():
            continue
        pmid = (pmid_element.text or "").strip()
        pmid_element.text = PLACEHOLDER.decode()
        for article_id in record.iterfind(".//ArticleIdList/ArticleId[@IdType='pubmed']"):
            if (article_id.text or "").strip() == pmid:
                article_id.text = PLACEHOLDER.decode()
        xml = etree.tostring(record, encoding="UTF-8", with_tail=False)
        out.append(Template(pmid, xml, from_snapshot))
    return out
