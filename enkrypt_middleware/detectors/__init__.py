"""Built-in detectors, registered by their Enkrypt names.

Each built-in has a config model whose ``name`` field is a literal. The registry names the module and
class of each model rather than importing them: a detector module (its regexes, word lists, pydantic
models) is imported only when a configuration uses that detector, so ``import enkrypt_middleware`` does
not pay for the fourteen built-ins up front. ``tests/detectors/test_registry.py`` imports every model
and checks its ``name`` literal against its key here, so the registry cannot drift from the models.
Adding a detector means adding one line to ``_BUILTIN_CONFIGS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._common import DetectorConfig

__all__ = ["BUILTIN_DETECTORS", "DETECTOR_ORDER", "PLANNED_DETECTORS"]

#: Enkrypt name -> ``"module:ConfigClass"`` (a module of this package) of every built-in.
_BUILTIN_CONFIGS: dict[str, str] = {
    "keyword_detector": "keyword:KeywordDetectorConfig",
    "pii": "pii:PIIConfig",
    "injection_attack": "injection:InjectionAttackConfig",
    "toxicity": "toxicity:ToxicityConfig",
    "nsfw": "nsfw:NsfwConfig",
    "bias": "bias:BiasConfig",
    "sponge_attack": "sponge:SpongeAttackConfig",
    "policy_violation": "policy:PolicyViolationConfig",
    "copyright_ip": "copyright:CopyrightConfig",
    "system_prompt": "system_prompt:SystemPromptConfig",
    "topic_detector": "topic:TopicConfig",
    "relevancy": "grounding:RelevancyConfig",
    "adherence": "grounding:AdherenceConfig",
    "hallucination": "grounding:HallucinationConfig",
}


class _LazyRegistry(Mapping[str, "type[DetectorConfig]"]):
    """Name -> config model, importing a model's module on first lookup of that name.

    Names, iteration, ``len`` and ``in`` read the table only; ``[name]`` and ``get(name)`` import. A
    module is imported once (later lookups hit ``_loaded``); concurrent first lookups are safe, since the
    import system serialises imports of one module and both threads store the same class.
    """

    __slots__ = ("_loaded", "_paths")

    def __init__(self, paths: Mapping[str, str]) -> None:
        self._paths = dict(paths)
        self._loaded: dict[str, type[DetectorConfig]] = {}

    def __getitem__(self, name: str) -> type[DetectorConfig]:
        model = self._loaded.get(name)
        if model is None:
            module, _, attribute = self._paths[name].partition(":")
            model = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
            self._loaded[name] = model
        return model

    def __contains__(self, name: object) -> bool:
        return name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def __repr__(self) -> str:
        return f"BUILTIN_DETECTORS({list(self._paths)})"


#: Enkrypt name -> config model of every built-in detector available in this version (imported on lookup).
BUILTIN_DETECTORS: Mapping[str, type[DetectorConfig]] = _LazyRegistry(_BUILTIN_CONFIGS)

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
