"""``python -m bench.inprocess``: the middleware's cost per request with no server and no network.

Calls the ASGI apps of ``bench.app`` directly, with a prepared scope, a ``receive`` that hands over the
request body and a ``send`` that drops what it is given, thousands of times in one event loop. The bare
host and the guarded one run in interleaved rounds; the figure is the difference of their medians
(per request for ``chat``, per host chunk for ``stream``). No sockets, no HTTP parsing and no other
process is involved, so what remains is the middleware's own work, and a run under callgrind counts
it in instructions, which do not depend on what else the machine is doing::

    .venv/bin/python -m bench.inprocess --scenario chat --rounds 9
    .venv/bin/python -m bench.inprocess --scenario stream --rounds 9
    .venv/bin/python -m bench.inprocess --callgrind --scenario chat      # instructions per request
    .venv/bin/python -m bench.inprocess --profile --scenario chat        # cProfile of the guarded app

The ``stream`` host is the bench host's stream without its 2 ms sleeps (the same 20 chunk events then
``data: [DONE]``), behind ``stream_mode: audit``: a sleep costs no CPU, and leaving it out keeps a
round short.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from bench.app import CHAT_PATH, CONFIG, REQUEST_BODY, RESPONSE_BODY, STREAM_EVENTS, STREAM_REQUEST_BODY, stream_config

ROOT = Path(__file__).resolve().parent.parent
_JSON_HEADERS = {"content-type": "application/json"}
#: Host chunks per streamed answer (the per-chunk figure divides by this).
_CHUNKS = len(STREAM_EVENTS) - 1

App = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def _events() -> AsyncIterator[bytes]:
    for event in STREAM_EVENTS:
        yield event


async def _chat(request: Request) -> Response:
    body = await request.body()
    if b'"stream": true' in body:
        return StreamingResponse(_events(), media_type="text/event-stream")
    return Response(RESPONSE_BODY, headers=_JSON_HEADERS)


def build(scenario: str, *, guarded: bool) -> App:
    """The host of ``scenario``, bare or behind the middleware (``stream``: in audit mode)."""
    host = Starlette(routes=[Route(CHAT_PATH, _chat, methods=["POST"])])
    if not guarded:
        return host
    from enkrypt_middleware import EnkryptMiddleware

    config = stream_config("audit") if scenario == "stream" else CONFIG
    return EnkryptMiddleware(host, config=config)


def _scope(body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": CHAT_PATH,
        "raw_path": CHAT_PATH.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"127.0.0.1:8000"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def _run(app: App, body: bytes, requests: int, sink: list[bytes] | None = None) -> float:
    """Seconds ``requests`` calls of ``app`` took. ``sink`` collects the response body bytes, if given."""
    template = _scope(body)
    message = {"type": "http.request", "body": body, "more_body": False}
    never = asyncio.Event()

    def receiver() -> Callable[[], Awaitable[dict[str, Any]]]:
        # the body once, then nothing until cancelled: a client that waits for its answer
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await never.wait()
            sent = True
            return message

        return receive

    async def send(message: dict[str, Any]) -> None:
        if sink is not None and message["type"] == "http.response.body":
            sink.append(message.get("body", b""))

    started = time.perf_counter()
    for _ in range(requests):
        await app(dict(template), receiver(), send)
    return time.perf_counter() - started


def _body(scenario: str) -> bytes:
    return STREAM_REQUEST_BODY if scenario == "stream" else REQUEST_BODY


def measure(scenario: str, rounds: int, requests: int) -> dict[str, float]:
    """Median µs per request of each variant over interleaved rounds, and the guarded one's addition."""
    apps = {"bare": build(scenario, guarded=False), "guarded": build(scenario, guarded=True)}
    body = _body(scenario)
    times: dict[str, list[float]] = {name: [] for name in apps}
    loop = asyncio.new_event_loop()
    try:
        for app in apps.values():  # warm-up: imports, regex caches, first-call costs
            loop.run_until_complete(_run(app, body, max(50, requests // 10)))
        gc.collect()
        gc.disable()
        for index in range(rounds):
            order = list(apps) if index % 2 == 0 else list(reversed(apps))
            for name in order:
                elapsed = loop.run_until_complete(_run(apps[name], body, requests))
                times[name].append(elapsed / requests * 1e6)
    finally:
        gc.enable()
        loop.close()
    bare = statistics.median(times["bare"])
    guarded = statistics.median(times["guarded"])
    pairs = [g - b for g, b in zip(times["guarded"], times["bare"], strict=True)]
    result = {
        "bare_us": bare,
        "guarded_us": guarded,
        "added_us": guarded - bare,
        "added_pairs_us": statistics.median(pairs),
    }
    if scenario == "stream":
        result["added_per_chunk_us"] = (guarded - bare) / _CHUNKS
    return result


def run_only(scenario: str, variant: str, requests: int) -> None:
    """Build one variant and call it ``requests`` times: the unit a callgrind run counts."""
    app = build(scenario, guarded=variant == "guarded")
    loop = asyncio.new_event_loop()
    sink: list[bytes] = []
    gc.collect()
    gc.disable()  # a full collection lands in one run and not the other: thousands of instructions per request
    loop.run_until_complete(_run(app, _body(scenario), max(1, requests), sink))
    loop.close()


def callgrind(scenario: str, low: int, high: int) -> dict[str, float]:
    """Instructions per request added by the middleware, from four callgrind runs.

    Each variant runs ``low`` and ``high`` requests; the difference of the two counts, divided by
    ``high - low``, is the cost of one request without start-up and imports.
    """
    counts: dict[tuple[str, int], int] = {}
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("bare", "guarded"):
            for requests in (low, high):
                out = Path(tmp) / f"{variant}-{requests}.out"
                command = [
                    "valgrind",
                    "--tool=callgrind",
                    f"--callgrind-out-file={out}",
                    sys.executable,
                    "-m",
                    "bench.inprocess",
                    "--only",
                    variant,
                    "--scenario",
                    scenario,
                    "--requests",
                    str(requests),
                ]
                subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
                summary = re.search(rb"^summary: (\d+)", out.read_bytes(), re.MULTILINE)
                if summary is None:
                    raise RuntimeError(f"no summary line in {out}")
                counts[(variant, requests)] = int(summary.group(1))
    span = high - low
    bare = (counts[("bare", high)] - counts[("bare", low)]) / span
    guarded = (counts[("guarded", high)] - counts[("guarded", low)]) / span
    result = {"bare_ir": bare, "guarded_ir": guarded, "added_ir": guarded - bare}
    if scenario == "stream":
        result["added_ir_per_chunk"] = (guarded - bare) / _CHUNKS
    return result


def profile(scenario: str, requests: int) -> None:
    """cProfile of the guarded variant, sorted by own time."""
    import cProfile
    import pstats

    app = build(scenario, guarded=True)
    loop = asyncio.new_event_loop()
    body = _body(scenario)
    loop.run_until_complete(_run(app, body, 100))
    profiler = cProfile.Profile()
    profiler.enable()
    loop.run_until_complete(_run(app, body, requests))
    profiler.disable()
    loop.close()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("chat", "stream"), default="chat")
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=2000, help="requests per round (stream: 500)")
    parser.add_argument("--callgrind", action="store_true", help="count instructions under valgrind instead")
    parser.add_argument("--profile", action="store_true", help="cProfile the guarded variant instead")
    parser.add_argument("--only", choices=("bare", "guarded"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.only:
        run_only(args.scenario, args.only, args.requests)
        return
    if args.callgrind:
        result = callgrind(args.scenario, 100, 600)
    elif args.profile:
        profile(args.scenario, args.requests)
        return
    else:
        requests = args.requests if args.scenario == "chat" or args.requests != 2000 else 500
        result = measure(args.scenario, args.rounds, requests)
    for key, value in result.items():
        print(f"{key:>22}: {value:,.1f}")


if __name__ == "__main__":
    main(sys.argv[1:])
