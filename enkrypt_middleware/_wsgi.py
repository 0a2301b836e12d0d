"""The WSGI middleware: a thin adapter between PEP 3333 and the pure engine.

It mirrors ``_asgi.py`` step for step (same engine calls, same statuses and envelopes); detectors
run through ``run_side_sync`` (inline ones here, the others on asgiref's event loop). What differs is
WSGI's shape: the body is read from ``wsgi.input``, ``start_response`` is wrapped, and the response
is an iterable whose ``close()`` must always reach the app's iterable (PEP 3333), whether it ran to
the end, was cut short by a block, raised, or was abandoned by a client that went away.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from http import HTTPStatus
from typing import TYPE_CHECKING

from . import _engine as engine
from ._adapter import ConfigSource, GuardedApp, audit, stream_guard
from ._config import Guardrails
from ._exceptions import InvalidRequestError, PayloadTooLargeError, RequestError
from ._runner import CacheUse, run_side_sync
from ._stream_guard import Steps
from .detectors.base import Detector

if TYPE_CHECKING:
    from _typeshed import OptExcInfo
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["EnkryptWSGIMiddleware"]

_READ_SIZE = 64 * 1024


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _respond(start_response: StartResponse, status: int, body: bytes) -> list[bytes]:
    start_response(_status_line(status), [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def _headers(environ: WSGIEnvironment) -> dict[bytes, bytes]:
    """The request headers as the engine wants them: lower-case names, raw (latin-1) values."""
    headers: dict[bytes, bytes] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower().encode("latin-1")] = value.encode("latin-1")
    for key, name in (("CONTENT_TYPE", b"content-type"), ("CONTENT_LENGTH", b"content-length")):
        value = environ.get(key)
        if value:
            headers[name] = value.encode("latin-1")
    return headers


def read_body(environ: WSGIEnvironment, limit: int) -> bytes:
    """The request body: ``CONTENT_LENGTH`` bytes, or up to EOF for chunked input. Stops past ``limit``.

    ``engine.check_media`` has already refused a declared length over the limit.
    """
    stream = environ["wsgi.input"]
    declared = (environ.get("CONTENT_LENGTH") or "").strip()
    if declared:
        if not declared.isdigit():
            raise InvalidRequestError("Content-Length is not a number", param="Content-Length")
        remaining = int(declared)
        chunks: list[bytes] = []
        while remaining > 0:
            chunk = stream.read(min(remaining, _READ_SIZE))
            if not chunk:
                break  # the client sent less than it declared: what came is validated as it is
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    chunked = "chunked" in (environ.get("HTTP_TRANSFER_ENCODING") or "").lower()
    if not (chunked or environ.get("wsgi.input_terminated")):
        return b""  # no length and no framing: PEP 3333 forbids reading on
    chunks = []
    size = 0
    while True:
        chunk = stream.read(_READ_SIZE)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError(f"request body exceeds the limit of {limit} bytes")
        chunks.append(chunk)


class EnkryptWSGIMiddleware(GuardedApp):
    """Guards OpenAI-style chat completions of the wrapped WSGI app.

    ``config`` is a path to a JSON/TOML/YAML file, a dict, a :class:`Config`, or what
    :func:`load_config` returns. ``detectors`` are custom detector objects policies may name.
    Everything that is not a POST to a guarded path goes straight to the app.
    """

    def __init__(self, app: WSGIApplication, *, config: ConfigSource, detectors: Iterable[Detector] = ()) -> None:
        super().__init__(config=config, detectors=detectors)
        self.app = app
        self._refresh_lock = threading.Lock()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] != "POST":
            return self.app(environ, start_response)
        legacy = self.route(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        if legacy is None:
            return self.app(environ, start_response)
        try:
            return self._guard(environ, start_response, legacy)
        except RequestError as error:
            return _respond(start_response, error.status, engine._DUMPS(error.envelope()).encode())

    def _refresh(self) -> Guardrails:
        """Reload the configuration from its file, at most once per ``refresh_min_interval_s``."""
        with self._refresh_lock:  # threaded servers: one reload at a time, the others see its result
            return self._reload() if self._refresh_due() else self.guardrails

    def _guard(self, environ: WSGIEnvironment, start_response: StartResponse, legacy: bool) -> Iterable[bytes]:
        guardrails = self.guardrails
        headers = _headers(environ)
        deployment = engine.authorize(guardrails, headers)
        fresh = engine.wants_refresh(guardrails, deployment, headers)
        if fresh:
            guardrails = self._refresh()
            deployment = engine.authorize(guardrails, headers)
        limit = guardrails.config.max_body_size
        engine.check_media(headers, limit)
        raw = read_body(environ, limit)
        plan = engine.plan_request(guardrails, deployment, headers, raw, legacy=legacy)
        cache = self.cache_use(deployment, fresh)
        outcomes: list[engine.Outcome] = []
        latency = 0.0
        if deployment.input is not None:
            outcomes, latency = run_side_sync(deployment.input, plan.texts, plan.input_context, cache=cache)
        admission = engine.admit(plan, outcomes, latency)
        if admission.block is not None:
            audit(plan, headers, admission.verdict, None)
            return _respond(start_response, *admission.block)
        body = raw if admission.body is None else admission.body
        app_environ = dict(environ)
        app_environ["wsgi.input"] = io.BytesIO(body)
        app_environ["wsgi.input_terminated"] = True
        app_environ["CONTENT_LENGTH"] = str(len(body))
        app_environ.pop("HTTP_TRANSFER_ENCODING", None)  # the body is now framed by its length
        app_environ.pop("HTTP_ACCEPT_ENCODING", None)  # an encoded answer could not be guarded
        if deployment.api_keys:
            app_environ.pop("HTTP_APIKEY", None)
        response = _Response(plan, admission, headers, start_response, cache)
        app_iter = self.app(app_environ, response.start_response)
        return response.attach(app_iter)


class _Response:
    """The ``start_response`` the app sees, and the iterable the server gets back.

    The app's ``start_response`` call decides the mode: 2xx JSON is held and buffered, then rewritten
    with the output verdict; 2xx event-stream goes through a :class:`StreamGuard` chunk by chunk;
    anything else goes straight to the server's ``start_response``. Bytes the app hands to ``write()``
    in a guarded mode are queued in ``pending`` and processed before its next chunk.
    """

    __slots__ = (
        "admission",
        "app_closed",
        "app_iter",
        "cache",
        "called",
        "closed",
        "forwarded",
        "held",
        "mode",
        "pending",
        "plan",
        "request_headers",
        "start",
        "steps",
    )

    def __init__(
        self,
        plan: engine.RequestPlan,
        admission: engine.Admission,
        headers: dict[bytes, bytes],
        start_response: StartResponse,
        cache: CacheUse | None,
    ) -> None:
        self.plan = plan
        self.cache = cache
        self.admission = admission
        self.request_headers = headers
        self.start = start_response
        self.called = False
        self.forwarded = False
        self.mode: str | None = None
        self.held: tuple[str, list[tuple[str, str]]] | None = None
        self.pending: list[bytes] = []
        self.app_iter: Iterable[bytes] = ()
        self.steps: Generator[bytes, None, None] | None = None
        self.closed = False
        self.app_closed = False

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
    ) -> Callable[[bytes], object]:
        self.called = True
        if 200 <= int(status[:3]) < 300:
            self.mode = engine.response_kind((k.encode("latin-1"), v.encode("latin-1")) for k, v in headers)
        else:
            self.mode = None
        if self.held is not None:
            self.pending.clear()  # an error page replaces the held response and whatever it wrote
            self.held = None
        if self.mode == "json" and not self.forwarded:
            self.held = (status, headers)
            return self.pending.append
        if self.mode == "json":  # pragma: no cover - a JSON page replacing an already forwarded start
            self.mode = None
        if self.mode == "sse":
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        self.forwarded = True
        write = self.start(status, headers, exc_info)  # the server applies the exc_info protocol
        return write if self.mode is None else self.pending.append

    def attach(self, app_iter: Iterable[bytes]) -> Iterable[bytes]:
        """What the server iterates: the app's own iterable when there is nothing to guard."""
        if self.called and self.mode is None and self.held is None:
            return app_iter
        self.app_iter = app_iter
        self.steps = self._run()
        return self

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self.steps is None:
            raise StopIteration
        return next(self.steps)

    def close(self) -> None:
        """Stop our steps and close the app's iterable (PEP 3333), however the response ended."""
        if self.closed:
            return
        self.closed = True
        try:
            if self.steps is not None:
                self.steps.close()
        finally:
            self._close_app()

    def _close_app(self) -> None:
        if self.app_closed:
            return
        self.app_closed = True
        close = getattr(self.app_iter, "close", None)
        if close is not None:
            close()

    def _drain(self) -> list[bytes]:
        out = self.pending[:]
        self.pending.clear()
        return out

    # --- the modes ----------------------------------------------------------------------------------

    def _run(self) -> Generator[bytes, None, None]:
        try:
            chunks = iter(self.app_iter)
            head: list[bytes] = []
            if not self.called:  # a generator app calls start_response on its first iteration
                for chunk in chunks:
                    if self.called:
                        head.append(chunk)
                        break
                else:
                    return
            if self.held is not None:
                yield from self._json(head, chunks)
            elif self.mode == "sse":
                yield from self._sse(head, chunks)
            else:
                yield from head
                yield from chunks
        except BaseException:
            self._close_app()  # an error, or the server closing us: not every server calls close() on errors
            raise

    def _json(self, head: list[bytes], chunks: Iterator[bytes]) -> Iterator[bytes]:
        collected = [*self._drain(), *head]
        for chunk in chunks:
            if self.held is None:  # start_response(..., exc_info) replaced it: the new page passes through
                yield from self._drain()
                yield chunk
                yield from chunks
                return
            collected.extend(self._drain())
            collected.append(chunk)
        collected.extend(self._drain())
        self._close_app()
        held = self.held
        if held is None:  # pragma: no cover - replaced after the last chunk, with nothing after it
            return
        status, headers = held
        raw = b"".join(collected)
        plan, admission = self.plan, self.admission
        job = engine.plan_response(plan, admission, raw)
        if job is None:
            audit(plan, self.request_headers, admission.verdict, None)
            self.start(status, headers)
            yield raw
            return
        outcomes = None
        latency = 0.0
        output = plan.deployment.output
        if output is not None:
            outcomes, latency = run_side_sync(output, job.texts, plan.output_context, cache=self.cache)
        code, body, verdict = engine.finish_response(job, outcomes, latency)
        audit(plan, self.request_headers, admission.verdict, verdict.detections if verdict else None)
        kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
        kept.append(("Content-Length", str(len(body))))
        self.start(status if code is None else _status_line(code), kept)
        yield body

    def _sse(self, head: list[bytes], chunks: Iterator[bytes]) -> Iterator[bytes]:
        guard = stream_guard(self.plan, self.admission)

        def feed(data: bytes) -> bytes:
            return guard.relay(data) if guard.audit else _drive(guard.feed(data))

        out = feed(b"".join((*self._drain(), *head)))
        while not guard.finished:  # once every choice is blocked, nothing more the host says can be sent
            yield out  # possibly b"": PEP 3333 asks middleware not to hold up the server's iteration
            chunk = next(chunks, None)
            out = feed(b"".join((*self._drain(), chunk or b"")))
            if chunk is None:
                break
        self._close_app()
        out += _drive(guard.close())
        audit(self.plan, self.request_headers, self.admission.verdict, guard.output_detections)
        yield out


def _drive(steps: Steps) -> bytes:
    """Run a stream guard's steps, calling the detectors each step asks for."""
    try:
        request = next(steps)
        while True:
            request = steps.send(run_side_sync(request.side, request.texts, request.context))
    except StopIteration as done:
        result: bytes = done.value
        return result
