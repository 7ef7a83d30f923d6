"""JATS parse throughput: ``itb_evidence.fulltext.jats.parse_jats`` vs ``Bio.Entrez.read``.

Both parse the same bytes: each real open-access article of ``../shared/pmc_jats`` wrapped as
PMC's ``efetch db=pmc`` sends it (an XML declaration, the ``nlm-articleset-2.0`` DOCTYPE, one
``<pmc-articleset>``). ``Bio.Entrez.read`` can read that form (it ships the article-set and JATS
DTDs) but not a bare ``.nxml`` file (it wants the declaration), so the wrapped form is the only
fair common input. What each gives back differs, and the figures should be read with that in
mind: Bio.Entrez.read gives a generic tree of dicts, lists and strings (DTD-validated); ours gives
typed sections with kinds, paragraphs without their floats, captions, and tables with spans
expanded into grids, footnote marks and footnotes. A third line, bare ``lxml.etree.fromstring``
with the same safe options, is the floor any lxml parser pays.

Rates use CPU seconds (wall time printed too): on a shared machine wall time mostly measures the
neighbours. Each parser runs over the whole set ``--passes`` times, in this one process, after one
warm-up pass; the last line is ``ratio: R`` (ours vs Bio.Entrez.read, articles per CPU second).

Run: ``.venv/bin/python benchmarks/parse_jats.py`` (about 20 s).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
PMC_JATS = REPO_ROOT.parent / "shared" / "pmc_jats"

HEAD = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE pmc-articleset PUBLIC "-//NLM//DTD ARTICLE SET 2.0//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pmc/articleset/nlm-articleset-2.0.dtd">\n<pmc-articleset>'
)
TAIL = b"</pmc-articleset>\n"


def efetch_form(nxml: bytes) -> bytes:
    """A ``.nxml`` file as ``efetch db=pmc`` would send it."""
    from lxml import etree

    from itb_evidence.pubmed.xmlreader import safe_parser

    article = etree.fromstring(nxml, safe_parser())
    return HEAD + etree.tostring(article, encoding="UTF-8") + TAIL


def _time(parse: Callable[[bytes], object], docs: list[bytes], passes: int) -> tuple[float, float]:
    for doc in docs:  # warm-up: imports, DTD loading, caches
        parse(doc)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(passes):
        for doc in docs:
            parse(doc)
    return time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=20)
    args = parser.parse_args()
    files = sorted(PMC_JATS.glob("*.nxml"))
    if not files:
        print(f"no JATS files in {PMC_JATS} (../shared is absent): nothing to measure")
        return 1

    from Bio import Entrez
    from lxml import etree

    from itb_evidence.fulltext.jats import parse_jats
    from itb_evidence.pubmed.xmlreader import safe_parser

    # Bio.Entrez types the global as None; it takes a folder (kept out of ~/.config/biopython)
    Entrez.local_cache = tempfile.mkdtemp(prefix="itb-bench-entrez-")  # type: ignore[assignment]
    docs = [efetch_form(path.read_bytes()) for path in files]
    megabytes = sum(len(d) for d in docs) / 1e6
    articles = len(docs) * args.passes
    print(
        f"{len(docs)} real PMC open-access articles ({megabytes:.2f} MB in efetch form), "
        f"{args.passes} passes: {articles} articles, {megabytes * args.passes:.1f} MB per parser"
    )

    def entrez_read(doc: bytes) -> object:
        return Entrez.read(io.BytesIO(doc))  # type: ignore[no-untyped-call]

    rows: list[tuple[str, Callable[[bytes], object]]] = [
        ("Bio.Entrez.read (generic tree)", entrez_read),
        ("parse_jats (typed, tables as grids)", lambda d: parse_jats(d, what="bench")),
        ("lxml fromstring only (floor)", lambda d: etree.fromstring(d, safe_parser())),
    ]
    rates: dict[str, float] = {}
    for name, parse in rows:
        cpu, wall = _time(parse, docs, args.passes)
        rates[name] = articles / cpu
        print(
            f"{name:38s} {articles / cpu:8.1f} articles/s  "
            f"{megabytes * args.passes / cpu:6.1f} MB/s  (cpu {cpu:.2f} s, wall {wall:.2f} s)"
        )
    ratio = rates[rows[1][0]] / rates[rows[0][0]]
    print(f"ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
