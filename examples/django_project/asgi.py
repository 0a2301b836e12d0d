"""ASGI entry point: Django's application wrapped in EnkryptMiddleware.

Run: uvicorn examples.django_project.asgi:application --port 8000
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from enkrypt_middleware import EnkryptMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")

# django-stubs types the scope as a dict where Starlette's ASGIApp says MutableMapping: same protocol
application = EnkryptMiddleware(get_asgi_application(), config=settings.ENKRYPT_GUARDRAILS)  # type: ignore[arg-type]
