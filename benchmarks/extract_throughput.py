"""Abstracts per second on one core: the full extractor vs spacy.blank("en") tokenisation alone.

Corpus (``--corpus``): ``real`` (the default) is the real published abstracts, parsed from
../shared/pubmed_xml (lxml) and ../shared/gold/dev.jsonl; ``gold`` is the project's composed gold
cases (tests/gold/*.jsonl); ``all`` is both. Real abstracts are what the pipeline reads. The
composed cases are test fixtures: short, dense with statistics and written in a small shared
vocabulary, so spaCy's tokenizer cache makes tokenising them cheap while every rule still runs.
Measured in one process (chunks of 20, 6 rounds): ratio 0.87 on the 147 PubMed records, 0.91 on
the 19 real ITB abstracts of the dev set, 0.33 on the 310 composed cases (tokenising 2,546 us
per real abstract, 612 us per composed one; extraction 2,920 us vs 1,855 us). Until this was
measured the corpus mixed all three, so its ratio fell with every gold file added (0.59-0.62
with five gold files, 0.52 with seven, same code). Without ../shared the corpus falls back to
``gold`` and says so. Both arms run in this process on the same texts, in two regimes:

- warm: the distinct texts repeated to --size, every cache of both arms warm (spaCy's tokenizer
  caches each whitespace-delimited string, so a repeated corpus makes tokenising unrealistically
  cheap: every token is a cache hit);
- first pass: each distinct text once, through freshly built pipelines (a new
  ``spacy.blank("en")`` and a new extractor pipeline per round), as a refresh meets new abstracts.

The last line printed is ``ratio: R`` (extractor / tokeniser) for the first-pass regime; the warm
ratio is printed above it. Target R >= 0.57 (about 800 abstracts/s/core).

Both CPU time (``time.process_time``) and wall time are measured; the ratio uses CPU time, which
a busy shared machine disturbs less than wall time. The arms alternate in chunks of
``--chunk`` abstracts, so both see the same machine conditions, and the garbage collector runs
between timed calls, not inside them. Measured on this VM, both arms' speed drifts by +-30% from
one round to the next (memory-bound work; a pure-Python loop holds within 3%): with chunks of
100 and 5 rounds the first-pass ratio of one code version ranged 0.54-0.66 between runs, with
chunks of 20 and 8 rounds 0.59-0.62. Those are the defaults; per-round ratios are printed.

    .venv/bin/python benchmarks/extract_throughput.py [--corpus real|gold|all] [--size 1000]
        [--rounds 2] [--chunk 20] [--first-pass-rounds 8]
"""

from __future__ import annotations

import argparse
import gc
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import spacy
from lxml import etree

from extractors import extract_study
from extractors.nlp import get_pipeline, make_tokenizer

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


def _real_abstracts() -> list[tuple[str, str]]:
    base: list[tuple[str, str]] = []
    if (SHARED / "pubmed_xml").exists():
        base += _pubmed_abstracts(SHARED / "pubmed_xml")
    if (SHARED / "gold" / "dev.jsonl").exists():
        base += _jsonl_abstracts(SHARED / "gold" / "dev.jsonl")
    return base


def _gold_abstracts() -> list[tuple[str, str]]:
    return [
        text
        for gold in sorted((REPO_ROOT / "tests" / "gold").glob("*.jsonl"))
        for text in _jsonl_abstracts(gold)
    ]


def distinct_texts(corpus: str = "real") -> list[tuple[str, str]]:
    """The distinct (title, abstract) pairs of a corpus: real, gold or all."""
    base = []
    if corpus in ("real", "all"):
        base += _real_abstracts()
        if not base and corpus == "real":
            print("no ../shared: falling back to the composed gold cases (--corpus gold)")
            corpus = "gold"
    if corpus in ("gold", "all"):
        base += _gold_abstracts()
    if not base:
        raise SystemExit("no abstracts found: needs ../shared or tests/gold/*.jsonl")
    return list(dict.fromkeys(base))


def build_corpus(size: int, corpus: str = "real") -> list[tuple[str, str]]:
    distinct = distinct_texts(corpus)
    return [distinct[i % len(distinct)] for i in range(size)]


def _timed(
    run: Callable[[list[tuple[str, str]]], None], chunk: list[tuple[str, str]]
) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call, with the garbage collector run before it and
    paused during it (as ``timeit`` does): a collection triggered by one arm's garbage would
    otherwise be charged to whichever arm happened to be running."""
    gc.collect()
    gc.disable()
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        run(chunk)
        return time.process_time() - cpu, time.perf_counter() - wall
    finally:
        gc.enable()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="number of abstracts per arm")
    parser.add_argument("--rounds", type=int, default=2, help="passes over the corpus per arm")
    parser.add_argument("--chunk", type=int, default=20, help="abstracts per alternation")
    parser.add_argument(
        "--corpus", choices=("real", "gold", "all"), default="real", help="which abstracts"
    )
    parser.add_argument(
        "--first-pass-rounds", type=int, default=8, help="fresh-pipeline passes over distinct texts"
    )
    args = parser.parse_args()
    corpus = build_corpus(args.size, args.corpus)
    words = sum(len(a.split()) for _, a in corpus)
    print("warm: the distinct texts repeated, all caches warm")
    print(f"corpus: {len(corpus)} abstracts, {words / len(corpus):.0f} words/abstract on average")

    tokenizer = spacy.blank("en")
    get_pipeline()  # both arms start warm: pipeline construction is a once-per-process cost
    for _, abstract in corpus[:50]:
        tokenizer.make_doc(abstract)
        extract_study("warm", "", abstract)

    def tokenise(chunk: list[tuple[str, str]]) -> None:
        for _, abstract in chunk:
            tokenizer.make_doc(abstract)

    def extract(chunk: list[tuple[str, str]]) -> None:
        for index, (title, abstract) in enumerate(chunk):
            extract_study(str(index), title, abstract)

    tok_cpu = tok_wall = ext_cpu = ext_wall = 0.0
    for _ in range(max(1, args.rounds)):
        for first in range(0, len(corpus), args.chunk):
            chunk = corpus[first : first + args.chunk]
            cpu, wall = _timed(tokenise, chunk)
            tok_cpu, tok_wall = tok_cpu + cpu, tok_wall + wall
            cpu, wall = _timed(extract, chunk)
            ext_cpu, ext_wall = ext_cpu + cpu, ext_wall + wall
    n = len(corpus) * max(1, args.rounds)
    print(f"tokenise only (spacy.blank): {n / tok_cpu:,.0f}/s CPU, {n / tok_wall:,.0f}/s wall")
    print(f"full extractor (extract_study): {n / ext_cpu:,.0f}/s CPU, {n / ext_wall:,.0f}/s wall")
    print(f"warm wall-time ratio: {tok_wall / ext_wall:.2f}")
    print(f"warm ratio: {tok_cpu / ext_cpu:.2f}")
    first_pass(rounds=args.first_pass_rounds, chunk=args.chunk, corpus=args.corpus)


def first_pass(*, rounds: int, chunk: int, corpus: str = "real") -> None:
    """Each distinct text once per round, through pipelines built fresh for the round.

    A third arm, timed alongside, tokenises with the extractors' own tokenizer
    (``make_tokenizer``: spacy.blank("en") computing only the LOWER attribute). It is printed for
    transparency: the headline ratio is against plain spacy.blank("en"), as the target is stated,
    and part of the extractor's margin comes from computing fewer lexical attributes."""
    texts = distinct_texts(corpus)
    tok_cpu = tok_wall = ext_cpu = ext_wall = own_cpu = 0.0
    round_ratios: list[float] = []
    for _ in range(max(1, rounds)):
        round_tok = round_ext = 0.0
        tokenizer = spacy.blank("en")
        own = make_tokenizer()
        get_pipeline.cache_clear()
        get_pipeline()

        def tokenise(part: list[tuple[str, str]], nlp: Any = tokenizer) -> None:
            for _, abstract in part:
                nlp.make_doc(abstract)

        def tokenise_own(part: list[tuple[str, str]], nlp: Any = own) -> None:
            for _, abstract in part:
                nlp.make_doc(abstract)

        def extract(part: list[tuple[str, str]]) -> None:
            for index, (title, abstract) in enumerate(part):
                extract_study(str(index), title, abstract)

        for first in range(0, len(texts), chunk):
            part = texts[first : first + chunk]
            tok, wall = _timed(tokenise, part)
            tok_cpu, tok_wall = tok_cpu + tok, tok_wall + wall
            cpu, _ = _timed(tokenise_own, part)
            own_cpu += cpu
            ext, wall = _timed(extract, part)
            ext_cpu, ext_wall = ext_cpu + ext, ext_wall + wall
            round_tok, round_ext = round_tok + tok, round_ext + ext
        round_ratios.append(round_tok / round_ext)
    n = len(texts) * max(1, rounds)
    print(
        f"first pass over {len(texts)} distinct {corpus} abstracts x {rounds} rounds, "
        "fresh pipelines:"
    )
    print(f"tokenise only (spacy.blank): {n / tok_cpu:,.0f}/s CPU, {n / tok_wall:,.0f}/s wall")
    print(f"tokenise only (extractors' tokenizer, LOWER only): {n / own_cpu:,.0f}/s CPU")
    print(f"full extractor (extract_study): {n / ext_cpu:,.0f}/s CPU, {n / ext_wall:,.0f}/s wall")
    print(f"like-for-like ratio (extractor / its own tokenizer): {own_cpu / ext_cpu:.2f}")
    print(f"first-pass wall-time ratio: {tok_wall / ext_wall:.2f}")
    print("per-round ratios: " + ", ".join(f"{r:.2f}" for r in round_ratios))
    print(f"ratio: {tok_cpu / ext_cpu:.2f}")


if __name__ == "__main__":
    main()
