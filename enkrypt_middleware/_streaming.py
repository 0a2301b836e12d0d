"""Pure streaming core: an incremental SSE decoder and encoder, and a per-choice accumulator.

No I/O and no event loop here: the ASGI and WSGI adapters feed bytes in and get values out.

::

    decoder = SSEDecoder()
    accumulator = ChoiceAccumulator()
    for chunk in host_body:
        for event in decoder.feed(chunk):
            forward(event.raw)  # audit mode: byte-for-byte, the moment the event is complete
            if event.data is not None and event.data != "[DONE]":
                accumulator.add(json.loads(event.data))
    for event in decoder.close():  # a host stream that ended without its final blank line
        ...
    final = detections_chunk(accumulator, detections, fallback_id="chatcmpl-enkrypt-...")
    forward(encode_event(json.dumps(final), newline=decoder.newline))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "AccumulatedChoice",
    "AccumulatedToolCall",
    "ChoiceAccumulator",
    "SSEDecoder",
    "SSEEvent",
    "StreamMeta",
    "detections_chunk",
    "encode_event",
]

_BOM = b"\xef\xbb\xbf"
_LF = 0x0A
_CR = 0x0D
_NEWLINES = (b"\n", b"\r\n", b"\r")


@dataclass(frozen=True, slots=True)
class SSEEvent:
    """One server-sent event, as the host framed it.

    ``data`` is the ``data:`` lines joined with ``"\\n"``, or None when the block had no data field (a
    comment-only keep-alive such as ``": ping\\n\\n"``). ``id`` is the id field of this block, not the
    stream's last event id. ``comments`` hold the text after ``":"`` with one leading space removed.
    ``raw`` is every byte of the block as received, including its terminating blank line and any stray blank
    lines before it, so that ``b"".join(event.raw ...)`` over a whole stream reproduces the stream exactly.
    """

    data: str | None
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    comments: tuple[str, ...] = ()
    raw: bytes = b""


class SSEDecoder:
    """Incremental decoder of a ``text/event-stream`` body (WHATWG HTML, "Event stream interpretation").

    ``feed`` returns the events that the chunk completed; ``close`` flushes an event that the stream ended
    without a blank line after. Lines end with ``\\r\\n``, ``\\n`` or ``\\r``; a line is decoded only once it
    is complete, so a UTF-8 character split across chunks is handled. A block that ends in a bare ``\\r`` at
    the end of a chunk is released when the next byte shows whether a ``\\n`` belongs to it (or by ``close``),
    so that ``raw`` does not depend on where the host's chunks were cut.

    ``newline`` is the line ending of the blank line that ended the most recent event (``b"\\n"`` until one
    has been seen); pass it to ``encode_event`` to frame injected events like the host's own.
    """

    __slots__ = (
        "_after_cr",
        "_bom_pending",
        "_buf",
        "_comments",
        "_data",
        "_event",
        "_has_fields",
        "_held",
        "_id",
        "_pos",
        "_retry",
        "newline",
    )

    def __init__(self) -> None:
        self.newline: bytes = b"\n"
        self._reset()

    def _reset(self) -> None:
        # _buf holds the bytes of the event being read, from its first byte; _pos is where its first
        # incomplete line starts (everything before it has been parsed into the fields below).
        self._buf = bytearray()
        self._pos = 0
        self._bom_pending = True
        # The last parsed line ended in "\r" at the end of _buf: a "\n" that comes next belongs to it.
        self._after_cr = False
        # That line was the blank line ending an event: dispatch once the next byte (or close) decides.
        self._held = False
        self._has_fields = False
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None
        self._comments: list[str] = []

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        """Take the next chunk of the body; return the events it completed, in order."""
        if not chunk:
            return []
        if (
            not self._buf
            and not self._bom_pending
            and not self._after_cr
            and chunk.startswith(b"data: ")
            and chunk.find(b"\n") == len(chunk) - 2
            and chunk.endswith(b"\n\n")
            and b"\r" not in chunk
        ):  # the common case: one whole single-line data event per chunk
            self.newline = b"\n"
            return [SSEEvent(data=chunk[6:-2].decode("utf-8", "replace"), raw=chunk)]
        buf = self._buf
        pos = self._pos
        data: bytes | bytearray
        if buf:
            buf += chunk
            data = buf
        else:
            data = chunk  # the common case, a chunk starting a new event: no copy
        if self._bom_pending:
            if len(data) < 3 and _BOM.startswith(data):
                if data is chunk:
                    buf += chunk
                return []
            self._bom_pending = False
            if data[:3] == _BOM:
                pos = 3  # skipped while parsing, kept in the event's raw bytes

        events: list[SSEEvent] = []
        start = 0  # where the raw bytes of the next event start in data
        if self._after_cr:
            self._after_cr = False
            if data[pos] == _LF:
                pos += 1
                newline = b"\r\n"
            else:
                newline = b"\r"
            if self._held:
                self._held = False
                events.append(self._dispatch(bytes(data[:pos]), newline))
                start = pos

        if b"\n" in chunk or b"\r" in chunk:
            end = len(data)
            for line in data[pos:].splitlines(True):
                n = len(line)
                last = line[-1]
                if last == _LF:
                    if n > 1 and line[-2] == _CR:
                        body = n - 2
                        newline = b"\r\n"
                    else:
                        body = n - 1
                        newline = b"\n"
                elif last == _CR:
                    body = n - 1
                    newline = b"\r"
                    if pos + n == end:
                        self._after_cr = True
                else:
                    break  # the last line is not complete yet
                pos += n
                if body:
                    self._line(line[:body])
                elif self._has_fields:
                    if self._after_cr:
                        self._held = True
                    else:
                        events.append(self._dispatch(bytes(data[start:pos]), newline))
                        start = pos
                # else: a stray blank line; its bytes go into the raw of the next event

        self._pos = pos - start
        if data is buf:
            if start:
                del buf[:start]
        elif start < len(data):
            buf += memoryview(data)[start:]
        return events

    def close(self) -> list[SSEEvent]:
        """End of the body: return the event left without a final blank line, if any, and reset."""
        buf = self._buf
        events: list[SSEEvent] = []
        if self._held:
            events.append(self._dispatch(bytes(buf), b"\r"))
        elif buf:
            rest = buf[self._pos :]
            if rest:
                self._line(rest)
            if self._has_fields:
                events.append(self._dispatch(bytes(buf), self.newline))
            else:
                # Only stray blank lines were left: still hand their bytes over, for exact forwarding.
                events.append(SSEEvent(data=None, raw=bytes(buf)))
        self._reset()
        return events

    def _line(self, line: bytes | bytearray) -> None:
        self._has_fields = True
        colon = line.find(b":")
        if colon == 0:
            value = line[2:] if line[1:2] == b" " else line[1:]
            self._comments.append(value.decode("utf-8", "replace"))
            return
        if colon < 0:
            name, value = line, b""
        else:
            name = line[:colon]
            value = line[colon + 2 :] if line[colon + 1 : colon + 2] == b" " else line[colon + 1 :]
        if name == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")
        elif name == b"id":
            if b"\x00" not in value:  # the spec ignores an id containing NUL
                self._id = value.decode("utf-8", "replace")
        elif name == b"retry":
            if value.isdigit():  # ASCII digits only, as the spec requires
                self._retry = int(value)
        # other field names are ignored, as the spec says; the line stays in raw

    def _dispatch(self, raw: bytes, newline: bytes) -> SSEEvent:
        event = SSEEvent(
            data="\n".join(self._data) if self._data else None,
            event=self._event,
            id=self._id,
            retry=self._retry,
            comments=tuple(self._comments),
            raw=raw,
        )
        self.newline = newline
        self._has_fields = False
        self._data.clear()
        self._comments.clear()
        self._event = self._id = None
        self._retry = None
        return event


def encode_event(data: str, *, event: str | None = None, id: str | None = None, newline: bytes = b"\n") -> bytes:
    """Serialise one event, ending with a blank line. Each line of ``data`` becomes its own ``data:`` line.

    ``newline`` is ``b"\\n"``, ``b"\\r\\n"`` or ``b"\\r"``: use the decoder's ``newline`` to match the host.
    """
    if newline not in _NEWLINES:
        raise ValueError(f"newline must be one of {_NEWLINES!r}, not {newline!r}")
    nl = newline.decode("ascii")
    head = ""
    for name, value in (("event", event), ("id", id)):
        if value is not None:
            if "\n" in value or "\r" in value:
                raise ValueError(f"the {name} field cannot contain a line break")
            head += f"{name}: {value}{nl}"
    if "\n" in data or "\r" in data:
        lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        body = "".join(f"data: {line}{nl}" for line in lines)
    else:
        body = f"data: {data}{nl}"
    return f"{head}{body}{nl}".encode()


@dataclass(frozen=True, slots=True)
class StreamMeta:
    """The chunk-level fields of a stream, each from the first chunk that carried it."""

    id: str | None = None
    created: int | None = None
    model: str | None = None
    object: str | None = None


@dataclass(frozen=True, slots=True)
class AccumulatedToolCall:
    """One tool call of a choice: ``id`` as first sent, ``name`` and ``arguments`` concatenated."""

    id: str | None
    name: str | None
    arguments: str


@dataclass(frozen=True, slots=True)
class AccumulatedChoice:
    """What one choice has streamed so far. ``text`` is the legacy text-completion field."""

    content: str
    refusal: str
    tool_calls: dict[int, AccumulatedToolCall]
    finish_reason: str | None
    text: str = ""


class _ToolCallParts:
    __slots__ = ("arguments", "id", "name")

    def __init__(self) -> None:
        self.id: str | None = None
        self.name: list[str] = []
        self.arguments: list[str] = []


class _ChoiceParts:
    __slots__ = ("content", "finish_reason", "refusal", "text", "tool_calls")

    def __init__(self) -> None:
        self.content: list[str] = []
        self.refusal: list[str] = []
        self.text: list[str] = []
        self.tool_calls: dict[int, _ToolCallParts] = {}
        self.finish_reason: str | None = None


class ChoiceAccumulator:
    """Accumulates the parsed chunks of one OpenAI-style stream, per choice ``index``.

    Reads ``delta.content``, ``delta.refusal``, ``delta.tool_calls[]`` (by tool-call ``index``), the legacy
    ``text`` and ``finish_reason``. Malformed pieces are skipped, never raised on: the host's stream is not
    ours to validate.
    """

    __slots__ = ("_choices", "_created", "_id", "_model", "_object", "usage", "usage_seen")

    def __init__(self) -> None:
        self._choices: dict[int, _ChoiceParts] = {}
        self._id: str | None = None
        self._created: int | None = None
        self._model: str | None = None
        self._object: str | None = None
        self.usage: Mapping[str, Any] | None = None
        """The last ``usage`` object seen, if any."""
        self.usage_seen = False
        """Whether the ``include_usage`` chunk (``choices: []`` with ``usage``) has been seen."""

    @property
    def meta(self) -> StreamMeta:
        return StreamMeta(id=self._id, created=self._created, model=self._model, object=self._object)

    def add(self, chunk: Mapping[str, Any]) -> None:
        """Take one parsed chunk (the JSON of one ``data:`` event)."""
        if self._id is None:
            value = chunk.get("id")
            if isinstance(value, str):
                self._id = value
        if self._created is None:
            value = chunk.get("created")
            if isinstance(value, int) and not isinstance(value, bool):
                self._created = value
        if self._model is None:
            value = chunk.get("model")
            if isinstance(value, str):
                self._model = value
        if self._object is None:
            value = chunk.get("object")
            if isinstance(value, str):
                self._object = value
        choices = chunk.get("choices")
        usage = chunk.get("usage")
        if _is_mapping(usage):
            self.usage = usage
            if not choices:
                self.usage_seen = True
        if not isinstance(choices, list):
            return
        for position, choice in enumerate(choices):
            if not _is_mapping(choice):
                continue
            index = choice.get("index")
            if not isinstance(index, int) or isinstance(index, bool):
                index = position
            parts = self._choices.get(index)
            if parts is None:
                parts = self._choices[index] = _ChoiceParts()
            delta = choice.get("delta")
            if _is_mapping(delta):
                content = delta.get("content")
                if isinstance(content, str) and content:
                    parts.content.append(content)
                refusal = delta.get("refusal")
                if isinstance(refusal, str) and refusal:
                    parts.refusal.append(refusal)
                tool_calls = delta.get("tool_calls")
                if isinstance(tool_calls, list):
                    _add_tool_calls(parts.tool_calls, tool_calls)
            text = choice.get("text")
            if isinstance(text, str) and text:
                parts.text.append(text)
            finish_reason = choice.get("finish_reason")
            if isinstance(finish_reason, str):
                parts.finish_reason = finish_reason

    def choices(self) -> dict[int, AccumulatedChoice]:
        """A snapshot of every choice seen, in index order."""
        return {
            index: AccumulatedChoice(
                content="".join(parts.content),
                refusal="".join(parts.refusal),
                tool_calls={
                    i: AccumulatedToolCall(
                        id=call.id,
                        name="".join(call.name) if call.name else None,
                        arguments="".join(call.arguments),
                    )
                    for i, call in sorted(parts.tool_calls.items())
                },
                finish_reason=parts.finish_reason,
                text="".join(parts.text),
            )
            for index, parts in sorted(self._choices.items())
        }

    def texts(self) -> list[tuple[str, str]]:
        """The non-empty texts to scan, as (location, text), in choice-index order.

        Locations are ``choices[i].content``, ``choices[i].text``, ``choices[i].refusal`` and
        ``choices[i].tool_calls[j].function.arguments``, in that order within a choice.
        """
        out: list[tuple[str, str]] = []
        for index, parts in sorted(self._choices.items()):
            for field, pieces in (
                ("content", parts.content),
                ("text", parts.text),
                ("refusal", parts.refusal),
            ):
                if pieces:
                    out.append((f"choices[{index}].{field}", "".join(pieces)))
            for i, call in sorted(parts.tool_calls.items()):
                if call.arguments:
                    out.append((f"choices[{index}].tool_calls[{i}].function.arguments", "".join(call.arguments)))
        return out


def _is_mapping(value: object) -> bool:
    """``isinstance(value, Mapping)``, answered at once for a dict or None, what a parsed chunk holds.

    The ABC check alone costs several times more, and ``add`` makes three of them per chunk.
    """
    if type(value) is dict:
        return True
    return value is not None and isinstance(value, Mapping)


def _add_tool_calls(calls: dict[int, _ToolCallParts], deltas: list[Any]) -> None:
    for position, delta in enumerate(deltas):
        if not isinstance(delta, Mapping):
            continue
        index = delta.get("index")
        if not isinstance(index, int) or isinstance(index, bool):
            index = position
        call = calls.get(index)
        if call is None:
            call = calls[index] = _ToolCallParts()
        call_id = delta.get("id")
        if call.id is None and isinstance(call_id, str) and call_id:
            call.id = call_id
        function = delta.get("function")
        if isinstance(function, Mapping):
            name = function.get("name")
            if isinstance(name, str) and name:
                call.name.append(name)
            arguments = function.get("arguments")
            if isinstance(arguments, str) and arguments:
                call.arguments.append(arguments)


def detections_chunk(
    meta: StreamMeta | ChoiceAccumulator,
    detections: Mapping[str, Any],
    *,
    fallback_id: str,
    fallback_created: int = 0,
    fallback_model: str = "",
) -> dict[str, Any]:
    """The extra final chunk: the host's ``id``/``created``/``model``, no choices, and the detections.

    The fallbacks apply when the host never sent the field. ``object`` is ``chat.completion.chunk``, or
    ``text_completion`` when the host's stream is a legacy text completion.
    """
    if isinstance(meta, ChoiceAccumulator):
        meta = meta.meta
    return {
        "id": meta.id if meta.id is not None else fallback_id,
        "object": "text_completion" if meta.object == "text_completion" else "chat.completion.chunk",
        "created": meta.created if meta.created is not None else fallback_created,
        "model": meta.model if meta.model is not None else fallback_model,
        "choices": [],
        "enkrypt_policy_detections": dict(detections),
    }
