"""Real servers for the WSGI and framework tests: waitress in a thread, uvicorn with lifespan, gunicorn in a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from waitress import wasyncore
from waitress.server import create_server

from .server import free_port, serve

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def serve_wsgi(app: WSGIApplication) -> Iterator[str]:
    """Serve ``app`` with waitress on loopback; yields its base URL.

    The event loop runs in a thread we own, so that stopping it closes every connection (which makes
    waitress close the app iterables still in flight) and then waits for its worker threads.
    """
    sockets: dict[int, Any] = {}
    port = free_port()
    server = create_server(app, map=sockets, host="127.0.0.1", port=port, threads=8, channel_timeout=30)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            wasyncore.loop(timeout=0.02, map=sockets, count=1)
        wasyncore.close_all(sockets)
        server.task_dispatcher.shutdown(timeout=5)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        thread.join(10)


@contextmanager
def serve_asgi(app: Any, lifespan: Literal["auto", "on", "off"] = "auto") -> Iterator[str]:
    """uvicorn in a thread, running the lifespan protocol (``tests.server.serve`` turns it off)."""
    with serve(app, lifespan=lifespan) as url:
        yield url


@contextmanager
def gunicorn(target: str, **env: str) -> Iterator[str]:
    """``gunicorn TARGET`` in a child process (one worker, threads), from the repository root."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"]
    # no control socket: its default path is shared by every gunicorn of this user (parallel test runs)
    process = subprocess.Popen(
        [*command, "--no-control-socket", "--graceful-timeout", "2", "--log-level", "warning", target],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()  # graceful; SIGINT's quick shutdown can leave a gthread worker hanging
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
