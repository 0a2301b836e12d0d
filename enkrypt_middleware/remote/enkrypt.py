"""The Enkrypt Guardrails API as a remote detector backend (reference §3).

One HTTP call per scan, whatever the number of texts: one text goes to ``…/detect``, several to
``…/batch/detect`` (Enkrypt's own LiteLLM hook makes one call per message, §9.7). Three ways to say what to
run, as Enkrypt offers them:

=============  ==========================================  ==============================================
``mode``       endpoint                                    what selects the detectors
=============  ==========================================  ==============================================
``detectors``  ``/guardrails[/batch]/detect``              ``detectors`` in the body
``policy``     ``/guardrails/policy[/batch]/detect``       ``X-Enkrypt-Policy: <name>``
``guardrail``  ``/guardrails/guardrail[/batch]/detect``    ``X-Enkrypt-Guardrail: <name>`` and
                                                           ``X-Enkrypt-Mode: prompt|response`` by side
=============  ==========================================  ==============================================

Every call sends ``apikey``, ``X-Enkrypt-Source-Name`` and ``X-Enkrypt-Source-Event`` (``pre-llm`` or
``post-llm``). Answers are read by ``RemoteResult`` (tolerant of Enkrypt's shape drift, strict about garbage).
Failures are ``RemoteError`` (see ``_http``). The API key is never logged nor put in an error.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator, model_validator

from enkrypt_middleware.detectors._common import http_base_url

from ._http import JsonCaller, RemoteError, Resilience
from ._placeholders import placeholder_map
from ._results import DetectorResult, RemoteResult

__all__ = ["DetectorResult", "EnkryptClient", "EnkryptSettings", "RemoteResult", "placeholder_map"]

Side = Literal["input", "output"]
_HEADER_SAFE = frozenset(chr(c) for c in range(0x20, 0x7F))  # printable ASCII: what an HTTP header can carry


def _header_value(value: str, what: str) -> str:
    if not value or not set(value) <= _HEADER_SAFE:
        raise ValueError(f"{what} must be non-empty printable ASCII (it is sent in a header)")
    return value


class EnkryptSettings(BaseModel):
    """Where and how to call the Enkrypt Guardrails API."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)  # inputs include the key

    base_url: str = Field(default="https://api.enkryptai.com", description="Base URL of the Guardrails API.")
    api_key_env: str = Field(
        default="ENKRYPT_API_KEY", description="Environment variable read for the key when `api_key` is not set."
    )
    api_key: SecretStr | None = Field(
        default=None,
        validate_default=True,
        description="Enkrypt API key, sent as the `apikey` header. Default: the `api_key_env` variable.",
    )
    mode: Literal["detectors", "policy", "guardrail"] = Field(
        default="detectors",
        description="`detectors`: send the detector config with each call; `policy`/`guardrail`: use the saved "
        "policy or guardrail called `name` (its detectors are configured at Enkrypt).",
    )
    name: str | None = Field(
        default=None, description="The saved policy or guardrail name; required in `policy` and `guardrail` modes."
    )
    source_name: str = Field(
        default="enkrypt-middleware", description="Sent as `X-Enkrypt-Source-Name`, for attribution at Enkrypt."
    )
    timeout_ms: int = Field(default=2000, gt=0, le=120_000, description="Time limit of one attempt, in ms.")
    retries: int = Field(
        default=2, ge=0, le=10, description="Retries after a connection error, a 429 or a 5xx (never after a timeout)."
    )
    backoff_ms: int = Field(
        default=50, ge=0, le=10_000, description="Base of the exponential backoff with full jitter, in ms."
    )
    breaker_failures: int = Field(
        default=5, ge=0, le=1000, description="Consecutive failed calls that open the circuit breaker (0: never)."
    )
    breaker_cooldown_s: float = Field(
        default=30.0, gt=0, le=3600, description="Seconds the breaker stays open before one trial call."
    )
    budget_ms: int = Field(
        default=3000,
        gt=0,
        le=300_000,
        description="Time limit of one scan, retries and backoff included; past it the detectors count as failed.",
    )
    on_error: Literal["allow", "block"] = Field(
        default="allow",
        description="What a failed call means for a saved policy or guardrail (detectors configured here use their "
        "own `on_error`).",
    )

    _http = field_validator("base_url")(http_base_url)

    @field_validator("api_key")
    @classmethod
    def _key(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr:
        """Read the key once, at construction, so that a missing key fails at start-up, not per request."""
        env = info.data.get("api_key_env", "ENKRYPT_API_KEY")
        if value is None:
            found = os.environ.get(env)
            if not found:
                raise ValueError(f"no Enkrypt API key: set `api_key` or the environment variable {env}")
            value = SecretStr(found)
        _header_value(value.get_secret_value(), "api_key")
        return value

    @field_validator("source_name")
    @classmethod
    def _source(cls, value: str) -> str:
        return _header_value(value, "source_name")

    @model_validator(mode="after")
    def _named(self) -> EnkryptSettings:
        if self.mode != "detectors":
            if self.name is None:
                raise ValueError(f"`name` (the saved {self.mode} name) is required when mode is {self.mode!r}")
            _header_value(self.name, "name")
        return self

    def resilience(self) -> Resilience:
        """The timeouts, retries and breaker of these settings."""
        return Resilience(
            timeout_ms=self.timeout_ms,
            retries=self.retries,
            backoff_ms=self.backoff_ms,
            breaker_failures=self.breaker_failures,
            breaker_cooldown_s=self.breaker_cooldown_s,
        )


@dataclass(frozen=True)
class _Request:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


class EnkryptClient:
    """Calls the Guardrails API: ``detect`` and PII ``redact``/``restore``, each async with a ``_sync`` twin
    for threads. Safe to share between requests, threads and (see ``JsonCaller``) event loops.

    ``budget_s`` on every method bounds the whole call, retries included (``timeout`` error when spent).
    ``clock`` drives the circuit breaker's cool-down; tests inject one instead of sleeping.
    """

    def __init__(self, settings: EnkryptSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        key = settings.api_key.get_secret_value() if settings.api_key is not None else ""
        headers = {"apikey": key, "X-Enkrypt-Source-Name": settings.source_name}
        self._http = JsonCaller(settings.base_url, headers, settings.resilience(), clock=clock)

    @property
    def breaker_state(self) -> Literal["closed", "open", "half_open"]:
        """``closed``, ``open`` or ``half_open``: for health checks and logs."""
        return self._http.breaker.state

    # detect

    async def detect(
        self,
        texts: Sequence[str],
        detectors: Mapping[str, Mapping[str, Any]],
        *,
        side: Side,
        budget_s: float | None = None,
        saved: tuple[Literal["policy", "guardrail"], str] | None = None,
    ) -> list[RemoteResult]:
        """One ``RemoteResult`` per text, in order, from one HTTP call. ``detectors`` is Enkrypt's detector
        config (``{"toxicity": {"enabled": true}, …}``), ignored in ``policy`` and ``guardrail`` modes.
        ``saved`` (kind, name) selects a saved policy or guardrail for this call instead of the settings'."""
        if not texts:
            return []
        request = self._detect_request(texts, detectors, side, saved)
        read = partial(_results, count=len(texts), path=request.path)
        return await self._http.post(request.path, request.body, request.headers, budget_s=budget_s, read=read)

    def detect_sync(
        self,
        texts: Sequence[str],
        detectors: Mapping[str, Mapping[str, Any]],
        *,
        side: Side,
        budget_s: float | None = None,
        saved: tuple[Literal["policy", "guardrail"], str] | None = None,
    ) -> list[RemoteResult]:
        """``detect`` for threads."""
        if not texts:
            return []
        request = self._detect_request(texts, detectors, side, saved)
        read = partial(_results, count=len(texts), path=request.path)
        return self._http.post_sync(request.path, request.body, request.headers, budget_s=budget_s, read=read)

    def _detect_request(
        self,
        texts: Sequence[str],
        detectors: Mapping[str, Mapping[str, Any]],
        side: Side,
        saved: tuple[Literal["policy", "guardrail"], str] | None = None,
    ) -> _Request:
        mode, name = saved if saved is not None else (self.settings.mode, self.settings.name or "")
        batch = len(texts) > 1
        body: dict[str, Any] = {"texts": list(texts)} if batch else {"text": texts[0]}
        headers = {"X-Enkrypt-Source-Event": "pre-llm" if side == "input" else "post-llm"}
        prefix = "/guardrails"
        if mode == "detectors":
            body["detectors"] = {key: dict(value) for key, value in detectors.items()}
        elif mode == "policy":
            prefix += "/policy"
            headers["X-Enkrypt-Policy"] = name
        else:
            prefix += "/guardrail"
            headers["X-Enkrypt-Guardrail"] = name
            headers["X-Enkrypt-Mode"] = "prompt" if side == "input" else "response"
        return _Request(f"{prefix}/batch/detect" if batch else f"{prefix}/detect", body, headers)

    # PII

    async def redact(
        self, text: str, entities: Sequence[str] | None = None, *, budget_s: float | None = None
    ) -> tuple[str, str]:
        """Enkrypt's anonymisation: (text with ``<PERSON_0>``-style placeholders, key for ``restore``). The
        key restores the values; keep it out of logs. ``placeholder_map`` gives the map itself."""
        return await self._http.post(_PII, _redact_body(text, entities), budget_s=budget_s, read=_anonymised)

    def redact_sync(
        self, text: str, entities: Sequence[str] | None = None, *, budget_s: float | None = None
    ) -> tuple[str, str]:
        """``redact`` for threads."""
        return self._http.post_sync(_PII, _redact_body(text, entities), budget_s=budget_s, read=_anonymised)

    async def restore(self, text: str, key: str, *, budget_s: float | None = None) -> str:
        """The placeholders of ``text`` (e.g. an LLM answer) replaced by the values ``key`` stands for."""
        return await self._http.post(_PII, _restore_body(text, key), budget_s=budget_s, read=_restored)

    def restore_sync(self, text: str, key: str, *, budget_s: float | None = None) -> str:
        """``restore`` for threads."""
        return self._http.post_sync(_PII, _restore_body(text, key), budget_s=budget_s, read=_restored)

    # lifetime

    async def aclose(self) -> None:
        """Close the connection pools (call from the app's lifespan shutdown)."""
        await self._http.aclose()

    def close(self) -> None:
        """Close the sync connection pool."""
        self._http.close()


_PII = "/guardrails/pii"


def _results(answer: Any, *, count: int, path: str) -> list[RemoteResult]:
    """A single answer object, or a batch as a bare array or ``{"results": [...]}``, with one per text."""
    if count == 1 and isinstance(answer, dict) and "results" not in answer:
        return [RemoteResult.from_json(answer, where=path)]
    items = answer.get("results") if isinstance(answer, dict) else answer
    if not isinstance(items, list):
        raise RemoteError("malformed", f"the answer from {path} is not a list of results")
    if len(items) != count:
        raise RemoteError("malformed", f"{len(items)} results from {path} for {count} texts")
    return [RemoteResult.from_json(item, where=path) for item in items]


def _redact_body(text: str, entities: Sequence[str] | None) -> dict[str, Any]:
    body: dict[str, Any] = {"text": text, "mode": "request", "key": "null"}
    if entities is not None:
        body["entities"] = list(entities)
    return body


def _restore_body(text: str, key: str) -> dict[str, Any]:
    return {"text": text, "mode": "response", "key": key}


def _field(answer: Any, name: str) -> str:
    value = answer.get(name) if isinstance(answer, dict) else None
    if not isinstance(value, str):
        raise RemoteError("malformed", f"the answer from {_PII} has no {name}")
    return value


def _anonymised(answer: Any) -> tuple[str, str]:
    return _field(answer, "text"), _field(answer, "key")


def _restored(answer: Any) -> str:
    return _field(answer, "text")
