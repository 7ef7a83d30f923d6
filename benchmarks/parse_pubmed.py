"""Parse throughput of ``itb_evidence.pubmed.parse.iter_parse`` vs ``Bio.Entrez.read``; memory.

Builds a file of >= 10,000 PubMed records by repeating the real records in ``../shared/pubmed_xml``
(under ``benchmarks/_work/``, gitignored; deleted afterwards unless ``--keep``), then in one run:

1. times both parsers on the same file, each in a fresh subprocess, and prints records/s, MB/s and
   the ratio (target: ours >= 8x Bio.Entrez.read). Rates and the ratio use CPU seconds (wall time
   is printed too): on a shared machine wall time mostly measures the neighbours. Our time is
   also split into reading the XML (``stream_records`` alone, timed in its own process: the
   floor no field work can go below) and parsing the fields (the rest);
2. prints the peak RSS of streaming the 10k file and a 4x larger file with our parser: flat memory
   means the two peaks are about equal (Entrez.read's peak grows with the file; it is printed too).

Bio.Entrez.read needs a DOCTYPE it has a DTD for and refuses records that do not fit that DTD, so
the built file carries one DOCTYPE (the 2025 PubMed one, as efetch sends today) and keeps only the
shared records Entrez.read accepts under it; the excluded ones are named in the output.

Run: ``.venv/bin/python benchmarks/parse_pubmed.py`` (about 2-3 minutes on 2 cores).

On a loaded machine CPU seconds still swing by 10% from run to run (three runs of one commit gave
7.04x, 7.14x and 7.68x), which hides any single change to the parser. ``--instructions N``
instead counts the instructions (valgrind's callgrind, hash seed fixed) that reading N records
and fully parsing them execute, per record: deterministic to about 0.1%, whatever the load, so
two commits can be compared change by change (it says nothing of cache misses; confirm a gain
with the timed run).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_XML = REPO_ROOT.parent / "shared" / "pubmed_xml"
WORK_DIR = REPO_ROOT / "benchmarks" / "_work"
TARGET_RATIO = 8.0
FLAT_TOLERANCE = 1.25  # a 4x larger file may cost at most 25% more peak RSS to count as flat

HEADER = (
    b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    b'1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    b"<PubmedArticleSet>\n"
)
FOOTER = b"</PubmedArticleSet>\n"
SET_OPEN, SET_CLOSE = b"<PubmedArticleSet>", b"</PubmedArticleSet>"


# ---- workers (run in a fresh subprocess each, so peak RSS is the parser's own) ---------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _work_ours(path: Path) -> dict[str, float]:
    from itb_evidence.pubmed.parse import ParseFailure, iter_parse

    start, cpu_start = time.perf_counter(), time.process_time()
    records = failures = 0
    for item in iter_parse(path):
        if isinstance(item, ParseFailure):
            failures += 1
        else:
            records += 1
    return _result(records, failures, start, cpu_start)


def _work_reader(path: Path) -> dict[str, float]:
    """The XML reading alone (what iter_parse streams through: the file read through the
    ReferenceList filter, no field parsing): the floor."""
    from itb_evidence.pubmed.reflist_filter import WithoutReferenceLists
    from itb_evidence.pubmed.xmlreader import stream_records

    name = str(path)

    def opened() -> WithoutReferenceLists:
        return WithoutReferenceLists(path.open("rb"))

    start, cpu_start = time.perf_counter(), time.process_time()
    source = opened()
    records = sum(1 for _ in stream_records(source, what=name, reopen=opened))
    source.close()
    return _result(records, 0, start, cpu_start)


def _entrez() -> Any:
    """Bio.Entrez, untyped: its partial annotations declare ``local_cache`` as None."""
    from Bio import Entrez

    return Entrez


def _work_entrez(path: Path) -> dict[str, float]:
    Entrez = _entrez()

    Entrez.local_cache = tempfile.mkdtemp(prefix="entrez-cache-")  # not ~/.config/biopython
    start, cpu_start = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        result = Entrez.read(handle)
    records = len(result["PubmedArticle"]) + len(result["PubmedBookArticle"])
    return _result(records, 0, start, cpu_start)


def _work_imports(path: Path) -> dict[str, float]:
    """Nothing parsed: the start-up the instruction counts subtract."""
    from itb_evidence.pubmed.parse import iter_parse  # noqa: F401
    from itb_evidence.pubmed.xmlreader import stream_records  # noqa: F401

    return _result(0, 0, time.perf_counter(), time.process_time())


def _result(records: int, failures: int, start: float, cpu_start: float) -> dict[str, float]:
    return {
        "records": records,
        "failures": failures,
        "wall": time.perf_counter() - start,
        "cpu": time.process_time() - cpu_start,
        "rss": _peak_rss_mb(),
    }


def _run_worker(kind: str, path: Path) -> dict[str, float]:
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


# ---- input ----------------------------------------------------------------------------------


def _record_bodies() -> list[tuple[str, bytes]]:
    """Each shared file's records (the bytes inside PubmedArticleSet), skipping empty results."""
    bodies = []
    for path in sorted(SHARED_XML.glob("*.xml")):
        data = path.read_bytes()
        start, end = data.find(SET_OPEN), data.rfind(SET_CLOSE)
        body = data[start + len(SET_OPEN) : end].strip()
        if start >= 0 and end > start and body:
            bodies.append((path.name, body))
    return bodies


def _entrez_accepts(bodies: list[tuple[str, bytes]]) -> tuple[list[bytes], list[str]]:
    Entrez = _entrez()

    Entrez.local_cache = tempfile.mkdtemp(prefix="entrez-cache-")
    kept: list[bytes] = []
    refused: list[str] = []
    for name, body in bodies:
        try:
            Entrez.read(io.BytesIO(HEADER + body + b"\n" + FOOTER))
        except Exception as exc:  # Entrez raises ValueError/ValidationError/...: all mean "refused"
            refused.append(f"{name} ({type(exc).__name__}: {str(exc)[:90]})")
        else:
            kept.append(body)
    return kept, refused


def _build(path: Path, bodies: list[bytes], count: int) -> None:
    with path.open("wb") as out:
        out.write(HEADER)
        for i in range(count):
            out.write(bodies[i % len(bodies)])
            out.write(b"\n")
        out.write(FOOTER)


# ---- report ---------------------------------------------------------------------------------


def _line(name: str, result: dict[str, float], megabytes: float) -> str:
    """Rates use CPU seconds: the machine is shared, and wall time swings with other work."""
    cpu = result["cpu"]
    return (
        f"  {name:<30} {result['records']:>6.0f} rec  cpu {cpu:6.1f} s (wall {result['wall']:6.1f})"
        f"  {result['records'] / cpu:6.0f} rec/s  {megabytes / cpu:6.1f} MB/s"
        f"  peak RSS {result['rss']:6.0f} MB"
    )


def _count_instructions(kind: str, path: Path) -> int:
    """Instructions one worker executes under callgrind (hash seed fixed: dict order is too)."""
    callgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    completed = subprocess.run(
        [*callgrind, sys.executable, __file__, "--worker", kind, str(path)],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    match = re.search(r"Collected : (\d+)", completed.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output: {completed.stderr[-300:]}")
    return int(match.group(1))


def _instructions(count: int) -> int:
    if shutil.which("valgrind") is None:
        print("SKIPPED: --instructions needs valgrind (callgrind) on the PATH")
        return 0
    path = WORK_DIR / f"pubmed_instructions_{count}.xml"
    try:
        _build(path, [body for _name, body in _record_bodies()], count)
        start = _count_instructions("imports", path)
        reader = _count_instructions("reader", path) - start
        ours = _count_instructions("ours", path) - start
    finally:
        path.unlink(missing_ok=True)
    print(f"instructions per record over {count} records (callgrind, deterministic):")
    print(f"  reading the XML (stream_records alone) {reader / count:10,.0f}")
    print(f"  parsing the fields                     {(ours - reader) / count:10,.0f}")
    print(f"  iter_parse in all                      {ours / count:10,.0f}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--memory-factor", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the built files in _work/")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--instructions",
        type=int,
        metavar="N",
        help="count instructions per record over N records under callgrind (deterministic)",
    )
    args = parser.parse_args()

    if args.worker:
        kind, path = args.worker
        workers = {"ours": _work_ours, "reader": _work_reader, "entrez": _work_entrez}
        work = {**workers, "imports": _work_imports}[kind]
        print(json.dumps(work(Path(path))))
        return 0

    if not SHARED_XML.is_dir():
        print(
            f"SKIPPED: {SHARED_XML} is absent (a fresh clone); the benchmark repeats those records."
        )
        return 0

    began = time.perf_counter()
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    if args.instructions:
        return _instructions(args.instructions)
    small = WORK_DIR / f"pubmed_{args.records}.xml"
    large_count = args.records * args.memory_factor
    large = WORK_DIR / f"pubmed_{large_count}.xml"
    try:
        bodies = _record_bodies()
        kept, refused = _entrez_accepts(bodies)
        _build(small, kept, args.records)
        _build(large, kept, large_count)
        small_mb = small.stat().st_size / 1e6
        large_mb = large.stat().st_size / 1e6

        print(f"input: {args.records} records, {small_mb:.1f} MB, repeating {len(kept)} of "
              f"{len(bodies)} shared records under one DOCTYPE (PubMedArticle 2025)")  # fmt: skip
        if refused:
            print("  left out because Bio.Entrez.read refuses them under that DOCTYPE:")
            for reason in refused:
                print(f"    {reason}")

        ours = _run_worker("ours", small)
        reader = _run_worker("reader", small)
        entrez = _run_worker("entrez", small)
        ours_large = _run_worker("ours", large)

        print("throughput (one fresh process each, full typed records vs Entrez's dicts):")
        print(_line("itb_evidence.pubmed.parse.iter_parse", ours, small_mb))
        print(_line("Bio.Entrez.read", entrez, small_mb))
        fields_cpu = ours["cpu"] - reader["cpu"]
        print(f"  iter_parse = reading the XML {reader['cpu']:.2f} s (lxml, stream_records alone) "
              f"+ parsing the fields {fields_cpu:.2f} s ({fields_cpu / ours['cpu']:.0%}) CPU; "
              f"8x needs iter_parse <= {entrez['cpu'] / TARGET_RATIO:.2f} s")  # fmt: skip
        if ours["records"] != entrez["records"] or ours["failures"]:
            print(f"  WARNING: record counts differ or failures: ours={ours} entrez={entrez}")
        ratio = entrez["cpu"] / ours["cpu"]
        wall_ratio = entrez["wall"] / ours["wall"]
        verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
        print(
            f"  ratio: iter_parse is {ratio:.2f}x Bio.Entrez.read in CPU time "
            f"({verdict} the {TARGET_RATIO}x target; {wall_ratio:.2f}x in wall time)"
        )

        print(f"memory when streaming ({args.memory_factor}x the records):")
        print(_line("iter_parse, small file", ours, small_mb))
        print(_line(f"iter_parse, {large_count} records", ours_large, large_mb))
        growth = ours_large["rss"] / ours["rss"]
        flat = "flat" if growth <= FLAT_TOLERANCE else "NOT flat"
        print(f"  peak RSS {large_count}/{args.records} records: {growth:.2f}x ({flat}); "
              f"Bio.Entrez.read held {entrez['rss']:.0f} MB for {args.records}")  # fmt: skip
        print(f"benchmark wall time {time.perf_counter() - began:.0f} s")
        return 0
    finally:
        if not args.keep:  # only our files: other benchmarks share _work/
            small.unlink(missing_ok=True)
            large.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
