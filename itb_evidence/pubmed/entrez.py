"""The one gateway to NCBI E-utilities: configuration, base URL, rate limit, retries, redaction.

Bio.Entrez builds requests well (parameters, ``tool``/``email``/``api_key``, GET vs POST) but its
transport policy is unfit for a pipeline (see ../shared/NOTES.md): a hard-coded NCBI URL, no
timeout, an unguarded module-level rate timestamp, and instant retries on 429/5xx. So this module
keeps ``Entrez.esearch``/``Entrez.efetch`` and owns the policy around them:

- ``Entrez.max_tries = 1``: Bio.Entrez never retries by itself, so retries do not multiply.
- Base URL (``ITB_EUTILS_BASE_URL``, for mirrors and the loopback test server) and the socket
  timeout are applied at one transport seam, ``Entrez._build_request``, wrapped once per process.
  The wrapper only acts inside ``call_eutility`` (a context variable says so); any other caller of
  Bio.Entrez gets stock behaviour.
- One process-wide rate limiter per rate (optionally a cross-process file lock) spaces *every*
  request, including retries, across threads: Prefect's thread-pool tasks share it.
- Retries (tenacity) with exponential backoff and jitter on 429/5xx, timeouts, resets, truncated
  or malformed XML; ``Retry-After`` is honoured and also pauses the shared limiter.
- The API key is sent to NCBI and nowhere else: it is excluded from ``repr``, and every log line
  and error message goes through ``redact``.
"""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import logging
import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Final, TypeVar

from Bio import Entrez
from lxml import etree
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from itb_evidence.pubmed.xmlreader import MalformedXMLError, UnsafeXMLError, XMLProblem
from itb_evidence.settings import (
    ENV_API_KEY,
    ENV_BACKOFF_BASE,
    ENV_BACKOFF_CAP,
    ENV_BASE_URL,
    ENV_EMAIL,
    ENV_MAX_ATTEMPTS,
    ENV_RATE,
    ENV_RATE_LOCK,
    ENV_TIMEOUT,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

NCBI_EUTILS_BASE_URL: Final = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
TOOL_NAME: Final = "itb-evidence"
RETRYABLE_HTTP_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
# Bio.Entrez._open still sleeps by itself (0.37 s without a key, 0.1 s with). Our limiter never
# spaces requests closer than that, so its unguarded timestamp is never raced (NOTES.md).
_BIO_ENTREZ_SPACING_S: Final = {False: 0.37, True: 0.1}
_SPACING_MARGIN_S: Final = 0.005
# Requests reach the server with jitter (thread scheduling, a busy host): spacing 10% wider than
# 1/rate keeps any 1-second window at or under the limit as measured at the server.
_RATE_HEADROOM: Final = 1.1


# --------------------------------------------------------------------------- errors


class EntrezError(RuntimeError):
    """Base class for everything this gateway raises."""


class EntrezConfigError(EntrezError):
    """The environment does not describe a usable configuration."""


class EutilsErrorResponse(EntrezError):
    """HTTP 200 carrying a top-level ``<ERROR>``: NCBI's way of reporting backend trouble."""


class EntrezRequestError(EntrezError):
    """An E-utility call failed for good (after retries, or at once if not retryable)."""

    def __init__(self, *, operation: str, context: str, attempts: int, reason: str) -> None:
        self.operation = operation
        self.context = context
        self.attempts = attempts
        self.reason = reason
        tries = "try" if attempts == 1 else "tries"
        super().__init__(f"{operation} {context}: failed after {attempts} {tries}: {reason}")


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True)
class EntrezConfig:
    """Everything the gateway needs; build it with ``from_env`` in production.

    ``api_key`` is kept out of ``repr``/``str`` (``has_api_key`` says whether one is set).
    """

    email: str
    api_key: str | None = field(default=None, repr=False)
    tool: str = TOOL_NAME
    base_url: str = NCBI_EUTILS_BASE_URL
    timeout_s: float = 30.0
    max_attempts: int = 6
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    max_retry_after_s: float = 120.0
    requests_per_second: float | None = None  # None: NCBI's limit, 3/s (10/s with an API key)
    rate_lock_file: Path | None = None  # set to share the limit across processes

    def __post_init__(self) -> None:
        if not self.email or "@" not in self.email:
            raise EntrezConfigError(
                f"NCBI requires a contact email on every request; got {self.email!r}. "
                f"Set {ENV_EMAIL}=you@example.org."
            )
        if not self.base_url.startswith(("http://", "https://")):
            raise EntrezConfigError(f"{ENV_BASE_URL} must be an http(s) URL, got {self.base_url!r}")
        if self.max_attempts < 1 or self.timeout_s <= 0 or self.backoff_base_s < 0:
            raise EntrezConfigError(
                "max_attempts must be >= 1, timeout_s > 0 and backoff_base_s >= 0 "
                f"(got {self.max_attempts}, {self.timeout_s}, {self.backoff_base_s})"
            )

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key)

    @property
    def min_interval_s(self) -> float:
        """Seconds between two request starts, process-wide (never below Bio.Entrez's own)."""
        rate = self.requests_per_second or (10.0 if self.has_api_key else 3.0)
        bio_floor = _BIO_ENTREZ_SPACING_S[self.has_api_key] + _SPACING_MARGIN_S
        return max(_RATE_HEADROOM / rate, bio_floor)

    def redact(self, text: str) -> str:
        return redact(text, self.api_key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EntrezConfig:
        """Read ``NCBI_EMAIL``, ``NCBI_API_KEY``, ``ITB_EUTILS_*`` (see module constants)."""
        env = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            raw = env.get(name, "").strip()
            if not raw:
                return default
            try:
                return float(raw)
            except ValueError:
                raise EntrezConfigError(f"{name} must be a number, got {raw!r}") from None

        rate_raw = env.get(ENV_RATE, "").strip()
        lock_raw = env.get(ENV_RATE_LOCK, "").strip()
        return cls(
            email=env.get(ENV_EMAIL, "").strip(),
            api_key=env.get(ENV_API_KEY, "").strip() or None,
            base_url=env.get(ENV_BASE_URL, "").strip() or NCBI_EUTILS_BASE_URL,
            timeout_s=number(ENV_TIMEOUT, 30.0),
            max_attempts=int(number(ENV_MAX_ATTEMPTS, 6)),
            backoff_base_s=number(ENV_BACKOFF_BASE, 1.0),
            backoff_cap_s=number(ENV_BACKOFF_CAP, 60.0),
            requests_per_second=number(ENV_RATE, 0.0) if rate_raw else None,
            rate_lock_file=Path(lock_raw) if lock_raw else None,
        )


def configure(config: EntrezConfig) -> None:
    """Set Bio.Entrez's module globals (email, api_key, tool, max_tries=1) and install the seam.

    ``call_eutility`` also passes tool/email/api_key explicitly on every call, so concurrent
    callers with different configs cannot see each other's values.
    """
    # Bio.Entrez annotates these globals as None; they accept strings at run time.
    Entrez.email = config.email  # type: ignore[assignment]
    Entrez.api_key = config.api_key  # type: ignore[assignment]
    Entrez.tool = config.tool
    Entrez.max_tries = 1
    install_transport_seam()


# --------------------------------------------------------------------------- redaction

_API_KEY_IN_TEXT = re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE)


def redact(text: str, api_key: str | None = None) -> str:
    """Remove API keys from text: any ``api_key=...`` URL parameter and the literal key."""
    text = _API_KEY_IN_TEXT.sub(r"\1[REDACTED]", text)
    if api_key:
        text = text.replace(api_key, "[REDACTED]")
    return text


# --------------------------------------------------------------------------- transport seam


@dataclass(frozen=True)
class _Transport:
    base_url: str
    timeout_s: float

    def rewrite(self, cgi: str) -> str:
        if cgi.startswith(NCBI_EUTILS_BASE_URL):
            return self.base_url.rstrip("/") + "/" + cgi[len(NCBI_EUTILS_BASE_URL) :]
        return cgi


class _TimedRequest(urllib.request.Request):
    """A Request whose socket timeout survives ``urlopen(request)`` without a timeout argument.

    Bio.Entrez calls ``urlopen(request)``; urllib then assigns the global default timeout (none)
    to ``request.timeout``. The setter ignores that, so our timeout reaches the connection.
    """

    def __init__(self, original: urllib.request.Request, timeout_s: float) -> None:
        super().__init__(
            original.full_url,
            data=original.data,
            headers=dict(original.header_items()),
            method=original.get_method(),
        )
        self._pinned_timeout = timeout_s

    @property
    def timeout(self) -> float:
        return self._pinned_timeout

    @timeout.setter
    def timeout(self, _value: object) -> None:
        return None


_active_transport: ContextVar[_Transport | None] = ContextVar("itb_eutils_transport", default=None)
_seam_lock = threading.Lock()
_SEAM_MARKER = "_itb_evidence_original"


def install_transport_seam() -> None:
    """Wrap ``Entrez._build_request`` once per process (idempotent, thread-safe)."""
    with _seam_lock:
        current = Entrez._build_request
        if getattr(current, _SEAM_MARKER, None) is not None:
            return
        original: Callable[..., urllib.request.Request] = current

        def build_request(cgi: str, *args: Any, **kwargs: Any) -> urllib.request.Request:
            transport = _active_transport.get()
            if transport is None:
                return original(cgi, *args, **kwargs)
            request = original(transport.rewrite(cgi), *args, **kwargs)
            return _TimedRequest(request, transport.timeout_s)

        setattr(build_request, _SEAM_MARKER, original)
        Entrez._build_request = build_request


@contextlib.contextmanager
def eutils_transport(config: EntrezConfig) -> Iterator[None]:
    """Within this block (this thread/context only), Bio.Entrez requests use the config's base
    URL and timeout."""
    install_transport_seam()
    token = _active_transport.set(_Transport(config.base_url, config.timeout_s))
    try:
        yield
    finally:
        _active_transport.reset(token)


# --------------------------------------------------------------------------- rate limiting


class RateLimiter:
    """Thread-safe spacing of request starts, measured from the last *granted* start.

    A caller is let through only when ``interval_s`` has passed since the previous grant; others
    sleep and check again. Unlike handing out future slots in advance, this never releases a
    burst after the process was descheduled for a while (slots that "passed" during the stall
    are not owed to anyone). ``defer`` pushes the next grant back for everyone (``Retry-After``).
    """

    def __init__(self, interval_s: float) -> None:
        self.interval_s = interval_s
        self._lock = threading.Lock()
        self._next_grant = 0.0

    def _now(self) -> float:
        return time.monotonic()

    def _try_grant(self) -> float:
        """0.0 if the caller may go now (and the next grant moves on), else seconds to wait."""
        with self._lock:
            now = self._now()
            if now >= self._next_grant:
                self._next_grant = now + self.interval_s
                return 0.0
            return self._next_grant - now

    def acquire(self) -> float:
        """Block until this caller may send; returns the seconds waited."""
        waited = 0.0
        while (wait := self._try_grant()) > 0:
            time.sleep(wait)
            waited += wait
        return waited

    def defer(self, seconds: float) -> None:
        with self._lock:
            self._next_grant = max(self._next_grant, self._now() + seconds)


class FileRateLimiter(RateLimiter):
    """The same rule with the next-grant time kept in a file under ``flock``, so separate
    processes (each with its own limiter object) share one limit."""

    def __init__(self, interval_s: float, path: Path) -> None:
        super().__init__(interval_s)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)

    def _now(self) -> float:
        return time.time()  # wall clock: monotonic clocks are not comparable across processes

    @contextlib.contextmanager
    def _locked(self) -> Iterator[tuple[Any, float]]:
        """The open file (positioned at 0) and the stored next-grant time, under the lock."""
        with self._lock, open(self.path, "a+", encoding="ascii") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                raw = handle.read().strip()
                try:
                    stored = float(raw) if raw else 0.0
                except ValueError:
                    stored = 0.0  # a torn or foreign file: start afresh
                yield handle, stored
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _store(handle: Any, next_grant: float) -> None:
        handle.seek(0)
        handle.truncate()
        handle.write(repr(next_grant))
        handle.flush()

    def _try_grant(self) -> float:
        with self._locked() as (handle, next_grant):
            now = self._now()
            if now >= next_grant:
                self._store(handle, now + self.interval_s)
                return 0.0
            return next_grant - now

    def defer(self, seconds: float) -> None:
        with self._locked() as (handle, next_grant):
            self._store(handle, max(next_grant, self._now() + seconds))


_limiters: dict[tuple[float, str | None], RateLimiter] = {}
_limiters_lock = threading.Lock()


def shared_rate_limiter(config: EntrezConfig) -> RateLimiter:
    """The process-wide limiter for this config's rate (and lock file, if any)."""
    lock_file = str(config.rate_lock_file) if config.rate_lock_file else None
    key = (config.min_interval_s, lock_file)
    with _limiters_lock:
        limiter = _limiters.get(key)
        if limiter is None:
            if config.rate_lock_file is not None:
                limiter = FileRateLimiter(config.min_interval_s, config.rate_lock_file)
            else:
                limiter = RateLimiter(config.min_interval_s)
            _limiters[key] = limiter
        return limiter


# --------------------------------------------------------------------------- retry policy


def backoff_delay(attempt: int, *, base_s: float, cap_s: float, rng: random.Random) -> float:
    """Exponential backoff with "equal jitter" before retry number ``attempt`` (1-based).

    The ceiling doubles each attempt (base, 2*base, 4*base, ... capped at ``cap_s``); the delay is
    half the ceiling plus a uniform random share of the other half, so it always grows roughly
    exponentially (unlike full jitter, which can retry at once) yet concurrent clients spread out.
    """
    if attempt < 1:
        raise ValueError(f"attempt numbers start at 1, got {attempt}")
    ceiling = min(cap_s, base_s * 2.0 ** (attempt - 1))
    return ceiling / 2.0 + rng.uniform(0.0, ceiling / 2.0)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_delay(
    attempt: int,
    *,
    retry_after_s: float | None,
    base_s: float,
    cap_s: float,
    max_retry_after_s: float,
    rng: random.Random,
) -> float:
    """The wait before retry ``attempt``: the backoff, or the server's Retry-After if longer
    (Retry-After capped at ``max_retry_after_s`` so a hostile header cannot stall a run)."""
    delay = backoff_delay(attempt, base_s=base_s, cap_s=cap_s, rng=rng)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, max_retry_after_s))
    return delay


def retry_after_of(exc: BaseException | None) -> float | None:
    if isinstance(exc, urllib.error.HTTPError) and exc.headers is not None:
        return parse_retry_after(exc.headers.get("Retry-After"))
    return None


def is_retryable(exc: BaseException) -> bool:
    """Transient failures worth another try; bad requests and unsafe payloads are not."""
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code in RETRYABLE_HTTP_STATUSES
    if isinstance(exc, UnsafeXMLError):
        return False
    return isinstance(
        exc,
        urllib.error.URLError  # connection refused/reset, DNS hiccups
        | TimeoutError
        | ConnectionError
        | http.client.HTTPException  # IncompleteRead (truncated body), RemoteDisconnected
        | MalformedXMLError
        | EutilsErrorResponse,
    )


def describe_failure(exc: BaseException) -> str:
    """A short human account of one failed try (never includes a URL)."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, http.client.IncompleteRead):
        return (
            f"truncated response body ({len(exc.partial)} bytes received, "
            f"{exc.expected if exc.expected is not None else 'more'} bytes missing)"
        )
    if isinstance(exc, TimeoutError):
        return "timed out waiting for the server"
    if isinstance(exc, urllib.error.URLError):
        if isinstance(exc.reason, TimeoutError):
            return "timed out connecting to the server"
        return f"connection failed ({exc.reason})"
    if isinstance(exc, ConnectionError | http.client.HTTPException):
        return f"connection dropped ({type(exc).__name__}: {exc})"
    if isinstance(exc, XMLProblem | EutilsErrorResponse):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- the call


_OPERATIONS: Final = ("esearch", "efetch")


def _send(operation: str, params: Mapping[str, Any], config: EntrezConfig) -> bytes:
    """One HTTP exchange through Bio.Entrez, with our base URL and timeout."""
    call = getattr(Entrez, operation)
    Entrez.max_tries = 1  # reassert: someone else may have changed the module global
    explicit = {"tool": config.tool, "email": config.email, "api_key": config.api_key}
    with eutils_transport(config):
        handle = call(**{**params, **explicit})
    try:
        body = handle.read()
    finally:
        handle.close()
    return body.encode("utf-8") if isinstance(body, str) else body


def top_level_errors(root: etree._Element) -> list[str]:
    """Non-empty top-level ``<ERROR>`` texts (an empty ``<ERROR/>``, as espell sends, is none)."""
    return [text for node in root.findall("ERROR") if (text := (node.text or "").strip())]


def call_eutility(
    operation: str,
    params: Mapping[str, Any],
    *,
    parse: Callable[[bytes], T],
    context: str,
    config: EntrezConfig,
    rng: random.Random | None = None,
    log_context: str | None = None,
) -> T:
    """Call ``Entrez.<operation>(**params)`` under the limiter and retry policy; ``parse`` turns
    the body into the result and may raise ``MalformedXMLError``/``EutilsErrorResponse`` (retried)
    or ``UnsafeXMLError`` (not). ``context`` names what is being fetched in the error raised
    ("batch 3/12 (5 PMIDs: 1, 2, ...)"); ``log_context`` (default ``context``) in the log lines,
    one per retry, which should stay short ("batch 3/12 (200 PMIDs)"). Raises
    ``EntrezRequestError`` when it gives up.
    """
    if operation not in _OPERATIONS:
        raise ValueError(f"unsupported E-utility {operation!r}; expected one of {_OPERATIONS}")
    configure(config)
    limiter = shared_rate_limiter(config)
    jitter = rng or random.Random()
    short = log_context or context

    tries = 0

    def attempt() -> T:
        nonlocal tries
        tries += 1
        limiter.acquire()
        return parse(_send(operation, params, config))

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = retry_after_of(exc)
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()  # headers stay readable; the socket is released before we sleep
        if retry_after is not None:
            limiter.defer(min(retry_after, config.max_retry_after_s))
        return retry_delay(
            state.attempt_number,
            retry_after_s=retry_after,
            base_s=config.backoff_base_s,
            cap_s=config.backoff_cap_s,
            max_retry_after_s=config.max_retry_after_s,
            rng=jitter,
        )

    def log_retry(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        sleep_s = state.next_action.sleep if state.next_action else 0.0
        logger.warning(
            config.redact(
                f"{operation} {short}: try {state.attempt_number}/{config.max_attempts} failed "
                f"({describe_failure(exc) if exc else 'unknown'}); retrying in {sleep_s:.2f} s"
            )
        )

    retrying = Retrying(
        stop=stop_after_attempt(config.max_attempts),
        wait=wait,
        retry=retry_if_exception(is_retryable),
        before_sleep=log_retry,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except (OSError, http.client.HTTPException, XMLProblem, EutilsErrorResponse) as exc:
        # OSError covers HTTPError, URLError, timeouts and resets; anything else is a bug here,
        # not an NCBI fault, and surfaces unchanged.
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()  # release the socket
        error = EntrezRequestError(
            operation=operation,
            context=config.redact(context),
            attempts=tries,
            reason=config.redact(describe_failure(exc)),
        )
        tried = "try" if tries == 1 else "tries"
        logger.error(
            config.redact(f"{operation} {short}: failed after {tries} {tried}: {error.reason}")
        )
        raise error from None
