from __future__ import annotations

import pytest

from enkrypt_middleware.detectors.base import Located, ScanContext
from enkrypt_middleware.detectors.grounding import (
    AdherenceConfig,
    HallucinationConfig,
    RelevancyConfig,
    claim_supports,
    relevance,
)

CONTEXT = (
    "Elvis Aaron Presley (January 8, 1935 - August 16, 1977) was an American singer and actor. "
    "His music career began in Memphis in 1954, recording at Sun Records with producer Sam Phillips. "
    "Presley's first RCA single, Heartbreak Hotel, was released in January 1956 and became a number one hit. "
    "He served in the U.S. Army from 1958 to 1960. "
    "Graceland, his mansion in Memphis, opened to the public as a museum in 1982."
)

SUPPORTED = [
    "Elvis Presley was an American singer and actor.",
    "He started recording at Sun Records in 1954 with Sam Phillips.",
    "Heartbreak Hotel, his first RCA single, came out in January 1956 and was a number one hit.",
    "Graceland opened as a museum in 1982. He served in the Army from 1958 to 1960.",
    "Yes! He was born on January 8, 1935.",
]
UNSUPPORTED = [
    "Elvis Presley was a British painter who lived in Paris.",
    "He recorded his first album at Abbey Road studios in London with George Martin.",
    "Elvis was born in 1977.",  # a number from the context, next to the wrong fact
    "Graceland was sold to a hotel chain in 2005 and turned into a casino.",
    "I think his best song is Suspicious Minds, which my dad played every Sunday.",
]


def ctx(context: str | None = CONTEXT, question: str | None = None) -> ScanContext:
    return ScanContext(context=context, question=question, side="output")


@pytest.mark.parametrize("answer", SUPPORTED)
def test_supported_answers(answer: str) -> None:
    adherence = AdherenceConfig().build().detect(answer, ctx())
    hallucination = HallucinationConfig().build().detect(answer, ctx())
    assert adherence.detected is False and adherence.details["adherence_score"] >= 0.5
    assert hallucination.detected is False and hallucination.details["hallucination_score"] < 0.5
    assert hallucination.details["is_hallucination"] == 0
    assert hallucination.details["unsupported_sentences"] == []


@pytest.mark.parametrize("answer", UNSUPPORTED)
def test_unsupported_answers(answer: str) -> None:
    adherence = AdherenceConfig().build().detect(answer, ctx())
    hallucination = HallucinationConfig().build().detect(answer, ctx())
    assert adherence.detected is True and adherence.details["adherence_score"] < 0.5
    assert hallucination.detected is True and hallucination.details["hallucination_score"] >= 0.5
    assert hallucination.details["is_hallucination"] == 1
    assert hallucination.details["unsupported_sentences"] == [answer]


def test_mixed_answer_lists_only_the_unsupported_claims() -> None:
    good = "Elvis Presley was an American singer and actor."
    bad = "He won three Nobel prizes for chemistry in Stockholm."
    answer = f"{good} {bad} Heartbreak Hotel was his first RCA single."
    hallucination = HallucinationConfig().build().detect(answer, ctx())
    assert hallucination.details["unsupported_sentences"] == [bad]
    adherence = AdherenceConfig().build().detect(answer, ctx())
    assert adherence.details["atomic_facts"] == [good, bad, "Heartbreak Hotel was his first RCA single."]
    assert adherence.details["adherence_list"] == [1, 0, 1]
    assert adherence.details["unsupported_sentences"] == [bad]
    assert 0.3 < adherence.details["adherence_score"] < 0.9  # two thirds of the answer is supported


def test_scores_are_ordered_by_support() -> None:
    supports = [min(v for _, v in claim_supports(answer, CONTEXT)) for answer in (SUPPORTED[0], UNSUPPORTED[0])]
    assert supports[0] > 0.8 > 0.3 > supports[1]


def test_short_sentences_merge_into_claims() -> None:
    claims = [claim for claim, _ in claim_supports("Yes. Sure. He was an American singer and actor.", CONTEXT)]
    assert claims == ["Yes. Sure. He was an American singer and actor."]


def test_long_context_uses_the_right_window() -> None:
    filler = " ".join(f"Paragraph {i} is about the weather in town number {i}." for i in range(200))
    long_context = f"{filler} {CONTEXT} {filler}"
    assert claim_supports("Graceland opened as a museum in 1982.", long_context)[0][1] > 0.8
    assert claim_supports("Graceland opened as a museum in 1990.", long_context)[0][1] < 0.8


def test_without_context_nothing_is_judged() -> None:
    for detector in (AdherenceConfig().build(), HallucinationConfig().build()):
        finding = detector.detect("Anything at all.", ctx(context=None))
        assert finding.detected is False
        assert finding.details == {"skipped": "no enkrypt_context in the request"}
        report = detector.report([Located("choices[0].message.content", "Anything at all.", finding)])
        assert report.summary == {detector.name: 0}
        assert report.details["skipped"] == "no enkrypt_context in the request"


def test_json_documents_are_not_judged() -> None:
    finding = HallucinationConfig().build().detect('{"city": "Paris", "days": 3}', ctx())
    assert finding.details == {"skipped": "JSON document"}


def test_thresholds() -> None:
    answer = "Elvis recorded at Sun Records, and he also loved peanut butter sandwiches."
    score = HallucinationConfig().build().detect(answer, ctx()).details["hallucination_score"]
    assert HallucinationConfig(threshold=min(1.0, score + 0.01)).build().detect(answer, ctx()).detected is False
    assert HallucinationConfig(threshold=max(0.0, score - 0.01)).build().detect(answer, ctx()).detected is True


def test_report_takes_the_worst_choice() -> None:
    detector = HallucinationConfig().build()
    texts = [SUPPORTED[0], UNSUPPORTED[0]]
    findings = [Located(f"choices[{i}].message.content", t, detector.detect(t, ctx())) for i, t in enumerate(texts)]
    report = detector.report(findings)
    assert report.detected is True
    assert report.summary == {"hallucination": 1}
    assert report.details["unsupported_sentences"] == [UNSUPPORTED[0]]


RELEVANT = [
    ("When was Elvis born?", "Elvis Presley was born on January 8, 1935."),
    ("What was Elvis Presley's first RCA single?", "It was Heartbreak Hotel, released in 1956."),
    ("How do I reset my router password?", "Hold the reset button for ten seconds, then log in to the router page."),
    ("Which bank account has the lowest fees?", "A basic checking account usually has no monthly fee."),  # topic
    ("Who produced his first records?", "Sam Phillips."),  # a short answer naming someone
]
IRRELEVANT = [
    ("When was Elvis born?", "The best way to cook pasta is in plenty of salted boiling water."),
    ("How do I reset my router password?", "Paris is the capital of France and has many museums."),
]


@pytest.mark.parametrize(("question", "answer"), RELEVANT)
def test_relevant_answers(question: str, answer: str) -> None:
    finding = RelevancyConfig().build().detect(answer, ctx(context=None, question=question))
    assert finding.detected is False
    assert finding.details["relevancy_score"] >= 0.3


@pytest.mark.parametrize(("question", "answer"), IRRELEVANT)
def test_irrelevant_answers(question: str, answer: str) -> None:
    finding = RelevancyConfig().build().detect(answer, ctx(context=None, question=question))
    assert finding.detected is True
    assert finding.details["irrelevant_sentences"] == [answer]


def test_relevancy_uses_the_context_as_a_bridge() -> None:
    question = "Tell me about the King of Rock and Roll's time at Sun Records."
    answer = "Producer Sam Phillips worked with him in Memphis in 1954."
    without = relevance(answer, question)[0][1]
    with_context = relevance(answer, question, CONTEXT)[0][1]
    assert with_context > without


def test_relevancy_without_a_question_is_not_judged() -> None:
    finding = RelevancyConfig().build().detect("Anything.", ctx(question=None))
    assert finding.details == {"skipped": "no question in the request"}
    assert RelevancyConfig().build().detect("Anything.", ctx(question="why?")).details == {
        "skipped": "the question has no content words"
    }
