"""The runnable apps in examples/, exactly as shipped: through httpx's ASGITransport and a real uvicorn server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import openai
import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from enkrypt_middleware import EnkryptMiddleware
from examples import fastapi_app, starlette_app

from .conftest import assert_detections_shape
from .server import serve

CHAT = "/v1/chat/completions"
EXAMPLES: dict[str, tuple[ASGIApp, str]] = {
    "fastapi": (fastapi_app.app, "You asked: "),
    "starlette": (starlette_app.app, "Noted: "),
}


def chat(content: str) -> dict[str, Any]:
    return {"model": "my-model", "messages": [{"role": "user", "content": content}]}


async def post(app: ASGIApp, content: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.post(CHAT, json=chat(content))


@pytest.mark.parametrize("name", list(EXAMPLES))
@pytest.mark.anyio
async def test_clean_request_gets_detections(name: str) -> None:
    app, prefix = EXAMPLES[name]
    response = await post(app, "How do I reset my password?")
    assert response.status_code == 200
    body = response.json()
    assert body["choices"][0]["message"]["content"] == f"{prefix}How do I reset my password?"
    assert body["choices"][0]["finish_reason"] == "stop"
    detections = body["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert set(detections) == {"input_guardrails", "output_guardrails"}
    assert detections["input_guardrails"]["blocked"] is False
    assert detections["output_guardrails"]["blocked"] is False
    assert int(response.headers["content-length"]) == len(response.content)


@pytest.mark.parametrize("name", list(EXAMPLES))
@pytest.mark.anyio
async def test_banned_keyword_gets_the_block_envelope(name: str) -> None:
    app, _ = EXAMPLES[name]
    response = await post(app, "What is the status of Project Zeus?")
    assert response.status_code == 400
    body = response.json()
    assert "message" not in body
    assert body["error"]["code"] == "input_guardrails_blocked"
    assert body["error"]["type"] == "guardrails_error"
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert side["blocked_by"] == ["keyword_detector"]
    assert side["details"]["keyword_detector"]["detected_keywords"] == ["project zeus"]
    assert_detections_shape(body["enkrypt_policy_detections"])


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("fastapi", "The answer contained a credential and was withheld."),
        ("starlette", "Sensitive information detected"),
    ],
)
@pytest.mark.anyio
async def test_secret_in_the_answer_is_withheld(name: str, message: str) -> None:
    app, _ = EXAMPLES[name]
    response = await post(app, "is ghp_abcdefghijklmnopqrstuvwxyz0123456789 my token?")
    assert response.status_code == 200
    body = response.json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] == message
    assert "ghp_" not in json.dumps(body["choices"])
    assert body["enkrypt_policy_detections"]["output_guardrails"]["blocked_by"] == ["pii"]


@pytest.mark.anyio
async def test_fastapi_example_redacts_pii_and_restores_it() -> None:
    response = await post(fastapi_app.app, "my email is jo@example.com, call +1 415 555 0100")
    assert response.status_code == 200
    body = response.json()
    assert body["choices"][0]["message"]["content"] == "You asked: my email is jo@example.com, call +1 415 555 0100"
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert side["details"]["pii"]["pii"] == {
        "<EMAIL_ADDRESS_0>": "jo@example.com",
        "<PHONE_NUMBER_0>": "+1 415 555 0100",
    }
    assert side["result_message"] == "my email is <EMAIL_ADDRESS_0>, call <PHONE_NUMBER_0>"
    assert side["blocked"] is False


def recording(app: ASGIApp) -> tuple[ASGIApp, list[bytes]]:
    """``app`` with every request body it receives recorded."""
    bodies: list[bytes] = []

    async def recorded_app(scope: Scope, receive: Receive, send: Send) -> None:
        async def recorded() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                bodies.append(message.get("body", b""))
            return message

        await app(scope, recorded, send)

    return recorded_app, bodies


@pytest.mark.anyio
async def test_starlette_example_host_sees_placeholders() -> None:
    assert isinstance(starlette_app.app, EnkryptMiddleware)
    host, bodies = recording(starlette_app.app.app)
    await post(EnkryptMiddleware(host, config=starlette_app.GUARDRAILS), "my email is jo@example.com")
    assert [json.loads(body) for body in bodies] == [chat("my email is <EMAIL_ADDRESS_0>")]


@pytest.mark.anyio
async def test_starlette_example_redacts_pii_and_restores_it() -> None:
    response = await post(starlette_app.app, "my email is jo@example.com")
    body = response.json()
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert side["details"]["pii"]["pii"] == {"<EMAIL_ADDRESS_0>": "jo@example.com"}
    assert body["choices"][0]["message"]["content"] == "Noted: my email is jo@example.com"


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_example_under_uvicorn_with_the_openai_sdk(name: str) -> None:
    app, prefix = EXAMPLES[name]
    with serve(app) as url:
        client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
        reply = client.chat.completions.create(
            model="my-model", messages=[{"role": "user", "content": "What are your opening hours?"}]
        )
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(model="my-model", messages=[{"role": "user", "content": "project zeus"}])
    assert reply.choices[0].message.content == f"{prefix}What are your opening hours?"
    detections = (reply.model_extra or {})["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert detections["input_guardrails"]["blocked"] is False
    assert caught.value.code == "input_guardrails_blocked"
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["enkrypt_policy_detections"]["input_guardrails"]["blocked_by"] == ["keyword_detector"]
