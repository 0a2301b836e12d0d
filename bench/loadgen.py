"""A small HTTP/1.1 keep-alive load generator: the fallback when ``wrk`` is not on PATH.

``N`` connections each send one request, wait for the whole response, and send the next (closed
loop, like wrk). Requests are pre-encoded bytes and responses are parsed just far enough to find
the status and ``Content-Length``, so one core drives a single-worker uvicorn to saturation.
Uses uvloop when it is installed.

Run as a subprocess by ``python -m bench``; prints one JSON object on stdout::

    python -m bench.loadgen --port 8000 --connections 16 --seconds 4 --method POST \
        --path /v1/chat/completions --body-file body.json
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import time
from pathlib import Path
from typing import Any, cast

__all__ = ["build_request", "percentile", "run"]


def build_request(method: str, host: str, port: int, path: str, body: bytes | None) -> bytes:
    """One pre-encoded HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: bench-loadgen"]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


def percentile(sorted_values: list[int], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return float(sorted_values[rank - 1])


class _Stats:
    def __init__(self) -> None:
        self.latencies_ns: list[int] = []
        self.status_errors = 0
        self.read_errors = 0
        self.connect_errors = 0
        self.stopping = False


class _Connection(asyncio.Protocol):
    def __init__(self, request: bytes, stats: _Stats, closed: asyncio.Future[None]) -> None:
        self._request = request
        self._stats = stats
        self._closed = closed
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._need = -1  # total bytes of the current response once its head is parsed
        self._status = 0
        self._sent_at = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self._send()

    def _send(self) -> None:
        assert self._transport is not None
        self._sent_at = time.perf_counter_ns()
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while True:
            if self._need < 0:
                head_end = buffer.find(b"\r\n\r\n")
                if head_end < 0:
                    return
                head = bytes(buffer[:head_end]).lower()
                self._status = int(head[9:12])
                marker = head.find(b"\r\ncontent-length:")
                if marker < 0:  # chunked or close-delimited: not something this bench's apps send
                    self._stats.read_errors += 1
                    assert self._transport is not None
                    self._transport.close()
                    return
                value_end = head.find(b"\r\n", marker + 2)
                length = int(head[marker + 17 : value_end if value_end > 0 else len(head)])
                self._need = head_end + 4 + length
            if len(buffer) < self._need:
                return
            del buffer[: self._need]
            self._need = -1
            stats = self._stats
            stats.latencies_ns.append(time.perf_counter_ns() - self._sent_at)
            if not 200 <= self._status < 300:
                stats.status_errors += 1
            if stats.stopping:
                assert self._transport is not None
                self._transport.close()
                return
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._stats.stopping:
            self._stats.read_errors += 1
        if not self._closed.done():
            self._closed.set_result(None)


async def _run(host: str, port: int, request: bytes, connections: int, seconds: float) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    stats = _Stats()
    closed: list[asyncio.Future[None]] = []
    transports: list[asyncio.BaseTransport] = []
    started = time.perf_counter()
    for _ in range(connections):
        done: asyncio.Future[None] = loop.create_future()
        try:
            transport, _protocol = await loop.create_connection(
                functools.partial(_Connection, request, stats, done), host, port
            )
        except OSError:
            stats.connect_errors += 1
            continue
        closed.append(done)
        transports.append(transport)
    await asyncio.sleep(max(0.0, seconds - (time.perf_counter() - started)))
    stats.stopping = True
    duration = time.perf_counter() - started
    count = len(stats.latencies_ns)  # responses completed within the window
    try:
        await asyncio.wait_for(asyncio.gather(*closed), timeout=10)
    except asyncio.TimeoutError:
        for open_transport in transports:
            open_transport.close()
    latencies = sorted(stats.latencies_ns[:count])
    us = [ns // 1000 for ns in latencies]
    return {
        "requests": count,
        "duration_s": duration,
        "errors": {
            "connect": stats.connect_errors,
            "read": stats.read_errors,
            "status": stats.status_errors,
            "timeout": 0,
        },
        "latency_us": {
            "p50": percentile(us, 50),
            "p90": percentile(us, 90),
            "p99": percentile(us, 99),
            "max": float(us[-1]) if us else 0.0,
            "mean": sum(us) / len(us) if us else 0.0,
        },
    }


def run(host: str, port: int, request: bytes, connections: int, seconds: float) -> dict[str, Any]:
    """Drive ``connections`` keep-alive connections for ``seconds``; wrk-like summary dict."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(_run(host, port, request, connections, seconds))
    return uvloop.run(_run(host, port, request, connections, seconds))


def _main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--path", default="/")
    parser.add_argument("--body-file", type=Path, default=None)
    args = parser.parse_args(argv)
    body = args.body_file.read_bytes() if args.body_file is not None else None
    request = build_request(args.method, args.host, args.port, args.path, body)
    result = run(args.host, args.port, request, args.connections, args.seconds)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    _main(sys.argv[1:])


def render_table(rows: list[tuple[str, ...]]) -> list[str]:
    """Lines of a results table: ``rows[0]`` is the header; columns 2-5 (numbers) are right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    right = {2, 3, 4, 5}
    lines = []
    for n, row in enumerate(rows):
        cells = [
            cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
