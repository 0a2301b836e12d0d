"""``enkrypt-middleware``: serve a guarded app, scan JSONL offline, check a configuration."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import IO, Any

import anyio

from . import _engine as engine
from ._config import Side, load_config
from ._exceptions import ConfigError
from ._runner import run_side
from .detectors.base import ScanContext

__all__ = ["DEMO_CONFIG", "main"]

#: The deployment `serve` uses without --config: what a first-time user can try at once.
DEMO_CONFIG: dict[str, Any] = {
    "policies": {
        "demo-input": {
            "detectors": {
                "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus", "forbidden-word"]},
                "pii": {"enabled": True, "entities": ["pii", "secrets", "ip_address", "url"]},
                "sponge_attack": {"enabled": True},
            }
        },
        "demo-output": {
            "detectors": {
                "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus", "forbidden-word"]},
                "pii": {"enabled": True, "entities": ["secrets"]},
            }
        },
    },
    "deployments": {
        "demo": {
            "input_guardrails_policy": {
                "policy_name": "demo-input",
                "block": ["keyword_detector", "sponge_attack"],
                "additional_config": {"pii_redaction": True},
            },
            "output_guardrails_policy": {
                "policy_name": "demo-output",
                "block": ["keyword_detector", "pii"],
            },
        }
    },
    "default_deployment": "demo",
}


def _examples(base: str) -> str:
    return f"""
Guarded demo server on {base}  (deployment "demo": keywords "project zeus", "forbidden-word" blocked;
PII redacted before the model; secrets in answers blocked). Try:

  curl -s {base}/v1/chat/completions -H 'Content-Type: application/json' \\
    -d '{{"model": "enkrypt-standin-1", "messages": [{{"role": "user", "content": "Hello, I am jo@example.com"}}]}}'

  curl -s {base}/v1/chat/completions -H 'Content-Type: application/json' \\
    -d '{{"model": "enkrypt-standin-1", "messages": [{{"role": "user", "content": "Tell me about project zeus"}}]}}'

  python - <<'PY'
from openai import OpenAI
client = OpenAI(base_url="{base}/v1", api_key="unused")
reply = client.chat.completions.create(
    model="enkrypt-standin-1",
    messages=[{{"role": "user", "content": "echo: my key is AKIAIOSFODNN7EXAMPLE"}}],
    extra_headers={{"X-Enkrypt-Deployment": "demo"}},
)
print(reply.choices[0].message.content)
print(reply.model_extra["enkrypt_policy_detections"])
PY
"""


def _serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
    except ImportError:
        print("serve needs uvicorn: pip install 'enkrypt-middleware[serve]'", file=sys.stderr)
        return 2
    from ._asgi import EnkryptMiddleware
    from ._standin import standin_app, upstream_app

    guardrails = load_config(args.config or DEMO_CONFIG)
    host_app = upstream_app(args.upstream) if args.upstream else standin_app()
    app = EnkryptMiddleware(host_app, config=guardrails)
    shown_host = "localhost" if args.host in ("0.0.0.0", "127.0.0.1", "::") else args.host
    print(_examples(f"http://{shown_host}:{args.port}"), flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info")
    return 0


def _check(args: argparse.Namespace) -> int:
    guardrails = load_config(args.config)
    print(f"{args.config}: OK")
    print(guardrails.check_report())
    return 0


def _scan_side(args: argparse.Namespace) -> Side:
    if args.detector:
        policy = {"detectors": {name: {"enabled": True} for name in args.detector}}
        ref = {"policy_name": "scan", "block": list(args.detector)}
        side_key = "input_guardrails_policy" if args.side == "input" else "output_guardrails_policy"
        guardrails = load_config({"policies": {"scan": policy}, "deployments": {"scan": {side_key: ref}}})
        deployment = guardrails.deployments["scan"]
    else:
        if not args.config:
            raise ConfigError("give --config FILE (with --deployment) or at least one --detector", key="scan")
        guardrails = load_config(args.config)
        name = args.deployment or guardrails.default_deployment
        if name is None or name not in guardrails.deployments:
            raise ConfigError(f"no deployment {name!r} in {args.config}", key="--deployment")
        deployment = guardrails.deployments[name]
    side = deployment.input if args.side == "input" else deployment.output
    if side is None:
        raise ConfigError(f"the {args.side} side of this deployment is off", key="--side")
    return side


def _lines(stream: IO[str], total_bytes: int | None) -> Iterator[str]:
    """The lines of ``stream``; with ``total_bytes``, a progress bar on stderr as they are read."""
    count = done = 0
    for line in stream:
        count += 1
        if total_bytes:
            done += len(line.encode("utf-8"))
            if count % 50 == 0:
                _progress(done, total_bytes, count)
        yield line
    if total_bytes:
        _progress(total_bytes, total_bytes, count)
        print(file=sys.stderr)


def _progress(done: int, total: int, lines: int, width: int = 30) -> None:
    filled = min(width, width * done // max(total, 1))
    percent = min(100, 100 * done // max(total, 1))
    print(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {percent:3d}% {lines} lines", end="", file=sys.stderr, flush=True
    )


#: Optional JSONL fields for context-aware detectors (CONTRACT §0), named as ScanContext's attributes.
_CONTEXT_FIELDS = ("system_prompt", "context", "question")


def _record(line: str, number: int, side: str) -> tuple[str, ScanContext]:
    try:
        record = json.loads(line)
        text = record["text"]
        if not isinstance(text, str):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise SystemExit(f"line {number}: expected a JSON object with a string `text`") from None
    parts: dict[str, str | None] = {}
    for key in _CONTEXT_FIELDS:
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            raise SystemExit(f"line {number}: `{key}` must be a string or null")
        parts[key] = value or None
    return text, ScanContext(**parts, side="input" if side == "input" else "output")


def _scan(args: argparse.Namespace) -> int:
    side = _scan_side(args)
    reading_file = args.file not in (None, "-")
    stream: IO[str] = open(args.file, encoding="utf-8") if reading_file else sys.stdin
    total_bytes = os.path.getsize(args.file) if reading_file and sys.stderr.isatty() else None

    async def scan_all() -> None:
        with stream:
            for number, line in enumerate(_lines(stream, total_bytes), start=1):
                if not line.strip():
                    continue
                text, context = _record(line, number, args.side)
                texts = [engine.Scanned("text", text, None, "text")]
                outcomes, latency = await run_side(side, texts, context)
                verdict = engine.evaluate(side, texts, outcomes, latency)
                result = {key: verdict.detections[key] for key in ("summary", "details", "result_message")}
                sys.stdout.write(engine._DUMPS(result) + "\n")

    anyio.run(scan_all)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="enkrypt-middleware", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve an OpenAI-compatible app guarded by the middleware")
    serve.add_argument("--config", help="configuration file (default: the built-in demo deployment)")
    serve.add_argument("--upstream", help="forward to this OpenAI-compatible base URL instead of the stand-in")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(run=_serve)

    scan = commands.add_parser(
        "scan",
        help="run detectors over JSONL lines of {'text': ...}, with optional 'system_prompt', 'context' "
        "(as enkrypt_context) and 'question' for context-aware detectors",
    )
    scan.add_argument("--config")
    scan.add_argument("--deployment")
    scan.add_argument("--detector", action="append", default=[], help="a built-in detector (repeatable)")
    scan.add_argument("--side", choices=("input", "output"), default="input")
    scan.add_argument("file", nargs="?", default="-")
    scan.set_defaults(run=_scan)

    check = commands.add_parser("check", help="validate a configuration and show what it runs")
    check.add_argument("--config", required=True)
    check.set_defaults(run=_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result: int = args.run(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    return result
