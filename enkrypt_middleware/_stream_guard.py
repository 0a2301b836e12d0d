"""Pure guarding of a streamed completion (``text/event-stream``), in audit or guard mode.

No I/O here. A :class:`StreamGuard` is fed the host's body bytes and gives back the bytes to send.
When it needs detectors run it *yields* a :class:`ScanRequest` from a generator and waits to be sent
the outcomes, so the ASGI adapter (awaiting the runner) and the WSGI adapter (calling it) drive the
same code::

    def drive(steps):                      # one generator per feed()/close()
        try:
            request = next(steps)
            while True:
                request = steps.send(run(request))
        except StopIteration as done:
            return done.value                # the bytes to send now

audit
    Every event is forwarded the moment it is complete (rewritten only to restore PII placeholders);
    the texts are accumulated; at the end the output side runs once and a detections chunk goes out
    before ``data: [DONE]``.
guard
    Text is released per choice only once the blocking output detectors have cleared it. The last
    ``window`` characters of each choice are held back, and each scan also covers ``overlap``
    characters before the release point, so a value split across chunks is seen whole before any of
    it is released (values longer than ``window`` may have their start released). Refusals and
    tool-call arguments are held until their choice finishes. A block ends that choice with the
    block message and ``finish_reason: content_filter``; the other choices go on. Token
    ``logprobs`` are dropped in guard mode, since they would spell out held text.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from ._config import Side
from ._engine import DETECTIONS_KEY, Outcome, Scanned, Verdict, evaluate, loads, withhold
from ._streaming import ChoiceAccumulator, SSEDecoder, SSEEvent, detections_chunk, encode_event
from .detectors.base import ScanContext, compact_json

__all__ = ["ScanRequest", "StreamGuard", "Steps"]

_DUMPS = compact_json
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]{0,40}_[0-9]{1,6}>")
#: A trailing fragment that may still grow into a placeholder: held until the next delta.
_PARTIAL = re.compile(r"<[A-Z0-9_]{0,48}$")


@dataclass(frozen=True, slots=True)
class ScanRequest:
    """Run ``side`` over ``texts`` (with ``context``) and send back ``(outcomes, latency_ms)``."""

    side: Side
    texts: list[Scanned]
    context: ScanContext | None = None


Steps = Generator[ScanRequest, tuple[list[Outcome], float], bytes]


class _Restorer:
    """Restores placeholders in one choice's deltas, holding back a placeholder split across deltas."""

    __slots__ = ("carry", "placeholders")

    def __init__(self, placeholders: dict[str, str]) -> None:
        self.placeholders = placeholders
        self.carry = ""

    def __call__(self, piece: str, *, final: bool = False) -> str:
        text = self.carry + piece
        self.carry = ""
        if not final:
            partial = _PARTIAL.search(text, max(0, len(text) - 50))
            if partial is not None:
                self.carry = text[partial.start() :]
                text = text[: partial.start()]
        if "<" not in text:
            return text
        return _PLACEHOLDER.sub(lambda m: self.placeholders.get(m.group(), m.group()), text)


@dataclass(slots=True)
class _Choice:
    """Guard-mode state of one choice."""

    index: int
    text: list[str] = field(default_factory=list)
    length: int = 0
    released: int = 0
    refusal: list[str] = field(default_factory=list)
    role_sent: bool = False
    finish_reason: str | None = None
    blocked: bool = False
    done: bool = False
    joined: str = ""

    def full(self) -> str:
        if len(self.text) > 1:
            self.text = ["".join(self.text)]
        return self.text[0] if self.text else ""


class StreamGuard:
    """Guards one streamed response. See the module docstring."""

    def __init__(
        self,
        *,
        output: Side | None,
        blocking: Side | None,
        input_verdict: Verdict | None,
        placeholders: dict[str, str],
        mode: str,
        window: int,
        overlap: int,
        expected_choices: int,
        fallback_id: str,
        fallback_created: int,
        context: ScanContext | None = None,
    ) -> None:
        self.output = output
        self.context = context
        self.blocking = blocking if mode == "guard" else None
        self.input_verdict = input_verdict
        self.placeholders = placeholders
        self.window = window
        self.overlap = overlap
        self.expected = max(1, expected_choices)
        self.fallback_id = fallback_id
        self.fallback_created = fallback_created
        self.decoder = SSEDecoder()
        self.accumulator = ChoiceAccumulator()
        self.restorers: dict[tuple[int, int], _Restorer] = {}
        self.choices: dict[int, _Choice] = {}
        self.template: dict[str, Any] = {}
        self.blocked_by: list[str] = []
        self.block_message: str | None = None
        self.saw_chunk = False
        self.finished = False
        """True once every expected choice has been blocked: the host's stream can be closed."""
        self.output_detections: dict[str, Any] | None = None
        """The output side's detections, once ``close`` has run."""

    # --- entry points -----------------------------------------------------------------------------

    @property
    def audit(self) -> bool:
        """Audit mode: no scan before the end, so ``relay`` may stand in for ``feed``."""
        return self.blocking is None

    def feed(self, data: bytes) -> Steps:
        out: list[bytes] = []
        for event in self.decoder.feed(data):
            yield from self._event(event, out)
        return b"".join(out)

    def relay(self, data: bytes) -> bytes:
        """``feed`` in audit mode, without steps to drive: the bytes to send now.

        Audit mode asks for no scan until ``close``, and this runs once per host chunk, so it spares the
        adapters a generator (and its ``StopIteration``) per chunk.
        """
        if not self.audit:
            raise RuntimeError("relay() is for audit mode; drive feed() in guard mode")
        out: list[bytes] = []
        for event in self.decoder.feed(data):
            chunk = self._read(event)
            out.append(chunk if isinstance(chunk, bytes) else self._audit(chunk, event))
        return b"".join(out)

    def close(self) -> Steps:
        """The host's stream ended (or was cut short): flush, scan, detections chunk, ``[DONE]``."""
        out: list[bytes] = []
        for event in self.decoder.close():
            yield from self._event(event, out)
        if self.blocking is not None:
            pending = [c for c in self.choices.values() if not c.blocked and not c.done]
            if pending:
                yield from self._scan_and_release(pending, out, final=True)
        if self.saw_chunk:
            detections = yield from self._detections()
            chunk = detections_chunk(
                self.accumulator, detections, fallback_id=self.fallback_id, fallback_created=self.fallback_created
            )
            out.append(encode_event(_DUMPS(chunk), newline=self.decoder.newline))
        out.append(encode_event("[DONE]", newline=self.decoder.newline))
        return b"".join(out)

    # --- events -----------------------------------------------------------------------------------

    def _read(self, event: SSEEvent) -> dict[str, Any] | bytes:
        """The chunk an event carries (accumulated), or else the bytes to send for the event as it is.

        Events without data and data that is not a JSON object go on untouched; ``[DONE]`` gives b"", as
        ``close`` sends it after the detections chunk.
        """
        data = event.data
        if data is None:
            return event.raw
        if data.strip() == "[DONE]":
            return b""
        try:
            chunk = loads(data)
        except ValueError:
            chunk = None
        if not isinstance(chunk, dict):
            return event.raw
        self.saw_chunk = True
        self.accumulator.add(chunk)
        return chunk

    def _event(self, event: SSEEvent, out: list[bytes]) -> Steps:
        chunk = self._read(event)
        if isinstance(chunk, bytes):
            out.append(chunk)
        elif self.blocking is None:
            out.append(self._audit(chunk, event))
        else:
            yield from self._guard(chunk, event, out)
        return b""

    def _restorer(self, index: int, tool: int = -1) -> _Restorer:
        """The restorer of one choice's text (``tool`` -1) or of one of its tool calls' arguments."""
        restorer = self.restorers.get((index, tool))
        if restorer is None:
            restorer = self.restorers[(index, tool)] = _Restorer(self.placeholders)
        return restorer

    def _audit(self, chunk: dict[str, Any], event: SSEEvent) -> bytes:
        if not self.placeholders:
            return event.raw
        changed = False
        for position, choice in enumerate(chunk.get("choices") or ()):
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            holder, key = (delta, "content") if isinstance(delta, dict) else (choice, "text")
            piece = holder.get(key)
            final = choice.get("finish_reason") is not None
            index = choice.get("index", position)
            for call in holder.get("tool_calls") or () if holder is delta else ():
                function = call.get("function") if isinstance(call, dict) else None
                if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                    arguments = function["arguments"]
                    function["arguments"] = self._restorer(index, call.get("index", 0))(arguments, final=final)
                    changed = changed or function["arguments"] != arguments
            if final and holder is delta:
                changed = self._flush_tool_carries(index, delta) or changed
            original = piece if isinstance(piece, str) else ""
            restored = self._restorer(index)(original, final=final)
            if restored != original:
                holder[key] = restored
                changed = True
        if not changed:
            return event.raw
        return encode_event(_DUMPS(chunk), event=event.event, id=event.id, newline=self.decoder.newline)

    # --- guard mode -------------------------------------------------------------------------------

    def _guard(self, chunk: dict[str, Any], event: SSEEvent, out: list[bytes]) -> Steps:
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices:
            out.append(event.raw)  # usage chunk and the like
            return b""
        if not self.template:
            self.template = {k: v for k, v in chunk.items() if k not in ("choices", "usage", DETECTIONS_KEY)}
        touched: list[_Choice] = []
        for position, raw_choice in enumerate(choices):
            if not isinstance(raw_choice, dict):
                continue
            index = raw_choice.get("index", position)
            if not isinstance(index, int):
                index = position
            state = self.choices.get(index)
            if state is None:
                state = self.choices[index] = _Choice(index)
            if state.blocked or state.done:
                continue
            delta = raw_choice.get("delta")
            if isinstance(delta, dict):
                piece = delta.get("content")
                refusal = delta.get("refusal")
                if isinstance(refusal, str) and refusal:
                    state.refusal.append(refusal)
            else:
                piece = raw_choice.get("text")
            finish = raw_choice.get("finish_reason")
            if (isinstance(piece, str) and piece) or finish is not None:
                restored = self._restorer(index)(piece if isinstance(piece, str) else "", final=finish is not None)
                if restored:
                    state.text.append(restored)
                    state.length += len(restored)
            if isinstance(finish, str):
                state.finish_reason = finish
            touched.append(state)
        due = [c for c in touched if c.finish_reason is not None or c.length - c.released > self.window + self.overlap]
        if due:
            yield from self._scan_and_release(due, out, final=False)
        return b""

    def _scan_and_release(self, due: list[_Choice], out: list[bytes], *, final: bool) -> Steps:
        blocking = self.blocking
        if blocking is None:
            return b""
        texts: list[Scanned] = []
        for state in due:
            whole = state.full()
            start = max(0, state.released - self.overlap)
            segment = whole[start:]
            if segment:
                texts.append(Scanned(f"choices[{state.index}].content", segment, None, "content", state.index))
            if state.finish_reason is not None or final:
                if state.refusal:
                    refusal = "".join(state.refusal)
                    texts.append(Scanned(f"choices[{state.index}].refusal", refusal, None, "refusal", state.index))
                for path, text in self.accumulator.texts():
                    if path.startswith(f"choices[{state.index}].tool_calls["):
                        texts.append(Scanned(path, text, None, "arguments", state.index))
        blocked: set[int] = set()
        if texts and blocking.detectors:
            outcomes, latency = yield ScanRequest(blocking, texts, self.context)
            verdict = evaluate(blocking, texts, outcomes, latency)
            if verdict.blocked:
                blocked = verdict.blocked_choices
                self.block_message = self.block_message or verdict.detections["result_message"]
                for name in verdict.detections["blocked_by"]:
                    if name not in self.blocked_by:
                        self.blocked_by.append(name)
        for state in due:
            if state.index in blocked:
                state.blocked = True
                out.append(self._chunk(state, {"content": self.block_message}, "content_filter"))
                continue
            ending = state.finish_reason is not None or final
            whole = state.full()
            upto = state.length if ending else state.length - self.window
            if upto > state.released:
                out.append(self._chunk(state, {"content": whole[state.released : upto]}, None))
                state.released = upto
            if ending:
                delta: dict[str, Any] = {}
                if state.refusal:
                    delta["refusal"] = "".join(state.refusal)
                calls = self.accumulator.choices().get(state.index)
                if calls is not None and calls.tool_calls:
                    delta["tool_calls"] = [
                        {
                            "index": i,
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": self._restore_whole(call.arguments)},
                        }
                        for i, call in calls.tool_calls.items()
                    ]
                out.append(self._chunk(state, delta, state.finish_reason or "stop"))
                state.done = True
        if all(self.choices[i].blocked if i in self.choices else False for i in range(self.expected)):
            self.finished = True
        return b""

    def _flush_tool_carries(self, index: int, delta: dict[str, Any]) -> bool:
        """At a choice's end, send tool-call argument text still held as a possible placeholder."""
        flushed = False
        for (choice, tool), restorer in self.restorers.items():
            if choice == index and tool >= 0 and restorer.carry:
                rest = restorer("", final=True)
                calls = delta.setdefault("tool_calls", [])
                calls.append({"index": tool, "function": {"arguments": rest}})
                flushed = True
        return flushed

    def _restore_whole(self, text: str) -> str:
        return _Restorer(self.placeholders)(text, final=True) if self.placeholders else text

    def _chunk(self, state: _Choice, delta: dict[str, Any], finish: str | None) -> bytes:
        if not state.role_sent:
            delta = {"role": "assistant", **delta}
            state.role_sent = True
        choice = {"index": state.index, "delta": delta, "finish_reason": finish}
        if self.accumulator.meta.object == "text_completion":
            choice = {"index": state.index, "text": delta.get("content") or "", "finish_reason": finish}
        return encode_event(_DUMPS({**self.template, "choices": [choice]}), newline=self.decoder.newline)

    # --- the final verdict ------------------------------------------------------------------------

    def _detections(self) -> Generator[ScanRequest, tuple[list[Outcome], float], dict[str, Any]]:
        detections: dict[str, Any] = {}
        if self.input_verdict is not None:
            detections["input_guardrails"] = self.input_verdict.detections
        if self.output is None:
            return detections
        restore = _Restorer(self.placeholders)
        texts = [
            Scanned(path, restore(text, final=True) if self.placeholders else text, None, "text", -1)
            for path, text in self.accumulator.texts()
        ]
        outcomes, latency = yield ScanRequest(self.output, texts, self.context)
        guarding = self.blocking is not None
        side = evaluate(self.output, texts, outcomes, latency, withhold_when_blocked=guarding).detections
        if not guarding:
            # audit mode: everything was already sent, so nothing was blocked, whatever fired
            side.update(blocked=False, blocked_by=[], result_message=None)
        elif self.blocked_by:
            # what the guard blocked mid-stream stands even if the final pass did not repeat it
            if not side["blocked"]:
                side["details"] = withhold(side["details"])
                side["result_message"] = self.block_message
            side["blocked"] = True
            side["blocked_by"] = [*side["blocked_by"], *(n for n in self.blocked_by if n not in side["blocked_by"])]
        detections["output_guardrails"] = self.output_detections = side
        return detections
