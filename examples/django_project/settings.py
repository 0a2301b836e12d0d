"""Settings of a minimal Django project serving an OpenAI-style API, guarded by enkrypt_middleware.

The guardrails are not a Django middleware: they wrap the whole Django application in ``asgi.py``
and ``wsgi.py``, outside Django's own stack below, so a blocked request never reaches Django at all.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "django-insecure-example-only-change-me")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "examples.django_project.urls"
WSGI_APPLICATION = "examples.django_project.wsgi.application"
ASGI_APPLICATION = "examples.django_project.asgi.application"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What asgi.py and wsgi.py hand to the middleware: a path, a dict, or load_config()'s result.
ENKRYPT_GUARDRAILS = os.environ.get("ENKRYPT_GUARDRAILS", str(BASE_DIR.parent / "guardrails.toml"))
