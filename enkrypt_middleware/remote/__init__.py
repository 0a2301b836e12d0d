"""Remote detector backends: a resilient JSON caller and the Enkrypt Guardrails API client.

Kept apart from ``detectors/`` because everything here does network I/O; the answer readers
(``_results``, ``_placeholders``) are pure.
"""

from ._http import CircuitBreaker, ErrorKind, JsonCaller, RemoteError, Resilience, retry_after_s
from ._placeholders import placeholder_map
from ._results import DetectorResult, RemoteResult
from .enkrypt import EnkryptClient, EnkryptSettings

__all__ = [
    "CircuitBreaker",
    "DetectorResult",
    "EnkryptClient",
    "EnkryptSettings",
    "ErrorKind",
    "JsonCaller",
    "RemoteError",
    "RemoteResult",
    "Resilience",
    "placeholder_map",
    "retry_after_s",
]
