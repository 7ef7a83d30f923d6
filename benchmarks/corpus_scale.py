"""Corpus-scale extraction: throughput for 1 vs 2 worker processes, and memory as the input grows.

    .venv/bin/python benchmarks/corpus_scale.py                      # the issue's sizes
    .venv/bin/python benchmarks/corpus_scale.py --records 8000 --memory-small 5000 \\
        --memory-large 20000                                          # a quick look

Throughput: ``--records`` records in ``--files`` generated baseline-style files, processed by
:func:`itb_evidence.corpus.process.process_file` in a spawned process pool of 1, then 2,
workers (what the
flow's default ``ProcessPoolTaskRunner`` does, without the Prefect server start that would blur a
timing). Figures: records/s (wall clock, worker start included), peak RSS per worker, and the
scaling ratio 2 workers / 1 worker measured in the same run.

Memory: one worker streams a single file of ``--memory-large`` records; its peak RSS (high-water
mark, ``ru_maxrss``) is sampled after every chunk, and the peak after ``--memory-small`` records is
compared with the peak at the end. Flat memory means a ratio near 1.

Input files are generated under ``benchmarks/_work/corpus_scale/`` (git-ignored) from the shared
records read in place and reused by later runs with the same sizes; outputs are deleted after use.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script: make ``tests`` (the generator) importable
    sys.path.insert(0, str(REPO_ROOT))

from itb_evidence.corpus.process import FileResult, process_file  # noqa: E402
from tests.conftest import SHARED_DIR  # noqa: E402

WORK = REPO_ROOT / "benchmarks" / "_work" / "corpus_scale"


def peak_rss_mib() -> float:
    """This process's peak resident set size so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_file(path: Path, out_dir: Path, chunk_size: int) -> tuple[FileResult, float]:
    """Worker side: one file, and the worker's peak RSS afterwards."""
    return process_file(path, out_dir, chunk_size=chunk_size), peak_rss_mib()


def run_with_samples(path: Path, out_dir: Path, chunk_size: int) -> list[tuple[int, float]]:
    """Worker side: one file, sampling (records read, peak RSS) after every chunk."""
    samples: list[tuple[int, float]] = [(0, peak_rss_mib())]
    process_file(
        path, out_dir, chunk_size=chunk_size, on_chunk=lambda n: samples.append((n, peak_rss_mib()))
    )
    return samples


def generated(folder: Path, n_files: int, records_per_file: int, seed: int) -> list[Path]:
    """Baseline-style files, generated once per size and reused."""
    from tests.support.corpus_files import make_baseline_files

    manifest = folder / "manifest.json"
    wanted = {"n_files": n_files, "records_per_file": records_per_file, "seed": seed}
    if manifest.exists() and json.loads(manifest.read_text()) == wanted:
        return sorted(folder.glob("*.xml.gz"))
    shutil.rmtree(folder, ignore_errors=True)
    started = time.perf_counter()
    paths = make_baseline_files(folder, n_files, records_per_file, seed=seed)
    manifest.write_text(json.dumps(wanted))
    size = sum(p.stat().st_size for p in paths) / 2**20
    print(
        f"  generated {n_files} x {records_per_file} records ({size:.0f} MiB gzip) in "
        f"{time.perf_counter() - started:.0f} s: {folder.relative_to(REPO_ROOT)}"
    )
    return paths


def throughput(paths: list[Path], workers: int, chunk_size: int) -> tuple[float, int, list[float]]:
    """Records/s over all files with ``workers`` fresh processes, and each task's worker peak."""
    out = WORK / f"out-{workers}w"
    shutil.rmtree(out, ignore_errors=True)
    context = multiprocessing.get_context("spawn")  # as Prefect's ProcessPoolTaskRunner does
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(run_file, p, out, chunk_size) for p in paths]
        done = [f.result() for f in futures]
    seconds = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    records = sum(result.records for result, _ in done)
    broken = [result.line() for result, _ in done if result.error or result.failures]
    if broken:
        print("  WARNING: failures during the run:\n    " + "\n    ".join(broken))
    return records / seconds, records, [rss for _, rss in done]


def memory_profile(path: Path, chunk_size: int) -> list[tuple[int, float]]:
    out = WORK / "out-memory"
    shutil.rmtree(out, ignore_errors=True)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        samples = pool.submit(run_with_samples, path, out, chunk_size).result()
    shutil.rmtree(out, ignore_errors=True)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000, help="throughput corpus size")
    parser.add_argument("--files", type=int, default=4, help="files the throughput corpus has")
    parser.add_argument("--memory-small", type=int, default=50_000)
    parser.add_argument("--memory-large", type=int, default=200_000)
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if not SHARED_DIR.exists():
        sys.exit(f"{SHARED_DIR} is absent: the generator reads the shared PubMed records in place")
    print(f"corpus_scale: chunk size {args.chunk_size}, {multiprocessing.cpu_count()} CPU(s)")

    per_file = -(-args.records // args.files)
    paths = generated(WORK / f"throughput-{args.files}x{per_file}", args.files, per_file, args.seed)
    rate_1, records, rss_1 = throughput(paths, 1, args.chunk_size)
    print(
        f"  1 worker : {rate_1:8.1f} records/s on {records} records; peak RSS {max(rss_1):.0f} MiB"
    )
    rate_2, _, rss_2 = throughput(paths, 2, args.chunk_size)
    print(
        f"  2 workers: {rate_2:8.1f} records/s on {records} records; peak RSS per worker "
        f"{max(rss_2):.0f} MiB"
    )
    print(f"  scaling 2 workers / 1 worker: {rate_2 / rate_1:.2f}x (ideal 2.00x)")

    big = generated(WORK / f"memory-1x{args.memory_large}", 1, args.memory_large, args.seed + 1)
    samples = memory_profile(big[0], args.chunk_size)
    at_small = next(rss for n, rss in samples if n >= args.memory_small)
    at_large = samples[-1][1]
    print(
        f"  memory, 1 worker, one file: peak RSS {at_small:.0f} MiB after {args.memory_small} "
        f"records, {at_large:.0f} MiB after {samples[-1][0]} records: ratio "
        f"{at_large / at_small:.2f} (flat = 1.00; input {samples[-1][0] / args.memory_small:.0f}x)"
    )


if __name__ == "__main__":
    main()
