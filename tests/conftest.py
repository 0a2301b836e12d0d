"""Shared fixtures: the seed's detection schema, a test configuration, clients for real apps."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from .enkrypt_api import api, enkrypt_server  # noqa: F401  (fixtures of the remote-detector tests)

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SEED = SHARED / "seeds" / "ai-proxy-chat-completions.openapi.yaml"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _openapi_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0 `nullable` to JSON Schema, and refs to the document's definitions."""
    if isinstance(node, dict):
        out = {k: _openapi_to_jsonschema(v) for k, v in node.items() if k not in ("example", "x-oaiMeta")}
        if out.pop("nullable", False) and "type" in out:
            out["type"] = [out["type"], "null"]
        if "$ref" in out:
            out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/definitions/")
        return out
    if isinstance(node, list):
        return [_openapi_to_jsonschema(v) for v in node]
    return node


_SCHEMAS = _openapi_to_jsonschema(yaml.safe_load(SEED.read_text())["components"]["schemas"])
# The seed types injection_attack.safe/attack as numbers, but its own examples and Enkrypt's API give
# 6-decimal strings ("0.999354"), which CONTRACT §8 and the issue ask for: accept both, nothing else.
_DETAILS = _SCHEMAS["GuardrailsDetectionResponseDetails"]["properties"]
for _score in ("safe", "attack"):
    _DETAILS["injection_attack"]["properties"][_score]["type"] = ["number", "string"]
# ...and types the similarity scores as integers, which cannot hold a score in [0, 1]: any number.
for _detector in ("system_prompt", "copyright_ip"):
    _DETAILS[_detector]["properties"]["similarity_score"]["type"] = "number"
_SCHEMA = {"$ref": "#/definitions/GuardrailsDetectionResponse", "definitions": _SCHEMAS}
jsonschema.Draft7Validator.check_schema(_SCHEMA)
_VALIDATOR = jsonschema.Draft7Validator(_SCHEMA)


def assert_seed_shape(side: dict[str, Any]) -> None:
    """A side object (input_guardrails/output_guardrails) validates against GuardrailsDetectionResponse."""
    _VALIDATOR.validate(side)


def assert_detections_shape(detections: dict[str, Any]) -> None:
    assert detections, "no enkrypt_policy_detections"
    assert set(detections) <= {"input_guardrails", "output_guardrails"}
    for side in detections.values():
        assert_seed_shape(side)
        assert isinstance(side["blocked"], bool)
        assert isinstance(side["blocked_by"], list)
        assert isinstance(side["errors"], dict)
        assert isinstance(side["latency_ms"], float)


BANNED = ["project zeus", "forbidden-word"]

BASE_CONFIG: dict[str, Any] = {
    "policies": {
        "in": {
            "detectors": {
                "keyword_detector": {"enabled": True, "banned_keywords": BANNED},
                "pii": {"enabled": True, "entities": ["pii", "secrets", "ip_address", "url"]},
                "sponge_attack": {"enabled": True},
            }
        },
        "out": {
            "detectors": {
                "keyword_detector": {"enabled": True, "banned_keywords": BANNED},
                "pii": {"enabled": True, "entities": ["secrets"]},
            }
        },
    },
    "deployments": {
        "main": {
            "input_guardrails_policy": {"policy_name": "in", "block": ["keyword_detector", "sponge_attack"]},
            "output_guardrails_policy": {"policy_name": "out", "block": ["keyword_detector", "pii"]},
        },
    },
    "default_deployment": "main",
}


def config(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE_CONFIG with top-level keys replaced and deployments merged in."""
    result = copy.deepcopy(BASE_CONFIG)
    deployments = changes.pop("deployments", {})
    result["deployments"].update(deployments)
    result.update(changes)
    return result
