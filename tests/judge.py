"""A stand-in judge model: a real OpenAI-compatible chat-completions app that records what it is sent."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class JudgeModel:
    """An OpenAI-compatible chat-completions server that records requests and answers a scripted verdict."""

    verdict: dict[str, Any] | str = field(default_factory=lambda: {"violation": False})
    delay: float = 0.0
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        async def chat(request: Request) -> Response:
            self.paths.append(request.url.path)
            self.headers.append(dict(request.headers))
            self.requests.append(json.loads(await request.body()))
            if self.delay:
                await anyio.sleep(self.delay)
            content = self.verdict if isinstance(self.verdict, str) else json.dumps(self.verdict)
            body = {
                "id": "chatcmpl-judge",
                "object": "chat.completion",
                "created": 1,
                "model": "judge",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
                ],
            }
            return JSONResponse(body, status_code=self.status)

        return Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
