"""``python -m bench.remote``: a remote detector at 20 ms on loopback, with and without the cache, and
speculative against sequential input.

Three processes, each a real uvicorn server or client: a stand-in of the Enkrypt guardrails API that
answers every ``/detect`` and ``/batch/detect`` call after :data:`REMOTE_SECONDS` (clean verdicts for the
detectors asked); the guarded host (``bench.app``'s Starlette host behind ``EnkryptMiddleware`` whose
input policy is evaluated by that API, ``scan = "all"``); and this process, the load generator
(``httpx.AsyncClient``, one connection per virtual user).

Scenarios:

- ``conversation``: each virtual user walks a five-turn chat; every request carries the whole history
  plus one new user message, so there is always exactly one text the cache has not seen. Reports
  requests/s, p50/p99 and how many texts were sent to the API per request, with the cache off and on.
- ``regenerate``: the same, but every turn is sent twice (a user pressing "regenerate", a client
  retrying): the second request is answered from the cache with no call at all.
- ``speculative``: one connection, the host sleeping 50 ms (``bench.app``'s slow host): latency of
  ``input_mode = "sequential"`` (detectors, then host: ~70 ms) against ``"speculative"`` (both at once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from .loadgen import render_table

REMOTE_SECONDS = 0.02
API_KEY = "bench-key"
CHAT_PATH = "/v1/chat/completions"
_SENT = {"texts": 0, "calls": 0}


# --- the stand-in API -------------------------------------------------------------------------------


def _clean(detectors: dict[str, Any]) -> dict[str, Any]:
    summary = {name: [] if name == "toxicity" else 0 for name in detectors}
    return {"summary": summary, "details": {name: {} for name in detectors}, "result_message": None}


async def _detect(request: Request) -> Response:
    body = await request.json()
    await asyncio.sleep(REMOTE_SECONDS)
    texts = body.get("texts")
    _SENT["calls"] += 1
    _SENT["texts"] += len(texts) if texts is not None else 1
    verdict = _clean(body.get("detectors", {}))
    return JSONResponse(verdict if texts is None else [{"text": t, **verdict} for t in texts])


async def _counts(request: Request) -> Response:
    return JSONResponse(dict(_SENT))


api = Starlette(
    routes=[
        Route("/guardrails/detect", _detect, methods=["POST"]),
        Route("/guardrails/batch/detect", _detect, methods=["POST"]),
        Route("/counts", _counts, methods=["GET"]),
    ]
)


# --- the guarded host ---------------------------------------------------------------------------------


def config(api_url: str, *, cache: bool, input_mode: str = "sequential") -> dict[str, Any]:
    return {
        "enkrypt": {"base_url": api_url, "api_key": API_KEY},
        "policies": {"hosted": {"backend": "enkrypt", "detectors": {"injection_attack": {}, "toxicity": {}}}},
        "deployments": {
            "bot": {
                "input_guardrails_policy": {"policy_name": "hosted", "block": ["injection_attack"]},
                "scan": "all",
                "input_mode": input_mode,
            }
        },
        "default_deployment": "bot",
        "cache": {"enabled": cache},
    }


def __getattr__(name: str) -> ASGIApp:
    """``guarded``: the host behind the middleware configured by ``BENCH_REMOTE_CONFIG`` (JSON)."""
    if name != "guarded":
        raise AttributeError(name)
    from .app import build

    settings = json.loads(os.environ["BENCH_REMOTE_CONFIG"])
    return build(guarded=True, slow=settings.pop("slow_host"), config=settings)


# --- processes ------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def _uvicorn(target: str, env: dict[str, str] | None = None) -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/health" if "guarded" in target else f"{url}/counts", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{target} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


# --- load -----------------------------------------------------------------------------------------------

_TURNS = (
    "Hi! I need help planning a trip to Lisbon in May.",
    "Which neighbourhoods are good for a family with two children?",
    "What about day trips by train from there?",
    "Can you suggest a budget for five days, without flights?",
    "Thanks. Please summarise everything in a short list.",
)


def _conversation(user: int, turns: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    for turn in range(turns):
        messages.append({"role": "user", "content": f"{_TURNS[turn]} (traveller {user})"})
        if turn < turns - 1:
            messages.append({"role": "assistant", "content": f"Here is an answer to question {turn + 1}."})
    return messages


async def _user(url: str, user: int, repeat: int, deadline: float, latencies: list[float]) -> None:
    """One virtual user: conversations no other user (and no earlier run) had, turn after turn."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        conversation = 0
        while time.perf_counter() < deadline:
            conversation += 1
            for turns in range(1, len(_TURNS) + 1):
                body = {"model": "m", "messages": _conversation(user * 100_000 + conversation, turns)}
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = await client.post(CHAT_PATH, json=body)
                    latencies.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise RuntimeError(f"unexpected status {response.status_code}")


_runs = iter(range(1, 1_000_000))


def load(url: str, api_url: str, *, users: int, seconds: float, repeat: int) -> dict[str, float]:
    first_user = next(_runs) * 1000
    before = httpx.get(f"{api_url}/counts").json()
    latencies: list[float] = []
    started = time.perf_counter()

    async def everyone() -> None:
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(_user(url, first_user + user, repeat, deadline, latencies) for user in range(users)))

    asyncio.run(everyone())
    elapsed = time.perf_counter() - started
    after = httpx.get(f"{api_url}/counts").json()
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "calls_per_request": (after["calls"] - before["calls"]) / len(latencies),
        "texts_per_request": (after["texts"] - before["texts"]) / len(latencies),
    }


def latency(url: str, requests: int) -> dict[str, float]:
    samples = []
    with httpx.Client(base_url=url, timeout=30) as client:
        for index in range(requests):
            body = {"model": "m", "messages": [{"role": "user", "content": f"Hello number {index}"}]}
            started = time.perf_counter()
            client.post(CHAT_PATH, json=body).raise_for_status()
            samples.append(time.perf_counter() - started)
    samples.sort()
    return {"p50_ms": statistics.median(samples) * 1000, "p99_ms": samples[int(len(samples) * 0.99) - 1] * 1000}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=16, help="concurrent virtual users")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each load run")
    parser.add_argument("--requests", type=int, default=100, help="requests per speculative/sequential run")
    args = parser.parse_args(argv)
    rows: list[tuple[str, ...]] = [("scenario", "cache", "req/s", "p50 ms", "p99 ms", "API calls/req", "texts/req")]
    with _uvicorn("bench.remote:api") as api_url:
        for scenario, repeat in (("conversation", 1), ("regenerate", 2)):
            for cache in (False, True):
                env = {"BENCH_REMOTE_CONFIG": json.dumps({**config(api_url, cache=cache), "slow_host": False})}
                with _uvicorn("bench.remote:guarded", env) as url:
                    load(url, api_url, users=args.users, seconds=1.0, repeat=repeat)  # warm-up
                    result = load(url, api_url, users=args.users, seconds=args.seconds, repeat=repeat)
                rows.append(
                    (
                        scenario,
                        "on" if cache else "off",
                        f"{result['rps']:.0f}",
                        f"{result['p50_ms']:.1f}",
                        f"{result['p99_ms']:.1f}",
                        f"{result['calls_per_request']:.2f}",
                        f"{result['texts_per_request']:.2f}",
                    )
                )
        print("\n".join(render_table(rows)))
        print()
        spec_rows: list[tuple[str, ...]] = [("input_mode (host 50 ms, API 20 ms)", "p50 ms", "p99 ms")]
        for mode in ("sequential", "speculative"):
            settings = {**config(api_url, cache=False, input_mode=mode), "slow_host": True}
            with _uvicorn("bench.remote:guarded", {"BENCH_REMOTE_CONFIG": json.dumps(settings)}) as url:
                latency(url, 10)  # warm-up
                result = latency(url, args.requests)
            spec_rows.append((mode, f"{result['p50_ms']:.1f}", f"{result['p99_ms']:.1f}"))
        print("\n".join(render_table(spec_rows)))


if __name__ == "__main__":
    main()
