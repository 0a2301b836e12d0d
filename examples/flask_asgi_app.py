"""The Flask app of ``examples/flask_app.py`` served by an ASGI server: asgiref's ``WsgiToAsgi``
turns it into an ASGI app, and ``EnkryptMiddleware`` wraps that.

Run: uvicorn examples.flask_asgi_app:app --port 8000
"""

from __future__ import annotations

from asgiref.wsgi import WsgiToAsgi

from enkrypt_middleware import EnkryptMiddleware
from examples.flask_app import GUARDRAILS, create_app

app = EnkryptMiddleware(WsgiToAsgi(create_app()), config=GUARDRAILS)
