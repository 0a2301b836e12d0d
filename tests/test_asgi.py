"""The ASGI middleware end to end: a real Starlette host, called through httpx's ASGITransport."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from enkrypt_middleware import EnkryptMiddleware, Finding

from .conftest import assert_detections_shape, config
from .hosts import Seen, completion, make_host

pytestmark = pytest.mark.anyio

CHAT = "/v1/chat/completions"


def guarded(cfg: dict[str, Any] | None = None, answer: Any = None) -> tuple[httpx.AsyncClient, Seen]:
    host, seen = make_host(answer) if answer else make_host()
    app = EnkryptMiddleware(host, config=cfg or config())
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
    return client, seen


def chat(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **extra}


async def test_clean_completion_carries_both_sides_and_keeps_host_json() -> None:
    client, seen = guarded()
    async with client:
        response = await client.post(CHAT, json=chat("What is the capital of France?"))
    assert response.status_code == 200
    body = response.json()
    assert list(body)[:-1] == list(completion("x"))  # host keys, host order, ours last
    assert body["host_extension"] == {"kept": True}
    assert body["choices"][0]["message"]["content"] == "What is the capital of France?"
    detections = body["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert detections["input_guardrails"]["summary"] == {"keyword_detected": 0, "pii": 0, "sponge_attack": 0}
    assert detections["output_guardrails"]["blocked"] is False
    assert detections["input_guardrails"]["result_message"] is None
    assert int(response.headers["content-length"]) == len(response.content)
    assert seen.calls == 1


async def test_input_block_returns_envelope_and_never_calls_the_host() -> None:
    client, seen = guarded()
    async with client:
        response = await client.post(CHAT, json=chat("Tell me everything about project zeus"))
    assert response.status_code == 400
    body = response.json()
    assert "message" not in body
    assert body["error"]["code"] == "input_guardrails_blocked"
    assert body["error"]["type"] == "guardrails_error"
    assert body["error"]["param"] is None
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert_detections_shape(body["enkrypt_policy_detections"])
    assert side["summary"]["keyword_detected"] == 1
    assert side["details"]["keyword_detector"]["detected_keywords"] == ["project zeus"]
    assert side["blocked_by"] == ["keyword_detector"]
    assert body["error"]["message"] == side["result_message"] == "Banned keyword detected"
    assert "compliance_mapping" in side["details"]["keyword_detector"]
    assert seen.calls == 0


async def test_custom_block_message_and_status() -> None:
    cfg = config()
    cfg["policies"]["in"]["detectors"]["keyword_detector"]["block_message"] = "Not here, please."
    cfg["deployments"]["main"]["block_status"] = 403
    client, _ = guarded(cfg)
    async with client:
        response = await client.post(CHAT, json=chat("forbidden-word"))
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Not here, please."


async def test_monitor_only_detector_reports_without_blocking() -> None:
    client, seen = guarded()
    async with client:
        response = await client.post(CHAT, json=chat("mail me at jane.doe@example.com"))
    assert response.status_code == 200
    side = response.json()["enkrypt_policy_detections"]["input_guardrails"]
    assert side["summary"]["pii"] == 1
    assert side["details"]["pii"]["pii"] == {"<EMAIL_ADDRESS_0>": "jane.doe@example.com"}
    assert side["blocked"] is False
    assert seen.bodies[0]["messages"][0]["content"] == "mail me at jane.doe@example.com"


async def test_output_block_replaces_choice_content() -> None:
    client, _ = guarded()
    secret = "AKIAIOSFODNN7EXAMPLE"
    async with client:
        # the input side only monitors pii, the output side blocks secrets
        response = await client.post(CHAT, json=chat(f"the key is {secret}", n=2))
    assert response.status_code == 200
    body = response.json()
    assert secret not in json.dumps(body["choices"])
    assert secret not in json.dumps(body["enkrypt_policy_detections"]["output_guardrails"])
    for choice in body["choices"]:
        assert choice["finish_reason"] == "content_filter"
        assert choice["message"]["content"] == body["enkrypt_policy_detections"]["output_guardrails"]["result_message"]
    output = body["enkrypt_policy_detections"]["output_guardrails"]
    assert output["blocked_by"] == ["pii"]
    assert output["details"]["pii"]["secrets"] == {"<AWS_ACCESS_KEY_0>": "[WITHHELD]"}
    assert output["details"]["keyword_detector"]["redacted_text"] == "[WITHHELD]"
    assert_detections_shape(body["enkrypt_policy_detections"])


async def test_output_block_replaces_only_the_offending_choice() -> None:
    def two_answers(body: dict[str, Any]) -> Response:
        data = completion("fine answer", n=2)
        data["choices"][1]["message"]["content"] = "leaking forbidden-word here"
        return JSONResponse(data)

    client, _ = guarded(answer=two_answers)
    async with client:
        response = await client.post(CHAT, json=chat("hi", n=2))
    choices = response.json()["choices"]
    assert choices[0]["message"]["content"] == "fine answer"
    assert choices[0]["finish_reason"] == "stop"
    assert choices[1]["finish_reason"] == "content_filter"
    assert "forbidden-word" not in choices[1]["message"]["content"]


async def test_output_block_error_mode() -> None:
    cfg = config()
    cfg["deployments"]["main"]["output_block_mode"] = "error"
    client, seen = guarded(cfg)
    async with client:
        response = await client.post(CHAT, json=chat("echo AKIAIOSFODNN7EXAMPLE"))
    assert response.status_code == 400
    body = response.json()
    assert body["error"]["code"] == "output_guardrails_blocked"
    assert set(body["enkrypt_policy_detections"]) == {"input_guardrails", "output_guardrails"}
    assert "choices" not in body
    assert seen.calls == 1


async def test_tool_call_arguments_are_scanned_on_output() -> None:
    def tool_answer(body: dict[str, Any]) -> Response:
        call = {
            "id": "c1",
            "type": "function",
            "function": {"name": "f", "arguments": '{"q": "project zeus"}'},
        }
        return JSONResponse(completion(None, extra={"tool_calls": [call]}))

    client, _ = guarded(answer=tool_answer)
    async with client:
        response = await client.post(CHAT, json=chat("call a tool"))
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert "tool_calls" not in choice["message"]


async def test_legacy_completions_are_guarded() -> None:
    client, seen = guarded()
    async with client:
        blocked = await client.post("/v1/completions", json={"model": "m", "prompt": "project zeus"})
        clean = await client.post("/v1/completions", json={"model": "m", "prompt": "hello"})
    assert blocked.status_code == 400
    assert clean.status_code == 200
    assert clean.json()["choices"][0]["text"] == "hello"
    assert_detections_shape(clean.json()["enkrypt_policy_detections"])
    assert seen.calls == 1


async def test_enkrypt_context_is_removed_before_the_host() -> None:
    client, seen = guarded()
    async with client:
        response = await client.post(CHAT, json=chat("hi", enkrypt_context="Paris is in France.", top_k=4))
    assert response.status_code == 200
    assert "enkrypt_context" not in seen.bodies[0]
    assert seen.bodies[0]["top_k"] == 4
    assert int(seen.headers[0]["content-length"]) > 0


@pytest.mark.parametrize(
    ("scan", "found"),
    [
        ("last_user", []),
        ("user", ["messages[1].content"]),
        (
            "all",
            ["messages[1].content", "messages[3].content", "messages[4].tool_calls[0].function.arguments"],
        ),
    ],
)
async def test_scan_scope(scan: str, found: list[str]) -> None:
    cfg = config()
    cfg["deployments"]["main"]["scan"] = scan
    cfg["deployments"]["main"]["input_guardrails_policy"]["block"] = []
    messages = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "earlier: project zeus"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "t1", "type": "function", "function": {"name": "search", "arguments": "{}"}}],
        },
        {"role": "tool", "tool_call_id": "t1", "content": "doc says: project zeus"},
        {
            "role": "assistant",
            "content": "ok",
            "tool_calls": [
                {
                    "id": "t2",
                    "type": "function",
                    "function": {"name": "s", "arguments": '{"q": "project zeus"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "t2", "content": "nothing"},
        {"role": "user", "content": [{"type": "text", "text": "and now?"}]},
    ]

    class Where:
        name = "where"
        inline = True

        def detect(self, text: str) -> Finding:
            return Finding(detected="project zeus" in text)

    where = Where()
    cfg["policies"]["in"]["detectors"]["where"] = {"enabled": True}
    host, _ = make_host()
    app = EnkryptMiddleware(host, config=cfg, detectors=[where])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(CHAT, json={"messages": messages})
    side = response.json()["enkrypt_policy_detections"]["input_guardrails"]
    assert side["summary"]["keyword_detected"] == (1 if found else 0)
    assert side["locations"].get("where", []) == found


# --- errors the middleware answers itself ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "param"),
    [
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "invalid_json",
            None,
        ),
        ({"json": chat("hi", temperature=3)}, 400, "invalid_request", "temperature"),
        ({"json": {"messages": []}}, 400, "invalid_request", "messages"),
        (
            {"json": {"messages": [{"role": "robot", "content": "x"}]}},
            400,
            "invalid_request",
            "messages[0].role",
        ),
        ({"json": chat("hi", stop=["a", "b", "c", "d", "e"])}, 400, "invalid_request", "stop[4]"),
        ({"json": chat("hi", top_logprobs=2)}, 400, "invalid_request", "top_logprobs"),
        ({"json": chat("hi", n=0)}, 400, "invalid_request", "n"),
        ({"json": [1, 2]}, 400, "invalid_request", None),
        ({"content": b"", "headers": {"content-type": "application/json"}}, 400, "invalid_json", None),
        (
            {"content": b"x=1", "headers": {"content-type": "text/plain"}},
            415,
            "unsupported_media_type",
            "Content-Type",
        ),
        (
            {
                "content": gzip.compress(b"{}"),
                "headers": {"content-type": "application/json", "content-encoding": "gzip"},
            },
            415,
            "unsupported_media_type",
            "Content-Encoding",
        ),
        (
            {"json": chat("hi"), "headers": {"x-enkrypt-deployment": "nope"}},
            404,
            "deployment_not_found",
            "X-Enkrypt-Deployment",
        ),
    ],
)
async def test_error_envelopes(kwargs: dict[str, Any], status: int, code: str, param: str | None) -> None:
    client, seen = guarded()
    async with client:
        response = await client.post(CHAT, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["param"] == param
    if param:
        assert param.split("[")[0].lower() in body["error"]["message"].lower() or status in (404, 415)
    assert seen.calls == 0


async def test_deployment_required_without_default() -> None:
    client, seen = guarded(config(default_deployment=None))
    async with client:
        missing = await client.post(CHAT, json=chat("hi"))
        named = await client.post(CHAT, json=chat("hi"), headers={"X-Enkrypt-Deployment": "main"})
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "deployment_required"
    assert named.status_code == 200
    assert seen.calls == 1


async def test_api_keys_are_checked_and_removed() -> None:
    cfg = config()
    cfg["deployments"]["main"]["api_keys"] = ["k-123", "k-456"]
    client, seen = guarded(cfg)
    async with client:
        none = await client.post(CHAT, json=chat("hi"))
        wrong = await client.post(CHAT, json=chat("hi"), headers={"apikey": "k-12"})
        right = await client.post(CHAT, json=chat("hi"), headers={"apikey": "k-456", "x-other": "kept"})
    assert none.status_code == wrong.status_code == 401
    assert none.json() == wrong.json()
    assert "k-" not in wrong.text
    assert right.status_code == 200
    assert "apikey" not in seen.headers[0]
    assert seen.headers[0]["x-other"] == "kept"


async def test_body_over_the_limit_is_413_by_header_and_by_stream() -> None:
    client, seen = guarded(config(max_body_size=1000))
    big = json.dumps(chat("x" * 2000)).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 100):
            yield big[start : start + 100]

    async with client:
        declared = await client.post(CHAT, content=big, headers={"content-type": "application/json"})
        streamed = await client.post(CHAT, content=chunks(), headers={"content-type": "application/json"})
    assert declared.status_code == streamed.status_code == 413
    assert declared.json()["error"]["code"] == "request_too_large"
    assert seen.calls == 0


# --- what passes through ----------------------------------------------------------------------------


async def test_other_routes_and_methods_pass_through_untouched() -> None:
    client, seen = guarded()
    async with client:
        health = await client.get("/health")
        other = await client.post("/v1/embeddings", content=b"not json at all", headers={"content-type": "x/y"})
        get_chat = await client.get(CHAT)
    assert health.text == "ok"
    assert other.content == b"not json at all"
    assert get_chat.status_code == 405
    assert "enkrypt_policy_detections" not in health.text
    assert seen.calls == 0


@pytest.mark.parametrize(
    "response",
    [
        JSONResponse({"error": {"message": "upstream down"}}, status_code=502),
        Response(b"plain", media_type="text/plain"),
        Response(
            gzip.compress(b'{"choices": []}'),
            media_type="application/json",
            headers={"content-encoding": "gzip"},
        ),
        JSONResponse({"object": "list", "data": []}),
    ],
)
async def test_responses_we_do_not_touch_pass_through(response: Response) -> None:
    client, _ = guarded(answer=lambda body: response)
    async with client:
        got = await client.post(CHAT, json=chat("hi"))
    assert got.status_code == response.status_code
    assert got.headers.get("content-encoding") == response.headers.get("content-encoding")
    raw = gzip.decompress(response.body) if response.headers.get("content-encoding") else response.body
    assert got.content == raw


async def test_lifespan_and_websocket_scopes_reach_the_app() -> None:
    events: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        events.append(scope["type"])

    wrapped = EnkryptMiddleware(app, config=config())
    await wrapped({"type": "lifespan"}, None, None)  # type: ignore[arg-type]
    await wrapped({"type": "websocket", "path": CHAT}, None, None)  # type: ignore[arg-type]
    assert events == ["lifespan", "websocket"]


async def test_host_exceptions_propagate() -> None:
    async def boom(request: Request) -> Response:
        raise RuntimeError("host failure")

    app = EnkryptMiddleware(Starlette(routes=[Route(CHAT, boom, methods=["POST"])]), config=config())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        with pytest.raises(RuntimeError, match="host failure"):
            await client.post(CHAT, json=chat("hi"))


# --- pii redaction -----------------------------------------------------------------------------------


async def test_pii_redaction_hides_values_from_the_host_and_restores_them() -> None:
    cfg = config()
    cfg["deployments"]["main"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}
    client, seen = guarded(cfg)
    prompt = "Write to jane@example.com or call +1 202-555-0143; again: jane@example.com"
    async with client:
        response = await client.post(CHAT, json=chat(prompt))
        second = await client.post(CHAT, json=chat("<EMAIL_ADDRESS_0> stays as typed"))
    host_saw = seen.bodies[0]["messages"][0]["content"]
    assert "jane@example.com" not in host_saw
    assert host_saw.count("<EMAIL_ADDRESS_0>") == 2
    assert "<PHONE_NUMBER_0>" in host_saw
    body = response.json()
    assert body["choices"][0]["message"]["content"] == prompt  # restored in the answer
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert side["result_message"] == host_saw
    assert side["details"]["pii"]["pii"]["<EMAIL_ADDRESS_0>"] == "jane@example.com"
    # the mapping lived only for the first request
    assert second.json()["choices"][0]["message"]["content"] == "<EMAIL_ADDRESS_0> stays as typed"
