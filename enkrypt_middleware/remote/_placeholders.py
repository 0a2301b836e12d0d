"""Recover Enkrypt's PII placeholders from an anonymised text and its original (pure: no I/O).

``/guardrails/pii`` answers an anonymised text and an opaque key, not the map placeholder -> value. The
middleware needs the map to report and restore locally, so it is rebuilt by alignment: the anonymised text
is literal segments and placeholders (``<PERSON_0>``, ``<EMAIL_ADDRESS_1>``), and the literal segments
appear in the original, in order, with each placeholder's value between them.

The alignment is trusted only when it is the only one: the leftmost and the rightmost placement of the
segments must agree (any valid placement lies between the two), and each value must be non-empty. Two
adjacent placeholders can be split any way, so they make the answer None, as do segments that do not match
and a placeholder given two different values. No regex can backtrack here: placeholders are found by a
single character-class run, and segments by ``str.find``/``str.rfind``, so hostile input costs linear-ish
time.
"""

from __future__ import annotations

import re

__all__ = ["placeholder_map", "placeholder_spans"]

# one run of a character class between < and >: no nested quantifier, no backtracking blow-up
_PLACEHOLDER = re.compile(r"<([A-Z][A-Z0-9_]*)>")


def _split(anonymised: str) -> tuple[list[str], list[str]]:
    """Literal segments (one more than placeholders) and placeholders (with brackets), in order."""
    literals: list[str] = []
    names: list[str] = []
    start = 0
    for match in _PLACEHOLDER.finditer(anonymised):
        name = match.group(1)
        head, _, number = name.rpartition("_")
        if not head or not number.isdigit():  # <NAME_3> only; <B> or <ROOT> are literal text
            continue
        literals.append(anonymised[start : match.start()])
        names.append(match.group(0))
        start = match.end()
    literals.append(anonymised[start:])
    return literals, names


def _leftmost(original: str, middle: list[str], lo: int, hi: int) -> list[int] | None:
    """Start of each middle segment, each as early as possible with a non-empty value before and after."""
    starts: list[int] = []
    pos = lo
    for literal in middle:
        found = original.find(literal, pos + 1, hi - 1)
        if found < 0:
            return None
        starts.append(found)
        pos = found + len(literal)
    return starts


def _rightmost(original: str, middle: list[str], lo: int, hi: int) -> list[int] | None:
    """``_leftmost`` from the other end: each segment as late as possible."""
    starts: list[int] = []
    pos = hi
    for literal in reversed(middle):
        found = original.rfind(literal, lo + 1, pos - 1)
        if found < 0:
            return None
        starts.append(found)
        pos = found
    starts.reverse()
    return starts


def placeholder_map(original: str, anonymised: str) -> dict[str, str] | None:
    """Placeholder -> original value (``{"<PERSON_0>": "Ram"}``); None when the alignment is ambiguous or
    inconsistent. ``{}`` when there are no placeholders and the texts are equal."""
    spans = placeholder_spans(original, anonymised)
    if spans is None:
        return None
    return {name: original[begin:end] for begin, end, name in spans}


def placeholder_spans(original: str, anonymised: str) -> list[tuple[int, int, str]] | None:
    """Where each placeholder's value lies in ``original``: (start, end, placeholder) in order; None when the
    alignment is ambiguous or inconsistent (as ``placeholder_map``)."""
    literals, names = _split(anonymised)
    if not names:
        return [] if original == anonymised else None
    middle = literals[1:-1]
    if not all(middle):  # adjacent placeholders: no way to tell where one value ends
        return None
    head, tail = literals[0], literals[-1]
    lo, hi = len(head), len(original) - len(tail)
    if hi - lo < len(names) or not original.startswith(head) or not original.endswith(tail):
        return None
    left = _leftmost(original, middle, lo, hi)
    if left is None or left != _rightmost(original, middle, lo, hi):
        return None
    # value i runs from the end of segment i-1 (or lo) to the start of segment i (or hi)
    begins = [lo, *(start + len(literal) for start, literal in zip(left, middle, strict=True))]
    mapping: dict[str, str] = {}
    spans: list[tuple[int, int, str]] = []
    for name, begin, end in zip(names, begins, [*left, hi], strict=True):
        value = original[begin:end]
        if mapping.setdefault(name, value) != value:
            return None
        spans.append((begin, end, name))
    return spans
