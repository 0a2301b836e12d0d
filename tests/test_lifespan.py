"""Lifespan: the app's own startup and shutdown pass through, then the detectors' resources are released."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from enkrypt_middleware import EnkryptMiddleware, Finding

from .hosts import completion
from .server import serve

CHAT = "/v1/chat/completions"


class Remote:
    """A detector holding a client, as the remote backends do; writes what happens to it into ``events``."""

    name = "remote_check"

    def __init__(self, events: list[str], *, fail_close: bool = False) -> None:
        self.events = events
        self.fail_close = fail_close

    async def detect(self, text: str) -> Finding:
        self.events.append("detect")
        return Finding(detected=False)

    async def aclose(self) -> None:
        self.events.append("aclose")
        if self.fail_close:
            raise RuntimeError("connection pool already closed")

    def close(self) -> None:
        self.events.append("close")


GUARDRAILS: dict[str, Any] = {
    "policies": {"in": {"detectors": {"remote_check": {"enabled": True}}}},
    "deployments": {"main": {"input_guardrails_policy": {"policy_name": "in", "block": ["remote_check"]}}},
    "default_deployment": "main",
}


def host_app(events: list[str], middleware: list[Middleware] | None = None) -> Starlette:
    """A Starlette host with its own lifespan, whose state the chat route answers with."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        events.append("startup")
        yield {"model": "loaded-at-startup"}
        events.append("shutdown")

    async def chat(request: Request) -> Response:
        await request.body()
        return JSONResponse(completion("hi", extra={"loaded": request.state.model}))

    return Starlette(routes=[Route(CHAT, chat, methods=["POST"])], lifespan=lifespan, middleware=middleware)


@pytest.mark.parametrize("how", ["wrapped", "middleware_list"])
def test_shutdown_runs_the_app_lifespan_then_closes_remote_detectors(how: str) -> None:
    events: list[str] = []
    detector = Remote(events)
    if how == "wrapped":
        app: Any = EnkryptMiddleware(host_app(events), config=GUARDRAILS, detectors=[detector])
    else:
        app = host_app(events, [Middleware(EnkryptMiddleware, config=GUARDRAILS, detectors=[detector])])
    with serve(app, lifespan="on") as url, httpx.Client(base_url=url) as client:
        response = client.post(CHAT, json={"messages": [{"role": "user", "content": "hello"}]})
        assert response.status_code == 200
        # the app's startup ran through the middleware: the route sees what it loaded
        assert response.json()["choices"][0]["message"]["loaded"] == "loaded-at-startup"
        assert "aclose" not in events
    # the app's own shutdown first, then the detector's client, once; ``close`` is the WSGI path's
    assert events == ["startup", "detect", "shutdown", "aclose"]


async def drive_lifespan(app: Any) -> list[str]:
    """What an ASGI server does for the lifespan protocol: startup, then shutdown; returns what the app sent."""
    incoming: list[Message] = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[str] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message["type"])

    await app({"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}, receive, send)
    return sent


@pytest.mark.anyio
async def test_a_failing_close_is_logged_and_shutdown_still_completes(caplog: pytest.LogCaptureFixture) -> None:
    events: list[str] = []
    app = EnkryptMiddleware(host_app(events), config=GUARDRAILS, detectors=[Remote(events, fail_close=True)])
    with caplog.at_level(logging.WARNING, logger="enkrypt_middleware"):
        sent = await drive_lifespan(app)
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == ["startup", "shutdown", "aclose"]
    [record] = [r for r in caplog.records if r.name == "enkrypt_middleware"]
    assert record.levelno == logging.WARNING
    assert "RuntimeError" in record.getMessage()


@pytest.mark.anyio
async def test_a_failed_app_shutdown_still_closes_remote_detectors() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        raise RuntimeError("app shutdown failed")

    detector = Remote(events)
    app = EnkryptMiddleware(Starlette(lifespan=lifespan), config=GUARDRAILS, detectors=[detector])
    with pytest.raises(RuntimeError, match="app shutdown failed"):
        await drive_lifespan(app)
    assert events == ["aclose"]


def test_an_app_without_lifespan_support_still_serves() -> None:
    events: list[str] = []
    starlette = host_app(events)

    async def no_lifespan(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            raise RuntimeError("only HTTP here")
        scope.setdefault("state", {})["model"] = "no-lifespan"
        await starlette(scope, receive, send)

    app = EnkryptMiddleware(no_lifespan, config=GUARDRAILS, detectors=[Remote(events)])
    with serve(app, lifespan="auto") as url, httpx.Client(base_url=url) as client:
        response = client.post(CHAT, json={"messages": [{"role": "user", "content": "hello"}]})
    assert response.status_code == 200
    assert events == ["detect"]  # no lifespan, so no shutdown message to close on
