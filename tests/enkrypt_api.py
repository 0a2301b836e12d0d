"""A stand-in for the Enkrypt Guardrails API (reference §2.2, §3), to serve on loopback with ``server.serve``.

It answers the documented request shapes of ``/guardrails[/policy|/guardrail][/batch]/detect`` and
``/guardrails/pii`` with deterministic verdicts (a few trigger phrases per detector), records every request
as it arrived (path, headers, JSON body) so that tests assert on the server side, and can be scripted per
test: delays, status sequences, ``Retry-After``, bodies that are not JSON, altered answers, and the shape
variants Enkrypt is known to send (strings vs floats, ``{}`` for empty lists, nested ``bias.bias``).
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import anyio
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .server import free_port, serve

Shape = Literal["current", "legacy", "nested"]
Verdict = tuple[bool, dict[str, Any], dict[str, Any]]  # (fired, summary entries, details body)

INJECTION = "ignore previous instructions"
NAMES = ("Alice", "Bob", "Ram")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    return f"http://127.0.0.1:{free_port()}"


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any


@dataclass(frozen=True)
class Reply:
    """How to answer one request. By default, the computed answer with status 200."""

    status: int = 200
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is, in place of any answer
    mutate: Callable[[Any], Any] | None = None  # applied to the computed answer


def _score(value: float, shape: Shape) -> float | str:
    return value if shape == "legacy" else f"{value:.6f}"


def _empty(shape: Shape) -> Any:
    return {} if shape == "legacy" else []


def _injection(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    hit = INJECTION in text.lower()
    attack = 0.99 if hit else 0.01
    details = {
        "safe": _score(1 - attack, shape),
        "attack": _score(attack, shape),
        "detected_attacks": ["injection"] if hit else [],
    }
    return hit, {"injection_attack": int(hit)}, details


def _keywords(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    counts = {kw: text.lower().count(kw.lower()) for kw in config.get("banned_keywords", [])}
    counts = {kw: n for kw, n in counts.items() if n}
    details = {"detected_keywords": list(counts) or _empty(shape), "detected_counts": counts}
    return bool(counts), {"keyword_detected": len(counts)}, details


def _toxicity(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    hit = "idiot" in text.lower()
    scores = {"toxicity": 0.98 if hit else 0.01, "insult": 0.93 if hit else 0.002, "threat": 0.001}
    labels = [label for label, score in scores.items() if score > 0.5]
    return hit, {"toxicity": labels or _empty(shape)}, scores


def _pii(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    emails = _EMAIL.findall(text)
    found = {f"<EMAIL_ADDRESS_{i}>": email for i, email in enumerate(emails)}
    return bool(found), {"pii": int(bool(found))}, {"pii": found, "secrets": {}, "ip_address": {}, "url": {}}


def _nsfw(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    hit = "explicit" in text.lower()
    return hit, {"nsfw": int(hit)}, {"nsfw": 0.9 if hit else 0.05, "sfw": 0.1 if hit else 0.95}


def _bias(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    hit = "women are worse" in text.lower()
    body = {"bias_detected": hit, "debiased_text": "people differ" if hit else text}
    return hit, {"bias": int(hit)}, {"bias": body} if shape == "nested" else body


def _policy(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    hit = "weapon" in text.lower()
    verdict = config.get("policy_text", "a policy") if hit else "No Violation Found"
    body = {"violating_policy": verdict, "explanation": verdict}
    return hit, {"policy_violation": int(hit)}, {"policy_violation": body} if shape == "nested" else body


def _similarity(summary_key: str, phrase: str) -> Callable[[str, Mapping[str, Any], Shape], Verdict]:
    def detect(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
        hit = phrase in text.lower()
        return hit, {summary_key: int(hit)}, {"similarity_score": 0.95 if hit else 0.02}

    return detect


def _sponge(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    hit = "repeat forever" in text.lower()
    return hit, {"sponge_attack": int(hit)}, {"sponge_attack_detected": hit}


def _topic(text: str, config: Mapping[str, Any], shape: Shape) -> Verdict:
    topics = config.get("topic", [])
    scores = {t: 0.9 if t.lower() in text.lower() else 0.01 for t in ([topics] if isinstance(topics, str) else topics)}
    on_topic = any(score > 0.5 for score in scores.values())
    return not on_topic, {"on_topic": int(on_topic)}, scores


DETECTORS: dict[str, Callable[[str, Mapping[str, Any], Shape], Verdict]] = {
    "injection_attack": _injection,
    "keyword_detector": _keywords,
    "toxicity": _toxicity,
    "pii": _pii,
    "nsfw": _nsfw,
    "bias": _bias,
    "policy_violation": _policy,
    "copyright_ip": _similarity("copyright_ip_similarity", "harry potter"),
    "system_prompt": _similarity("system_prompt_similarity", "system prompt"),
    "sponge_attack": _sponge,
    "topic_detector": _topic,
}


def verdict(text: str, detectors: Mapping[str, Mapping[str, Any]], shape: Shape) -> dict[str, Any]:
    """Enkrypt's answer for one text: summary and details of each enabled detector, and the block message
    of the first one that fired."""
    summary: dict[str, Any] = {}
    details: dict[str, Any] = {}
    message = None
    for name, config in detectors.items():
        if not config.get("enabled"):
            continue
        fired, entries, body = DETECTORS[name](text, config, shape)
        summary.update(entries)
        details[name] = body
        if fired and message is None:
            message = config.get("block_message", f"{name} detected")
    return {"summary": summary, "details": details, "result_message": message}


class EnkryptAPI:
    """The stand-in. ``app`` is the Starlette app; ``requests`` what it received; ``script`` programs it."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.base_url = ""  # set by the fixture that serves it
        self.shape: Shape = "current"
        self.policies: dict[str, dict[str, dict[str, Any]]] = {}
        self.guardrails: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}  # name -> input/output -> detectors
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._script: deque[Reply] = deque()
        self._vault: dict[str, dict[str, str]] = {}
        self.app = Starlette(routes=[Route("/guardrails/{rest:path}", self._handle, methods=["POST"])])

    @property
    def requests(self) -> list[Recorded]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._script.clear()
            self._vault.clear()
        self.shape = "current"
        self.policies = {}
        self.guardrails = {}

    def script(self, *replies: int | Reply) -> None:
        """Answers for the next requests, in order (an int is a status with the default body); then the default."""
        with self._lock:
            self._script.extend(Reply(status=r) if isinstance(r, int) else r for r in replies)

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            self._requests.append(Recorded(request.url.path, {k.lower(): v for k, v in request.headers.items()}, body))
            reply = self._script.popleft() if self._script else Reply()
        if reply.delay_s:
            await anyio.sleep(reply.delay_s)
        if reply.raw is not None:
            return Response(reply.raw, reply.status, reply.headers, media_type="application/json")
        if reply.status != 200:
            return JSONResponse({"message": "scripted failure"}, reply.status, reply.headers)
        if request.headers.get("apikey") != self.api_key:
            return JSONResponse({"message": "Unauthorized"}, 401)
        status, answer = self._answer(request.url.path, request.headers, body)
        if reply.mutate is not None:
            answer = reply.mutate(answer)
        return JSONResponse(answer, status, reply.headers)

    def _answer(self, path: str, headers: Mapping[str, str], body: Any) -> tuple[int, Any]:
        if not isinstance(body, dict):
            return 400, {"message": "body must be a JSON object"}
        if path == "/guardrails/pii":
            return self._pii(body)
        route = path.removeprefix("/guardrails").removesuffix("/detect")
        batch = route.endswith("/batch")
        kind = route.removesuffix("/batch")
        if kind == "/policy":
            detectors = self.policies.get(headers.get("x-enkrypt-policy", ""))
        elif kind == "/guardrail":
            side = {"prompt": "input", "response": "output"}.get(headers.get("x-enkrypt-mode", ""), "")
            detectors = self.guardrails.get(headers.get("x-enkrypt-guardrail", ""), {}).get(side)
        elif kind == "" and path.endswith("/detect"):
            detectors = body.get("detectors")
        else:
            return 404, {"message": "Not Found"}
        if not isinstance(detectors, dict):
            return 404, {"message": "policy or guardrail not found"}
        shape: Shape = "nested" if kind == "/guardrail" else self.shape
        if batch:
            return 200, [{"text": t, **verdict(t, detectors, shape)} for t in body.get("texts", [])]
        return 200, verdict(body.get("text", ""), detectors, shape)

    def _pii(self, body: dict[str, Any]) -> tuple[int, Any]:
        text = body.get("text", "")
        if body.get("mode") == "response":
            stored = self._vault.get(body.get("key", ""))
            if stored is None:
                return 400, {"message": "invalid key"}
            for placeholder, value in stored.items():
                text = text.replace(placeholder, value)
            return 200, {"text": text}
        values: dict[str, str] = {}
        counts: dict[str, int] = {}
        found = [
            *(("EMAIL_ADDRESS", m) for m in _EMAIL.findall(text)),
            *(("PERSON", n) for n in sorted((n for n in NAMES if n in text), key=text.index)),
        ]
        for label, value in found:
            if value in values.values():
                continue
            placeholder = f"<{label}_{counts.get(label, 0)}>"
            counts[label] = counts.get(label, 0) + 1
            values[placeholder] = value
            text = text.replace(value, placeholder)
        key = uuid.uuid4().hex
        with self._lock:
            self._vault[key] = values
        return 200, {"text": text, "key": key}


KEY = "ek-test-7f3a9c1e5b2d4f60"
"""The API key the stand-in accepts (tests assert it never shows in errors or logs)."""


@pytest.fixture(scope="module")
def enkrypt_server() -> Iterator[EnkryptAPI]:
    """A stand-in served on loopback for a test module, its ``base_url`` set."""
    api = EnkryptAPI(KEY)
    with serve(api.app) as url:
        api.base_url = url
        yield api


@pytest.fixture
def api(enkrypt_server: EnkryptAPI) -> EnkryptAPI:
    """The module's stand-in, forgetting what earlier tests recorded and scripted."""
    enkrypt_server.reset()
    return enkrypt_server
