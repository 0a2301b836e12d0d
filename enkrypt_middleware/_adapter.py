"""What the ASGI and WSGI adapters share: configuration, routing, reloading and the audit record."""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

from . import _engine as engine
from ._cache import CacheStats, DetectionCache
from ._config import CompiledDeployment, Config, Guardrails, load_config
from ._exceptions import ConfigError
from ._runner import CacheUse
from ._stream_guard import StreamGuard
from .detectors.base import Detector

__all__ = ["ConfigSource", "GuardedApp", "audit", "logger", "stream_guard"]

logger = logging.getLogger("enkrypt_middleware")

ConfigSource = str | os.PathLike[str] | Mapping[str, Any] | Config | Guardrails

_TRACE_HEADERS = (b"traceparent", b"x-request-id", b"x-portkey-trace-id")


class GuardedApp:
    """Configuration state of one middleware instance (never per-request state)."""

    def __init__(self, *, config: ConfigSource, detectors: Iterable[Detector] = ()) -> None:
        self.guardrails = load_config(config, detectors=detectors)
        settings = self.guardrails.config
        self._suffixes = settings.path_suffixes
        self._paths = frozenset(settings.paths)
        self._refreshed_at = float("-inf")
        self.cache = DetectionCache(settings.cache)

    def cache_use(self, deployment: CompiledDeployment, fresh: bool) -> CacheUse | None:
        """How this request uses the detection cache; None when neither side of its deployment does."""
        if not (
            (deployment.input and deployment.input.cacheable) or (deployment.output and deployment.output.cacheable)
        ):
            return None
        return CacheUse(self.cache, fresh=fresh)

    def cache_stats(self) -> CacheStats:
        """Hits, misses, evictions, entries and bytes of the detection cache since start-up."""
        return self.cache.snapshot()

    def route(self, path: str) -> bool | None:
        """None: not ours. Otherwise whether the path is the legacy text-completions endpoint."""
        if not path.endswith(self._suffixes) and path not in self._paths:
            return None
        return path.endswith("/completions") and not path.endswith("/chat/completions")

    async def aclose(self) -> None:
        """Release what the detectors hold open (remote backends' HTTP clients). Called on lifespan shutdown.

        Every one is closed even if another fails; failures are logged by type only.
        """
        for closer in _closers(self.guardrails):
            try:
                await closer.aclose()
            except Exception as exc:
                logger.warning("closing detector resources failed: %s", type(exc).__name__)

    def close(self) -> None:
        """``aclose`` for the WSGI path: closes the detectors' sync resources."""
        for closer in _closers(self.guardrails):
            try:
                closer.close()
            except Exception as exc:
                logger.warning("closing detector resources failed: %s", type(exc).__name__)

    def _refresh_due(self) -> bool:
        """True (and the clock restarted) when a refresh may run now: a file source, outside the interval."""
        current = self.guardrails
        now = time.monotonic()
        if current.source is None or now - self._refreshed_at < current.config.refresh_min_interval_s:
            return False
        self._refreshed_at = now
        return True

    def _reload(self) -> Guardrails:
        """Load the configuration file again; a broken file keeps the running configuration."""
        current = self.guardrails
        try:
            fresh = load_config(current.source or "", detectors=current.custom_detectors, previous=current)
        except ConfigError as exc:
            logger.warning("configuration refresh failed, keeping the previous one: %s", exc)
            return current
        if fresh.config.cache != self.cache.settings:
            self.cache = DetectionCache(fresh.config.cache)
        self.guardrails = fresh
        return fresh


@runtime_checkable
class Closable(Protocol):
    """A detector or group (a remote backend) holding resources to release at shutdown."""

    async def aclose(self) -> None: ...

    def close(self) -> None: ...


def _closers(guardrails: Guardrails) -> list[Closable]:
    """Each distinct detector or group of the configuration that can be closed, once."""
    seen: dict[int, Closable] = {}
    for deployment in guardrails.deployments.values():
        for side in (deployment.input, deployment.output):
            for entry in side.detectors if side is not None else ():
                for owner in (entry.detector, getattr(entry.group, "client", None)):
                    if owner is not None and isinstance(owner, Closable):
                        seen.setdefault(id(owner), owner)
    return list(seen.values())


def audit(
    plan: engine.RequestPlan,
    headers: Mapping[bytes, bytes],
    input_verdict: engine.Verdict | None,
    output: Mapping[str, Any] | None,
) -> None:
    """One log record per guarded request: deployment, verdicts, tags and trace ids. Never text."""
    if not logger.isEnabledFor(logging.INFO):
        return
    trace = {name.decode(): headers[name].decode("latin-1") for name in _TRACE_HEADERS if name in headers}
    logger.info(
        "guarded request deployment=%s input_blocked=%s output_blocked=%s blocked_by=%s tags=%s trace=%s",
        plan.deployment.name,
        input_verdict.blocked if input_verdict else None,
        output["blocked"] if output else None,
        [*(input_verdict.detections["blocked_by"] if input_verdict else []), *(output["blocked_by"] if output else [])],
        ",".join(plan.tags),
        trace,
    )


def stream_guard(plan: engine.RequestPlan, admission: engine.Admission) -> StreamGuard:
    """The guard of one streamed answer, set up from the request's deployment and input verdict."""
    deployment = plan.deployment
    return StreamGuard(
        output=deployment.output,
        blocking=deployment.output_blocking,
        input_verdict=admission.verdict,
        placeholders=admission.placeholders,
        mode=deployment.stream_mode,
        window=deployment.stream_window,
        overlap=deployment.stream_overlap,
        expected_choices=plan.body.get("n") or 1,
        fallback_id=f"chatcmpl-enkrypt-{secrets.token_hex(12)}",
        fallback_created=int(time.time()),
        context=plan.output_context,
    )
