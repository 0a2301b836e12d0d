"""Real host apps for the tests: small OpenAI-compatible Starlette apps that record what they saw."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route


@dataclass
class Seen:
    """What the host app received, for assertions."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.bodies)


def completion(content: str | None, *, n: int = 1, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": None}
    message.update(extra or {})
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1736923377,
        "model": "test-model",
        "system_fingerprint": "fp_host",
        "choices": [
            {"index": i, "message": dict(message), "logprobs": None, "finish_reason": "stop"} for i in range(n)
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        "host_extension": {"kept": True},
    }


def last_user_text(body: dict[str, Any]) -> str:
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            content = message.get("content")
            return content if isinstance(content, str) else " ".join(p.get("text", "") for p in content)
    return ""


Answer = Callable[[dict[str, Any]], Response]


def echo_answer(body: dict[str, Any]) -> Response:
    """Answers with the last user message, so tests choose what the output side sees."""
    n = body.get("n") or 1
    return JSONResponse(completion(last_user_text(body), n=n))


def make_host(answer: Answer = echo_answer) -> tuple[Starlette, Seen]:
    seen = Seen()

    async def chat(request: Request) -> Response:
        raw = await request.body()
        body = json.loads(raw)
        seen.bodies.append(body)
        seen.headers.append(dict(request.headers))
        return answer(body)

    async def legacy(request: Request) -> Response:
        body = json.loads(await request.body())
        seen.bodies.append(body)
        seen.headers.append(dict(request.headers))
        prompt = body["prompt"]
        text = prompt if isinstance(prompt, str) else prompt[0]
        return JSONResponse(
            {
                "id": "cmpl-test",
                "object": "text_completion",
                "created": 1,
                "model": "test-model",
                "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": "stop"}],
            }
        )

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    async def echo_other(request: Request) -> Response:
        return Response(await request.body(), media_type=request.headers.get("content-type"))

    return (
        Starlette(
            routes=[
                Route("/v1/chat/completions", chat, methods=["POST"]),
                Route("/v1/completions", legacy, methods=["POST"]),
                Route("/health", health),
                Route("/v1/embeddings", echo_other, methods=["POST"]),
            ]
        ),
        seen,
    )


async def sse_chunks(pieces: list[str]) -> AsyncIterator[bytes]:
    for piece in pieces:
        yield (b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": piece}}]}).encode() + b"\n\n")
    yield b"data: [DONE]\n\n"


def sse_answer(body: dict[str, Any]) -> Response:
    return StreamingResponse(sse_chunks(["Hello", " there"]), media_type="text/event-stream")
