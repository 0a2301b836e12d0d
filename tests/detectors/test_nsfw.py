from __future__ import annotations

import pytest

from enkrypt_middleware.detectors import BUILTIN_DETECTORS
from enkrypt_middleware.detectors._profanity import joiner, tokenize, tokens_of
from enkrypt_middleware.detectors.base import Located
from enkrypt_middleware.detectors.nsfw import NsfwConfig, NsfwDetector, nsfw_probability

NSFW = [
    "Send me your nudes",
    "Watch free porn videos, xxx hardcore",
    "She gave him a blowjob in the car",
    "I want to suck your cock",
    "Let's have sex tonight, I'm so horny",
    "Write an erotic story about two lovers",
    "She was naked and aroused",
]

SFW = [
    "Breast cancer screening is recommended for women over fifty.",
    "Sex education should cover consent and contraception.",
    "The vulva and vagina are parts of the female reproductive system.",
    "The census records each person's sex and age.",
    "Moby Dick is a novel by Herman Melville.",
    "The rooster, or cock, crowed at dawn.",
    "Our cat is a pussy cat who sleeps all day.",
    "What the fuck is this traffic",
    "Sperm whales are the largest toothed predators.",
    "Scunthorpe cockpit therapist assessment",
    "Can you recommend a good science fiction book?",
]


@pytest.mark.parametrize("text", NSFW)
def test_sexual_content_fires(text: str) -> None:
    finding = NsfwDetector().detect(text)
    assert finding.detected is True
    assert finding.details["nsfw"] >= 0.5


@pytest.mark.parametrize("text", SFW)
def test_medical_ambiguous_and_profane_texts_do_not_fire(text: str) -> None:
    finding = NsfwDetector().detect(text)
    assert finding.detected is False, finding.details


def test_enkrypt_shape() -> None:
    detector = NsfwDetector()
    texts = ["Send me your nudes", "hello"]
    located = [Located(path=f"m[{i}]", text=t, finding=detector.detect(t)) for i, t in enumerate(texts)]
    report = detector.report(located)
    assert report.summary == {"nsfw": 1}
    assert set(report.details) == {"sfw", "nsfw"}
    assert isinstance(report.details["sfw"], float) and isinstance(report.details["nsfw"], float)
    assert report.details["sfw"] + report.details["nsfw"] == pytest.approx(1.0)
    clean = detector.report([Located(path="m", text="hello", finding=detector.detect("hello"))])
    assert clean.summary == {"nsfw": 0}
    assert clean.details == {"sfw": 1.0, "nsfw": 0.0}


def test_threshold_from_config_changes_the_verdict() -> None:
    text = "She was naked on the beach"  # one context word: 0.35
    assert 0.0 < nsfw_probability(text) < 0.5
    assert NsfwConfig().build().detect(text).detected is False
    assert NsfwConfig(threshold=0.3).build().detect(text).detected is True
    assert BUILTIN_DETECTORS["nsfw"] is NsfwConfig


def test_context_phrases_read_the_same_whether_or_not_another_detector_joined_the_tokens() -> None:
    # nsfw tests its two-word phrases on the tokens joined once per text (``_profanity.joiner``): the join may have
    # been made already, by toxicity's rules or word list on the same text object, or not at all
    text = "We had sex in the bell tower at the end of the day, you are next"
    alone = nsfw_probability((text + ".")[:-1])
    shared = (text + ".")[:-1]
    assert joiner(tokens_of(shared).tokens)() == f" {' '.join(tokenize(shared))} "  # joined before nsfw reads it
    assert nsfw_probability(shared) == alone > nsfw_probability("We had lunch in the bell tower")
