from __future__ import annotations

import ast
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from enkrypt_middleware import _streaming
from enkrypt_middleware._streaming import (
    AccumulatedChoice,
    AccumulatedToolCall,
    ChoiceAccumulator,
    SSEDecoder,
    SSEEvent,
    StreamMeta,
    detections_chunk,
    encode_event,
)

# (data, event, id, retry, comments) of each decoded event
Fields = tuple[str | None, str | None, str | None, int | None, tuple[str, ...]]


def fields(events: Iterable[SSEEvent]) -> list[Fields]:
    return [(e.data, e.event, e.id, e.retry, e.comments) for e in events]


def data(value: str, **kw: Any) -> Fields:
    return (value, kw.get("event"), kw.get("id"), kw.get("retry"), kw.get("comments", ()))


def comment(*texts: str) -> Fields:
    return (None, None, None, None, texts)


EMPTY: Fields = (None, None, None, None, ())

UTF8_TEXT = 'data: {"t":"é 日本 😀"}\n\ndata: {"t":"ü\u2028"}\n\n'

# id, stream, expected events (after close), expected decoder.newline at the end,
# whether every event is released by feed() alone (no close() needed)
STREAMS: list[tuple[str, bytes, list[Fields], bytes, bool]] = [
    (
        "lf",
        b'data: {"a":1}\n\ndata: {"b":2}\n\ndata: [DONE]\n\n',
        [data('{"a":1}'), data('{"b":2}'), data("[DONE]")],
        b"\n",
        True,
    ),
    (
        "crlf",
        b'data: {"a":1}\r\n\r\ndata: {"b":2}\r\n\r\ndata: [DONE]\r\n\r\n',
        [data('{"a":1}'), data('{"b":2}'), data("[DONE]")],
        b"\r\n",
        True,
    ),
    (
        "cr_only",
        b'data: {"a":1}\r\rdata: {"b":2}\r\rdata: [DONE]\r\r',
        [data('{"a":1}'), data('{"b":2}'), data("[DONE]")],
        b"\r",
        False,  # the last "\r" may still be followed by "\n": released by close()
    ),
    (
        "multiline_data",
        b"data: line1\ndata: line2\ndata:\ndata:  two spaces\ndata:no space\n\n",
        [data("line1\nline2\n\n two spaces\nno space")],
        b"\n",
        True,
    ),
    (
        "comments_and_keepalives",
        b": keep-alive\n\ndata: x\n\n:\n:ping\ndata: y\n\n: bye\n\n",
        [comment("keep-alive"), data("x"), data("y", comments=("", "ping")), comment("bye")],
        b"\n",
        True,
    ),
    (
        "event_id_retry",
        b"event: delta\nid: 7\nretry: 3000\ndata: z\n\nid\nevent\ndata\n\n"
        b"retry: soon\nunknown: f\ndata:q\n\nid: a\x00b\nevent: only\n\n",
        [
            data("z", event="delta", id="7", retry=3000),
            data("", event="", id=""),
            data("q"),
            (None, "only", None, None, ()),
        ],
        b"\n",
        True,
    ),
    (
        "bom",
        b"\xef\xbb\xbfdata: a\n\ndata: \xef\xbb\xbfb\n\n",
        [data("a"), data("\ufeffb")],  # only the stream's first BOM is dropped
        b"\n",
        True,
    ),
    (
        "no_done",
        b'data: {"a":1}\n\ndata: {"b":2}\n\n',
        [data('{"a":1}'), data('{"b":2}')],
        b"\n",
        True,
    ),
    (
        "no_final_blank_line",
        b"data: a\n\ndata: b\n",
        [data("a"), data("b")],
        b"\n",
        False,
    ),
    (
        "no_final_newline",
        b"data: a\r\n\r\nevent: e\ndata: b",
        [data("a"), data("b", event="e")],
        b"\r\n",
        False,
    ),
    (
        "utf8_multibyte",
        UTF8_TEXT.encode(),
        [data('{"t":"é 日本 😀"}'), data('{"t":"ü\u2028"}')],
        b"\n",
        True,
    ),
    (
        "invalid_utf8",
        b"data: \xff\xfe ok\n\n",
        [data("\ufffd\ufffd ok")],
        b"\n",
        True,
    ),
    (
        "mixed_newlines_and_stray_blank_lines",
        b"\n\r\ndata: a\r\ndata: b\n\r\ndata: c\r\r\n\r\n",
        [data("a\nb"), data("c"), EMPTY],  # close() hands over the trailing stray blank line
        b"\r\n",
        False,
    ),
    (
        "colons_in_value",
        b'data: {"k": "v:w"}\nid: 1:2\n\n',
        [data('{"k": "v:w"}', id="1:2")],
        b"\n",
        True,
    ),
    ("empty", b"", [], b"\n", True),
    ("truncated_bom", b"\xef\xbb", [(None, None, None, None, ())], b"\n", False),
]


def decode(pieces: Iterable[bytes]) -> tuple[list[SSEEvent], list[SSEEvent], bytes]:
    """Feed the pieces; return the events from feed(), those from close(), and the newline seen."""
    decoder = SSEDecoder()
    fed = [event for piece in pieces for event in decoder.feed(piece)]
    newline = decoder.newline
    return fed, decoder.close(), newline


def splits(stream: bytes) -> Iterable[list[bytes]]:
    for i in range(len(stream) + 1):
        yield [stream[:i], stream[i:]]
    yield [stream[i : i + 1] for i in range(len(stream))]
    yield [stream[i : i + 3] for i in range(0, len(stream), 3)]


@pytest.mark.parametrize(
    ("stream", "expected", "newline", "released_by_feed"),
    [pytest.param(*row[1:], id=row[0]) for row in STREAMS],
)
def test_decoder_whole_stream(stream: bytes, expected: list[Fields], newline: bytes, released_by_feed: bool) -> None:
    fed, closed, seen_newline = decode([stream])
    assert fields(fed + closed) == expected
    assert b"".join(event.raw for event in fed + closed) == stream
    assert seen_newline == newline
    assert (closed == []) is released_by_feed


@pytest.mark.parametrize(
    ("stream", "_expected", "_newline", "released_by_feed"), [pytest.param(*r[1:], id=r[0]) for r in STREAMS]
)
def test_decoder_same_events_at_every_split(
    stream: bytes, _expected: list[Fields], _newline: bytes, released_by_feed: bool
) -> None:
    whole_fed, whole_closed, whole_newline = decode([stream])
    whole = whole_fed + whole_closed
    for pieces in splits(stream):
        fed, closed, newline = decode(pieces)
        assert fed + closed == whole, pieces  # fields and raw bytes
        assert newline == whole_newline, pieces
        if released_by_feed:
            assert closed == [], pieces


@pytest.mark.parametrize(
    "events",
    [
        [b'data: {"a":1}\n\n', b": ping\n\n", b'data: {"b":2}\n\n', b"data: [DONE]\n\n"],
        [b"data: x\r\n\r\n", b"event: e\r\ndata: y\r\ndata: z\r\n\r\n"],
    ],
)
def test_decoder_releases_each_event_with_the_chunk_that_completes_it(events: list[bytes]) -> None:
    decoder = SSEDecoder()
    for chunk in events:
        (event,) = decoder.feed(chunk)
        assert event.raw == chunk
    assert decoder.close() == []


def test_decoder_is_reusable_after_close() -> None:
    decoder = SSEDecoder()
    assert fields(decoder.feed(b"data: a")) == []
    assert fields(decoder.close()) == [data("a")]
    assert fields(decoder.feed(b"\xef\xbb\xbfdata: b\n\n")) == [data("b")]
    assert decoder.close() == []


def test_decoder_keeps_a_long_line_split_into_many_chunks() -> None:
    payload = "x" * 50_000 + "é"
    stream = f"data: {payload}\n\n".encode()
    decoder = SSEDecoder()
    events = [e for i in range(0, len(stream), 7) for e in decoder.feed(stream[i : i + 7])]
    assert fields(events) == [data(payload)]
    assert events[0].raw == stream


@pytest.mark.parametrize(
    ("text", "event", "event_id", "newline", "encoded", "decoded"),
    [
        ("hello", None, None, b"\n", b"data: hello\n\n", "hello"),
        ("hello", None, None, b"\r\n", b"data: hello\r\n\r\n", "hello"),
        ("hello", None, None, b"\r", b"data: hello\r\r", "hello"),
        ("a\nb", None, None, b"\r\n", b"data: a\r\ndata: b\r\n\r\n", "a\nb"),
        ("a\r\nb\rc", None, None, b"\n", b"data: a\ndata: b\ndata: c\n\n", "a\nb\nc"),
        ("", None, None, b"\n", b"data: \n\n", ""),
        ("end\n", None, None, b"\n", b"data: end\ndata: \n\n", "end\n"),
        (" lead", None, None, b"\n", b"data:  lead\n\n", " lead"),
        ("日本 😀", None, None, b"\n", "data: 日本 😀\n\n".encode(), "日本 😀"),
        ('{"x":1}', "delta", "42", b"\r\n", b'event: delta\r\nid: 42\r\ndata: {"x":1}\r\n\r\n', '{"x":1}'),
    ],
)
def test_encode_event_round_trip(
    text: str, event: str | None, event_id: str | None, newline: bytes, encoded: bytes, decoded: str
) -> None:
    raw = encode_event(text, event=event, id=event_id, newline=newline)
    assert raw == encoded
    decoder = SSEDecoder()
    events = decoder.feed(raw) + decoder.close()
    assert events == [SSEEvent(data=decoded, event=event, id=event_id, raw=raw)]
    assert decoder.newline == newline


def test_encode_event_matches_host_framing_after_decoding() -> None:
    decoder = SSEDecoder()
    host = b'data: {"a":1}\r\n\r\n'
    decoder.feed(host)
    injected = encode_event('{"a":1}', newline=decoder.newline)
    assert injected == host


@pytest.mark.parametrize(
    "kwargs",
    [{"newline": b"\n\n"}, {"newline": b""}, {"event": "a\nb"}, {"id": "1\r"}],
)
def test_encode_event_rejects_what_would_break_framing(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        encode_event("x", **kwargs)


def chat_chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1700,
        "model": "m",
        "choices": choices,
    } | extra


def delta(index: int, finish_reason: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "delta": fields, "finish_reason": finish_reason}


def tool_delta(index: int, arguments: str, **extra: Any) -> dict[str, Any]:
    return {"index": index, "function": {"arguments": arguments, **extra.pop("function", {})}, **extra}


ACCUMULATOR_CASES: list[tuple[str, list[dict[str, Any]], dict[int, AccumulatedChoice], list[tuple[str, str]]]] = [
    (
        "two_choices_interleaved",
        [
            chat_chunk([delta(0, role="assistant", content="")]),
            chat_chunk([delta(1, role="assistant", content="")]),
            chat_chunk([delta(1, content="Bon")]),
            chat_chunk([delta(0, content="Hel")]),
            chat_chunk([delta(0, content="lo"), delta(1, content="jour")]),
            chat_chunk([delta(1, "stop")]),
            chat_chunk([delta(0, "length", content="!")]),
        ],
        {
            0: AccumulatedChoice(content="Hello!", refusal="", tool_calls={}, finish_reason="length"),
            1: AccumulatedChoice(content="Bonjour", refusal="", tool_calls={}, finish_reason="stop"),
        },
        [("choices[0].content", "Hello!"), ("choices[1].content", "Bonjour")],
    ),
    (
        "tool_call_arguments_by_index",
        [
            chat_chunk([delta(0, role="assistant", content=None)]),
            chat_chunk(
                [
                    delta(
                        0,
                        tool_calls=[tool_delta(0, "", id="call_a", type="function", function={"name": "get_weather"})],
                    )
                ]
            ),
            chat_chunk([delta(0, tool_calls=[tool_delta(0, '{"city": "Par')])]),
            chat_chunk([delta(0, tool_calls=[tool_delta(1, "", id="call_b", function={"name": "look"})])]),
            chat_chunk([delta(0, tool_calls=[tool_delta(1, '{"q": 1}'), tool_delta(0, 'is"}', id="call_a")])]),
            chat_chunk([delta(0, "tool_calls")]),
        ],
        {
            0: AccumulatedChoice(
                content="",
                refusal="",
                tool_calls={
                    0: AccumulatedToolCall(id="call_a", name="get_weather", arguments='{"city": "Paris"}'),
                    1: AccumulatedToolCall(id="call_b", name="look", arguments='{"q": 1}'),
                },
                finish_reason="tool_calls",
            )
        },
        [
            ("choices[0].tool_calls[0].function.arguments", '{"city": "Paris"}'),
            ("choices[0].tool_calls[1].function.arguments", '{"q": 1}'),
        ],
    ),
    (
        "refusal_deltas",
        [
            chat_chunk([delta(0, role="assistant", refusal="")]),
            chat_chunk([delta(0, refusal="I can't ")]),
            chat_chunk([delta(0, refusal="help with that.")]),
            chat_chunk([delta(0, "stop")]),
        ],
        {0: AccumulatedChoice(content="", refusal="I can't help with that.", tool_calls={}, finish_reason="stop")},
        [("choices[0].refusal", "I can't help with that.")],
    ),
    (
        "legacy_text_completion",
        [
            {"id": "cmpl-1", "object": "text_completion", "created": 5, "model": "m", "choices": [c]}
            for c in (
                {"index": 0, "text": "Once", "finish_reason": None},
                {"index": 0, "text": " upon", "finish_reason": None},
                {"index": 0, "text": "", "finish_reason": "stop"},
            )
        ],
        {0: AccumulatedChoice(content="", refusal="", tool_calls={}, finish_reason="stop", text="Once upon")},
        [("choices[0].text", "Once upon")],
    ),
    (
        "include_usage_and_order_of_paths",
        [
            chat_chunk([delta(2, content="c2")], usage=None),
            chat_chunk([delta(0, content="c0", refusal="r0")], usage=None),
            chat_chunk([delta(0, tool_calls=[tool_delta(0, "{}")])], usage=None),
            chat_chunk([delta(0, "stop"), delta(2, "stop")], usage=None),
            chat_chunk([], usage={"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}),
        ],
        {
            0: AccumulatedChoice(
                content="c0",
                refusal="r0",
                tool_calls={0: AccumulatedToolCall(id=None, name=None, arguments="{}")},
                finish_reason="stop",
            ),
            2: AccumulatedChoice(content="c2", refusal="", tool_calls={}, finish_reason="stop"),
        },
        [
            ("choices[0].content", "c0"),
            ("choices[0].refusal", "r0"),
            ("choices[0].tool_calls[0].function.arguments", "{}"),
            ("choices[2].content", "c2"),
        ],
    ),
    (
        "malformed_pieces_are_skipped",
        [
            {"choices": None},
            {
                "choices": [
                    "x",
                    {"delta": "nope"},
                    {"delta": {"content": 5, "tool_calls": [7, {"function": None}]}},
                ]
            },
            {"choices": [{"delta": {"content": "ok"}}]},  # no index: its position in the list
        ],
        {
            0: AccumulatedChoice(content="ok", refusal="", tool_calls={}, finish_reason=None),
            1: AccumulatedChoice(content="", refusal="", tool_calls={}, finish_reason=None),
            2: AccumulatedChoice(
                content="",
                refusal="",
                tool_calls={1: AccumulatedToolCall(id=None, name=None, arguments="")},
                finish_reason=None,
            ),
        },
        [("choices[0].content", "ok")],
    ),
]


@pytest.mark.parametrize(
    ("chunks", "expected", "texts"), [pytest.param(*case[1:], id=case[0]) for case in ACCUMULATOR_CASES]
)
def test_accumulator(
    chunks: list[dict[str, Any]], expected: dict[int, AccumulatedChoice], texts: list[tuple[str, str]]
) -> None:
    accumulator = ChoiceAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    assert accumulator.choices() == expected
    assert list(accumulator.choices()) == sorted(expected)
    assert accumulator.texts() == texts


def test_accumulator_meta_and_usage() -> None:
    accumulator = ChoiceAccumulator()
    assert accumulator.meta == StreamMeta()
    accumulator.add({"choices": [delta(0, content="a")]})
    accumulator.add(chat_chunk([delta(0, content="b")], usage=None))
    accumulator.add({"id": "other", "created": 9, "model": "n", "choices": [delta(0, "stop")]})
    # usage on a chunk that still has choices (continuous usage stats) is not the include_usage chunk
    accumulator.add({"choices": [delta(0, content="c")], "usage": {"total_tokens": 1}})
    assert not accumulator.usage_seen
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    accumulator.add(chat_chunk([], usage=usage))
    assert accumulator.usage_seen
    assert accumulator.usage == usage
    assert accumulator.meta == StreamMeta(id="chatcmpl-1", created=1700, model="m", object="chat.completion.chunk")


def test_accumulator_from_decoded_stream_split_everywhere() -> None:
    chunks = [
        chat_chunk([delta(0, content="日本"), delta(1, content="é")]),
        chat_chunk([delta(0, content="😀")]),
        chat_chunk([delta(1, "stop", content="!"), delta(0, "stop")]),
    ]
    stream = b"".join(encode_event(json.dumps(c, ensure_ascii=False), newline=b"\r\n") for c in chunks)
    stream += b"data: [DONE]\r\n\r\n"
    for i in range(len(stream) + 1):
        decoder = SSEDecoder()
        accumulator = ChoiceAccumulator()
        for event in decoder.feed(stream[:i]) + decoder.feed(stream[i:]) + decoder.close():
            if event.data is not None and event.data != "[DONE]":
                accumulator.add(json.loads(event.data))
        assert accumulator.texts() == [("choices[0].content", "日本😀"), ("choices[1].content", "é!")]


DETECTIONS: Mapping[str, Any] = {"input_detections": {"summary": {}}, "output_detections": {"summary": {}}}


@pytest.mark.parametrize(
    ("chunks", "expected_head"),
    [
        (
            [chat_chunk([delta(0, content="x")])],
            {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1700, "model": "m"},
        ),
        (
            [{"choices": [delta(0, content="x")]}],
            {"id": "fb", "object": "chat.completion.chunk", "created": 11, "model": "fm"},
        ),
        (
            [{"id": "cmpl-9", "object": "text_completion", "created": 3, "model": "t", "choices": []}],
            {"id": "cmpl-9", "object": "text_completion", "created": 3, "model": "t"},
        ),
    ],
)
def test_detections_chunk(chunks: list[dict[str, Any]], expected_head: dict[str, Any]) -> None:
    accumulator = ChoiceAccumulator()
    for chunk in chunks:
        accumulator.add(chunk)
    expected = expected_head | {"choices": [], "enkrypt_policy_detections": dict(DETECTIONS)}
    kwargs: dict[str, Any] = {"fallback_id": "fb", "fallback_created": 11, "fallback_model": "fm"}
    result = detections_chunk(accumulator, DETECTIONS, **kwargs)
    assert result == expected
    assert detections_chunk(accumulator.meta, DETECTIONS, **kwargs) == expected
    assert list(result) == ["id", "object", "created", "model", "choices", "enkrypt_policy_detections"]


def test_detections_chunk_defaults() -> None:
    chunk = detections_chunk(StreamMeta(), {}, fallback_id="chatcmpl-enkrypt-0")
    assert chunk == {
        "id": "chatcmpl-enkrypt-0",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "",
        "choices": [],
        "enkrypt_policy_detections": {},
    }


def test_streaming_module_is_pure() -> None:
    tree = ast.parse(Path(_streaming.__file__).read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"__future__", "collections", "dataclasses", "typing"}
    assert not any(isinstance(node, (ast.Await, ast.AsyncFunctionDef)) for node in ast.walk(tree))
