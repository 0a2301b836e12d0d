"""The pure core: what to scan, what the findings mean, and what goes on the wire.

No I/O and no awaiting here; the ASGI and WSGI adapters call these functions around the runner:

    deployment = authorize(guardrails, headers)                           # may raise RequestError
    plan = plan_request(guardrails, deployment, headers, raw_body, legacy=...)
    outcomes = run the input side on plan.texts                           # _runner
    admission = admit(plan, outcomes, latency)                            # block, or the body to forward
    job = plan_response(plan, admission, raw_response)                    # None: pass through untouched
    outcomes = run the output side on job.texts                           # _runner
    status, body = finish_response(job, outcomes, latency)
"""

from __future__ import annotations

import hmac
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic_core import from_json

from ._config import CompiledDeployment, DetectorEntry, Guardrails, Side
from ._exceptions import (
    AuthenticationError,
    DeploymentError,
    InvalidRequestError,
    PayloadTooLargeError,
    UnsupportedMediaError,
)
from ._models import validate_chat_request, validate_completion_request
from .detectors._common import COMPLIANCE_MAPPING
from .detectors.base import Located, ScanContext, compact_json
from .detectors.pii import assign_placeholders

__all__ = [
    "Admission",
    "Outcome",
    "RequestPlan",
    "ResponseJob",
    "Scanned",
    "Verdict",
    "admit",
    "authorize",
    "block_envelope",
    "check_media",
    "evaluate",
    "finish_response",
    "inject_detections",
    "plan_request",
    "plan_response",
    "request_context",
    "request_texts",
    "response_kind",
    "response_texts",
    "wants_refresh",
    "withhold",
]

DETECTIONS_KEY = "enkrypt_policy_detections"
_DUMPS = compact_json


@dataclass(slots=True)
class Scanned:
    """One text to scan, and where it lives so that it can be rewritten in place."""

    path: str
    text: str
    holder: Any
    key: str | int
    choice: int = -1


@dataclass(slots=True)
class Outcome:
    """What one detector produced for one side: a finding per text, or an error."""

    entry: DetectorEntry
    located: list[Located]
    error: str | None = None
    cached: int = 0
    """How many of the texts' findings came from the detection cache."""


#: The keys of a side's detections where nothing fired, blocked or failed, in order, without and with
#: ``cache_hits``: what :meth:`Verdict.encode` writes from pieces.
_CLEAN_KEYS = ("summary", "details", "result_message", "blocked", "blocked_by", "locations", "errors", "latency_ms")
_CLEAN_LAYOUTS = (_CLEAN_KEYS, (*_CLEAN_KEYS, "cache_hits"))


#: What a side where nothing fired holds between its result message and its latency.
_NOTHING_ELSE = ',"blocked":false,"blocked_by":[],"locations":{},"errors":{},"latency_ms":'


@dataclass(slots=True)
class Verdict:
    """One side's decision and its ``input_guardrails``/``output_guardrails`` object."""

    detections: dict[str, Any]
    blocked: bool
    blocked_choices: set[int] = field(default_factory=set)
    clean_details: str | None = None
    """``detections["details"]`` as JSON, when nothing fired or failed and every detector's report came
    with its details encoded (``Report.details_json``). Details are never changed in place afterwards
    (``withhold`` copies), so it stays true."""

    def encode(self) -> str:
        """``detections`` as compact JSON, the bytes ``json.dumps`` would give.

        A side where nothing fired (nearly every request) is written from pieces: its details were
        encoded by the reporters, and its other keys hold nothing but the summary, the result message,
        the latency and the cache hits. Encoding the whole object again costs more than a detector.
        """
        detections = self.detections
        if self.clean_details is None or not _writable(detections):
            return _DUMPS(detections)
        message = detections["result_message"]
        parts = [
            '{"summary":',
            _DUMPS(detections["summary"]),
            ',"details":',
            self.clean_details,
            ',"result_message":',
            "null" if message is None else _DUMPS(message),
            _NOTHING_ELSE,
            repr(detections["latency_ms"]),
        ]
        if "cache_hits" in detections:
            parts += (',"cache_hits":', repr(detections["cache_hits"]))
        parts.append("}")
        return "".join(parts)


def _writable(detections: dict[str, Any]) -> bool:
    """Whether a side's detections are as :meth:`Verdict.encode` writes them: nothing blocked, located or
    failed, and numbers whose ``repr`` is their JSON."""
    return (
        tuple(detections) in _CLEAN_LAYOUTS
        and detections["blocked"] is False
        and not (detections["blocked_by"] or detections["locations"] or detections["errors"])
        and type(detections["result_message"]) in (str, type(None))
        and type(detections["latency_ms"]) is float
        and math.isfinite(detections["latency_ms"])
        and type(detections.get("cache_hits", 0)) is int
    )


@dataclass(slots=True)
class RequestPlan:
    deployment: CompiledDeployment
    body: dict[str, Any]
    legacy: bool
    texts: list[Scanned]
    context: str | None
    tags: tuple[str, ...]
    stream: bool
    body_changed: bool
    input_context: ScanContext | None = None
    """What context-aware input detectors judge against; None when the input side has none."""
    output_context: ScanContext | None = None
    """The same for the output side (the answer of this request)."""


@dataclass(slots=True)
class Admission:
    """The input verdict: either a block response, or the body the app should see."""

    verdict: Verdict | None
    block: tuple[int, bytes] | None
    body: bytes | None
    placeholders: dict[str, str]


@dataclass(slots=True)
class ResponseJob:
    plan: RequestPlan
    admission: Admission
    body: dict[str, Any]
    texts: list[Scanned]
    raw: bytes
    changed: bool


# --- request side ------------------------------------------------------------------------------


def _header(headers: Mapping[bytes, bytes], name: bytes) -> str | None:
    value = headers.get(name)
    return None if value is None else value.decode("latin-1").strip()


def select_deployment(guardrails: Guardrails, name: str | None) -> CompiledDeployment:
    if not name:
        if guardrails.default_deployment is None:
            raise DeploymentError("X-Enkrypt-Deployment header is required: no default deployment is configured")
        return guardrails.deployments[guardrails.default_deployment]
    deployment = guardrails.deployments.get(name)
    if deployment is None:
        raise DeploymentError(f"deployment {name!r} not found", status=404, code="deployment_not_found")
    return deployment


def key_matches(provided: bytes | None, keys: Sequence[bytes]) -> bool:
    """Constant-time membership: every configured key is compared, whatever matches."""
    if provided is None:
        return False
    found = False
    for key in keys:
        found |= hmac.compare_digest(provided, key)
    return found


def parse_tags(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    return tuple(tag for tag in (item.strip() for item in value.split(",")) if tag)


def check_media(headers: Mapping[bytes, bytes], max_body_size: int) -> None:
    """Content type, content encoding and declared length: all decidable before reading the body."""
    content_type = headers.get(b"content-type")
    if content_type is not None and content_type != b"application/json":
        media, _, params = content_type.decode("latin-1").partition(";")
        media = media.strip().lower()
        if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
            raise UnsupportedMediaError(
                f"Content-Type {media!r} is not supported; send application/json", param="Content-Type"
            )
        charset = params.strip().lower()
        if charset.startswith("charset=") and charset[8:].strip('"') not in ("utf-8", "utf8"):
            raise UnsupportedMediaError("request body must be UTF-8 encoded", param="Content-Type")
    encoding = headers.get(b"content-encoding")
    if encoding is not None and encoding.strip().lower() not in (b"", b"identity"):
        raise UnsupportedMediaError(
            "compressed request bodies are not supported; send the body uncompressed",
            param="Content-Encoding",
        )
    length = headers.get(b"content-length")
    if length is not None and length.isdigit() and int(length) > max_body_size:
        raise PayloadTooLargeError(f"request body exceeds the limit of {max_body_size} bytes")


def loads(data: bytes | str) -> Any:
    """``json.loads``, through pydantic-core's parser first: three to four times faster on a request body.

    Whatever that parser refuses (a BOM, lone surrogates, nesting it finds too deep, invalid JSON) goes
    to ``json.loads``, so what is accepted, the values it gives and every error message stay those of the
    standard library; for the documents both accept they give equal values.
    """
    try:
        return from_json(data, cache_strings="keys")  # keys only: no prompt text kept in its cache
    except ValueError:
        return json.loads(data)


def parse_json_body(raw: bytes) -> Any:
    try:
        return loads(raw)
    except UnicodeDecodeError:
        raise InvalidRequestError("request body is not valid UTF-8", code="invalid_json") from None
    except ValueError as exc:
        raise InvalidRequestError(f"request body is not valid JSON: {exc}", code="invalid_json") from None


def authorize(guardrails: Guardrails, headers: Mapping[bytes, bytes]) -> CompiledDeployment:
    """The deployment a request names (or the default), once its API key is checked.

    ``headers`` maps lower-case header names to values. Needs no body, so it runs before reading one.
    """
    deployment = select_deployment(guardrails, _header(headers, b"x-enkrypt-deployment"))
    if deployment.api_keys and not key_matches(headers.get(b"apikey"), deployment.api_keys):
        raise AuthenticationError("invalid or missing API key", param="apikey")
    return deployment


def wants_refresh(guardrails: Guardrails, deployment: CompiledDeployment, headers: Mapping[bytes, bytes]) -> bool:
    """X-Enkrypt-Refresh-Cache: true from a caller the configuration allows to ask for it."""
    if b"x-enkrypt-refresh-cache" not in headers:
        return False
    if (_header(headers, b"x-enkrypt-refresh-cache") or "").lower() != "true":
        return False
    return key_matches(headers.get(b"apikey"), (*deployment.api_keys, *guardrails.refresh_keys))


def plan_request(
    guardrails: Guardrails,
    deployment: CompiledDeployment,
    headers: Mapping[bytes, bytes],
    raw: bytes,
    *,
    legacy: bool,
) -> RequestPlan:
    """Parse and validate the body and pick the texts to scan; raises RequestError on a bad request."""
    if not raw:
        raise InvalidRequestError("request body is empty", code="invalid_json")
    body = parse_json_body(raw)
    if legacy:
        validate_completion_request(body)
    else:
        validate_chat_request(body)
    context = body.get("enkrypt_context")
    input_context = output_context = None
    wants_input = deployment.input is not None and deployment.input.needs_context
    wants_output = deployment.output is not None and deployment.output.needs_context
    if wants_input or wants_output:  # before redaction rewrites the messages in place
        shared = request_context(body, context, legacy=legacy)
        input_context = replace(shared, side="input") if wants_input else None
        output_context = replace(shared, side="output") if wants_output else None
    changed = False
    if context is not None and guardrails.config.strip_enkrypt_context:
        del body["enkrypt_context"]
        changed = True
    return RequestPlan(
        deployment=deployment,
        body=body,
        legacy=legacy,
        texts=request_texts(body, deployment.scan, legacy=legacy) if deployment.input else [],
        context=context,
        tags=(*deployment.tags, *parse_tags(_header(headers, b"x-enkrypt-tags"))),
        stream=body.get("stream") is True,
        body_changed=changed,
        input_context=input_context,
        output_context=output_context,
    )


def _message_text(message: Any) -> str:
    content = message.get("content") if isinstance(message, dict) else None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            part["text"] for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def request_context(body: dict[str, Any], context: str | None, *, legacy: bool) -> ScanContext:
    """The request's system/developer prompt, last user message (or legacy prompt) and ``enkrypt_context``."""
    if legacy:
        prompt = body.get("prompt")
        question = prompt if isinstance(prompt, str) else "\n".join(p for p in prompt or () if isinstance(p, str))
        return ScanContext(system_prompt=None, context=context or None, question=question or None)
    messages: list[dict[str, Any]] = body["messages"]
    system = "\n".join(
        text for text in (_message_text(m) for m in messages if m.get("role") in ("system", "developer")) if text
    )
    question = next((_message_text(m) for m in reversed(messages) if m.get("role") == "user"), "")
    return ScanContext(system_prompt=system or None, context=context or None, question=question or None)


def _content_texts(out: list[Scanned], holder: dict[str, Any], prefix: str, choice: int = -1) -> None:
    content = holder.get("content")
    if isinstance(content, str):
        if content:
            out.append(Scanned(f"{prefix}.content", content, holder, "content", choice))
    elif isinstance(content, list):
        for j, part in enumerate(content):
            if isinstance(part, dict):
                kind = part.get("type")
                key = "refusal" if kind == "refusal" else "text"
                value = part.get(key)
                if isinstance(value, str) and value and kind in ("text", "refusal", None):
                    out.append(Scanned(f"{prefix}.content[{j}].{key}", value, part, key, choice))


def _call_texts(out: list[Scanned], holder: dict[str, Any], prefix: str, choice: int = -1) -> None:
    refusal = holder.get("refusal")
    if isinstance(refusal, str) and refusal:
        out.append(Scanned(f"{prefix}.refusal", refusal, holder, "refusal", choice))
    calls = holder.get("tool_calls")
    if isinstance(calls, list):
        for k, call in enumerate(calls):
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict):
                arguments = function.get("arguments")
                if isinstance(arguments, str) and arguments:
                    path = f"{prefix}.tool_calls[{k}].function.arguments"
                    out.append(Scanned(path, arguments, function, "arguments", choice))
    function = holder.get("function_call")
    if isinstance(function, dict):
        arguments = function.get("arguments")
        if isinstance(arguments, str) and arguments:
            out.append(Scanned(f"{prefix}.function_call.arguments", arguments, function, "arguments", choice))


def request_texts(body: dict[str, Any], scan: Literal["last_user", "user", "all"], *, legacy: bool) -> list[Scanned]:
    """The texts of a (validated) request that the input side scans, in payload order."""
    out: list[Scanned] = []
    if legacy:
        prompt = body.get("prompt")
        if isinstance(prompt, str):
            if prompt:
                out.append(Scanned("prompt", prompt, body, "prompt"))
        elif isinstance(prompt, list):
            for i, item in enumerate(prompt):
                if isinstance(item, str) and item:
                    out.append(Scanned(f"prompt[{i}]", item, prompt, i))
        return out
    messages: list[dict[str, Any]] = body["messages"]
    if scan == "last_user":
        for i in range(len(messages) - 1, -1, -1):
            if messages[i].get("role") == "user":
                _content_texts(out, messages[i], f"messages[{i}]")
                break
        return out
    for i, message in enumerate(messages):
        if scan == "all" or message.get("role") == "user":
            _content_texts(out, message, f"messages[{i}]")
            if scan == "all":
                _call_texts(out, message, f"messages[{i}]")
    return out


# --- deciding ----------------------------------------------------------------------------------


_PII_GROUPS = ("pii", "secrets", "ip_address", "url")
_QUOTING_FIELDS = ("redacted_text", "most_unsafe_content", "biased_text", "debiased_text")
_QUOTING_LISTS = ("atomic_facts", "unsupported_sentences", "irrelevant_sentences")
WITHHELD = "[WITHHELD]"


def withhold(details: dict[str, Any]) -> dict[str, Any]:
    """A blocked answer must not leak through its own detections: drop values that quote it."""
    out: dict[str, Any] = {}
    for name, body in details.items():
        if isinstance(body, Mapping):
            body = dict(body)
            for group in _PII_GROUPS if name == "pii" else ():
                if isinstance(body.get(group), Mapping):
                    body[group] = {placeholder: WITHHELD for placeholder in body[group]}
            for key in _QUOTING_FIELDS:
                if isinstance(body.get(key), str):
                    body[key] = WITHHELD
            for key in _QUOTING_LISTS:
                if isinstance(body.get(key), list):
                    body[key] = [WITHHELD] * len(body[key])
        out[name] = body
    return out


def evaluate(
    side: Side,
    texts: Sequence[Scanned],
    outcomes: Sequence[Outcome],
    latency_ms: float,
    *,
    redacted_text: str | None = None,
    withhold_when_blocked: bool = False,
) -> Verdict:
    """Turn one side's outcomes into its detections object and a block decision."""
    summary: dict[str, Any] = {}
    details: dict[str, Any] = {}
    errors: dict[str, str] = {}
    blocked_by: list[str] = []
    locations: dict[str, list[str]] = {}
    blocked_choices: set[int] = set()
    message: str | None = None
    clean: list[str] | None = []  # '"name":<details JSON>' while every detector is clean and encoded its details
    for outcome in outcomes:
        entry = outcome.entry
        if outcome.error is not None:
            clean = None
            errors[entry.name] = outcome.error
            fired = entry.options.on_error == "block"
            if fired and entry.blocks:
                blocked_by.append(entry.name)
                blocked_choices.update(item.choice for item in texts)
                message = message or entry.block_message
            continue
        report = entry.report(outcome.located)
        summary.update(report.summary)
        details[entry.name] = body = report.details
        if not report.detected:
            if clean is not None:
                if report.details_json is None:
                    clean = None
                else:
                    clean.append(f"{_DUMPS(entry.name)}:{report.details_json}")
            continue
        clean = None
        if isinstance(body, Mapping):
            mapping = getattr(entry.detector, "compliance_mapping", None) or COMPLIANCE_MAPPING.get(entry.name)
            if mapping is not None:
                details[entry.name] = {**body, "compliance_mapping": mapping}
        where = [found.path for found in outcome.located if found.finding.detected]
        if where:
            locations[entry.name] = where
        if entry.blocks:
            blocked_by.append(entry.name)
            message = message or entry.block_message
            blocked_choices.update(
                item.choice for item, found in zip(texts, outcome.located, strict=False) if found.finding.detected
            )
    blocked = bool(blocked_by)
    if blocked and not blocked_choices:
        blocked_choices.update(item.choice for item in texts)
    if blocked and withhold_when_blocked:
        details = withhold(details)
    detections = {
        "summary": summary,
        "details": details,
        "result_message": message if blocked else redacted_text,
        "blocked": blocked,
        "blocked_by": blocked_by,
        "locations": locations,
        "errors": errors,
        "latency_ms": round(latency_ms, 3),
    }
    if side.cacheable:
        detections["cache_hits"] = sum(outcome.cached for outcome in outcomes)
    clean_details = None
    if clean is not None and not blocked and len(clean) == len(details):
        clean_details = "{" + ",".join(clean) + "}"
    return Verdict(detections, blocked, blocked_choices, clean_details)


def block_envelope(code: str, message: str | None, detections: dict[str, Any]) -> bytes:
    """The error body of a block: OpenAI envelope plus the detections, no top-level ``message``.

    The detections also sit inside ``error``: the openai SDK keeps only ``body["error"]`` as the
    exception's ``body``, and they must be reachable from there.
    """
    error = {"message": message, "type": "guardrails_error", "param": None, "code": code}
    return _DUMPS({"error": {**error, DETECTIONS_KEY: detections}, DETECTIONS_KEY: detections}).encode()


_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]{0,40}_[0-9]{1,6}>")


def _redact(texts: Sequence[Scanned], outcome: Outcome) -> tuple[dict[str, str], str]:
    """Replace PII spans by placeholders in place; returns placeholder -> value and the redacted text."""
    numbering = assign_placeholders(outcome.located)
    pieces: list[str] = []
    for item, found in zip(texts, outcome.located, strict=False):
        text = item.text
        parts: list[str] = []
        cursor = 0
        for span in found.finding.spans:
            if span.start < cursor:
                continue
            value = text[span.start : span.end]
            placeholder = numbering.get(value)
            if placeholder is None:
                continue
            parts.append(text[cursor : span.start])
            parts.append(placeholder)
            cursor = span.end
        if parts:
            parts.append(text[cursor:])
            item.text = "".join(parts)
            item.holder[item.key] = item.text
        pieces.append(item.text)
    return {placeholder: value for value, placeholder in numbering.items()}, "\n".join(pieces)


def admit(plan: RequestPlan, outcomes: Sequence[Outcome], latency_ms: float) -> Admission:
    """Decide the input side: block, or hand the app its (possibly redacted) body."""
    side = plan.deployment.input
    placeholders: dict[str, str] = {}
    if side is None:
        body = _DUMPS(plan.body).encode() if plan.body_changed else None
        return Admission(None, None, body, placeholders)
    redacted: str | None = None
    if side.pii_redaction:
        pii = next((o for o in outcomes if o.entry.name == "pii" and o.error is None), None)
        if pii is not None and any(found.finding.spans for found in pii.located):
            placeholders, redacted = _redact(plan.texts, pii)
    verdict = evaluate(side, plan.texts, outcomes, latency_ms, redacted_text=redacted)
    if verdict.blocked:
        body = block_envelope(
            "input_guardrails_blocked",
            verdict.detections["result_message"],
            {"input_guardrails": verdict.detections},
        )
        return Admission(verdict, (plan.deployment.block_status, body), None, {})
    changed = plan.body_changed or bool(placeholders)
    return Admission(verdict, None, _DUMPS(plan.body).encode() if changed else None, placeholders)


def response_kind(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """ "json", "sse", or None for a response we leave alone (other types, or already encoded)."""
    kind = None
    for name, value in headers:
        lower = name.lower()
        if lower == b"content-encoding" and value.strip().lower() not in (b"", b"identity"):
            return None
        if lower == b"content-type":
            media = value.split(b";", 1)[0].strip().lower()
            kind = "json" if media == b"application/json" else "sse" if media == b"text/event-stream" else None
    return kind


# --- response side -----------------------------------------------------------------------------


def response_texts(body: dict[str, Any]) -> list[Scanned]:
    """Every text of every choice: content (or parts), refusal, tool-call arguments, legacy text."""
    out: list[Scanned] = []
    choices = body.get("choices")
    if not isinstance(choices, list):
        return out
    for position, choice in enumerate(choices):
        if not isinstance(choice, dict):
            continue
        message = choice.get("message")
        prefix = f"choices[{position}]"
        if isinstance(message, dict):
            _content_texts(out, message, f"{prefix}.message", position)
            _call_texts(out, message, f"{prefix}.message", position)
        text = choice.get("text")
        if isinstance(text, str) and text:
            out.append(Scanned(f"{prefix}.text", text, choice, "text", position))
    return out


def _restore(texts: Sequence[Scanned], placeholders: Mapping[str, str]) -> bool:
    if not placeholders:
        return False
    changed = False

    def swap(match: re.Match[str]) -> str:
        return placeholders.get(match.group(), match.group())

    for item in texts:
        if "<" in item.text:
            restored = _PLACEHOLDER.sub(swap, item.text)
            if restored != item.text:
                item.text = restored
                item.holder[item.key] = restored
                changed = True
    return changed


def plan_response(plan: RequestPlan, admission: Admission, raw: bytes) -> ResponseJob | None:
    """Prepare a 2xx JSON response for the output side; None when it is not a completion to touch."""
    try:
        body = loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
        return None
    texts = response_texts(body)
    changed = _restore(texts, admission.placeholders)
    return ResponseJob(plan, admission, body, texts, raw, changed)


def _replace_choice(choice: dict[str, Any], message: str | None) -> None:
    target = choice.get("message")
    if isinstance(target, dict):
        target["content"] = message
        target.pop("tool_calls", None)
        target.pop("function_call", None)
        if "refusal" in target:
            target["refusal"] = None
    if "text" in choice:
        choice["text"] = message
    choice["finish_reason"] = "content_filter"


def inject_detections(raw: bytes, detections: dict[str, Any] | str) -> bytes:
    """Append the detections key to the host's JSON object without re-serialising what it wrote.

    ``detections`` is the object, or its JSON already.
    """
    encoded = detections if isinstance(detections, str) else _DUMPS(detections)
    end = raw.rstrip()
    inner = end[:-1].rstrip()
    separator = b"" if inner.endswith(b"{") else b","
    return b'%b%b"%b":%b}' % (inner, separator, DETECTIONS_KEY.encode(), encoded.encode())


def _sides_json(sides: Mapping[str, Verdict]) -> str:
    """The JSON of ``{side: verdict.detections}``, each side written by :meth:`Verdict.encode`."""
    return "{" + ",".join(f"{_DUMPS(name)}:{verdict.encode()}" for name, verdict in sides.items()) + "}"


def finish_response(
    job: ResponseJob, outcomes: Sequence[Outcome] | None, latency_ms: float
) -> tuple[int | None, bytes, Verdict | None]:
    """Status (None: keep the app's), body and output verdict of the guarded response.

    ``outcomes`` is None when the output side is off.
    """
    plan, body = job.plan, job.body
    deployment = plan.deployment
    sides: dict[str, Verdict] = {}
    if job.admission.verdict is not None:
        sides["input_guardrails"] = job.admission.verdict
    changed = job.changed
    verdict = None
    if deployment.output is not None and outcomes is not None:
        verdict = evaluate(deployment.output, job.texts, outcomes, latency_ms, withhold_when_blocked=True)
        sides["output_guardrails"] = verdict
    detections = {name: side.detections for name, side in sides.items()}
    if verdict is not None:
        if verdict.blocked:
            message = verdict.detections["result_message"]
            if deployment.output_block_mode == "error":
                envelope = block_envelope("output_guardrails_blocked", message, detections)
                return deployment.block_status, envelope, verdict
            choices = body["choices"]
            for position in sorted(verdict.blocked_choices):
                if 0 <= position < len(choices) and isinstance(choices[position], dict):
                    _replace_choice(choices[position], message)
            changed = True
    if changed or DETECTIONS_KEY in body:
        body[DETECTIONS_KEY] = detections
        return None, _DUMPS(body).encode(), verdict
    return None, inject_detections(job.raw, _sides_json(sides)), verdict
