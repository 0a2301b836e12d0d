"""The benchmark's host app: a plain Starlette app that answers at once, bare or guarded.

Import targets for uvicorn (built lazily, so the bare variants work even when the package
cannot be imported):

* ``bench.app:bare`` / ``bench.app:guarded`` – the chat route answers instantly;
* ``bench.app:bare_slow`` / ``bench.app:guarded_slow`` – the chat route sleeps 50 ms first;
* ``bench.app:app`` – whichever of the four ``BENCH_VARIANT`` names (default ``bare``);
* ``bench.app:bare_b`` / ``bench.app:bare_slow_b`` – the same bare apps again, for A/A runs.

Both variants serve ``GET /health`` (never intercepted) and ``POST /v1/chat/completions``,
which reads the request body and returns the same precomputed ~1 KB ``chat.completion``.

``python -m bench.app guarded [--port 8000]`` serves one variant by hand.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

__all__ = [
    "CHAT_PATH",
    "CONFIG",
    "HEALTH_PATH",
    "REQUEST_BODY",
    "RESPONSE_BODY",
    "SLOW_SECONDS",
    "VARIANTS",
    "build",
]

CHAT_PATH = "/v1/chat/completions"
HEALTH_PATH = "/health"
SLOW_SECONDS = 0.05
VARIANTS = ("bare", "guarded", "bare_slow", "guarded_slow")

# The middleware's configuration: the default detectors, blocking on keywords and sponge attacks
# on the way in, and on keywords and secrets on the way out.
CONFIG: dict[str, Any] = {
    "policies": {
        "in": {
            "detectors": {
                "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus", "forbidden-word"]},
                "pii": {"enabled": True, "entities": ["pii", "secrets", "ip_address", "url"]},
                "sponge_attack": {"enabled": True},
            }
        },
        "out": {
            "detectors": {
                "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus"]},
                "pii": {"enabled": True, "entities": ["secrets"]},
            }
        },
    },
    "deployments": {
        "main": {
            "input_guardrails_policy": {"policy_name": "in", "block": ["keyword_detector", "sponge_attack"]},
            "output_guardrails_policy": {"policy_name": "out", "block": ["keyword_detector", "pii"]},
        }
    },
    "default_deployment": "main",
}

_SYSTEM_PROMPT = (
    "You are a helpful assistant for a mid-sized logistics company. Answer questions about shipping "
    "schedules, warehouse procedures and internal tooling clearly and concisely. When you are not sure "
    "about a policy, say so and suggest who in the operations team could confirm it. Prefer short "
    "paragraphs and numbered steps for procedures. Never invent tracking numbers, prices or delivery "
    "dates, and keep a friendly, professional tone."
)

_USER_PROMPT = (
    "Hi! I joined the warehouse planning team last week and I'm still finding my way around. Our "
    "manager asked me to prepare a short overview of how we handle returns that arrive damaged, "
    "because several customers complained last month that their refunds took too long. From what I "
    "have gathered so far, a returned parcel is first scanned at the receiving dock, then it waits "
    "on a shelf until someone from quality control has time to inspect it, and only after that does "
    "the finance team get a ticket to approve the refund. Sometimes the parcel sits on that shelf "
    "for more than a week. Could you help me write a clear summary of the current process, point "
    "out where the delays most likely come from, and suggest three or four practical improvements "
    "we could try without buying new software? It would also help to have a short checklist the "
    "dock staff could follow when a damaged return arrives. Thanks a lot for your help!"
)

_REQUEST: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "messages": [
        {"role": "system", "content": _SYSTEM_PROMPT},
        {"role": "user", "content": _USER_PROMPT},
    ],
    "temperature": 0.2,
    "max_tokens": 512,
}

# ~1.5 KB: a system message and a user message in plain English, with nothing a detector flags.
REQUEST_BODY: bytes = json.dumps(_REQUEST).encode()

_ANSWER = (
    "Here is a short overview you can adapt. Today a damaged return is scanned at the dock, waits "
    "for a quality check, and only then reaches finance, so the longest delay is the shelf wait "
    "before inspection. Three practical improvements: first, inspect damaged returns at the dock "
    "on the day they arrive; second, let the inspector open the refund ticket directly; third, "
    "review any return older than two days at the daily stand-up. A simple dock checklist: scan "
    "the parcel, photograph the damage, tag it as urgent, and notify quality control. For finance, "
    "you could say that the checks stay the same and only the waiting time between them shrinks."
)

_RESPONSE: dict[str, Any] = {
    "id": "chatcmpl-bench0000000000000000000001",
    "object": "chat.completion",
    "created": 1700000000,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": _ANSWER, "refusal": None},
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 318, "completion_tokens": 142, "total_tokens": 460},
    "system_fingerprint": "fp_bench",
}

# ~1 KB, precomputed once: the host spends no time building its answer.
RESPONSE_BODY: bytes = json.dumps(_RESPONSE).encode()

_JSON_HEADERS = {"content-type": "application/json"}


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


async def _chat(request: Request) -> Response:
    await request.body()
    return Response(RESPONSE_BODY, headers=_JSON_HEADERS)


async def _chat_slow(request: Request) -> Response:
    await request.body()
    await asyncio.sleep(SLOW_SECONDS)
    return Response(RESPONSE_BODY, headers=_JSON_HEADERS)


def build(*, guarded: bool, slow: bool = False) -> ASGIApp:
    """The host app; wrapped in ``EnkryptMiddleware`` with :data:`CONFIG` when ``guarded``."""
    routes = [
        Route(HEALTH_PATH, _health, methods=["GET"]),
        Route(CHAT_PATH, _chat_slow if slow else _chat, methods=["POST"]),
    ]
    host = Starlette(routes=routes)
    if not guarded:
        return host
    from enkrypt_middleware import EnkryptMiddleware

    return EnkryptMiddleware(host, config=CONFIG)


def _variant(name: str) -> ASGIApp:
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; choose one of {', '.join(VARIANTS)}")
    return build(guarded=name.startswith("guarded"), slow=name.endswith("_slow"))


_built: dict[str, ASGIApp] = {}


def __getattr__(name: str) -> ASGIApp:
    """``bare``, ``guarded``, ``bare_slow``, ``guarded_slow`` and ``app``, built on first access."""
    key = os.environ.get("BENCH_VARIANT", "bare") if name == "app" else name
    variant = key[:-2] if key.endswith("_b") else key  # bare_b: a second bare server for A/A runs
    if variant not in VARIANTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if key not in _built:
        _built[key] = _variant(variant)
    return _built[key]


def _main(argv: list[str]) -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.app", description="Serve one bench variant.")
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run(_variant(args.variant), host=args.host, port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    _main(sys.argv[1:])
