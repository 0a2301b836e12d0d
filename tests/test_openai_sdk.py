"""The official openai SDK against guarded apps: sync over a real server, async over ASGITransport."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import openai
import pytest

from enkrypt_middleware import EnkryptMiddleware

from .conftest import assert_detections_shape, config
from .hosts import Seen, make_host
from .server import serve


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    host, seen = make_host()
    with serve(EnkryptMiddleware(host, config=config())) as url:
        yield url, seen


def test_sync_sdk_success_exposes_detections(server: tuple[str, Seen]) -> None:
    url, _ = server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    reply = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "hello there"}],
        extra_headers={"X-Enkrypt-Deployment": "main", "X-Enkrypt-Tags": "sdk,test"},
    )
    assert reply.choices[0].message.content == "hello there"
    detections = (reply.model_extra or {})["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert detections["output_guardrails"]["blocked"] is False


def test_sync_sdk_block_raises_bad_request_with_detections(server: tuple[str, Seen]) -> None:
    url, seen = server
    client = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "project zeus"}])
    error = caught.value
    assert error.status_code == 400
    assert error.code == "input_guardrails_blocked"
    # the SDK keeps body["error"] as the exception's body: the detections are there too
    assert isinstance(error.body, dict)
    assert error.body["enkrypt_policy_detections"]["input_guardrails"]["blocked"] is True
    full = error.response.json()
    assert full["enkrypt_policy_detections"]["input_guardrails"]["blocked_by"] == ["keyword_detector"]
    assert_detections_shape(full["enkrypt_policy_detections"])
    assert seen.calls == 0


@pytest.mark.anyio
async def test_async_sdk_block_and_success() -> None:
    host, seen = make_host()
    app = EnkryptMiddleware(host, config=config())
    http = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://test")
    client = openai.AsyncOpenAI(base_url="http://test/v1", api_key="unused", http_client=http, max_retries=0)
    async with http:
        reply = await client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "echo hi"}])
        assert_detections_shape((reply.model_extra or {})["enkrypt_policy_detections"])
        with pytest.raises(openai.BadRequestError) as caught:
            await client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "Forbidden-Word"}]
            )
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["enkrypt_policy_detections"]["input_guardrails"]["blocked"] is True
    assert seen.calls == 1
