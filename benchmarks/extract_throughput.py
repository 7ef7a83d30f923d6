"""Abstracts per second on one core: the full extractor vs spacy.blank("en") tokenisation alone.

Corpus: abstracts parsed from ../shared/pubmed_xml (lxml), ../shared/gold/dev.jsonl and
tests/gold/composed.jsonl, repeated to --size texts. Both arms run in this process on the same
texts; the last line printed is ``ratio: R`` (extractor / tokeniser). Target R >= 0.57.

    .venv/bin/python benchmarks/extract_throughput.py [--size 3000]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import spacy
from lxml import etree

from extractors import extract_study
from extractors.nlp import get_pipeline

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"


def _pubmed_abstracts(folder: Path) -> list[tuple[str, str]]:
    texts = []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, recover=True)
    for path in sorted(folder.glob("*.xml")):
        root = etree.parse(str(path), parser).getroot()
        if root is None:
            continue
        for article in root.iter("PubmedArticle"):
            title = article.findtext(".//ArticleTitle") or ""
            parts = [
                "".join(str(t) for t in node.itertext()) for node in article.iter("AbstractText")
            ]
            if parts:
                texts.append((title, " ".join(parts)))
    return texts


def _jsonl_abstracts(path: Path) -> list[tuple[str, str]]:
    rows = [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [(row.get("title") or "", row["abstract"]) for row in rows if row.get("abstract")]


def build_corpus(size: int) -> list[tuple[str, str]]:
    base: list[tuple[str, str]] = []
    if (SHARED / "pubmed_xml").exists():
        base += _pubmed_abstracts(SHARED / "pubmed_xml")
    if (SHARED / "gold" / "dev.jsonl").exists():
        base += _jsonl_abstracts(SHARED / "gold" / "dev.jsonl")
    composed = REPO_ROOT / "tests" / "gold" / "composed.jsonl"
    if composed.exists():
        base += _jsonl_abstracts(composed)
    if not base:
        raise SystemExit("no abstracts found: needs ../shared or tests/gold/composed.jsonl")
    return [base[i % len(base)] for i in range(size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=3000, help="number of abstracts per arm")
    args = parser.parse_args()
    corpus = build_corpus(args.size)
    words = sum(len(a.split()) for _, a in corpus)
    print(f"corpus: {len(corpus)} abstracts, {words / len(corpus):.0f} words/abstract on average")

    tokenizer = spacy.blank("en")
    get_pipeline()  # both arms start warm: pipeline construction is a once-per-process cost
    for _, abstract in corpus[:50]:
        tokenizer.make_doc(abstract)
        extract_study("warm", "", abstract)

    start = time.perf_counter()
    for _, abstract in corpus:
        tokenizer.make_doc(abstract)
    tokenise_rate = len(corpus) / (time.perf_counter() - start)
    print(f"tokenise only (spacy.blank('en')): {tokenise_rate:,.0f} abstracts/s")

    start = time.perf_counter()
    for index, (title, abstract) in enumerate(corpus):
        extract_study(str(index), title, abstract)
    extract_rate = len(corpus) / (time.perf_counter() - start)
    print(f"full extractor (extract_study):    {extract_rate:,.0f} abstracts/s")
    print(f"ratio: {extract_rate / tokenise_rate:.2f}")


if __name__ == "__main__":
    main()
