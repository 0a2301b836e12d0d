"""Settings of the bench's Django host: as lean as Django gets, so every difference is the middleware's.

No installed apps, no database, and no Django middleware (a project's usual stack of seven would
make the bare host slower and the guarded/bare ratio higher); the view sets ``Content-Length``
itself, which ``CommonMiddleware`` would otherwise do. The guardrails are not a Django middleware:
``asgi.py`` wraps the whole application, as examples/django_project/asgi.py does.
"""

from __future__ import annotations

SECRET_KEY = "bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict[str, dict[str, str]] = {}

ROOT_URLCONF = "bench.django_site.urls"

USE_I18N = False
USE_TZ = True
