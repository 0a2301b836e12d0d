"""The detection cache: bounded, expiring, keyed by detector configuration and text, bypassable per request."""

from __future__ import annotations

import time
from typing import Any

import anyio
import httpx
import pytest

from enkrypt_middleware import NO_CONTEXT, EnkryptMiddleware, EnkryptWSGIMiddleware, Finding, ScanContext
from enkrypt_middleware._cache import CacheSettings, DetectionCache

from .conftest import assert_detections_shape
from .hosts import make_host
from .wsgi_hosts import PlainHost

CHAT = "/v1/chat/completions"


class Counting:
    """An async detector that takes ``seconds`` and counts the texts it was asked about."""

    def __init__(self, name: str = "counting", seconds: float = 0.02, word: str = "forbidden") -> None:
        self.name = name
        self.seconds = seconds
        self.word = word
        self.seen: list[str] = []

    async def detect(self, text: str) -> Finding:
        self.seen.append(text)
        await anyio.sleep(self.seconds)
        return Finding(detected=self.word in text, score=1.0 if self.word in text else 0.0)


class CountingInline:
    name = "counting_inline"
    inline = True

    def __init__(self) -> None:
        self.seen: list[str] = []

    def detect(self, text: str) -> Finding:
        self.seen.append(text)
        return Finding(detected=False)


class CountingContext:
    name = "counting_context"
    needs_context = True

    def __init__(self) -> None:
        self.seen: list[tuple[str, str | None]] = []

    async def detect(self, text: str, context: ScanContext = NO_CONTEXT) -> Finding:
        self.seen.append((text, context.system_prompt))
        return Finding(detected=False)


def settings(names: tuple[str, ...], *, scan: str = "all", cache: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "policies": {"p": {"detectors": {name: {"enabled": True} for name in names}}},
        "deployments": {
            "d": {
                "input_guardrails_policy": {"policy_name": "p", "block": list(names)},
                "scan": scan,
                "api_keys": ["k-1"],
            }
        },
        "default_deployment": "d",
        "refresh_api_keys": [],
        **({"cache": cache} if cache is not None else {}),
    }


def turn(*texts: str, system: str | None = None) -> dict[str, Any]:
    roles = ["user", "assistant"]
    messages = [{"role": roles[index % 2], "content": text} for index, text in enumerate(texts)]
    if system is not None:
        messages.insert(0, {"role": "system", "content": system})
    return {"model": "m", "messages": messages}


async def post(app: EnkryptMiddleware, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.post(CHAT, json=body, headers={"apikey": "k-1", **(headers or {})})
    assert response.status_code in (200, 400), response.text
    data: dict[str, Any] = response.json()
    assert_detections_shape(data["enkrypt_policy_detections"])
    side: dict[str, Any] = data["enkrypt_policy_detections"]["input_guardrails"]
    return side


# --- the cache itself ---------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def key(n: int) -> tuple[bytes, bytes, bytes]:
    return (b"f", n.to_bytes(4, "big"), b"")


def test_least_recently_used_entries_go_first_past_max_entries() -> None:
    cache = DetectionCache(CacheSettings(max_entries=2))
    cache.put(key(1), "one", 10)
    cache.put(key(2), "two", 10)
    assert cache.get(key(1)) == "one"  # 1 is now the most recently used
    cache.put(key(3), "three", 10)
    assert cache.get(key(2)) is None
    assert cache.get(key(1)) == "one" and cache.get(key(3)) == "three"
    stats = cache.snapshot()
    assert (stats.entries, stats.evictions, stats.hits, stats.misses) == (2, 1, 3, 1)


def test_the_byte_bound_evicts_and_an_oversized_result_is_not_kept() -> None:
    cache = DetectionCache(CacheSettings(max_bytes=1024))
    cache.put(key(1), "a", 600)
    cache.put(key(2), "b", 600)
    assert cache.get(key(1)) is None and cache.get(key(2)) == "b"
    cache.put(key(3), "huge", 5000)
    assert cache.get(key(3)) is None
    assert cache.snapshot().bytes == 600


def test_entries_expire_after_the_ttl() -> None:
    clock = Clock()
    cache = DetectionCache(CacheSettings(ttl_s=10), clock=clock)
    cache.put(key(1), "one", 10)
    clock.now += 9.9
    assert cache.get(key(1)) == "one"
    clock.now += 0.2
    assert cache.get(key(1)) is None
    assert cache.snapshot().entries == 0


# --- through the middleware ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_conversation_history_is_not_scanned_again_and_hits_show_in_the_detections() -> None:
    detector = Counting()
    app = EnkryptMiddleware(make_host()[0], config=settings(("counting",)), detectors=[detector])
    first = await post(app, turn("What is the capital of France?"))
    assert first["cache_hits"] == 0
    assert first["latency_ms"] >= 15
    second = await post(app, turn("What is the capital of France?", "Paris.", "And of Spain?"))
    assert detector.seen == ["What is the capital of France?", "Paris.", "And of Spain?"]
    assert second["cache_hits"] == 1
    third = await post(app, turn("What is the capital of France?", "Paris.", "And of Spain?"))
    assert third["cache_hits"] == 3
    assert third["latency_ms"] < 5  # nothing was scanned: near zero instead of 3 x 20 ms
    assert len(detector.seen) == 3
    stats = app.cache_stats()
    assert (stats.hits, stats.misses, stats.entries) == (4, 3, 3)


@pytest.mark.anyio
async def test_a_cached_block_still_blocks() -> None:
    detector = Counting()
    app = EnkryptMiddleware(make_host()[0], config=settings(("counting",)), detectors=[detector])
    assert (await post(app, turn("a forbidden request")))["blocked"] is True
    again = await post(app, turn("a forbidden request"))
    assert again["blocked"] is True and again["cache_hits"] == 1
    assert again["blocked_by"] == ["counting"]
    assert len(detector.seen) == 1


@pytest.mark.anyio
async def test_refresh_header_from_an_allowed_caller_bypasses_the_cache_and_others_do_not() -> None:
    detector = Counting()
    app = EnkryptMiddleware(make_host()[0], config=settings(("counting",)), detectors=[detector])
    await post(app, turn("hello"))
    bypassed = await post(app, turn("hello"), {"X-Enkrypt-Refresh-Cache": "true"})
    assert bypassed["cache_hits"] == 0
    assert len(detector.seen) == 2
    assert (await post(app, turn("hello")))["cache_hits"] == 1  # the fresh result was stored


@pytest.mark.anyio
async def test_refresh_header_from_a_caller_not_allowed_is_ignored() -> None:
    detector = Counting()
    config = settings(("counting",))
    config["deployments"]["d"]["api_keys"] = []
    config["refresh_api_keys"] = ["admin"]
    app = EnkryptMiddleware(make_host()[0], config=config, detectors=[detector])
    await post(app, turn("hello"))
    ignored = await post(app, turn("hello"), {"X-Enkrypt-Refresh-Cache": "true", "apikey": "guess"})
    assert ignored["cache_hits"] == 1
    assert len(detector.seen) == 1


@pytest.mark.anyio
async def test_a_disabled_cache_scans_every_time_and_adds_no_key() -> None:
    detector = Counting()
    config = settings(("counting",), cache={"enabled": False})
    app = EnkryptMiddleware(make_host()[0], config=config, detectors=[detector])
    await post(app, turn("hello"))
    side = await post(app, turn("hello"))
    assert "cache_hits" not in side
    assert len(detector.seen) == 2


@pytest.mark.anyio
async def test_inline_detectors_are_cached_only_with_scope_all() -> None:
    for scope, calls in (("awaited", 2), ("all", 1)):
        detector = CountingInline()
        config = settings(("counting_inline",), cache={"scope": scope})
        app = EnkryptMiddleware(make_host()[0], config=config, detectors=[detector])
        await post(app, turn("hello"))
        await post(app, turn("hello"))
        assert len(detector.seen) == calls, scope


@pytest.mark.anyio
async def test_different_options_never_share_results() -> None:
    config = {
        "policies": {
            "apples": {"detectors": {"keyword_detector": {"banned_keywords": ["apple"]}}},
            "pears": {"detectors": {"keyword_detector": {"banned_keywords": ["pear"]}}},
        },
        "deployments": {
            name: {"input_guardrails_policy": {"policy_name": name, "block": ["keyword_detector"]}}
            for name in ("apples", "pears")
        },
        "cache": {"scope": "all"},
    }
    app = EnkryptMiddleware(make_host()[0], config=config)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for deployment in ("apples", "pears", "apples", "pears"):
            response = await client.post(
                CHAT, json=turn("one pear please"), headers={"X-Enkrypt-Deployment": deployment}
            )
            assert response.status_code == (400 if deployment == "pears" else 200)
    assert app.cache_stats().hits == 2


@pytest.mark.anyio
async def test_context_aware_results_are_keyed_by_their_context_too() -> None:
    detector = CountingContext()
    app = EnkryptMiddleware(make_host()[0], config=settings(("counting_context",)), detectors=[detector])
    await post(app, turn("hello", system="You are a pirate."))
    await post(app, turn("hello", system="You are a banker."))
    await post(app, turn("hello", system="You are a pirate."))
    assert [prompt for text, prompt in detector.seen if text == "hello"] == ["You are a pirate.", "You are a banker."]


def test_the_wsgi_path_uses_the_same_cache() -> None:
    detector = Counting(seconds=0.0)
    app = EnkryptWSGIMiddleware(PlainHost(), config=settings(("counting",)), detectors=[detector])
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test") as client:
        for _ in range(3):
            response = client.post(CHAT, json=turn("hi", "hello", "how are you?"), headers={"apikey": "k-1"})
            assert response.status_code == 200
    assert len(detector.seen) == 3
    assert response.json()["enkrypt_policy_detections"]["input_guardrails"]["cache_hits"] == 3
    assert app.cache_stats().hits == 6


def test_expired_results_are_scanned_again() -> None:
    detector = Counting(seconds=0.0)
    app = EnkryptWSGIMiddleware(
        PlainHost(), config=settings(("counting",), cache={"ttl_s": 0.05}), detectors=[detector]
    )
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test") as client:
        client.post(CHAT, json=turn("hi"), headers={"apikey": "k-1"})
        time.sleep(0.1)
        client.post(CHAT, json=turn("hi"), headers={"apikey": "k-1"})
    assert len(detector.seen) == 2
