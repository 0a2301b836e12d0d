"""Wire types of the requests the middleware intercepts: validation of the request body.

:func:`validate_chat_request` checks a parsed ``POST …/chat/completions`` body against the constraints of
the seed's ``CreateChatCompletionRequest`` (``seeds/ai-proxy-chat-completions.openapi.yaml``);
:func:`validate_completion_request` does the same for a legacy ``POST …/completions`` body (OpenAI's
``CreateCompletionRequest``). Both raise :class:`InvalidRequestError` whose ``param`` is the OpenAI-style
path of the first offending field (``messages[2].content``, ``stop[4]``) and whose message starts with that
path and says what is wrong::

    messages[2].role: 'robot' is not one of 'system', 'developer', 'user', 'assistant', 'tool', 'function'
    temperature: 3 is greater than the maximum of 2

PURE: no I/O, no event loop. This runs on every intercepted request, so the checks are hand-written over the
already-parsed dict, with no model construction and no JSON-Schema engine. They are still data: a check is a
function of one value, built from a few combinators (``_object``, ``_array``, ``_tagged``, ``_number`` …),
and each endpoint is a table ``field -> check`` with its numeric ranges in a table of their own. A check
knows nothing of where its value sits; a failing check raises ``_Invalid`` and each enclosing container adds
its key or index while the error unwinds, so a valid request never builds a path string. A typical request
(3 messages, ``temperature``, ``max_tokens``) validates in about 2 µs (CPython 3.11), less than
``json.loads`` takes to parse that body.

Deliberate leniency (the host app, not the guardrail, decides what its model accepts):

- Unknown fields pass untouched: at the top level (``top_k``), in messages, content parts and tools.
- ``model`` is neither required nor checked against a list (``openai/gpt-4o`` passes, seed 002).
- Enums that OpenAI has grown since the seed are checked for their type only, and accept null:
  ``reasoning_effort`` (seed: low, medium, high; OpenAI now also takes minimal, none, xhigh),
  ``service_tier`` (seed: auto, default; now also flex, priority, scale, which seed 002 answers with),
  ``audio.voice`` (a string, or an object for custom voices) and ``audio.format`` (now also aac). Rejecting
  what a newer client legitimately sends would break it; a wrong value is the host's to refuse.
- An assistant message's ``tool_calls`` accepts null, although the seed does not say so: an SDK response
  message appended back to ``messages`` carries ``"tool_calls": null``, and OpenAI accepts it.
- Cross-field rules are enforced only where CONTRACT §6 names them (``top_logprobs`` needs
  ``logprobs: true``). ``stream_options`` without ``stream``, an assistant message with neither content nor
  tool calls, and a legacy ``best_of`` below ``n`` are left to the host.

Deliberate strictness:

- Integers are JSON integers: ``2.0`` is refused where an integer is expected, as OpenAI does ("expected an
  integer, but got a decimal number"); booleans are never numbers (``temperature: true`` is refused); NaN
  and infinities, which Python's json module parses, fail every range.
- ``max_tokens``/``max_completion_tokens`` of a chat request must be at least 1 (the seed states no minimum;
  OpenAI answers 0 with "expected a value >= 1"). A legacy request may say ``max_tokens: 0`` together with
  ``echo: true`` to score a prompt, so there the minimum is 0.
- Content part types are a closed set per role, and tool types are ``function`` only (the seed's enums): a
  part or tool call of an unknown type is text the scanner would not see, so it is refused rather than
  forwarded unscanned.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, NoReturn

from ._exceptions import InvalidRequestError

__all__ = ["MESSAGE_ROLES", "validate_chat_request", "validate_completion_request"]

_Check = Callable[[Any], None]
"""Validates one parsed JSON value; raises ``_Invalid`` with a path relative to that value."""
_Field = tuple[str, _Check, bool]
"""(name, check, required) of one property of an object."""

_MISSING: Final = object()
_INF: Final = float("inf")
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


class _Invalid(Exception):
    """A failed check. ``path`` holds keys and indexes innermost first; containers append while unwinding."""

    def __init__(self, problem: str, *path: str | int) -> None:
        super().__init__(problem)
        self.problem = problem
        self.path: list[str | int] = list(path)


def _format_path(parts: list[str | int]) -> str:
    """``["content", 2, "messages"]`` (innermost first) -> ``messages[2].content``."""
    out: list[str] = []
    for part in reversed(parts):
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(f".{part}" if out else part)
    return "".join(out)


def _kind(value: object) -> str:
    """The JSON type of a parsed value, with its article. Messages name types, never echo content."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "a boolean"
    if type(value) is int:
        return "an integer"
    if type(value) is float:
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: str) -> str:
    return repr(value) if len(value) <= 40 else repr(value[:40]) + "..."


def _listing(allowed: tuple[str, ...] | Mapping[str, object]) -> str:
    return ", ".join(map(repr, allowed))


# --- combinators -------------------------------------------------------------------------------


def _any(value: Any) -> None:
    """No constraint beyond what the caller already checked."""


def _string(*, nullable: bool = False) -> _Check:
    expected = "a string or null" if nullable else "a string"

    def check(value: Any) -> None:
        if isinstance(value, str) or (value is None and nullable):
            return
        raise _Invalid(f"expected {expected}, got {_kind(value)}")

    return check


def _boolean(*, nullable: bool = False) -> _Check:
    expected = "a boolean or null" if nullable else "a boolean"

    def check(value: Any) -> None:
        if value is True or value is False or (value is None and nullable):
            return
        raise _Invalid(f"expected {expected}, got {_kind(value)}")

    return check


def _number(minimum: float, maximum: float, *, integer: bool, nullable: bool = True) -> _Check:
    """A JSON number (``integer``: a JSON integer) within ``[minimum, maximum]``."""
    expected = "an integer" if integer else "a number"
    if nullable:
        expected += " or null"

    def check(value: Any) -> None:
        kind = type(value)
        if kind is int or (kind is float and not integer):
            if minimum <= value <= maximum:
                return
            if value < minimum:
                raise _Invalid(f"{value!r} is less than the minimum of {minimum!r}")
            if value > maximum:
                raise _Invalid(f"{value!r} is greater than the maximum of {maximum!r}")
            raise _Invalid(f"{value!r} is not a finite number")
        if value is None and nullable:
            return
        if kind is float:
            raise _Invalid(f"expected {expected}, got the decimal number {value!r}")
        raise _Invalid(f"expected {expected}, got {_kind(value)}")

    return check


def _enum(*allowed: str) -> _Check:
    listed = _listing(allowed)

    def check(value: Any) -> None:
        if isinstance(value, str):
            if value in allowed:
                return
            raise _Invalid(f"{_show(value)} is not one of {listed}")
        raise _Invalid(f"expected one of {listed}, got {_kind(value)}")

    return check


def _req(name: str, check: _Check) -> _Field:
    return (name, check, True)


def _opt(name: str, check: _Check) -> _Field:
    return (name, check, False)


def _object(*fields: _Field, nullable: bool = False) -> _Check:
    """An object whose listed properties pass their checks; other properties pass untouched."""
    expected = "an object or null" if nullable else "an object"

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            if value is None and nullable:
                return
            raise _Invalid(f"expected {expected}, got {_kind(value)}")
        for name, field_check, required in fields:
            item = value.get(name, _MISSING)
            if item is _MISSING:
                if required:
                    raise _Invalid("required field is missing", name)
                continue
            try:
                field_check(item)
            except _Invalid as error:
                error.path.append(name)
                raise

    return check


def _map(item_check: _Check, *, nullable: bool = False) -> _Check:
    """An object used as a map: every value passes ``item_check``."""
    expected = "an object or null" if nullable else "an object"

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            if value is None and nullable:
                return
            raise _Invalid(f"expected {expected}, got {_kind(value)}")
        for key, item in value.items():
            try:
                item_check(item)
            except _Invalid as error:
                error.path.append(key)
                raise

    return check


def _array(
    item_check: _Check, items: str, *, non_empty: bool = False, max_items: int = 0, nullable: bool = False
) -> _Check:
    """An array (``items`` names its elements in messages) whose elements pass ``item_check``.

    Too many elements are reported at the first one past the limit (``stop[4]``).
    """
    expected = f"an array of {items} or null" if nullable else f"an array of {items}"

    def check(value: Any) -> None:
        if not isinstance(value, list):
            if value is None and nullable:
                return
            raise _Invalid(f"expected {expected}, got {_kind(value)}")
        if non_empty and not value:
            raise _Invalid(f"expected a non-empty array of {items}, got an empty array")
        if max_items and len(value) > max_items:
            raise _Invalid(f"at most {max_items} {items} are allowed, got {len(value)}", max_items)
        for index, item in enumerate(value):
            try:
                item_check(item)
            except _Invalid as error:
                error.path.append(index)
                raise

    return check


def _tagged(tag: str, variants: Mapping[str, _Check], what: str, *, nullable: bool = False) -> _Check:
    """An object whose ``tag`` property picks the variant check that applies to it."""
    listed = _listing(variants)
    expected = f"{what} or null" if nullable else what

    def check(value: Any) -> None:
        if not isinstance(value, dict):
            if value is None and nullable:
                return
            raise _Invalid(f"expected {expected}, got {_kind(value)}")
        name = value.get(tag, _MISSING)
        variant = variants.get(name) if isinstance(name, str) else None
        if variant is not None:
            variant(value)
        elif isinstance(name, str):
            raise _Invalid(f"{_show(name)} is not one of {listed}", tag)
        elif name is _MISSING:
            raise _Invalid("required field is missing", tag)
        else:
            raise _Invalid(f"expected one of {listed}, got {_kind(name)}", tag)

    return check


def _mode_or_object(modes: tuple[str, ...], named: _Check) -> _Check:
    """``tool_choice``/``function_call``: one of a few strings, or an object naming a function."""
    listed = _listing(modes)

    def check(value: Any) -> None:
        if isinstance(value, str):
            if value in modes:
                return
            raise _Invalid(f"{_show(value)} is not one of {listed}")
        if isinstance(value, dict):
            named(value)
            return
        raise _Invalid(f"expected one of {listed} or an object, got {_kind(value)}")

    return check


def _content(parts: Mapping[str, _Check] | None, *, nullable: bool = False) -> _Check:
    """A message's ``content``: a string, a non-empty array of the role's part types, maybe null."""
    parts_array = (
        _array(_tagged("type", parts, "a content part object"), "content parts", non_empty=True)
        if parts is not None
        else None
    )
    expected = "a string" + (" or an array of content parts" if parts is not None else "")
    if nullable:
        expected += " or null"

    def check(value: Any) -> None:
        if isinstance(value, str):
            return
        if parts_array is not None and isinstance(value, list):
            parts_array(value)
        elif not (value is None and nullable):
            raise _Invalid(f"expected {expected}, got {_kind(value)}")

    return check


def _all_of_type(kind: type, item_check: _Check, items: str, *, non_empty: bool = False) -> _Check:
    """A long homogeneous array (prompt tokens): one C-level pass over the types, the slow path on a miss."""
    slow = _array(item_check, items, non_empty=non_empty)
    only = {kind}

    def check(value: Any) -> None:
        if isinstance(value, list) and set(map(type, value)) == only:
            return
        slow(value)

    return check


# --- shared pieces -----------------------------------------------------------------------------

_STRING: Final = _string()
_STRING_OR_NULL: Final = _string(nullable=True)
_BOOLEAN: Final = _boolean()
_BOOLEAN_OR_NULL: Final = _boolean(nullable=True)
_OBJECT: Final = _object()


_STOP_SEQUENCES: Final = _array(_STRING, "stop sequences", non_empty=True, max_items=4)


def _stop(value: Any) -> None:
    """``stop``: null, a string, or an array of 1 to 4 strings."""
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, list):
        raise _Invalid(f"expected a string, an array of strings or null, got {_kind(value)}")
    _STOP_SEQUENCES(value)


_LOGIT_BIAS: Final = _map(_number(-100, 100, integer=True, nullable=False), nullable=True)
_STREAM_OPTIONS: Final = _object(_opt("include_usage", _BOOLEAN), nullable=True)

_TEXT_PART: Final = _object(_req("text", _STRING))
_TEXT_PARTS: Final[Mapping[str, _Check]] = {"text": _TEXT_PART}
_USER_PARTS: Final[Mapping[str, _Check]] = {
    "text": _TEXT_PART,
    "image_url": _object(
        _req("image_url", _object(_req("url", _STRING), _opt("detail", _enum("auto", "low", "high"))))
    ),
    "input_audio": _object(_req("input_audio", _object(_req("data", _STRING), _req("format", _enum("wav", "mp3"))))),
    # Not in the seed; OpenAI accepts PDF input as a ``file`` part now.
    "file": _object(
        _req("file", _object(_opt("file_data", _STRING), _opt("file_id", _STRING), _opt("filename", _STRING)))
    ),
}
_ASSISTANT_PARTS: Final[Mapping[str, _Check]] = {
    "text": _TEXT_PART,
    "refusal": _object(_req("refusal", _STRING)),
}

_FUNCTION_NAME: Final = _object(_req("name", _STRING))
_TOOL_CALL: Final = _object(
    _req("id", _STRING),
    _req("type", _enum("function")),
    _req("function", _object(_req("name", _STRING), _req("arguments", _STRING))),
)
_NAME: Final = _opt("name", _STRING)

_ROLES: Final[Mapping[str, tuple[_Check, bool, tuple[_Field, ...]]]] = {
    # role: (check of a non-string content, content required, the role's other properties)
    "system": (_content(_TEXT_PARTS), True, (_NAME,)),
    "developer": (_content(_TEXT_PARTS), True, (_NAME,)),
    "user": (_content(_USER_PARTS), True, (_NAME,)),
    "assistant": (
        _content(_ASSISTANT_PARTS, nullable=True),
        False,
        (
            _NAME,
            _opt("refusal", _STRING_OR_NULL),
            _opt("audio", _object(_req("id", _STRING), nullable=True)),
            _opt("tool_calls", _array(_TOOL_CALL, "tool calls", nullable=True)),
            _opt("function_call", _object(_req("name", _STRING), _req("arguments", _STRING), nullable=True)),
        ),
    ),
    "tool": (_content(_TEXT_PARTS), True, (_req("tool_call_id", _STRING),)),
    "function": (_content(None, nullable=True), True, (_req("name", _STRING),)),
}
# Roles whose messages have a required property besides role and content.
_ROLES_WITH_REQUIRED: Final = frozenset(
    role for role, (_, _, fields) in _ROLES.items() if any(required for _, _, required in fields)
)

MESSAGE_ROLES: Final[tuple[str, ...]] = tuple(_ROLES)
"""The roles a chat message may have, in the seed's order."""
_ROLE_LISTING: Final = _listing(MESSAGE_ROLES)


def _message(message: Any) -> None:
    """One chat message, checked by its role's entry in ``_ROLES`` (hand-unrolled: it runs per message)."""
    if not isinstance(message, dict):
        raise _Invalid(f"expected a message object, got {_kind(message)}")
    role = message.get("role", _MISSING)
    spec = _ROLES.get(role) if isinstance(role, str) else None
    if spec is None:
        if isinstance(role, str):
            raise _Invalid(f"{_show(role)} is not one of {_ROLE_LISTING}", "role")
        if role is _MISSING:
            raise _Invalid("required field is missing", "role")
        raise _Invalid(f"expected one of {_ROLE_LISTING}, got {_kind(role)}", "role")
    content_check, content_required, fields = spec
    content = message.get("content", _MISSING)
    if not isinstance(content, str):  # fast path: string content is always valid
        if content is not _MISSING:
            try:
                content_check(content)
            except _Invalid as error:
                error.path.append("content")
                raise
        elif content_required:
            raise _Invalid("required field is missing", "content")
    # Fast path: a message of only role and content has no other property to check, unless one is required.
    if len(message) <= (1 if content is _MISSING else 2) and role not in _ROLES_WITH_REQUIRED:
        return
    for name, check, required in fields:
        item = message.get(name, _MISSING)
        if item is _MISSING:
            if required:
                raise _Invalid("required field is missing", name)
            continue
        try:
            check(item)
        except _Invalid as error:
            error.path.append(name)
            raise


_MESSAGES: Final = _array(_message, "messages", non_empty=True)

_FUNCTION_DEFINITION: Final = _object(
    _req("name", _STRING),
    _opt("description", _STRING),
    _opt("parameters", _OBJECT),
)
_TOOL: Final = _object(
    _req("type", _enum("function")),
    _req(
        "function",
        _object(
            _req("name", _STRING),
            _opt("description", _STRING),
            _opt("parameters", _OBJECT),
            _opt("strict", _BOOLEAN_OR_NULL),
        ),
    ),
)
_RESPONSE_FORMAT: Final = _tagged(
    "type",
    {
        "text": _any,
        "json_object": _any,
        "json_schema": _object(
            _req(
                "json_schema",
                _object(
                    _req("name", _STRING),
                    _opt("description", _STRING),
                    _opt("schema", _OBJECT),
                    _opt("strict", _BOOLEAN_OR_NULL),
                ),
            )
        ),
    },
    "a response format object",
)


def _voice(value: Any) -> None:
    if not isinstance(value, (str, dict)):
        raise _Invalid(f"expected a string or an object, got {_kind(value)}")


# --- chat completions --------------------------------------------------------------------------

_CHAT_RANGES: Final[Mapping[str, tuple[float, float, bool]]] = {
    # field: (minimum, maximum, integer); every one of them is also nullable in the seed
    "temperature": (0, 2, False),
    "top_p": (0, 1, False),
    "frequency_penalty": (-2, 2, False),
    "presence_penalty": (-2, 2, False),
    "n": (1, 128, True),
    "top_logprobs": (0, 20, True),
    "max_tokens": (1, _INF, True),
    "max_completion_tokens": (1, _INF, True),
    "seed": (_INT64_MIN, _INT64_MAX, True),
}

_CHAT_FIELDS: Final[Mapping[str, _Check]] = {
    **{name: _number(low, high, integer=integer) for name, (low, high, integer) in _CHAT_RANGES.items()},
    "messages": _MESSAGES,
    "model": _STRING,
    "enkrypt_context": _STRING,
    "user": _STRING,
    "logprobs": _BOOLEAN_OR_NULL,
    "stream": _BOOLEAN_OR_NULL,
    "store": _BOOLEAN_OR_NULL,
    "parallel_tool_calls": _BOOLEAN,
    "reasoning_effort": _STRING_OR_NULL,  # seed enum low/medium/high has grown: type only (module doc)
    "service_tier": _STRING_OR_NULL,  # seed enum auto/default has grown: type only (module doc)
    "stop": _stop,
    "stream_options": _STREAM_OPTIONS,
    "logit_bias": _LOGIT_BIAS,
    "metadata": _map(_STRING, nullable=True),
    "modalities": _array(_enum("text", "audio"), "modalities", nullable=True),
    "audio": _object(_req("voice", _voice), _req("format", _STRING), nullable=True),
    "prediction": _tagged(
        "type",
        {"content": _object(_req("content", _content(_TEXT_PARTS)))},
        "a prediction object",
        nullable=True,
    ),
    "response_format": _RESPONSE_FORMAT,
    "tools": _array(_TOOL, "tools", max_items=128),
    "tool_choice": _mode_or_object(
        ("none", "auto", "required"),
        _tagged("type", {"function": _object(_req("function", _FUNCTION_NAME))}, "a tool choice object"),
    ),
    "functions": _array(_FUNCTION_DEFINITION, "functions", non_empty=True, max_items=128),
    "function_call": _mode_or_object(("none", "auto"), _FUNCTION_NAME),
}


# --- legacy completions ------------------------------------------------------------------------

_TOKEN: Final = _number(-_INF, _INF, integer=True, nullable=False)
_TOKENS: Final = _all_of_type(int, _TOKEN, "tokens", non_empty=True)
_PROMPT_STRINGS: Final = _all_of_type(str, _STRING, "strings")
_PROMPT_TOKEN_ARRAYS: Final = _array(_TOKENS, "token arrays", non_empty=True)


def _prompt(value: Any) -> None:
    """``prompt``: a string, an array of strings, of tokens or of token arrays, or null."""
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, list):
        raise _Invalid(
            f"expected a string, an array of strings, an array of tokens or an array of token arrays, "
            f"got {_kind(value)}"
        )
    if not value:
        return  # [] is an array of strings, which the schema allows (no minItems)
    first = value[0]
    if isinstance(first, str):
        _PROMPT_STRINGS(value)
    elif type(first) is int:
        _TOKENS(value)
    elif isinstance(first, list):
        _PROMPT_TOKEN_ARRAYS(value)
    else:
        raise _Invalid(f"expected a string, a token or an array of tokens, got {_kind(first)}", 0)


_COMPLETION_RANGES: Final[Mapping[str, tuple[float, float, bool]]] = {
    # field: (minimum, maximum, integer); every one of them is also nullable in OpenAI's schema
    "temperature": (0, 2, False),
    "top_p": (0, 1, False),
    "frequency_penalty": (-2, 2, False),
    "presence_penalty": (-2, 2, False),
    "n": (1, 128, True),
    "best_of": (0, 20, True),
    "logprobs": (0, 5, True),
    "max_tokens": (0, _INF, True),
    "seed": (_INT64_MIN, _INT64_MAX, True),
}

_COMPLETION_FIELDS: Final[Mapping[str, _Check]] = {
    **{name: _number(low, high, integer=integer) for name, (low, high, integer) in _COMPLETION_RANGES.items()},
    "prompt": _prompt,
    "model": _STRING,
    "enkrypt_context": _STRING,
    "user": _STRING,
    "suffix": _STRING_OR_NULL,
    "echo": _BOOLEAN_OR_NULL,
    "stream": _BOOLEAN_OR_NULL,
    "stop": _stop,
    "stream_options": _STREAM_OPTIONS,
    "logit_bias": _LOGIT_BIAS,
}


# --- entry points ------------------------------------------------------------------------------


def _fail(path: str, problem: str) -> NoReturn:
    raise InvalidRequestError(f"{path}: {problem}", param=path)


def _check_body(body: object, fields: Mapping[str, _Check], required: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidRequestError("request body must be a JSON object", param=None)
    if required not in body:
        _fail(required, "required field is missing")
    key = ""
    try:
        for key, value in body.items():
            check = fields.get(key)
            if check is not None:
                check(value)
    except _Invalid as error:
        error.path.append(key)
        _fail(_format_path(error.path), error.problem)
    return body


def validate_chat_request(body: object) -> None:
    """Raise :class:`InvalidRequestError` unless ``body`` is a valid chat completions request.

    ``param`` is the path of the first offending field in body order (``messages[0].role``), or None
    when the body is not a JSON object. Unknown fields are not errors.
    """
    request = _check_body(body, _CHAT_FIELDS, "messages")
    if request.get("top_logprobs") is not None and request.get("logprobs") is not True:
        _fail("top_logprobs", "logprobs must be true when top_logprobs is set")


def validate_completion_request(body: object) -> None:
    """Raise :class:`InvalidRequestError` unless ``body`` is a valid legacy completions request.

    ``prompt`` is required, as in OpenAI's schema, though it may be null.
    """
    _check_body(body, _COMPLETION_FIELDS, "prompt")
