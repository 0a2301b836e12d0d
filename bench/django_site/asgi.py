"""ASGI targets for uvicorn: Django's application, bare or wrapped in ``EnkryptMiddleware``.

* ``bench.django_site.asgi:bare`` – ``get_asgi_application()``;
* ``bench.django_site.asgi:guarded`` – ``EnkryptMiddleware(get_asgi_application(), config=CONFIG)``
  with :data:`bench.app.CONFIG`, as examples/django_project/asgi.py does it.

Built on first access (one per server process). ``python -m bench.django_site.asgi guarded [--port 8000]``
serves one variant by hand.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.core.handlers.asgi import ASGIHandler

    from enkrypt_middleware import EnkryptMiddleware

    Application = ASGIHandler | EnkryptMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.django_site.settings")

__all__ = ["VARIANTS", "build"]

VARIANTS = ("bare", "guarded")


def build(*, guarded: bool) -> Application:
    """Django's ASGI application; wrapped in ``EnkryptMiddleware`` with :data:`bench.app.CONFIG` when ``guarded``."""
    from django.core.asgi import get_asgi_application

    application = get_asgi_application()
    if not guarded:
        return application
    from bench.app import CONFIG
    from enkrypt_middleware import EnkryptMiddleware

    return EnkryptMiddleware(application, config=CONFIG)


_built: dict[str, Application] = {}


def __getattr__(name: str) -> Application:
    """The :data:`VARIANTS`, built on first access."""
    if name not in VARIANTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _built:
        _built[name] = build(guarded=name == "guarded")
    return _built[name]


def _main(argv: list[str]) -> None:
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m bench.django_site.asgi", description="Serve one django variant.")
    parser.add_argument("variant", choices=VARIANTS)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    uvicorn.run(
        build(guarded=args.variant == "guarded"), host=args.host, port=args.port, access_log=False, log_level="warning"
    )


if __name__ == "__main__":
    _main(sys.argv[1:])
