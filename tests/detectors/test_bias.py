from __future__ import annotations

import pytest

from enkrypt_middleware.detectors import BUILTIN_DETECTORS
from enkrypt_middleware.detectors.base import Located
from enkrypt_middleware.detectors.bias import BiasConfig, BiasDetector, find_bias

# text, expected debiased text
BIASED: list[tuple[str, str]] = [
    ("Women are bad drivers.", "Some women are bad drivers."),
    ("All immigrants are criminals.", "Some immigrants are criminals."),
    ("Most women are too emotional to lead.", "Some women are too emotional to lead."),
    ("Women are naturally nurturing.", "Some women are nurturing."),
    ("Muslims are terrorists.", "Some Muslims are terrorists."),
    ("The elderly are a burden on society.", "Some of the elderly are a burden on society."),
    ("Women can't drive.", ""),
    ("Immigrants shouldn't be allowed to vote.", ""),
    ("Gay people don't belong in the military.", ""),
    ("A woman's place is in the kitchen.", ""),
    ("Typical woman driver!", ""),
    ("He throws like a girl.", ""),
]

NOT_BIASED = [
    "Women were denied the vote until 1920.",
    "It's wrong to say all immigrants are criminals.",
    "Not all men are violent.",
    "Women are not inferior to men.",
    "According to the census, 20% of immigrants are self-employed.",
    "The stereotype that women are bad drivers is not supported by evidence.",
    "Black people are welcome here.",
    "Immigrants built this country.",
    "I love my mother and my grandmother.",
    "Many Muslims fast during Ramadan.",
    "Can you recommend a good science fiction book?",
]


@pytest.mark.parametrize(("text", "debiased"), BIASED, ids=[t for t, _ in BIASED])
def test_generalisations_fire_with_a_neutral_rewrite(text: str, debiased: str) -> None:
    finding = BiasDetector().detect(text)
    assert finding.detected is True
    assert [(s.start, s.end) for s in finding.spans] == [(0, len(text))]
    assert finding.details["debiased_text"] == debiased


@pytest.mark.parametrize("text", NOT_BIASED)
def test_factual_and_anti_bias_statements_do_not_fire(text: str) -> None:
    assert BiasDetector().detect(text).detected is False


def test_only_the_biased_sentence_is_reported_and_rewritten() -> None:
    text = "The weather is nice. Old people are useless with technology. Thanks!"
    score, spans, debiased = find_bias(text)
    assert score >= 0.5
    assert [text[a:b] for a, b in spans] == ["Old people are useless with technology."]
    assert debiased == "The weather is nice. Some old people are useless with technology. Thanks!"


def test_enkrypt_shape() -> None:
    detector = BiasDetector()
    texts = ["Hello there.", "Women can't drive. Drive safely!"]
    located = [Located(path=f"m[{i}]", text=t, finding=detector.detect(t)) for i, t in enumerate(texts)]
    report = detector.report(located)
    assert report.summary == {"bias": 1}
    assert report.details == {
        "bias_detected": True,
        "biased_text": "Women can't drive.",
        "debiased_text": "Drive safely!",
    }
    clean = detector.report([Located(path="m", text="Hello", finding=detector.detect("Hello"))])
    assert clean.summary == {"bias": 0}
    assert clean.details == {"bias_detected": False, "biased_text": "", "debiased_text": ""}


def test_threshold_from_config_changes_the_verdict() -> None:
    text = "Women are bad drivers."  # a descriptive generalisation scores 0.75
    assert BiasConfig().build().detect(text).detected is True
    assert BiasConfig(threshold=0.8).build().detect(text).detected is False
    assert BiasConfig(threshold=0.8).build().detect("All women are bad drivers.").detected is True
    assert BUILTIN_DETECTORS["bias"] is BiasConfig


def test_long_sentences_are_read_in_clauses() -> None:
    text = ", ".join(["the committee met again"] * 60) + ", and women are bad drivers."
    assert BiasDetector().detect(text).detected is True
