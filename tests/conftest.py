"""Shared test fixtures.

``../shared/`` (beside the repository) holds third-party data that tests read in place. On a user's
fresh clone it is absent, and every test that needs it skips with a reason saying so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.fake_eutils import FakeEutils

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
DATA_DIR = REPO_ROOT / "data"
SHARED_MISSING_REASON = (
    f"{SHARED_DIR} is absent (a fresh clone): the shared third-party PubMed/E-utilities data and "
    "the gold dev set are read in place from there and never copied into the repository"
)


def shared_path(*parts: str) -> Path:
    """A path under ../shared, skipping the calling test with a clear reason when it is absent."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(SHARED_MISSING_REASON if not SHARED_DIR.exists() else f"{path} is missing")
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test marked ``shared`` skips, with the reason, where ../shared is absent (fresh clone)."""
    if SHARED_DIR.exists():
        return
    skip = pytest.mark.skip(reason=SHARED_MISSING_REASON)
    for item in items:
        if item.get_closest_marker("shared") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return shared_path()


# --- Prefect: one temporary API server for the whole test session (NOTES.md) --------------------
@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Quiet, isolated Prefect: PREFECT_HOME in a temp dir, analytics and API logging off."""
    import os

    home = tmp_path_factory.mktemp("prefect_home")
    settings = {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    }
    saved = {k: os.environ.get(k) for k in settings}
    os.environ.update(settings)
    from prefect.testing.utilities import prefect_test_harness

    try:
        with prefect_test_harness(server_startup_timeout=90):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --- Retrieval: loopback fake E-utilities server (tests/fake_eutils.py) -------------------------
@pytest.fixture
def fake_eutils(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEutils]:
    """A running fake E-utilities server; the gateway is pointed at it through the environment
    (``ITB_EUTILS_BASE_URL`` and friends, read by ``EntrezConfig.from_env``), with fast backoff
    and no API key. Records: the bundled snapshot plus ../shared PubMed XML when present."""
    from tests.support.fake_eutils import FakeEutils, default_record_sources

    server = FakeEutils(default_record_sources(REPO_ROOT, SHARED_DIR)).start()
    monkeypatch.setenv("ITB_EUTILS_BASE_URL", server.base_url)
    monkeypatch.setenv("NCBI_EMAIL", "itb-tests@example.org")
    monkeypatch.delenv("NCBI_API_KEY", raising=False)
    monkeypatch.delenv("ITB_EUTILS_REQUESTS_PER_SECOND", raising=False)
    monkeypatch.delenv("ITB_EUTILS_RATE_LOCK_FILE", raising=False)
    monkeypatch.setenv("ITB_EUTILS_TIMEOUT_S", "5")
    monkeypatch.setenv("ITB_EUTILS_MAX_ATTEMPTS", "4")
    monkeypatch.setenv("ITB_EUTILS_BACKOFF_BASE_S", "0.01")
    monkeypatch.setenv("ITB_EUTILS_BACKOFF_CAP_S", "0.05")
    try:
        yield server
    finally:
        server.stop()
