"""Runs one side's detectors over the scanned texts: concurrently, with timeouts and ``on_error``.

How each detector runs is decided once, when the configuration is compiled (``DetectorEntry.mode``):

- sync detectors that declare ``inline = True`` (the built-in regex detectors) run directly, since a
  worker-thread hop would cost more than they do;
- other sync detectors run in a worker thread, so a slow one never blocks the event loop;
- async detectors run as tasks.

A detector that raises or overruns ``timeout_ms`` becomes an :class:`Outcome` with ``error`` set;
the request goes on and ``on_error`` decides what it means (see ``_engine.evaluate``).

Detectors with ``needs_context`` (``DetectorEntry.needs_context``) are called as
``detect(text, context)`` with the ``ScanContext`` given to ``run_side``; the others as ``detect(text)``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import anyio
import anyio.to_thread

from ._config import DetectorEntry, Side
from ._engine import Outcome, Scanned
from .detectors.base import NO_CONTEXT, Finding, Located, ScanContext

__all__ = ["run_side", "run_side_sync"]


def _finding(value: Any) -> Finding:
    if isinstance(value, Finding):
        return value
    return Finding.model_validate(value)


def _located(item: Scanned, value: Any) -> Located:
    return Located(item.path, item.text, value if isinstance(value, Finding) else _finding(value))


def _error_text(exc: BaseException) -> str:
    # The type only: an exception message may quote the scanned text.
    return f"detector failed: {type(exc).__name__}"


def _with_context(entry: DetectorEntry, context: ScanContext | None) -> Callable[[str], Any]:
    detect: Callable[..., Any] = entry.detector.detect
    bound = NO_CONTEXT if context is None else context
    return lambda text: detect(text, bound)


def _run_inline(entry: DetectorEntry, texts: Sequence[Scanned], context: ScanContext | None) -> Outcome:
    detect = _with_context(entry, context) if entry.needs_context else entry.detector.detect
    located: list[Located] = []
    try:
        for item in texts:
            value = detect(item.text)
            located.append(Located(item.path, item.text, value if type(value) is Finding else _finding(value)))
        return Outcome(entry, located)
    except Exception as exc:
        return Outcome(entry, [], _error_text(exc))


async def _run_awaited(
    entry: DetectorEntry, texts: Sequence[Scanned], results: list[Outcome], context: ScanContext | None
) -> None:
    detect = _with_context(entry, context) if entry.needs_context else entry.detector.detect
    timeout = entry.options.timeout_ms / 1000
    try:
        with anyio.fail_after(timeout):
            located: list[Located] = []
            for item in texts:
                if entry.mode == "async":
                    value = await detect(item.text)  # type: ignore[misc]
                else:
                    value = await anyio.to_thread.run_sync(partial(detect, item.text), abandon_on_cancel=True)
                located.append(_located(item, value))
        results.append(Outcome(entry, located))
    except TimeoutError:
        results.append(Outcome(entry, [], f"timed out after {entry.options.timeout_ms} ms"))
    except Exception as exc:
        results.append(Outcome(entry, [], _error_text(exc)))


async def run_side(
    side: Side, texts: Sequence[Scanned], context: ScanContext | None = None
) -> tuple[list[Outcome], float]:
    """Run every detector of ``side`` on ``texts``; returns the outcomes and the elapsed milliseconds.

    ``context`` is what context-aware detectors judge against (``NO_CONTEXT`` when None).
    """
    started = time.perf_counter()
    inline, awaited = side.inline, side.awaited
    outcomes: list[Outcome] = []
    if not awaited:
        outcomes = [_run_inline(entry, texts, context) for entry in inline]
    else:
        async with anyio.create_task_group() as group:
            for entry in awaited:
                group.start_soon(_run_awaited, entry, texts, outcomes, context)
            outcomes.extend(_run_inline(entry, texts, context) for entry in inline)
        order = {entry.name: index for index, entry in enumerate(side.detectors)}
        outcomes.sort(key=lambda outcome: order[outcome.entry.name])
    return outcomes, (time.perf_counter() - started) * 1000


def run_side_sync(
    side: Side, texts: Sequence[Scanned], context: ScanContext | None = None
) -> tuple[list[Outcome], float]:
    """``run_side`` for the WSGI path: inline detectors run here; the others through asgiref's event loop."""
    if all(entry.mode == "inline" for entry in side.detectors):
        started = time.perf_counter()
        outcomes = [_run_inline(entry, texts, context) for entry in side.detectors]
        return outcomes, (time.perf_counter() - started) * 1000
    from asgiref.sync import async_to_sync

    return async_to_sync(run_side)(side, texts, context)
