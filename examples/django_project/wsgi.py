"""WSGI entry point: Django's application wrapped in EnkryptWSGIMiddleware.

Run: gunicorn examples.django_project.wsgi:application
(``manage.py runserver`` serves it too, through ``WSGI_APPLICATION``.)
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from enkrypt_middleware import EnkryptWSGIMiddleware

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "examples.django_project.settings")

application = EnkryptWSGIMiddleware(get_wsgi_application(), config=settings.ENKRYPT_GUARDRAILS)
