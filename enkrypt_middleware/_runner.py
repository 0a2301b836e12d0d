"""Runs one side's detectors over the scanned texts: concurrently, with timeouts, ``on_error`` and the cache.

How each detector runs is decided once, when the configuration is compiled (``DetectorEntry.mode``):

- sync detectors that declare ``inline = True`` (the built-in regex detectors) run directly, since a
  worker-thread hop would cost more than they do;
- other sync detectors run in a worker thread, so a slow one never blocks the event loop;
- async detectors run as tasks;
- detectors answered together by one backend call (``DetectorEntry.group``: a remote policy) run as one
  task per group, with one call for all the texts of the side, never one per text or per detector.

A detector that raises or overruns ``timeout_ms`` becomes an :class:`Outcome` with ``error`` set;
the request goes on and ``on_error`` decides what it means (see ``_engine.evaluate``).

Detectors with ``needs_context`` (``DetectorEntry.needs_context``) are called as
``detect(text, context)`` with the ``ScanContext`` given to ``run_side``; the others as ``detect(text)``.

With a :class:`CacheUse`, cacheable entries (``DetectorEntry.cacheable``) look each text up first and
only scan the misses; ``fresh`` (``X-Enkrypt-Refresh-Cache``) skips the lookup but stores the new results.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

import anyio
import anyio.to_thread

from ._cache import DetectionCache, context_digest, finding_size, text_digest
from ._config import DetectorEntry, Side, detector_order
from ._engine import Outcome, Scanned
from .detectors.base import NO_CONTEXT, Finding, Located, ScanContext

__all__ = ["CacheUse", "DetectorGroup", "GroupError", "run_side", "run_side_sync"]


class GroupError(Exception):
    """A group's backend failed; ``str()`` is safe to show (a kind and a reason, never the text)."""


class DetectorGroup(Protocol):
    """Several detectors answered by one backend call per side (a remote policy).

    ``answer``/``answer_sync`` take all the texts of a side and return, per text, a mapping of detector
    name -> finding. ``entry(name)`` is the entry a name reports under: the configured one, or for a
    backend that decides its own detectors (a saved remote policy), one made on first sight.
    """

    fingerprint: bytes
    timeout_ms: int

    async def answer(self, texts: Sequence[str]) -> list[Mapping[str, Finding]]: ...

    def answer_sync(self, texts: Sequence[str]) -> list[Mapping[str, Finding]]: ...

    def entry(self, name: str) -> DetectorEntry: ...


@dataclass(slots=True)
class CacheUse:
    """The detection cache as one request uses it."""

    cache: DetectionCache
    fresh: bool = False
    """Skip lookups (X-Enkrypt-Refresh-Cache from an allowed caller); results are still stored."""
    hits: int = 0
    _digests: dict[int, bytes] = field(default_factory=dict)

    def digest(self, text: str) -> bytes:
        """The text's digest, computed once per request however many detectors look it up."""
        digest = self._digests.get(id(text))
        if digest is None:
            digest = self._digests[id(text)] = text_digest(text)
        return digest


def _finding(value: Any) -> Finding:
    if isinstance(value, Finding):
        return value
    return Finding.model_validate(value)


def _error_text(exc: BaseException) -> str:
    # The type only: an exception message may quote the scanned text.
    return f"detector failed: {type(exc).__name__}"


def _detect_call(entry: DetectorEntry, context: ScanContext | None) -> Callable[[str], Any]:
    if not entry.needs_context:
        return entry.detector.detect
    detect: Callable[..., Any] = entry.detector.detect
    bound = NO_CONTEXT if context is None else context
    return lambda text: detect(text, bound)


class _Lookup:
    """Cache lookups of one entry (or group) over the texts of a side: what is known, what is missing."""

    __slots__ = ("found", "hits", "keys", "missing", "use")

    def __init__(self, use: CacheUse | None, fingerprint: bytes, texts: Sequence[Scanned], ctx: bytes) -> None:
        self.use = use
        self.found: list[Any] = [None] * len(texts)
        self.keys: list[tuple[bytes, bytes, bytes]] = []
        self.missing: list[int] = []
        self.hits = 0
        if use is None:
            self.missing = list(range(len(texts)))
            return
        cache = use.cache
        for index, item in enumerate(texts):
            key = (fingerprint, use.digest(item.text), ctx)
            self.keys.append(key)
            value = None if use.fresh else cache.get(key)
            if value is None:
                self.missing.append(index)
            else:
                self.found[index] = value
                self.hits += 1
        use.hits += self.hits

    def store(self, index: int, value: Any, size: int) -> None:
        self.found[index] = value
        if self.use is not None:
            self.use.cache.put(self.keys[index], value, size)


def _lookup(entry: DetectorEntry, texts: Sequence[Scanned], use: CacheUse | None, ctx: bytes) -> _Lookup:
    return _Lookup(use if entry.cacheable else None, entry.fingerprint, texts, ctx if entry.needs_context else b"")


def _run_inline(
    entry: DetectorEntry, texts: Sequence[Scanned], context: ScanContext | None, use: CacheUse | None, ctx: bytes
) -> Outcome:
    detect = _detect_call(entry, context)
    try:
        if use is None or not entry.cacheable:
            return Outcome(entry, [Located(item.path, item.text, _finding(detect(item.text))) for item in texts])
        lookup = _lookup(entry, texts, use, ctx)
        for index in lookup.missing:
            finding = _finding(detect(texts[index].text))
            lookup.store(index, finding, finding_size(finding))
        located = [Located(item.path, item.text, f) for item, f in zip(texts, lookup.found, strict=True)]
        return Outcome(entry, located, cached=lookup.hits)
    except Exception as exc:
        return Outcome(entry, [], _error_text(exc))


async def _run_awaited(
    entry: DetectorEntry,
    texts: Sequence[Scanned],
    results: list[Outcome],
    context: ScanContext | None,
    use: CacheUse | None,
    ctx: bytes,
) -> None:
    detect = _detect_call(entry, context)
    lookup = _lookup(entry, texts, use, ctx)
    try:
        with anyio.fail_after(entry.options.timeout_ms / 1000):
            for index in lookup.missing:
                text = texts[index].text
                if entry.mode == "async":
                    value = await detect(text)
                else:
                    value = await anyio.to_thread.run_sync(partial(detect, text), abandon_on_cancel=True)
                finding = _finding(value)
                lookup.store(index, finding, finding_size(finding))
        located = [Located(item.path, item.text, f) for item, f in zip(texts, lookup.found, strict=True)]
        results.append(Outcome(entry, located, cached=lookup.hits))
    except TimeoutError:
        results.append(Outcome(entry, [], f"timed out after {entry.options.timeout_ms} ms"))
    except Exception as exc:
        results.append(Outcome(entry, [], _error_text(exc)))


def _group_outcomes(
    group: DetectorGroup, members: Sequence[DetectorEntry], texts: Sequence[Scanned], lookup: _Lookup
) -> list[Outcome]:
    """Spread a group's per-text answers over its detectors: one outcome per detector that answered."""
    answers: list[Mapping[str, Finding]] = lookup.found
    static = [entry for entry in members if entry.group_member]
    names: dict[str, None] = {entry.name: None for entry in static}
    if len(static) < len(members):  # the backend decides which detectors run: take what it answered
        for answer in answers:
            names.update(dict.fromkeys(answer))
    absent = Finding(detected=False)
    outcomes = []
    for name in names:
        entry = group.entry(name)
        located = [
            Located(item.path, item.text, answer.get(name, absent)) for item, answer in zip(texts, answers, strict=True)
        ]
        outcomes.append(Outcome(entry, located, cached=lookup.hits))
    return outcomes


def _group_failed(members: Sequence[DetectorEntry], error: str) -> list[Outcome]:
    return [Outcome(entry, [], error) for entry in members]


def _answer_size(answer: Mapping[str, Finding]) -> int:
    return sum(finding_size(finding) for finding in answer.values())


async def _run_group(
    group: DetectorGroup,
    members: Sequence[DetectorEntry],
    texts: Sequence[Scanned],
    results: list[Outcome],
    use: CacheUse | None,
) -> None:
    lookup = _Lookup(use if members[0].cacheable else None, group.fingerprint, texts, b"")
    try:
        if lookup.missing:
            with anyio.fail_after(group.timeout_ms / 1000):
                answers = await group.answer([texts[index].text for index in lookup.missing])
            for index, answer in zip(lookup.missing, answers, strict=True):
                lookup.store(index, answer, _answer_size(answer))
        results.extend(_group_outcomes(group, members, texts, lookup))
    except TimeoutError:
        results.extend(_group_failed(members, f"timeout: no answer within {group.timeout_ms} ms"))
    except GroupError as exc:
        results.extend(_group_failed(members, str(exc)))
    except Exception as exc:
        results.extend(_group_failed(members, _error_text(exc)))


def _run_group_sync(
    group: DetectorGroup, members: Sequence[DetectorEntry], texts: Sequence[Scanned], use: CacheUse | None
) -> list[Outcome]:
    lookup = _Lookup(use if members[0].cacheable else None, group.fingerprint, texts, b"")
    try:
        if lookup.missing:
            answers = group.answer_sync([texts[index].text for index in lookup.missing])
            for index, answer in zip(lookup.missing, answers, strict=True):
                lookup.store(index, answer, _answer_size(answer))
        return _group_outcomes(group, members, texts, lookup)
    except GroupError as exc:
        return _group_failed(members, str(exc))
    except Exception as exc:
        return _group_failed(members, _error_text(exc))


def _sorted(outcomes: list[Outcome]) -> list[Outcome]:
    outcomes.sort(key=lambda outcome: detector_order(outcome.entry.name))
    return outcomes


def _context_key(side: Side, context: ScanContext | None, use: CacheUse | None) -> bytes:
    return context_digest(context) if use is not None and side.needs_context else b""


async def run_side(
    side: Side, texts: Sequence[Scanned], context: ScanContext | None = None, *, cache: CacheUse | None = None
) -> tuple[list[Outcome], float]:
    """Run every detector of ``side`` on ``texts``; returns the outcomes and the elapsed milliseconds.

    ``context`` is what context-aware detectors judge against (``NO_CONTEXT`` when None).
    """
    started = time.perf_counter()
    use = cache if side.cacheable else None
    ctx = _context_key(side, context, use)
    outcomes: list[Outcome] = []
    if not side.awaited and not side.groups:
        outcomes = [_run_inline(entry, texts, context, use, ctx) for entry in side.inline]
    else:
        async with anyio.create_task_group() as tasks:
            for entry in side.awaited:
                tasks.start_soon(_run_awaited, entry, texts, outcomes, context, use, ctx)
            for group, members in side.groups:
                tasks.start_soon(_run_group, group, members, texts, outcomes, use)
            outcomes.extend(_run_inline(entry, texts, context, use, ctx) for entry in side.inline)
        _sorted(outcomes)
    return outcomes, (time.perf_counter() - started) * 1000


def run_side_sync(
    side: Side, texts: Sequence[Scanned], context: ScanContext | None = None, *, cache: CacheUse | None = None
) -> tuple[list[Outcome], float]:
    """``run_side`` for the WSGI path.

    Inline detectors and groups (with their sync HTTP client) run on the calling thread; the other
    detectors through asgiref's event loop.
    """
    started = time.perf_counter()
    use = cache if side.cacheable else None
    ctx = _context_key(side, context, use)
    outcomes = [_run_inline(entry, texts, context, use, ctx) for entry in side.inline]
    for group, members in side.groups:
        outcomes.extend(_run_group_sync(group, members, texts, use))
    if side.awaited:
        from asgiref.sync import async_to_sync

        async def awaited() -> list[Outcome]:
            results: list[Outcome] = []
            async with anyio.create_task_group() as tasks:
                for entry in side.awaited:
                    tasks.start_soon(_run_awaited, entry, texts, results, context, use, ctx)
            return results

        outcomes.extend(async_to_sync(awaited)())
    if side.awaited or side.groups:
        _sorted(outcomes)
    return outcomes, (time.perf_counter() - started) * 1000
