"""The lazy registry of built-in detectors: it names every config model right, and imports only on lookup."""

from __future__ import annotations

import subprocess
import sys

from enkrypt_middleware.detectors import BUILTIN_DETECTORS, DETECTOR_ORDER
from enkrypt_middleware.detectors._common import DetectorConfig
from enkrypt_middleware.detectors.bias import BiasConfig
from enkrypt_middleware.detectors.copyright import CopyrightConfig
from enkrypt_middleware.detectors.grounding import AdherenceConfig, HallucinationConfig, RelevancyConfig
from enkrypt_middleware.detectors.injection import InjectionAttackConfig
from enkrypt_middleware.detectors.keyword import KeywordDetectorConfig
from enkrypt_middleware.detectors.nsfw import NsfwConfig
from enkrypt_middleware.detectors.pii import PIIConfig
from enkrypt_middleware.detectors.policy import PolicyViolationConfig
from enkrypt_middleware.detectors.sponge import SpongeAttackConfig
from enkrypt_middleware.detectors.system_prompt import SystemPromptConfig
from enkrypt_middleware.detectors.topic import TopicConfig
from enkrypt_middleware.detectors.toxicity import ToxicityConfig

MODELS: tuple[type[DetectorConfig], ...] = (
    KeywordDetectorConfig,
    PIIConfig,
    InjectionAttackConfig,
    ToxicityConfig,
    NsfwConfig,
    BiasConfig,
    SpongeAttackConfig,
    PolicyViolationConfig,
    CopyrightConfig,
    SystemPromptConfig,
    TopicConfig,
    RelevancyConfig,
    AdherenceConfig,
    HallucinationConfig,
)


def test_every_name_maps_to_the_model_with_that_name_literal() -> None:
    by_literal = {model.model_fields["name"].default: model for model in MODELS}
    assert len(by_literal) == len(MODELS)
    assert list(BUILTIN_DETECTORS) == list(by_literal)
    for name, model in by_literal.items():
        assert BUILTIN_DETECTORS[name] is model
        assert BUILTIN_DETECTORS.get(name) is model
    assert dict(BUILTIN_DETECTORS.items()) == by_literal


def test_order_covers_every_built_in() -> None:
    assert sorted(DETECTOR_ORDER) == sorted(BUILTIN_DETECTORS)


def test_unknown_names() -> None:
    assert "no_such_detector" not in BUILTIN_DETECTORS
    assert BUILTIN_DETECTORS.get("no_such_detector") is None
    assert len(BUILTIN_DETECTORS) == len(MODELS)


_PROBE = """
import sys
import enkrypt_middleware
from enkrypt_middleware.detectors import BUILTIN_DETECTORS, DETECTOR_ORDER
# names, membership and size read the table only
assert list(BUILTIN_DETECTORS) and "injection_attack" in BUILTIN_DETECTORS and len(BUILTIN_DETECTORS) == len(DETECTOR_ORDER)
before = sorted(m for m in sys.modules if m.startswith("enkrypt_middleware.detectors."))
enkrypt_middleware.load_config(
    {"policies": {"p": {"detectors": {"nsfw": {}}}}, "deployments": {"d": {"input_guardrails_policy": {"policy_name": "p"}}}}
)
after = sorted(m for m in sys.modules if m.startswith("enkrypt_middleware.detectors."))
print(" ".join(before))
print(" ".join(after))
"""


def test_import_and_configuration_import_only_the_detectors_used() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], check=True, capture_output=True, text=True).stdout
    before, after = (set(line.split()) for line in out.splitlines())
    prefix = "enkrypt_middleware.detectors."
    families = {"bias", "copyright", "grounding", "injection", "keyword", "nsfw", "policy", "sponge"}
    families |= {"system_prompt", "topic", "toxicity"}
    assert not before & {prefix + family for family in families}
    assert prefix + "nsfw" in after
    assert not after & {prefix + family for family in families - {"nsfw", "toxicity"}}
