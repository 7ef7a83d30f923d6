"""Every environment variable and default of itb-evidence, in one place.

Stages read their settings from here rather than from ``os.environ`` directly, so a user (and a
newcomer) finds every knob in one file. Values are read when asked for, never cached at import,
so tests and long-lived processes see changes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

# Where things go
DEFAULT_DB: Final = Path("itb_evidence.duckdb")
DEFAULT_OUT_DIR: Final = Path("out")
SNAPSHOT_DIR: Final = Path(__file__).resolve().parent.parent / "data" / "snapshot"
ENV_DB: Final = "ITB_EVIDENCE_DB"  # --db
ENV_CURATOR: Final = "ITB_CURATOR"  # --by of curate commands

# One writer at a time on a store (``itb_evidence.store.store``): how long to wait, then refuse
ENV_STORE_WAIT: Final = "ITB_STORE_WAIT_S"  # for the store's DuckDB lock (a batch, a curator)
ENV_REFRESH_WAIT: Final = "ITB_REFRESH_WAIT_S"  # for another refresh of the same store to end
DEFAULT_STORE_WAIT_S: Final = 120.0
DEFAULT_REFRESH_WAIT_S: Final = 60.0

# The search
DEFAULT_QUERY: Final = (
    '("Baclofen"[MeSH Terms] OR baclofen[Title/Abstract]) '
    'AND ("Injections, Spinal"[MeSH Terms] OR "Infusion Pumps, Implantable"[MeSH Terms] '
    "OR intrathecal[Title/Abstract] OR ITB[Title/Abstract]) "
    'AND ("Spastic Paraplegia, Hereditary"[MeSH Terms] OR "hereditary spastic"[Title/Abstract] '
    'OR "familial spastic"[Title/Abstract] OR "spastic paraparesis"[Title/Abstract] '
    'OR "Strumpell-Lorrain"[Title/Abstract])'
)

# NCBI E-utilities (read by ``itb_evidence.pubmed.entrez.EntrezConfig.from_env``)
ENV_EMAIL: Final = "NCBI_EMAIL"  # required by NCBI's usage policy
ENV_API_KEY: Final = "NCBI_API_KEY"  # optional: 10 requests/s instead of 3
ENV_BASE_URL: Final = "ITB_EUTILS_BASE_URL"  # a mirror, or the tests' loopback fake server
ENV_TIMEOUT: Final = "ITB_EUTILS_TIMEOUT_S"  # default 30
ENV_MAX_ATTEMPTS: Final = "ITB_EUTILS_MAX_ATTEMPTS"  # default 6
ENV_BACKOFF_BASE: Final = "ITB_EUTILS_BACKOFF_BASE_S"  # default 1
ENV_BACKOFF_CAP: Final = "ITB_EUTILS_BACKOFF_CAP_S"  # default 60
ENV_RATE: Final = "ITB_EUTILS_REQUESTS_PER_SECOND"  # default 3, or 10 with an API key
ENV_RATE_LOCK: Final = "ITB_EUTILS_RATE_LOCK_FILE"  # cross-process limiter lock file

# Orchestration (Prefect)
ENV_TASK_RETRY_DELAY: Final = "ITB_TASK_RETRY_DELAY_S"  # Prefect's one late retry; default 60
ENV_NOTIFY_WEBHOOK: Final = "ITB_NOTIFY_WEBHOOK"  # POST the run summary as {"text": ...}
ENV_HOME: Final = "ITB_EVIDENCE_HOME"  # working directory of deployed runs (prefect.yaml)
# The only task result Prefect keeps on disk is a search answer, for this long (flows.retrieval)
SEARCH_CACHE_TTL_S: Final = 3600.0

# Quiet, reliable Prefect defaults for a CLI run without a Prefect server (measured: the
# telemetry heartbeat locked SQLite once; the 20 s ephemeral start-up timeout is close to the cold
# start here). Applied with ``setdefault`` so a user's own settings always win.
PREFECT_DEFAULTS: Final[Mapping[str, str]] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "ERROR",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
}


def apply_prefect_defaults() -> None:
    """Set :data:`PREFECT_DEFAULTS` where the user set nothing; call before importing Prefect."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)


class SettingError(ValueError):
    """An environment variable holds a value that cannot be used (one line, naming it)."""


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0 or not math.isfinite(value):
        raise SettingError(f"{name} must be a finite number of seconds >= 0, got {raw!r}")
    return value


def store_wait_s() -> float:
    """How long opening the store waits for another process's lock before refusing (default 120 s;
    the refresh holds it only while it writes a batch, a curator while it stores a correction)."""
    return _seconds(ENV_STORE_WAIT, DEFAULT_STORE_WAIT_S)


def refresh_wait_s() -> float:
    """How long a refresh (or demo) waits for another refresh of the same store before refusing
    (default 60 s)."""
    return _seconds(ENV_REFRESH_WAIT, DEFAULT_REFRESH_WAIT_S)


def task_retry_delay_s() -> float:
    """Delay before Prefect's one late retry of a task (default 60 s; tests set it to 0)."""
    return float(os.environ.get(ENV_TASK_RETRY_DELAY, "60"))


def notify_webhook() -> str | None:
    """The incoming-webhook URL run summaries are posted to, if one is set."""
    return os.environ.get(ENV_NOTIFY_WEBHOOK) or None


# Full text (PMC open access) after the abstract stage of refresh/demo (``fulltext.stage``)
ENV_FULLTEXT: Final = "ITB_FULLTEXT"  # 0/false/no/off: skip the full-text stage
# The demo's bundled JATS, beside the PubMed snapshot (``not_bundled.tsv`` says why one is absent)
SNAPSHOT_PMC_DIR: Final = SNAPSHOT_DIR / "pmc"


def fulltext_enabled() -> bool:
    """Whether refresh and demo look for full text of included studies (default yes)."""
    raw = os.environ.get(ENV_FULLTEXT, "").strip().lower()
    if raw in ("", "1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise SettingError(f"{ENV_FULLTEXT} must be 1 or 0 (true/false, yes/no, on/off), got {raw!r}")
