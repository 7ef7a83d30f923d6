"""The corpus flow: one Prefect task per PubMed baseline/update file, run in parallel.

Wiring only: the work is :func:`itb_evidence.corpus.process.process_file`. The engine is
chosen per call:
a local process pool by default (Prefect's ``ProcessPoolTaskRunner``: spawned workers that stay up
across files, so each builds the spaCy pipeline once), or Dask through prefect-dask's
``DaskTaskRunner`` (``dask_address`` of a running scheduler, or ``dask_local`` workers in a
``LocalCluster``). One task per file because a task costs ~84 ms on Dask and a file takes minutes.

The task runner is fixed when a flow is defined, so ``extract_corpus_flow`` (the flow users and
deployments call, with the engine as parameters) runs the files in a subflow given the chosen
runner with ``with_options``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner

from itb_evidence.corpus.partitions import EVIDENCE_TABLES, source_name
from itb_evidence.corpus.process import (
    DEFAULT_CHUNK_SIZE,
    CorpusSummary,
    FileResult,
    check_unique_sources,
    process_file,
    summarize,
)
from itb_evidence.progress import track

PREFECT_DASK_PIN = "prefect-dask==0.3.7"


@task(name="extract-corpus-file", task_run_name="extract {path.name}", retries=1)
def process_file_task(path: Path, out_dir: Path, chunk_size: int) -> FileResult:
    """One file; a retry is safe because a rerun replaces the file's partition."""
    return process_file(path, out_dir, chunk_size=chunk_size)


@flow(name="itb-evidence-corpus-files")
def extract_files_flow(paths: list[Path], out_dir: Path, chunk_size: int) -> list[FileResult]:
    """Submit every file to this flow's task runner; a crashed file is reported, not fatal."""
    futures = [process_file_task.submit(path, out_dir, chunk_size) for path in paths]
    pending = track(
        zip(paths, futures, strict=True), "extract-corpus", total=len(paths), unit="files"
    )
    return [_result_or_error(path, future) for path, future in pending]


@flow(name="itb-evidence-extract-corpus")
def extract_corpus_flow(
    paths: list[Path],
    out_dir: Path,
    *,
    workers: int | None = None,
    dask_address: str | None = None,
    dask_local: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> CorpusSummary:
    """Extract every file into ``out_dir``'s partitioned Parquet dataset, files in parallel."""
    check_unique_sources(paths)
    runner = task_runner_for(
        len(paths), workers=workers, dask_address=dask_address, dask_local=dask_local
    )
    started = time.perf_counter()
    with _workers_share_this_api():
        results = extract_files_flow.with_options(task_runner=runner)(paths, out_dir, chunk_size)
    summary = summarize(results, time.perf_counter() - started)
    logger = get_run_logger()
    for line in summary.lines():
        logger.info(line)
    return summary


def task_runner_for(
    n_files: int,
    *,
    workers: int | None = None,
    dask_address: str | None = None,
    dask_local: int | None = None,
) -> TaskRunner[Any]:
    """The engine: a local process pool unless a Dask scheduler or a local Dask cluster is asked."""
    if dask_address is not None and dask_local is not None:
        raise ValueError("give either dask_address (a running scheduler) or dask_local, not both")
    if workers is not None and (dask_address is not None or dask_local is not None):
        raise ValueError("workers sizes the local process pool; with Dask, size the cluster")
    for name, value in (("workers", workers), ("dask_local", dask_local)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if dask_address is not None or dask_local is not None:
        return _dask_runner(dask_address, dask_local)
    size = workers or max(1, min(n_files, os.cpu_count() or 1))
    return ProcessPoolTaskRunner(max_workers=size)


@contextmanager
def _workers_share_this_api() -> Iterator[None]:
    """Make worker processes report to this flow's API server.

    Without ``PREFECT_API_URL`` Prefect serves a temporary API from this process; a spawned worker
    (process pool or Dask) that is given no URL starts a temporary server of its own (seconds
    each, and its task runs land in another database). Pinning the URL for the run avoids that.
    """
    context = FlowRunContext.get()
    if PREFECT_API_URL.value() or context is None:
        yield
        return
    with temporary_settings(updates={PREFECT_API_URL: str(context.client.api_url)}):
        yield


def _dask_runner(address: str | None, local_workers: int | None) -> TaskRunner[Any]:
    try:
        from prefect_dask.task_runners import DaskTaskRunner
    except ImportError as exc:  # optional: only the Dask engine needs it
        raise RuntimeError(
            f"the Dask engine needs prefect-dask: pip install {PREFECT_DASK_PIN}"
        ) from exc
    if address is not None:
        runner: TaskRunner[Any] = DaskTaskRunner(address=address)
        return runner
    # one thread per worker process: extraction is pure Python under the GIL
    cluster_kwargs = {
        "n_workers": local_workers,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": None,
    }
    runner = DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=cluster_kwargs)
    return runner


def _result_or_error(path: Path, future: PrefectFuture[FileResult]) -> FileResult:
    future.wait()
    state = future.state
    if state.is_completed():
        result: FileResult = future.result()
        return result
    message = f"task {state.name}: {state.message or 'no message'}"
    return FileResult(
        path=str(path),
        source=source_name(path),
        records=0,
        included=0,
        rows=dict.fromkeys(EVIDENCE_TABLES, 0),
        failures=0,
        parts=0,
        seconds=0.0,
        error=message,
    )
