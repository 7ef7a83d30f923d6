"""The gateway's policy as pure functions and small objects: backoff, Retry-After, redaction,
configuration, retry classification, rate limiters and the transport seam (no server)."""

from __future__ import annotations

import http.client
import itertools
import random
import threading
import time
import urllib.error
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from Bio import Entrez

from itb_evidence.pubmed.entrez import (
    NCBI_EUTILS_BASE_URL,
    EntrezConfig,
    EntrezConfigError,
    EutilsErrorResponse,
    FileRateLimiter,
    RateLimiter,
    backoff_delay,
    eutils_transport,
    install_transport_seam,
    is_retryable,
    parse_retry_after,
    redact,
    retry_delay,
    shared_rate_limiter,
)
from itb_evidence.pubmed.xmlreader import MalformedXMLError, UnsafeXMLError

SECRET = "0123456789abcdefSECRETKEY"


# ----------------------------------------------------------------------------- backoff


@pytest.mark.parametrize(
    ("attempt", "ceiling"), [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (6, 30.0)]
)
def test_backoff_stays_between_half_and_full_ceiling(attempt: int, ceiling: float) -> None:
    rng = random.Random(7)
    delays = [backoff_delay(attempt, base_s=1.0, cap_s=30.0, rng=rng) for _ in range(500)]
    assert min(delays) >= ceiling / 2
    assert max(delays) <= ceiling
    # Jitter really spreads the delays over the upper half of the ceiling.
    assert max(delays) - min(delays) > ceiling * 0.4


def test_backoff_grows_exponentially_until_the_cap() -> None:
    lows = [backoff_delay(n, base_s=0.5, cap_s=10.0, rng=random.Random(0)) for n in range(1, 9)]
    assert lows[0] < lows[1] < lows[2] < lows[3] < lows[4]  # 0.25+, 0.5+, 1+, 2+, 4+
    assert all(d <= 10.0 for d in lows)
    assert lows[-1] >= 5.0  # capped ceiling 10 -> at least half of it


def test_backoff_is_reproducible_with_a_seeded_rng_and_rejects_attempt_zero() -> None:
    first = [backoff_delay(3, base_s=1, cap_s=60, rng=random.Random(42)) for _ in range(3)]
    assert first[0] == first[1] == first[2]
    with pytest.raises(ValueError, match="start at 1"):
        backoff_delay(0, base_s=1, cap_s=60, rng=random.Random(0))


# ----------------------------------------------------------------------------- Retry-After


def test_parse_retry_after_seconds_dates_and_garbage() -> None:
    now = datetime(2025, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0  # in the past
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("", now=now) is None
    assert parse_retry_after(None, now=now) is None


def test_retry_delay_honours_retry_after_but_caps_it() -> None:
    rng = random.Random(1)
    common = {"base_s": 0.01, "cap_s": 0.05, "max_retry_after_s": 5.0}
    assert retry_delay(1, retry_after_s=None, rng=rng, **common) <= 0.01
    assert retry_delay(1, retry_after_s=2.0, rng=rng, **common) == 2.0
    assert retry_delay(1, retry_after_s=3600.0, rng=rng, **common) == 5.0
    # A short Retry-After never shortens the backoff.
    slow = {"base_s": 1.0, "cap_s": 60.0, "max_retry_after_s": 5.0}
    assert retry_delay(3, retry_after_s=0.0, rng=rng, **slow) >= 2.0


# ----------------------------------------------------------------------------- redaction, config


def test_redact_removes_key_parameters_and_literal_keys() -> None:
    url = f"https://x/esearch.fcgi?db=pubmed&api_key={SECRET}&tool=t"
    assert SECRET not in redact(url)
    assert "api_key=[REDACTED]&tool=t" in redact(url)
    assert redact(f"body said {SECRET}", SECRET) == "body said [REDACTED]"


def test_config_never_shows_the_api_key() -> None:
    config = EntrezConfig(email="me@example.org", api_key=SECRET)
    assert SECRET not in repr(config)
    assert SECRET not in str(config)
    assert config.has_api_key


def test_config_from_env_reads_every_setting(tmp_path: Path) -> None:
    env = {
        "NCBI_EMAIL": "me@example.org",
        "NCBI_API_KEY": SECRET,
        "ITB_EUTILS_BASE_URL": "http://127.0.0.1:9/eutils/",
        "ITB_EUTILS_TIMEOUT_S": "2.5",
        "ITB_EUTILS_MAX_ATTEMPTS": "3",
        "ITB_EUTILS_BACKOFF_BASE_S": "0.01",
        "ITB_EUTILS_BACKOFF_CAP_S": "0.2",
        "ITB_EUTILS_REQUESTS_PER_SECOND": "2",
        "ITB_EUTILS_RATE_LOCK_FILE": str(tmp_path / "rate.lock"),
    }
    config = EntrezConfig.from_env(env)
    assert (config.email, config.api_key, config.base_url) == (
        "me@example.org",
        SECRET,
        "http://127.0.0.1:9/eutils/",
    )
    assert (config.timeout_s, config.max_attempts, config.backoff_base_s) == (2.5, 3, 0.01)
    assert config.backoff_cap_s == 0.2
    assert config.rate_lock_file == tmp_path / "rate.lock"
    assert config.min_interval_s == pytest.approx(1.1 / 2)
    assert config.tool == "itb-evidence"
    defaults = EntrezConfig.from_env({"NCBI_EMAIL": "me@example.org"})
    assert defaults.base_url == NCBI_EUTILS_BASE_URL
    assert defaults.api_key is None


def test_config_requires_an_email_and_numbers() -> None:
    with pytest.raises(EntrezConfigError, match="NCBI_EMAIL"):
        EntrezConfig.from_env({})
    with pytest.raises(EntrezConfigError, match="ITB_EUTILS_TIMEOUT_S must be a number"):
        EntrezConfig.from_env({"NCBI_EMAIL": "a@b.org", "ITB_EUTILS_TIMEOUT_S": "fast"})
    with pytest.raises(EntrezConfigError, match="http"):
        EntrezConfig(email="a@b.org", base_url="ftp://mirror/")


def test_request_spacing_matches_ncbi_limits_and_bio_entrez_floor() -> None:
    no_key = EntrezConfig(email="a@b.org")
    with_key = EntrezConfig(email="a@b.org", api_key=SECRET)
    assert 1 / 3 <= no_key.min_interval_s <= 0.4  # <= 3/s, and never under Bio's 0.37 s
    assert 0.1 <= with_key.min_interval_s <= 0.111  # <= 10/s with 10% headroom
    # Asking for more than Bio.Entrez's own spacing cannot go below it.
    assert EntrezConfig(email="a@b.org", requests_per_second=50).min_interval_s >= 0.37


# ----------------------------------------------------------------------------- classification


def _http_error(code: int) -> urllib.error.HTTPError:
    return urllib.error.HTTPError("http://x", code, "msg", Message(), None)


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (_http_error(429), True),
        (_http_error(500), True),
        (_http_error(502), True),
        (_http_error(503), True),
        (_http_error(504), True),
        (_http_error(400), False),
        (_http_error(404), False),
        (TimeoutError("timed out"), True),
        (ConnectionResetError(104, "reset"), True),
        (urllib.error.URLError(ConnectionRefusedError(111, "refused")), True),
        (http.client.IncompleteRead(b"abc", 10), True),
        (http.client.RemoteDisconnected("gone"), True),
        (MalformedXMLError("cut"), True),
        (EutilsErrorResponse("backend"), True),
        (UnsafeXMLError("xxe"), False),
        (ValueError("bug"), False),
    ],
)
def test_what_is_retried(exc: BaseException, retry: bool) -> None:
    assert is_retryable(exc) is retry


# ----------------------------------------------------------------------------- rate limiters


def _start_times(limiter: RateLimiter, threads: int, each: int) -> list[float]:
    stamps: list[float] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(each):
            limiter.acquire()
            with lock:
                stamps.append(time.monotonic())

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sorted(stamps)


def test_rate_limiter_spaces_threads() -> None:
    stamps = _start_times(RateLimiter(0.05), threads=4, each=4)
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(stamps) == 16
    assert min(gaps) >= 0.05 - 0.015  # thread wake-up noise on a busy machine only
    assert stamps[-1] - stamps[0] >= 15 * 0.05 - 0.015


def test_file_rate_limiter_is_shared_by_separate_instances(tmp_path: Path) -> None:
    """Two instances on one lock file stand for two processes: together they keep the spacing."""
    path = tmp_path / "eutils.rate"
    first, second = FileRateLimiter(0.05, path), FileRateLimiter(0.05, path)
    stamps: list[float] = []
    lock = threading.Lock()

    def work(limiter: RateLimiter) -> None:
        for _ in range(5):
            limiter.acquire()
            with lock:
                stamps.append(time.time())

    workers = [threading.Thread(target=work, args=(lim,)) for lim in (first, second)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    stamps.sort()
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert min(gaps) >= 0.05 - 0.015
    assert stamps[-1] - stamps[0] >= 9 * 0.05 - 0.015


def test_limiter_defer_pushes_everyone_back() -> None:
    limiter = RateLimiter(0.001)
    limiter.acquire()
    limiter.defer(0.15)
    assert limiter.acquire() >= 0.14


def test_one_limiter_per_rate_is_shared_process_wide() -> None:
    a = shared_rate_limiter(EntrezConfig(email="a@b.org"))
    b = shared_rate_limiter(EntrezConfig(email="other@b.org", tool="x"))
    keyed = shared_rate_limiter(EntrezConfig(email="a@b.org", api_key=SECRET))
    assert a is b
    assert keyed is not a


# ----------------------------------------------------------------------------- transport seam


def test_transport_seam_rewrites_only_inside_the_context() -> None:
    install_transport_seam()
    install_transport_seam()  # idempotent: still one wrapper around the original
    build: Any = Entrez._build_request  # Bio.Entrez is untyped
    original = build._itb_evidence_original
    assert getattr(original, "_itb_evidence_original", None) is None
    cgi = NCBI_EUTILS_BASE_URL + "esearch.fcgi"
    params = {"db": "pubmed", "term": "x", "email": "a@b.org"}
    outside = build(cgi, dict(params))
    assert outside.full_url.startswith(cgi)
    config = EntrezConfig(email="a@b.org", base_url="http://127.0.0.1:9/mirror/", timeout_s=1.5)
    with eutils_transport(config):
        inside = build(cgi, dict(params))
    assert inside.full_url.startswith("http://127.0.0.1:9/mirror/esearch.fcgi?")
    inside.timeout = None  # what urlopen does; the pinned timeout must survive
    assert inside.timeout == 1.5
    long_ids = {
        "db": "pubmed",
        "email": "a@b.org",
        "id": ",".join(str(30000000 + i) for i in range(200)),
    }
    with eutils_transport(config):
        assert build(NCBI_EUTILS_BASE_URL + "efetch.fcgi", long_ids).method == ("POST")
