"""Configuration loading: every source gives the same deployments, and every mistake names its key."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from enkrypt_middleware import (
    Config,
    ConfigError,
    Deployment,
    EnkryptMiddleware,
    Finding,
    Guardrails,
    InputPolicyRef,
    OutputPolicyRef,
    Policy,
    load_config,
)
from enkrypt_middleware._config import InputAdditionalConfig

from .conftest import config
from .hosts import make_host

# --- one configuration, four sources ---------------------------------------------------------------

FULL: dict[str, Any] = {
    "default_deployment": "support",
    "max_body_size": 65536,
    "path_suffixes": ["/chat/completions"],
    "paths": ["/ai-proxy/answer"],
    "policies": {
        "support-in": {
            "description": "what customers may send",
            "detectors": {
                "keyword_detector": {
                    "enabled": True,
                    "banned_keywords": ["project zeus", "internal only"],
                    "block_message": "Not a topic for this bot.",
                },
                "pii": {"enabled": True, "entities": ["pii", "secrets"], "timeout_ms": 500, "on_error": "block"},
                "sponge_attack": {"enabled": True, "threshold": 0.7, "max_chars": 8000},
                "toxicity": {"enabled": False},
            },
        },
        "support-out": {"detectors": {"pii": {"enabled": True, "entities": ["secrets"]}}},
    },
    "deployments": {
        "support": {
            "model_saved_name": "gpt-4o-support",
            "model_version": "v1",
            "scan": "user",
            "tags": ["support", "eu"],
            "input_guardrails_policy": {
                "policy_name": "support-in",
                "block": ["keyword_detector", "sponge_attack"],
                "additional_config": {"pii_redaction": True},
            },
            "output_guardrails_policy": {"policy_name": "support-out", "block": ["pii"]},
        },
        "internal": {
            "api_keys": ["k-123"],
            "output_block_mode": "error",
            "stream_mode": "audit",
            "block_status": 403,
            "input_guardrails_policy": {"policy_name": "support-in", "block": ["pii"]},
            "output_guardrails_policy": {"policy_name": "support-out", "enabled": False},
        },
    },
}

FULL_TOML = """\
default_deployment = "support"
max_body_size = 65536
path_suffixes = ["/chat/completions"]
paths = ["/ai-proxy/answer"]

[policies.support-in]
description = "what customers may send"

[policies.support-in.detectors.keyword_detector]
enabled = true
banned_keywords = ["project zeus", "internal only"]
block_message = "Not a topic for this bot."

[policies.support-in.detectors.pii]
enabled = true
entities = ["pii", "secrets"]
timeout_ms = 500
on_error = "block"

[policies.support-in.detectors.sponge_attack]
enabled = true
threshold = 0.7
max_chars = 8000

[policies.support-in.detectors.toxicity]
enabled = false

[policies.support-out.detectors.pii]
enabled = true
entities = ["secrets"]

[deployments.support]
model_saved_name = "gpt-4o-support"
model_version = "v1"
scan = "user"
tags = ["support", "eu"]

[deployments.support.input_guardrails_policy]
policy_name = "support-in"
block = ["keyword_detector", "sponge_attack"]
additional_config = { pii_redaction = true }

[deployments.support.output_guardrails_policy]
policy_name = "support-out"
block = ["pii"]

[deployments.internal]
api_keys = ["k-123"]
output_block_mode = "error"
stream_mode = "audit"
block_status = 403

[deployments.internal.input_guardrails_policy]
policy_name = "support-in"
block = ["pii"]

[deployments.internal.output_guardrails_policy]
policy_name = "support-out"
enabled = false
"""


def _from_dict(tmp_path: Path) -> Guardrails:
    return load_config(FULL)


def _from_json(tmp_path: Path) -> Guardrails:
    path = tmp_path / "guardrails.json"
    path.write_text(json.dumps(FULL), encoding="utf-8")
    return load_config(path)


def _from_toml(tmp_path: Path) -> Guardrails:
    path = tmp_path / "guardrails.toml"
    path.write_text(FULL_TOML, encoding="utf-8")
    return load_config(str(path))


def _from_yaml(tmp_path: Path) -> Guardrails:
    path = tmp_path / "guardrails.yaml"
    path.write_text(yaml.safe_dump(FULL, sort_keys=False), encoding="utf-8")
    return load_config(path)


def _from_yml(tmp_path: Path) -> Guardrails:
    path = tmp_path / "guardrails.yml"
    path.write_text(yaml.safe_dump(FULL, sort_keys=False, default_flow_style=True), encoding="utf-8")
    return load_config(path)


def _shape(guardrails: Guardrails) -> dict[str, Any]:
    """Everything a request depends on, in comparable form."""
    result: dict[str, Any] = {"default": guardrails.default_deployment}
    for name, deployment in guardrails.deployments.items():
        sides: dict[str, Any] = {}
        for label, side in (("input", deployment.input), ("output", deployment.output)):
            if side is None:
                sides[label] = None
                continue
            sides[label] = {
                "policy": side.policy_name,
                "pii_redaction": side.pii_redaction,
                "detectors": [
                    (entry.name, entry.blocks, entry.block_message, entry.mode, entry.options.model_dump())
                    for entry in side.detectors
                ],
            }
        result[name] = {
            "sides": sides,
            "api_keys": deployment.api_keys,
            "scan": deployment.scan,
            "output_block_mode": deployment.output_block_mode,
            "stream_mode": deployment.stream_mode,
            "block_status": deployment.block_status,
            "tags": deployment.tags,
        }
    return result


EXPECTED_REPORT = """\
deployment support (default): scan=user, stream_mode=guard, output_block_mode=replace
  input [support-in]: runs keyword_detector, pii, sponge_attack + pii_redaction; blocks keyword_detector, sponge_attack
  output [support-out]: runs pii; blocks pii
deployment internal: scan=last_user, stream_mode=audit, output_block_mode=error, api keys required
  input [support-in]: runs keyword_detector, pii, sponge_attack; blocks pii
  output: off"""


@pytest.mark.parametrize("load", [_from_dict, _from_json, _from_toml, _from_yaml, _from_yml])
def test_every_source_compiles_to_the_same_deployments(load: Callable[[Path], Guardrails], tmp_path: Path) -> None:
    reference = load_config(FULL)
    guardrails = load(tmp_path)
    assert guardrails.check_report() == EXPECTED_REPORT
    assert _shape(guardrails) == _shape(reference)
    assert guardrails.config == reference.config
    support = guardrails.deployments["support"]
    assert support.input is not None and support.output is not None
    assert [(e.name, e.blocks) for e in support.input.detectors] == [
        ("keyword_detector", True),
        ("pii", False),
        ("sponge_attack", True),
    ]
    assert support.input.detectors[0].block_message == "Not a topic for this bot."
    assert support.input.detectors[1].options.on_error == "block"
    assert support.input.detectors[1].options.timeout_ms == 500
    assert support.input.detectors[2].options.threshold == 0.7
    assert guardrails.deployments["internal"].api_keys == (b"k-123",)
    assert guardrails.deployments["internal"].block_status == 403


def test_file_source_is_remembered(tmp_path: Path) -> None:
    assert _from_json(tmp_path).source == tmp_path / "guardrails.json"
    assert _from_dict(tmp_path).source is None


def test_compiled_guardrails_pass_through_load_config() -> None:
    guardrails = load_config(FULL)
    assert load_config(guardrails) is guardrails


# --- Python objects --------------------------------------------------------------------------------


def _object_config() -> Config:
    return Config(
        policies={
            "in": Policy(
                detectors={
                    "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus"]},
                    "pii": {"enabled": True, "entities": ["pii"]},
                }
            ),
            "out": Policy(detectors={"pii": {"entities": ["secrets"]}}),
        },
        deployments={
            "bot": Deployment(
                input_guardrails_policy=InputPolicyRef(
                    policy_name="in",
                    block=("keyword_detector",),
                    additional_config=InputAdditionalConfig(pii_redaction=True),
                ),
                output_guardrails_policy=OutputPolicyRef(policy_name="out", block=("pii",)),
            )
        },
        default_deployment="bot",
    )


def test_python_objects_load_like_the_dict_form() -> None:
    from_objects = load_config(_object_config())
    from_dict = load_config(
        {
            "policies": {
                "in": {
                    "detectors": {
                        "keyword_detector": {"enabled": True, "banned_keywords": ["project zeus"]},
                        "pii": {"enabled": True, "entities": ["pii"]},
                    }
                },
                "out": {"detectors": {"pii": {"entities": ["secrets"]}}},
            },
            "deployments": {
                "bot": {
                    "input_guardrails_policy": {
                        "policy_name": "in",
                        "block": ["keyword_detector"],
                        "additional_config": {"pii_redaction": True},
                    },
                    "output_guardrails_policy": {"policy_name": "out", "block": ["pii"]},
                }
            },
            "default_deployment": "bot",
        }
    )
    assert from_objects.check_report() == from_dict.check_report()
    assert _shape(from_objects) == _shape(from_dict)
    assert from_objects.check_report().splitlines()[1] == (
        "  input [in]: runs keyword_detector, pii + pii_redaction; blocks keyword_detector"
    )


@pytest.mark.anyio
async def test_python_objects_guard_requests() -> None:
    host, seen = make_host()
    app = EnkryptMiddleware(host, config=load_config(_object_config()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        blocked = await client.post(
            "/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "project zeus?"}]}
        )
        redacted = await client.post(
            "/v1/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "I am jo@example.com"}]},
        )
    assert blocked.status_code == 400
    assert blocked.json()["error"]["code"] == "input_guardrails_blocked"
    assert redacted.status_code == 200
    assert seen.bodies == [{"model": "m", "messages": [{"role": "user", "content": "I am <EMAIL_ADDRESS_0>"}]}]
    assert redacted.json()["choices"][0]["message"]["content"] == "I am jo@example.com"


# --- bad configurations fail at load, naming the key -----------------------------------------------


def _set(path: str, value: Any) -> dict[str, Any]:
    """conftest's config() with one dotted key set (created if missing)."""
    cfg = config()
    node: Any = cfg
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return cfg


def _without_pii_with_redaction() -> dict[str, Any]:
    cfg = config()
    del cfg["policies"]["in"]["detectors"]["pii"]
    cfg["deployments"]["main"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}
    return cfg


def _pii_disabled_with_redaction() -> dict[str, Any]:
    cfg = _set("policies.in.detectors.pii.enabled", False)
    cfg["deployments"]["main"]["input_guardrails_policy"]["additional_config"] = {"pii_redaction": True}
    return cfg


IN_POLICY = "deployments.main.input_guardrails_policy"

BAD_CONFIGS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown top-level key", _set("default_deployments", "main"), "default_deployments"),
    ("unknown deployment key", _set("deployments.main.input_policy", {}), "deployments.main.input_policy"),
    ("unknown policy ref key", _set(f"{IN_POLICY}.blocks", ["pii"]), f"{IN_POLICY}.blocks"),
    (
        "unknown additional_config key",
        _set(f"{IN_POLICY}.additional_config.pii_redact", True),
        f"{IN_POLICY}.additional_config.pii_redact",
    ),
    (
        "unknown detector option",
        _set("policies.in.detectors.pii.entitys", ["pii"]),
        "policies.in.detectors.pii.entitys",
    ),
    (
        "invalid entity",
        _set("policies.in.detectors.pii.entities", ["pii", "ssn"]),
        "policies.in.detectors.pii.entities.1",
    ),
    (
        "threshold above 1",
        _set("policies.in.detectors.sponge_attack.threshold", 1.5),
        "policies.in.detectors.sponge_attack.threshold",
    ),
    (
        "threshold below 0",
        _set("policies.in.detectors.sponge_attack.threshold", -0.1),
        "policies.in.detectors.sponge_attack.threshold",
    ),
    (
        "on_error maybe",
        _set("policies.in.detectors.sponge_attack.on_error", "maybe"),
        "policies.in.detectors.sponge_attack.on_error",
    ),
    ("timeout_ms 0", _set("policies.in.detectors.pii.timeout_ms", 0), "policies.in.detectors.pii.timeout_ms"),
    (
        "empty banned keyword",
        _set("policies.in.detectors.keyword_detector.banned_keywords", ["ok", " \u200b "]),
        "policies.in.detectors.keyword_detector.banned_keywords",
    ),
    ("detector options not an object", _set("policies.in.detectors.pii", "yes"), "policies.in.detectors.pii"),
    ("block names an unknown detector", _set(f"{IN_POLICY}.block", ["toxicty"]), f"{IN_POLICY}.block.0"),
    (
        "block: second entry unknown",
        _set(f"{IN_POLICY}.block", ["keyword_detector", "sponge"]),
        f"{IN_POLICY}.block.1",
    ),
    ("policy_name not in policies", _set(f"{IN_POLICY}.policy_name", "inn"), f"{IN_POLICY}.policy_name"),
    (
        "output policy_name not in policies",
        _set("deployments.main.output_guardrails_policy.policy_name", "outt"),
        "deployments.main.output_guardrails_policy.policy_name",
    ),
    ("default_deployment unknown", _set("default_deployment", "mian"), "default_deployment"),
    ("pii_redaction without pii", _without_pii_with_redaction(), f"{IN_POLICY}.additional_config.pii_redaction"),
    (
        "pii_redaction with pii disabled",
        _pii_disabled_with_redaction(),
        f"{IN_POLICY}.additional_config.pii_redaction",
    ),
    (
        "toxicity threshold out of range",
        _set("policies.in.detectors.toxicity", {"thresholds": {"insult": 2}}),
        "policies.in.detectors.toxicity.thresholds.insult",
    ),
    (
        "unknown injection_attack option",
        _set("policies.out.detectors.injection_attack", {"treshold": 0.9}),
        "policies.out.detectors.injection_attack.treshold",
    ),
    (
        "output-only check on the input side",
        _set("policies.in.detectors.relevancy", {"enabled": True}),
        f"{IN_POLICY}.policy_name",
    ),
    (
        "output-only check with a bad option",
        _set("policies.out.detectors.hallucination", {"threshold": 2}),
        "policies.out.detectors.hallucination.threshold",
    ),
    (
        "copyright_ip without a corpus",
        _set("policies.out.detectors.copyright_ip", {"enabled": True}),
        "policies.out.detectors.copyright_ip",
    ),
    (
        "topic_detector without topics",
        _set("policies.in.detectors.topic_detector", {"topic": []}),
        "policies.in.detectors.topic_detector.topic",
    ),
    (
        "policy rule pattern that does not compile",
        _set("policies.in.detectors.policy_violation", {"rules": [{"text": "No cards.", "patterns": ["(["]}]}),
        "policies.in.detectors.policy_violation.rules.0.patterns",
    ),
    (
        "policy_violation naming an Enkrypt Code of Conduct",
        _set("policies.in.detectors.policy_violation", {"coc_policy_name": "my-coc"}),
        "policies.in.detectors.policy_violation",
    ),
    (
        "unknown detector",
        _set("policies.in.detectors.frobnicate", {"enabled": True}),
        "policies.in.detectors.frobnicate",
    ),
    ("scan everything", _set("deployments.main.scan", "everything"), "deployments.main.scan"),
    ("output_block_mode", _set("deployments.main.output_block_mode", "drop"), "deployments.main.output_block_mode"),
    ("stream_mode", _set("deployments.main.stream_mode", "buffer"), "deployments.main.stream_mode"),
    ("block_status 200", _set("deployments.main.block_status", 200), "deployments.main.block_status"),
    ("deployment name differs from key", _set("deployments.main.name", "other"), "deployments.main.name"),
    ("path_suffixes without slash", _set("path_suffixes", ["/completions", "chat/completions"]), "path_suffixes"),
    ("paths without slash", _set("paths", ["v1/answer"]), "paths"),
    ("max_body_size 0", _set("max_body_size", 0), "max_body_size"),
    ("enabled not a boolean", _set("policies.in.detectors.pii.enabled", "maybe"), "policies.in.detectors.pii.enabled"),
]


@pytest.mark.parametrize(
    ("cfg", "key"), [(cfg, key) for _, cfg, key in BAD_CONFIGS], ids=[i for i, _, _ in BAD_CONFIGS]
)
def test_bad_configuration_names_the_key(cfg: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{key}: ")


def test_planned_detector_disabled_loads() -> None:
    cfg = _set("policies.in.detectors.toxicity", {"enabled": False, "toxicity": ["insult"]})
    guardrails = load_config(cfg)
    side = guardrails.deployments["main"].input
    assert side is not None
    assert [entry.name for entry in side.detectors] == ["keyword_detector", "pii", "sponge_attack"]


def test_enabled_false_as_a_string_does_not_run_the_detector() -> None:
    cfg = _set("policies.in.detectors.sponge_attack.enabled", "false")
    try:
        guardrails = load_config(cfg)
    except ConfigError as exc:  # rejecting the string is as good as honouring it
        assert exc.key == "policies.in.detectors.sponge_attack.enabled"
        return
    side = guardrails.deployments["main"].input
    assert side is not None
    assert "sponge_attack" not in [entry.name for entry in side.detectors]


BAD_FILES: list[tuple[str, str]] = [
    ("bad.json", '{"policies": {}, "deployments": {'),
    ("bad.toml", "[policies\nx = 1\n"),
    ("bad.yaml", "policies: [unclosed\n  - x: {"),
    ("list.json", "[1, 2, 3]"),
    ("empty.yaml", ""),
    ("guardrails.ini", "[policies]\n"),
    ("guardrails", "{}"),
]


@pytest.mark.parametrize(("name", "text"), BAD_FILES, ids=[name for name, _ in BAD_FILES])
def test_bad_file_names_the_file(tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == str(path)


def test_invalid_file_messages_say_what_is_wrong(tmp_path: Path) -> None:
    cases = {"bad.json": ("{", "not valid JSON"), "bad.toml": ("x = ", "not valid TOML"), "x.ini": ("", "unsupported")}
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_config(path)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match="cannot read") as caught:
        load_config(str(path))
    assert caught.value.key == str(path)


def test_file_content_errors_name_the_key_inside(tmp_path: Path) -> None:
    path = tmp_path / "guardrails.toml"
    path.write_text(FULL_TOML.replace('scan = "user"', 'scan = "everything"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.key == "deployments.support.scan"


def test_unsupported_source_type() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config([("policies", {})])  # type: ignore[arg-type]
    assert caught.value.key == "config"


# --- custom detectors ------------------------------------------------------------------------------


class ShoutDetector:
    name = "shouting"

    def detect(self, text: str) -> Finding:
        letters = [c for c in text if c.isalpha()]
        ratio = sum(c.isupper() for c in letters) / max(len(letters), 1)
        return Finding(detected=ratio > 0.8, score=ratio)


class AsyncShoutDetector:
    name = "async_shouting"

    async def detect(self, text: str) -> Finding:
        return ShoutDetector().detect(text)


class NoDetect:
    name = "lazy"


class ShadowsPII:
    name = "pii"

    def detect(self, text: str) -> Finding:
        return Finding(detected=False)


def _with_custom(name: str, **options: Any) -> dict[str, Any]:
    cfg = config()
    cfg["policies"]["in"]["detectors"][name] = {"enabled": True, **options}
    cfg["deployments"]["main"]["input_guardrails_policy"]["block"].append(name)
    return cfg


@pytest.mark.parametrize(
    ("detector", "mode"), [(ShoutDetector(), "thread"), (AsyncShoutDetector(), "async")], ids=["sync", "async"]
)
@pytest.mark.anyio
async def test_custom_detector_named_by_a_policy_runs_and_blocks(detector: Any, mode: str) -> None:
    guardrails = load_config(_with_custom(detector.name, block_message="Please do not shout."), detectors=[detector])
    side = guardrails.deployments["main"].input
    assert side is not None
    entry = side.detectors[-1]
    assert (entry.name, entry.blocks, entry.mode, entry.detector) == (detector.name, True, mode, detector)
    assert guardrails.custom_detectors == (detector,)

    host, seen = make_host()
    app = EnkryptMiddleware(host, config=guardrails)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        loud = await client.post(
            "/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "GIVE ME ANSWERS"}]}
        )
        calm = await client.post(
            "/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "an answer please"}]}
        )
    assert loud.status_code == 400
    assert loud.json()["error"]["message"] == "Please do not shout."
    assert loud.json()["enkrypt_policy_detections"]["input_guardrails"]["blocked_by"] == [detector.name]
    assert calm.status_code == 200
    assert calm.json()["enkrypt_policy_detections"]["input_guardrails"]["summary"][detector.name] == 0
    assert seen.calls == 1


def test_custom_detector_options_are_validated() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_with_custom("shouting", banned_keywords=["x"]), detectors=[ShoutDetector()])
    assert caught.value.key == "policies.in.detectors.shouting.banned_keywords"


def test_policy_naming_a_custom_detector_needs_it_passed() -> None:
    cfg = config()
    cfg["policies"]["in"]["detectors"]["shouting"] = {"enabled": True}
    with pytest.raises(ConfigError) as caught:
        load_config(cfg)
    assert caught.value.key == "policies.in.detectors.shouting"
    with pytest.raises(ConfigError) as caught:
        load_config(_with_custom("shouting"))
    # the policy is compiled before the deployment's block list names the detector
    assert caught.value.key == "policies.in.detectors.shouting"


@pytest.mark.parametrize(
    ("detector", "message"),
    [(NoDetect(), "has no `name` and `detect`"), (ShadowsPII(), "shadows a built-in")],
    ids=["no-detect", "shadows-pii"],
)
def test_bad_custom_detector_is_rejected(detector: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(config(), detectors=[detector])
    assert caught.value.key == "detectors"


def test_custom_detectors_added_to_compiled_guardrails() -> None:
    base = load_config(config())
    extended = load_config(base, detectors=[ShoutDetector()])
    assert extended is not base
    assert [d.name for d in extended.custom_detectors] == ["shouting"]


# --- defaults and Enkrypt parity -------------------------------------------------------------------


STREAM_MODES: list[tuple[str, dict[str, Any], str]] = [
    ("output blocks", {}, "guard"),
    ("output only monitors", {"output_guardrails_policy": {"policy_name": "out", "block": []}}, "audit"),
    ("output side disabled", {"output_guardrails_policy": {"policy_name": "out", "enabled": False}}, "audit"),
    ("no output side", {"output_guardrails_policy": None}, "audit"),
    (
        "block names a detector the policy does not run",
        {"output_guardrails_policy": {"policy_name": "out", "block": ["sponge_attack"]}},
        "audit",
    ),
    ("explicit audit wins", {"stream_mode": "audit"}, "audit"),
    (
        "explicit guard wins",
        {"stream_mode": "guard", "output_guardrails_policy": {"policy_name": "out", "block": []}},
        "guard",
    ),
]


@pytest.mark.parametrize(("changes", "mode"), [(c, m) for _, c, m in STREAM_MODES], ids=[i for i, _, _ in STREAM_MODES])
def test_stream_mode_default(changes: dict[str, Any], mode: str) -> None:
    cfg = config()
    cfg["deployments"]["main"].update(changes)
    guardrails = load_config(cfg)
    assert guardrails.deployments["main"].stream_mode == mode
    assert f"stream_mode={mode}" in guardrails.check_report()


def test_enkrypt_pasted_deployment_fields_are_accepted() -> None:
    cfg = config()
    cfg["deployments"]["main"].update(model_saved_name="gpt-4o-prod", model_version="2024-08-06", name="main")
    guardrails = load_config(cfg)
    assert guardrails.config.deployments["main"].model_saved_name == "gpt-4o-prod"
    assert guardrails.config.deployments["main"].model_version == "2024-08-06"
    assert _shape(guardrails) == _shape(load_config(config()))


def test_defaults() -> None:
    guardrails = load_config({"deployments": {"bare": {}}})
    bare = guardrails.deployments["bare"]
    assert (bare.input, bare.output, bare.scan, bare.output_block_mode, bare.stream_mode, bare.block_status) == (
        None,
        None,
        "last_user",
        "replace",
        "audit",
        400,
    )
    assert guardrails.default_deployment is None
    assert guardrails.config.path_suffixes == ("/chat/completions", "/completions")
    assert guardrails.config.max_body_size == 10 * 1024 * 1024
    assert guardrails.check_report() == (
        "deployment bare: scan=last_user, stream_mode=audit, output_block_mode=replace\n  input: off\n  output: off"
    )
