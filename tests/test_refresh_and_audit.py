"""X-Enkrypt-Refresh-Cache (authorised, rate-limited), tags and trace ids in the audit log."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from enkrypt_middleware import EnkryptMiddleware

from .conftest import config
from .hosts import make_host

pytestmark = pytest.mark.anyio

CHAT = "/v1/chat/completions"


def write(path: Path, banned: list[str], interval: float = 60.0) -> None:
    cfg = config(refresh_min_interval_s=interval, refresh_api_keys=["ops-key"])
    cfg["policies"]["in"]["detectors"]["keyword_detector"]["banned_keywords"] = banned
    cfg["deployments"]["main"]["api_keys"] = ["user-key"]
    path.write_text(json.dumps(cfg))


def ask(text: str, **headers: str) -> dict[str, Any]:
    return {"json": {"messages": [{"role": "user", "content": text}]}, "headers": {"apikey": "user-key", **headers}}


async def test_refresh_reloads_only_for_allowed_callers_and_at_most_once_per_interval(tmp_path: Path) -> None:
    path = tmp_path / "guardrails.json"
    write(path, ["alpha"])
    host, _ = make_host()
    app = EnkryptMiddleware(host, config=path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.post(CHAT, **ask("beta"))).status_code == 200
        write(path, ["alpha", "beta"])
        # without the header, or with "false": the old configuration
        assert (await client.post(CHAT, **ask("beta"))).status_code == 200
        assert (await client.post(CHAT, **ask("beta", **{"X-Enkrypt-Refresh-Cache": "false"}))).status_code == 200
        # a deployment key may refresh: the new keyword blocks from this very request on
        refreshed = await client.post(CHAT, **ask("beta", **{"X-Enkrypt-Refresh-Cache": "true"}))
        assert refreshed.status_code == 400
        write(path, ["alpha", "beta", "gamma"])
        # a second refresh within the interval is ignored, the request proceeds normally
        limited = await client.post(CHAT, **ask("gamma", **{"X-Enkrypt-Refresh-Cache": "true"}))
        assert limited.status_code == 200


async def test_refresh_from_a_caller_without_a_key_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "guardrails.json"
    write(path, ["alpha"], interval=0.0)
    cfg = json.loads(path.read_text())
    del cfg["deployments"]["main"]["api_keys"]
    path.write_text(json.dumps(cfg))
    host, _ = make_host()
    app = EnkryptMiddleware(host, config=path)
    cfg["policies"]["in"]["detectors"]["keyword_detector"]["banned_keywords"] = ["beta"]
    path.write_text(json.dumps(cfg))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        anonymous = await client.post(
            CHAT, json={"messages": [{"role": "user", "content": "beta"}]}, headers={"X-Enkrypt-Refresh-Cache": "true"}
        )
        ops = await client.post(
            CHAT,
            json={"messages": [{"role": "user", "content": "beta"}]},
            headers={"X-Enkrypt-Refresh-Cache": "true", "apikey": "ops-key"},
        )
    assert anonymous.status_code == 200
    assert ops.status_code == 400


async def test_broken_file_on_refresh_keeps_the_running_configuration(tmp_path: Path) -> None:
    path = tmp_path / "guardrails.json"
    write(path, ["alpha"], interval=0.0)
    host, _ = make_host()
    app = EnkryptMiddleware(host, config=path)
    path.write_text("{ broken")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(CHAT, **ask("alpha", **{"X-Enkrypt-Refresh-Cache": "true"}))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "input_guardrails_blocked"


async def test_audit_log_carries_tags_and_trace_ids_but_no_text(caplog: pytest.LogCaptureFixture) -> None:
    host, _ = make_host()
    app = EnkryptMiddleware(host, config=config())
    secret_prompt = "my card is 4111 1111 1111 1111 and project zeus"
    caplog.set_level(logging.INFO, logger="enkrypt_middleware")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        await client.post(
            CHAT,
            json={"messages": [{"role": "user", "content": secret_prompt}]},
            headers={"X-Enkrypt-Tags": " team-a, ,beta ", "x-request-id": "req-42", "traceparent": "00-abc-def-01"},
        )
        await client.post(CHAT, json={"messages": [{"role": "user", "content": "echo hello"}]})
    records = [r for r in caplog.records if r.name == "enkrypt_middleware"]
    assert len(records) == 2
    first = records[0].getMessage()
    assert "tags=team-a,beta" in first
    assert "req-42" in first and "00-abc-def-01" in first
    assert "input_blocked=True" in first
    assert "blocked_by=['keyword_detector']" in first
    logged = "\n".join(r.getMessage() for r in records)
    for fragment in ("4111", "zeus", "hello"):
        assert fragment not in logged
