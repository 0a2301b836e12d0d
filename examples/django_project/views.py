"""An OpenAI-compatible chat completions view: JSON, or server-sent events with ``"stream": true``."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

logger = logging.getLogger(__name__)


def _chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "my-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def _events(answer: str) -> Iterator[bytes]:
    yield _chunk({"role": "assistant", "content": ""})
    for word in answer.split(" "):  # call your model here and yield as tokens arrive
        yield _chunk({"content": f"{word} "})
    yield _chunk({}, finish="stop")
    yield b"data: [DONE]\n\n"


async def _aevents(answer: str) -> AsyncIterator[bytes]:
    for event in _events(answer):
        yield event


@csrf_exempt  # an API called with a bearer token or an apikey header, not from a browser form
@require_POST
def chat_completions(request: HttpRequest) -> HttpResponseBase:
    body = json.loads(request.body)
    stream = body.get("stream") is True
    logger.info("answering a chat completion (stream=%s)", stream)  # never the text itself
    answer = f"You asked: {body['messages'][-1]['content']}"  # call your model here
    if stream:
        # Django serves an async iterator best under ASGI and a sync one under WSGI
        events = _aevents(answer) if isinstance(request, ASGIRequest) else _events(answer)
        response = StreamingHttpResponse(events, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        return response
    return JsonResponse(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "my-model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
        }
    )


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
