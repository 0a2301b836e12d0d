"""Request validation (enkrypt_middleware/_models.py), table-driven: each constraint from both sides."""

from __future__ import annotations

import ast
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from enkrypt_middleware import _models
from enkrypt_middleware._exceptions import InvalidRequestError
from enkrypt_middleware._models import MESSAGE_ROLES, validate_chat_request, validate_completion_request

SYSTEM = {"role": "system", "content": "You are a helpful assistant."}
USER = {"role": "user", "content": "What is the capital of France?"}
TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": '{"q": "x"}'}}
TOOL = {
    "type": "function",
    "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
}


def chat(**fields: Any) -> dict[str, Any]:
    """A valid chat request with ``fields`` set on top (a value of ``...`` removes the field)."""
    body: dict[str, Any] = {"model": "gpt-4o", "messages": [dict(SYSTEM), dict(USER)]}
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


def second(message: dict[str, Any]) -> dict[str, Any]:
    """A chat request whose messages[1] is ``message``."""
    return chat(messages=[dict(SYSTEM), message])


def user_parts(*parts: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(parts)}


# --- valid requests pass ---------------------------------------------------------------------

SEED_002_BODY: dict[str, Any] = {  # Scale GenAI Platform style (seed 002): vendor/model and top_k
    "model": "openai/gpt-4o",
    "messages": [USER],
    "top_k": 5,
    "temperature": 0.2,
    "max_tokens": 64,
}
PORTKEY_BODY: dict[str, Any] = {  # seed 003: every nullable parameter sent as null
    "model": "gpt-4o-mini",
    "messages": [SYSTEM, USER],
    "frequency_penalty": None,
    "logit_bias": None,
    "logprobs": None,
    "top_logprobs": None,
    "max_tokens": None,
    "n": None,
    "presence_penalty": None,
    "response_format": {"type": "json_object"},
    "seed": None,
    "stop": None,
    "stream": None,
    "stream_options": None,
    "temperature": None,
    "top_p": None,
    "tools": [TOOL],
    "tool_choice": "auto",
    "parallel_tool_calls": True,
    "user": "user-1234",
}
TOOL_ROUND_TRIP: list[dict[str, Any]] = [
    SYSTEM,
    USER,
    {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
    {"role": "tool", "tool_call_id": "call_1", "content": "Paris"},
    {"role": "assistant", "content": "Paris."},
]
SDK_ASSISTANT_MESSAGE: dict[str, Any] = {  # ChatCompletionMessage.model_dump() appended back to messages
    "role": "assistant",
    "content": "Paris.",
    "refusal": None,
    "annotations": [],
    "audio": None,
    "function_call": None,
    "tool_calls": None,
}

VALID_CHAT = [
    pytest.param(chat(), id="minimal"),
    pytest.param(chat(model=...), id="model-missing"),
    pytest.param(SEED_002_BODY, id="seed-002-vendor-model-top_k"),
    pytest.param(PORTKEY_BODY, id="seed-003-portkey-nulls"),
    pytest.param(chat(top_k=5, provider={"order": ["x"]}, extra_body=[1, 2]), id="unknown-top-level-fields"),
    pytest.param(second({**USER, "cache_control": {"type": "ephemeral"}, "weight": 2}), id="unknown-message-field"),
    pytest.param(chat(messages=TOOL_ROUND_TRIP), id="assistant-tool-calls-null-content"),
    pytest.param(second({"role": "assistant", "tool_calls": [TOOL_CALL]}), id="assistant-without-content"),
    pytest.param(chat(messages=[USER, SDK_ASSISTANT_MESSAGE, USER]), id="sdk-message-round-trip"),
    pytest.param(
        second(
            user_parts(
                {"type": "text", "text": "What is in this image?"},
                {"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": "high"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {"type": "file", "file": {"file_id": "file-123", "filename": "a.pdf"}},
            )
        ),
        id="user-multi-part",
    ),
    pytest.param(
        chat(
            messages=[
                {"role": "developer", "content": [{"type": "text", "text": "Be brief."}], "name": "ops"},
                {"role": "system", "content": [{"type": "text", "text": "Be nice."}]},
                {"role": "user", "content": "Hi", "name": "alice"},
                {"role": "assistant", "content": [{"type": "refusal", "refusal": "No."}], "refusal": None},
                {"role": "tool", "tool_call_id": "call_1", "content": [{"type": "text", "text": "42"}]},
                {"role": "function", "name": "lookup", "content": None},
            ]
        ),
        id="every-role-with-parts",
    ),
    pytest.param(chat(temperature=0, top_p=0, frequency_penalty=-2, presence_penalty=-2), id="ranges-at-minimum"),
    pytest.param(chat(temperature=2, top_p=1, frequency_penalty=2, presence_penalty=2.0), id="ranges-at-maximum"),
    pytest.param(chat(temperature=0.7, top_p=0.95, n=128, max_tokens=1, max_completion_tokens=1), id="typical"),
    pytest.param(chat(logprobs=True, top_logprobs=0), id="top_logprobs-0"),
    pytest.param(chat(logprobs=True, top_logprobs=20), id="top_logprobs-20"),
    pytest.param(chat(logprobs=False), id="logprobs-false"),
    pytest.param(chat(seed=-(2**63)), id="seed-int64-min"),
    pytest.param(chat(seed=2**63 - 1), id="seed-int64-max"),
    pytest.param(chat(logit_bias={"50256": -100, "1": 100, "2": 0}), id="logit_bias"),
    pytest.param(chat(stop="\n"), id="stop-string"),
    pytest.param(chat(stop=["a", "b", "c", "d"]), id="stop-four"),
    pytest.param(chat(stream=True, stream_options={"include_usage": True}), id="stream-options"),
    pytest.param(chat(stream=False, stream_options={"include_obfuscation": False}), id="stream-options-unknown"),
    pytest.param(chat(reasoning_effort="minimal"), id="reasoning_effort-minimal"),
    pytest.param(chat(reasoning_effort="none"), id="reasoning_effort-none"),
    pytest.param(chat(reasoning_effort="high"), id="reasoning_effort-high"),
    pytest.param(chat(service_tier="flex"), id="service_tier-flex"),
    pytest.param(chat(service_tier="scale"), id="service_tier-scale"),
    pytest.param(chat(service_tier=None), id="service_tier-null"),
    pytest.param(chat(tools=[TOOL] * 128, tool_choice="required"), id="tools-128"),
    pytest.param(chat(tools=[], tool_choice="none"), id="tools-empty"),
    pytest.param(
        chat(tools=[TOOL], tool_choice={"type": "function", "function": {"name": "lookup"}}),
        id="tool_choice-named",
    ),
    pytest.param(chat(parallel_tool_calls=False), id="parallel_tool_calls"),
    pytest.param(chat(response_format={"type": "text"}), id="response_format-text"),
    pytest.param(
        chat(
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
            }
        ),
        id="response_format-json_schema",
    ),
    pytest.param(chat(metadata={"team": "search"}, user="u-1", store=True), id="metadata-user-store"),
    pytest.param(chat(modalities=["text", "audio"], audio={"voice": "alloy", "format": "wav"}), id="audio"),
    pytest.param(chat(audio={"voice": "marin", "format": "aac"}), id="audio-newer-voice-and-format"),
    pytest.param(chat(functions=[{"name": "lookup", "parameters": {}}], function_call="auto"), id="functions"),
    pytest.param(chat(functions=[{"name": "lookup"}], function_call={"name": "lookup"}), id="function_call-named"),
    pytest.param(chat(prediction={"type": "content", "content": "def f(): ..."}), id="prediction"),
    pytest.param(chat(enkrypt_context="Paris is the capital of France."), id="enkrypt_context"),
]


@pytest.mark.parametrize("body", VALID_CHAT)
def test_valid_chat_request_passes_untouched(body: dict[str, Any]) -> None:
    before = copy.deepcopy(body)
    validate_chat_request(body)
    assert body == before


# --- invalid requests raise, naming the field ------------------------------------------------

TOO_MANY_TOOLS = [TOOL] * 129
INVALID_CHAT = [
    # the body and messages
    pytest.param(chat(messages=...), "messages", "required field is missing", id="messages-missing"),
    pytest.param(chat(messages="hi"), "messages", "expected an array of messages, got a string", id="messages-str"),
    pytest.param(chat(messages=[]), "messages", "non-empty array of messages", id="messages-empty"),
    pytest.param(chat(messages=["hi"]), "messages[0]", "expected a message object, got a string", id="message-str"),
    pytest.param(chat(messages=[{"content": "hi"}]), "messages[0].role", "required field", id="role-missing"),
    pytest.param(chat(messages=[{"role": 5, "content": "x"}]), "messages[0].role", "got an integer", id="role-int"),
    pytest.param(
        chat(messages=[USER, USER, {"role": "robot", "content": "x"}]),
        "messages[2].role",
        "'robot'",
        id="role",
    ),
    pytest.param(second({"role": "user"}), "messages[1].content", "required field is missing", id="user-no-content"),
    pytest.param(second({"role": "system"}), "messages[1].content", "required", id="system-no-content"),
    pytest.param(
        second({"role": "user", "content": None}),
        "messages[1].content",
        "expected a string or an array of content parts, got null",
        id="user-content-null",
    ),
    pytest.param(second({"role": "user", "content": 5}), "messages[1].content", "got an integer", id="content-int"),
    pytest.param(second(user_parts()), "messages[1].content", "non-empty array of content parts", id="parts-empty"),
    pytest.param(second(user_parts("hi")), "messages[1].content[0]", "got a string", id="part-str"),
    pytest.param(second(user_parts({"text": "hi"})), "messages[1].content[0].type", "required", id="part-no-type"),
    pytest.param(
        second(user_parts({"type": "text", "text": "a"}, {"type": "video_url", "video_url": {}})),
        "messages[1].content[1].type",
        "'video_url' is not one of 'text', 'image_url', 'input_audio', 'file'",
        id="user-part-unknown",
    ),
    pytest.param(
        second({"role": "system", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}),
        "messages[1].content[0].type",
        "'image_url' is not one of 'text'",
        id="system-image-part",
    ),
    pytest.param(
        second(user_parts({"type": "refusal", "refusal": "no"})),
        "messages[1].content[0].type",
        "'refusal'",
        id="user-refusal-part",
    ),
    pytest.param(second(user_parts({"type": "text"})), "messages[1].content[0].text", "required", id="text-missing"),
    pytest.param(
        second(user_parts({"type": "text", "text": 5})),
        "messages[1].content[0].text",
        "expected a string, got an integer",
        id="text-int",
    ),
    pytest.param(
        second(user_parts({"type": "image_url", "image_url": {"detail": "low"}})),
        "messages[1].content[0].image_url.url",
        "required",
        id="image-no-url",
    ),
    pytest.param(
        second(user_parts({"type": "image_url", "image_url": {"url": "u", "detail": "ultra"}})),
        "messages[1].content[0].image_url.detail",
        "'ultra' is not one of 'auto', 'low', 'high'",
        id="image-detail",
    ),
    pytest.param(
        second(user_parts({"type": "input_audio", "input_audio": {"data": "x", "format": "ogg"}})),
        "messages[1].content[0].input_audio.format",
        "'ogg'",
        id="audio-part-format",
    ),
    pytest.param(
        second(user_parts({"type": "file", "file": "a.pdf"})),
        "messages[1].content[0].file",
        "expected an object",
        id="file-part",
    ),
    pytest.param(second({**USER, "name": 7}), "messages[1].name", "expected a string", id="name-int"),
    # assistant, tool and function messages
    pytest.param(
        second({"role": "assistant", "content": 1}),
        "messages[1].content",
        "expected a string or an array of content parts or null",
        id="assistant-content-int",
    ),
    pytest.param(
        second({"role": "assistant", "content": [{"type": "image_url", "image_url": {"url": "u"}}]}),
        "messages[1].content[0].type",
        "not one of 'text', 'refusal'",
        id="assistant-image-part",
    ),
    pytest.param(
        second({"role": "assistant", "content": None, "refusal": 1}),
        "messages[1].refusal",
        "expected a string or null",
        id="assistant-refusal-int",
    ),
    pytest.param(
        second({"role": "assistant", "tool_calls": {"id": "x"}}),
        "messages[1].tool_calls",
        "expected an array of tool calls or null, got an object",
        id="tool_calls-object",
    ),
    pytest.param(
        second({"role": "assistant", "tool_calls": [{"type": "function", "function": TOOL_CALL["function"]}]}),
        "messages[1].tool_calls[0].id",
        "required field is missing",
        id="tool_call-no-id",
    ),
    pytest.param(
        second({"role": "assistant", "tool_calls": [TOOL_CALL, {**TOOL_CALL, "type": "custom"}]}),
        "messages[1].tool_calls[1].type",
        "'custom' is not one of 'function'",
        id="tool_call-type",
    ),
    pytest.param(
        second({"role": "assistant", "tool_calls": [{**TOOL_CALL, "function": {"name": "f", "arguments": {}}}]}),
        "messages[1].tool_calls[0].function.arguments",
        "expected a string, got an object",
        id="tool_call-arguments-object",
    ),
    pytest.param(
        second({"role": "assistant", "function_call": {"name": "f"}}),
        "messages[1].function_call.arguments",
        "required",
        id="assistant-function_call",
    ),
    pytest.param(
        second({"role": "tool", "content": "42"}),
        "messages[1].tool_call_id",
        "required field is missing",
        id="tool-no-tool_call_id",
    ),
    pytest.param(
        second({"role": "tool", "content": "42", "tool_call_id": 1}),
        "messages[1].tool_call_id",
        "expected a string",
        id="tool-tool_call_id-int",
    ),
    pytest.param(
        second({"role": "tool", "content": None, "tool_call_id": "c"}),
        "messages[1].content",
        "got null",
        id="tool-content-null",
    ),
    pytest.param(second({"role": "function", "content": "x"}), "messages[1].name", "required", id="function-no-name"),
    pytest.param(
        second({"role": "function", "name": "f", "content": [{"type": "text", "text": "x"}]}),
        "messages[1].content",
        "expected a string or null, got an array",
        id="function-content-parts",
    ),
    # model, strings, booleans
    pytest.param(chat(model=4), "model", "expected a string, got an integer", id="model-int"),
    pytest.param(chat(model=None), "model", "expected a string, got null", id="model-null"),
    pytest.param(chat(user=123), "user", "expected a string", id="user-int"),
    pytest.param(chat(enkrypt_context=["a"]), "enkrypt_context", "expected a string, got an array", id="ctx-list"),
    pytest.param(chat(enkrypt_context=None), "enkrypt_context", "got null", id="ctx-null"),
    pytest.param(chat(stream="true"), "stream", "expected a boolean or null, got a string", id="stream-str"),
    pytest.param(chat(store=1), "store", "expected a boolean or null, got an integer", id="store-int"),
    pytest.param(chat(logprobs="yes"), "logprobs", "expected a boolean", id="logprobs-str"),
    pytest.param(chat(parallel_tool_calls=None), "parallel_tool_calls", "got null", id="parallel-null"),
    pytest.param(chat(reasoning_effort=1), "reasoning_effort", "expected a string or null", id="effort-int"),
    pytest.param(chat(service_tier=True), "service_tier", "got a boolean", id="service_tier-bool"),
    # numeric ranges
    pytest.param(chat(temperature=2.5), "temperature", "2.5 is greater than the maximum of 2", id="temperature-hi"),
    pytest.param(chat(temperature=-0.1), "temperature", "-0.1 is less than the minimum of 0", id="temperature-lo"),
    pytest.param(chat(temperature=True), "temperature", "expected a number or null, got a boolean", id="temp-bool"),
    pytest.param(chat(temperature="0.7"), "temperature", "got a string", id="temperature-str"),
    pytest.param(chat(temperature=float("nan")), "temperature", "nan is not a finite number", id="temperature-nan"),
    pytest.param(chat(top_p=1.5), "top_p", "greater than the maximum of 1", id="top_p-hi"),
    pytest.param(chat(top_p=-1), "top_p", "less than the minimum of 0", id="top_p-lo"),
    pytest.param(chat(frequency_penalty=-2.5), "frequency_penalty", "minimum of -2", id="frequency_penalty"),
    pytest.param(chat(presence_penalty=2.1), "presence_penalty", "maximum of 2", id="presence_penalty"),
    pytest.param(chat(n=0), "n", "0 is less than the minimum of 1", id="n-0"),
    pytest.param(chat(n=129), "n", "129 is greater than the maximum of 128", id="n-129"),
    pytest.param(chat(n=1.5), "n", "expected an integer or null, got the decimal number 1.5", id="n-decimal"),
    pytest.param(chat(n=2.0), "n", "got the decimal number 2.0", id="n-integral-float"),
    pytest.param(chat(n=True), "n", "got a boolean", id="n-bool"),
    pytest.param(chat(logprobs=True, top_logprobs=21), "top_logprobs", "maximum of 20", id="top_logprobs-21"),
    pytest.param(chat(logprobs=True, top_logprobs=-1), "top_logprobs", "minimum of 0", id="top_logprobs-neg"),
    pytest.param(chat(top_logprobs=2), "top_logprobs", "logprobs must be true", id="top_logprobs-alone"),
    pytest.param(chat(logprobs=False, top_logprobs=2), "top_logprobs", "logprobs must be true", id="logprobs-off"),
    pytest.param(chat(max_tokens=0), "max_tokens", "0 is less than the minimum of 1", id="max_tokens-0"),
    pytest.param(chat(max_tokens=100.0), "max_tokens", "expected an integer", id="max_tokens-float"),
    pytest.param(chat(max_completion_tokens=-5), "max_completion_tokens", "minimum of 1", id="max_completion-neg"),
    pytest.param(chat(seed=2**63), "seed", "greater than the maximum", id="seed-overflow"),
    pytest.param(chat(seed="42"), "seed", "expected an integer or null, got a string", id="seed-str"),
    # stop, stream_options, logit_bias, metadata
    pytest.param(chat(stop=["a", "b", "c", "d", "e"]), "stop[4]", "at most 4 stop sequences", id="stop-five"),
    pytest.param(chat(stop=[]), "stop", "non-empty array of stop sequences", id="stop-empty"),
    pytest.param(chat(stop=["a", 1]), "stop[1]", "expected a string, got an integer", id="stop-item-int"),
    pytest.param(chat(stop=4), "stop", "expected a string, an array of strings or null", id="stop-int"),
    pytest.param(chat(stream_options=[]), "stream_options", "expected an object or null", id="stream_options-list"),
    pytest.param(
        chat(stream=True, stream_options={"include_usage": "yes"}),
        "stream_options.include_usage",
        "expected a boolean, got a string",
        id="include_usage-str",
    ),
    pytest.param(chat(logit_bias={"50256": 101}), "logit_bias.50256", "maximum of 100", id="logit_bias-hi"),
    pytest.param(chat(logit_bias={"1": -100.5}), "logit_bias.1", "expected an integer", id="logit_bias-decimal"),
    pytest.param(chat(logit_bias=[1]), "logit_bias", "expected an object or null", id="logit_bias-list"),
    pytest.param(chat(metadata={"team": 1}), "metadata.team", "expected a string", id="metadata-value"),
    pytest.param(chat(metadata="x"), "metadata", "expected an object or null", id="metadata-str"),
    # tools and functions
    pytest.param(chat(tools={"type": "function"}), "tools", "expected an array of tools", id="tools-object"),
    pytest.param(chat(tools=TOO_MANY_TOOLS), "tools[128]", "at most 128 tools are allowed, got 129", id="tools-129"),
    pytest.param(chat(tools=[{**TOOL, "type": "custom"}]), "tools[0].type", "'custom'", id="tool-type"),
    pytest.param(chat(tools=[{"type": "function"}]), "tools[0].function", "required", id="tool-no-function"),
    pytest.param(
        chat(tools=[TOOL, {"type": "function", "function": {"parameters": {}}}]),
        "tools[1].function.name",
        "required field is missing",
        id="tool-no-name",
    ),
    pytest.param(
        chat(tools=[{"type": "function", "function": {"name": "f", "parameters": []}}]),
        "tools[0].function.parameters",
        "expected an object, got an array",
        id="tool-parameters-list",
    ),
    pytest.param(
        chat(tool_choice="any"),
        "tool_choice",
        "'any' is not one of 'none', 'auto', 'required'",
        id="tool_choice",
    ),
    pytest.param(chat(tool_choice=1), "tool_choice", "or an object, got an integer", id="tool_choice-int"),
    pytest.param(chat(tool_choice={"type": "function"}), "tool_choice.function", "required", id="tool_choice-fn"),
    pytest.param(
        chat(tool_choice={"type": "function", "function": {}}),
        "tool_choice.function.name",
        "required",
        id="tool_choice-name",
    ),
    pytest.param(chat(functions=[]), "functions", "non-empty array of functions", id="functions-empty"),
    pytest.param(chat(functions=[{"name": "f"}] * 129), "functions[128]", "at most 128 functions", id="functions-129"),
    pytest.param(chat(functions=[{"description": "d"}]), "functions[0].name", "required", id="function-no-name"),
    pytest.param(chat(function_call="required"), "function_call", "'required' is not one of", id="function_call"),
    pytest.param(chat(function_call={}), "function_call.name", "required", id="function_call-no-name"),
    # response_format, modalities, audio, prediction
    pytest.param(chat(response_format="json"), "response_format", "expected a response format", id="rf-str"),
    pytest.param(chat(response_format={"type": "xml"}), "response_format.type", "'xml' is not one of", id="rf-type"),
    pytest.param(
        chat(response_format={"type": "json_schema"}),
        "response_format.json_schema",
        "required field is missing",
        id="rf-no-json_schema",
    ),
    pytest.param(
        chat(response_format={"type": "json_schema", "json_schema": {"schema": {}}}),
        "response_format.json_schema.name",
        "required field is missing",
        id="rf-no-name",
    ),
    pytest.param(chat(modalities=["text", "video"]), "modalities[1]", "'video' is not one of", id="modalities"),
    pytest.param(chat(modalities="text"), "modalities", "expected an array of modalities", id="modalities-str"),
    pytest.param(chat(audio={"format": "wav"}), "audio.voice", "required field is missing", id="audio-no-voice"),
    pytest.param(chat(audio={"voice": "alloy", "format": 1}), "audio.format", "expected a string", id="audio-format"),
    pytest.param(chat(prediction={"type": "content"}), "prediction.content", "required", id="prediction-content"),
]


@pytest.mark.parametrize(("body", "param", "fragment"), INVALID_CHAT)
def test_invalid_chat_request_names_the_field(body: dict[str, Any], param: str, fragment: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        validate_chat_request(body)
    error = caught.value
    assert error.param == param
    assert error.message.startswith(f"{param}: ")
    assert fragment in error.message
    assert error.status == 400
    assert error.envelope()["error"]["param"] == param


def test_messages_as_specified_in_the_brief() -> None:
    with pytest.raises(InvalidRequestError) as caught:
        validate_chat_request(chat(messages=[USER, USER, {"role": "robot", "content": "x"}]))
    assert caught.value.message == (
        "messages[2].role: 'robot' is not one of 'system', 'developer', 'user', 'assistant', 'tool', 'function'"
    )
    with pytest.raises(InvalidRequestError) as caught:
        validate_chat_request(chat(temperature=3))
    assert caught.value.message == "temperature: 3 is greater than the maximum of 2"


@pytest.mark.parametrize("body", [[], "{}", None, 1, [{"messages": []}]])
@pytest.mark.parametrize("validate", [validate_chat_request, validate_completion_request])
def test_body_must_be_an_object(body: object, validate: Any) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        validate(body)
    assert caught.value.message == "request body must be a JSON object"
    assert caught.value.param is None


def test_first_offending_field_in_body_order_is_reported() -> None:
    body = json.loads('{"n": 0, "messages": [{"role": "robot"}], "temperature": 3}')
    with pytest.raises(InvalidRequestError) as caught:
        validate_chat_request(body)
    assert caught.value.param == "n"


def test_messages_never_echo_content() -> None:
    secret = "my password is hunter2 " * 10
    bodies = [
        second(user_parts({"type": "input_text", "text": secret})),
        second({"role": secret, "content": secret}),
        chat(stop=[secret] * 5),
    ]
    for body in bodies:
        with pytest.raises(InvalidRequestError) as caught:
            validate_chat_request(body)
        assert secret not in caught.value.message
        assert len(caught.value.message) < 200


def test_message_roles() -> None:
    assert MESSAGE_ROLES == ("system", "developer", "user", "assistant", "tool", "function")


# --- legacy completions ------------------------------------------------------------------------


def completion(**fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is a test"}
    body.update(fields)
    return {key: value for key, value in body.items() if value is not ...}


VALID_COMPLETION = [
    pytest.param(completion(), id="minimal"),
    pytest.param(completion(model=..., prompt=None), id="prompt-null-no-model"),
    pytest.param(completion(prompt=["a", "b"]), id="prompt-strings"),
    pytest.param(completion(prompt=[]), id="prompt-empty-array"),
    pytest.param(completion(prompt=[1, 2, 3]), id="prompt-tokens"),
    pytest.param(completion(prompt=[[1, 2], [3]]), id="prompt-token-arrays"),
    pytest.param(completion(prompt=list(range(5000))), id="prompt-long-tokens"),
    pytest.param(completion(echo=True, max_tokens=0, logprobs=5), id="score-prompt"),
    pytest.param(completion(logprobs=0, best_of=20, n=20, suffix="end", seed=1), id="bounds"),
    pytest.param(completion(temperature=2, top_p=1, frequency_penalty=-2, presence_penalty=2), id="ranges"),
    pytest.param(completion(stop=["\n", "END"], stream=True, stream_options={"include_usage": True}), id="stream"),
    pytest.param(completion(model="openai/gpt-3.5-turbo-instruct", top_k=5, messages="ignored"), id="unknown"),
    pytest.param(completion(logit_bias={"50256": -100}, user="u", enkrypt_context="ctx"), id="misc"),
    pytest.param(
        {**{key: None for key in ("temperature", "n", "logprobs", "stop", "suffix")}, "prompt": "x"},
        id="nulls",
    ),
]


@pytest.mark.parametrize("body", VALID_COMPLETION)
def test_valid_completion_request_passes(body: dict[str, Any]) -> None:
    before = copy.deepcopy(body)
    validate_completion_request(body)
    assert body == before


INVALID_COMPLETION = [
    pytest.param({"model": "x"}, "prompt", "required field is missing", id="prompt-missing"),
    pytest.param(completion(prompt=5), "prompt", "expected a string, an array of strings", id="prompt-int"),
    pytest.param(completion(prompt={"text": "x"}), "prompt", "got an object", id="prompt-object"),
    pytest.param(completion(prompt=["a", 1]), "prompt[1]", "expected a string, got an integer", id="strings-mixed"),
    pytest.param(completion(prompt=[1, "a"]), "prompt[1]", "expected an integer, got a string", id="tokens-mixed"),
    pytest.param(completion(prompt=[1, True]), "prompt[1]", "got a boolean", id="tokens-bool"),
    pytest.param(completion(prompt=[1.5]), "prompt[0]", "got a decimal number", id="prompt-decimal"),
    pytest.param(completion(prompt=[[]]), "prompt[0]", "non-empty array of tokens", id="token-array-empty"),
    pytest.param(completion(prompt=[[1], [2, "x"]]), "prompt[1][1]", "expected an integer", id="token-arrays-mixed"),
    pytest.param(completion(logprobs=6), "logprobs", "6 is greater than the maximum of 5", id="logprobs-6"),
    pytest.param(completion(logprobs=True), "logprobs", "expected an integer or null, got a boolean", id="lp-bool"),
    pytest.param(completion(best_of=21), "best_of", "maximum of 20", id="best_of-21"),
    pytest.param(completion(max_tokens=-1), "max_tokens", "minimum of 0", id="max_tokens-neg"),
    pytest.param(completion(n=0), "n", "minimum of 1", id="n-0"),
    pytest.param(completion(temperature=3), "temperature", "maximum of 2", id="temperature"),
    pytest.param(completion(top_p=2), "top_p", "maximum of 1", id="top_p"),
    pytest.param(completion(echo="yes"), "echo", "expected a boolean or null", id="echo"),
    pytest.param(completion(suffix=1), "suffix", "expected a string or null", id="suffix"),
    pytest.param(completion(stop=["a"] * 5), "stop[4]", "at most 4", id="stop-five"),
    pytest.param(completion(model=1), "model", "expected a string", id="model-int"),
    pytest.param(completion(logit_bias={"1": 200}), "logit_bias.1", "maximum of 100", id="logit_bias"),
]


@pytest.mark.parametrize(("body", "param", "fragment"), INVALID_COMPLETION)
def test_invalid_completion_request_names_the_field(body: dict[str, Any], param: str, fragment: str) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        validate_completion_request(body)
    assert caught.value.param == param
    assert caught.value.message.startswith(f"{param}: ")
    assert fragment in caught.value.message


# --- the module stays pure ---------------------------------------------------------------------


def test_module_is_pure() -> None:
    tree = ast.parse(Path(_models.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            imported.add(node.module.split(".")[0])
        assert not isinstance(node, (ast.Await, ast.AsyncFunctionDef))
    assert not imported & {"asyncio", "anyio", "starlette", "asgiref", "httpx", "jsonschema"}
