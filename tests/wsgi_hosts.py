"""Real WSGI hosts for the tests: a plain PEP 3333 app and a Flask app, both recording what they saw and
how each response iterable ended (iterated to the end, closed, or both)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request

from .hosts import completion, last_user_text
from .streams import text_chunks

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


@dataclass
class Reply:
    """What the plain host answers: a status line, headers and the body in the chunks it yields."""

    status: str
    headers: list[tuple[str, str]]
    chunks: list[bytes]


def json_reply(data: Any, status: str = "200 OK") -> Reply:
    raw = json.dumps(data).encode()
    return Reply(status, [("Content-Type", "application/json"), ("Content-Length", str(len(raw)))], [raw])


def sse_events(chunks: list[dict[str, Any]], *, done: bool = True) -> list[bytes]:
    events = [b"data: " + json.dumps(item).encode() + b"\n\n" for item in chunks]
    return [*events, b"data: [DONE]\n\n"] if done else events


def sse_reply(chunks: list[dict[str, Any]], *, done: bool = True) -> Reply:
    return Reply(
        "200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")], sse_events(chunks, done=done)
    )


def echo_reply(body: dict[str, Any]) -> Reply:
    """The last user message back: as a completion, or streamed in three pieces when asked to stream."""
    text = last_user_text(body)
    if body.get("stream"):
        third = max(1, len(text) // 3)
        return sse_reply(text_chunks([text[:third], text[third : 2 * third], text[2 * third :]]))
    return json_reply(completion(text, n=body.get("n") or 1))


@dataclass
class Tracked:
    """One response iterable of the host: how far it got and whether the server (or middleware) closed it."""

    chunks: list[bytes]
    pause: float = 0.0
    yielded: int = 0
    exhausted: bool = False
    finished_at: float | None = None
    closes: int = 0
    closed: threading.Event = field(default_factory=threading.Event)

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            self.yielded += 1
            yield chunk
            if self.pause:
                time.sleep(self.pause)
        self.exhausted = True
        self.finished_at = time.monotonic()

    def close(self) -> None:
        self.closes += 1
        self.closed.set()


class PlainHost:
    """A plain PEP 3333 app with OpenAI-style routes; ``answer`` decides what the chat route replies."""

    def __init__(self, answer: Callable[[dict[str, Any]], Reply] = echo_reply, pause: float = 0.0) -> None:
        self.answer = answer
        self.pause = pause
        self.bodies: list[dict[str, Any]] = []
        self.environs: list[dict[str, Any]] = []
        self.responses: list[Tracked] = []

    @property
    def calls(self) -> int:
        return len(self.environs)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Tracked:
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if path == "/health" and method == "GET":
            return self._send(start_response, Reply("200 OK", [("Content-Type", "text/plain")], [b"ok"]))
        if path == "/v1/embeddings" and method == "POST":
            raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            headers = [("Content-Type", environ.get("CONTENT_TYPE", "")), ("Content-Length", str(len(raw)))]
            return self._send(start_response, Reply("200 OK", headers, [raw]))
        if path in ("/v1/chat/completions", "/v1/completions") and method == "POST":
            self.environs.append(dict(environ))
            raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            body = json.loads(raw)
            self.bodies.append(body)
            return self._send(start_response, self.answer(body))
        return self._send(start_response, Reply("404 Not Found", [("Content-Type", "text/plain")], [b"not found"]))

    def _send(self, start_response: StartResponse, reply: Reply) -> Tracked:
        start_response(reply.status, reply.headers)
        tracked = Tracked(reply.chunks, self.pause)
        self.responses.append(tracked)
        return tracked

    @property
    def last(self) -> Tracked:
        return self.responses[-1]


@dataclass
class FlaskHost:
    """A Flask app answering like ``echo_reply``; records its responses' close() calls and how its streams ended."""

    pause: float = 0.0
    calls: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    streams_started: int = 0
    streams_exhausted: int = 0
    streams_closed: int = 0
    closes: int = 0
    closed: threading.Event = field(default_factory=threading.Event)

    def app(self) -> Flask:
        app = Flask(__name__)

        @app.post("/v1/chat/completions")
        def chat() -> Response:
            body = request.get_json()
            self.calls += 1
            self.bodies.append(body)
            reply = echo_reply(body)
            if not body.get("stream"):
                response = Response(reply.chunks[0], mimetype="application/json")
            else:
                response = Response(self._events(reply.chunks), mimetype="text/event-stream")
            response.call_on_close(self._on_close)  # runs from close() only, never from garbage collection
            return response

        @app.get("/health")
        def health() -> str:
            return "ok"

        return app

    def _on_close(self) -> None:
        self.closes += 1
        self.closed.set()

    def _events(self, chunks: list[bytes]) -> Iterator[bytes]:
        self.streams_started += 1
        try:
            for chunk in chunks:
                yield chunk
                if self.pause:
                    time.sleep(self.pause)
            self.streams_exhausted += 1
        finally:
            self.streams_closed += 1
