"""Speculative input mode: the app runs while the input detectors decide, and only an allowed answer gets out.

Two deployments over the same host and the same detectors: ``main`` (sequential) and ``spec``
(speculative), so every behaviour is compared with the sequential one it must match.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import httpx2
import openai
import pytest
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from enkrypt_middleware import EnkryptMiddleware, Finding, load_config
from enkrypt_middleware._exceptions import ConfigError

from .conftest import assert_detections_shape, config
from .hosts import completion, last_user_text, make_host
from .server import serve
from .streams import StreamHost, content_of, parse_events, text_chunks

CHAT = "/v1/chat/completions"
SECRET = "AKIAIOSFODNN7EXAMPLE"
#: What the host writes into every answer: must never reach a client whose request was blocked.
MARKER = "HOST-ANSWER-7f3a"
#: What makes the slow detector fire.
TRIGGER = "open the pod bay doors"


@dataclass
class SlowCheck:
    """An async detector that takes ``delay`` seconds (a remote guardrail call) and fires on TRIGGER."""

    delay: float = 0.1
    name: str = "slow_check"

    async def detect(self, text: str) -> Finding:
        await anyio.sleep(self.delay)
        fired = TRIGGER in text.lower()
        return Finding(detected=fired, score=1.0 if fired else 0.0)


def spec_config(**spec: Any) -> dict[str, Any]:
    """``main`` (sequential) and ``spec`` (speculative): the same policies, ``slow_check`` blocking in both."""
    cfg = config()
    cfg["policies"]["in"]["detectors"]["slow_check"] = {"enabled": True}
    main = cfg["deployments"]["main"]
    main["input_guardrails_policy"]["block"].append("slow_check")
    cfg["deployments"]["spec"] = {**json.loads(json.dumps(main)), "input_mode": "speculative", **spec}
    cfg["cache"] = {"enabled": False}  # every request must pay the detector: the tests time and count its calls
    return cfg


def use(deployment: str) -> dict[str, str]:
    return {"X-Enkrypt-Deployment": deployment}


def ask(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **extra}


def without_latency(value: Any) -> Any:
    """The same JSON without ``latency_ms``, the one value two runs of the same request may differ in."""
    if isinstance(value, dict):
        return {k: without_latency(v) for k, v in value.items() if k != "latency_ms"}
    if isinstance(value, list):
        return [without_latency(v) for v in value]
    return value


@dataclass
class Record:
    """What the sleepy host went through, per request."""

    started: int = 0
    cancelled: int = 0
    answered: int = 0
    background: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)


def sleepy_host(delay: float) -> tuple[Starlette, Record]:
    """A host whose model call takes ``delay`` seconds; it records a cancellation and its background task."""
    record = Record()

    def after_response() -> None:
        record.background += 1

    async def chat(request: Request) -> Response:
        body = json.loads(await request.body())
        record.bodies.append(body)
        record.started += 1
        try:
            await anyio.sleep(delay)
        except anyio.get_cancelled_exc_class():
            record.cancelled += 1
            raise
        record.answered += 1
        answer = completion(f"{MARKER}: {last_user_text(body)}")
        return JSONResponse(answer, background=BackgroundTask(after_response))

    return Starlette(routes=[Route(CHAT, chat, methods=["POST"])]), record


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@dataclass
class Watch:
    """Wraps the guarded app the server runs: when each request's middleware call ended, and how."""

    app: Any
    ended: list[float] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except BaseException as exc:
            self.errors.append(exc)
            raise
        finally:
            self.ended.append(time.monotonic())


# --- latency, over a real server ------------------------------------------------------------------------


def test_speculative_overlaps_the_detectors_with_the_host() -> None:
    host, record = sleepy_host(0.2)
    app = EnkryptMiddleware(host, config=spec_config(), detectors=[SlowCheck(0.1)])
    timings: dict[str, list[float]] = {"main": [], "spec": []}
    with serve(app) as url, httpx.Client(base_url=url) as client:
        for deployment in ("main", "spec"):  # warm up the connection and both code paths
            assert client.post(CHAT, json=ask("hello"), headers=use(deployment)).status_code == 200
        for _ in range(3):
            for deployment in ("main", "spec"):
                started = time.perf_counter()
                response = client.post(CHAT, json=ask("hello"), headers=use(deployment))
                timings[deployment].append(time.perf_counter() - started)
                assert response.status_code == 200
                assert response.json()["choices"][0]["message"]["content"] == f"{MARKER}: hello"
    # host 200 ms, detector 100 ms: one after the other, or at the same time
    assert min(timings["main"]) >= 0.3
    assert min(timings["spec"]) < 0.27
    assert record.answered == record.started == 8
    assert record.cancelled == 0


# --- a block -------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_block_cancels_the_host_and_answers_only_the_envelope() -> None:
    host, record = sleepy_host(5.0)
    app = EnkryptMiddleware(host, config=spec_config(), detectors=[SlowCheck(0.1)])
    async with client_for(app) as client:
        sequential = await client.post(CHAT, json=ask(f"Please {TRIGGER}"), headers=use("main"))
        assert record.started == 0  # sequential mode never calls the host on a block
        started = time.perf_counter()
        response = await client.post(CHAT, json=ask(f"Please {TRIGGER}"), headers=use("spec"))
        elapsed = time.perf_counter() - started
    assert response.status_code == sequential.status_code == 400
    assert MARKER not in response.text
    body = response.json()
    assert without_latency(body) == without_latency(sequential.json())
    assert set(body) == {"error", "enkrypt_policy_detections"}
    assert body["error"]["code"] == "input_guardrails_blocked"
    assert set(body["enkrypt_policy_detections"]) == {"input_guardrails"}
    assert body["enkrypt_policy_detections"]["input_guardrails"]["blocked_by"] == ["slow_check"]
    assert_detections_shape(body["enkrypt_policy_detections"])
    assert int(response.headers["content-length"]) == len(response.content)
    # the host was called at once, and its model call was cancelled: it saw CancelledError, never answered
    assert record.started == 1
    assert record.cancelled == 1
    assert record.answered == record.background == 0
    assert elapsed < 2.0  # the block did not wait for the host's 5 s


@pytest.mark.anyio
async def test_a_host_that_finishes_first_is_held_until_the_verdict() -> None:
    host, record = sleepy_host(0.0)
    app = EnkryptMiddleware(host, config=spec_config(), detectors=[SlowCheck(0.15)])
    async with client_for(app) as client:
        started = time.perf_counter()
        allowed = await client.post(CHAT, json=ask("hello"), headers=use("spec"))
        held_for = time.perf_counter() - started
        blocked = await client.post(CHAT, json=ask(TRIGGER), headers=use("spec"))
    assert allowed.status_code == 200
    assert allowed.json()["choices"][0]["message"]["content"] == f"{MARKER}: hello"
    assert allowed.json()["enkrypt_policy_detections"]["input_guardrails"]["blocked"] is False
    assert held_for >= 0.15  # the host answered at once; its answer waited for the detector
    # the blocked request's host answered too, but nothing of it got out, and its response never
    # completed: the background task that follows a sent response did not run
    assert blocked.status_code == 400
    assert MARKER not in blocked.text
    assert blocked.json()["error"]["code"] == "input_guardrails_blocked"
    assert record.answered == 2
    assert record.background == 1


def test_a_block_does_not_wait_for_a_host_in_a_worker_thread() -> None:
    """A sync endpoint runs in a thread, which no cancellation can stop: the block goes out regardless."""
    record = Record()

    def chat(request: Request) -> Response:
        record.started += 1
        time.sleep(1.0)  # a sync model client
        record.answered += 1
        return JSONResponse(completion(MARKER))

    host = Starlette(routes=[Route(CHAT, chat, methods=["POST"])])
    watch = Watch(EnkryptMiddleware(host, config=spec_config(), detectors=[SlowCheck(0.1)]))
    with serve(watch) as url, httpx.Client(base_url=url) as client:
        started = time.perf_counter()
        response = client.post(CHAT, json=ask(TRIGGER), headers=use("spec"))
        elapsed = time.perf_counter() - started
        deadline = time.monotonic() + 5
        while not watch.ended and time.monotonic() < deadline:
            time.sleep(0.01)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "input_guardrails_blocked"
    assert elapsed < 0.6  # the verdict's time, not the thread's second
    # the thread ran to its end, then the middleware call ended cleanly, its answer dropped at the gate
    assert record.answered == 1
    assert watch.ended
    assert watch.errors == []


# --- an allowed request is the sequential one ----------------------------------------------------------


@pytest.mark.anyio
async def test_allowed_json_response_is_identical_to_sequential() -> None:
    host, seen = make_host()
    app = EnkryptMiddleware(host, config=spec_config(), detectors=[SlowCheck(0.05)])
    request = ask(f"repeat after me: {SECRET} and jane@example.com", n=2, enkrypt_context="Paris.", top_k=3)
    async with client_for(app) as client:
        sequential = await client.post(CHAT, json=request, headers=use("main"))
        speculative = await client.post(CHAT, json=request, headers=use("spec"))
    assert speculative.status_code == sequential.status_code == 200
    assert without_latency(speculative.json()) == without_latency(sequential.json())
    body = speculative.json()
    # the output side ran: the echoed secret was replaced in both choices
    assert SECRET not in json.dumps(body["choices"])
    assert [c["finish_reason"] for c in body["choices"]] == ["content_filter", "content_filter"]
    detections = body["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert detections["output_guardrails"]["blocked_by"] == ["pii"]
    assert detections["input_guardrails"]["summary"]["slow_check"] == 0
    assert int(speculative.headers["content-length"]) == len(speculative.content)
    # the host saw the same body both times: enkrypt_context removed, everything else kept
    assert seen.bodies[0] == seen.bodies[1]
    assert "enkrypt_context" not in seen.bodies[1]
    assert seen.bodies[1]["top_k"] == 3


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["audit", "guard"])
async def test_allowed_stream_is_identical_to_sequential(mode: str) -> None:
    host = StreamHost(text_chunks(["Hello", " there", f" {SECRET}", " bye"]))
    cfg = spec_config(stream_mode=mode)
    cfg["deployments"]["main"]["stream_mode"] = mode
    app = EnkryptMiddleware(host.app(), config=cfg, detectors=[SlowCheck(0.05)])
    async with client_for(app) as client:
        sequential = await client.post(CHAT, json=ask("hi", stream=True), headers=use("main"))
        speculative = await client.post(CHAT, json=ask("hi", stream=True), headers=use("spec"))
    assert speculative.status_code == 200
    assert speculative.headers["content-type"].startswith("text/event-stream")
    events = parse_events(speculative.text)
    assert without_latency(events) == without_latency(parse_events(sequential.text))
    assert events[-1] == "[DONE]"
    final = events[-2]
    assert final["choices"] == []
    detections = final["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert set(detections) == {"input_guardrails", "output_guardrails"}
    assert detections["input_guardrails"]["summary"]["slow_check"] == 0
    assert (SECRET in content_of(events)) is (mode == "audit")


# --- the host failing ----------------------------------------------------------------------------------


def failing_host(delay: float, record: Record) -> Any:
    """A bare ASGI host that reads the request, waits ``delay`` seconds and raises, having sent nothing."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        record.started += 1
        try:
            await anyio.sleep(delay)
        except anyio.get_cancelled_exc_class():
            record.cancelled += 1
            raise
        raise RuntimeError("host failure")

    return app


@pytest.mark.anyio
@pytest.mark.parametrize("delay", [0.0, 0.3], ids=["before-the-verdict", "after-the-verdict"])
async def test_host_failure_propagates_when_allowed_and_yields_to_a_block(delay: float) -> None:
    record = Record()
    app = EnkryptMiddleware(failing_host(delay, record), config=spec_config(), detectors=[SlowCheck(0.1)])
    async with client_for(app) as client:
        # allowed: the host's own exception, not an exception group, as in sequential mode
        with pytest.raises(RuntimeError, match="host failure"):
            await client.post(CHAT, json=ask("hello"), headers=use("spec"))
        blocked = await client.post(CHAT, json=ask(TRIGGER), headers=use("spec"))
    assert blocked.status_code == 400
    assert blocked.json()["error"]["code"] == "input_guardrails_blocked"
    assert record.started == 2
    # raising before the verdict, the host's failure was swallowed; later, it was cancelled first
    assert record.cancelled == (1 if delay else 0)


@pytest.mark.anyio
async def test_starlette_host_error_response_passes_when_allowed() -> None:
    async def boom(request: Request) -> Response:
        await request.body()
        raise RuntimeError("host failure")

    host = Starlette(routes=[Route(CHAT, boom, methods=["POST"])])
    app = EnkryptMiddleware(host, config=spec_config(), detectors=[SlowCheck(0.05)])
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        allowed = await client.post(CHAT, json=ask("hello"), headers=use("spec"))
        blocked = await client.post(CHAT, json=ask(TRIGGER), headers=use("spec"))
    assert allowed.status_code == 500  # Starlette's own error page, sent once the request was allowed
    assert blocked.status_code == 400  # the 500 it tried to send before the verdict never got out
    assert blocked.json()["error"]["code"] == "input_guardrails_blocked"


# --- configuration -------------------------------------------------------------------------------------


def test_pii_redaction_conflicts_with_speculative_mode() -> None:
    cfg = spec_config(input_guardrails_policy={"policy_name": "in", "additional_config": {"pii_redaction": True}})
    with pytest.raises(ConfigError) as caught:
        load_config(cfg, detectors=[SlowCheck()])
    assert caught.value.key == "deployments.spec.input_mode"
    assert "pii_redaction" in str(caught.value)
    host, _ = make_host()
    with pytest.raises(ConfigError, match=r"deployments\.spec\.input_mode"):
        EnkryptMiddleware(host, config=cfg, detectors=[SlowCheck()])
    # the same redaction in sequential mode is fine
    cfg["deployments"]["spec"]["input_mode"] = "sequential"
    assert load_config(cfg, detectors=[SlowCheck()]).deployments["spec"].input_mode == "sequential"


def test_input_mode_is_validated_and_compiled() -> None:
    compiled = load_config(spec_config(), detectors=[SlowCheck()]).deployments
    assert compiled["spec"].input_mode == "speculative"
    assert compiled["main"].input_mode == "sequential"
    with pytest.raises(ConfigError, match=r"deployments\.spec\.input_mode"):
        load_config(spec_config(input_mode="eager"), detectors=[SlowCheck()])


# --- the openai SDK ------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_openai_sdk_raises_bad_request_on_a_speculative_block() -> None:
    host, record = sleepy_host(5.0)
    app = EnkryptMiddleware(host, config=spec_config(), detectors=[SlowCheck(0.1)])
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://test")
    client = openai.AsyncOpenAI(
        base_url="http://test/v1", api_key="unused", http_client=http, max_retries=0, default_headers=use("spec")
    )
    async with http:
        with pytest.raises(openai.BadRequestError) as caught:
            await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": TRIGGER}])
    error = caught.value
    assert error.status_code == 400
    assert error.code == "input_guardrails_blocked"
    assert isinstance(error.body, dict)
    assert error.body["enkrypt_policy_detections"]["input_guardrails"]["blocked_by"] == ["slow_check"]
    assert MARKER not in error.response.text
    assert record.started == record.cancelled == 1


# --- a client that goes away while the verdict is pending ------------------------------------------------


@pytest.fixture
def endless() -> Iterator[StreamHost]:
    yield StreamHost(text_chunks([f"piece {i} " for i in range(100)]), pause=0.05)


@pytest.mark.parametrize("content", ["hello", TRIGGER], ids=["allowed", "blocked"])
def test_client_disconnect_while_pending_does_not_hang(endless: StreamHost, content: str) -> None:
    watch = Watch(EnkryptMiddleware(endless.app(), config=spec_config(), detectors=[SlowCheck(0.3)]))
    body = json.dumps(ask(content, stream=True)).encode()
    head = (
        f"POST {CHAT} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Enkrypt-Deployment: spec\r\n\r\n"
    )
    with serve(watch) as url:
        address = urlsplit(url)
        with socket.create_connection((address.hostname or "", address.port or 0)) as sock:
            sock.sendall(head.encode() + body)
            time.sleep(0.05)  # the request is in, the detector has 250 ms to go
        gone = time.monotonic()
        deadline = gone + 5
        while not watch.ended and time.monotonic() < deadline:
            time.sleep(0.01)
    assert watch.ended, "the middleware call never returned"
    assert watch.ended[0] - gone < 2.0
    assert watch.errors == []
    # the host's endless stream (5 s) did not run on for a client that had gone
    assert endless.finished_at is None
