"""Plain synchronous views, as most Django projects write them (under ASGI Django runs them in a thread).

``chat_completions`` reads the request body and returns :data:`bench.app.RESPONSE_BODY`, the same
precomputed ~1 KB ``chat.completion`` as the Starlette and Flask hosts; no JSON parse, no streaming.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from bench.app import RESPONSE_BODY


def _response(body: bytes, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Length"] = str(len(body))  # no CommonMiddleware here to set it
    return response


@require_POST
def chat_completions(request: HttpRequest) -> HttpResponse:
    request.body  # noqa: B018  (read the body, as a real handler would)
    return _response(RESPONSE_BODY, "application/json")


@require_GET
def health(request: HttpRequest) -> HttpResponse:
    return _response(b"ok", "text/plain; charset=utf-8")
