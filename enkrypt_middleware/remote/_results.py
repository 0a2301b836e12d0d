"""Enkrypt's detect answers, read into one per-detector view (pure: no I/O).

Enkrypt's answer is ``{summary, details, result_message}``, but its shapes drift between endpoints and
versions (reference §2.2, §9.2): the summary key is not always the detector's name (``keyword_detected``,
``copyright_ip_similarity``, ``system_prompt_similarity``, ``on_topic``); ``toxicity`` is a list of labels or
``{}``; ``detected_keywords`` a list or ``{}``; guardrail endpoints nest ``policy_violation.policy_violation``
and ``bias.bias``; ``safe``/``attack`` are strings or floats; ``on_topic`` 0 is the violation; either half
may be missing. ``RemoteResult.detectors()`` absorbs all of that so that callers see one shape, and rejects
garbage (a string where a dict belongs, a score that is not a number) with a ``malformed`` ``RemoteError``:
an answer we cannot read must not pass for "nothing detected".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ._http import RemoteError

__all__ = ["DetectorResult", "RemoteResult"]

# summary key -> detector name, where they differ
_SUMMARY_KEYS = {
    "keyword_detected": "keyword_detector",
    "copyright_ip_similarity": "copyright_ip",
    "system_prompt_similarity": "system_prompt",
    "on_topic": "topic_detector",
}
_NESTED = frozenset({"policy_violation", "bias"})  # details.<name>.<name> on guardrail and scan endpoints
_TOXICITY_LABELS = frozenset({"toxicity", "severe_toxicity", "obscene", "threat", "insult", "identity_hate"})
_NO_VIOLATION = frozenset({"", "no violation found"})
_THRESHOLD = 0.5  # where Enkrypt's flags flip (reference §2.2); used only when the summary flag is missing


@dataclass(frozen=True)
class DetectorResult:
    """One detector's verdict. ``score`` is the strength of the detection in [0, 1] (the best number Enkrypt
    gave, else 1.0/0.0 from ``detected``); ``summary`` holds the summary keys of this detector as sent;
    ``details`` its details body, un-nested."""

    detected: bool
    score: float
    summary: dict[str, Any]
    details: Any


@dataclass(frozen=True)
class RemoteResult:
    """One text's answer from a detect endpoint, as sent (``detectors()`` gives the normalised view)."""

    summary: dict[str, Any]
    details: dict[str, Any]
    result_message: str | None = None

    @classmethod
    def from_json(cls, value: Any, *, where: str) -> RemoteResult:
        """Read one answer object; ``malformed`` when it is not one, or when ``detectors()`` cannot read it."""
        if not isinstance(value, dict) or ("summary" not in value and "details" not in value):
            raise _malformed(where, "an answer without summary or details")
        summary, details, message = value.get("summary"), value.get("details"), value.get("result_message")
        summary, details = {} if summary is None else summary, {} if details is None else details
        if not isinstance(summary, dict) or not isinstance(details, dict):
            raise _malformed(where, "summary or details is not an object")
        if message is not None and not isinstance(message, str):
            raise _malformed(where, "result_message is not a string")
        result = cls(summary, details, message)
        result.detectors()
        return result

    def detectors(self) -> dict[str, DetectorResult]:
        """Every detector named in ``summary`` or ``details``, keyed by Enkrypt's detector name."""
        summaries: dict[str, dict[str, Any]] = {}
        for key, value in self.summary.items():
            summaries.setdefault(_SUMMARY_KEYS.get(key, key), {})[key] = value
        names = list(summaries) + [name for name in self.details if name not in summaries]
        return {name: _read(name, summaries.get(name, {}), self.details.get(name)) for name in names}


def _malformed(where: str, what: str) -> RemoteError:
    return RemoteError("malformed", f"{what} in the answer from {where}")


def _read(name: str, summary: dict[str, Any], body: Any) -> DetectorResult:
    reader = _READERS.get(name)
    if reader is None:  # a detector we do not know: read its summary flag, pass its details through
        flag = _flag(name, next(iter(summary.values()), None))
        return DetectorResult(bool(flag), _generic_score(summary, flag), summary, body)
    details = _unnest(name, body)
    flag = _flag(name, next(iter(summary.values()), None))
    if "on_topic" in summary and flag is not None:
        flag = not flag  # on_topic: 1 is good, 0 is the violation
    from_details, score = reader(details)
    detected = flag if flag is not None else bool(from_details)
    if score is None:
        score = 1.0 if detected else 0.0
    return DetectorResult(detected, score, summary, details)


def _unnest(name: str, body: Any) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _malformed(name, f"details.{name} is not an object")
    inner = body.get(name)
    if name in _NESTED and isinstance(inner, dict):
        return {**{k: v for k, v in body.items() if k != name}, **inner}
    return body


def _flag(name: str, value: Any) -> bool | None:
    """A summary value as a flag: 0/1, a count, a list of labels, ``{}``; None when absent."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (list, dict)):
        return bool(value)
    number = _number(name, value)
    return None if number is None else number > 0


def _number(name: str, value: Any) -> float | None:
    """A number sent as a number or a string (``"0.999354"``); None when absent; ``malformed`` otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        return float(value)
    number = _to_float(value)
    if number is None or not math.isfinite(number):
        raise _malformed(name, f"a {name} value that is not a finite number")
    return number


def _to_float(value: Any) -> float | None:
    """float(value) for numbers and numeric strings. The ValueError is not let out: its message quotes the
    string, which is the remote's text."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _unit(number: float | None) -> float | None:
    return None if number is None else min(1.0, max(0.0, number))


def _generic_score(summary: dict[str, Any], flag: bool | None) -> float:
    value = next(iter(summary.values()), None)
    if isinstance(value, float) and 0.0 <= value <= 1.0:
        return value
    return 1.0 if flag else 0.0


def _above(score: float | None) -> bool | None:
    return None if score is None else score >= _THRESHOLD


def _typed(name: str, value: Any, *types: type) -> Any:
    """``value`` when absent or of one of ``types``; ``malformed`` otherwise."""
    if value is not None and not isinstance(value, types):
        raise _malformed(name, f"a {name} field of the wrong type")
    return value


# Each reader takes a detector's un-nested details and returns (detected according to the details, score).
Reader = Callable[[dict[str, Any]], tuple[bool | None, float | None]]


def _injection(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    attack = _number("injection_attack", details.get("attack"))
    safe = _number("injection_attack", details.get("safe"))
    score = _unit(attack if attack is not None else None if safe is None else 1.0 - safe)
    return _above(score), score


def _toxicity(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    scores = [_number("toxicity", v) for k, v in details.items() if k in _TOXICITY_LABELS]
    score = _unit(max((s for s in scores if s is not None), default=None))
    return _above(score), score


def _nsfw(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    nsfw, sfw = _number("nsfw", details.get("nsfw")), _number("nsfw", details.get("sfw"))
    score = _unit(nsfw if nsfw is not None else None if sfw is None else 1.0 - sfw)
    return _above(score), score


def _keywords(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    found = _typed("keyword_detector", details.get("detected_keywords"), list, dict)
    counts = _typed("keyword_detector", details.get("detected_counts"), dict) or {}
    hits = any((_number("keyword_detector", n) or 0) > 0 for n in counts.values())
    return bool(found) or hits, None


def _pii(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    """Details are groups (``pii``, ``secrets``, ``email_address``...) of placeholder -> value maps."""
    return any(
        isinstance(group, (dict, list)) and group for k, group in details.items() if k != "compliance_mapping"
    ), None


def _policy(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    violating = _typed("policy_violation", details.get("violating_policy"), str)
    return (None if violating is None else violating.strip().lower() not in _NO_VIOLATION), None


def _bias(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    return _typed("bias", details.get("bias_detected"), bool), None


def _sponge(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    return _typed("sponge_attack", details.get("sponge_attack_detected"), bool), None


def _similarity(name: str) -> Reader:
    def read(details: dict[str, Any]) -> tuple[bool | None, float | None]:
        score = _unit(_number(name, details.get("similarity_score")))
        return _above(score), score

    return read


def _topic(details: dict[str, Any]) -> tuple[bool | None, float | None]:
    """Details are relevance scores per topic; the detection score is how far off every topic the text is."""
    relevance = [_number("topic_detector", v) for k, v in details.items() if not isinstance(v, (dict, list))]
    best = _unit(max((r for r in relevance if r is not None), default=None))
    score = None if best is None else 1.0 - best
    return _above(score), score


_READERS: Mapping[str, Reader] = {
    "injection_attack": _injection,
    "toxicity": _toxicity,
    "nsfw": _nsfw,
    "keyword_detector": _keywords,
    "pii": _pii,
    "policy_violation": _policy,
    "bias": _bias,
    "sponge_attack": _sponge,
    "copyright_ip": _similarity("copyright_ip"),
    "system_prompt": _similarity("system_prompt"),
    "topic_detector": _topic,
}
