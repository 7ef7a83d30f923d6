"""The Prefect API server of a command-line run, which dies with the run's process.

Without ``PREFECT_API_URL`` Prefect starts a temporary API server in a child process; a run killed
with SIGKILL left that server running (an orphan per kill). :func:`prefect_api_server` starts the
same server through a wrapper that asks the Linux kernel to kill it when its parent dies
(``PR_SET_PDEATHSIG``), points Prefect at it for the run and stops it on a normal exit. It does
nothing (Prefect behaves as it always did) when ``PREFECT_API_URL`` is set, when Prefect's
temporary-server mode is off, off Linux, or off the main thread.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)


# --- the Prefect API server of a command-line run -----------------------------------------------
# Run in the server's process before it becomes uvicorn: ask the kernel to SIGKILL it when its
# parent (the run) dies, however it dies (PR_SET_PDEATHSIG survives execve); if the parent died
# before the request took effect, exit at once. ``python -c`` puts the arguments in sys.argv[1:]:
# the parent's pid, then the server's own command line.
_DIE_WITH_PARENT = """\
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
except (AttributeError, OSError):
    pass
if os.getppid() != int(sys.argv[1]):
    sys.exit(0)
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""
_PORT_IN_USE = 3  # uvicorn's exit status when it cannot bind


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command(port: int) -> list[str]:
    """Prefect's own ephemeral-server command (``SubprocessASGIServer``), behind the guard."""
    import prefect

    return [
        sys.executable,
        "-c",
        _DIE_WITH_PARENT,
        str(os.getpid()),
        "-m",
        "uvicorn",
        "--app-dir",
        str(prefect.__module_path__.parent),
        "--factory",
        "prefect.server.api.server:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "error",
        "--lifespan",
        "on",
    ]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait()


def _start_server(timeout_s: float) -> tuple[subprocess.Popen[bytes], str]:
    import httpx
    from prefect.settings import get_current_settings

    env = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
        **get_current_settings().to_environment_variables(exclude_unset=True),
    }
    deadline = time.monotonic() + timeout_s
    port = _free_port()
    process = subprocess.Popen(_server_command(port), env=env, stdin=subprocess.DEVNULL)
    try:
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                if process.poll() == _PORT_IN_USE:  # the port was taken meanwhile: another
                    port = _free_port()
                    process = subprocess.Popen(
                        _server_command(port), env=env, stdin=subprocess.DEVNULL
                    )
                elif process.poll() is not None:
                    raise RuntimeError(
                        f"the Prefect API server exited with status {process.returncode}"
                    )
                try:
                    if client.get(f"http://127.0.0.1:{port}/api/health").status_code == 200:
                        return process, f"http://127.0.0.1:{port}/api"
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        raise RuntimeError(
            f"the Prefect API server did not start within {timeout_s:g} s "
            "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)"
        )
    except BaseException:
        _stop(process)
        raise


@contextmanager
def prefect_api_server() -> Iterator[str | None]:
    """The Prefect API a command-line run talks to, tied to this process's life.

    Without a configured ``PREFECT_API_URL`` Prefect starts a temporary ("ephemeral") API server
    in a child process and stops it at a normal exit; ``kill -9`` skipped that, and the server
    lived on as an orphan. Here the same server (Prefect's own command) is started by this
    process with ``PR_SET_PDEATHSIG``: on Linux the kernel kills it when this process dies,
    whatever kills it; a normal exit stops it as before. The URL is yielded and used for the
    block (``None`` when nothing was started).

    Nothing is started, and Prefect behaves as it always did, when ``PREFECT_API_URL`` is set (a
    real server, a worker, the tests' harness), when ephemeral mode is turned off, off Linux
    (no ``prctl``: Prefect's own server, stopped at a normal exit only), or off the main thread
    (the kernel ties the server to the thread that started it).
    """
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_SERVER_ALLOW_EPHEMERAL_MODE,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
        temporary_settings,
    )

    if (
        PREFECT_API_URL.value()
        or not PREFECT_SERVER_ALLOW_EPHEMERAL_MODE.value()
        or not sys.platform.startswith("linux")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield None
        return
    process, url = _start_server(float(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS.value()))
    log.info("Prefect API server %s (pid %s) for this run", url, process.pid)
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        _stop(process)
