"""Options every built-in detector accepts, and the compliance mapping of each detector."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .base import Detector

__all__ = ["COMPLIANCE_MAPPING", "DetectorConfig", "http_base_url"]


class DetectorConfig(BaseModel):
    """Options shared by every detector entry of a policy's ``detectors`` object."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = Field(default=True, description="Run this detector. Disabled detectors do not appear.")
    threshold: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description="Score at or above which the detector fires; each detector documents its default.",
    )
    block_message: str | None = Field(
        default=None, description="result_message when this detector blocks; a built-in default otherwise."
    )
    timeout_ms: int = Field(
        default=2000, gt=0, description="Time budget of one call; past it the detector counts as failed."
    )
    on_error: Literal["allow", "block"] = Field(
        default="allow", description="What a failed or timed-out detector means: allow (fail open) or block."
    )

    def build(self) -> Detector:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError


_EMPTY: dict[str, list[str]] = {
    "owasp_llm_2025": [],
    "mitre_atlas": [],
    "nist_ai_rmf": [],
    "eu_ai_act": [],
    "iso_iec_standards": [],
}


def http_base_url(value: str) -> str:
    """A remote backend's base URL (the judge, the Enkrypt API): http(s) only, without a trailing slash."""
    if not value.startswith(("http://", "https://")):
        raise ValueError("base_url must start with http:// or https://")
    return value.rstrip("/")


def _mapping(**values: list[str]) -> Mapping[str, list[str]]:
    return {**_EMPTY, **values}


#: Shown in ``details.<detector>.compliance_mapping`` when the detector fires. injection_attack,
#: toxicity and relevancy carry Enkrypt's published values; the others are ours (reference/enkrypt.md §7).
COMPLIANCE_MAPPING: Mapping[str, Mapping[str, list[str]]] = {
    "injection_attack": _mapping(
        owasp_llm_2025=["LLM01:2025 Prompt Injection"],
        mitre_atlas=["AML.T0051: LLM Prompt Injection", "AML.T0054: LLM Jailbreaking"],
        nist_ai_rmf=["MAP 2.3, MEASURE 2.3 (Input manipulation & adversarial attacks)"],
        eu_ai_act=["Article 15(4) (Robustness against manipulation)"],
        iso_iec_standards=["ISO/IEC 42001: 6.4.3", "ISO/IEC 27001: A.14.2"],
    ),
    "toxicity": _mapping(
        owasp_llm_2025=["LLM09:2025 Misinformation", "LLM05:2025 Improper Output Handling"],
        mitre_atlas=["AML.T0056: LLM Meta Prompt Extraction (Eliciting toxic responses)"],
        nist_ai_rmf=["MANAGE 2.3, MEASURE 2.7 (Harmful bias & toxicity management)"],
        eu_ai_act=["Article 15(1) (Accuracy, robustness & safety)"],
        iso_iec_standards=["ISO/IEC 42001: 6.4.3"],
    ),
    "relevancy": _mapping(
        owasp_llm_2025=["LLM09:2025 Misinformation"],
        nist_ai_rmf=["MEASURE 2.6, MEASURE 2.13 (Output quality & appropriateness)"],
        eu_ai_act=["Article 15(1) (Accuracy & performance requirements)"],
    ),
    "pii": _mapping(owasp_llm_2025=["LLM02:2025 Sensitive Information Disclosure"]),
    "keyword_detector": _mapping(owasp_llm_2025=["LLM05:2025 Improper Output Handling"]),
    "system_prompt": _mapping(owasp_llm_2025=["LLM07:2025 System Prompt Leakage"]),
    "sponge_attack": _mapping(owasp_llm_2025=["LLM10:2025 Unbounded Consumption"]),
    "hallucination": _mapping(owasp_llm_2025=["LLM09:2025 Misinformation"]),
    "adherence": _mapping(owasp_llm_2025=["LLM09:2025 Misinformation"]),
    "copyright_ip": _mapping(owasp_llm_2025=["LLM02:2025 Sensitive Information Disclosure"]),
    "bias": _mapping(owasp_llm_2025=["LLM05:2025 Improper Output Handling"]),
    "nsfw": _mapping(owasp_llm_2025=["LLM05:2025 Improper Output Handling"]),
}
