"""The ASGI middleware: a thin adapter between the ASGI protocol and the pure engine."""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any

import anyio
import anyio.to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import _engine as engine
from ._config import Config, Guardrails, load_config
from ._exceptions import ConfigError, PayloadTooLargeError, RequestError
from ._runner import run_side
from ._stream_guard import Steps, StreamGuard
from .detectors.base import Detector

__all__ = ["EnkryptMiddleware"]

logger = logging.getLogger("enkrypt_middleware")

_TRACE_HEADERS = (b"traceparent", b"x-request-id", b"x-portkey-trace-id")


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


def _response_kind(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """ "json", "sse", or None for a response we leave alone (other types, or already encoded)."""
    kind = None
    for name, value in headers:
        lower = name.lower()
        if lower == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            return None
        if lower == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            kind = "json" if media == b"application/json" else "sse" if media == b"text/event-stream" else None
    return kind


class EnkryptMiddleware:
    """Guards OpenAI-style chat completions of the wrapped ASGI app.

    ``config`` is a path to a JSON/TOML/YAML file, a dict, a :class:`Config`, or what
    :func:`load_config` returns. ``detectors`` are custom detector objects policies may name.
    Everything that is not a POST to a guarded path goes straight to the app.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        config: str | os.PathLike[str] | Mapping[str, Any] | Config | Guardrails,
        detectors: Iterable[Detector] = (),
    ) -> None:
        self.app = app
        self.guardrails = load_config(config, detectors=detectors)
        settings = self.guardrails.config
        self._suffixes = settings.path_suffixes
        self._paths = frozenset(settings.paths)
        self._refreshed_at = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if not path.endswith(self._suffixes) and path not in self._paths:
            await self.app(scope, receive, send)
            return
        legacy = path.endswith("/completions") and not path.endswith("/chat/completions")
        try:
            await self._guard(scope, receive, send, legacy)
        except RequestError as error:
            for message in _json_response(error.status, engine._DUMPS(error.envelope()).encode()):
                await send(message)

    async def _refresh(self) -> Guardrails:
        """Reload the configuration from its file, at most once per ``refresh_min_interval_s``."""
        current = self.guardrails
        now = time.monotonic()
        if current.source is None or now - self._refreshed_at < current.config.refresh_min_interval_s:
            return current
        self._refreshed_at = now
        try:
            fresh = await anyio.to_thread.run_sync(
                lambda: load_config(current.source or "", detectors=current.custom_detectors)
            )
        except ConfigError as exc:
            logger.warning("configuration refresh failed, keeping the previous one: %s", exc)
            return current
        self.guardrails = fresh
        return fresh

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
            outcomes, latency = await run_side(deployment.input, plan.texts)
        admission = engine.admit(plan, outcomes, latency)
        if admission.block is not None:
            _audit(plan, headers, admission.verdict, None)
            for message in _json_response(*admission.block):
                await send(message)
            return
        body = raw if admission.body is None else admission.body
        app_scope = scope
        if admission.body is not None or deployment.api_keys:
            kept = [
                (name, value)
                for name, value in scope["headers"]
                if name != b"content-length" and not (deployment.api_keys and name == b"apikey")
            ]
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
            self.mode = _response_kind(message.get("headers", ())) if 200 <= status < 300 else None
            if self.mode == "json":
                self.start = message
                return
            if self.mode == "sse":
                self.stream = self._stream_guard()
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

    def _stream_guard(self) -> StreamGuard:
        deployment = self.plan.deployment
        return StreamGuard(
            output=deployment.output,
            blocking=deployment.output_blocking,
            input_verdict=self.admission.verdict,
            placeholders=self.admission.placeholders,
            mode=deployment.stream_mode,
            window=deployment.stream_window,
            overlap=deployment.stream_overlap,
            expected_choices=self.plan.body.get("n") or 1,
            fallback_id=f"chatcmpl-enkrypt-{secrets.token_hex(12)}",
            fallback_created=int(time.time()),
        )

    async def _stream(self, guard: StreamGuard, body: bytes, more: bool) -> None:
        if guard.finished:
            return  # every choice was blocked: the rest of the host's stream is dropped
        out = await _drive(guard.feed(body))
        if guard.finished or not more:
            out += await _drive(guard.close())
            _audit(self.plan, self.request_headers, self.admission.verdict, guard.output_detections)
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
            _audit(plan, self.request_headers, admission.verdict, None)
            await self.send(start)
            await self.send({"type": "http.response.body", "body": raw, "more_body": False})
            return
        outcomes = None
        latency = 0.0
        output = plan.deployment.output
        if output is not None:
            outcomes, latency = await run_side(output, job.texts)
        status, body, verdict = engine.finish_response(job, outcomes, latency)
        _audit(plan, self.request_headers, admission.verdict, verdict.detections if verdict else None)
        headers = [(k, v) for k, v in start.get("headers", ()) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await self.send({**start, "status": status or start["status"], "headers": headers})
        await self.send({"type": "http.response.body", "body": body, "more_body": False})


async def _drive(steps: Steps) -> bytes:
    """Run a stream guard's steps, awaiting the detectors each step asks for."""
    try:
        request = next(steps)
        while True:
            request = steps.send(await run_side(request.side, request.texts))
    except StopIteration as done:
        result: bytes = done.value
        return result


def _audit(
    plan: engine.RequestPlan,
    headers: Mapping[bytes, bytes],
    input_verdict: engine.Verdict | None,
    output: Mapping[str, Any] | None,
) -> None:
    """One log record per guarded request: deployment, verdicts, tags and trace ids. Never text."""
    if not logger.isEnabledFor(logging.INFO):
        return
    trace = {name.decode(): headers[name].decode("latin-1") for name in _TRACE_HEADERS if name in headers}
    logger.info(
        "guarded request deployment=%s input_blocked=%s output_blocked=%s blocked_by=%s tags=%s trace=%s",
        plan.deployment.name,
        input_verdict.blocked if input_verdict else None,
        output["blocked"] if output else None,
        [*(input_verdict.detections["blocked_by"] if input_verdict else []), *(output["blocked_by"] if output else [])],
        ",".join(plan.tags),
        trace,
    )
