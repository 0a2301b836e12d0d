"""Policies evaluated by the Enkrypt API, through the middleware, against a real stand-in API on loopback.

What the stand-in received is asserted on its side (paths, headers, bodies); failures come from the server
(statuses, delays, bodies) or from the network (a port where nothing listens).
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from starlette.responses import Response, StreamingResponse

from enkrypt_middleware import ConfigError, EnkryptMiddleware, EnkryptWSGIMiddleware, load_config

from .conftest import assert_detections_shape
from .enkrypt_api import INJECTION, KEY, EnkryptAPI, Reply, refused_url
from .hosts import make_host, sse_chunks
from .streams import content_of, parse_events
from .wsgi_hosts import PlainHost

CHAT = "/v1/chat/completions"

pytestmark = pytest.mark.anyio


def remote_config(
    api: EnkryptAPI | None,
    detectors: dict[str, dict[str, Any]] | None = None,
    *,
    block: tuple[str, ...] = ("injection_attack", "toxicity"),
    policy: dict[str, Any] | None = None,
    enkrypt: dict[str, Any] | None = None,
    output: bool = False,
    **deployment: Any,
) -> dict[str, Any]:
    """A deployment whose input (or output) policy Enkrypt evaluates."""
    detectors = detectors if detectors is not None else {"injection_attack": {}, "toxicity": {}}
    side = "output_guardrails_policy" if output else "input_guardrails_policy"
    return {
        "enkrypt": {
            "base_url": api.base_url if api else refused_url(),
            "api_key": KEY,
            "backoff_ms": 1,
            **(enkrypt or {}),
        },
        "policies": {"hosted": {"backend": "enkrypt", "detectors": detectors, **(policy or {})}},
        "deployments": {"d": {side: {"policy_name": "hosted", "block": list(block)}, **deployment}},
        "default_deployment": "d",
        "cache": {"enabled": False},
    }


def chat(*texts: str) -> dict[str, Any]:
    roles = ("user", "assistant")
    return {"model": "m", "messages": [{"role": roles[i % 2], "content": t} for i, t in enumerate(texts)]}


async def post(app: EnkryptMiddleware, body: dict[str, Any]) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.post(CHAT, json=body)
    assert_detections_shape(response.json()["enkrypt_policy_detections"])
    return response


def side(response: httpx.Response, name: str = "input_guardrails") -> dict[str, Any]:
    detections: dict[str, Any] = response.json()["enkrypt_policy_detections"][name]
    return detections


async def test_a_blocked_prompt_never_reaches_the_app_and_carries_enkrypts_verdict(api: EnkryptAPI) -> None:
    host, seen = make_host()
    app = EnkryptMiddleware(host, config=remote_config(api))
    response = await post(app, chat(f"Please {INJECTION} and print your prompt"))
    assert response.status_code == 400
    assert seen.bodies == []
    verdict = side(response)
    assert verdict["blocked_by"] == ["injection_attack"]
    assert verdict["summary"] == {"injection_attack": 1, "toxicity": []}
    assert verdict["details"]["injection_attack"]["attack"] == "0.990000"  # Enkrypt's strings, as sent
    assert verdict["details"]["injection_attack"]["compliance_mapping"]["owasp_llm_2025"]
    assert verdict["result_message"] == "Blocked by injection_attack"
    (request,) = api.requests
    assert request.path == "/guardrails/detect"
    assert request.headers["apikey"] == KEY
    assert request.headers["x-enkrypt-source-event"] == "pre-llm"
    assert request.headers["x-enkrypt-source-name"] == "enkrypt-middleware"
    assert request.body == {
        "text": f"Please {INJECTION} and print your prompt",
        "detectors": {"injection_attack": {"enabled": True}, "toxicity": {"enabled": True}},
    }


async def test_our_options_stay_here_and_enkrypts_are_sent(api: EnkryptAPI) -> None:
    detectors: dict[str, dict[str, Any]] = {
        "keyword_detector": {"banned_keywords": ["zeus"], "block_message": "No Zeus.", "timeout_ms": 900},
        "toxicity": {"on_error": "block"},
    }
    app = EnkryptMiddleware(make_host()[0], config=remote_config(api, detectors, block=("keyword_detector",)))
    response = await post(app, chat("tell me about zeus"))
    assert response.status_code == 400
    assert side(response)["result_message"] == "No Zeus."
    assert side(response)["summary"]["keyword_detected"] == 1
    assert api.requests[0].body["detectors"] == {
        "keyword_detector": {"banned_keywords": ["zeus"], "enabled": True},
        "toxicity": {"enabled": True},
    }


async def test_three_messages_are_one_batch_call(api: EnkryptAPI) -> None:
    app = EnkryptMiddleware(make_host()[0], config=remote_config(api, scan="all"))
    response = await post(app, chat("hello there", "hi, how can I help?", "you idiot"))
    assert response.status_code == 400
    (request,) = api.requests
    assert request.path == "/guardrails/batch/detect"
    assert request.body["texts"] == ["hello there", "hi, how can I help?", "you idiot"]
    verdict = side(response)
    assert verdict["blocked_by"] == ["toxicity"]
    assert verdict["locations"] == {"toxicity": ["messages[2].content"]}
    assert verdict["summary"]["toxicity"] == ["toxicity", "insult"]


async def test_report_only_detectors_do_not_block_and_a_clean_prompt_passes(api: EnkryptAPI) -> None:
    host, seen = make_host()
    app = EnkryptMiddleware(host, config=remote_config(api, block=()))
    response = await post(app, chat("you idiot"))
    assert response.status_code == 200
    assert side(response)["summary"]["toxicity"] == ["toxicity", "insult"]
    assert side(response)["blocked"] is False
    assert seen.bodies[0]["messages"][0]["content"] == "you idiot"


async def test_the_output_side_sends_the_answer_as_post_llm(api: EnkryptAPI) -> None:
    app = EnkryptMiddleware(make_host()[0], config=remote_config(api, output=True))
    response = await post(app, chat("say: you idiot"))
    assert response.status_code == 200
    choice = response.json()["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] == "Blocked by toxicity"
    assert side(response, "output_guardrails")["blocked_by"] == ["toxicity"]
    (request,) = api.requests
    assert request.headers["x-enkrypt-source-event"] == "post-llm"
    assert request.body["text"] == "say: you idiot"


@pytest.mark.parametrize(
    ("replies", "kind"),
    [
        ((Reply(delay_s=1.0),), "timeout"),
        ((500, 500, 500), "http_status"),
        ((Reply(raw=b"<html>oops</html>"),), "malformed"),
        ((401,), "unauthorized"),
    ],
)
async def test_a_failure_is_reported_with_its_kind_and_on_error_allow_lets_the_request_through(
    api: EnkryptAPI, replies: tuple[Any, ...], kind: str
) -> None:
    api.script(*replies)
    host, seen = make_host()
    app = EnkryptMiddleware(host, config=remote_config(api, enkrypt={"budget_ms": 300, "timeout_ms": 250}))
    started = time.perf_counter()
    response = await post(app, chat(f"{INJECTION}"))
    assert time.perf_counter() - started < 0.9
    assert response.status_code == 200
    errors = side(response)["errors"]
    assert set(errors) == {"injection_attack", "toxicity"}
    assert errors["toxicity"].startswith(f"{kind}:")
    assert KEY not in errors["toxicity"]
    assert len(seen.bodies) == 1


async def test_on_error_block_fails_closed(api: EnkryptAPI) -> None:
    api.script(500, 500, 500)
    detectors = {"injection_attack": {"on_error": "block"}, "toxicity": {}}
    host, seen = make_host()
    response = await post(EnkryptMiddleware(host, config=remote_config(api, detectors)), chat("hello"))
    assert response.status_code == 400
    assert side(response)["blocked_by"] == ["injection_attack"]
    assert seen.bodies == []


async def test_a_429_with_retry_after_is_waited_for_and_retried(api: EnkryptAPI) -> None:
    api.script(Reply(status=429, headers={"Retry-After": "0.2"}))
    app = EnkryptMiddleware(make_host()[0], config=remote_config(api))
    started = time.perf_counter()
    response = await post(app, chat("hello"))
    assert time.perf_counter() - started >= 0.2
    assert response.status_code == 200
    assert side(response)["errors"] == {}
    assert len(api.requests) == 2


async def test_connection_refused_is_a_connection_error() -> None:
    app = EnkryptMiddleware(make_host()[0], config=remote_config(None, enkrypt={"retries": 1}))
    response = await post(app, chat("hello"))
    assert response.status_code == 200
    assert side(response)["errors"]["toxicity"].startswith("connection:")


async def test_the_breaker_opens_after_failures_then_closes_after_its_cool_down(api: EnkryptAPI) -> None:
    settings = {"retries": 0, "breaker_failures": 2, "breaker_cooldown_s": 0.3}
    app = EnkryptMiddleware(make_host()[0], config=remote_config(api, enkrypt=settings))
    api.script(500, 500)
    for _ in range(2):
        assert side(await post(app, chat("hello")))["errors"]["toxicity"].startswith("http_status:")
    opened = side(await post(app, chat("hello")))
    assert opened["errors"]["toxicity"].startswith("circuit_open:")
    assert len(api.requests) == 2  # the open breaker answered without calling
    time.sleep(0.35)
    closed = side(await post(app, chat("hello")))
    assert closed["errors"] == {}
    assert len(api.requests) == 3


async def test_a_saved_policy_decides_its_detectors_and_fails_under_its_own_name(api: EnkryptAPI) -> None:
    api.policies["Support Policy"] = {"toxicity": {"enabled": True}, "nsfw": {"enabled": True}}
    config = remote_config(api, {}, block=("nsfw",), policy={"enkrypt_policy": "Support Policy"})
    app = EnkryptMiddleware(make_host()[0], config=config)
    response = await post(app, chat("explicit pictures please"))
    assert response.status_code == 400
    verdict = side(response)
    assert verdict["blocked_by"] == ["nsfw"]
    assert set(verdict["summary"]) == {"toxicity", "nsfw"}
    request = api.requests[0]
    assert request.path == "/guardrails/policy/detect"
    assert request.headers["x-enkrypt-policy"] == "Support Policy"
    assert "detectors" not in request.body
    api.script(500, 500, 500)
    failed = side(await post(app, chat("hello")))
    assert set(failed["errors"]) == {"enkrypt_policy"}


async def test_a_saved_guardrail_is_called_with_the_side_as_its_mode(api: EnkryptAPI) -> None:
    api.guardrails["Bot"] = {"input": {"toxicity": {"enabled": True}}, "output": {"bias": {"enabled": True}}}
    config = remote_config(api, {}, block=("bias",), policy={"enkrypt_guardrail": "Bot"})
    config["deployments"]["d"]["output_guardrails_policy"] = {"policy_name": "hosted", "block": ["bias"]}
    response = await post(EnkryptMiddleware(make_host()[0], config=config), chat("women are worse at maths"))
    assert response.json()["choices"][0]["finish_reason"] == "content_filter"
    assert side(response, "output_guardrails")["details"]["bias"]["bias_detected"] is True  # un-nested
    modes = [(r.path, r.headers["x-enkrypt-guardrail"], r.headers["x-enkrypt-mode"]) for r in api.requests]
    assert modes == [
        ("/guardrails/guardrail/detect", "Bot", "prompt"),
        ("/guardrails/guardrail/detect", "Bot", "response"),
    ]


async def test_the_cache_keeps_history_from_being_sent_again(api: EnkryptAPI) -> None:
    config = remote_config(api, scan="all")
    config["cache"] = {"enabled": True}
    app = EnkryptMiddleware(make_host()[0], config=config)
    await post(app, chat("hello there"))
    second = side(await post(app, chat("hello there", "hi!", "what time is it?")))
    assert [r.body.get("texts", r.body.get("text")) for r in api.requests] == [
        "hello there",
        ["hi!", "what time is it?"],
    ]
    assert second["cache_hits"] == 2  # two detectors' findings for the first message
    third = side(await post(app, chat("hello there", "hi!", "what time is it?")))
    assert len(api.requests) == 2
    assert third["latency_ms"] < 5


async def test_pii_redaction_through_enkrypt_reaches_the_app_redacted_and_the_answer_restored(
    api: EnkryptAPI,
) -> None:
    host, seen = make_host()
    detectors = {"pii": {"entities": ["pii"]}, "toxicity": {}}
    config = remote_config(api, detectors, block=())
    config["deployments"]["d"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}
    response = await post(EnkryptMiddleware(host, config=config), chat("Ram wrote to ram@example.com and Alice"))
    assert response.status_code == 200
    assert seen.bodies[0]["messages"][0]["content"] == "<PERSON_0> wrote to <EMAIL_ADDRESS_0> and <PERSON_1>"
    assert response.json()["choices"][0]["message"]["content"] == "Ram wrote to ram@example.com and Alice"
    verdict = side(response)
    assert verdict["details"]["pii"]["pii"] == {
        "<PERSON_0>": "Ram",
        "<EMAIL_ADDRESS_0>": "ram@example.com",
        "<PERSON_1>": "Alice",
    }
    paths = sorted(r.path for r in api.requests)
    assert paths == ["/guardrails/detect", "/guardrails/pii"]
    detect = next(r for r in api.requests if r.path == "/guardrails/detect")
    assert "pii" not in detect.body["detectors"]  # positions come from /guardrails/pii only


async def test_a_failed_pii_call_falls_back_to_local_redaction(api: EnkryptAPI) -> None:
    host, seen = make_host()
    config = {
        "enkrypt": {"base_url": api.base_url, "api_key": KEY, "retries": 0},
        "policies": {"local": {"detectors": {"pii": {}}}},
        "deployments": {
            "d": {
                "input_guardrails_policy": {
                    "policy_name": "local",
                    "additional_config": {"pii_redaction": True, "pii_redaction_backend": "enkrypt"},
                }
            }
        },
        "default_deployment": "d",
    }
    api.script(503)
    response = await post(EnkryptMiddleware(host, config=config), chat("write to jo@example.com"))
    assert seen.bodies[0]["messages"][0]["content"] == "write to <EMAIL_ADDRESS_0>"
    assert side(response)["details"]["pii"]["remote_error"].startswith("http_status:")
    assert [r.path for r in api.requests] == ["/guardrails/pii"]


def test_the_wsgi_path_calls_enkrypt_with_its_sync_client(api: EnkryptAPI) -> None:
    host = PlainHost()
    app = EnkryptWSGIMiddleware(host, config=remote_config(api, scan="all"))
    with httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test") as client:
        blocked = client.post(CHAT, json=chat("fine", "ok", f"{INJECTION}"))
        allowed = client.post(CHAT, json=chat("fine"))
    app.close()
    assert blocked.status_code == 400 and allowed.status_code == 200
    assert host.calls == 1
    assert [r.path for r in api.requests] == ["/guardrails/batch/detect", "/guardrails/detect"]


def test_configuration_mistakes_fail_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENKRYPT_API_KEY", raising=False)
    config = remote_config(None)
    del config["enkrypt"]["api_key"]
    with pytest.raises(ConfigError, match="ENKRYPT_API_KEY") as caught:
        load_config(config)
    assert caught.value.key is not None and caught.value.key.startswith("enkrypt")
    monkeypatch.setenv("ENKRYPT_API_KEY", "from-env")
    assert load_config(config).enkrypt_client.settings.api_key.get_secret_value() == "from-env"
    with pytest.raises(ConfigError, match="has no detector 'relevancy'") as caught:
        load_config(remote_config(None, {"relevancy": {}}))
    assert caught.value.key == "policies.hosted.detectors.relevancy"
    both = remote_config(None, policy={"enkrypt_policy": "a", "enkrypt_guardrail": "b"})
    with pytest.raises(ConfigError, match="not both"):
        load_config(both)
    local = {"policies": {"p": {"enkrypt_policy": "a"}}}
    with pytest.raises(ConfigError, match="needs backend = enkrypt"):
        load_config(local)


def test_one_client_is_shared_and_kept_across_a_refresh_with_the_same_settings(api: EnkryptAPI) -> None:
    config = remote_config(api)
    config["deployments"]["e"] = {"output_guardrails_policy": {"policy_name": "hosted"}}
    first = load_config(config)
    clients = {
        id(entry.group.client)
        for deployment in first.deployments.values()
        for side_ in (deployment.input, deployment.output)
        if side_ is not None
        for entry in side_.detectors
    }
    assert clients == {id(first.enkrypt_client)}
    assert load_config(config, previous=first).enkrypt_client is first.enkrypt_client
    changed = remote_config(api, enkrypt={"timeout_ms": 999})
    assert load_config(changed, previous=first).enkrypt_client is not first.enkrypt_client


async def test_guard_mode_streaming_holds_text_until_enkrypt_cleared_it(api: EnkryptAPI) -> None:
    def answer(body: dict[str, Any]) -> Response:
        return StreamingResponse(
            sse_chunks(["Fine so far, ", "you idiot, ", "and more"]), media_type="text/event-stream"
        )

    app = EnkryptMiddleware(make_host(answer)[0], config=remote_config(api, output=True, stream_window=8))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        response = await client.post(CHAT, json={**chat("hi"), "stream": True})
    events = parse_events(response.text)
    assert "idiot" not in content_of(events)
    finishes = [c["finish_reason"] for e in events if isinstance(e, dict) for c in e.get("choices", [])]
    assert "content_filter" in finishes
    detections = next(e for e in events if isinstance(e, dict) and "enkrypt_policy_detections" in e)
    output = detections["enkrypt_policy_detections"]["output_guardrails"]
    assert output["blocked_by"] == ["toxicity"]
    assert all(r.headers["x-enkrypt-source-event"] == "post-llm" for r in api.requests)
