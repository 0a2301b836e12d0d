"""The ``stream`` scenario: time to first and last body byte of a streamed completion, sequentially.

The host (``bench.app``) streams 20 ``chat.completion.chunk`` events 2 ms apart, then ``[DONE]``.
Each variant (bare, audit, guard with ``stream_window`` 64 and 256) runs in its own uvicorn
subprocess; :class:`StreamClient` sends one request at a time over one keep-alive connection per
round, with a blocking socket, and timestamps (``time.perf_counter_ns``) every ``recv``:

* **TTFB**: request written → first byte of the response *body* (headers excluded) received;
* **total**: request written → last body byte (the end of ``data: [DONE]``) received.

Rounds are interleaved (bare, audit, guard64, guard256, then the reverse order, …). Used by
``python -m bench --scenario stream``; see bench/README.md.
"""

from __future__ import annotations

import gc
import json
import socket
import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bench.app import CHAT_PATH, STREAM_CHUNKS, STREAM_CONTENT, STREAM_MODES, STREAM_REQUEST_BODY
from bench.loadgen import build_request, percentile, render_table

__all__ = [
    "DETECTIONS_KEY",
    "LABELS",
    "TARGETS",
    "StreamClient",
    "StreamResponse",
    "StreamRound",
    "label",
    "run",
    "sanity_check",
    "sse_data",
    "table",
]

DETECTIONS_KEY = "enkrypt_policy_detections"
DONE = b"data: [DONE]\n\n"
LABELS = {
    "bare": "bare",
    "bare_b": "bare (2nd)",
    "stream_audit": "audit",
    "stream_guard64": "guard w=64",
    "stream_guard256": "guard w=256",
}
# Issue #3: audit TTFB <= bare + 0.3 ms (median); per-chunk overhead <= 20 µs (audit and guard).
TARGETS: dict[str, float] = {"audit_ttfb_added_ms_max": 0.3, "per_chunk_added_us_max": 20.0}


def label(variant: str) -> str:
    return LABELS.get(variant, variant)


class Served(Protocol):
    """What this module needs of ``bench.__main__.Server``."""

    variant: str
    port: int

    def cpu_seconds(self) -> float: ...

    def log(self) -> str: ...


# --------------------------------------------------------------------------------------------
# Client


@dataclass(frozen=True)
class StreamResponse:
    status: int
    head: bytes
    body: bytes  # de-chunked
    ttfb_ns: int  # request written -> first body byte received
    last_ns: int  # -> last body byte received
    complete_ns: int  # -> end of the response (the terminating chunk)


class StreamClient:
    """One keep-alive HTTP/1.1 connection, one request at a time; chunked or Content-Length bodies."""

    def __init__(self, host: str, port: int, request: bytes, timeout: float = 10.0) -> None:
        self.request = request
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = bytearray()

    def __enter__(self) -> StreamClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.sock.close()

    def _recv(self) -> int:
        data = self.sock.recv(65536)
        now = time.perf_counter_ns()
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buffer += data
        return now

    def fetch(self) -> StreamResponse:
        """Send the request, read the whole response; times are from just before the request is written.

        Everything buffered is parsed right after each ``recv``, so the time of the ``recv`` in which a
        byte is first seen is the time that byte arrived.
        """
        buffer = self.buffer
        sent = time.perf_counter_ns()
        self.sock.sendall(self.request)
        now = sent
        while (head_end := buffer.find(b"\r\n\r\n")) < 0:
            now = self._recv()
        head = bytes(buffer[:head_end])
        del buffer[: head_end + 4]
        status = int(head[9:12])
        lower = head.lower()
        body = bytearray()
        first = last = 0
        if b"\r\ntransfer-encoding: chunked" in lower:
            while True:
                while (eol := buffer.find(b"\r\n")) < 0:
                    now = self._recv()
                size = int(bytes(buffer[:eol]).split(b";", 1)[0], 16)
                start = eol + 2
                if size == 0:  # last-chunk, no trailers
                    while len(buffer) < start + 2:
                        now = self._recv()
                    del buffer[: start + 2]
                    break
                while True:
                    if not first and len(buffer) > start:
                        first = now
                    if len(buffer) >= start + size + 2:
                        break
                    now = self._recv()
                body += buffer[start : start + size]
                del buffer[: start + size + 2]
                last = now
        else:
            marker = lower.find(b"\r\ncontent-length:")
            if marker < 0:
                raise ConnectionError(f"neither chunked nor Content-Length: {head!r}")
            value_end = lower.find(b"\r\n", marker + 2)
            length = int(lower[marker + 17 : value_end if value_end > 0 else len(lower)])
            while True:
                if not first and buffer:
                    first = now
                if len(buffer) >= length:
                    break
                now = self._recv()
            body += buffer[:length]
            del buffer[:length]
            last = now
        first = first or now
        last = last or now
        return StreamResponse(status, head, bytes(body), first - sent, last - sent, now - sent)


def _request_bytes(port: int) -> bytes:
    return build_request("POST", "127.0.0.1", port, CHAT_PATH, STREAM_REQUEST_BODY)


# --------------------------------------------------------------------------------------------
# Sanity check


def sse_data(body: bytes) -> list[str]:
    """The ``data`` of each event of an SSE body (multi-line data joined with ``\\n``)."""
    text = body.decode().replace("\r\n", "\n").replace("\r", "\n")
    events = []
    for block in text.split("\n\n"):
        lines = [line[5:].removeprefix(" ") for line in block.split("\n") if line.startswith("data:")]
        if lines:
            events.append("\n".join(lines))
    return events


def _check_one(name: str, response: StreamResponse, guarded: bool) -> dict[str, Any] | None:
    """Raise SystemExit unless the stream is complete, unblocked and (for guarded ones) carries detections."""
    where = f"sanity check (stream): {name}"
    if response.status != 200:
        raise SystemExit(f"{where} returned {response.status}: {response.body[:500]!r}")
    if b"\r\ncontent-type: text/event-stream" not in response.head.lower():
        raise SystemExit(f"{where} did not answer text/event-stream:\n{response.head.decode(errors='replace')}")
    events = sse_data(response.body)
    if not events or events[-1] != "[DONE]":
        raise SystemExit(f"{where}: the stream does not end with data: [DONE]: {response.body[-300:]!r}")
    chunks = [json.loads(data) for data in events[:-1]]
    content = ""
    for chunk in chunks:
        for choice in chunk.get("choices") or ():
            if choice.get("finish_reason") == "content_filter":
                raise SystemExit(f"{where}: a choice was blocked: {chunk}")
            content += (choice.get("delta") or {}).get("content") or ""
    if content != STREAM_CONTENT:
        raise SystemExit(f"{where}: the streamed content differs from the host's:\n{content!r}\n{STREAM_CONTENT!r}")
    with_detections = [n for n, chunk in enumerate(chunks) if DETECTIONS_KEY in chunk]
    if not guarded:
        if with_detections:
            raise SystemExit(f"{where} (bare) streamed a chunk WITH {DETECTIONS_KEY}")
        return None
    if with_detections != [len(chunks) - 1] or chunks[-1].get("choices") != []:
        raise SystemExit(f"{where}: the last chunk before [DONE] is not the detections chunk: {events[-2][:300]}")
    detections: dict[str, Any] = chunks[-1][DETECTIONS_KEY]
    if (detections.get("output_guardrails") or {}).get("blocked"):
        raise SystemExit(f"{where}: the output side reports a block: {detections}")
    return detections


def sanity_check(running: Mapping[str, Served]) -> dict[str, dict[str, Any]]:
    """Two streamed requests on one connection per server, checked; the guarded ones' detections."""
    detections: dict[str, dict[str, Any]] = {}
    for name, server in running.items():
        with StreamClient("127.0.0.1", server.port, _request_bytes(server.port)) as client:
            for _ in range(2):  # the second one checks that the connection is kept alive
                found = _check_one(name, client.fetch(), name in STREAM_MODES)
                if found is not None:
                    detections[name] = found
    return detections


# --------------------------------------------------------------------------------------------
# Measuring


@dataclass
class StreamRound:
    variant: str
    index: int
    requests: int
    ttfb_p50_ms: float
    ttfb_p90_ms: float
    total_p50_ms: float
    total_p90_ms: float
    complete_p50_ms: float
    cpu_s: float
    cpu_us_per_request: float
    ttfb_us: list[int] = field(default_factory=list)
    total_us: list[int] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)


def _ms(sorted_ns: list[int], p: float) -> float:
    return percentile(sorted_ns, p) / 1e6


def measure(server: Served, requests: int, index: int) -> StreamRound:
    """``requests`` sequential streamed requests on a fresh keep-alive connection (one unmeasured first)."""
    ttfb: list[int] = []
    total: list[int] = []
    complete: list[int] = []
    errors = {"status": 0, "incomplete": 0}
    with StreamClient("127.0.0.1", server.port, _request_bytes(server.port)) as client:
        client.fetch()
        gc.collect()
        gc.disable()
        try:
            before = server.cpu_seconds()
            for _ in range(requests):
                response = client.fetch()
                ttfb.append(response.ttfb_ns)
                total.append(response.last_ns)
                complete.append(response.complete_ns)
                if response.status != 200:
                    errors["status"] += 1
                elif not response.body.endswith(DONE):
                    errors["incomplete"] += 1
            cpu = server.cpu_seconds() - before
        finally:
            gc.enable()
    ttfb_sorted, total_sorted = sorted(ttfb), sorted(total)
    return StreamRound(
        variant=server.variant,
        index=index,
        requests=requests,
        ttfb_p50_ms=_ms(ttfb_sorted, 50),
        ttfb_p90_ms=_ms(ttfb_sorted, 90),
        total_p50_ms=_ms(total_sorted, 50),
        total_p90_ms=_ms(total_sorted, 90),
        complete_p50_ms=_ms(sorted(complete), 50),
        cpu_s=cpu,
        cpu_us_per_request=cpu * 1e6 / requests,
        ttfb_us=[ns // 1000 for ns in ttfb],
        total_us=[ns // 1000 for ns in total],
        errors={k: v for k, v in errors.items() if v},
    )


def run(
    running: Mapping[str, Served], variants: tuple[str, ...], rounds: int, requests: int, warmup: int
) -> dict[str, Any]:
    """Warm every server up, then ``rounds`` interleaved rounds of ``requests`` per variant."""
    for name in variants:
        server = running[name]
        with StreamClient("127.0.0.1", server.port, _request_bytes(server.port)) as client:
            deadline = time.monotonic() + warmup
            done = 0
            while done < 5 or time.monotonic() < deadline:
                client.fetch()
                done += 1
    results: list[StreamRound] = []
    for index in range(rounds):
        order = variants if index % 2 == 0 else variants[::-1]  # ABCD DCBA: linear drift cancels
        for name in order:
            r = measure(running[name], requests, index)
            results.append(r)
            print(
                f"  round {index + 1}/{rounds} {label(r.variant):<12} TTFB p50 {r.ttfb_p50_ms:7.3f} ms "
                f"p90 {r.ttfb_p90_ms:7.3f} ms  total p50 {r.total_p50_ms:7.3f} ms  "
                f"{r.cpu_us_per_request:>7.0f} µs CPU/req" + (f"  ERRORS {r.errors}" if r.errors else ""),
                flush=True,
            )
    return summarize(variants, results, requests)


# --------------------------------------------------------------------------------------------
# Summary and report


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return value, value
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


# (change key, StreamRound field, scale from the field's unit to the change's unit)
_CHANGES: tuple[tuple[str, str, float], ...] = (
    ("ttfb_added_ms", "ttfb_p50_ms", 1.0),
    ("ttfb_p90_added_ms", "ttfb_p90_ms", 1.0),
    ("total_added_ms", "total_p50_ms", 1.0),
    ("per_chunk_added_us", "total_p50_ms", 1000.0 / STREAM_CHUNKS),
    ("cpu_added_us", "cpu_us_per_request", 1.0),
)
_FIELDS = ("ttfb_p50_ms", "ttfb_p90_ms", "total_p50_ms", "total_p90_ms", "complete_p50_ms", "cpu_us_per_request")


def _targets(variant: str) -> dict[str, float]:
    """Per-chunk overhead for every candidate; the TTFB target for audit (and a second bare, in A/A runs)."""
    if STREAM_MODES.get(variant, ("",))[0] == "guard":
        return {"per_chunk_added_us": TARGETS["per_chunk_added_us_max"]}
    return {
        "ttfb_added_ms": TARGETS["audit_ttfb_added_ms_max"],
        "per_chunk_added_us": TARGETS["per_chunk_added_us_max"],
    }


def summarize(variants: tuple[str, ...], results: list[StreamRound], requests: int) -> dict[str, Any]:
    """Medians over rounds per variant; each candidate's change vs bare, as medians and per round."""
    base = variants[0]
    by_variant = {name: [r for r in results if r.variant == name] for name in variants}
    medians: dict[str, dict[str, float]] = {}
    for name, rounds in by_variant.items():
        medians[name] = {f: statistics.median(getattr(r, f) for r in rounds) for f in _FIELDS}
        # CPU pooled over all rounds: /proc/<pid>/stat counts 10 ms ticks, coarse for one round
        medians[name]["cpu_us_per_request_pooled"] = (
            sum(r.cpu_s for r in rounds) * 1e6 / sum(r.requests for r in rounds)
        )
    changes: dict[str, dict[str, Any]] = {}
    for name in variants[1:]:
        pairs = list(zip(by_variant[base], by_variant[name], strict=True))  # the same round: adjacent in time
        change: dict[str, Any] = {"targets": _targets(name), "meets_targets": {}, "unresolved": []}
        for key, f, scale in _CHANGES:
            if key == "cpu_added_us":
                value = medians[name]["cpu_us_per_request_pooled"] - medians[base]["cpu_us_per_request_pooled"]
            else:
                value = (medians[name][f] - medians[base][f]) * scale
            per_pair = [(getattr(y, f) - getattr(x, f)) * scale for x, y in pairs]
            q1, q3 = _quartiles(per_pair)
            change[key] = value
            change[f"{key}_median_of_pairs"] = statistics.median(per_pair)
            change[f"{key}_pairs_iqr"] = [q1, q3]
            limit = change["targets"].get(key)
            if limit is not None:
                change["meets_targets"][key] = value <= limit
                if q1 <= limit <= q3:
                    change["unresolved"].append(key)
        changes[name] = change
    return {
        "baseline": base,
        "variants": list(variants),
        "labels": {name: label(name) for name in variants},
        "chunks": STREAM_CHUNKS,
        "requests_per_round": requests,
        "connections": 1,
        "path": CHAT_PATH,
        "method": "POST",
        "request_bytes": len(STREAM_REQUEST_BODY),
        "guard_windows": {name: STREAM_MODES[name][1] for name in variants if name in STREAM_MODES},
        "median": medians,
        "changes": changes,
        "targets": TARGETS,
        "errors": sum(sum(r.errors.values()) for r in results),
        "rounds": [r.__dict__ for r in results],
    }


def table(summary: dict[str, Any]) -> str:
    """One block of rows per candidate: its medians, bare's, the change, and the change per round pair."""
    base = summary["baseline"]
    medians = summary["median"]
    header = ("stream", "metric", label(base), "variant", "change", "paired [IQR]", "target", "")
    rows: list[tuple[str, ...]] = [header]
    specs = (
        # change key, label, median field, value format, change format, target format
        ("ttfb_added_ms", "TTFB p50, ms", "ttfb_p50_ms", "{:.3f}", "{:+.3f} ms", "<= {:g} ms"),
        ("ttfb_p90_added_ms", "TTFB p90, ms", "ttfb_p90_ms", "{:.3f}", "{:+.3f} ms", ""),
        ("total_added_ms", "total p50, ms", "total_p50_ms", "{:.3f}", "{:+.3f} ms", ""),
        ("per_chunk_added_us", "per chunk, µs", "", "", "{:+.1f} µs", "<= {:g} µs"),
        ("cpu_added_us", "server CPU µs/req", "cpu_us_per_request_pooled", "{:.0f}", "{:+.0f} µs", ""),
    )
    unresolved = False
    for name in summary["variants"][1:]:
        change = summary["changes"][name]
        for n, (key, metric, f, value_fmt, change_fmt, target_fmt) in enumerate(specs):
            q1, q3 = change[f"{key}_pairs_iqr"]
            short = change_fmt.split(" ")[0]
            paired = f"{change_fmt.format(change[f'{key}_median_of_pairs'])} [{short.format(q1)}, {short.format(q3)}]"
            limit = change["targets"].get(key)
            verdict = ""
            if key in change["meets_targets"]:
                verdict = "ok" if change["meets_targets"][key] else "MISSED"
                if key in change["unresolved"]:
                    verdict += " (noisy)"
                    unresolved = True
            rows.append(
                (
                    label(name) if n == 0 else "",
                    metric,
                    value_fmt.format(medians[base][f]) if f else "",
                    value_fmt.format(medians[name][f]) if f else "",
                    change_fmt.format(change[key]),
                    paired,
                    target_fmt.format(limit) if limit is not None and target_fmt else "",
                    verdict,
                )
            )
    lines = render_table(rows)
    chunks = summary["chunks"]
    lines += [
        f"{chunks} chunk events 2 ms apart then [DONE]; {summary['requests_per_round']} sequential requests per "
        "variant and round on one keep-alive connection; values are medians over rounds.",
        "TTFB = request written -> first byte of the response body the client receives (headers excluded):",
        "  bare, audit: the host's first (role) chunk, forwarded as it arrives;",
        "  guard: the first released text (the role chunk goes out with it), sent once the choice holds more",
        "  than stream_window + stream_overlap (32) characters: with content chunk 4 (w=64) / 11 (w=256) of 18.",
        f"total = request written -> last body byte (end of data: [DONE]); per chunk = (total p50 - bare total p50) "
        f"/ {chunks}.",
        "server CPU = utime + stime from /proc/<pid>/stat over all rounds / requests (10 ms ticks: coarse per round).",
    ]
    if unresolved:
        lines.append(
            "(noisy): the target lies within the interquartile range of the per-round changes; "
            "rerun with more --rounds on a quieter machine"
        )
    return "\n".join(lines)
