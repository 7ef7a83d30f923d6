"""Peak memory (RSS) of one record's extraction, for abstracts of 10 KB, 100 KB and 1 MB.

Two shapes of abstract, both made of the project's gold abstracts (tests/gold/composed.jsonl:
real-looking sentences, dense with outcomes, doses and statistics) repeated to the size:

- ``sentences``: as written, sentences of a few hundred characters;
- ``run-on``: one opening sentence, then the rest as a single "sentence" without full stops
  (every sentence end turned into a comma, line breaks into spaces), as in the records that ran
  out of memory (a 760 KB run-on abstract was killed at 24 GB when each mention copied its
  sentence).

Each size and shape runs in a fresh child process, which warms the pipeline, then runs the
record through ``itb_evidence.process.process_record`` (extract -> screen -> rows, so the
``sentence`` columns are materialised too) and prints ``resource.getrusage`` peak RSS (Linux
``ru_maxrss``) before and after. An abstract over ``extractors.engine.MAX_FIELD_CHARS`` (100,000
characters) is refused by that path, as the refresh refuses it; ``--max-field-chars`` lifts the
limit (up to spaCy's max_length, 1,000,000) to measure the extractors alone on larger inputs.

Measured on this VM (shared, loaded), peak RSS with a warmed baseline of 104 MB:

- pipeline path (default limit): 10 KB adds 0.3-0.5 MB, 100 KB adds 6-8 MB, both shapes; the
  1 MB abstracts are refused ("abstract is 1,000,000 characters, over the limit of 100,000").
  Before provenance by reference, the 100 KB run-on added 274 MB (peak 378 MB) and wrote a
  99,959-character sentence cell per row; now every cell is at most 1,000 characters.
- limit lifted: 1 MB of sentences adds 59 MB (13,949 mentions, 18 s); a 300 KB run-on adds
  18 MB (43 s: time still grows with the square of a run-on sentence, see
  extractors.engine.MAX_FIELD_CHARS); a 1 MB run-on did not finish in 20 minutes (RSS 181 MB
  when stopped).

    .venv/bin/python benchmarks/extract_memory.py [--sizes 10000,100000,1000000]
        [--shapes sentences,run-on] [--max-field-chars N]
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE = REPO_ROOT / "tests" / "gold" / "composed.jsonl"
SHAPES = ("sentences", "run-on")
SENTENCE_END = re.compile(r"[.!?](?=\s)")


def make_abstract(size: int, shape: str, source: Path = SOURCE) -> str:
    """``size`` characters of gold abstracts in ``shape`` (see the module docstring)."""
    texts = [json.loads(line)["abstract"] for line in source.read_text("utf-8").splitlines()]
    texts = [t for t in texts if t]
    parts: list[str] = []
    length = 0
    while length < size:
        text = texts[len(parts) % len(texts)]
        parts.append(text)
        length += len(text) + 1
    body = " ".join(parts)
    if shape == "run-on":
        opening = "Objective: to measure a run-on abstract. "
        body = opening + SENTENCE_END.sub(",", body).replace("\n", " ")
    return body[:size]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def child(size: int, shape: str, max_field_chars: int | None) -> dict[str, object]:
    """One measurement, in this (fresh) process."""
    from extractors.engine import extract_study
    from itb_evidence.process import RecordFailure, process_record
    from itb_evidence.pubmed.records import PubmedRecord
    from itb_evidence.rows import EvidenceRows, link_record
    from itb_evidence.screen import decide

    def record(pmid: str, abstract: str) -> PubmedRecord:
        return PubmedRecord(pmid, 1, "Intrathecal baclofen in HSP: a benchmark", abstract, ())

    def run(rec: PubmedRecord) -> EvidenceRows | str:
        if max_field_chars is None:  # the pipeline's path, with its input bound
            outcome = process_record(rec)
            return (
                f"refused: {outcome.message}"
                if isinstance(outcome, RecordFailure)
                else outcome.rows
            )
        extraction = extract_study(
            rec.pmid, rec.title, rec.abstract, max_field_chars=max_field_chars
        )
        return link_record(rec, extraction, decide(rec, extraction))

    run(record("warm", make_abstract(3_000, "sentences")))
    abstract = make_abstract(size, shape)
    baseline = _peak_mb()
    started = time.perf_counter()
    rows = run(record("1", abstract))
    seconds = time.perf_counter() - started
    if isinstance(rows, str):
        result = rows
    else:
        longest = max((len(r["sentence"] or "") for r in rows.mentions), default=0)
        result = (
            f"{len(rows.mentions)} mentions, {len(rows.outcomes)} outcome rows, longest sentence"
            f" cell {longest} chars"
        )
    return {
        "size": size,
        "shape": shape,
        "baseline_mb": round(baseline, 1),
        "peak_mb": round(_peak_mb(), 1),
        "seconds": round(seconds, 2),
        "result": result,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--max-field-chars", type=int, default=None)
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "SHAPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        size, shape = int(args.child[0]), args.child[1]
        print(json.dumps(child(size, shape, args.max_field_chars)))
        return 0
    print(f"{'shape':<10} {'size':>9} {'baseline MB':>12} {'peak MB':>8} {'added MB':>9} {'s':>7}")
    for shape in args.shapes.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            command = [sys.executable, __file__, "--child", str(size), shape]
            if args.max_field_chars is not None:
                command += ["--max-field-chars", str(args.max_field_chars)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            m = json.loads(done.stdout.splitlines()[-1])
            added = float(m["peak_mb"]) - float(m["baseline_mb"])
            print(
                f"{shape:<10} {size:>9,} {m['baseline_mb']:>12} {m['peak_mb']:>8} {added:>9.1f}"
                f" {m['seconds']:>7}  {m['result']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
