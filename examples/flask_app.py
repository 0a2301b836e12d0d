"""A Flask service with an OpenAI-style chat route (JSON and streamed), guarded by EnkryptWSGIMiddleware.

Run under any WSGI server::

    gunicorn examples.flask_app:app
    waitress-serve --port 8000 examples.flask_app:app

The same app under an ASGI server, through asgiref's adapter, is ``examples/flask_asgi_app.py``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request

from enkrypt_middleware import EnkryptWSGIMiddleware

GUARDRAILS = Path(__file__).with_name("guardrails.toml")


def _chunk(completion_id: str, delta: dict[str, Any], finish: str | None = None) -> bytes:
    chunk = {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "my-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk).encode() + b"\n\n"


def _stream(answer: str) -> Iterator[bytes]:
    yield _chunk("chatcmpl-1", {"role": "assistant", "content": ""})
    for word in answer.split(" "):  # call your model here and yield as tokens arrive
        yield _chunk("chatcmpl-1", {"content": f"{word} "})
    yield _chunk("chatcmpl-1", {}, finish="stop")
    yield b"data: [DONE]\n\n"


def create_app() -> Flask:
    app = Flask(__name__)

    @app.post("/v1/chat/completions")
    def chat_completions() -> Response:
        body = request.get_json()
        answer = f"You asked: {body['messages'][-1]['content']}"  # call your model here
        if body.get("stream"):
            return Response(_stream(answer), mimetype="text/event-stream", headers={"Cache-Control": "no-cache"})
        message = {"role": "assistant", "content": answer}
        return jsonify(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "my-model"),
                "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            }
        )

    @app.get("/health")
    def health() -> str:
        return "ok"

    return app


app = create_app()
app.wsgi_app = EnkryptWSGIMiddleware(app.wsgi_app, config=GUARDRAILS)  # type: ignore[method-assign]
