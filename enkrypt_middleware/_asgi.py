"""The ASGI middleware: a thin adapter between the ASGI protocol and the pure engine."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any, Protocol

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _engine as engine
from ._adapter import ConfigSource, GuardedApp, audit, stream_guard
from ._config import Guardrails
from ._exceptions import PayloadTooLargeError, RequestError
from ._runner import run_side
from ._stream_guard import Steps, StreamGuard
from .detectors.base import Detector

__all__ = ["EnkryptMiddleware"]

#: Request headers replaced or removed before the app sees a guarded request.
_REWRITTEN = frozenset({b"content-length", b"transfer-encoding", b"accept-encoding"})


class _AnyASGIApp(Protocol):
    """Any ASGI callable, including ones typed with a plain ``dict`` scope (Django's handler)."""

    def __call__(self, scope: Any, receive: Any, send: Any, /) -> Awaitable[None]: ...


def _json_response(status: int, body: bytes) -> tuple[Message, Message]:
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}


async def read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole request body, or None if the client went away. Stops reading past ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise PayloadTooLargeError(f"request body exceeds the limit of {limit} bytes")
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class EnkryptMiddleware(GuardedApp):
    """Guards OpenAI-style chat completions of the wrapped ASGI app.

    ``config`` is a path to a JSON/TOML/YAML file, a dict, a :class:`Config`, or what
    :func:`load_config` returns. ``detectors`` are custom detector objects policies may name.
    Everything that is not a POST to a guarded path goes straight to the app.
    """

    def __init__(self, app: _AnyASGIApp, *, config: ConfigSource, detectors: Iterable[Detector] = ()) -> None:
        super().__init__(config=config, detectors=detectors)
        self.app: ASGIApp = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        legacy = self.route(scope["path"])
        if legacy is None:
            await self.app(scope, receive, send)
            return
        try:
            await self._guard(scope, receive, send, legacy)
        except RequestError as error:
            for message in _json_response(error.status, engine._DUMPS(error.envelope()).encode()):
                await send(message)

    async def _refresh(self) -> Guardrails:
        """Reload the configuration from its file, at most once per ``refresh_min_interval_s``."""
        if not self._refresh_due():
            return self.guardrails
        return await anyio.to_thread.run_sync(self._reload)

    async def _guard(self, scope: Scope, receive: Receive, send: Send, legacy: bool) -> None:
        guardrails = self.guardrails
        headers = dict(scope["headers"])
        deployment = engine.authorize(guardrails, headers)
        if engine.wants_refresh(guardrails, deployment, headers):
            guardrails = await self._refresh()
            deployment = engine.authorize(guardrails, headers)
        limit = guardrails.config.max_body_size
        engine.check_media(headers, limit)
        raw = await read_body(receive, limit)
        if raw is None:
            return
        plan = engine.plan_request(guardrails, deployment, headers, raw, legacy=legacy)
        outcomes: list[engine.Outcome] = []
        latency = 0.0
        if deployment.input is not None:
            outcomes, latency = await run_side(deployment.input, plan.texts, plan.input_context)
        admission = engine.admit(plan, outcomes, latency)
        if admission.block is not None:
            audit(plan, headers, admission.verdict, None)
            for message in _json_response(*admission.block):
                await send(message)
            return
        body = raw if admission.body is None else admission.body
        app_scope = scope
        if admission.body is not None or deployment.api_keys or _REWRITTEN.intersection(headers):
            # the body is framed by its (new) length; an encoded answer could not be guarded; a key we
            # checked is ours, not the app's
            drop = _REWRITTEN | {b"apikey"} if deployment.api_keys else _REWRITTEN
            kept = [(name, value) for name, value in scope["headers"] if name not in drop]
            kept.append((b"content-length", str(len(body)).encode()))
            app_scope = {**scope, "headers": kept}
        if not plan.stream:  # a cancel scope costs more than a whole detector: only streams need one
            await self.app(app_scope, _replay(body, receive), _ResponseGuard(plan, admission, headers, send, None))
            return
        with anyio.CancelScope() as cancel:
            await self.app(app_scope, _replay(body, receive), _ResponseGuard(plan, admission, headers, send, cancel))


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class _ResponseGuard:
    """The ``send`` the app sees: runs the output side over 2xx JSON and event-stream responses."""

    __slots__ = ("admission", "cancel", "chunks", "mode", "plan", "request_headers", "send", "start", "stream")

    def __init__(
        self,
        plan: engine.RequestPlan,
        admission: engine.Admission,
        headers: dict[bytes, bytes],
        send: Send,
        cancel: anyio.CancelScope | None,
    ) -> None:
        self.plan = plan
        self.admission = admission
        self.request_headers = headers
        self.send = send
        self.cancel = cancel
        self.start: Message | None = None
        self.mode: str | None = None
        self.chunks: list[bytes] = []
        self.stream: StreamGuard | None = None

    async def __call__(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            status: int = message["status"]
            self.mode = engine.response_kind(message.get("headers", ())) if 200 <= status < 300 else None
            if self.mode == "json":
                self.start = message
                return
            if self.mode == "sse":
                self.stream = stream_guard(self.plan, self.admission)
                headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"content-length"]
                message = {**message, "headers": headers}
            await self.send(message)
            return
        if self.mode is None or kind != "http.response.body":
            await self.send(message)
            return
        more = message.get("more_body", False)
        if self.stream is not None:
            await self._stream(self.stream, message.get("body", b""), more)
            return
        self.chunks.append(message.get("body", b""))
        if not more:
            await self._finish(b"".join(self.chunks))

    async def _stream(self, guard: StreamGuard, body: bytes, more: bool) -> None:
        if guard.finished:
            return  # every choice was blocked: the rest of the host's stream is dropped
        out = await _drive(guard.feed(body))
        if guard.finished or not more:
            out += await _drive(guard.close())
            audit(self.plan, self.request_headers, self.admission.verdict, guard.output_detections)
            await self.send({"type": "http.response.body", "body": out, "more_body": False})
            if more and self.cancel is not None:
                self.cancel.cancel()  # stop the host's generator: nothing more it says can be sent
            return
        if out:
            await self.send({"type": "http.response.body", "body": out, "more_body": True})

    async def _finish(self, raw: bytes) -> None:
        start = self.start
        if start is None:  # pragma: no cover - the ASGI server rejects a body before start
            raise RuntimeError("http.response.body before http.response.start")
        plan, admission = self.plan, self.admission
        job = engine.plan_response(plan, admission, raw)
        if job is None:
            audit(plan, self.request_headers, admission.verdict, None)
            await self.send(start)
            await self.send({"type": "http.response.body", "body": raw, "more_body": False})
            return
        outcomes = None
        latency = 0.0
        output = plan.deployment.output
        if output is not None:
            outcomes, latency = await run_side(output, job.texts, plan.output_context)
        status, body, verdict = engine.finish_response(job, outcomes, latency)
        audit(plan, self.request_headers, admission.verdict, verdict.detections if verdict else None)
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**start, "status": status or start["status"], "headers": headers})
        await self.send({"type": "http.response.body", "body": body, "more_body": False})


async def _drive(steps: Steps) -> bytes:
    """Run a stream guard's steps, awaiting the detectors each step asks for."""
    try:
        request = next(steps)
        while True:
            request = steps.send(await run_side(request.side, request.texts, request.context))
    except StopIteration as done:
        result: bytes = done.value
        return result
