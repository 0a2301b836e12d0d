"""How detectors run: concurrently, off the event loop when slow, with timeouts and on_error."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest

from enkrypt_middleware import EnkryptMiddleware, Finding

from .conftest import assert_detections_shape
from .hosts import make_host

pytestmark = pytest.mark.anyio

CHAT = "/v1/chat/completions"


def only(*names: str, block: tuple[str, ...] = (), **options: dict[str, Any]) -> dict[str, Any]:
    """A configuration whose input policy runs just the named (custom) detectors."""
    detectors = {name: {"enabled": True, **options.get(name, {})} for name in names}
    return {
        "policies": {"p": {"detectors": detectors}},
        "deployments": {"d": {"input_guardrails_policy": {"policy_name": "p", "block": list(block)}}},
        "default_deployment": "d",
    }


class SlowSync:
    name = "slow_sync"

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def detect(self, text: str) -> Finding:
        time.sleep(self.seconds)
        return Finding(detected=False)


class SlowAsync:
    def __init__(self, name: str, seconds: float, detected: bool = False) -> None:
        self.name = name
        self.seconds = seconds
        self.detected = detected

    async def detect(self, text: str) -> Finding:
        await anyio.sleep(self.seconds)
        return Finding(detected=self.detected, score=0.9 if self.detected else 0.1)


class Broken:
    name = "broken"
    inline = True

    def detect(self, text: str) -> Finding:
        raise ValueError(f"cannot handle {text}")


def client_for(cfg: dict[str, Any], *detectors: Any) -> tuple[httpx.AsyncClient, Any]:
    host, seen = make_host()
    app = EnkryptMiddleware(host, config=cfg, detectors=detectors)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t"), seen


BODY = {"messages": [{"role": "user", "content": "secret plans for tuesday"}]}


async def test_slow_sync_detector_does_not_block_the_event_loop() -> None:
    client, _ = client_for(only("slow_sync"), SlowSync(0.3))
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await anyio.sleep(0.01)
            ticks += 1

    async with client, anyio.create_task_group() as group:
        group.start_soon(tick)
        response = await client.post(CHAT, json=BODY)
        group.cancel_scope.cancel()
    assert response.status_code == 200
    # the loop kept running while the detector slept in its worker thread
    assert ticks >= 10


async def test_async_detectors_run_concurrently() -> None:
    detectors = [SlowAsync(f"a{i}", 0.2) for i in range(4)]
    client, _ = client_for(only(*(d.name for d in detectors)), *detectors)
    async with client:
        started = time.perf_counter()
        response = await client.post(CHAT, json=BODY)
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    # one after the other would take 0.8 s
    assert elapsed < 0.6
    summary = response.json()["enkrypt_policy_detections"]["input_guardrails"]["summary"]
    assert summary == {"a0": 0, "a1": 0, "a2": 0, "a3": 0}


@pytest.mark.parametrize(("on_error", "status"), [("allow", 200), ("block", 400)])
async def test_timeout_is_reported_and_on_error_decides(on_error: str, status: int) -> None:
    cfg = only("late", block=("late",), late={"timeout_ms": 50, "on_error": on_error})
    client, seen = client_for(cfg, SlowAsync("late", 5.0, detected=False))
    async with client:
        started = time.perf_counter()
        response = await client.post(CHAT, json=BODY)
    assert time.perf_counter() - started < 2
    assert response.status_code == status
    body = response.json()
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert side["errors"] == {"late": "timed out after 50 ms"}
    assert "late" not in side["summary"]
    assert_detections_shape(body["enkrypt_policy_detections"])
    assert seen.calls == (1 if on_error == "allow" else 0)


async def test_thread_detector_timeout() -> None:
    cfg = only("slow_sync", slow_sync={"timeout_ms": 50})
    client, _ = client_for(cfg, SlowSync(0.5))
    async with client:
        response = await client.post(CHAT, json=BODY)
    side = response.json()["enkrypt_policy_detections"]["input_guardrails"]
    assert side["errors"] == {"slow_sync": "timed out after 50 ms"}


async def test_failing_detector_never_crashes_and_never_leaks_text() -> None:
    cfg = only("broken", "fine", block=("fine",))
    client, seen = client_for(cfg, Broken(), SlowAsync("fine", 0.0))
    async with client:
        response = await client.post(CHAT, json=BODY)
    assert response.status_code == 200
    side = response.json()["enkrypt_policy_detections"]["input_guardrails"]
    assert side["errors"] == {"broken": "detector failed: ValueError"}
    assert "tuesday" not in str(side["errors"])
    assert side["summary"] == {"fine": 0}
    assert seen.calls == 1


async def test_custom_detector_blocks_with_its_block_message() -> None:
    cfg = only("judge", block=("judge",), judge={"block_message": "The judge said no."})
    client, seen = client_for(cfg, SlowAsync("judge", 0.0, detected=True))
    async with client:
        response = await client.post(CHAT, json=BODY)
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["message"] == "The judge said no."
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert side["summary"] == {"judge": 1}
    assert side["details"]["judge"]["score"] == 0.9
    assert seen.calls == 0
