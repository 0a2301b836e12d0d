"""LLM guardrails for any ASGI or WSGI app, wire-compatible with the Enkrypt AI proxy."""

from ._asgi import EnkryptMiddleware
from ._config import Config, Deployment, Guardrails, InputPolicyRef, OutputPolicyRef, Policy, load_config
from ._exceptions import ConfigError, EnkryptMiddlewareError, RequestError
from ._wsgi import EnkryptWSGIMiddleware
from .detectors.base import NO_CONTEXT, ContextDetector, Detector, Finding, Located, Report, Reporter, ScanContext, Span

__version__ = "0.1.0"

__all__ = [
    "NO_CONTEXT",
    "Config",
    "ConfigError",
    "ContextDetector",
    "Deployment",
    "Detector",
    "EnkryptMiddleware",
    "EnkryptMiddlewareError",
    "EnkryptWSGIMiddleware",
    "Finding",
    "Guardrails",
    "InputPolicyRef",
    "Located",
    "OutputPolicyRef",
    "Policy",
    "Report",
    "Reporter",
    "RequestError",
    "ScanContext",
    "Span",
    "__version__",
    "load_config",
]
