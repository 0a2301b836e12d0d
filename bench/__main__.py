"""``python -m bench``: the bare host app against the same app behind ``EnkryptMiddleware``.

Each variant runs in its own server subprocess (one worker, pinned to the first CPU): uvicorn for
the Starlette host (``bench.app``) and the Django one (``bench.django_site``), gunicorn for the Flask
one (``bench.flask_app``, behind ``EnkryptWSGIMiddleware`` when guarded). The load generator (wrk, or
``bench.loadgen``) runs pinned to the second CPU. Rounds are interleaved bare/guarded (ABBA order),
and every figure is the median over rounds. The ``stream`` scenario (``bench.stream``) times
streamed answers from this process, also on the second CPU. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import stream
from bench.app import CHAT_PATH, HEALTH_PATH, REQUEST_BODY, STREAM_MODES, VARIANTS
from bench.loadgen import render_table

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Issue #2: (a) passthrough, (b) chat, (c) 50 ms host at one connection; issue #3: stream;
# issue #4: the chat route on Flask (WSGI, gunicorn) and Django (ASGI, uvicorn).
TARGETS: dict[str, dict[str, float]] = {
    "passthrough": {"cpu_added_us_max": 3.0, "rps_ratio_min": 0.97},
    "chat": {"cpu_added_us_max": 60.0, "rps_ratio_min": 0.50},
    "latency": {"p50_added_ms_max": 0.3},
    "stream": stream.TARGETS,
    "flask": {"rps_ratio_min": 0.90},
    "django": {"rps_ratio_min": 0.90},
}
SCENARIOS = ("passthrough", "chat", "latency", "stream", "flask", "django")
GUNICORN_WORKER = "gthread"  # keeps connections alive (the sync worker closes each one after a response)


@dataclass(frozen=True)
class App:
    """How one variant is served: by which server, from which import target, with or without the middleware."""

    server: str  # "uvicorn" (ASGI) or "gunicorn" (WSGI)
    target: str  # module:attribute
    guarded: bool


def _apps() -> dict[str, App]:
    apps = {
        name: App("uvicorn", f"bench.app:{name}", name.startswith("guarded") or name in STREAM_MODES)
        for name in VARIANTS
    }
    apps |= {f"{name}_b": App("uvicorn", f"bench.app:{name}", False) for name in ("bare", "bare_slow")}  # A/A twins
    for framework, server, module in (
        ("flask", "gunicorn", "bench.flask_app"),
        ("django", "uvicorn", "bench.django_site.asgi"),
    ):
        apps[f"{framework}_bare"] = App(server, f"{module}:bare", False)
        apps[f"{framework}_bare_b"] = App(server, f"{module}:bare", False)
        apps[f"{framework}_guarded"] = App(server, f"{module}:guarded", True)
    return apps


# Every variant a scenario can start, by name (the names in the JSON and the round lines).
APPS: dict[str, App] = _apps()


@dataclass(frozen=True)
class Target:
    """What one round sends."""

    method: str
    path: str
    body: bytes | None


@dataclass(frozen=True)
class Scenario:
    name: str
    variants: tuple[str, str]  # (baseline, candidate) names in APPS
    target: Target
    connections: int
    seconds: int


@dataclass
class Round:
    variant: str
    index: int
    requests: int
    duration_s: float
    rps: float
    cpu_s: float
    cpu_us_per_request: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _cpus() -> tuple[int | None, int | None]:
    """(server CPU, load-generator CPU), or (None, None) when there are not two to pin to."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return available[0], available[1]


def _pin_prefix(cpu: int | None) -> list[str]:
    if cpu is None:
        return []
    taskset = shutil.which("taskset")
    return [taskset, "-c", str(cpu)] if taskset else []


def _pin_fallback(cpu: int | None) -> Any:
    """A preexec_fn pinning the child when taskset is missing (None when not needed)."""
    if cpu is None or shutil.which("taskset"):
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


def _request(port: int, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _stat_ticks(pid: int, *, reaped: bool = False) -> int:
    """utime + stime of ``pid`` in clock ticks (all its threads); with ``reaped``, plus its waited-for children's."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # exited since it was listed
        return 0
    fields = stat[stat.rindex(")") + 2 :].split()
    return sum(int(fields[i]) for i in ((11, 12, 13, 14) if reaped else (11, 12)))


def _children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    try:
        return [
            int(child)
            for task in os.listdir(f"/proc/{pid}/task")
            for child in Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        ]
    except FileNotFoundError:  # no CONFIG_PROC_CHILDREN (or pid gone): scan every process's parent
        children = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                    children.append(int(entry))
        return children
    except (OSError, ValueError):
        return []


def _server_command(app: App, port: int, *, http_impl: str, loop: str, threads: int) -> list[str]:
    if app.server == "gunicorn":
        return [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "1",
            "--worker-class",
            GUNICORN_WORKER,
            "--threads",
            str(threads),
            "--no-control-socket",  # its default path is shared by every gunicorn of this user
            "--graceful-timeout",
            "2",
            "--log-level",
            "warning",
            app.target,
        ]
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app.target,
        "--host",
        HOST,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
        "--http",
        http_impl,
        "--loop",
        loop,
    ]


class Server:
    """One server subprocess serving the variant's :class:`App`: uvicorn, or gunicorn (a master and one worker)."""

    def __init__(
        self, variant: str, *, http_impl: str, loop: str, threads: int, cpu: int | None, log_dir: Path
    ) -> None:
        self.variant = variant
        self.app = APPS[variant]
        self.port = _free_port()
        self.log_path = log_dir / f"{variant}.log"
        cmd = [
            *_pin_prefix(cpu),
            *_server_command(self.app, self.port, http_impl=http_impl, loop=loop, threads=threads),
        ]
        self._log = self.log_path.open("wb")
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDEVMODE", "PYTHONASYNCIODEBUG")}
        env["PYTHONHASHSEED"] = "0"  # the same dict layouts in every server process
        # taskset execs the server: proc.pid is uvicorn's or gunicorn's master's (its worker inherits the pinning)
        self.proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=_pin_fallback(cpu),
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.variant} server exited at start-up:\n{self.log()}")
            try:
                status, _ = _request(self.port, "GET", HEALTH_PATH)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.variant} server not ready after {timeout:.0f} s:\n{self.log()}")

    def cpu_seconds(self) -> float:
        """utime + stime of the server's processes: the main one (all its threads, live and exited), its children
        that exited, and its live descendants (gunicorn's worker)."""
        ticks = _stat_ticks(self.proc.pid, reaped=True)
        pending = _children(self.proc.pid)
        while pending:
            pid = pending.pop()
            ticks += _stat_ticks(pid, reaped=True)
            pending += _children(pid)
        return ticks / CLK_TCK

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@contextlib.contextmanager
def servers(names: tuple[str, ...], **kwargs: Any) -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        for name in names:
            started[name] = Server(name, **kwargs)
        for server in started.values():
            server.wait_ready()
        yield started
    finally:
        for server in started.values():
            server.stop()


# --------------------------------------------------------------------------------------------
# Load generators


def _lua_long_string(data: str) -> str:
    level = 0
    while f"]{'=' * level}]" in data:
        level += 1
    eq = "=" * level
    return f"[{eq}[{data}]{eq}]"


_WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nBENCH_JSON {"requests": %d, "duration_s": %.6f, "errors": {"connect": %d, "read": %d, '
    .. '"write": %d, "status": %d, "timeout": %d}, "latency_us": {"p50": %.1f, "p90": %.1f, '
    .. '"p99": %.1f, "max": %.1f, "mean": %.1f}}\\n',
    summary.requests, summary.duration / 1e6, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


class LoadGenerator:
    """wrk when it is on PATH (one thread, a Lua script for the body), else ``bench.loadgen``."""

    def __init__(self, kind: str, cpu: int | None, work_dir: Path) -> None:
        wrk = shutil.which("wrk")
        if kind == "auto":
            kind = "wrk" if wrk else "python"
        if kind == "wrk" and not wrk:
            raise SystemExit("--loadgen wrk: wrk is not on PATH (apt-get install wrk)")
        self.kind = kind
        self.cpu = cpu
        self.work_dir = work_dir
        self.description = self._describe(wrk)

    def _describe(self, wrk: str | None) -> str:
        if self.kind == "wrk" and wrk:
            probe = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False)
            match = re.search(r"wrk\s+(\S+)", probe.stdout + probe.stderr)
            return f"wrk {match.group(1) if match else '?'} (1 thread)"
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
        return f"bench.loadgen (Python asyncio protocol client on {loop})"

    def run(self, port: int, target: Target, connections: int, seconds: int) -> dict[str, Any]:
        if self.kind == "wrk":
            return self._run_wrk(port, target, connections, seconds)
        return self._run_python(port, target, connections, seconds)

    def _body_file(self, target: Target) -> Path | None:
        if target.body is None:
            return None
        path = self.work_dir / "body.json"
        if not path.exists() or path.read_bytes() != target.body:
            path.write_bytes(target.body)
        return path

    def _run_wrk(self, port: int, target: Target, connections: int, seconds: int) -> dict[str, Any]:
        script = [f'wrk.method = "{target.method}"']
        if target.body is not None:
            script.append('wrk.headers["Content-Type"] = "application/json"')
            script.append(f"wrk.body = {_lua_long_string(target.body.decode())}")
        script_path = self.work_dir / f"{target.method.lower()}.lua"
        script_path.write_text("\n".join(script) + "\n" + _WRK_DONE)
        cmd = [
            *_pin_prefix(self.cpu),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(script_path),
            f"http://{HOST}:{port}{target.path}",
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=False, preexec_fn=_pin_fallback(self.cpu))
        for line in out.stdout.splitlines():
            if line.startswith("BENCH_JSON "):
                result: dict[str, Any] = json.loads(line[len("BENCH_JSON ") :])
                return result
        raise RuntimeError(f"wrk failed (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")

    def _run_python(self, port: int, target: Target, connections: int, seconds: int) -> dict[str, Any]:
        cmd = [
            *_pin_prefix(self.cpu),
            sys.executable,
            "-m",
            "bench.loadgen",
            "--host",
            HOST,
            "--port",
            str(port),
            "--connections",
            str(connections),
            "--seconds",
            str(seconds),
            "--method",
            target.method,
            "--path",
            target.path,
        ]
        body_file = self._body_file(target)
        if body_file is not None:
            cmd += ["--body-file", str(body_file)]
        out = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, check=False, preexec_fn=_pin_fallback(self.cpu)
        )
        if out.returncode != 0 or "Traceback" in out.stderr:
            raise RuntimeError(f"bench.loadgen failed (exit {out.returncode}):\n{out.stderr}")
        result: dict[str, Any] = json.loads(out.stdout)
        return result


# --------------------------------------------------------------------------------------------
# Sanity check


def sanity_check(running: dict[str, Server]) -> list[str]:
    """Fail unless the bare chat route answers without detections and the guarded one with them."""
    notes: list[str] = []
    for name, server in running.items():
        status, body = _request(server.port, "GET", HEALTH_PATH)
        if status != 200 or body != b"ok":
            raise SystemExit(f"sanity check: GET {HEALTH_PATH} on {name} returned {status} {body[:200]!r}")
        status, body = _request(server.port, "POST", CHAT_PATH, REQUEST_BODY)
        if status != 200:
            raise SystemExit(f"sanity check: POST {CHAT_PATH} on {name} returned {status}: {body[:500]!r}")
        data = json.loads(body)
        has = "enkrypt_policy_detections" in data
        if server.app.guarded:
            if not has:
                raise SystemExit(f"sanity check: {name} answered without enkrypt_policy_detections")
            fired = _fired(data["enkrypt_policy_detections"])
            if fired:
                notes.append(f"{name}: the bench request made detectors fire: {', '.join(fired)}")
        elif has:
            raise SystemExit(f"sanity check: {name} (bare) answered WITH enkrypt_policy_detections")
    return notes


def _fired(detections: Any) -> list[str]:
    """Summary entries with a truthy value and detector errors, as ``side.key`` (for a warning only)."""
    fired: list[str] = []
    if not isinstance(detections, dict):
        return fired
    for side, report in detections.items():
        summary = report.get("summary") if isinstance(report, dict) else None
        if not isinstance(summary, dict):
            continue
        for key, value in summary.items():
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if value is True or (number and value > 0) or (isinstance(value, list) and value):
                fired.append(f"{side}.{key}")
        if isinstance(report, dict) and report.get("errors"):
            fired.append(f"{side}.errors")
    return fired


# --------------------------------------------------------------------------------------------
# Measuring


def measure(server: Server, loadgen: LoadGenerator, scenario: Scenario, index: int) -> Round:
    before = server.cpu_seconds()
    result = loadgen.run(server.port, scenario.target, scenario.connections, scenario.seconds)
    cpu = server.cpu_seconds() - before
    requests = int(result["requests"])
    if requests == 0:
        raise RuntimeError(f"{server.variant}: no request completed\n{server.log()}")
    latency = result["latency_us"]
    errors = {k: int(v) for k, v in result["errors"].items() if int(v)}
    return Round(
        variant=server.variant,
        index=index,
        requests=requests,
        duration_s=float(result["duration_s"]),
        rps=requests / float(result["duration_s"]),
        cpu_s=cpu,
        cpu_us_per_request=cpu * 1e6 / requests,
        p50_ms=float(latency["p50"]) / 1000,
        p99_ms=float(latency["p99"]) / 1000,
        errors=errors,
    )


def run_scenario(
    scenario: Scenario, running: dict[str, Server], loadgen: LoadGenerator, rounds: int, warmup: int
) -> dict[str, Any]:
    base_name, cand_name = scenario.variants
    base, cand = running[base_name], running[cand_name]
    if warmup > 0:
        for server in (base, cand):
            loadgen.run(server.port, scenario.target, scenario.connections, warmup)
    results: list[Round] = []
    for index in range(rounds):
        order = (base, cand) if index % 2 == 0 else (cand, base)  # ABBA cancels linear drift
        for server in order:
            r = measure(server, loadgen, scenario, index)
            results.append(r)
            print(
                f"  round {index + 1}/{rounds} {r.variant:<14} {r.rps:>9,.0f} req/s "
                f"{r.cpu_us_per_request:>8.1f} µs CPU/req  p50 {r.p50_ms:7.2f} ms  p99 {r.p99_ms:7.2f} ms"
                + (f"  ERRORS {r.errors}" if r.errors else ""),
                flush=True,
            )
    return summarize(scenario, results)


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 2:
        value = values[0] if values else float("nan")
        return value, value
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


# (summary key, Round field, ratio or difference, target key, target is a maximum)
_METRICS: dict[str, list[tuple[str, str, bool, str, bool]]] = {
    "throughput": [
        ("rps_ratio", "rps", True, "rps_ratio_min", False),
        ("cpu_added_us", "cpu_us_per_request", False, "cpu_added_us_max", True),
    ],
    "latency": [
        ("p50_added_ms", "p50_ms", False, "p50_added_ms_max", True),
        ("p99_added_ms", "p99_ms", False, "", True),
    ],
}


def summarize(scenario: Scenario, results: list[Round]) -> dict[str, Any]:
    """Medians per variant; each change as medians compared, and per adjacent bare/guarded pair."""
    base_name, cand_name = scenario.variants
    base = [r for r in results if r.variant == base_name]
    cand = [r for r in results if r.variant == cand_name]
    pairs = list(zip(base, cand, strict=False))
    fields = ("rps", "cpu_us_per_request", "p50_ms", "p99_ms")
    medians = {
        name: {f: _median([getattr(r, f) for r in rounds]) for f in fields}
        for name, rounds in ((base_name, base), (cand_name, cand))
    }
    targets = TARGETS.get(scenario.name, {})
    summary: dict[str, Any] = {
        "baseline": base_name,
        "candidate": cand_name,
        "connections": scenario.connections,
        "seconds_per_round": scenario.seconds,
        "path": scenario.target.path,
        "method": scenario.target.method,
        "request_bytes": len(scenario.target.body or b""),
        "median": medians,
        "targets": targets,
        "meets_targets": {},
        "unresolved": [],
    }
    kind = "latency" if scenario.name == "latency" else "throughput"
    for key, f, ratio, target_key, is_max in _METRICS[kind]:
        b, c = medians[base_name][f], medians[cand_name][f]
        change = c / b if ratio else c - b
        per_pair = [getattr(y, f) / getattr(x, f) if ratio else getattr(y, f) - getattr(x, f) for x, y in pairs]
        q1, q3 = _quartiles(per_pair)
        summary[key] = change
        summary[f"{key}_median_of_pairs"] = _median(per_pair)
        summary[f"{key}_pairs_iqr"] = [q1, q3]
        if target_key in targets:
            limit = targets[target_key]
            summary["meets_targets"][key] = change <= limit if is_max else change >= limit
            if q1 <= limit <= q3:  # the noise between pairs spans the target: not resolved
                summary["unresolved"].append(key)
    summary["errors"] = sum(sum(r.errors.values()) for r in results)
    summary["rounds"] = [r.__dict__ for r in results]
    return summary


# --------------------------------------------------------------------------------------------
# Report


def table(results: dict[str, dict[str, Any]], candidate: str = "guarded") -> str:
    """Medians over rounds, their change, and the median [IQR] of the change within round pairs."""
    header = ("scenario", "metric", "bare", candidate, "change", "paired [IQR]", "target", "")
    rows: list[tuple[str, ...]] = [header]
    specs = {
        # summary key: (label, median field, value format, change format, target format)
        "rps_ratio": ("requests/s", "rps", "{:,.0f}", "{:.1%}", ">= {:.0%}"),
        "cpu_added_us": ("server CPU µs/req", "cpu_us_per_request", "{:.1f}", "{:+.1f} µs", "<= {:g} µs"),
        "p50_added_ms": ("p50 latency, ms", "p50_ms", "{:.2f}", "{:+.3f} ms", "<= {:g} ms"),
        "p99_added_ms": ("p99 latency, ms", "p99_ms", "{:.2f}", "{:+.3f} ms", ""),
    }
    target_keys = {"rps_ratio": "rps_ratio_min", "cpu_added_us": "cpu_added_us_max", "p50_added_ms": "p50_added_ms_max"}
    for name, s in results.items():
        kind = "latency" if name == "latency" else "throughput"
        for n, (key, *_rest) in enumerate(_METRICS[kind]):
            label, f, value_fmt, change_fmt, target_fmt = specs[key]
            q1, q3 = s[f"{key}_pairs_iqr"]
            short = change_fmt.split(" ")[0]
            paired = f"{change_fmt.format(s[f'{key}_median_of_pairs'])} [{short.format(q1)}, {short.format(q3)}]"
            limit = s["targets"].get(target_keys.get(key, ""))
            verdict = ""
            if key in s["meets_targets"]:
                verdict = "ok" if s["meets_targets"][key] else "MISSED"
                if key in s["unresolved"]:
                    verdict += " (noisy)"
            rows.append(
                (
                    name if n == 0 else "",
                    label,
                    value_fmt.format(s["median"][s["baseline"]][f]),
                    value_fmt.format(s["median"][s["candidate"]][f]),
                    change_fmt.format(s[key]),
                    paired,
                    target_fmt.format(limit) if limit is not None and target_fmt else "",
                    verdict,
                )
            )
    lines = render_table(rows)
    if any(s["unresolved"] for s in results.values()):
        lines.append(
            "(noisy): the target lies within the interquartile range of the per-pair changes; "
            "rerun with more --rounds on a quieter machine"
        )
    return "\n".join(lines)


def _git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        return rev + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "not installed"


# --------------------------------------------------------------------------------------------
# Main


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Bare host app vs the same app behind EnkryptMiddleware (see bench/README.md).",
    )
    parser.add_argument("--scenario", choices=(*SCENARIOS, "all"), default="all")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds per variant (default 7)")
    parser.add_argument("--seconds", type=int, default=4, help="seconds per round (default 4)")
    parser.add_argument(
        "--latency-seconds",
        type=int,
        default=6,
        help="seconds per round of the 50 ms latency scenario (default 6)",
    )
    parser.add_argument(
        "--stream-requests",
        type=int,
        default=60,
        help="sequential requests per variant and round of the stream scenario (default 60)",
    )
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per server (default 2)")
    parser.add_argument("--connections", type=int, default=16, help="connections for RPS scenarios (default 16)")
    parser.add_argument("--loadgen", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--http", choices=("auto", "httptools", "h11"), default="auto")
    parser.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto")
    parser.add_argument(
        "--threads",
        type=int,
        default=4,
        help=f"gunicorn --threads of its one {GUNICORN_WORKER} worker, flask scenario (default 4)",
    )
    parser.add_argument(
        "--aa",
        action="store_true",
        help="A/A run: the bare app against itself (shows the harness's own noise; no middleware needed)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    args = parser.parse_args(argv)
    if min(args.rounds, args.seconds, args.latency_seconds, args.connections, args.stream_requests, args.threads) < 1:
        parser.error(
            "--rounds, --seconds, --latency-seconds, --connections, --stream-requests and --threads must be positive"
        )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    http_impl = args.http if args.http != "auto" else ("httptools" if importlib.util.find_spec("httptools") else "h11")
    loop = args.loop if args.loop != "auto" else ("uvloop" if importlib.util.find_spec("uvloop") else "asyncio")
    server_cpu, load_cpu = _cpus()
    if load_cpu is not None:
        os.sched_setaffinity(0, {load_cpu})  # keep this process (and its children) off the server's CPU

    names = SCENARIOS if args.scenario == "all" else (args.scenario,)
    fast = ("bare", "bare_b") if args.aa else ("bare", "guarded")
    slow = ("bare_slow", "bare_slow_b") if args.aa else ("bare_slow", "guarded_slow")
    streamed = ("bare", "bare_b") if args.aa else ("bare", *STREAM_MODES)
    frameworks = {
        name: (f"{name}_bare", f"{name}_bare_b" if args.aa else f"{name}_guarded") for name in ("flask", "django")
    }
    chat = Target("POST", CHAT_PATH, REQUEST_BODY)
    scenarios = {
        "passthrough": Scenario("passthrough", fast, Target("GET", HEALTH_PATH, None), args.connections, args.seconds),
        "chat": Scenario("chat", fast, chat, args.connections, args.seconds),
        "latency": Scenario("latency", slow, chat, 1, args.latency_seconds),
        **{name: Scenario(name, pair, chat, args.connections, args.seconds) for name, pair in frameworks.items()},
    }

    with tempfile.TemporaryDirectory(prefix="enkrypt-bench-") as tmp:
        work_dir = Path(tmp)
        loadgen = LoadGenerator(args.loadgen, load_cpu, work_dir)
        meta: dict[str, Any] = {
            "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "git": _git_revision(),
            "python": platform.python_version(),
            "uvicorn": _version("uvicorn"),
            "starlette": _version("starlette"),
            "gunicorn": _version("gunicorn"),
            "flask": _version("flask"),
            "django": _version("django"),
            "gunicorn_worker": f"{GUNICORN_WORKER}, 1 worker, {args.threads} threads",
            "enkrypt_middleware": _version("enkrypt-middleware"),
            "http": http_impl,
            "loop": loop,
            "loadgen": loadgen.description,
            "cpus": os.cpu_count(),
            "server_cpu": server_cpu,
            "loadgen_cpu": load_cpu,
            "pinning": "taskset" if shutil.which("taskset") else "sched_setaffinity",
            "rounds": args.rounds,
            "seconds": args.seconds,
            "latency_seconds": args.latency_seconds,
            "stream_requests": args.stream_requests,
            "warmup_seconds": args.warmup,
            "connections": args.connections,
            "aa": args.aa,
            "loadavg_start": _loadavg(),
        }
        print(
            f"bench: uvicorn {meta['uvicorn']} --http {http_impl} --loop {loop}, "
            f"1 worker on CPU {server_cpu}; "
            f"load: {loadgen.description} on CPU {load_cpu}; {args.rounds} interleaved rounds x "
            f"{args.seconds} s ({args.latency_seconds} s for latency), {args.connections} connections"
            + ("; A/A run (bare vs bare)" if args.aa else ""),
            flush=True,
        )
        if "flask" in names:
            print(
                f"bench: flask: Flask {meta['flask']} under gunicorn {meta['gunicorn']} ({meta['gunicorn_worker']}) "
                f"on CPU {server_cpu}",
                flush=True,
            )
        if "django" in names:
            print(f"bench: django: Django {meta['django']} under uvicorn, as above", flush=True)
        if server_cpu is None:
            print("bench: WARNING fewer than 2 CPUs available; server and load generator share a CPU")
        server_kwargs: dict[str, Any] = {
            "http_impl": http_impl,
            "loop": loop,
            "threads": args.threads,
            "cpu": server_cpu,
            "log_dir": work_dir,
        }
        results: dict[str, dict[str, Any]] = {}
        notes: list[str] = []
        groups = [
            (fast, [n for n in names if n in ("passthrough", "chat")]),
            (slow, [n for n in names if n == "latency"]),
            *((frameworks[n], [n]) for n in names if n in frameworks),
        ]
        for variants, group in groups:
            if not group:
                continue
            with servers(variants, **server_kwargs) as running:
                notes += sanity_check(running)
                for name in group:
                    print(f"{name}:", flush=True)
                    results[name] = run_scenario(scenarios[name], running, loadgen, args.rounds, args.warmup)
        if "stream" in names:
            with servers(streamed, **server_kwargs) as running:
                for name, detections in stream.sanity_check(running).items():
                    fired = _fired(detections)
                    if fired:
                        notes.append(f"{name}: the bench stream made detectors fire: {', '.join(fired)}")
                print(
                    f"stream: {', '.join(stream.label(n) for n in streamed)}; {args.rounds} interleaved rounds x "
                    f"{args.stream_requests} sequential requests on 1 keep-alive connection",
                    flush=True,
                )
                results["stream"] = stream.run(running, streamed, args.rounds, args.stream_requests, args.warmup)

    meta["loadavg_end"] = _loadavg()
    output: dict[str, Any] = {"meta": meta, "notes": notes, "scenarios": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=2) + "\n")
    measured = {name: s for name, s in results.items() if name != "stream"}
    if measured:
        print()
        print(table(measured, candidate="bare (2nd)" if args.aa else "guarded"))
    if "stream" in results:
        print()
        print(stream.table(results["stream"]))
    for note in notes:
        print(f"note: {note}")
    errors = sum(s["errors"] for s in results.values())
    if errors:
        print(f"WARNING: {errors} failed requests during measurement (see rounds in the JSON)")
    print(f"\nresults: {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
