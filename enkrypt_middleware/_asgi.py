"""The ASGI middleware: a thin adapter between the ASGI protocol and the pure engine.

A guarded request runs in one of two input modes (``Deployment.input_mode``):

- sequential: read the body, run the input side, then call the app (or answer the block);
- speculative: read the body, then call the app *and* run the input side at the same time. Everything
  the app sends waits at a gate (:class:`_Gate`) until the verdict: an allowed request then goes on
  exactly as in sequential mode, a blocked one cancels the app and answers the block envelope.

Lifespan messages pass through, except that the detectors' resources are released when the app
reports its shutdown (:meth:`EnkryptMiddleware._lifespan`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any, Protocol

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _engine as engine
from ._adapter import ConfigSource, GuardedApp, audit, logger, stream_guard
from ._config import CompiledDeployment, Guardrails, Side
from ._exceptions import PayloadTooLargeError, RequestError
from ._runner import CacheUse, run_side
from ._stream_guard import Steps, StreamGuard
from .detectors.base import Detector

__all__ = ["EnkryptMiddleware"]

#: Request headers replaced or removed before the app sees a guarded request.
_REWRITTEN = frozenset({b"content-length", b"transfer-encoding", b"accept-encoding"})

#: What an app sends once its lifespan has ended, well or badly: the moment to release our resources.
_SHUTDOWN = frozenset({"lifespan.shutdown.complete", "lifespan.shutdown.failed"})


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
            await self.app(scope, receive, self._lifespan(send) if scope["type"] == "lifespan" else send)
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

    def _lifespan(self, send: Send) -> Send:
        """The ``send`` of a lifespan scope: releases the detectors' resources as the app reports shutdown.

        The app runs its own shutdown first (it may still serve, or use a detector, until then); once it
        says it is done, the remote detectors' HTTP clients are closed before the server hears so, since
        the server may stop the event loop right after. A failure to close is logged, never raised: it
        must not turn a clean shutdown into a failed one. An app that ignores lifespan never gets here.
        """

        async def lifespan_send(message: Message) -> None:
            if message["type"] in _SHUTDOWN:
                try:
                    await self.aclose()
                except Exception as exc:
                    logger.warning("releasing the detectors' resources at shutdown failed: %s", type(exc).__name__)
            await send(message)

        return lifespan_send

    async def _refresh(self) -> Guardrails:
        """Reload the configuration from its file, at most once per ``refresh_min_interval_s``."""
        if not self._refresh_due():
            return self.guardrails
        return await anyio.to_thread.run_sync(self._reload)

    async def _guard(self, scope: Scope, receive: Receive, send: Send, legacy: bool) -> None:
        guardrails = self.guardrails
        headers = dict(scope["headers"])
        deployment = engine.authorize(guardrails, headers)
        fresh = engine.wants_refresh(guardrails, deployment, headers)
        if fresh:
            guardrails = await self._refresh()
            deployment = engine.authorize(guardrails, headers)
        limit = guardrails.config.max_body_size
        engine.check_media(headers, limit)
        raw = await read_body(receive, limit)
        if raw is None:
            return
        plan = engine.plan_request(guardrails, deployment, headers, raw, legacy=legacy)
        cache = self.cache_use(deployment, fresh)
        outcomes: list[engine.Outcome] = []
        latency = 0.0
        if deployment.input is not None:
            if deployment.input_mode == "speculative":
                await self._speculate(scope, receive, send, plan, deployment.input, headers, raw, cache)
                return
            outcomes, latency = await run_side(deployment.input, plan.texts, plan.input_context, cache=cache)
        admission = engine.admit(plan, outcomes, latency)
        if admission.block is not None:
            await _send_block(plan, headers, admission.verdict, admission.block, send)
            return
        app_scope, body = _app_request(scope, headers, deployment, raw, admission.body)
        if not plan.stream:  # a cancel scope costs more than a whole detector: only streams need one
            await self.app(
                app_scope, _replay(body, receive), _ResponseGuard(plan, admission, headers, send, None, cache)
            )
            return
        with anyio.CancelScope() as cancel:
            await self.app(
                app_scope, _replay(body, receive), _ResponseGuard(plan, admission, headers, send, cancel, cache)
            )

    async def _speculate(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        plan: engine.RequestPlan,
        side: Side,
        headers: dict[bytes, bytes],
        raw: bytes,
        cache: CacheUse | None,
    ) -> None:
        """Speculative input mode: the app runs while the input side decides; its output waits at a gate.

        The app sees the body it would see in sequential mode (``pii_redaction``, the one rewrite that
        depends on the detectors, is refused with this mode at start-up). A block cancels the app
        wherever it is (awaiting its model, or waiting at the gate) and answers the block envelope at
        once, without waiting for the app to wind down: an app running in a worker thread (a sync
        endpoint) only notices the cancellation when its call returns, and the gate, which never opens,
        keeps whatever it sends then from the client. The block wins over anything the app raised
        meanwhile, since none of it reaches the client. An allowed request opens the gate to the same
        response guard sequential mode uses. Exceptions are kept until the task group has ended and
        re-raised as they are, not wrapped in an exception group, as in sequential mode.
        """
        changed = engine._DUMPS(plan.body).encode() if plan.body_changed else None
        app_scope, body = _app_request(scope, headers, plan.deployment, raw, changed)
        gate = _Gate()
        host = anyio.CancelScope()
        failure: Exception | None = None
        unsent: Exception | None = None

        async def run_app() -> None:
            nonlocal failure
            with host:
                try:
                    await self.app(app_scope, _replay(body, receive), gate)
                except Exception as exc:  # judged once the verdict is known
                    failure = exc

        async with anyio.create_task_group() as group:
            group.start_soon(run_app)
            outcomes, latency = await run_side(side, plan.texts, plan.input_context, cache=cache)
            admission = engine.admit(plan, outcomes, latency)
            if admission.block is None:
                gate.open(_ResponseGuard(plan, admission, headers, send, host if plan.stream else None, cache))
            else:
                host.cancel()
                try:
                    await _send_block(plan, headers, admission.verdict, admission.block, send)
                except Exception as exc:  # the server's own failure: raised below, unwrapped
                    unsent = exc
        error = failure if admission.block is None else unsent
        if error is not None:
            try:
                raise error
            finally:
                error = failure = unsent = None  # no cycle through this frame's traceback


async def _send_block(
    plan: engine.RequestPlan,
    headers: dict[bytes, bytes],
    verdict: engine.Verdict | None,
    block: tuple[int, bytes],
    send: Send,
) -> None:
    """Answer an input block: audit it, then the envelope of CONTRACT section 4."""
    audit(plan, headers, verdict, None)
    for message in _json_response(*block):
        await send(message)


def _app_request(
    scope: Scope, headers: dict[bytes, bytes], deployment: CompiledDeployment, raw: bytes, changed: bytes | None
) -> tuple[Scope, bytes]:
    """The scope and body the app sees: ``changed`` (a rewritten body) or ``raw``, with headers to match."""
    if changed is None and not deployment.api_keys and not _REWRITTEN.intersection(headers):
        return scope, raw
    body = raw if changed is None else changed
    # the body is framed by its (new) length; an encoded answer could not be guarded; a key we checked is
    # ours, not the app's
    drop = _REWRITTEN | {b"apikey"} if deployment.api_keys else _REWRITTEN
    kept = [(name, value) for name, value in scope["headers"] if name not in drop]
    kept.append((b"content-length", str(len(body)).encode()))
    return {**scope, "headers": kept}, body


class _Gate:
    """The app's ``send`` in speculative mode: each message waits for the input verdict, then goes on.

    Waiting, rather than collecting the messages, holds the app back the way a slow client would:
    nothing piles up in memory, the order is kept, and on a block the app is cancelled where it waits,
    before its response (or a background task that follows it) completes. Once open, the gate is one
    call through to the response guard.
    """

    __slots__ = ("_opened", "_send")

    def __init__(self) -> None:
        self._opened = anyio.Event()
        self._send: Send = self._held

    def open(self, send: Send) -> None:
        """The verdict is allow: messages waiting, and all that follow, go to ``send``."""
        self._send = send
        self._opened.set()

    async def _held(self, message: Message) -> None:
        await self._opened.wait()
        await self._send(message)

    async def __call__(self, message: Message) -> None:
        await self._send(message)


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

    __slots__ = (
        "admission",
        "cache",
        "cancel",
        "chunks",
        "mode",
        "plan",
        "request_headers",
        "send",
        "start",
        "stream",
    )

    def __init__(
        self,
        plan: engine.RequestPlan,
        admission: engine.Admission,
        headers: dict[bytes, bytes],
        send: Send,
        cancel: anyio.CancelScope | None,
        cache: CacheUse | None,
    ) -> None:
        self.plan = plan
        self.cache = cache
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
        out = guard.relay(body) if guard.audit else await _drive(guard.feed(body))
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
            outcomes, latency = await run_side(output, job.texts, plan.output_context, cache=self.cache)
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
