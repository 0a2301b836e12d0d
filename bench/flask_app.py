"""The ``flask`` scenario's host: a plain Flask app that answers at once, bare or guarded.

WSGI targets for gunicorn (built lazily, so the bare one works even when the package cannot be
imported):

* ``bench.flask_app:bare`` – the Flask app as it is;
* ``bench.flask_app:guarded`` – the same app with ``app.wsgi_app = EnkryptWSGIMiddleware(app.wsgi_app,
  config=CONFIG)``, as examples/flask_app.py shows it, with :data:`bench.app.CONFIG`.

Both serve ``GET /health`` (``ok``) and ``POST /v1/chat/completions``, which reads the request body and
returns :data:`bench.app.RESPONSE_BODY`, the same precomputed ~1 KB ``chat.completion`` as the Starlette
host. No streaming: the ``flask`` scenario measures the non-streamed chat route only.

``python -m bench.flask_app guarded [--port 8000]`` serves one variant by hand (werkzeug's server).
"""

from __future__ import annotations

import sys

from flask import Flask, Response, request

from bench.app import CHAT_PATH, CONFIG, HEALTH_PATH, RESPONSE_BODY

__all__ = ["VARIANTS", "build"]

VARIANTS = ("bare", "guarded")


def _health() -> Response:
    return Response(b"ok", content_type="text/plain; charset=utf-8")


def _chat() -> Response:
    request.get_data()  # read the body, as a real handler would; no JSON parse (like bench.app)
    return Response(RESPONSE_BODY, content_type="application/json")


def build(*, guarded: bool) -> Flask:
    """The Flask host; its ``wsgi_app`` wrapped in ``EnkryptWSGIMiddleware`` with :data:`CONFIG` when ``guarded``."""
    app = Flask(__name__)
    app.add_url_rule(HEALTH_PATH, "health", _health, methods=["GET"])
    app.add_url_rule(CHAT_PATH, "chat", _chat, methods=["POST"])
    if guarded:
        from enkrypt_middleware import EnkryptWSGIMiddleware

        app.wsgi_app = EnkryptWSGIMiddleware(app.wsgi_app, config=CONFIG)  # type: ignore[method-assign]
    return app


_built: dict[str, Flask] = {}


def __getattr__(name: str) -> Flask:
    """The :data:`VARIANTS`, built on first access."""
    if name not in VARIANTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _built:
        _built[name] = build(guarded=name == "guarded")
    return _built[name]


def _main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.flask_app", description="Serve one flask variant.")
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    build(guarded=args.variant == "guarded").run(host=args.host, port=args.port)


if __name__ == "__main__":
    _main(sys.argv[1:])
