"""Every framework, set up as the README shows, behind a real server: uvicorn for the ASGI stacks, waitress
(in a thread) or gunicorn (in a process) for the WSGI ones. Clients: httpx and the official openai SDK."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import openai
import pytest

from . import frameworks
from .conftest import assert_detections_shape
from .frameworks import FRAMEWORKS, ORIGIN, Calls
from .real_servers import gunicorn, serve_asgi, serve_wsgi
from .streams import content_of, parse_events

CHAT = "/v1/chat/completions"
TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
WITHHELD = "The answer contained a credential and was withheld."


def ask(content: str, **extra: Any) -> dict[str, Any]:
    return {"model": "my-model", "messages": [{"role": "user", "content": content}], **extra}


@dataclass
class Stack:
    name: str
    url: str
    calls: Calls


@pytest.fixture(scope="module", params=FRAMEWORKS)
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    """One server per framework for the whole module; tests compare the view's call count before and after."""
    name: str = request.param
    calls = Calls()
    stop_counting = frameworks.count_django_views(calls) if name.startswith("django") else None
    try:
        if name == "fastapi":
            server = serve_asgi(frameworks.fastapi_app(calls, []))
        elif name == "starlette":
            server = serve_asgi(frameworks.starlette_app(calls))
        elif name == "flask-wsgi":
            server = serve_wsgi(frameworks.flask_wsgi(calls))
        elif name == "flask-asgiref":
            server = serve_asgi(frameworks.flask_asgiref(calls))
        elif name == "django-asgi":
            server = serve_asgi(frameworks.django_asgi())
        else:
            server = serve_wsgi(frameworks.django_wsgi())
        with server as url:
            yield Stack(name, url, calls)
    finally:
        if stop_counting is not None:
            stop_counting()


def test_clean_completion_carries_detections(stack: Stack) -> None:
    before = stack.calls.count
    response = httpx.post(f"{stack.url}{CHAT}", json=ask("What are your opening hours?"))
    assert response.status_code == 200
    body = response.json()
    assert body["choices"][0]["message"]["content"] == "You asked: What are your opening hours?"
    detections = body["enkrypt_policy_detections"]
    assert_detections_shape(detections)
    assert set(detections) == {"input_guardrails", "output_guardrails"}
    assert detections["input_guardrails"]["blocked"] is detections["output_guardrails"]["blocked"] is False
    if "content-encoding" not in response.headers:
        assert int(response.headers["content-length"]) == len(response.content)
    assert stack.calls.count == before + 1


def test_input_block_returns_the_envelope_and_never_calls_the_view(stack: Stack) -> None:
    before = stack.calls.count
    response = httpx.post(f"{stack.url}{CHAT}", json=ask("What is the status of Project Zeus?"))
    assert response.status_code == 400
    body = response.json()
    assert "message" not in body
    assert body["error"]["code"] == "input_guardrails_blocked"
    side = body["enkrypt_policy_detections"]["input_guardrails"]
    assert side["blocked_by"] == ["keyword_detector"]
    assert_detections_shape(body["enkrypt_policy_detections"])
    assert stack.calls.count == before


def test_output_block_replaces_the_content(stack: Stack) -> None:
    before = stack.calls.count
    response = httpx.post(f"{stack.url}{CHAT}", json=ask(f"is {TOKEN} my token?"))
    assert response.status_code == 200
    body = response.json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "content_filter"
    assert choice["message"]["content"] == WITHHELD
    assert TOKEN not in str(body["choices"])
    assert body["enkrypt_policy_detections"]["output_guardrails"]["blocked_by"] == ["pii"]
    assert stack.calls.count == before + 1


def test_streamed_answer_carries_the_detections_chunk(stack: Stack) -> None:
    before = stack.calls.count
    with httpx.stream("POST", f"{stack.url}{CHAT}", json=ask("Is the shop open on Sunday?", stream=True)) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = parse_events(response.read().decode())
    assert content_of(events).strip() == "You asked: Is the shop open on Sunday?"
    assert events[-1] == "[DONE]"
    final = events[-2]
    assert final["choices"] == []
    assert_detections_shape(final["enkrypt_policy_detections"])
    assert final["enkrypt_policy_detections"]["output_guardrails"]["blocked"] is False
    assert stack.calls.count == before + 1


def test_a_non_chat_route_is_untouched(stack: Stack) -> None:
    before = stack.calls.count
    response = httpx.get(f"{stack.url}/health")
    assert response.status_code == 200
    assert response.text == "ok"
    assert stack.calls.count == before


def test_openai_sdk(stack: Stack) -> None:
    sdk = openai.OpenAI(base_url=f"{stack.url}/v1", api_key="unused", max_retries=0)
    with sdk:
        reply = sdk.chat.completions.create(model="my-model", messages=[{"role": "user", "content": "Hello?"}])
        with pytest.raises(openai.BadRequestError) as caught:
            sdk.chat.completions.create(model="my-model", messages=[{"role": "user", "content": "project zeus"}])
        chunks = list(
            sdk.chat.completions.create(model="my-model", messages=[{"role": "user", "content": "Hi"}], stream=True)
        )
    assert reply.choices[0].message.content == "You asked: Hello?"
    assert_detections_shape((reply.model_extra or {})["enkrypt_policy_detections"])
    assert caught.value.code == "input_guardrails_blocked"
    assert isinstance(caught.value.body, dict)
    assert caught.value.body["enkrypt_policy_detections"]["input_guardrails"]["blocked_by"] == ["keyword_detector"]
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip() == "You asked: Hi"
    assert "enkrypt_policy_detections" in (chunks[-1].model_extra or {})


# --- FastAPI: middleware order, lifespan, routers ------------------------------------------------------


def test_fastapi_gzip_and_cors_outside_the_guardrails() -> None:
    lifespan: list[str] = []
    with serve_asgi(frameworks.fastapi_app(Calls(), lifespan), lifespan="on") as url, httpx.Client() as http:
        zipped = http.post(f"{url}{CHAT}", json=ask("Hello?"), headers={"accept-encoding": "gzip"})
        preflight = http.options(
            f"{url}{CHAT}",
            headers={"origin": ORIGIN, "access-control-request-method": "POST", "access-control-request-headers": "x"},
        )
        blocked = http.post(f"{url}{CHAT}", json=ask("project zeus"), headers={"origin": ORIGIN})
        assert lifespan == ["startup"]
    # GZip outside: it compresses the guarded answer, detections and all
    assert zipped.headers["content-encoding"] == "gzip"
    assert_detections_shape(zipped.json()["enkrypt_policy_detections"])
    # CORS outermost: preflights are answered, and our own error responses carry its headers
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert blocked.status_code == 400
    assert blocked.headers["access-control-allow-origin"] == ORIGIN
    # the lifespan passed through the guardrails: the view answered with what startup loaded
    assert zipped.json()["model"] == "model-loaded-in-lifespan"
    assert lifespan == ["startup", "shutdown"]


def test_compression_inside_the_guardrails_is_disarmed_on_guarded_routes() -> None:
    """Accept-Encoding is removed from guarded requests, so GZip inside ours cannot hide an answer."""
    with serve_asgi(frameworks.fastapi_app(Calls(), [], gzip_inside=True), lifespan="on") as url:
        guarded = httpx.post(f"{url}{CHAT}", json=ask(f"is {TOKEN} my token? " * 5))
        blocked = httpx.post(f"{url}{CHAT}", json=ask("project zeus"))
    assert "content-encoding" not in guarded.headers  # httpx asked for gzip; the app never saw it
    assert "enkrypt_policy_detections" in guarded.json()
    assert guarded.json()["choices"][0]["message"]["content"] == WITHHELD
    assert blocked.status_code == 400


# --- the shipped examples under their documented servers ---------------------------------------------


@pytest.mark.parametrize(
    ("target", "server"),
    [
        ("examples.django_project.wsgi:application", "gunicorn"),
        ("examples.django_project.asgi:application", "uvicorn"),
        ("examples.flask_asgi_app:app", "uvicorn"),
    ],
)
def test_examples_under_their_servers(target: str, server: str) -> None:
    if server == "gunicorn":
        context = gunicorn(target)
    else:
        module, _, name = target.partition(":")
        imported = __import__(module, fromlist=[name])
        context = serve_asgi(getattr(imported, name))
    with context as url:
        sdk = openai.OpenAI(base_url=f"{url}/v1", api_key="unused", max_retries=0)
        with sdk:
            reply = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "opening hours?"}])
            filtered = sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": f"{TOKEN}?"}])
    assert reply.choices[0].message.content == "You asked: opening hours?"
    assert_detections_shape((reply.model_extra or {})["enkrypt_policy_detections"])
    assert filtered.choices[0].message.content == WITHHELD
