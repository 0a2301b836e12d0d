"""Errors raised by enkrypt_middleware.

::

    EnkryptMiddlewareError
    ├── ConfigError              a configuration is invalid (raised at start-up, names the key)
    └── RequestError             the middleware answers the request itself, with status and envelope
        ├── InvalidRequestError  400: body is not JSON, or a field is out of the schema's range
        ├── AuthenticationError  401: a deployment's API key is missing or wrong
        ├── DeploymentError      400 deployment_required / 404 deployment_not_found
        ├── PayloadTooLargeError 413: body over ``max_body_size``
        └── UnsupportedMediaError 415: content type or content encoding we cannot read
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "AuthenticationError",
    "ConfigError",
    "DeploymentError",
    "EnkryptMiddlewareError",
    "InvalidRequestError",
    "PayloadTooLargeError",
    "RequestError",
    "UnsupportedMediaError",
]


class EnkryptMiddlewareError(Exception):
    """Base class of every error this package raises."""


class ConfigError(EnkryptMiddlewareError):
    """The configuration is invalid. ``key`` is the dotted path of the offending key."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


class RequestError(EnkryptMiddlewareError):
    """An error the middleware answers with an OpenAI error envelope instead of calling the app."""

    status: int = 400
    type: str = "invalid_request_error"
    code: str = "invalid_request"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code

    def envelope(self) -> dict[str, Any]:
        """The OpenAI error envelope (never a top-level ``message``)."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class InvalidRequestError(RequestError):
    status = 400


class AuthenticationError(RequestError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class DeploymentError(RequestError):
    status = 400
    code = "deployment_required"

    def __init__(self, message: str, *, status: int = 400, code: str = "deployment_required") -> None:
        super().__init__(message, param="X-Enkrypt-Deployment", code=code)
        self.status = status


class PayloadTooLargeError(RequestError):
    status = 413
    code = "request_too_large"


class UnsupportedMediaError(RequestError):
    status = 415
    code = "unsupported_media_type"
