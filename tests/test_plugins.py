"""Third-party detectors by entry point: a real distribution is built, installed and selected by name."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from enkrypt_middleware import ConfigError, EnkryptMiddleware, load_config

from .conftest import assert_detections_shape
from .hosts import make_host

pytestmark = pytest.mark.anyio

DIST = Path(__file__).parent / "plugin_dist"


@pytest.fixture(scope="module", autouse=True)
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``pip install`` the test distribution into a directory put on ``sys.path`` for this module."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            target,
            DIST,
        ],
        check=True,
        capture_output=True,
    )
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    try:
        yield target
    finally:
        sys.path.remove(str(target))
        sys.modules.pop("enkrypt_shout", None)
        importlib.invalidate_caches()


def config(name: str, options: dict[str, Any], block: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "policies": {"p": {"detectors": {name: {"enabled": True, **options}}}},
        "deployments": {"d": {"input_guardrails_policy": {"policy_name": "p", "block": list(block)}}},
        "default_deployment": "d",
    }


async def post(app: EnkryptMiddleware, text: str) -> httpx.Response:
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.post("/v1/chat/completions", json=body)


async def test_a_config_model_plugin_runs_with_its_validated_options() -> None:
    app = EnkryptMiddleware(make_host()[0], config=config("shouting", {"ratio": 0.6}, block=("shouting",)))
    blocked = await post(app, "WHY IS NOTHING WORKING today")
    assert blocked.status_code == 400
    assert_detections_shape(blocked.json()["enkrypt_policy_detections"])
    detections = blocked.json()["enkrypt_policy_detections"]["input_guardrails"]
    assert detections["blocked_by"] == ["shouting"]
    assert detections["details"]["shouting"]["upper_share"] > 0.6
    calm = await post(app, "Why is nothing working today?")
    assert calm.status_code == 200
    assert calm.json()["enkrypt_policy_detections"]["input_guardrails"]["summary"] == {"shouting": 0}


async def test_a_factory_plugin_gets_its_own_options_as_keywords() -> None:
    app = EnkryptMiddleware(make_host()[0], config=config("banned_word", {"word": "pineapple"}, block=("banned_word",)))
    assert (await post(app, "I like pineapple on pizza")).status_code == 400
    assert (await post(app, "I like forbidden things")).status_code == 200  # the default word was replaced


@pytest.mark.parametrize(
    ("name", "options", "key", "words"),
    [
        ("shouting", {"ratio": 2}, "policies.p.detectors.shouting.ratio", "less than or equal to 1"),
        ("shouting", {"colour": "red"}, "policies.p.detectors.shouting.colour", "Extra inputs"),
        ("banned_word", {"colour": "red"}, "policies.p.detectors.banned_word", "rejected its options"),
        ("not_a_detector", {}, "policies.p.detectors.not_a_detector", "neither a DetectorConfig nor callable"),
        ("broken_import", {}, "policies.p.detectors.broken_import", "failed to import"),
    ],
)
def test_a_bad_plugin_or_bad_options_fail_at_start_up_naming_the_key(
    name: str, options: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(config(name, options))
    assert caught.value.key == key
    assert words in str(caught.value)


def test_a_block_list_may_name_an_installed_plugin_and_check_lists_it() -> None:
    guardrails = load_config(config("shouting", {}, block=("shouting", "banned_word")))
    assert "blocks shouting" in guardrails.check_report()


def test_an_uninstalled_name_is_still_unknown() -> None:
    with pytest.raises(ConfigError, match="unknown detector 'whispering'"):
        load_config(config("whispering", {}))
