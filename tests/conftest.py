"""Shared test fixtures.

``../shared/`` (beside the repository) holds third-party data that tests read in place. On a user's
fresh clone it is absent, and every test that needs it skips with a reason saying so.
"""

from __future__ import annotations

from pathlib import Path

import pytest

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


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return shared_path()
