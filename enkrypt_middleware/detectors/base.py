"""The detector protocol and the typed results detectors return.

A detector is any object with a ``name`` and a ``detect(text)`` method, sync or async, that
returns a :class:`Finding`. No base class is required::

    class ShoutDetector:
        name = "shouting"

        def detect(self, text: str) -> Finding:
            ratio = sum(c.isupper() for c in text) / max(len(text), 1)
            return Finding(detected=ratio > 0.8, score=ratio)

A detector is called once per scanned text (one message, one content part, one tool-call
argument string, one response choice). How the findings of several texts become the Enkrypt
``summary``/``details`` of one side is the job of :meth:`Reporter.report`; detectors without a
``report`` method get :func:`default_report`.

Optional attributes a detector may have:

``inline`` (bool)
    ``True`` for sync detectors that are fast and never block (regexes over a request): they
    run directly on the event loop. Sync detectors without it run in a worker thread.
``compliance_mapping`` (mapping)
    Frameworks this detector maps to; shown in ``details`` when it fires.
``needs_context`` (bool)
    ``True`` for a :class:`ContextDetector`: it is called as ``detect(text, context)`` with the
    request's :class:`ScanContext` (system prompt, ``enkrypt_context``, question, side). Decided once,
    when the configuration is compiled; detectors without it are called as ``detect(text)``. Give
    ``context`` a default (``context: ScanContext = NO_CONTEXT``) so that the detector is also a
    :class:`Detector`.
``whole_answer`` (bool)
    ``True`` for a detector that can only judge a complete answer (relevancy, adherence,
    hallucination): when it blocks, guard-mode streaming holds each choice until it ends.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

__all__ = [
    "NO_CONTEXT",
    "ContextDetector",
    "Detector",
    "Finding",
    "Located",
    "Report",
    "Reporter",
    "ScanContext",
    "Span",
    "compact_json",
    "default_report",
    "json_string",
]

compact_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""How the detections go on the wire: compact JSON, non-ASCII characters as they are."""


def json_string(text: str) -> str:
    """``compact_json(text)`` for a string, four times faster on a long one (a redacted prompt).

    pydantic-core's serializer escapes exactly the characters ``json`` escapes, the same way (checked
    over every code point); a lone surrogate, which it refuses, goes through ``json`` instead.
    """
    try:
        return to_json(text).decode()
    except ValueError:
        return compact_json(text)


class Span(BaseModel):
    """A matched region of the scanned text, by offsets (never a copy of the value)."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0, description="Offset of the first character (Python str index).")
    end: int = Field(ge=0, description="Offset one past the last character.")
    label: str = Field(description="What was found, e.g. EMAIL_ADDRESS, AWS_ACCESS_KEY, or the keyword.")
    group: str = Field(default="", description="Enkrypt entity group: pii, secrets, ip_address, url.")


class Finding(BaseModel):
    """What one detector found in one text."""

    model_config = ConfigDict(frozen=True)

    detected: bool = Field(description="Whether this text trips the detector (threshold already applied).")
    score: float = Field(default=0.0, ge=0.0, le=1.0, description="Confidence or severity in [0, 1].")
    spans: tuple[Span, ...] = Field(default=(), description="Matched regions, sorted by start.")
    details: Mapping[str, Any] = Field(
        default_factory=dict, description="Detector-specific, JSON-ready details for this text."
    )


@dataclass(frozen=True, slots=True)
class Located:
    """A finding together with the text it was found in and where that text sits in the payload.

    ``path`` is e.g. ``messages[2].content[0].text`` or ``choices[0].message.content``. (A plain
    dataclass: one is made per detector per text on every request, and it holds nothing to validate.)
    """

    path: str
    text: str
    finding: Finding


@dataclass(frozen=True, slots=True)
class Report:
    """One detector's contribution to one side: ``summary`` keys and the value of ``details[<name>]``."""

    detected: bool
    summary: Mapping[str, Any]
    details: Any
    details_json: str | None = None
    """``compact_json(details)``, when the reporter has it without encoding ``details`` (a clean result
    whose details are the same every time, but for a text): the engine then writes it as it is instead
    of encoding ``details`` again. Leave it None unless it is exactly that."""


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What a context-aware detector may judge a text against, built once per request and side.

    ``system_prompt`` is the request's system and developer messages joined by newlines;
    ``context`` is the request's ``enkrypt_context``; ``question`` is the last user message (the
    prompt of a legacy completion); ``side`` is the side being scanned. Absent parts are None.
    """

    system_prompt: str | None = None
    context: str | None = None
    question: str | None = None
    side: Literal["input", "output"] | None = None


#: The context of a text scanned on its own (no request around it).
NO_CONTEXT = ScanContext()


@runtime_checkable
class Detector(Protocol):
    """Anything with a name and a ``detect`` method (sync or async)."""

    name: str

    def detect(self, text: str) -> Finding | Awaitable[Finding]: ...


@runtime_checkable
class ContextDetector(Protocol):
    """A detector that needs more than the text: declares ``needs_context = True``."""

    name: str
    needs_context: bool

    def detect(self, text: str, context: ScanContext) -> Finding | Awaitable[Finding]: ...


@runtime_checkable
class Reporter(Protocol):
    """A detector that shapes its own Enkrypt summary and details from all its findings."""

    def report(self, findings: Sequence[Located]) -> Report: ...


def default_report(name: str, findings: Sequence[Located]) -> Report:
    """summary ``{name: 0|1}``; details: the highest score and the details of the strongest hit."""
    detected = any(item.finding.detected for item in findings)
    strongest = max(findings, key=lambda item: (item.finding.detected, item.finding.score), default=None)
    details: dict[str, Any] = {"score": strongest.finding.score if strongest else 0.0}
    if strongest is not None:
        details.update(strongest.finding.details)
    return Report(detected=detected, summary={name: int(detected)}, details=details)
