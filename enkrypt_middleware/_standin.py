"""Host apps for ``enkrypt-middleware serve``: a local model stand-in, and a forwarder to a real provider.

The stand-in is deterministic and needs no network. It answers every chat completion with a fixed
sentence, except that a last user message starting with ``echo:`` is answered with the rest of that
message, so output guardrails can be tried. It streams (SSE) when asked to.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

__all__ = ["standin_app", "upstream_app"]

MODEL = "enkrypt-standin-1"
_DEFAULT_ANSWER = (
    "Hello from the enkrypt-middleware stand-in model. Start a message with 'echo:' and I will "
    "repeat the rest of it, so you can see the output guardrails at work."
)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def answer_for(prompt: str) -> str:
    """The stand-in's deterministic answer to a prompt."""
    stripped = prompt.lstrip()
    if stripped[:5].lower() == "echo:":
        return stripped[5:].strip()
    return _DEFAULT_ANSWER


def _usage(prompt: str, answer: str) -> dict[str, int]:
    prompt_tokens, completion_tokens = len(prompt.split()), len(answer.split())
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def _sse(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


async def _stream(
    meta: dict[str, Any], answer: str, n: int, usage: dict[str, int] | None, legacy: bool
) -> AsyncIterator[bytes]:
    words = answer.split(" ")
    for position, word in enumerate(words):
        piece = word if position == 0 else " " + word
        for index in range(n):
            if legacy:
                choice: dict[str, Any] = {"index": index, "text": piece, "finish_reason": None}
            else:
                delta: dict[str, Any] = {"content": piece}
                if position == 0:
                    delta = {"role": "assistant", "content": piece}
                choice = {"index": index, "delta": delta, "finish_reason": None}
            yield _sse({**meta, "choices": [choice]})
    for index in range(n):
        end: dict[str, Any] = {"index": index, "finish_reason": "stop"}
        if legacy:
            end["text"] = ""
        else:
            end["delta"] = {}
        yield _sse({**meta, "choices": [end]})
    if usage is not None:
        yield _sse({**meta, "choices": [], "usage": usage})
    yield b"data: [DONE]\n\n"


async def _complete(request: Request) -> Response:
    body = await request.json()
    legacy = not request.url.path.endswith("/chat/completions")
    if legacy:
        raw_prompt = body.get("prompt", "")
        prompt = raw_prompt if isinstance(raw_prompt, str) else " ".join(map(str, raw_prompt))
    else:
        users = [m for m in body.get("messages", []) if isinstance(m, dict) and m.get("role") == "user"]
        prompt = _text_of(users[-1].get("content")) if users else ""
    answer = answer_for(prompt)
    n = body.get("n") or 1
    created = int(time.time())
    meta: dict[str, Any] = {
        "id": f"cmpl-standin-{created}",
        "object": "text_completion" if legacy else "chat.completion",
        "created": created,
        "model": body.get("model") or MODEL,
    }
    usage = _usage(prompt, answer)
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        if not legacy:
            meta["object"] = "chat.completion.chunk"
        chunks = _stream(meta, answer, n, usage if include_usage else None, legacy)
        return StreamingResponse(chunks, media_type="text/event-stream")
    choices: list[dict[str, Any]]
    if legacy:
        choices = [{"index": i, "text": answer, "logprobs": None, "finish_reason": "stop"} for i in range(n)]
    else:
        message: dict[str, Any] = {"role": "assistant", "content": answer, "refusal": None}
        choices = [{"index": i, "message": message, "logprobs": None, "finish_reason": "stop"} for i in range(n)]
    return JSONResponse({**meta, "choices": choices, "usage": usage})


async def _models(request: Request) -> Response:
    return JSONResponse({"object": "list", "data": [{"id": MODEL, "object": "model", "owned_by": "local"}]})


def standin_app() -> Starlette:
    """An OpenAI-compatible app answered by the deterministic stand-in model."""
    return Starlette(
        routes=[
            Route("/v1/chat/completions", _complete, methods=["POST"]),
            Route("/v1/completions", _complete, methods=["POST"]),
            Route("/v1/models", _models, methods=["GET"]),
        ]
    )


_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "upgrade",
    "host",
    "content-length",
    "accept-encoding",
}


def upstream_app(base_url: str) -> Starlette:
    """An app forwarding ``/v1/...`` to an OpenAI-compatible provider, streaming included."""
    client = httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=httpx.Timeout(600.0, connect=10.0))

    async def forward(request: Request) -> Response:
        path = request.url.path.removeprefix("/v1")
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = client.build_request(
            request.method, path, params=request.query_params, headers=headers, content=await request.body()
        )
        reply = await client.send(upstream, stream=True)
        kept = {k: v for k, v in reply.headers.items() if k.lower() not in _HOP_BY_HOP | {"content-encoding"}}
        return StreamingResponse(
            reply.aiter_bytes(),
            status_code=reply.status_code,
            headers=kept,
            background=BackgroundTask(reply.aclose),
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(
        routes=[Route("/v1/{path:path}", forward, methods=["GET", "POST"])],
        lifespan=lifespan,
    )
