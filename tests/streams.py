"""A streaming host for the tests: answers with scripted OpenAI chunks, optionally pausing between them."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route


def chunk(index: int = 0, content: str | None = None, finish: str | None = None, **delta: Any) -> dict[str, Any]:
    if content is not None:
        delta["content"] = content
    return {
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1736923377,
        "model": "test-model",
        "choices": [{"index": index, "delta": delta, "finish_reason": finish}],
    }


def text_chunks(pieces: list[str], index: int = 0) -> list[dict[str, Any]]:
    first = [chunk(index, "", role="assistant")]
    return [*first, *(chunk(index, piece) for piece in pieces), chunk(index, finish="stop")]


def usage_chunk() -> dict[str, Any]:
    return {
        "id": "chatcmpl-stream",
        "object": "chat.completion.chunk",
        "created": 1736923377,
        "model": "test-model",
        "choices": [],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
    }


@dataclass
class StreamHost:
    """What the streaming host did: for asserting timing, cancellation and what it was sent."""

    chunks: list[dict[str, Any]]
    pause: float = 0.0
    done: bool = True
    newline: bytes = b"\n"
    finished_at: float | None = None
    closed: anyio.Event = field(default_factory=anyio.Event)
    ran_finally: bool = False
    bodies: list[dict[str, Any]] = field(default_factory=list)

    def app(self) -> Starlette:
        async def events() -> AsyncIterator[bytes]:
            try:
                for item in self.chunks:
                    yield b"data: " + json.dumps(item).encode() + self.newline * 2
                    if self.pause:
                        await anyio.sleep(self.pause)
                if self.done:
                    yield b"data: [DONE]" + self.newline * 2
                self.finished_at = anyio.current_time()
            finally:
                self.ran_finally = True
                self.closed.set()

        async def chat(request: Request) -> Response:
            self.bodies.append(json.loads(await request.body()))
            return StreamingResponse(events(), media_type="text/event-stream")

        return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])


def parse_events(raw: str) -> list[Any]:
    """The data of every event in a received stream: parsed JSON, or the string "[DONE]"."""
    out: list[Any] = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        data = [line[5:].lstrip() for line in block.split("\n") if line.startswith("data:")]
        if data:
            text = "\n".join(data)
            out.append(text if text == "[DONE]" else json.loads(text))
    return out


def content_of(events: list[Any], index: int = 0) -> str:
    return "".join(
        choice["delta"].get("content") or ""
        for event in events
        if isinstance(event, dict)
        for choice in event.get("choices", [])
        if choice.get("index") == index and "delta" in choice
    )
