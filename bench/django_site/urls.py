"""The bench's two routes, at the same paths as the Starlette and Flask hosts."""

from __future__ import annotations

from django.urls import path

from bench.app import CHAT_PATH, HEALTH_PATH
from bench.django_site import views

urlpatterns = [
    path(CHAT_PATH.lstrip("/"), views.chat_completions, name="chat-completions"),
    path(HEALTH_PATH.lstrip("/"), views.health, name="health"),
]
