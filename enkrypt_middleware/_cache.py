"""The detection cache: what a detector found in a text, kept so that the same text is not scanned twice.

A conversation resends its whole history on every turn; with ``scan: user`` or ``scan: all`` each
earlier message would be scanned again, and a remote or judge detector would be paid again. The cache
keys a result by the detector's configuration (a fingerprint computed once, when the configuration is
compiled) and a digest of the text (plus, for context-aware detectors, of the context), so neither
the prompt nor the answer is kept as a key. It is bounded by entries and by an estimate of the bytes
its findings hold, entries expire after a TTL, and the least recently used go first.

One instance serves a whole middleware; the WSGI path calls it from several threads, hence the lock
(uncontended, it costs well under a microsecond).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .detectors.base import Finding, ScanContext

__all__ = ["CacheSettings", "CacheStats", "DetectionCache", "context_digest", "text_digest"]


class CacheSettings(BaseModel):
    """``cache`` in the configuration file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(default=True, description="Keep detector results per text and reuse them.")
    scope: Literal["awaited", "all"] = Field(
        default="awaited",
        description="awaited: only detectors that leave the event loop (remote, judge, thread or async "
        "custom ones), whose calls cost more than a lookup; all: every detector, for deployments that scan "
        "whole conversations (`scan: user|all`).",
    )
    max_entries: int = Field(default=10_000, ge=1, description="Most results kept.")
    max_bytes: int = Field(default=32 * 1024 * 1024, ge=1024, description="Most bytes of results kept (estimated).")
    ttl_s: float = Field(default=600.0, gt=0.0, description="Seconds a result stays valid.")


@dataclass(slots=True)
class CacheStats:
    """Counters since start-up (``EnkryptMiddleware.cache_stats()``)."""

    hits: int = 0
    misses: int = 0
    evictions: int = 0
    entries: int = 0
    bytes: int = 0


def text_digest(text: str) -> bytes:
    """16 bytes that stand for ``text`` in a key (the text itself is never kept)."""
    return blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def context_digest(context: ScanContext | None) -> bytes:
    """The digest of what a context-aware detector judges against besides the text."""
    if context is None:
        return b""
    parts = (context.system_prompt, context.context, context.question, context.side)
    hasher = blake2b(digest_size=16)
    for part in parts:
        hasher.update(b"\x00" if part is None else b"\x01" + part.encode("utf-8", "surrogatepass") + b"\x00")
    return hasher.digest()


def _size(value: Any, depth: int = 0) -> int:
    """A rough byte count of a finding's details (JSON-like values); exactness does not matter, bounds do."""
    if isinstance(value, str):
        return 49 + len(value)
    if isinstance(value, Mapping):
        return 64 + sum(_size(k, depth + 1) + _size(v, depth + 1) for k, v in value.items()) if depth < 8 else 64
    if isinstance(value, (list, tuple)):
        return 56 + sum(_size(v, depth + 1) for v in value) if depth < 8 else 56
    return 32


def finding_size(finding: Finding) -> int:
    return 200 + 120 * len(finding.spans) + _size(finding.details)


Key = tuple[bytes, bytes, bytes]
"""(detector fingerprint, text digest, context digest)."""


class DetectionCache:
    """A bounded LRU of findings with a TTL."""

    def __init__(self, settings: CacheSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self._clock = clock
        self._items: OrderedDict[Key, tuple[float, int, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = CacheStats()

    def get(self, key: Key) -> Any | None:
        """The value stored under ``key`` if it is still fresh (a hit), else None (a miss)."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                if item[0] > self._clock():
                    self._items.move_to_end(key)
                    self.stats.hits += 1
                    return item[2]
                self._drop(key)
            self.stats.misses += 1
            return None

    def put(self, key: Key, value: Any, size: int) -> None:
        """Store ``value`` (estimated at ``size`` bytes); evicts the least recently used past the bounds."""
        settings = self.settings
        if size > settings.max_bytes:
            return
        with self._lock:
            if key in self._items:
                self._drop(key)
            self._items[key] = (self._clock() + settings.ttl_s, size, value)
            stats = self.stats
            stats.entries += 1
            stats.bytes += size
            while stats.entries > settings.max_entries or stats.bytes > settings.max_bytes:
                oldest = next(iter(self._items))
                self._drop(oldest)
                stats.evictions += 1

    def _drop(self, key: Key) -> None:
        _, size, _ = self._items.pop(key)
        self.stats.entries -= 1
        self.stats.bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.stats.entries = 0
            self.stats.bytes = 0

    def snapshot(self) -> CacheStats:
        """A copy of the counters, consistent at one instant."""
        with self._lock:
            stats = self.stats
            return CacheStats(stats.hits, stats.misses, stats.evictions, stats.entries, stats.bytes)
