"""The benchmark's host app: a plain Starlette app that answers at once, bare or guarded.

Import targets for uvicorn (built lazily, so the bare variants work even when the package
cannot be imported):

* ``bench.app:bare`` / ``bench.app:guarded`` – the chat route answers instantly;
* ``bench.app:bare_slow`` / ``bench.app:guarded_slow`` – the chat route sleeps 50 ms first;
* ``bench.app:app`` – whichever :data:`VARIANTS` name ``BENCH_VARIANT`` holds (default ``bare``);
* ``bench.app:bare_b`` / ``bench.app:bare_slow_b`` – the same bare apps again, for A/A runs;
* ``bench.app:stream_audit``, ``bench.app:stream_guard64``, ``bench.app:stream_guard256`` – the fast
  host behind the middleware with :data:`CONFIG`'s deployment set to ``stream_mode: audit``, or to
  ``stream_mode: guard`` with ``stream_window`` 64 or 256 (for the ``stream`` scenario).

Every variant serves ``GET /health`` (never intercepted) and ``POST /v1/chat/completions``,
which reads the request body and returns the same precomputed ~1 KB ``chat.completion``; when the
request has ``"stream": true`` it streams :data:`STREAM_EVENTS` instead: 20
``chat.completion.chunk`` events (a role chunk, 18 content chunks of five words, a finish chunk)
:data:`STREAM_INTERVAL_SECONDS` apart, then ``data: [DONE]``.

``python -m bench.app guarded [--port 8000]`` serves one variant by hand.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp

__all__ = [
    "CHAT_PATH",
    "CONFIG",
    "HEALTH_PATH",
    "REQUEST_BODY",
    "RESPONSE_BODY",
    "SLOW_SECONDS",
    "STREAM_CHUNKS",
    "STREAM_CONTENT",
    "STREAM_EVENTS",
    "STREAM_INTERVAL_SECONDS",
    "STREAM_MODES",
    "STREAM_REQUEST_BODY",
    "VARIANTS",
    "build",
    "stream_config",
]

CHAT_PATH = "/v1/chat/completions"
HEALTH_PATH = "/health"
SLOW_SECONDS = 0.05
# Guarded variants for the stream scenario: (stream_mode, stream_window or None for the default).
STREAM_MODES: dict[str, tuple[str, int | None]] = {
    "stream_audit": ("audit", None),
    "stream_guard64": ("guard", 64),
    "stream_guard256": ("guard", 256),
}
VARIANTS = ("bare", "guarded", "bare_slow", "guarded_slow", *STREAM_MODES)
STREAM_CHUNKS = 20
STREAM_INTERVAL_SECONDS = 0.002

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

# The chat request again, with "stream": true.
STREAM_REQUEST_BODY: bytes = json.dumps({**_REQUEST, "stream": True}).encode()


def _stream_events() -> tuple[tuple[bytes, ...], str]:
    """The streamed answer as SSE events, and its text: role chunk, 18 x 5 words, finish chunk, [DONE]."""
    words = _ANSWER.split()
    pieces = [" ".join(words[i : i + 5]) for i in range(0, 5 * (STREAM_CHUNKS - 2), 5)]
    pieces = [piece + " " for piece in pieces[:-1]] + pieces[-1:]
    head = {"id": _RESPONSE["id"], "object": "chat.completion.chunk", "created": _RESPONSE["created"]}
    base = {**head, "model": _RESPONSE["model"], "system_fingerprint": _RESPONSE["system_fingerprint"]}
    deltas: list[tuple[dict[str, Any], str | None]] = [({"role": "assistant", "content": "", "refusal": None}, None)]
    deltas += [({"content": piece}, None) for piece in pieces]
    deltas.append(({}, "stop"))
    events = []
    for delta, finish in deltas:
        chunk = {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        events.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return tuple(events), "".join(pieces)


STREAM_EVENTS, STREAM_CONTENT = _stream_events()
"""``STREAM_CHUNKS`` chunk events then ``data: [DONE]``, precomputed; and the text they spell (528 characters)."""

_JSON_HEADERS = {"content-type": "application/json"}


async def _health(request: Request) -> Response:
    return PlainTextResponse("ok")


def _wants_stream(body: bytes) -> bool:
    # the substring test keeps the non-streamed chat route free of a JSON parse
    if b'"stream"' not in body:
        return False
    data = json.loads(body)
    return isinstance(data, dict) and data.get("stream") is True


async def _events() -> AsyncIterator[bytes]:
    for n, event in enumerate(STREAM_EVENTS):
        if 0 < n < STREAM_CHUNKS:  # 2 ms between chunk events; [DONE] follows the finish chunk at once
            await asyncio.sleep(STREAM_INTERVAL_SECONDS)
        yield event


def _stream() -> Response:
    return StreamingResponse(_events(), media_type="text/event-stream")


async def _chat(request: Request) -> Response:
    if _wants_stream(await request.body()):
        return _stream()
    return Response(RESPONSE_BODY, headers=_JSON_HEADERS)


async def _chat_slow(request: Request) -> Response:
    stream = _wants_stream(await request.body())
    await asyncio.sleep(SLOW_SECONDS)
    return _stream() if stream else Response(RESPONSE_BODY, headers=_JSON_HEADERS)


def stream_config(mode: str, window: int | None = None) -> dict[str, Any]:
    """:data:`CONFIG` with ``stream_mode`` (and ``stream_window`` when given) set on its deployment."""
    config = copy.deepcopy(CONFIG)
    deployment = config["deployments"][config["default_deployment"]]
    deployment["stream_mode"] = mode
    if window is not None:
        deployment["stream_window"] = window
    return config


def build(*, guarded: bool, slow: bool = False, config: dict[str, Any] | None = None) -> ASGIApp:
    """The host app; wrapped in ``EnkryptMiddleware`` with ``config`` (:data:`CONFIG`) when ``guarded``."""
    routes = [
        Route(HEALTH_PATH, _health, methods=["GET"]),
        Route(CHAT_PATH, _chat_slow if slow else _chat, methods=["POST"]),
    ]
    host = Starlette(routes=routes)
    if not guarded:
        return host
    from enkrypt_middleware import EnkryptMiddleware

    return EnkryptMiddleware(host, config=CONFIG if config is None else config)


def _variant(name: str) -> ASGIApp:
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r}; choose one of {', '.join(VARIANTS)}")
    if name in STREAM_MODES:
        return build(guarded=True, config=stream_config(*STREAM_MODES[name]))
    return build(guarded=name.startswith("guarded"), slow=name.endswith("_slow"))


_built: dict[str, ASGIApp] = {}


def __getattr__(name: str) -> ASGIApp:
    """The :data:`VARIANTS`, their ``_b`` twins and ``app``, built on first access."""
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
