"""Resilient JSON-over-HTTP calls, shared by every remote detector backend.

A remote guardrail sits on the path of every LLM request, so a slow or failing backend must cost a bounded
amount of time and must not be hammered while it is down. One *call* (``post``/``post_sync``) makes up to
``1 + retries`` *attempts*:

- retried: connection failures (refused, reset, a protocol error), 429 and 5xx. Waits are exponential with
  full jitter (``backoff_ms * 2**n``, capped at ``backoff_cap_ms``), or the server's ``Retry-After`` (seconds,
  decimal seconds or an HTTP-date). A ``Retry-After`` above ``retry_after_cap_s`` (10 s) is not waited for:
  the call fails at once, since retrying earlier than the server asked is pointless.
- not retried: a timed-out attempt (``timeout_ms`` is sized as the detector's budget; a second attempt would
  overrun it and double the load on a struggling server), 401/403 (``unauthorized``), other 4xx
  (``http_status``), a 2xx body that is not JSON (``malformed``).
- ``budget_s`` (optional, per call) bounds the whole call: each attempt's timeout is cut to what remains, and
  a wait that would end past the budget is not started (the last error is raised instead).

A ``CircuitBreaker`` counts *calls*, not attempts. While it is open, calls fail at once with
``circuit_open`` and reach no server. What trips it: ``RemoteError.trips_breaker``.

Errors never carry request text, response text, URLs' credentials or the API key: ``RemoteError`` messages
name only the kind, the status, the path and the attempt count, and the httpx exception (whose request holds
the headers) is not chained. Nothing here logs a body or a header.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, TypeVar, overload

import anyio
import anyio.lowlevel
import httpx

from enkrypt_middleware._exceptions import EnkryptMiddlewareError
from enkrypt_middleware.detectors._common import http_base_url

__all__ = ["CircuitBreaker", "ErrorKind", "JsonCaller", "RemoteError", "Resilience", "retry_after_s"]

logger = logging.getLogger("enkrypt_middleware.remote")

ErrorKind = Literal["timeout", "connection", "http_status", "rate_limited", "malformed", "circuit_open", "unauthorized"]
T = TypeVar("T")
_TRIPPING: frozenset[str] = frozenset({"timeout", "connection", "rate_limited", "malformed", "unauthorized"})


class RemoteError(EnkryptMiddlewareError):
    """A remote call failed. ``kind`` says how; the message is safe to log and to show in ``errors``."""

    def __init__(self, kind: ErrorKind, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status

    @property
    def trips_breaker(self) -> bool:
        """Whether this failure says the backend is unhealthy (a 400 about one request does not)."""
        if self.kind == "http_status":
            return self.status is None or self.status >= 500
        return self.kind in _TRIPPING


@dataclass(frozen=True)
class Resilience:
    """Timeouts, retries and circuit breaking of one remote backend (see the module docstring)."""

    timeout_ms: int = 2000
    retries: int = 2
    backoff_ms: int = 50
    backoff_cap_ms: int = 1000
    retry_after_cap_s: float = 10.0
    breaker_failures: int = 5
    breaker_cooldown_s: float = 30.0

    def __post_init__(self) -> None:
        if self.timeout_ms <= 0:
            raise ValueError("timeout_ms must be > 0")
        for name in ("retries", "backoff_ms", "backoff_cap_ms", "retry_after_cap_s", "breaker_failures"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")
        if self.breaker_cooldown_s <= 0:
            raise ValueError("breaker_cooldown_s must be > 0")

    def backoff_s(self, retry: int) -> float:
        """The wait before retry number ``retry`` (1-based): full jitter, so clients that failed together
        do not retry together."""
        ceiling = min(self.backoff_cap_ms, self.backoff_ms * 2 ** (retry - 1)) / 1000
        return random.uniform(0, ceiling)


def retry_after_s(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds, decimal seconds or HTTP-date); None if absent
    or unreadable, so that the caller falls back to its own backoff."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - datetime.now(timezone.utc)).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


class CircuitBreaker:
    """Closed → open after ``failures`` consecutive failed calls → after ``cooldown_s`` one trial call
    (half-open) → its success closes, its failure re-opens. ``failures=0`` disables it.

    Thread-safe: the WSGI path calls from many threads, the ASGI path from one loop; state changes happen
    under a lock and never around an ``await``. ``clock`` is injectable so that tests need not sleep.
    """

    def __init__(self, failures: int = 5, cooldown_s: float = 30.0, *, clock: Callable[[], float] = time.monotonic):
        self.failures = failures
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._lock = threading.Lock()
        self._consecutive = 0
        self._opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> Literal["closed", "open", "half_open"]:
        """``half_open`` once the cool-down is over (a trial is allowed or running), ``open`` before."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            if self._trial or self._clock() - self._opened_at >= self.cooldown_s:
                return "half_open"
            return "open"

    @contextmanager
    def guard(self, path: str) -> Iterator[None]:
        """Run one call under the breaker: refuse it while open, record its outcome when it ends.

        A ``RemoteError`` counts as a failure when it ``trips_breaker`` and as a success otherwise (the server
        answered); any other exception, cancellation included, records nothing but frees the trial slot, so a
        cancelled trial cannot leave the breaker open for ever.
        """
        trial = self._enter(path)
        try:
            yield
        except RemoteError as err:
            self._finish(trial, ok=not err.trips_breaker)
            raise
        except BaseException:
            self._finish(trial, ok=None)
            raise
        self._finish(trial, ok=True)

    def _enter(self, path: str) -> bool:
        """Whether this call is the half-open trial; raises ``circuit_open`` when it may not run."""
        with self._lock:
            if self.failures == 0 or self._opened_at is None:
                return False
            if not self._trial and self._clock() - self._opened_at >= self.cooldown_s:
                self._trial = True
                return True
        raise RemoteError("circuit_open", f"{path} not called: the circuit is open after repeated failures")

    def _finish(self, trial: bool, *, ok: bool | None) -> None:
        if self.failures == 0:
            return
        with self._lock:
            if trial:
                self._trial = False
            if ok is None:
                return
            if ok:
                self._consecutive = 0
                self._opened_at = None
                return
            self._consecutive += 1
            if trial or (self._opened_at is None and self._consecutive >= self.failures):
                self._opened_at = self._clock()
                logger.warning(
                    "remote circuit opened after %d consecutive failures; retrying in %.1f s",
                    self._consecutive,
                    self.cooldown_s,
                )


class _Call:
    """The bookkeeping of one call: attempts made, time left, and the decision after each outcome."""

    def __init__(self, path: str, resilience: Resilience, budget_s: float | None) -> None:
        self.path = path
        self.resilience = resilience
        self.attempt = 0
        self.deadline = None if budget_s is None else time.monotonic() + budget_s

    def next_timeout(self) -> float:
        """Start an attempt: its timeout, cut to what remains of the budget."""
        timeout = self.resilience.timeout_ms / 1000
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise RemoteError("timeout", f"budget spent before {self.path} could be called")
            timeout = min(timeout, left)
        self.attempt += 1
        return timeout

    def step(self, outcome: httpx.Response | httpx.TransportError | None, timeout: float) -> httpx.Response | float:
        """After an attempt: the final response (read it with ``result``) or the wait before the next attempt;
        raises when the call should end. ``outcome`` None means the attempt ran out of time."""
        if outcome is None or isinstance(outcome, httpx.TimeoutException):
            raise RemoteError(
                "timeout", f"no answer from {self.path} within {timeout * 1000:.0f} ms ({self._attempts()})"
            )
        if isinstance(outcome, httpx.TransportError):
            return self._retry("connection", f"{type(outcome).__name__} calling {self.path}", None, None)
        status = outcome.status_code
        if status != 429 and status < 500:
            return outcome
        kind: ErrorKind = "rate_limited" if status == 429 else "http_status"
        return self._retry(
            kind, f"{status} from {self.path}", status, retry_after_s(outcome.headers.get("retry-after"))
        )

    def result(self, response: httpx.Response) -> Any:
        """The JSON of a final response, or the error it stands for."""
        status = response.status_code
        if status in (401, 403):
            raise RemoteError("unauthorized", f"{status} from {self.path} (check the API key)", status=status)
        if not 200 <= status < 300:
            raise RemoteError("http_status", f"{status} from {self.path}", status=status)
        try:
            return response.json()
        except ValueError:  # raised below, not here: a JSONDecodeError in __context__ would carry the body
            pass
        raise RemoteError("malformed", f"the answer from {self.path} is not JSON", status=status)

    def _retry(self, kind: ErrorKind, what: str, status: int | None, retry_after: float | None) -> float:
        error = RemoteError(kind, f"{what} after {self._attempts()}", status=status)
        if self.attempt > self.resilience.retries:
            raise error
        if retry_after is not None and retry_after > self.resilience.retry_after_cap_s:
            raise RemoteError(kind, f"{what}; Retry-After {retry_after:.0f} s is beyond our cap", status=status)
        delay = retry_after if retry_after is not None else self.resilience.backoff_s(self.attempt)
        if self.deadline is not None and time.monotonic() + delay >= self.deadline:
            raise error
        logger.info("remote %s (%s), attempt %d; retrying in %.3f s", kind, self.path, self.attempt, delay)
        return delay

    def _attempts(self) -> str:
        return f"{self.attempt} attempt{'s' if self.attempt != 1 else ''}"


async def _attempt(
    client: httpx.AsyncClient, path: str, body: Any, headers: Mapping[str, str] | None, timeout: float
) -> httpx.Response | httpx.TransportError | None:
    """One attempt; a network failure is returned, not raised, so that the ``RemoteError`` raised for it is
    not chained to it (the httpx exception holds the request, headers included). None: out of time."""
    try:
        with anyio.fail_after(timeout):  # bounds the whole attempt, not only each read
            return await client.post(path, json=body, headers=headers, timeout=timeout)
    except TimeoutError:
        return None
    except httpx.TransportError as exc:
        return exc


def _attempt_sync(
    client: httpx.Client, path: str, body: Any, headers: Mapping[str, str] | None, timeout: float
) -> httpx.Response | httpx.TransportError:
    """``_attempt`` for threads; httpx's timeout applies to each connect, read and write."""
    try:
        return client.post(path, json=body, headers=headers, timeout=timeout)
    except httpx.TransportError as exc:
        return exc


class JsonCaller:
    """POSTs JSON to one backend and returns the decoded answer, with the retries, budget and breaker of the
    module docstring.

    Connections are pooled: one ``httpx.Client`` for ``post_sync`` (shared by all threads; created under a
    lock) and one ``httpx.AsyncClient`` for ``post``. An AsyncClient belongs to the event loop it first ran
    on, so a call from another loop (e.g. asgiref's per-call loop on the WSGI path) replaces it; the old one
    is dropped, not closed, since its loop may be gone. Prefer ``post_sync`` from threads.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str],
        resilience: Resilience | None = None,
        *,
        transport: httpx.AsyncBaseTransport | httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = http_base_url(base_url)
        self.resilience = resilience or Resilience()
        self.breaker = CircuitBreaker(self.resilience.breaker_failures, self.resilience.breaker_cooldown_s, clock=clock)
        self._headers = {"Accept": "application/json", **headers}
        self._transport = transport
        self._lock = threading.Lock()
        self._sync: httpx.Client | None = None
        self._async: tuple[object, httpx.AsyncClient] | None = None

    @overload
    async def post(
        self, path: str, body: Any, extra_headers: Mapping[str, str] | None = None, *, budget_s: float | None = None
    ) -> Any: ...

    @overload
    async def post(
        self,
        path: str,
        body: Any,
        extra_headers: Mapping[str, str] | None = None,
        *,
        budget_s: float | None = None,
        read: Callable[[Any], T],
    ) -> T: ...

    async def post(
        self,
        path: str,
        body: Any,
        extra_headers: Mapping[str, str] | None = None,
        *,
        budget_s: float | None = None,
        read: Callable[[Any], Any] | None = None,
    ) -> Any:
        """POST ``body`` as JSON to ``path``; the decoded JSON answer, or ``read(answer)``. ``read`` runs under
        the breaker, so that an answer it rejects (``RemoteError("malformed", ...)``) counts as a failure."""
        with self.breaker.guard(path):
            call = _Call(path, self.resilience, budget_s)
            client = self._async_client()
            while True:
                timeout = call.next_timeout()
                step = call.step(await _attempt(client, path, body, extra_headers, timeout), timeout)
                if isinstance(step, httpx.Response):
                    answer = call.result(step)
                    return answer if read is None else read(answer)
                await anyio.sleep(step)

    @overload
    def post_sync(
        self, path: str, body: Any, extra_headers: Mapping[str, str] | None = None, *, budget_s: float | None = None
    ) -> Any: ...

    @overload
    def post_sync(
        self,
        path: str,
        body: Any,
        extra_headers: Mapping[str, str] | None = None,
        *,
        budget_s: float | None = None,
        read: Callable[[Any], T],
    ) -> T: ...

    def post_sync(
        self,
        path: str,
        body: Any,
        extra_headers: Mapping[str, str] | None = None,
        *,
        budget_s: float | None = None,
        read: Callable[[Any], Any] | None = None,
    ) -> Any:
        """``post`` for threads. The attempt timeout applies to each connect, read and write (httpx's)."""
        with self.breaker.guard(path):
            call = _Call(path, self.resilience, budget_s)
            client = self._sync_client()
            while True:
                timeout = call.next_timeout()
                step = call.step(_attempt_sync(client, path, body, extra_headers, timeout), timeout)
                if isinstance(step, httpx.Response):
                    answer = call.result(step)
                    return answer if read is None else read(answer)
                time.sleep(step)

    def _async_client(self) -> httpx.AsyncClient:
        loop = anyio.lowlevel.current_token().native_token
        with self._lock:
            if self._async is not None and self._async[0] is loop:
                return self._async[1]
            if self._async is not None:
                logger.debug("remote client: new event loop, new connection pool")
            transport = self._transport if isinstance(self._transport, httpx.AsyncBaseTransport) else None
            client = httpx.AsyncClient(base_url=self.base_url, headers=self._headers, transport=transport)
            self._async = (loop, client)
            return client

    def _sync_client(self) -> httpx.Client:
        with self._lock:
            if self._sync is None:
                transport = self._transport if isinstance(self._transport, httpx.BaseTransport) else None
                self._sync = httpx.Client(base_url=self.base_url, headers=self._headers, transport=transport)
            return self._sync

    async def aclose(self) -> None:
        """Close the pools: the async one if it belongs to the running loop (else it is dropped), and the sync
        one."""
        loop = anyio.lowlevel.current_token().native_token
        with self._lock:
            pooled, self._async = self._async, None
        if pooled is not None and pooled[0] is loop:
            await pooled[1].aclose()
        self.close()

    def close(self) -> None:
        """Close the sync pool and forget the async one (an async pool can only be closed by ``aclose``)."""
        with self._lock:
            client, self._sync = self._sync, None
            self._async = None
        if client is not None:
            client.close()
