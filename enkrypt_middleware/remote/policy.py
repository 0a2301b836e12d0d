"""Policies evaluated by the Enkrypt Guardrails API, as the runner sees them: detector groups.

A policy with ``backend = "enkrypt"`` becomes one :class:`EnkryptGroup` per side that uses it. The
runner calls the group once per side and request with every scanned text that the cache did not
answer (one ``/detect`` or ``/batch/detect`` call, never one per message), then spreads the answer
over the group's entries, one per detector, so that ``block`` lists, ``on_error``, ``threshold``,
``block_message``, the fixed report order and the detections object work exactly as for local
detectors. With a saved policy or guardrail (``enkrypt_policy`` / ``enkrypt_guardrail``) Enkrypt
decides which detectors run: the group then makes an entry for each name on first sight, and a
failed call is reported under the group's own name (``enkrypt_policy`` / ``enkrypt_guardrail``).

:class:`EnkryptPIIGroup` is ``pii`` answered by ``/guardrails/pii`` instead of local patterns
(``additional_config.pii_redaction_backend = "enkrypt"``): Enkrypt's anonymised text is aligned with
the original to recover where each value was, so that redaction, per-request numbering and the
restoration of answers (streams included) stay the middleware's own.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from hashlib import blake2b
from typing import Any, Literal

import anyio

from enkrypt_middleware._config import OUTPUT_ONLY, DetectorEntry
from enkrypt_middleware._runner import GroupError
from enkrypt_middleware.detectors import DETECTOR_ORDER
from enkrypt_middleware.detectors._common import DetectorConfig
from enkrypt_middleware.detectors.base import Finding, Located, Report, Span
from enkrypt_middleware.detectors.pii import PIIDetector

from ._http import RemoteError
from ._placeholders import placeholder_spans
from ._results import RemoteResult
from .enkrypt import EnkryptClient

__all__ = ["REMOTE_DETECTORS", "EnkryptGroup", "EnkryptPIIGroup", "remote_report"]

#: The detectors Enkrypt's detect endpoints evaluate (reference §2): all but the grounding checks, which have
#: their own endpoints and run locally.
REMOTE_DETECTORS = tuple(name for name in DETECTOR_ORDER if name not in OUTPUT_ONLY)

#: Our own options: kept here, never sent to Enkrypt.
LOCAL_OPTIONS = frozenset(DetectorConfig.model_fields)

_ABSENT = Finding(detected=False)


def remote_report(name: str, findings: Sequence[Located]) -> Report:
    """Enkrypt's own summary and details for ``name``, from the text it fired on (else the first text)."""
    chosen = next((item for item in findings if item.finding.detected), findings[0] if findings else None)
    detected = chosen is not None and chosen.finding.detected
    if chosen is None or not chosen.finding.details:
        return Report(detected=detected, summary={}, details={})
    answer = chosen.finding.details
    return Report(detected=detected, summary=dict(answer["summary"]), details=answer["details"])


class _RemoteView:
    """The detector object behind one entry of a group (what ``check`` and ``scan`` see)."""

    def __init__(self, name: str, group: EnkryptGroup | EnkryptPIIGroup) -> None:
        self.name = name
        self._group = group

    async def detect(self, text: str) -> Finding:
        answers = await self._group.answer([text])
        return answers[0].get(self.name, _ABSENT)


class EnkryptGroup:
    """One remote policy on one side: the ``DetectorGroup`` the runner calls."""

    def __init__(
        self,
        client: EnkryptClient,
        *,
        side: Literal["input", "output"],
        payload: Mapping[str, Mapping[str, Any]],
        options: Mapping[str, DetectorConfig],
        saved: tuple[Literal["policy", "guardrail"], str] | None,
        block: Sequence[str],
        default_message: str,
    ) -> None:
        self.client = client
        self.side = side
        self.payload = {name: dict(value) for name, value in payload.items()}
        self.options = dict(options)
        self.saved = saved
        self.block = frozenset(block)
        self.default_message = default_message
        settings = client.settings
        self.timeout_ms = settings.budget_ms
        identity = json.dumps([settings.base_url, side, saved, self.payload], sort_keys=True, default=str)
        self.fingerprint = blake2b(identity.encode(), digest_size=16).digest()
        self._entries: dict[str, DetectorEntry] = {}

    @property
    def stand_in(self) -> str:
        """The name failures of a saved policy or guardrail are reported under."""
        return f"enkrypt_{self.saved[0]}" if self.saved else "enkrypt"

    def entries(self, cacheable: bool) -> tuple[DetectorEntry, ...]:
        """The entries a side lists: one per configured detector, or the stand-in of a saved policy."""
        if self.saved is None:
            return tuple(self._make(name, cacheable) for name in self.payload)
        options = DetectorConfig(timeout_ms=self.timeout_ms, on_error=self.client.settings.on_error)
        stand_in = self._make(self.stand_in, cacheable, options=options, member=False)
        return (stand_in,)

    def _make(
        self, name: str, cacheable: bool, *, options: DetectorConfig | None = None, member: bool = True
    ) -> DetectorEntry:
        options = options or self.options.get(name) or DetectorConfig()
        entry = DetectorEntry(
            name=name,
            detector=_RemoteView(name, self),
            options=options,
            blocks=name in self.block if member else bool(self.block),
            block_message=options.block_message or self.default_message.format(name=name),
            mode="async",
            report=partial(remote_report, name),
            fingerprint=self.fingerprint,
            cacheable=cacheable,
            group=self,
            group_member=member,
        )
        self._entries[name] = entry
        return entry

    def entry(self, name: str) -> DetectorEntry:
        known = self._entries.get(name)
        if known is not None:
            return known
        stand_in = self._entries.get(self.stand_in)
        return self._make(name, stand_in.cacheable if stand_in else False)

    async def answer(self, texts: Sequence[str]) -> list[Mapping[str, Finding]]:
        try:
            results = await self.client.detect(
                texts, self.payload, side=self.side, budget_s=self.timeout_ms / 1000, saved=self.saved
            )
        except RemoteError as exc:
            raise GroupError(str(exc)) from None
        return [self._findings(result) for result in results]

    def answer_sync(self, texts: Sequence[str]) -> list[Mapping[str, Finding]]:
        try:
            results = self.client.detect_sync(
                texts, self.payload, side=self.side, budget_s=self.timeout_ms / 1000, saved=self.saved
            )
        except RemoteError as exc:
            raise GroupError(str(exc)) from None
        return [self._findings(result) for result in results]

    def _findings(self, result: RemoteResult) -> dict[str, Finding]:
        """Per detector: detected (our ``threshold`` on Enkrypt's score when one is set), score, and Enkrypt's
        own summary and details, kept for ``remote_report``."""
        findings: dict[str, Finding] = {}
        for name, verdict in result.detectors().items():
            options = self.options.get(name)
            threshold = options.threshold if options is not None else None
            detected = verdict.detected if threshold is None else verdict.score >= threshold
            answer = {"summary": verdict.summary, "details": verdict.details}
            findings[name] = Finding(detected=detected, score=min(max(verdict.score, 0.0), 1.0), details=answer)
        return findings


class EnkryptPIIGroup:
    """``pii`` answered by ``/guardrails/pii``: Enkrypt finds the values, the middleware redacts and restores.

    The API anonymises one text per call, so the texts of a side are sent concurrently (one after the
    other on the WSGI path). A call that fails, or an anonymised text that cannot be aligned with the
    original, falls back to the local patterns for that text, because redaction must not silently stop;
    ``details.pii.remote_error`` says why.
    """

    def __init__(
        self, client: EnkryptClient, local: PIIDetector, options: DetectorConfig, *, blocks: bool, cacheable: bool
    ) -> None:
        self.client = client
        self.local = local
        self.timeout_ms = client.settings.budget_ms
        identity = json.dumps(["pii", client.settings.base_url, local.entities])
        self.fingerprint = blake2b(identity.encode(), digest_size=16).digest()
        self._entry = DetectorEntry(
            name="pii",
            detector=_RemoteView("pii", self),
            options=options,
            blocks=blocks,
            block_message=options.block_message or local.block_message,
            mode="async",
            report=self.report,
            fingerprint=self.fingerprint,
            cacheable=cacheable,
            group=self,
        )

    def entry(self, name: str = "pii") -> DetectorEntry:
        """The one entry of this group, whatever the name."""
        return self._entry

    async def answer(self, texts: Sequence[str]) -> list[Mapping[str, Finding]]:
        found: list[Finding] = [_ABSENT] * len(texts)

        async def one(index: int) -> None:
            found[index] = await self._detect(texts[index])

        async with anyio.create_task_group() as tasks:
            for index in range(len(texts)):
                tasks.start_soon(one, index)
        return [{"pii": finding} for finding in found]

    def answer_sync(self, texts: Sequence[str]) -> list[Mapping[str, Finding]]:
        return [{"pii": self._detect_sync(text)} for text in texts]

    async def _detect(self, text: str) -> Finding:
        try:
            anonymised, _key = await self.client.redact(text, budget_s=self.timeout_ms / 1000)
        except RemoteError as exc:
            return self._fallback(text, str(exc))
        return self._aligned(text, anonymised)

    def _detect_sync(self, text: str) -> Finding:
        try:
            anonymised, _key = self.client.redact_sync(text, budget_s=self.timeout_ms / 1000)
        except RemoteError as exc:
            return self._fallback(text, str(exc))
        return self._aligned(text, anonymised)

    def _aligned(self, text: str, anonymised: str) -> Finding:
        spans = placeholder_spans(text, anonymised)
        if spans is None:
            return self._fallback(text, "malformed: the anonymised text does not align with the original")
        found = tuple(Span(start=start, end=end, label=_label(name), group=_group(name)) for start, end, name in spans)
        return Finding(detected=bool(found), score=1.0 if found else 0.0, spans=found)

    def _fallback(self, text: str, reason: str) -> Finding:
        local = self.local.detect(text)
        return Finding(detected=local.detected, score=local.score, spans=local.spans, details={"remote_error": reason})

    def report(self, findings: Sequence[Located]) -> Report:
        """The local ``pii`` report (Enkrypt's placeholder -> value maps), plus why a fallback happened."""
        report = self.local.report(findings)
        errors = sorted({str(item.finding.details["remote_error"]) for item in findings if item.finding.details})
        if errors:
            return Report(report.detected, report.summary, {**report.details, "remote_error": errors[0]})
        return report


def _label(placeholder: str) -> str:
    return placeholder[1:-1].rpartition("_")[0]


_GROUPS = {"IP_ADDRESS": "ip_address", "URL": "url"}


def _group(placeholder: str) -> str:
    return _GROUPS.get(_label(placeholder), "pii")
