"""One guarded app per framework, each set up the way its README section shows, all answering alike.

Every chat view answers "You asked: <last message>" as a completion, or streams it word by word with
``"stream": true`` (as the examples do), and counts its calls in a :class:`Calls`. Every stack is guarded
by ``examples/guardrails.toml``: keywords block on input, credentials block on output.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from asgiref.wsgi import WsgiToAsgi
from fastapi import APIRouter, FastAPI
from fastapi import Request as FastAPIRequest
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from flask import Flask
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from enkrypt_middleware import EnkryptMiddleware, EnkryptWSGIMiddleware
from examples import flask_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

GUARDRAILS = flask_app.GUARDRAILS
ORIGIN = "https://app.example.com"
FRAMEWORKS = ("fastapi", "starlette", "flask-wsgi", "flask-asgiref", "django-asgi", "django-wsgi")


@dataclass
class Calls:
    """How many times the chat view ran."""

    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self) -> None:
        with self.lock:
            self.count += 1


def completion(body: dict[str, Any], model: str | None = None) -> dict[str, Any]:
    answer = f"You asked: {body['messages'][-1]['content']}"
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 0,
        "model": model or body.get("model", "my-model"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
    }


def events(body: dict[str, Any]) -> Iterator[bytes]:
    answer = f"You asked: {body['messages'][-1]['content']}"
    deltas = [{"role": "assistant", "content": ""}, *({"content": f"{word} "} for word in answer.split(" ")), {}]
    for position, delta in enumerate(deltas):
        finish = "stop" if position == len(deltas) - 1 else None
        chunk = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "my-model",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        yield b"data: " + json.dumps(chunk).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"


async def async_events(body: dict[str, Any]) -> AsyncIterator[bytes]:
    for event in events(body):
        yield event


# --- FastAPI and Starlette --------------------------------------------------------------------------


def fastapi_app(calls: Calls, lifespan_events: list[str], *, gzip_inside: bool = False) -> FastAPI:
    """A FastAPI app with a lifespan, a ``/v1`` router, and CORS and GZip around the guardrails.

    ``add_middleware`` puts each new middleware outside the ones added before it, so the guardrails are
    added first (innermost, next to the routes), then GZip, then CORS (outermost). ``gzip_inside``
    builds the wrong order, to show what it costs.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[dict[str, Any]]:
        lifespan_events.append("startup")
        yield {"model_name": "model-loaded-in-lifespan"}
        lifespan_events.append("shutdown")

    app = FastAPI(lifespan=lifespan)
    router = APIRouter(prefix="/v1")

    @router.post("/chat/completions")
    async def chat(request: FastAPIRequest) -> Response:
        body = await request.json()
        calls.add()
        if body.get("stream"):
            return StreamingResponse(async_events(body), media_type="text/event-stream")
        return JSONResponse(completion(body, model=request.state.model_name))

    @app.get("/health")
    async def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    app.include_router(router)
    if gzip_inside:
        app.add_middleware(GZipMiddleware, minimum_size=64)
        app.add_middleware(EnkryptMiddleware, config=GUARDRAILS)
    else:
        app.add_middleware(EnkryptMiddleware, config=GUARDRAILS)
        app.add_middleware(GZipMiddleware, minimum_size=64)
    app.add_middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_methods=["*"], allow_headers=["*"])
    return app


def starlette_app(calls: Calls) -> Starlette:
    """Starlette's ``middleware=[...]`` lists the outermost first: CORS, then GZip, then the guardrails."""

    async def chat(request: Request) -> Response:
        body = await request.json()
        calls.add()
        if body.get("stream"):
            return StreamingResponse(async_events(body), media_type="text/event-stream")
        return JSONResponse(completion(body))

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[Mount("/v1", routes=[Route("/chat/completions", chat, methods=["POST"])]), Route("/health", health)],
        middleware=[
            Middleware(CORSMiddleware, allow_origins=[ORIGIN], allow_methods=["*"], allow_headers=["*"]),
            Middleware(GZipMiddleware, minimum_size=64),
            Middleware(EnkryptMiddleware, config=GUARDRAILS),
        ],
    )


# --- Flask: the example's app factory, its view counted -----------------------------------------------


def counted_flask(calls: Calls) -> Flask:
    app = flask_app.create_app()
    view = app.view_functions["chat_completions"]

    def counted() -> Any:  # the example's view is sync; Flask's type also allows async views
        calls.add()
        return view()

    app.view_functions["chat_completions"] = counted
    return app


def flask_wsgi(calls: Calls) -> WSGIApplication:
    app = counted_flask(calls)
    app.wsgi_app = EnkryptWSGIMiddleware(app.wsgi_app, config=GUARDRAILS)  # type: ignore[method-assign]
    return app


def flask_asgiref(calls: Calls) -> ASGIApp:
    return EnkryptMiddleware(WsgiToAsgi(counted_flask(calls)), config=GUARDRAILS)


# --- Django: the example project, its view counted by the log line it writes -------------------------


class _Counting(logging.Handler):
    def __init__(self, calls: Calls) -> None:
        super().__init__(logging.INFO)
        self.calls = calls

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("answering a chat completion"):
            self.calls.add()


def count_django_views(calls: Calls) -> Callable[[], None]:
    """Counts the Django chat view's calls; returns the function that stops counting."""
    view_logger = logging.getLogger("examples.django_project.views")
    handler = _Counting(calls)
    previous = view_logger.level
    view_logger.setLevel(logging.INFO)
    view_logger.addHandler(handler)

    def stop() -> None:
        view_logger.removeHandler(handler)
        view_logger.setLevel(previous)

    return stop


def django_asgi() -> ASGIApp:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")
    from examples.django_project import asgi

    return asgi.application


def django_wsgi() -> WSGIApplication:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")
    from examples.django_project import wsgi

    return wsgi.application
