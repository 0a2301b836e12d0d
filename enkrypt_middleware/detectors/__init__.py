"""Built-in detectors, registered by their Enkrypt names.

Each built-in has a config model whose ``name`` field is a literal: the registry is derived from
those models, so adding a detector means adding its model to ``_BUILTIN_CONFIGS`` and nothing else.
"""

from __future__ import annotations

from ._common import DetectorConfig
from .bias import BiasConfig
from .copyright import CopyrightConfig
from .grounding import AdherenceConfig, HallucinationConfig, RelevancyConfig
from .injection import InjectionAttackConfig
from .keyword import KeywordDetectorConfig
from .nsfw import NsfwConfig
from .pii import PIIConfig
from .policy import PolicyViolationConfig
from .sponge import SpongeAttackConfig
from .system_prompt import SystemPromptConfig
from .topic import TopicConfig
from .toxicity import ToxicityConfig

__all__ = ["BUILTIN_DETECTORS", "DETECTOR_ORDER", "PLANNED_DETECTORS"]

_BUILTIN_CONFIGS: tuple[type[DetectorConfig], ...] = (
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

#: Enkrypt name -> config model of every built-in detector available in this version.
BUILTIN_DETECTORS: dict[str, type[DetectorConfig]] = {
    model.model_fields["name"].default: model for model in _BUILTIN_CONFIGS
}

#: Enkrypt detectors that this version does not run yet: configuring one enabled is an error.
PLANNED_DETECTORS: tuple[str, ...] = ()

#: The fixed order detectors run and report in; the first blocking one gives ``result_message``.
DETECTOR_ORDER: tuple[str, ...] = (
    "keyword_detector",
    "pii",
    "injection_attack",
    "toxicity",
    "nsfw",
    "bias",
    "policy_violation",
    "copyright_ip",
    "system_prompt",
    "sponge_attack",
    "topic_detector",
    "relevancy",
    "adherence",
    "hallucination",
)
