"""The WSGI middleware end to end: a plain PEP 3333 host and a Flask host, through httpx's WSGITransport,
waitress (in a thread) and gunicorn (in a process), with httpx and the openai SDK as clients."""

from __future__ import annotations

import gzip
import io
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from wsgiref.util import setup_testing_defaults

import httpx
import openai
import pytest

from enkrypt_middleware import EnkryptWSGIMiddleware

from .conftest import assert_detections_shape, config
from .hosts import completion
from .real_servers import gunicorn, serve_wsgi
from .streams import content_of, parse_events, text_chunks, usage_chunk
from .wsgi_hosts import FlaskHost, PlainHost, Reply, json_reply, sse_reply

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHAT = "/v1/chat/completions"
SECRET = "AKIAIOSFODNN7EXAMPLE"


def chat(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4o", "messages": [{"role": "user", "content": content}], **extra}


def client(app: WSGIApplication) -> httpx.Client:
    return httpx.Client(transport=httpx.WSGITransport(app=app), base_url="http://test")


def guarded(
    cfg: dict[str, Any] | None = None, answer: Callable[[dict[str, Any]], Reply] | None = None
) -> tuple[httpx.Client, PlainHost]:
    host = PlainHost(answer) if answer else PlainHost()
    return client(EnkryptWSGIMiddleware(host, config=cfg or config())), host


def stream_config(mode: str | None = None, **deployment: Any) -> dict[str, Any]:
    cfg = config()
    if mode:
        cfg["deployments"]["main"]["stream_mode"] = mode
    cfg["deployments"]["main"].update(deployment)
    return cfg


def detections_of(events: list[Any]) -> dict[str, Any]:
    final = [e for e in events if isinstance(e, dict) and "enkrypt_policy_detections" in e]
    assert len(final) == 1
    assert final[0]["choices"] == []
    detections: dict[str, Any] = final[0]["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    return detections


# --- JSON completions -----------------------------------------------------------------------------


def test_clean_completion_carries_both_sides_and_closes_the_app_iterable() -> None:
    http, host = guarded()
    with http:
        response = http.post(CHAT, json=chat("What is the capital of France?"))
    assert response.status_code == 200
    body = response.json()
    assert list(body)[:-1] == list(completion("x"))  # host keys, host order, ours last
    assert body["host_extension"] == {"kept": True}
    assert body["choices"][0]["message"]["content"] == "What is the capital of France?"
    detections = body["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert detections["input_guardrails"]["summary"] == {"keyword_detected": 0, "pii": 0, "sponge_attack": 0}
    assert detections["output_guardrails"]["blocked"] is False
    assert int(response.headers["content-length"]) == len(response.content)
    assert host.calls == 1
    assert host.last.exhausted and host.last.closes == 1


@pytest.mark.parametrize("framework", ["plain", "flask"])
def test_input_block_returns_the_envelope_and_never_calls_the_app(framework: str) -> None:
    plain, flask = PlainHost(), FlaskHost()
    app: WSGIApplication = plain if framework == "plain" else flask.app()
    with client(EnkryptWSGIMiddleware(app, config=config())) as http:
        response = http.post(CHAT, json=chat("Tell me everything about project zeus"))
    assert response.status_code == 400
    body = response.json()
    assert "message" not in body
    assert body["error"]["code"] == "input_guardrails_blocked"
    assert body["error"]["type"] == "guardrails_error"
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert_detections_shape(body["enkrypt_policy_detections"])
    assert side["blocked_by"] == ["keyword_detector"]
    assert body["error"]["message"] == side["result_message"] == "Banned keyword detected"
    assert int(response.headers["content-length"]) == len(response.content)
    assert plain.calls == flask.calls == 0
    assert plain.responses == []  # no app iterable was ever made, so there is none to close


def test_output_block_replaces_the_choices_and_closes_the_app_iterable() -> None:
    http, host = guarded()
    with http:
        response = http.post(CHAT, json=chat(f"the key is {SECRET}", n=2))
    assert response.status_code == 200
    body = response.json()
    output = body["enkrypt_policy_detections"]["output_guardrails"]
    assert SECRET not in json.dumps(body["choices"])
    assert SECRET not in json.dumps(output)  # the input side reports what the user sent; the answer is withheld
    for choice in body["choices"]:
        assert choice["finish_reason"] == "content_filter"
        assert choice["message"]["content"] == output["result_message"]
    assert output["blocked_by"] == ["pii"]
    assert int(response.headers["content-length"]) == len(response.content)
    assert host.last.closes == 1


def test_output_block_error_mode() -> None:
    cfg = config()
    cfg["deployments"]["main"]["output_block_mode"] = "error"
    cfg["deployments"]["main"]["block_status"] = 422
    http, host = guarded(cfg)
    with http:
        response = http.post(CHAT, json=chat(f"echo {SECRET}"))
    assert response.status_code == 422
    assert response.reason_phrase == "Unprocessable Entity"
    body = response.json()
    assert body["error"]["code"] == "output_guardrails_blocked"
    assert set(body["enkrypt_policy_detections"]) == {"input_guardrails", "output_guardrails"}
    assert SECRET not in json.dumps(body["enkrypt_policy_detections"]["output_guardrails"])
    assert int(response.headers["content-length"]) == len(response.content)
    assert host.calls == 1
    assert host.last.closes == 1


def test_flask_completion_is_guarded() -> None:
    flask = FlaskHost()
    with client(EnkryptWSGIMiddleware(flask.app(), config=config())) as http:
        clean = http.post(CHAT, json=chat("hello"))
        blocked = http.post(CHAT, json=chat(f"say {SECRET}"))
    assert clean.json()["choices"][0]["message"]["content"] == "hello"
    assert_detections_shape(clean.json()["enkrypt_policy_detections"])
    assert int(clean.headers["content-length"]) == len(clean.content)
    assert blocked.json()["choices"][0]["finish_reason"] == "content_filter"
    assert SECRET not in json.dumps(blocked.json()["choices"])
    assert flask.calls == 2
    assert flask.closes == 2


def test_legacy_completions_are_guarded() -> None:
    def legacy(body: dict[str, Any]) -> Reply:
        choice = {"index": 0, "text": body["prompt"], "logprobs": None, "finish_reason": "stop"}
        return json_reply({"id": "cmpl-1", "object": "text_completion", "choices": [choice]})

    http, host = guarded(answer=legacy)
    with http:
        blocked = http.post("/v1/completions", json={"model": "m", "prompt": "project zeus"})
        clean = http.post("/v1/completions", json={"model": "m", "prompt": "hello"})
    assert blocked.status_code == 400
    assert clean.json()["choices"][0]["text"] == "hello"
    assert_detections_shape(clean.json()["enkrypt_policy_detections"])
    assert host.calls == 1


def test_pii_redaction_hides_values_from_the_app_and_restores_them() -> None:
    cfg = config()
    cfg["deployments"]["main"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}
    http, host = guarded(cfg)
    prompt = "Write to jane@example.com or call +1 202-555-0143; again: jane@example.com"
    with http:
        response = http.post(CHAT, json=chat(prompt))
    host_saw = host.bodies[0]["messages"][0]["content"]
    assert "jane@example.com" not in host_saw
    assert host_saw.count("<EMAIL_ADDRESS_0>") == 2
    assert "<PHONE_NUMBER_0>" in host_saw
    # the app read exactly CONTENT_LENGTH bytes of the rewritten body
    assert int(host.environs[0]["CONTENT_LENGTH"]) == len(json.dumps(host.bodies[0], separators=(",", ":")).encode())
    body = response.json()
    assert body["choices"][0]["message"]["content"] == prompt
    assert body["enkrypt_policy_detections"]["input_guardrails"]["result_message"] == host_saw


def test_enkrypt_context_is_removed_and_other_fields_kept() -> None:
    http, host = guarded()
    with http:
        response = http.post(CHAT, json=chat("hi", enkrypt_context="Paris is in France.", top_k=4))
    assert response.status_code == 200
    assert "enkrypt_context" not in host.bodies[0]
    assert host.bodies[0]["top_k"] == 4


def test_api_keys_are_checked_and_removed() -> None:
    cfg = config()
    cfg["deployments"]["main"]["api_keys"] = ["k-123", "k-456"]
    http, host = guarded(cfg)
    with http:
        none = http.post(CHAT, json=chat("hi"))
        wrong = http.post(CHAT, json=chat("hi"), headers={"apikey": "k-12"})
        right = http.post(CHAT, json=chat("hi"), headers={"apikey": "k-456", "x-other": "kept"})
    assert none.status_code == wrong.status_code == 401
    assert none.json() == wrong.json()
    assert wrong.json()["error"]["code"] == "invalid_api_key"
    assert right.status_code == 200
    assert "HTTP_APIKEY" not in host.environs[0]
    assert host.environs[0]["HTTP_X_OTHER"] == "kept"


# --- errors the middleware answers itself -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "param"),
    [
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "invalid_json", None),
        ({"content": b"", "headers": {"content-type": "application/json"}}, 400, "invalid_json", None),
        ({"json": chat("hi", temperature=3)}, 400, "invalid_request", "temperature"),
        ({"json": {"messages": [{"role": "robot", "content": "x"}]}}, 400, "invalid_request", "messages[0].role"),
        ({"json": chat("hi", stop=["a", "b", "c", "d", "e"])}, 400, "invalid_request", "stop[4]"),
        ({"json": chat("hi", n=0)}, 400, "invalid_request", "n"),
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
        ({"json": chat("hi"), "headers": {"x-enkrypt-deployment": "nope"}}, 404, "deployment_not_found", None),
    ],
)
def test_error_envelopes(kwargs: dict[str, Any], status: int, code: str, param: str | None) -> None:
    http, host = guarded()
    with http:
        response = http.post(CHAT, **kwargs)
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    if param is not None:
        assert body["error"]["param"] == param
    if status == 400 and param:
        assert param.split("[")[0] in body["error"]["message"]
    assert host.calls == 0


def test_deployment_required_without_default() -> None:
    http, host = guarded(config(default_deployment=None))
    with http:
        missing = http.post(CHAT, json=chat("hi"))
        named = http.post(CHAT, json=chat("hi"), headers={"X-Enkrypt-Deployment": "main"})
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "deployment_required"
    assert named.status_code == 200
    assert host.calls == 1


def test_body_over_the_limit_is_413_declared_and_chunked() -> None:
    http, host = guarded(config(max_body_size=1000))
    big = json.dumps(chat("x" * 2000)).encode()

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(big), 100):
            yield big[start : start + 100]

    with http:
        declared = http.post(CHAT, content=big, headers={"content-type": "application/json"})
        chunked = http.post(CHAT, content=pieces(), headers={"content-type": "application/json"})
        small = http.post(CHAT, content=iter([b'{"messages": [{"role": "user", ', b'"content": "hi"}]}']))
    assert declared.status_code == chunked.status_code == 413
    assert declared.json()["error"]["code"] == chunked.json()["error"]["code"] == "request_too_large"
    assert small.status_code == 200  # a chunked body within the limit is read to its end
    assert host.calls == 1


def environ(body: bytes, **extra: Any) -> dict[str, Any]:
    """A PEP 3333 environ for a POST to the chat route, as a server would build it."""
    env: dict[str, Any] = {"REQUEST_METHOD": "POST", "PATH_INFO": CHAT, "wsgi.input": io.BytesIO(body)}
    setup_testing_defaults(env)
    env.update({"CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), **extra})
    return env


class Started:
    """A server's start_response: records what it was called with."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[tuple[str, str]]]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], object]:
        self.calls.append((status, headers))
        return lambda data: None


def test_declared_length_over_the_limit_is_refused_before_reading() -> None:
    host = PlainHost()
    middleware = EnkryptWSGIMiddleware(host, config=config(max_body_size=1000))
    env = environ(b"{}", CONTENT_LENGTH="5000")
    started = Started()
    body = b"".join(middleware(env, started))
    assert started.calls[0][0] == "413 Request Entity Too Large"
    assert json.loads(body)["error"]["code"] == "request_too_large"
    assert env["wsgi.input"].tell() == 0  # not a byte was read
    assert host.calls == 0


def test_a_body_without_length_or_chunking_is_not_read() -> None:
    host = PlainHost()
    env = environ(json.dumps(chat("hi")).encode())
    del env["CONTENT_LENGTH"]
    started = Started()
    body = b"".join(EnkryptWSGIMiddleware(host, config=config())(env, started))
    assert started.calls[0][0] == "400 Bad Request"
    assert json.loads(body)["error"]["message"] == "request body is empty"
    assert env["wsgi.input"].tell() == 0


# --- what passes through ----------------------------------------------------------------------------


def test_other_routes_and_methods_pass_through_untouched() -> None:
    http, host = guarded()
    with http:
        health = http.get("/health")
        other = http.post("/v1/embeddings", content=b"not json at all", headers={"content-type": "x/y"})
        get_chat = http.get(CHAT)
    assert health.text == "ok"
    assert other.content == b"not json at all"
    assert get_chat.status_code == 404
    assert host.calls == 0


def test_traffic_that_is_not_ours_gets_the_apps_own_iterable() -> None:
    host = PlainHost()
    middleware = EnkryptWSGIMiddleware(host, config=config())
    get = environ(b"")
    get["REQUEST_METHOD"] = "GET"
    get["PATH_INFO"] = "/health"
    assert middleware(get, Started()) is host.last
    assert middleware(environ(b"x", PATH_INFO="/v1/embeddings"), Started()) is host.last
    # a guarded request whose response is not ours to touch (here a 502) is handed over as it is too
    failing = EnkryptWSGIMiddleware(
        PlainHost(lambda body: json_reply({"error": {}}, "502 Bad Gateway")), config=config()
    )
    answer = failing(environ(json.dumps(chat("hi")).encode()), Started())
    assert answer is failing.app.last  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "reply",
    [
        json_reply({"error": {"message": "upstream down"}}, "502 Bad Gateway"),
        Reply("200 OK", [("Content-Type", "text/plain")], [b"plain"]),
        Reply(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Encoding", "gzip")],
            [gzip.compress(b'{"choices": []}')],
        ),
        json_reply({"object": "list", "data": []}),
    ],
)
def test_responses_we_do_not_touch_pass_through(reply: Reply) -> None:
    http, host = guarded(answer=lambda body: reply)
    with http:
        got = http.post(CHAT, json=chat("hi"))
    assert got.status_code == int(reply.status[:3])
    raw = b"".join(reply.chunks)
    assert got.content == (gzip.decompress(raw) if got.headers.get("content-encoding") else raw)
    assert "enkrypt_policy_detections" not in got.text
    assert host.last.closes == 1


def generator_app(
    status: str, headers: list[tuple[str, str]], chunks: list[bytes], *, write_first: bool = True
) -> tuple[WSGIApplication, Any]:
    """A WSGI app written as a generator: start_response happens on the first iteration, not on the call."""
    state = {"closed": False}

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        environ["wsgi.input"].read()
        try:
            write = start_response(status, headers)
            if write_first:
                write(chunks[0])  # the legacy write() callable: its bytes come before the iterable's
            yield from chunks[1:] if write_first else chunks
        finally:
            state["closed"] = True

    return app, state


def test_start_response_on_first_iteration_and_write_are_guarded() -> None:
    raw = json.dumps(completion(f"leak {SECRET}")).encode()
    app, state = generator_app("200 OK", [("Content-Type", "application/json")], [raw[:40], raw[40:]])
    with client(EnkryptWSGIMiddleware(app, config=config())) as http:
        response = http.post(CHAT, json=chat("hi"))
    assert response.json()["choices"][0]["finish_reason"] == "content_filter"
    assert SECRET not in response.text
    assert state["closed"]

    events = [b"data: " + json.dumps(c).encode() + b"\n\n" for c in text_chunks(["Hello", " world"])]
    app, state = generator_app("200 OK", [("Content-Type", "text/event-stream")], [events[0], *events[1:]])
    with client(EnkryptWSGIMiddleware(app, config=stream_config("audit"))) as http:
        streamed = parse_events(http.post(CHAT, json=chat("hi", stream=True)).text)
    assert content_of(streamed) == "Hello world"
    detections_of(streamed)
    assert state["closed"]

    # untouched: straight to the server (httpx's WSGITransport ignores write(), so none here)
    app, state = generator_app("200 OK", [("Content-Type", "text/plain")], [b"plain ", b"text"], write_first=False)
    with client(EnkryptWSGIMiddleware(app, config=config())) as http:
        assert http.post(CHAT, json=chat("hi")).text == "plain text"
    assert state["closed"]


def test_exc_info_error_page_replaces_a_held_json_response() -> None:
    closed: list[bool] = []

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "application/json")])
        try:
            raise RuntimeError("the model failed half way")
        except RuntimeError:
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info())

        class Page:
            def __iter__(self) -> Iterator[bytes]:
                yield b"sorry"

            def close(self) -> None:
                closed.append(True)

        return Page()

    middleware = EnkryptWSGIMiddleware(app, config=config())
    with client(middleware) as http, pytest.raises(RuntimeError, match="half way"):
        http.post(CHAT, json=chat("hi"))  # the server was handed exc_info, and this one re-raises it
    closed.clear()  # (httpx's transport re-raised without closing what it got; a server would close it)
    transport = httpx.WSGITransport(app=middleware, raise_app_exceptions=False)
    with httpx.Client(transport=transport, base_url="http://test") as http:
        response = http.post(CHAT, json=chat("hi"))
    assert response.status_code == 500
    assert response.text == "sorry"
    assert closed == [True]


def test_app_exceptions_propagate_and_the_iterable_is_still_closed() -> None:
    class Failing:
        closes = 0

        def __iter__(self) -> Iterator[bytes]:
            yield b'{"choices": ['
            raise RuntimeError("host failure")

        def close(self) -> None:
            Failing.closes += 1

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return Failing()

    def boom(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raise RuntimeError("host failure")

    # httpx's transport does not call close() when iteration raises: the middleware does it anyway
    for host in (app, boom):
        with client(EnkryptWSGIMiddleware(host, config=config())) as http, pytest.raises(RuntimeError, match="host"):
            http.post(CHAT, json=chat("hi"))
    assert Failing.closes == 1


# --- streaming ----------------------------------------------------------------------------------------


def test_stream_audit_forwards_events_unchanged_and_appends_detections() -> None:
    events = [*text_chunks(["Hello", " there", f" {SECRET}"]), usage_chunk()]
    http, host = guarded(stream_config("audit"), answer=lambda body: sse_reply(events))
    with http:
        response = http.post(CHAT, json=chat("hi", stream=True))
    assert response.headers["content-type"] == "text/event-stream"
    assert "content-length" not in response.headers
    received = parse_events(response.text)
    assert received[:-2] == events
    assert received[-1] == "[DONE]"
    detections = detections_of(received)
    assert detections["output_guardrails"]["summary"]["pii"] == 1
    assert detections["input_guardrails"]["blocked"] is False
    assert host.last.exhausted and host.last.closes == 1


def test_stream_guard_never_releases_a_secret_split_over_three_chunks_and_closes_the_app() -> None:
    pieces = [
        "Here is the key: AKIA",
        "IOSFODN",
        "N7EXAMPLE and more text after it.",
        *(f" more {i}" for i in range(30)),
    ]
    http, host = guarded(stream_config(stream_window=32), answer=lambda body: sse_reply(text_chunks(pieces)))
    with http:
        text = http.post(CHAT, json=chat("hi", stream=True)).text
    for fragment in ("AKIA", "IOSFODN", "N7EXAMPLE"):
        assert fragment not in text
    events = parse_events(text)
    finishes = [c["finish_reason"] for e in events if isinstance(e, dict) for c in e.get("choices", [])]
    assert finishes[-1] == "content_filter"
    assert detections_of(events)["output_guardrails"]["blocked_by"] == ["pii"]
    assert events[-1] == "[DONE]"
    # the block ended the response: the rest of the host's stream was never asked for
    assert not host.last.exhausted
    assert host.last.yielded < len(pieces)
    assert host.last.closes == 1


def test_stream_placeholders_are_restored() -> None:
    cfg = stream_config("guard")
    cfg["deployments"]["main"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}
    answer = text_chunks(["Sure, I will write to <EMAIL_", "ADDRESS_0", "> today."])
    http, host = guarded(cfg, answer=lambda body: sse_reply(answer))
    with http:
        text = http.post(CHAT, json=chat("Please email jane@example.com", stream=True)).text
    assert host.bodies[0]["messages"][0]["content"] == "Please email <EMAIL_ADDRESS_0>"
    assert content_of(parse_events(text)) == "Sure, I will write to jane@example.com today."


def test_flask_stream_generator_is_guarded() -> None:
    flask = FlaskHost()
    with client(EnkryptWSGIMiddleware(flask.app(), config=stream_config())) as http:
        clean = parse_events(http.post(CHAT, json=chat("Hello world, how are you?", stream=True)).text)
        blocked = http.post(CHAT, json=chat(f"the key is {SECRET} ok", stream=True)).text
    assert content_of(clean) == "Hello world, how are you?"
    assert detections_of(clean)["output_guardrails"]["blocked"] is False
    events = parse_events(blocked)
    assert SECRET[:10] not in content_of(events)
    output = detections_of(events)["output_guardrails"]
    assert output["blocked_by"] == ["pii"]
    assert SECRET not in json.dumps(output)
    assert flask.streams_closed == flask.closes == 2


# --- configuration refresh and the audit log ---------------------------------------------------------


def test_refresh_is_authorised_rate_limited_and_safe_across_threads(tmp_path: Path) -> None:
    path = tmp_path / "guardrails.json"

    def write(banned: list[str]) -> None:
        cfg = config(refresh_min_interval_s=60, refresh_api_keys=["ops-key"])
        cfg["policies"]["in"]["detectors"]["keyword_detector"]["banned_keywords"] = banned
        path.write_text(json.dumps(cfg))

    write(["alpha"])
    middleware = EnkryptWSGIMiddleware(PlainHost(), config=path)
    refresh = {"X-Enkrypt-Refresh-Cache": "true", "apikey": "ops-key"}
    with client(middleware) as http:
        write(["alpha", "beta"])
        assert http.post(CHAT, json=chat("beta"), headers={"X-Enkrypt-Refresh-Cache": "true"}).status_code == 200
        before = middleware.guardrails
        statuses: list[int] = []
        threads = [
            threading.Thread(
                target=lambda: statuses.append(http.post(CHAT, json=chat("beta"), headers=refresh).status_code)
            )
            for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = middleware.guardrails
        write(["alpha", "beta", "gamma"])
        limited = http.post(CHAT, json=chat("gamma"), headers=refresh)
    assert statuses == [400] * 8  # every caller saw the refreshed configuration
    assert after is not before
    assert limited.status_code == 200  # a second refresh within the interval is ignored
    assert middleware.guardrails is after


def test_audit_log_records_json_and_stream_requests_without_text(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="enkrypt_middleware")
    http, _ = guarded()
    stream_http, _ = guarded(stream_config(), answer=lambda body: sse_reply(text_chunks(["fine"])))
    with http, stream_http:
        http.post(CHAT, json=chat("project zeus"), headers={"X-Enkrypt-Tags": "team-a", "x-request-id": "req-42"})
        http.post(CHAT, json=chat(f"echo {SECRET}"))
        stream_http.post(CHAT, json=chat("hello", stream=True))
    records = [r.getMessage() for r in caplog.records if r.name == "enkrypt_middleware"]
    assert len(records) == 3
    assert "input_blocked=True" in records[0] and "tags=team-a" in records[0] and "req-42" in records[0]
    assert "output_blocked=True" in records[1] and "blocked_by=['pii']" in records[1]
    assert "output_blocked=False" in records[2]
    assert not any(fragment in "\n".join(records) for fragment in ("zeus", "AKIA", "hello"))


# --- a real server: waitress in a thread ---------------------------------------------------------------


@pytest.mark.parametrize("framework", ["plain", "flask"])
def test_openai_sdk_through_waitress(framework: str) -> None:
    plain, flask = PlainHost(), FlaskHost()
    app: WSGIApplication = plain if framework == "plain" else flask.app()
    with serve_wsgi(EnkryptWSGIMiddleware(app, config=config())) as url:
        sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
        reply = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "opening hours?"}])
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "project zeus"}])
        filtered = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": f"echo {SECRET}"}])
        stream = sdk.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "Hello world"}], stream=True
        )
        chunks = list(stream)
    assert reply.choices[0].message.content == "opening hours?"
    assert_detections_shape((reply.model_extra or {})["enkrypt_policy_detections"])
    assert caught.value.code == "input_guardrails_blocked"
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["enkrypt_policy_detections"]["input_guardrails"]["blocked"] is True
    assert filtered.choices[0].finish_reason == "content_filter"
    assert SECRET not in (filtered.choices[0].message.content or "")
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello world"
    final = [c for c in chunks if not c.choices]
    assert (final[0].model_extra or {})["enkrypt_policy_detections"]["output_guardrails"]["blocked"] is False
    assert plain.calls + flask.calls == 3


def test_audit_first_chunk_arrives_before_the_app_finishes() -> None:
    host = PlainHost(lambda body: sse_reply(text_chunks(["First", " second", " third", " fourth"])), pause=0.25)
    with serve_wsgi(EnkryptWSGIMiddleware(host, config=stream_config("audit"))) as url, httpx.Client() as http:
        with http.stream("POST", f"{url}{CHAT}", json=chat("hi", stream=True)) as response:
            first_at = None
            for line in response.iter_lines():
                if first_at is None and line.startswith("data:") and "First" in line:
                    first_at = time.monotonic()
                    assert host.last.finished_at is None  # the app is still producing
    assert first_at is not None
    assert host.last.finished_at is not None and first_at < host.last.finished_at - 0.5


@pytest.mark.parametrize("mode", ["audit", "guard"])
@pytest.mark.parametrize("framework", ["plain", "flask"])
def test_client_disconnect_mid_stream_closes_the_app_iterable(mode: str, framework: str) -> None:
    pieces = [f"piece {i} " for i in range(200)]
    plain = PlainHost(lambda body: sse_reply(text_chunks(pieces)), pause=0.02)
    flask = FlaskHost(pause=0.02)
    app: WSGIApplication = plain if framework == "plain" else flask.app()
    with serve_wsgi(EnkryptWSGIMiddleware(app, config=stream_config(mode, stream_window=4))) as url:
        with httpx.Client() as http, http.stream("POST", f"{url}{CHAT}", json=chat(" ".join(pieces), stream=True)) as r:
            for line in r.iter_lines():
                if line.startswith("data:") and "piece" in line:
                    break
        closed = plain.responses[-1].closed if framework == "plain" else flask.closed
        assert closed.wait(5)
    if framework == "plain":
        assert plain.last.closes == 1
        assert not plain.last.exhausted
    else:
        assert flask.closes == flask.streams_closed == 1
        assert flask.streams_exhausted == 0


def test_guard_block_over_a_real_server_stops_the_app() -> None:
    pieces = ["The secret is ", SECRET, *(f" filler {i}" for i in range(40))]
    host = PlainHost(lambda body: sse_reply(text_chunks(pieces)), pause=0.02)
    with serve_wsgi(EnkryptWSGIMiddleware(host, config=stream_config(stream_window=8))) as url:
        text = httpx.post(f"{url}{CHAT}", json=chat("hi", stream=True)).text
        assert host.last.closed.wait(5)
    assert SECRET not in text
    assert parse_events(text)[-1] == "[DONE]"
    assert host.last.closes == 1
    assert not host.last.exhausted


# --- a real server: gunicorn in a process, serving the Flask example ----------------------------------


def test_flask_example_under_gunicorn_with_chunked_input() -> None:
    with gunicorn("examples.flask_app:app") as url:
        sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
        reply = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "opening hours?"}])
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "project zeus"}])
        body = json.dumps(chat("sent in pieces")).encode()
        json_type = {"content-type": "application/json"}
        small = httpx.post(f"{url}{CHAT}", content=iter([body[:10], body[10:]]), headers=json_type)
        limit = 10 * 1024 * 1024
        big = httpx.post(f"{url}{CHAT}", content=(b"x" * 1024 * 1024 for _ in range(limit // (1024 * 1024) + 1)))
    assert reply.choices[0].message.content == "You asked: opening hours?"
    assert_detections_shape((reply.model_extra or {})["enkrypt_policy_detections"])
    assert caught.value.code == "input_guardrails_blocked"
    assert small.request.headers["transfer-encoding"] == "chunked"
    assert small.json()["choices"][0]["message"]["content"] == "You asked: sent in pieces"
    assert big.status_code == 413
    assert big.json()["error"]["code"] == "request_too_large"
