"""Guarded streaming end to end: audit and guard modes over a real streaming host."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from enkrypt_middleware import EnkryptMiddleware

from .conftest import assert_detections_shape, config
from .server import serve
from .streams import StreamHost, chunk, content_of, parse_events, text_chunks, usage_chunk

CHAT = "/v1/chat/completions"
SECRET = "AKIAIOSFODNN7EXAMPLE"


def stream_config(mode: str | None = None, **deployment: Any) -> dict[str, Any]:
    cfg = config()
    if mode:
        cfg["deployments"]["main"]["stream_mode"] = mode
    cfg["deployments"]["main"].update(deployment)
    return cfg


def ask(content: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"model": "m", "messages": [{"role": "user", "content": content}], "stream": True, **extra}


async def received(host: StreamHost, cfg: dict[str, Any], body: dict[str, Any] | None = None) -> str:
    app = EnkryptMiddleware(host.app(), config=cfg)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(CHAT, json=body or ask())
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    return response.text


def detections_of(events: list[Any]) -> dict[str, Any]:
    final = [e for e in events if isinstance(e, dict) and "enkrypt_policy_detections" in e]
    assert len(final) == 1
    assert final[0]["choices"] == []
    assert final[0]["object"] == "chat.completion.chunk"
    detections: dict[str, Any] = final[0]["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    return detections


# --- audit --------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_audit_forwards_every_event_unchanged_and_appends_detections() -> None:
    host = StreamHost([*text_chunks(["Hello", " there", f" {SECRET}"]), usage_chunk()])
    text = await received(host, stream_config("audit"), ask(stream_options={"include_usage": True}))
    events = parse_events(text)
    assert content_of(events) == f"Hello there {SECRET}"
    # the host's events come first, byte for byte, then detections, then [DONE]
    assert events[:-2] == [*text_chunks(["Hello", " there", f" {SECRET}"]), usage_chunk()]
    assert events[-1] == "[DONE]"
    detections = detections_of(events)
    output = detections["output_guardrails"]
    assert output["summary"]["pii"] == 1
    assert output["blocked"] is False  # audit mode never blocks
    assert detections["input_guardrails"]["blocked"] is False


@pytest.mark.anyio
@pytest.mark.parametrize("newline", [b"\n", b"\r\n"])
async def test_audit_keeps_the_hosts_framing_and_copes_without_done(newline: bytes) -> None:
    host = StreamHost(text_chunks(["a", "b"]), done=False, newline=newline)
    text = await received(host, stream_config("audit"))
    assert text.count(newline.decode() * 2) == len(parse_events(text))
    assert parse_events(text)[-1] == "[DONE]"
    detections_of(parse_events(text))


# --- guard --------------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_guard_never_releases_a_secret_split_over_three_chunks() -> None:
    pieces = ["Here is the key: AKIA", "IOSFODN", "N7EXAMPLE and more text after it."]
    host = StreamHost(text_chunks(pieces))
    text = await received(host, stream_config(stream_window=32))
    for fragment in ("AKIA", "IOSFODN", "N7EXAMPLE"):
        assert fragment not in text
    events = parse_events(text)
    finishes = [c["finish_reason"] for e in events if isinstance(e, dict) for c in e.get("choices", [])]
    assert "content_filter" in finishes
    detections = detections_of(events)
    assert detections["output_guardrails"]["blocked"] is True
    assert detections["output_guardrails"]["blocked_by"] == ["pii"]
    assert content_of(events).endswith("Sensitive information detected")
    assert events[-1] == "[DONE]"


@pytest.mark.anyio
async def test_guard_releases_clean_text_in_order_with_a_valid_chunk_shape() -> None:
    words = [f"word{i} " for i in range(60)]
    host = StreamHost(text_chunks(words))
    text = await received(host, stream_config("guard", stream_window=16))
    events = parse_events(text)
    assert content_of(events) == "".join(words)
    released = [e for e in events if isinstance(e, dict) and e.get("choices")]
    # text left before the end, in several chunks, each an OpenAI chunk with one choice
    assert len(released) > 3
    for event in released:
        assert event["id"] == "chatcmpl-stream" and event["object"] == "chat.completion.chunk"
        assert set(event["choices"][0]) == {"index", "delta", "finish_reason"}
    assert released[0]["choices"][0]["delta"]["role"] == "assistant"
    assert released[-1]["choices"][0]["finish_reason"] == "stop"
    assert detections_of(events)["output_guardrails"]["blocked"] is False


@pytest.mark.anyio
async def test_guard_catches_a_banned_keyword_split_across_chunks() -> None:
    host = StreamHost(text_chunks(["all about proj", "ect ze", "us, the plan"]))
    text = await received(host, stream_config())
    events = parse_events(text)
    assert "proj" not in content_of(events)
    assert detections_of(events)["output_guardrails"]["blocked_by"] == ["keyword_detector"]


@pytest.mark.anyio
async def test_guard_blocks_choices_independently() -> None:
    clean = text_chunks(["A fine", " answer."], index=0)
    dirty = text_chunks(["Leaking ", SECRET[:10], SECRET[10:], " now."], index=1)
    interleaved = [item for pair in zip(clean, dirty, strict=False) for item in pair] + dirty[len(clean) :]
    host = StreamHost(interleaved)
    text = await received(host, stream_config(), ask(n=2))
    events = parse_events(text)
    assert content_of(events, 0) == "A fine answer."
    assert SECRET[:10] not in text and SECRET[10:] not in text
    finishes = {
        c["index"]: c["finish_reason"]
        for e in events
        if isinstance(e, dict)
        for c in e.get("choices", [])
        if c["finish_reason"]
    }
    assert finishes == {0: "stop", 1: "content_filter"}


@pytest.mark.anyio
async def test_guard_scans_tool_call_argument_deltas() -> None:
    def call(arguments: str, **extra: Any) -> dict[str, Any]:
        return chunk(tool_calls=[{"index": 0, "function": {"arguments": arguments}, **extra}])

    host = StreamHost(
        [
            chunk(
                role="assistant", tool_calls=[{"index": 0, "id": "c1", "type": "function", "function": {"name": "f"}}]
            ),
            call('{"q": "proj'),
            call("ect zeus"),
            call('"}'),
            chunk(finish="tool_calls"),
        ]
    )
    events = parse_events(await received(host, stream_config()))
    released = [e for e in events if isinstance(e, dict) and e.get("choices")]
    assert not any("tool_calls" in c["delta"] for e in released for c in e["choices"])
    assert released[-1]["choices"][0]["finish_reason"] == "content_filter"
    assert detections_of(events)["output_guardrails"]["blocked_by"] == ["keyword_detector"]


@pytest.mark.anyio
async def test_guard_releases_clean_tool_calls_whole() -> None:
    host = StreamHost(
        [
            chunk(
                role="assistant", tool_calls=[{"index": 0, "id": "c1", "type": "function", "function": {"name": "f"}}]
            ),
            chunk(tool_calls=[{"index": 0, "function": {"arguments": '{"city": '}}]),
            chunk(tool_calls=[{"index": 0, "function": {"arguments": '"Paris"}'}}]),
            chunk(finish="tool_calls"),
        ]
    )
    events = parse_events(await received(host, stream_config()))
    calls = [
        c["delta"]["tool_calls"]
        for e in events
        if isinstance(e, dict)
        for c in e.get("choices", [])
        if "tool_calls" in c["delta"]
    ]
    assert calls == [
        [{"index": 0, "id": "c1", "type": "function", "function": {"name": "f", "arguments": '{"city": "Paris"}'}}]
    ]


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["audit", "guard"])
async def test_placeholders_split_across_chunks_are_restored(mode: str) -> None:
    cfg = stream_config(mode)
    cfg["deployments"]["main"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}
    host = StreamHost(text_chunks(["Sure, I will write to <EMAIL_", "ADDRESS_0", "> today."]))
    text = await received(host, cfg, ask("Please email jane@example.com"))
    assert host.bodies[0]["messages"][0]["content"] == "Please email <EMAIL_ADDRESS_0>"
    events = parse_events(text)
    assert content_of(events) == "Sure, I will write to jane@example.com today."
    assert "<EMAIL_" not in content_of(events)


# --- a real server: timing, the openai SDK, disconnects -------------------------------------------------


@pytest.fixture
def slow_host() -> StreamHost:
    return StreamHost(text_chunks(["First", " second", " third", " fourth"]), pause=0.25)


def test_audit_first_chunk_arrives_before_the_host_finishes(slow_host: StreamHost) -> None:
    app = EnkryptMiddleware(slow_host.app(), config=stream_config("audit"))
    with serve(app) as url, httpx.Client(base_url=url) as client:
        started = time.monotonic()
        with client.stream("POST", CHAT, json=ask()) as response:
            first_at = None
            for line in response.iter_lines():
                if first_at is None and line.startswith("data:") and "First" in line:
                    first_at = time.monotonic() - started
            total = time.monotonic() - started
    assert first_at is not None
    # the host pauses 0.25 s after each of its 6 chunks
    assert first_at < 0.5 < total


def test_sync_sdk_streams_and_yields_the_detections_chunk() -> None:
    host = StreamHost(text_chunks(["Hello", " world"]))
    with serve(EnkryptMiddleware(host.app(), config=stream_config())) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
        stream = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
        chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello world"
    final = [c for c in chunks if not c.choices]
    assert len(final) == 1
    detections = (final[0].model_extra or {})["enkrypt_policy_detections"]
    assert detections["output_guardrails"]["blocked"] is False


@pytest.mark.anyio
async def test_async_sdk_guard_block_mid_stream() -> None:
    host = StreamHost(text_chunks(["The secret is ", "AKIAIOSF", "ODNN7EXAMPLE", " ok"]))
    with serve(EnkryptMiddleware(host.app(), config=stream_config())) as url:
        async with openai.AsyncOpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0) as client:
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}], stream=True
            )
            chunks = [c async for c in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "AKIA" not in text
    assert chunks[-1].choices == []
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "content_filter"


def test_block_closes_the_host_stream() -> None:
    pieces = ["The secret is ", SECRET, *(f" filler {i}" for i in range(20))]
    host = StreamHost(text_chunks(pieces), pause=0.05)
    with serve(EnkryptMiddleware(host.app(), config=stream_config(stream_window=8))) as url:
        with httpx.Client(base_url=url) as client:
            text = client.post(CHAT, json=ask()).text
        deadline = time.monotonic() + 5
        while not host.ran_finally and time.monotonic() < deadline:
            time.sleep(0.02)
    assert SECRET not in text
    assert host.ran_finally
    assert host.finished_at is None  # cancelled, not run to the end


@pytest.fixture
def endless() -> Iterator[StreamHost]:
    yield StreamHost(text_chunks([f"piece {i} " for i in range(200)]), pause=0.05)


@pytest.mark.parametrize("mode", ["audit", "guard"])
def test_client_disconnect_closes_the_host_generator(endless: StreamHost, mode: str) -> None:
    with serve(EnkryptMiddleware(endless.app(), config=stream_config(mode, stream_window=4))) as url:
        with httpx.Client(base_url=url) as client, client.stream("POST", CHAT, json=ask()) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    break
        deadline = time.monotonic() + 5
        while not endless.ran_finally and time.monotonic() < deadline:
            time.sleep(0.02)
    assert endless.ran_finally
    assert endless.finished_at is None


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["audit", "guard"])
async def test_placeholders_in_streamed_tool_call_arguments_are_restored(mode: str) -> None:
    cfg = stream_config(mode)
    cfg["deployments"]["main"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}

    def call(arguments: str, **extra: Any) -> dict[str, Any]:
        return chunk(tool_calls=[{"index": 0, "function": {"arguments": arguments}, **extra}])

    host = StreamHost(
        [
            chunk(
                role="assistant",
                tool_calls=[{"index": 0, "id": "c1", "type": "function", "function": {"name": "mail"}}],
            ),
            call('{"to": "<EMAIL_ADD'),
            call('RESS_0>"}'),
            chunk(finish="tool_calls"),
        ]
    )
    events = parse_events(await received(host, cfg, ask("mail jane@example.com")))
    arguments = "".join(
        call["function"].get("arguments") or ""
        for e in events
        if isinstance(e, dict)
        for c in e.get("choices", [])
        for call in c["delta"].get("tool_calls") or []
    )
    assert arguments == '{"to": "jane@example.com"}'
